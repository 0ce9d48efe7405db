package app

import (
	"bytes"
	"errors"
	"math"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
	"unsafe"

	foldersync "github.com/ferry-sync/ferry/sync"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// SentSnapshot reads every sent record of the folder's target in one read
// transaction, for a full scan (foldersync.SentLister): a restart over
// 100,000 unchanged files then costs one read instead of 100,000. Its
// answers come from memory until the sent index changes (an upload that
// finished during the scan), and from the queue after that, so it never
// answers other than the queue would.
func (s sentIndex) SentSnapshot() (foldersync.SentIndex, error) {
	snap := newSentSnapshot(s, s.q.SentChanges())
	var prefix []byte
	if s.remoteDir != "" {
		prefix = []byte(path.Clean(s.remoteDir) + "/")
	}
	// Sized first: grown record by record, the arrays left their
	// outgrown copies as garbage at the restart's peak.
	if n, size, err := s.q.SentCount(s.target, string(prefix)); err == nil {
		snap.grow(n, size)
	}
	err := s.q.SentStamps(s.target, func(remote []byte, size int64, mtime time.Time) error {
		// Keyed by the path below the remote folder, which is the
		// watcher's relative path: a lookup builds no remote path.
		if rel, ok := bytes.CutPrefix(remote, prefix); ok {
			snap.add(rel, size, mtime)
		}
		return nil
	})
	if err != nil && !errors.Is(err, queue.ErrCorrupt) {
		return nil, err
	}
	snap.done()
	// Damaged records are left out: the queue answers "not sent" for them too.
	return snap, nil
}

// sentSnapshot is SentSnapshot's index; read-only after done, so safe for
// the scan's goroutines.
//
// It holds a record per file ever sent to the folder (100,000 in the
// benchmark), all of them while the walk over the sent index has its
// pages mapped too: the peak of a restart (issue 20). So the records are
// packed into three pointer-free arrays in the index's (bytewise) order
// and found by binary search: the paths back to back in one string, the
// end of each, and the size and mtime of each. That is the path's bytes
// plus 20 bytes per record (a map took 86 with the path's string), and the
// collector never scans them.
type sentSnapshot struct {
	live sentIndex
	gen  uint64 // the queue's SentChanges when the records were read

	paths  []byte      // the paths below the remote folder, back to back
	all    string      // paths as a string, set by done
	ends   []uint32    // ends[i]: the end of record i's path in all
	stamps []sentStamp // record i's size and mtime
	// odd holds the records stamps cannot (an mtime outside 1678-2262,
	// beyond UnixNano, or paths past 4 GiB): few or none.
	odd map[string]time.Time
	// unsorted is set when a path did not come after the one before (the
	// index is sorted, so it never should): the binary search could miss,
	// so the snapshot then answers nothing and the queue answers instead.
	unsorted bool
}

// sentStamp is a record's size and mtime (Unix nanoseconds), 16 bytes.
type sentStamp struct{ size, mtime int64 }

func newSentSnapshot(live sentIndex, gen uint64) *sentSnapshot {
	return &sentSnapshot{live: live, gen: gen}
}

// grow makes room for n more records whose paths take size bytes.
func (s *sentSnapshot) grow(n, size int) {
	s.paths = slices.Grow(s.paths, size)
	s.ends = slices.Grow(s.ends, n)
	s.stamps = slices.Grow(s.stamps, n)
}

// add records a sent file while the snapshot is made, from a path that is
// only borrowed (SentStamps' bytes): it is copied. Paths come in the sent
// index's order.
func (s *sentSnapshot) add(rel []byte, size int64, mtime time.Time) {
	if n := len(s.ends); n > 0 {
		start := uint32(0)
		if n > 1 {
			start = s.ends[n-2]
		}
		if bytes.Compare(rel, s.paths[start:]) <= 0 {
			s.unsorted = true
		}
	}
	ns := mtime.UnixNano()
	if !time.Unix(0, ns).Equal(mtime) || len(s.paths)+len(rel) > math.MaxUint32 {
		if s.odd == nil {
			s.odd = map[string]time.Time{}
		}
		s.odd[string(rel)] = mtime
		ns = 0
	}
	s.paths = append(s.paths, rel...)
	s.ends = append(s.ends, uint32(len(s.paths)))
	s.stamps = append(s.stamps, sentStamp{size: size, mtime: ns})
}

// done ends the making: the snapshot is read-only from here on. The paths
// become a string without a copy (a copy at the peak of a restart would
// be a second set of them); nothing writes to them after this.
func (s *sentSnapshot) done() {
	if len(s.paths) > 0 {
		s.all = unsafe.String(unsafe.SliceData(s.paths), len(s.paths))
	}
}

// path is record i's path.
func (s *sentSnapshot) path(i int) string {
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.all[start:s.ends[i]]
}

// Sent answers from the snapshot while the queue's sent index is as it
// was read, and from the queue once it changed; see SentSnapshot.
func (s *sentSnapshot) Sent(rel string) (int64, time.Time, bool, error) {
	if s.unsorted || (s.live.q != nil && s.live.q.SentChanges() != s.gen) {
		// Sent (again) since, perhaps: only the queue's word will do.
		return s.live.Sent(rel)
	}
	i, found := sort.Find(len(s.ends), func(i int) int { return strings.Compare(rel, s.path(i)) })
	if !found {
		return 0, time.Time{}, false, nil
	}
	st := s.stamps[i]
	if mt, ok := s.odd[rel]; ok {
		return st.size, mt, true, nil
	}
	return st.size, time.Unix(0, st.mtime), true, nil
}
