package ui

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"mapscope/mapping"
	"mapscope/procmaps"
)

// formContext is what a new form is prefilled from: the selected mapping
// and what earlier actions left behind.
type formContext struct {
	sel      *procmaps.Mapping // nil when nothing is selected (or a ghost)
	lastFD   int               // the last descriptor opened, -1 if none
	lastPath string            // the last file or shm name opened
	lastShm  bool              // lastPath is a shm name
}

// The option names of the forms' flag fields.
var (
	protOpts  = []string{"PROT_READ", "PROT_WRITE", "PROT_EXEC"}
	protBits  = []int{unix.PROT_READ, unix.PROT_WRITE, unix.PROT_EXEC}
	shareOpts = []string{"MAP_PRIVATE", "MAP_SHARED"}
)

// protOf reads a prot field: PROT_NONE when nothing is set.
func protOf(f *field) int {
	prot := 0
	for i, on := range f.on {
		if on {
			prot |= protBits[i]
		}
	}
	return prot
}

// protNames are the PROT_ options matching perms.
func protNames(p procmaps.Perms) []string {
	var on []string
	if p.Read {
		on = append(on, "PROT_READ")
	}
	if p.Write {
		on = append(on, "PROT_WRITE")
	}
	if p.Exec {
		on = append(on, "PROT_EXEC")
	}
	return on
}

// hexAddr formats an address for a prefilled field.
func hexAddr(a uint64) string { return "0x" + strconv.FormatUint(a, 16) }

// selRange returns the prefill of a range form: the selected mapping.
func (c formContext) selRange() (addr, length string) {
	if c.sel == nil {
		return "", "4k"
	}
	return hexAddr(c.sel.Start), strconv.FormatUint(c.sel.Size(), 10)
}

// sizeField validates a size field and stores the value in *v.
func sizeField(f *field, v *uint64) bool {
	n, err := parseSize(f.value())
	if err != nil {
		f.err = err.Error()
		return false
	}
	if n == 0 {
		f.err = "the length must be more than 0"
		return false
	}
	*v = n
	if n%pageSize != 0 {
		f.note = fmt.Sprintf("= %d bytes; the kernel works in whole pages: %d", n, (n+pageSize-1)/pageSize*pageSize)
	} else if f.value() != strconv.FormatUint(n, 10) {
		f.note = fmt.Sprintf("= %d bytes (%s)", n, plural(n/pageSize, "page"))
	}
	return true
}

// plural writes "1 page", "3 pages".
func plural(n uint64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// rangeFields validates an address and length pair for munmap, mprotect,
// msync and madvise.
func rangeFields(fa, fl *field) (addr, length uint64, ok bool) {
	a, err := parseAddr(fa.value(), false)
	if err != nil {
		fa.err = err.Error()
		return 0, 0, false
	}
	if !sizeField(fl, &length) {
		return 0, 0, false
	}
	if err := checkRange(a, length); err != nil {
		fa.err = err.Error()
		return 0, 0, false
	}
	return a, length, true
}

// rangeForm is a form of an address, a length and more fields, compiled by
// build once the range is valid.
func rangeForm(title string, c formContext, more []*field, build func(fm *form, addr, length uint64) action) *form {
	a, l := c.selRange()
	fields := append([]*field{newTextField("address", a, "0x7f…"), newTextField("length", l, "4k, 2M, 3*4096")}, more...)
	return &form{title: title, fields: fields, compile: func(fm *form) action {
		addr, length, ok := rangeFields(fm.field("address"), fm.field("length"))
		if !ok {
			return nil
		}
		return build(fm, addr, length)
	}}
}

// mmapForm maps new memory: anonymous, a file, or a POSIX shm object.
func mmapForm(c formContext) *form {
	path := "/tmp/mapscope-demo.dat"
	if c.lastPath != "" && !c.lastShm {
		path = c.lastPath
	}
	shm := "/my_data"
	if c.lastPath != "" && c.lastShm {
		shm = c.lastPath
	}
	fd := ""
	if c.lastFD >= 0 {
		fd = strconv.Itoa(c.lastFD)
	}
	fields := []*field{
		newTextField("length", "8k", "4k, 2M, 3*4096"),
		newFlagsField("prot", protOpts, "PROT_READ", "PROT_WRITE"),
		newOneField("sharing", shareOpts, "MAP_PRIVATE"),
		newOneField("backing", []string{"anonymous", "file", "shm", "fd"}, "anonymous"),
		newTextField("path", path, "/tmp/file"),
		newTextField("name", shm, "/name"),
		newTextField("fd", fd, "3"),
		newFlagsField("create", []string{"O_CREAT + ftruncate to length"}, "O_CREAT + ftruncate to length"),
		newTextField("offset", "0", "0, 4k"),
		newTextField("address hint", "NULL", "NULL or 0x…"),
		newFlagsField("flags", []string{"MAP_FIXED", "MAP_POPULATE"}),
	}
	return &form{title: "mmap", fields: fields, compile: compileMmap}
}

func compileMmap(fm *form) action {
	backing := fm.field("backing").choice()
	fm.field("path").hide = backing != "file"
	fm.field("name").hide = backing != "shm"
	fm.field("fd").hide = backing != "fd"
	fm.field("create").hide = backing != "file" && backing != "shm"
	fm.field("offset").hide = backing == "anonymous"

	var op mapping.MmapOp
	ok := sizeField(fm.field("length"), &op.Length)
	op.Prot = protOf(fm.field("prot"))
	op.Flags = unix.MAP_PRIVATE
	if fm.field("sharing").choice() == "MAP_SHARED" {
		op.Flags = unix.MAP_SHARED
	}
	if backing == "anonymous" {
		op.Flags |= unix.MAP_ANONYMOUS
		op.FD = -1
	}
	ff := fm.field("flags")
	if ff.set("MAP_FIXED") {
		op.Flags |= unix.MAP_FIXED
	}
	if ff.set("MAP_POPULATE") {
		op.Flags |= unix.MAP_POPULATE
	}
	hint := fm.field("address hint")
	if a, err := parseAddr(hint.value(), true); err != nil {
		hint.err, ok = err.Error(), false
	} else {
		op.Addr = a
		switch {
		case a%pageSize != 0 && op.Flags&unix.MAP_FIXED != 0:
			hint.err, ok = fmt.Sprintf("MAP_FIXED needs a page-aligned address (a multiple of %d)", pageSize), false
		case a != 0 && op.Flags&unix.MAP_FIXED == 0:
			hint.note = "a hint: the kernel may place the mapping elsewhere"
		case op.Flags&unix.MAP_FIXED != 0:
			hint.note = "MAP_FIXED replaces whatever is mapped there"
		}
		if ok && (a+op.Length < a || a+op.Length > userTop) {
			if a == 0 {
				fm.field("length").err = "larger than the whole user address space (128 TiB)"
			} else {
				hint.err = "the range passes the end of user space"
			}
			ok = false
		}
	}
	if op.Flags&unix.MAP_FIXED != 0 && op.Addr == 0 {
		hint.err, ok = "MAP_FIXED needs an address", false
	}
	if backing != "anonymous" {
		off := fm.field("offset")
		if v, err := parseSize(off.value()); err != nil {
			off.err, ok = err.Error(), false
		} else if v%pageSize != 0 {
			off.err, ok = fmt.Sprintf("the offset must be a multiple of the page size, %d (EINVAL)", pageSize), false
		} else if v > 1<<62 {
			off.err, ok = "the offset is too large", false
		} else {
			op.Offset = int64(v)
		}
	}
	if !ok {
		return nil
	}
	create := fm.field("create").set("O_CREAT + ftruncate to length")
	size := int64(0)
	if create {
		size = int64(op.Length) + op.Offset
	}
	switch backing {
	case "anonymous":
		return opAction{op}
	case "fd":
		f := fm.field("fd")
		fd, err := parseInt(f.value())
		if err != nil || fd < 0 {
			f.err = "enter an open descriptor's number (o opens one)"
			return nil
		}
		op.FD = fd
		return opAction{op}
	case "file":
		f := fm.field("path")
		if f.value() == "" {
			f.err = "enter a path"
			return nil
		}
		flags := unix.O_RDWR
		if op.Prot&unix.PROT_WRITE == 0 || op.Flags&unix.MAP_PRIVATE != 0 {
			flags = unix.O_RDONLY
		}
		if create {
			flags = unix.O_RDWR | unix.O_CREAT
		}
		return mmapFileAction{open: mapping.OpenOp{Path: f.value(), Flags: flags, Mode: 0o666}, size: size, mmap: op}
	default: // shm
		f := fm.field("name")
		if err := checkShmName(f.value()); err != nil {
			f.err = err.Error()
			return nil
		}
		flags := unix.O_RDWR
		if create {
			flags |= unix.O_CREAT
		}
		return mmapFileAction{open: mapping.ShmOpenOp{Name: f.value(), Flags: flags, Mode: 0o666}, size: size, mmap: op}
	}
}

// checkShmName checks a POSIX shm name as glibc does (mapping.ShmPath).
func checkShmName(name string) error {
	_, err := mapping.ShmPath(name)
	return err
}

// lifeline warns when the selected mapping is one the process cannot live
// without: a call that removes or protects it crashes the process.
func lifeline(sel *procmaps.Mapping, addr, length uint64) string {
	if sel == nil || addr >= sel.End || addr+length <= sel.Start {
		return ""
	}
	switch sel.Kind {
	case procmaps.KindCode:
		return "careful: this is code the process runs — without it the process dies of SIGSEGV at its next instruction there"
	case procmaps.KindStack:
		return "careful: this is the process's stack — without it the process dies of SIGSEGV"
	case procmaps.KindRodata, procmaps.KindData, procmaps.KindHeap:
		if !sel.Anonymous() || sel.Kind == procmaps.KindHeap {
			return "careful: the process uses this memory — touching it afterwards is SIGSEGV"
		}
	}
	return ""
}

func munmapForm(c formContext) *form {
	return rangeForm("munmap", c, nil, func(fm *form, addr, length uint64) action {
		if c.sel != nil && (addr > c.sel.Start || addr+length < c.sel.End) && addr < c.sel.End && addr+length > c.sel.Start {
			fm.field("length").note = "a part of the mapping: it splits"
		}
		if w := lifeline(c.sel, addr, length); w != "" {
			fm.field("address").note = w
		}
		return opAction{mapping.MunmapOp{Addr: addr, Length: length}}
	})
}

func mprotectForm(c formContext) *form {
	var on []string
	if c.sel != nil {
		on = protNames(c.sel.Perms)
	}
	return rangeForm("mprotect", c, []*field{newFlagsField("prot", protOpts, on...)}, func(fm *form, addr, length uint64) action {
		if c.sel != nil && (addr > c.sel.Start || addr+length < c.sel.End) && addr < c.sel.End && addr+length > c.sel.Start {
			fm.field("length").note = "a part of the mapping: it splits"
		}
		if prot := protOf(fm.field("prot")); c.sel != nil && (c.sel.Perms.Exec && prot&unix.PROT_EXEC == 0 || c.sel.Perms.Write && prot&unix.PROT_WRITE == 0) {
			if w := lifeline(c.sel, addr, length); w != "" {
				fm.field("address").note = w
			}
		}
		return opAction{mapping.MprotectOp{Addr: addr, Length: length, Prot: protOf(fm.field("prot"))}}
	})
}

func msyncForm(c formContext) *form {
	more := []*field{
		newOneField("mode", []string{"MS_SYNC", "MS_ASYNC"}, "MS_SYNC"),
		newFlagsField("also", []string{"MS_INVALIDATE"}),
	}
	return rangeForm("msync", c, more, func(fm *form, addr, length uint64) action {
		flags := unix.MS_SYNC
		if fm.field("mode").choice() == "MS_ASYNC" {
			flags = unix.MS_ASYNC
		}
		if fm.field("also").set("MS_INVALIDATE") {
			flags |= unix.MS_INVALIDATE
		}
		return opAction{mapping.MsyncOp{Addr: addr, Length: length, Flags: flags}}
	})
}

// adviceOpts are the advice values the madvise form offers.
var adviceOpts = []string{"MADV_DONTNEED", "MADV_WILLNEED", "MADV_FREE", "MADV_PAGEOUT", "MADV_COLD", "MADV_NORMAL", "MADV_SEQUENTIAL", "MADV_RANDOM"}

var adviceVals = map[string]int{
	"MADV_DONTNEED": unix.MADV_DONTNEED, "MADV_WILLNEED": unix.MADV_WILLNEED, "MADV_FREE": unix.MADV_FREE,
	"MADV_PAGEOUT": unix.MADV_PAGEOUT, "MADV_COLD": unix.MADV_COLD, "MADV_NORMAL": unix.MADV_NORMAL,
	"MADV_SEQUENTIAL": unix.MADV_SEQUENTIAL, "MADV_RANDOM": unix.MADV_RANDOM,
}

func madviseForm(c formContext) *form {
	more := []*field{newOneField("advice", adviceOpts, "MADV_DONTNEED")}
	return rangeForm("madvise", c, more, func(fm *form, addr, length uint64) action {
		adv := fm.field("advice").choice()
		if adv == "MADV_DONTNEED" {
			fm.field("advice").note = "RSS drops; private anonymous pages read back as zero"
		}
		return opAction{mapping.MadviseOp{Addr: addr, Length: length, Advice: adviceVals[adv]}}
	})
}

// addrField validates an address that must be mapped (a write or read).
func addrField(f *field) (uint64, bool) {
	a, err := parseAddr(f.value(), false)
	if err != nil {
		f.err = err.Error()
		return 0, false
	}
	return a, true
}

func writeForm(c formContext) *form {
	a, _ := c.selRange()
	fields := []*field{
		newTextField("address", a, "0x7f…"),
		newOneField("type", []string{"string", "char", "int", "long", "memset"}, "string"),
		newTextField("value", "hello", `text, "with\nescapes", 42, 'A'`),
		newTextField("count", "4k", "bytes to set"),
	}
	return &form{title: "write", fields: fields, compile: func(fm *form) action {
		kind := fm.field("type").choice()
		fm.field("count").hide = kind != "memset"
		addr, ok := addrField(fm.field("address"))
		var count uint64
		if kind == "memset" && !sizeField(fm.field("count"), &count) {
			ok = false
		}
		if !ok {
			return nil
		}
		data, text, err := encodeWrite(addr, kind, fm.field("value").value(), count)
		if err != nil {
			fm.field("value").err = err.Error()
			return nil
		}
		return writeAction{addr: addr, data: data, c: text}
	}}
}

func readForm(c formContext) *form {
	a, _ := c.selRange()
	fields := []*field{newTextField("address", a, "0x7f…"), newTextField("count", "64", "bytes, at most 4k")}
	return &form{title: "read", fields: fields, compile: func(fm *form) action {
		addr, ok := addrField(fm.field("address"))
		var n uint64
		if !sizeField(fm.field("count"), &n) {
			ok = false
		} else if n > 4096 {
			fm.field("count").err, ok = "at most 4096 bytes at a time", false
		}
		fm.field("count").note = ""
		if !ok {
			return nil
		}
		return readAction{addr: addr, n: int(n)}
	}}
}

// openModes are the access modes the open form offers.
var openModes = []string{"O_RDONLY", "O_WRONLY", "O_RDWR"}

func openForm(c formContext) *form {
	what := "shm_open"
	name := "/my_data"
	if c.lastPath != "" {
		name = c.lastPath
		if !c.lastShm {
			what = "open"
		}
	}
	fields := []*field{
		newOneField("call", []string{"shm_open", "open"}, what),
		newTextField("name", name, "/my_data or /tmp/file"),
		newOneField("access", openModes, "O_RDWR"),
		newFlagsField("flags", []string{"O_CREAT", "O_EXCL", "O_TRUNC"}, "O_CREAT"),
		newTextField("mode", "0666", "0666"),
	}
	return &form{title: "open / shm_open", fields: fields, compile: func(fm *form) action {
		shm := fm.field("call").choice() == "shm_open"
		nf := fm.field("name")
		flags := map[string]int{"O_RDONLY": unix.O_RDONLY, "O_WRONLY": unix.O_WRONLY, "O_RDWR": unix.O_RDWR}[fm.field("access").choice()]
		ff := fm.field("flags")
		for i, o := range ff.opts {
			if ff.on[i] {
				flags |= map[string]int{"O_CREAT": unix.O_CREAT, "O_EXCL": unix.O_EXCL, "O_TRUNC": unix.O_TRUNC}[o]
			}
		}
		mf := fm.field("mode")
		mf.hide = flags&unix.O_CREAT == 0 && !shm
		mode, err := strconv.ParseUint(strings.TrimSpace(mf.value()), 8, 32)
		if err != nil || mode > 0o7777 {
			mf.err = "an octal mode such as 0666"
			return nil
		}
		if shm {
			if err := checkShmName(nf.value()); err != nil {
				nf.err = err.Error()
				return nil
			}
			nf.note = "the object will be /dev/shm" + nf.value()
			return opAction{mapping.ShmOpenOp{Name: nf.value(), Flags: flags, Mode: uint32(mode)}}
		}
		if nf.value() == "" {
			nf.err = "enter a path"
			return nil
		}
		return opAction{mapping.OpenOp{Path: nf.value(), Flags: flags, Mode: uint32(mode)}}
	}}
}

// fdField validates a descriptor field.
func fdField(f *field) (int, bool) {
	fd, err := parseInt(f.value())
	if err != nil || fd < 0 {
		f.err = "enter a descriptor number (the log shows what open returned)"
		return 0, false
	}
	return fd, true
}

func lastFD(c formContext) string {
	if c.lastFD < 0 {
		return ""
	}
	return strconv.Itoa(c.lastFD)
}

func ftruncateForm(c formContext) *form {
	fields := []*field{newTextField("fd", lastFD(c), "3"), newTextField("length", "1024", "1024, 4k")}
	return &form{title: "ftruncate", fields: fields, compile: func(fm *form) action {
		fd, ok := fdField(fm.field("fd"))
		lf := fm.field("length")
		n, err := parseSize(lf.value())
		if err != nil {
			lf.err, ok = err.Error(), false
		} else if n > 1<<62 {
			lf.err, ok = "too large for a file", false
		}
		if !ok {
			return nil
		}
		return opAction{mapping.FtruncateOp{FD: fd, Length: int64(n)}}
	}}
}

func closeForm(c formContext) *form {
	fields := []*field{newTextField("fd", lastFD(c), "3")}
	return &form{title: "close", fields: fields, compile: func(fm *form) action {
		fd, ok := fdField(fm.field("fd"))
		if !ok {
			return nil
		}
		fm.field("fd").note = "mappings made from it remain"
		return opAction{mapping.CloseOp{FD: fd}}
	}}
}

func unlinkForm(c formContext) *form {
	what, name := "shm_unlink", "/my_data"
	if c.lastPath != "" {
		name = c.lastPath
		if !c.lastShm {
			what = "unlink"
		}
	}
	fields := []*field{newOneField("call", []string{"shm_unlink", "unlink"}, what), newTextField("name", name, "/my_data or /tmp/file")}
	return &form{title: "unlink / shm_unlink", fields: fields, compile: func(fm *form) action {
		nf := fm.field("name")
		if fm.field("call").choice() == "shm_unlink" {
			if err := checkShmName(nf.value()); err != nil {
				nf.err = err.Error()
				return nil
			}
			nf.note = "the name goes; the memory stays until the last munmap"
			return opAction{mapping.ShmUnlinkOp{Name: nf.value()}}
		}
		if nf.value() == "" {
			nf.err = "enter a path"
			return nil
		}
		return opAction{mapping.UnlinkOp{Path: nf.value()}}
	}}
}
