package mapping

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// region is one line of /proc/<pid>/maps, reduced to what the engine needs:
// where a syscall instruction can be found (the vDSO) and what signal an
// access would raise. It is a small parser of its own because the engine needs
// only ranges and permissions, fast, under a stopped process; procmaps (which
// mapping imports for pagemap) is the full reader.
type region struct {
	start, end uint64
	perms      string // "r-xp"
	inode      uint64
	path       string
}

func (r region) contains(addr uint64) bool { return addr >= r.start && addr < r.end }
func (r region) readable() bool            { return r.perms[0] == 'r' }
func (r region) writable() bool            { return r.perms[1] == 'w' }
func (r region) executable() bool          { return r.perms[2] == 'x' }

// readRegions reads and parses /proc/<pid>/maps.
func readRegions(pid int) ([]region, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, err
	}
	return parseRegions(data)
}

// parseRegions parses the text of a maps file.
func parseRegions(data []byte) ([]region, error) {
	var out []region
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		r, err := parseRegion(sc.Text())
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// parseRegion parses one maps line:
// "7f3a1c000000-7f3a1c002000 rw-s 00000000 00:01 1234    /dev/shm/x (deleted)".
func parseRegion(line string) (region, error) {
	bad := fmt.Errorf("maps line %q: unexpected format", line)
	fields := strings.SplitN(line, " ", 6)
	if len(fields) < 5 || len(fields[1]) != 4 {
		return region{}, bad
	}
	lo, hi, ok := strings.Cut(fields[0], "-")
	if !ok {
		return region{}, bad
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	inode, err3 := strconv.ParseUint(fields[4], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return region{}, bad
	}
	r := region{start: start, end: end, perms: fields[1], inode: inode}
	if len(fields) == 6 {
		r.path = strings.TrimLeft(fields[5], " ")
	}
	return r, nil
}

// regionAt returns the region containing addr.
func regionAt(regions []region, addr uint64) (region, bool) {
	for _, r := range regions {
		if r.contains(addr) {
			return r, true
		}
	}
	return region{}, false
}
