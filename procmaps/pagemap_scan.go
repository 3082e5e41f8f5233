package procmaps

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The PAGEMAP_SCAN ioctl (Linux 6.7, include/uapi/linux/fs.h; engine.md
// fact 24): instead of 8 bytes for every page, it returns runs of pages
// that share a set of categories.
const (
	pagemapScan = 0xC0606610 // _IOWR('f', 16, struct pm_scan_arg)

	// ScanWritten and the others are the page categories of PAGEMAP_SCAN.
	ScanWritten   = 1 << 1
	ScanFile      = 1 << 2
	ScanPresent   = 1 << 3
	ScanSwapped   = 1 << 4
	ScanPFNZero   = 1 << 5
	ScanHuge      = 1 << 6
	ScanSoftDirty = 1 << 7
	ScanGuard     = 1 << 8
)

// pmScanArg is struct pm_scan_arg.
type pmScanArg struct {
	size, flags, start, end, walkEnd, vec, vecLen, maxPages       uint64
	categoryInverted, categoryMask, categoryAnyofMask, returnMask uint64
}

// PageRegion is a run of pages [Start, End) with the same categories.
type PageRegion struct {
	Start, End uint64
	Categories uint64
}

// ErrNoPagemapScan reports a kernel without the PAGEMAP_SCAN ioctl.
var ErrNoPagemapScan = errors.New("this kernel has no PAGEMAP_SCAN ioctl (Linux 6.7+)")

// ScanPagemap returns the runs of pages in [start, end) that are present or
// swapped, with their categories, from one PAGEMAP_SCAN ioctl per 512
// runs. For a large mapping with few pages in memory it answers without
// reading 8 bytes per page.
func ScanPagemap(root string, pid int, start, end uint64) ([]PageRegion, error) {
	f, err := os.Open(filepath.Join(root, strconv.Itoa(pid), "pagemap"))
	if err != nil {
		return nil, pagemapError(root, pid, err)
	}
	defer f.Close()
	var out []PageRegion
	vec := make([]PageRegion, 512)
	for start < end {
		arg := pmScanArg{
			size: uint64(unsafe.Sizeof(pmScanArg{})), start: start, end: end,
			vec: uint64(uintptr(unsafe.Pointer(&vec[0]))), vecLen: uint64(len(vec)),
			categoryAnyofMask: ScanPresent | ScanSwapped,
			returnMask:        ScanWritten | ScanFile | ScanPresent | ScanSwapped | ScanPFNZero | ScanHuge | ScanSoftDirty | ScanGuard,
		}
		n, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), pagemapScan, uintptr(unsafe.Pointer(&arg)))
		if errno == unix.ENOTTY || errno == unix.EINVAL && len(out) == 0 && arg.walkEnd == 0 {
			return nil, ErrNoPagemapScan
		}
		if errno != 0 {
			return out, fmt.Errorf("PAGEMAP_SCAN: %w", errno)
		}
		out = append(out, vec[:n]...)
		if arg.walkEnd <= start {
			break
		}
		start = arg.walkEnd
	}
	return out, nil
}
