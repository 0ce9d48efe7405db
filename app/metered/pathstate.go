package metered

import (
	"errors"
	"sync"
	"time"
)

// macOS's Network framework describes the system's current path (the
// interfaces new connections would use) in nw_path_t snapshots that
// nw_path_monitor delivers on a dispatch queue: one soon after start,
// then one per change. metered_darwin.go and metered_darwin.c hand each
// snapshot's status and flags to pathUpdate; everything that decides and
// keeps the state is here, free of cgo, so it is tested on every system.

// nw_path_status_t (Network/path.h); the values are ABI.
const (
	nwPathInvalid     = 0 // nw_path_status_invalid
	nwPathSatisfied   = 1 // nw_path_status_satisfied: usable now
	nwPathUnsatisfied = 2 // nw_path_status_unsatisfied: no usable route
	nwPathSatisfiable = 3 // nw_path_status_satisfiable: a connection attempt would bring one up
)

// fromPath decides the State of a path snapshot. A path is metered when
// it is expensive or constrained, because macOS has two flags for what
// Linux and Windows call metered: expensive is a cellular interface or a
// phone's Personal Hotspot (paid by the byte, often capped), constrained
// is Low Data Mode, which the user turns on for a network precisely to
// ask applications to save data. Either one is a reason not to upload.
//
// A usable path (satisfied), and one a connection attempt would bring
// up (satisfiable, e.g. a VPN on demand; an upload would make exactly
// that attempt), decide by the flags. A path with no route (unsatisfied)
// or an invalid one says nothing about cost: Unknown, which never pauses
// (uploads there fail and retry on their own), as on Linux and Windows.
func fromPath(status int, expensive, constrained bool) State {
	switch status {
	case nwPathSatisfied, nwPathSatisfiable:
		if expensive || constrained {
			return Metered
		}
		return Unmetered
	}
	return Unknown
}

// darwinCannotTell starts every reason the macOS detector gives.
const darwinCannotTell = "Ferry cannot tell on this system whether the connection is metered"

// pathDetector follows the snapshots of a path monitor. Updates come on
// the monitor's dispatch queue thread (one at a time, on a thread Go does
// not own) through pathUpdate; they take mu only to record the state and
// never block, so the queue is never held up.
type pathDetector struct {
	id   uintptr // its key in pathDetectors, the C side's context
	stop func()  // cancels the monitor

	mu     sync.Mutex
	l      *latest
	live   bool          // New returned: changes are delivered
	closed bool          // Close began: updates are dropped
	first  chan struct{} // closed at the first snapshot
	once   sync.Once     // Close
}

// The detectors by id. The C side keeps an id, not a Go pointer (cgo
// forbids C from keeping Go pointers); an id is never reused, so a
// snapshot the system delivers after Close finds nothing and is dropped.
var (
	pathDetectorsMu sync.Mutex
	pathDetectors   = map[uintptr]*pathDetector{}
	lastPathID      uintptr
)

// newPathDetector registers a detector, starts its monitor with start
// (given the id the monitor must pass to pathUpdate; it returns the
// function that cancels the monitor, or why it cannot monitor) and waits
// up to wait for the first snapshot. When start fails the detector is
// Unsupported with that reason.
func newPathDetector(start func(id uintptr) (stop func(), err error), wait time.Duration) Detector {
	d := &pathDetector{l: newLatest(Unknown), first: make(chan struct{})}
	pathDetectorsMu.Lock()
	lastPathID++
	d.id = lastPathID
	pathDetectors[d.id] = d
	pathDetectorsMu.Unlock()
	stop, err := start(d.id)
	if err != nil {
		d.forget()
		return Unsupported(errors.New(darwinCannotTell + ": " + err.Error()))
	}
	d.stop = stop
	t := time.NewTimer(wait)
	select {
	case <-d.first:
	case <-t.C:
	}
	t.Stop()
	d.mu.Lock()
	d.live = true
	d.mu.Unlock()
	return d
}

// pathUpdate hands a snapshot to the detector with that id; an unknown
// id (a detector closed, a snapshot in flight) is ignored. It never
// blocks: safe on the monitor's dispatch queue.
func pathUpdate(id uintptr, status int, expensive, constrained bool) {
	pathDetectorsMu.Lock()
	d := pathDetectors[id]
	pathDetectorsMu.Unlock()
	if d != nil {
		d.update(fromPath(status, expensive, constrained))
	}
}

// update records s: quietly before New returns (it is the state New
// reports), as a change after; not at all once Close began, so nothing
// is sent on the closed Changes. Holding mu makes the updates one at a
// time, as latest.set asks, whatever thread they come on.
func (d *pathDetector) update(s State) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.closed:
		return
	case d.live:
		d.l.set(s)
		return
	}
	d.l.mu.Lock()
	d.l.state = s
	d.l.mu.Unlock()
	select {
	case <-d.first:
	default:
		close(d.first)
	}
}

func (d *pathDetector) forget() {
	pathDetectorsMu.Lock()
	delete(pathDetectors, d.id)
	pathDetectorsMu.Unlock()
}

// Supported is nil: the monitor started.
func (d *pathDetector) Supported() error { return nil }

// State is the state of the latest snapshot (Unknown before the first).
func (d *pathDetector) State() State { return d.l.get() }

// Changes delivers new states; closed by Close.
func (d *pathDetector) Changes() <-chan State { return d.l.changes }

// Close cancels the monitor and closes Changes. A snapshot racing it is
// dropped: either it finds no detector, or it finds closed set (under
// mu, before Changes is closed). Close holds no lock while it cancels,
// so a snapshot running on the queue never waits for it.
func (d *pathDetector) Close() error {
	d.once.Do(func() {
		d.stop()
		d.forget()
		d.mu.Lock()
		d.closed = true
		close(d.l.changes)
		d.mu.Unlock()
	})
	return nil
}

var _ Detector = (*pathDetector)(nil)
