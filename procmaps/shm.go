package procmaps

import (
	"cmp"
	"errors"
	"io/fs"
	"maps"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ShmObject is a POSIX shared memory object: a file of the shm directory
// (normally /dev/shm, where shm_open creates them), or one that was
// shm_unlink'ed while a watched process still maps it.
type ShmObject struct {
	Name  string // as shm_open names it: "/my_data"
	Path  string // "/dev/shm/my_data"
	Inode uint64
	// Size is the file size. For a Deleted object it is the end of the
	// furthest mapping of it (offset + length), which is what the
	// watched processes can reach.
	Size     int64
	UID, GID uint32
	Owner    string // the user name, or the UID in decimal when it has none
	Mode     fs.FileMode
	// MappedBy are the processes, among the ones asked about, that map the
	// object, ascending.
	MappedBy []int
	// Deleted means the name is gone (shm_unlink) but the memory stays
	// until the last munmap. Only the name, path, inode, size and MappedBy
	// of a deleted object are known: UID, GID and Mode are zero and Owner
	// is "".
	Deleted bool
}

// fileID identifies a file across paths: a mapping and a directory entry
// are the same object when device and inode agree.
type fileID struct {
	dev, ino uint64
}

// ReadShm lists the shared memory objects of the directory dir (normally
// "/dev/shm") and, for each, which of the processes pids map it, reading
// their maps under the proc file system mounted at root. Objects that were
// unlinked but are still mapped by one of pids are listed too, marked
// Deleted. The list is sorted by name, a live object before a deleted one
// of the same name.
//
// A mapping matches an object of dir by device and inode, whatever path the
// process sees it under; a deleted one by its path, dir/NAME (deleted). A
// process that has exited maps nothing; any other error reading a
// process's maps (such as fs.ErrPermission) is returned.
func ReadShm(dir string, pids []int, root string) ([]ShmObject, error) {
	maps := make(map[int][]Mapping)
	for _, pid := range sortedUnique(pids) {
		snap, _, err := NewSource(root, pid).Read()
		if errors.Is(err, ErrNoProcess) || errors.Is(err, ErrNoMappings) {
			continue
		}
		if err != nil {
			return nil, err
		}
		maps[pid] = snap.Mappings
	}
	return ShmObjects(dir, maps)
}

// ShmObjects is ReadShm for processes whose mappings the caller has read
// already (a viewer's snapshots): it reads only dir.
func ShmObjects(dir string, byPid map[int][]Mapping) ([]ShmObject, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var objs []ShmObject
	index := make(map[fileID]int)
	owners := make(map[uint32]string)
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // unlinked since the directory was read
		}
		if err != nil {
			return nil, err
		}
		st := fi.Sys().(*syscall.Stat_t)
		owner, ok := owners[st.Uid]
		if !ok {
			owner = userName(st.Uid)
			owners[st.Uid] = owner
		}
		index[fileID{uint64(st.Dev), st.Ino}] = len(objs)
		objs = append(objs, ShmObject{
			Name:  "/" + e.Name(),
			Path:  filepath.Join(dir, e.Name()),
			Inode: st.Ino,
			Size:  fi.Size(),
			UID:   st.Uid,
			GID:   st.Gid,
			Owner: owner,
			Mode:  fi.Mode(),
		})
	}

	for _, pid := range slices.Sorted(maps.Keys(byPid)) {
		for _, m := range byPid[pid] {
			if m.Inode == 0 {
				continue
			}
			id := fileID{unix.Mkdev(m.Major, m.Minor), m.Inode}
			i, ok := index[id]
			if !ok {
				name, deleted := deletedShmName(dir, m.Path)
				if !deleted {
					continue
				}
				i = len(objs)
				index[id] = i
				objs = append(objs, ShmObject{Name: name, Path: filepath.Join(dir, name), Inode: m.Inode, Deleted: true})
			}
			o := &objs[i]
			if o.Deleted {
				o.Size = max(o.Size, int64(m.Offset+m.Size()))
			}
			if n := len(o.MappedBy); n == 0 || o.MappedBy[n-1] != pid {
				o.MappedBy = append(o.MappedBy, pid)
			}
		}
	}

	slices.SortStableFunc(objs, func(a, b ShmObject) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if a.Deleted != b.Deleted {
			if a.Deleted {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.Inode, b.Inode)
	})
	return objs, nil
}

// deletedShmName returns "/NAME" when path is the maps path of a file of
// dir that was unlinked: "DIR/NAME (deleted)".
func deletedShmName(dir, path string) (name string, ok bool) {
	rest, ok := strings.CutSuffix(path, deletedSuffix)
	if !ok {
		return "", false
	}
	rest, ok = strings.CutPrefix(rest, strings.TrimSuffix(dir, "/")+"/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	return "/" + rest, true
}

// userName returns the name of the user uid, or uid in decimal.
func userName(uid uint32) string {
	id := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(id); err == nil {
		return u.Username
	}
	return id
}

// sortedUnique returns the PIDs ascending, each once, leaving pids as it is.
func sortedUnique(pids []int) []int {
	return slices.Compact(slices.Sorted(slices.Values(pids)))
}
