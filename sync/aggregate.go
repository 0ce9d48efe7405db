package sync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// agg is the aggregator: per-path pending entries with their deadlines, one
// timer for the earliest deadline (armed only while something is pending,
// so an idle watcher costs no CPU), the deferred full rescan, and the batch
// being built. It belongs to the owner goroutine.
type agg struct {
	r *run

	pending  map[string]*entry // NFC rel path → entry
	evCount  int               // entries that came from events (the overflow limit counts these)
	perDir   map[string]int    // NFC rel dir → event entries in it
	wake     *time.Timer
	armed    bool
	armedAt  time.Time
	fullAt   time.Time // a full rescan is due then (zero: none deferred)
	fullFrom time.Time // when the deferred rescan was first asked for (caps the deferral at MaxDelay)

	out []Candidate // to Emit at the end of this step
}

// entry is one path waiting for the stability gate.
type entry struct {
	path     string    // absolute on-disk path
	first    time.Time // first sighting: the max delay counts from here
	due      time.Time // next check
	st       stamp     // last stat, valid when haveStat
	haveStat bool
	event    bool   // counted in evCount/perDir
	dir      string // NFC rel parent, for perDir
}

func (a *agg) init(r *run) {
	a.r = r
	a.pending = make(map[string]*entry)
	a.perDir = make(map[string]int)
	a.wake = time.NewTimer(time.Hour)
	a.wake.Stop()
}

// arm makes the timer fire no later than t.
func (a *agg) arm(t, now time.Time) {
	if a.armed && !t.Before(a.armedAt) {
		return
	}
	a.wake.Reset(t.Sub(now))
	a.armed, a.armedAt = true, t
}

// deadline is when a path touched now is next looked at: after a quiet
// period, but never later than MaxDelay after its first sighting.
func (a *agg) deadline(e *entry, now time.Time) time.Time {
	due := now.Add(a.r.f.Quiet)
	if lim := e.first.Add(a.r.f.MaxDelay); lim.Before(due) {
		return lim
	}
	return due
}

// touch records an event for a path. Past the pending limits the events
// collapse into one rescan of the root: memory stays bounded and nothing is
// lost, the scan finds what the dropped entries stood for.
func (a *agg) touch(rel, abs string, now time.Time) {
	e := a.pending[rel]
	if e == nil {
		e = &entry{path: abs, first: now}
		a.pending[rel] = e
	}
	if !e.event {
		e.event, e.dir = true, parentRel(rel)
		a.evCount++
		a.perDir[e.dir]++
		if a.evCount > maxPendingEvents || a.perDir[e.dir] > maxPendingEventsPerDir {
			a.collapse(now)
			return
		}
	}
	e.due = a.deadline(e, now)
	a.arm(e.due, now)
}

// collapse drops every pending entry that came from events and defers a
// full rescan (see deferFull). Entries a scan found stay under the gate:
// in a long burst they are the files written first, and dropping them at
// every collapse would hold them back until the burst ends.
func (a *agg) collapse(now time.Time) {
	for rel, e := range a.pending {
		if e.event {
			delete(a.pending, rel)
		}
	}
	clear(a.perDir)
	a.evCount = 0
	a.deferFull(now)
}

// deferFull puts the rescan off until the folder has been quiet for a
// quiet period, but not past burstRescan after it was first asked for: in
// a long burst the files written first then go out about one quiet period
// after they settled instead of after the whole burst (issue 20). The
// rescan hands on what has settled by age and keeps the newer files under
// the gate; events still coming collapse into the next rescan.
func (a *agg) deferFull(now time.Time) {
	if a.fullAt.IsZero() {
		a.fullFrom = now
	}
	a.fullAt = now.Add(a.r.f.Quiet)
	lim := a.fullFrom.Add(min(a.r.f.MaxDelay, a.burstRescan()))
	if lim.Before(a.fullAt) {
		a.fullAt = lim
	}
	a.arm(a.fullAt, now)
}

// burstRescan is how long a rescan may wait for quiet: a quiet period,
// plus twice the last full scan's duration so that a large tree is not
// rescanned more than about a third of the time while a burst goes on.
func (a *agg) burstRescan() time.Duration {
	return a.r.f.Quiet + 2*a.r.lastFullScan
}

func (a *agg) drop(rel string, e *entry) {
	delete(a.pending, rel)
	if e.event {
		a.evCount--
		if a.perDir[e.dir]--; a.perDir[e.dir] <= 0 {
			delete(a.perDir, e.dir)
		}
	}
}

// onFound takes a file a scan saw as new or changed against the sent index.
func (a *agg) onFound(f found, now time.Time) error {
	w := a.r.w
	if h, ok := w.handed[f.rel]; ok {
		h.gen = uint16(w.gen) // still in flight: keep remembering it
		w.handed[f.rel] = h
		// A refused file is not handed on again while it still has a
		// twin; once it has none it goes, even unchanged.
		if h.refused == (f.refused != "") && (h.refused || h.same(f.st)) {
			return nil
		}
	}
	if _, ok := a.pending[f.rel]; ok {
		return nil // the gate stats it anyway
	}
	if f.refused != "" {
		return a.refuse(f.rel, f.path, f.st, f.refused)
	}
	if settledByAge(f.st, now, a.r.f.Quiet) {
		return a.emit(f.rel, f.path, f.st, "", true)
	}
	// Written to within the last quiet period: the scan's stat is the
	// first of the gate's two, and the second comes when the mtime will be
	// a quiet period old: unchanged then, the file has held still for that
	// long. An mtime in the future proves nothing: a full quiet period then.
	e := &entry{path: f.path, first: now, st: f.st, haveStat: true}
	e.due = a.deadline(e, now)
	if ripe := f.st.mtime.Add(a.r.f.Quiet); !f.st.mtime.After(now) && ripe.Before(e.due) {
		e.due = ripe
	}
	a.pending[f.rel] = e
	a.arm(e.due, now)
	return nil
}

// onWake checks every due entry and starts a deferred rescan when due, then
// re-arms the timer for the earliest remaining deadline, if any.
func (a *agg) onWake(now time.Time) error {
	var next time.Time
	earliest := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for rel, e := range a.pending {
		if e.due.After(now) {
			earliest(e.due)
			continue
		}
		if err := a.check(rel, e, now); err != nil {
			return err
		}
		if a.pending[rel] == e {
			earliest(e.due)
		}
	}
	if !a.fullAt.IsZero() {
		if a.fullAt.After(now) {
			earliest(a.fullAt)
		} else {
			a.fullAt = time.Time{}
			a.r.wantFull = true
		}
	}
	if !next.IsZero() {
		a.arm(next, now)
	}
	return nil
}

// check is the stability gate for one due entry: the file goes when its size
// and mtime equal the previous stat a quiet period ago, or when MaxDelay has
// passed since it was first seen (with a warning); otherwise it waits one
// more quiet period. A file that vanished is forgotten (deletes are not
// mirrored); one that turned into something else is skipped.
func (a *agg) check(rel string, e *entry, now time.Time) error {
	info, err := a.r.w.lstat(e.path)
	if err != nil {
		a.drop(rel, e)
		if !errors.Is(err, fs.ErrNotExist) {
			a.r.w.log.Warn("stat changed file", "path", rel, "err", err)
			a.r.w.skip(rel)
		}
		return nil
	}
	if !info.Mode().IsRegular() {
		a.drop(rel, e)
		if !info.IsDir() {
			a.r.w.skip(rel)
		}
		return nil
	}
	st := stamp{info.Size(), info.ModTime()}
	if twins, err := twinsOf(e.path); err == nil && len(twins) > 1 {
		a.drop(rel, e)
		if h, ok := a.r.w.handed[rel]; ok && h.refused {
			return nil
		}
		return a.refuse(rel, e.path, st, twinReason(rel, twins))
	}
	switch {
	case e.haveStat && e.st.equal(st):
		a.drop(rel, e)
		return a.emit(rel, e.path, st, "", false)
	case !now.Before(e.first.Add(a.r.f.MaxDelay)):
		a.drop(rel, e)
		return a.emit(rel, e.path, st, forcedWarning(a.r.f.MaxDelay), false)
	}
	e.st, e.haveStat = st, true
	e.due = a.deadline(e, now)
	return nil
}

// emit adds a settled file to the batch unless it was handed on with the
// same size and mtime already or the sent index has it (fromScan: the
// scanner and onFound looked already).
func (a *agg) emit(rel, path string, st stamp, warning string, fromScan bool) error {
	w := a.r.w
	if !fromScan {
		if h, ok := w.handed[rel]; ok && !h.refused && h.same(st) {
			return nil
		}
		same, err := unchangedSince(w.opts.Sent, rel, st)
		if err != nil {
			return fmt.Errorf("sent index lookup %s: %w", rel, err)
		}
		if same {
			return nil
		}
	}
	w.handed[rel] = newHanded(st, w.gen, false)
	a.out = append(a.out, Candidate{
		Folder:  a.r.f.ID,
		Root:    a.r.f.Root,
		RelPath: rel,
		Path:    path,
		Size:    st.size,
		ModTime: st.mtime,
		Warning: warning,
	})
	return nil
}

// refuse hands a file on as Refused (see Candidate.Refused), once: it is
// not handed on again until one of its twins is removed or renamed.
func (a *agg) refuse(rel, path string, st stamp, reason string) error {
	w := a.r.w
	w.handed[rel] = newHanded(st, w.gen, true)
	w.log.Warn("not uploading a file whose name has a twin", "path", rel)
	a.out = append(a.out, Candidate{
		Folder:  a.r.f.ID,
		Root:    a.r.f.Root,
		RelPath: rel,
		Path:    path,
		Size:    st.size,
		ModTime: st.mtime,
		Refused: reason,
	})
	return nil
}

// flush hands the batch on in chunks of BatchSize. If Emit fails, the
// unsent files are forgotten as handed on, so the restart's scan reports
// them again.
func (a *agg) flush(ctx context.Context) error {
	w := a.r.w
	for len(a.out) > 0 {
		n := min(len(a.out), w.opts.BatchSize)
		if err := w.opts.Emit(ctx, a.out[:n:n]); err != nil {
			for _, c := range a.out {
				delete(w.handed, c.RelPath)
			}
			a.out = nil
			return fmt.Errorf("hand on %d files: %w", n, err)
		}
		a.out = a.out[n:]
	}
	a.out = nil
	return nil
}
