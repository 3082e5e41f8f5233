package procmaps

import (
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"unicode/utf8"
)

// Report is the stable JSON shape of `mapscope maps PID --json`: the
// process identity, its totals and every mapping. Addresses and offsets are
// "0x…" strings because JSON numbers lose precision above 2^53; sizes are
// numbers of bytes. Fields are only ever added, never renamed or removed.
type Report struct {
	PID      int             `json:"pid"`
	PPID     int             `json:"ppid"`
	Comm     string          `json:"comm"`
	Cmdline  []string        `json:"cmdline"`
	Exe      string          `json:"exe,omitempty"`
	State    string          `json:"state"`
	UID      uint64          `json:"uid"`
	Totals   ReportTotals    `json:"totals"`
	Mappings []ReportMapping `json:"mappings"`
}

// ReportTotals are the process-wide figures of a Report, in bytes.
type ReportTotals struct {
	Mappings     int    `json:"mappings"`
	VirtualSize  uint64 `json:"virtual_size"`
	Rss          uint64 `json:"rss"`
	Pss          uint64 `json:"pss"`
	SharedClean  uint64 `json:"shared_clean"`
	SharedDirty  uint64 `json:"shared_dirty"`
	PrivateClean uint64 `json:"private_clean"`
	PrivateDirty uint64 `json:"private_dirty"`
	Anonymous    uint64 `json:"anonymous"`
	Swap         uint64 `json:"swap"`
	SwapPss      uint64 `json:"swap_pss"`
}

// ReportMapping is one mapping of a Report.
type ReportMapping struct {
	Start  string `json:"start"`
	End    string `json:"end"`
	Size   uint64 `json:"size"`
	Perms  string `json:"perms"`
	Offset string `json:"offset"`
	Dev    string `json:"dev"`
	Inode  uint64 `json:"inode"`
	// Path is the name exactly as the kernel wrote it. JSON strings are
	// UTF-8, so when the name has other bytes PathBase64 holds them all.
	Path       string `json:"path"`
	PathBase64 string `json:"path_base64,omitempty"`
	Kind       string `json:"kind"`
	// Smaps holds the size fields of smaps in bytes, keyed as the kernel
	// names them ("Rss", "Private_Dirty", …), when they were read.
	Smaps   map[string]uint64 `json:"smaps,omitempty"`
	VmFlags []string          `json:"vm_flags,omitempty"`
}

// NewReport builds a Report. smaps may be nil; when given, its entries are
// matched to mappings by start address.
func NewReport(id Identity, totals Totals, snap *Snapshot, smaps []*Smaps) Report {
	r := Report{
		PID: id.PID, PPID: id.PPID, Comm: id.Comm, Cmdline: id.Cmdline, Exe: id.Exe,
		State: id.State, UID: id.UID,
		Totals: ReportTotals{
			Mappings: len(snap.Mappings), VirtualSize: snap.VirtualSize(),
			Rss: totals.Rss, Pss: totals.Pss,
			SharedClean: totals.SharedClean, SharedDirty: totals.SharedDirty,
			PrivateClean: totals.PrivateClean, PrivateDirty: totals.PrivateDirty,
			Anonymous: totals.Anonymous, Swap: totals.Swap, SwapPss: totals.SwapPss,
		},
		Mappings: make([]ReportMapping, 0, len(snap.Mappings)),
	}
	if r.Cmdline == nil {
		r.Cmdline = []string{}
	}
	byStart := make(map[uint64]*Smaps, len(smaps))
	for _, s := range smaps {
		byStart[s.Mapping.Start] = s
	}
	for _, m := range snap.Mappings {
		rm := ReportMapping{
			Start: hex(m.Start), End: hex(m.End), Size: m.Size(), Perms: m.Perms.String(),
			Offset: hex(m.Offset), Dev: m.Dev(), Inode: m.Inode, Path: m.Path, Kind: m.Kind.String(),
		}
		if !utf8.ValidString(m.Path) {
			rm.PathBase64 = base64.StdEncoding.EncodeToString([]byte(m.Path))
		}
		if s := byStart[m.Start]; s != nil {
			rm.Smaps = make(map[string]uint64)
			for _, f := range s.Fields {
				if f.IsSize {
					rm.Smaps[f.Key] = f.Bytes
				}
			}
			for _, fl := range s.VmFlags {
				rm.VmFlags = append(rm.VmFlags, fl.Code)
			}
		}
		r.Mappings = append(r.Mappings, rm)
	}
	return r
}

func hex(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }

// WriteTable prints a Report as a pmap-like table, one mapping a line, with
// the smaps figures when they were read, and a totals line.
func WriteTable(w io.Writer, r Report) error {
	fmt.Fprintf(w, "%d:   %s\n", r.PID, commandOf(r))
	// Numbers align right in columns; the kind and the path, the text
	// after the last tab, stay left-aligned as pmap prints them.
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', tabwriter.AlignRight)
	kindW := len("KIND")
	for _, m := range r.Mappings {
		kindW = max(kindW, len(m.Kind))
	}
	fmt.Fprintf(tw, "START\tEND\tSIZE\tPERM\tOFFSET\tDEV\tINODE\tRSS\tPSS\tDIRTY\tSWAP\t  %-*s  PATH\n", kindW, "KIND")
	for _, m := range r.Mappings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t  %-*s  %s\n",
			m.Start[2:], m.End[2:], FormatSize(m.Size), m.Perms, m.Offset[2:], m.Dev, m.Inode,
			smapsSize(m, "Rss"), smapsSize(m, "Pss"), dirty(m), smapsSize(m, "Swap"), kindW, m.Kind, m.Path)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	t := r.Totals
	_, err := fmt.Fprintf(w, "total: %d mappings, %s virtual, %s resident (Pss %s), %s swapped\n",
		t.Mappings, FormatSize(t.VirtualSize), FormatSize(t.Rss), FormatSize(t.Pss), FormatSize(t.Swap))
	return err
}

func commandOf(r Report) string {
	return Identity{Comm: r.Comm, Cmdline: r.Cmdline}.Command()
}

func smapsSize(m ReportMapping, key string) string {
	if m.Smaps == nil {
		return "-"
	}
	return FormatSize(m.Smaps[key])
}

func dirty(m ReportMapping) string {
	if m.Smaps == nil {
		return "-"
	}
	return FormatSize(m.Smaps["Shared_Dirty"] + m.Smaps["Private_Dirty"])
}

// FormatSize formats a byte count the way ls -h does: one decimal below
// ten units ("4.0K", "2.0M"), none above ("132K"), never more than five
// cells wide. The table, the header and the plain report all use it.
func FormatSize(b uint64) string {
	const units = "KMGTPE"
	if b < 1024 {
		return strconv.FormatUint(b, 10) + "B"
	}
	v := float64(b) / 1024
	u := 0
	for v >= 1023.5 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if v < 9.95 {
		return strconv.FormatFloat(v, 'f', 1, 64) + units[u:u+1]
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + units[u:u+1]
}
