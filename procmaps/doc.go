// Package procmaps is mapscope's read side: it turns /proc/<pid>/maps,
// smaps, smaps_rollup and the process's identity into plain data — a
// Snapshot of Mappings — and computes what changed between two snapshots.
// ReadPagemap reads /proc/<pid>/pagemap for the pages of one range only:
// which are present, swapped, exclusive or shared, and their frames
// (ScanPagemap asks the PAGEMAP_SCAN ioctl for runs instead). ReadFDs
// lists a process's open file descriptors with their open flags, ShmObjects
// the POSIX shared memory namespace with the watched processes that map
// each object — unlinked ones included, while something still maps them.
//
// It never acts on the process and never imports the UI. Paths are kept
// exactly as the kernel wrote them (runs of spaces, trailing spaces, the
// kernel's "\012" for a newline, bytes that are not UTF-8).
//
// A typical loop:
//
//	src := procmaps.NewSource("/proc", pid)
//	snap, changed, err := src.Read()
//	if err == nil && changed {
//		changes := procmaps.Diff(prev.Mappings, snap.Mappings)
//		_ = changes
//	}
package procmaps
