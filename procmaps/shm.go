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
	"sync"
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

// ShmObjects lists the shared memory objects of the directory dir (normally
// "/dev/shm") and, for each, which of the processes of byPid (mappings by
// PID, as a viewer's snapshots hold them) map it; it reads only dir.
// Objects that were unlinked but are still mapped by one of them are listed
// too, marked Deleted. The list is sorted by name, a live object before a
// deleted one of the same name.
//
// A mapping matches an object of dir by device and inode, whatever path the
// process sees it under; a deleted one by its path, dir/NAME (deleted).
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
		owner := userName(st.Uid)
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
// userName reads /etc/passwd (or asks NSS) once per uid for the life of
// the program: the /dev/shm panel asks at every refresh.
func userName(uid uint32) string {
	if name, ok := userNames.Load(uid); ok {
		return name.(string)
	}
	name := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	userNames.Store(uid, name)
	return name
}

var userNames sync.Map // uint32 → string
