package metered

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFromPath(t *testing.T) {
	cases := []struct {
		name                   string
		status                 int
		expensive, constrained bool
		want                   State
	}{
		{"Wi-Fi or Ethernet", nwPathSatisfied, false, false, Unmetered},
		{"cellular or Personal Hotspot (expensive)", nwPathSatisfied, true, false, Metered},
		{"Low Data Mode (constrained)", nwPathSatisfied, false, true, Metered},
		{"hotspot in Low Data Mode", nwPathSatisfied, true, true, Metered},
		{"satisfiable, expensive", nwPathSatisfiable, true, false, Metered},
		{"satisfiable, free", nwPathSatisfiable, false, false, Unmetered},
		{"no route, flags set", nwPathUnsatisfied, true, true, Unknown},
		{"no route", nwPathUnsatisfied, false, false, Unknown},
		{"invalid", nwPathInvalid, true, false, Unknown},
		{"status newer than this build", 9, true, false, Unknown},
	}
	for _, c := range cases {
		if got := fromPath(c.status, c.expensive, c.constrained); got != c.want {
			t.Errorf("%s: fromPath(%d, %v, %v) = %v, want %v", c.name, c.status, c.expensive, c.constrained, got, c.want)
		}
	}
}

// fakeMonitor stands in for nw_path_monitor: start records the id and can
// send the first snapshot from another goroutine, as the system does
// (on the queue's thread, maybe before nw_path_monitor_start returns).
type fakeMonitor struct {
	id      uintptr
	first   func(id uintptr)
	stopped int
}

func (m *fakeMonitor) start(id uintptr) (func(), error) {
	m.id = id
	if m.first != nil {
		go m.first(id)
	}
	return func() { m.stopped++ }, nil
}

func registered(id uintptr) bool {
	pathDetectorsMu.Lock()
	defer pathDetectorsMu.Unlock()
	return pathDetectors[id] != nil
}

// The first snapshot is New's state, not a change; later snapshots are
// changes, a repeated one is not; Close cancels the monitor once, closes
// Changes and forgets the id, so a late snapshot is dropped.
func TestPathDetectorFollows(t *testing.T) {
	m := &fakeMonitor{first: func(id uintptr) { pathUpdate(id, nwPathSatisfied, true, false) }}
	d := newPathDetector(m.start, 10*time.Second)
	if d.Supported() != nil || d.State() != Metered {
		t.Fatalf("after the first snapshot: supported %v, state %v; want nil, metered", d.Supported(), d.State())
	}
	select {
	case s := <-d.Changes():
		t.Fatalf("the first snapshot was delivered as a change: %v", s)
	default:
	}
	pathUpdate(m.id, nwPathSatisfied, true, false)
	select {
	case s := <-d.Changes():
		t.Fatalf("a repeated state was delivered: %v", s)
	default:
	}
	pathUpdate(m.id, nwPathSatisfied, false, false)
	if s := <-d.Changes(); s != Unmetered || d.State() != Unmetered {
		t.Fatalf("delivered %v, state %v; want not metered", s, d.State())
	}
	pathUpdate(m.id+1000, nwPathSatisfied, false, true) // another detector's id
	if d.State() != Unmetered {
		t.Fatal("a snapshot for another id reached this detector")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil || m.stopped != 1 {
		t.Fatalf("second Close: %v; monitor cancelled %d times, want once", err, m.stopped)
	}
	if _, ok := <-d.Changes(); ok {
		t.Fatal("Changes still open after Close")
	}
	if registered(m.id) {
		t.Fatal("Close left the id registered")
	}
	pathUpdate(m.id, nwPathSatisfied, false, true) // in flight after Close: must not panic
	if d.State() != Unmetered {
		t.Fatalf("a snapshot after Close changed the state to %v", d.State())
	}
}

// A monitor that says nothing within the wait leaves the state Unknown
// (never pauses); its first snapshot, when it comes, is a change.
func TestPathDetectorLateFirst(t *testing.T) {
	m := &fakeMonitor{}
	start := time.Now()
	d := newPathDetector(m.start, 20*time.Millisecond)
	defer d.Close()
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("New waited %v for a silent monitor", el)
	}
	if d.Supported() != nil || d.State() != Unknown {
		t.Fatalf("silent monitor: supported %v, state %v; want nil, unknown", d.Supported(), d.State())
	}
	pathUpdate(m.id, nwPathSatisfied, false, true)
	select {
	case s := <-d.Changes():
		if s != Metered {
			t.Fatalf("delivered %v, want metered", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a late first snapshot was not delivered")
	}
}

// A monitor that cannot start makes the detector say why, and Unknown.
func TestPathDetectorStartFails(t *testing.T) {
	var id uintptr
	d := newPathDetector(func(i uintptr) (func(), error) {
		id = i
		return nil, errors.New("macOS's network path monitor could not be started")
	}, time.Second)
	err := d.Supported()
	if err == nil || !strings.HasPrefix(err.Error(), darwinCannotTell+": ") || !strings.Contains(err.Error(), "could not be started") {
		t.Fatalf("Supported = %v", err)
	}
	if d.State() != Unknown || registered(id) {
		t.Fatalf("state %v, registered %v; want unknown, forgotten", d.State(), registered(id))
	}
}

// Snapshots racing Close (as the dispatch queue's thread may deliver one
// while Close runs) never send on the closed Changes nor block; run with
// -race. Bounded: 20 rounds of 4 senders with 2000 snapshots each.
func TestPathDetectorCloseRacesUpdates(t *testing.T) {
	for round := range 20 {
		m := &fakeMonitor{}
		d := newPathDetector(m.start, 0)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 2000 {
					pathUpdate(m.id, nwPathSatisfied, (i+g)%2 == 0, false)
				}
			}()
		}
		go func() { // a slow reader
			for range d.Changes() {
			}
		}()
		time.Sleep(time.Duration(round%4) * time.Millisecond)
		done := make(chan struct{})
		go func() { d.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Close blocked while snapshots were arriving")
		}
		wg.Wait()
	}
}
