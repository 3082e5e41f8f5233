package procmaps

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SmapsField is one "Key: value" line of a smaps entry, in the kernel's
// order. Fields the kernel adds in the future are kept like any other.
type SmapsField struct {
	Key   string
	Value string // the text after the colon, trimmed ("4 kB", "0", "1")
	// Bytes is the value in bytes when the value is a size ("N kB");
	// IsSize says whether it was one.
	Bytes  uint64
	IsSize bool
}

// VmFlag is one two-letter flag of the VmFlags line.
type VmFlag struct {
	Code    string // as the kernel prints it, e.g. "rd"
	Meaning string // words, or "" for a flag this version does not know
}

// Smaps is the smaps entry of one mapping.
type Smaps struct {
	Mapping Mapping
	Fields  []SmapsField
	VmFlags []VmFlag
}

// Get returns the field with the given key.
func (s *Smaps) Get(key string) (SmapsField, bool) {
	for _, f := range s.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return SmapsField{}, false
}

// Bytes returns the size field key in bytes, or 0.
func (s *Smaps) Bytes(key string) uint64 {
	f, _ := s.Get(key)
	return f.Bytes
}

// ReadSmapsAt reads the smaps entry of the mapping that starts at start. It
// stops reading at that entry, so low mappings are cheap even in a process
// with many. It returns ErrNoProcess if the process is gone and an error
// naming the address when no mapping starts there (any more).
func ReadSmapsAt(root string, pid int, start uint64) (*Smaps, error) {
	f, err := os.Open(filepath.Join(root, strconv.Itoa(pid), "smaps"))
	if err != nil {
		return nil, describe(pid, err)
	}
	defer f.Close()
	var found *Smaps
	err = scanSmaps(bufio.NewReaderSize(f, 64<<10), func(m Mapping) bool {
		return m.Start == start
	}, func(s *Smaps) bool {
		found = s
		return false
	})
	if err != nil {
		return nil, describe(pid, err)
	}
	if found == nil {
		return nil, fmt.Errorf("pid %d: no mapping starts at %#x", pid, start)
	}
	return found, nil
}

// ReadAllSmaps reads the smaps entries of every mapping, in address order.
// It is as expensive for the target as reading smaps_rollup once per
// mapping would be cheap — use it for one-shot reports, not for every tick.
func ReadAllSmaps(root string, pid int) ([]*Smaps, error) {
	f, err := os.Open(filepath.Join(root, strconv.Itoa(pid), "smaps"))
	if err != nil {
		return nil, describe(pid, err)
	}
	defer f.Close()
	var all []*Smaps
	err = scanSmaps(bufio.NewReaderSize(f, 64<<10), func(Mapping) bool { return true }, func(s *Smaps) bool {
		all = append(all, s)
		return true
	})
	if err != nil {
		return nil, describe(pid, err)
	}
	return all, nil
}

// ParseSmaps parses a whole smaps text (fixtures, tests).
func ParseSmaps(text []byte) ([]*Smaps, error) {
	var all []*Smaps
	err := scanSmaps(bufio.NewReader(bytes.NewReader(text)), func(Mapping) bool { return true }, func(s *Smaps) bool {
		all = append(all, s)
		return true
	})
	return all, err
}

// scanSmaps walks smaps entries; want chooses which entries to parse and
// yield receives them until it returns false.
func scanSmaps(r *bufio.Reader, want func(Mapping) bool, yield func(*Smaps) bool) error {
	var parser Parser
	var cur *Smaps
	flush := func() bool {
		if cur == nil {
			return true
		}
		s := cur
		cur = nil
		return yield(s)
	}
	skipping := false
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A header with a very long path: collect the whole line.
			full := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = r.ReadSlice('\n')
				full = append(full, line...)
			}
			line = full
		}
		if err != nil && err != io.EOF {
			return err
		}
		if len(line) == 0 && err != nil {
			break
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		if key, value, ok := smapsField(line); ok {
			if cur != nil && !skipping {
				cur.addField(key, value)
			}
		} else if len(line) > 0 {
			var m Mapping
			if _, perr := parser.parseLine(line, &m); perr != nil {
				return perr
			}
			if !flush() {
				return nil
			}
			skipping = !want(m)
			if !skipping {
				cur = &Smaps{Mapping: m}
			}
		}
		if err != nil {
			break
		}
	}
	flush()
	return nil
}

// smapsField recognises a "Key: value" line. A maps header line never has
// a colon right after a run of letters, digits and underscores at its start
// (it starts with a hex address followed by '-').
func smapsField(line []byte) (key, value string, ok bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", "", false
	}
	for _, c := range line[:i] {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return "", "", false
		}
	}
	return string(line[:i]), strings.TrimSpace(string(line[i+1:])), true
}

func (s *Smaps) addField(key, value string) {
	if key == "VmFlags" {
		for code := range strings.FieldsSeq(value) {
			s.VmFlags = append(s.VmFlags, VmFlag{Code: code, Meaning: vmFlagMeanings[code]})
		}
	}
	f := SmapsField{Key: key, Value: value}
	if num, ok := strings.CutSuffix(value, " kB"); ok {
		if n, err := strconv.ParseUint(strings.TrimSpace(num), 10, 64); err == nil {
			f.Bytes, f.IsSize = n*1024, true
		}
	}
	s.Fields = append(s.Fields, f)
}

// vmFlagMeanings are the VmFlags codes of fs/proc/task_mmu.c
// (show_smap_vma_flags) in words.
var vmFlagMeanings = map[string]string{
	"rd": "readable", "wr": "writeable", "ex": "executable", "sh": "shared",
	"mr": "may read", "mw": "may write", "me": "may execute", "ms": "may share",
	"gd": "stack segment grows down", "pf": "pure PFN range", "dw": "disabled write to the mapped file",
	"lo": "pages are locked in memory", "io": "memory-mapped I/O area",
	"sr": "sequential read advised", "rr": "random read advised",
	"dc": "do not copy on fork", "de": "do not expand on remap", "ac": "area is accountable",
	"nr": "swap space is not reserved", "ht": "uses huge TLB pages", "sf": "synchronous page faults",
	"nl": "non-linear mapping", "ar": "architecture-specific flag", "wf": "wiped on fork",
	"dd": "not included in core dumps", "sd": "soft-dirty", "mm": "mixed map area",
	"hg": "huge pages advised", "nh": "no huge pages advised", "mg": "mergeable (KSM) advised",
	"bt": "arm64 BTI guarded page", "mt": "arm64 MTE tags enabled",
	"um": "userfaultfd missing-page tracking", "uw": "userfaultfd write-protect tracking",
	"ui": "userfaultfd minor-fault tracking", "ss": "shadow stack", "sl": "sealed (mseal)",
	"lf": "lock pages on fault", "dp": "always lazily freeable", "gu": "guard regions installed",
}

// FieldMeaning returns a one-line explanation of a smaps key, or "" for a
// key this version does not know.
func FieldMeaning(key string) string { return fieldMeanings[key] }

var fieldMeanings = map[string]string{
	"Size":            "virtual size of the mapping",
	"KernelPageSize":  "page size the kernel uses for this mapping",
	"MMUPageSize":     "page size the MMU uses for this mapping",
	"Rss":             "resident: how much of it is in RAM now",
	"Pss":             "proportional share: resident, with each shared page divided by its sharers",
	"Pss_Dirty":       "the dirty part of Pss",
	"Pss_Anon":        "the anonymous part of Pss",
	"Pss_File":        "the file-backed part of Pss",
	"Pss_Shmem":       "the shared-memory part of Pss",
	"Shared_Clean":    "resident, unmodified, also mapped by other processes",
	"Shared_Dirty":    "resident, modified, also mapped by other processes",
	"Private_Clean":   "resident, unmodified, mapped by this process only (not MAP_PRIVATE!)",
	"Private_Dirty":   "resident, modified, mapped by this process only (not MAP_PRIVATE!)",
	"Referenced":      "marked as recently accessed",
	"Anonymous":       "not backed by a file (includes copy-on-write copies of file pages)",
	"KSM":             "merged by kernel same-page merging",
	"LazyFree":        "freed with MADV_FREE, reclaimed only under pressure",
	"AnonHugePages":   "backed by transparent huge pages",
	"ShmemPmdMapped":  "shared memory mapped with huge pages",
	"FilePmdMapped":   "file pages mapped with huge pages",
	"Shared_Hugetlb":  "hugetlbfs pages shared with other processes",
	"Private_Hugetlb": "hugetlbfs pages of this process only",
	"Swap":            "swapped out to disk",
	"SwapPss":         "proportional share of the swapped-out pages",
	"Locked":          "locked in RAM (mlock)",
	"THPeligible":     "1 if transparent huge pages may back it",
	"ProtectionKey":   "memory protection key",
	"VmFlags":         "the kernel's flags for this mapping, in words below",
}
