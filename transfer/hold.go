package transfer

import (
	"errors"
	"slices"
	"sync"
)

// errHeld stops a running upload whose target a Hold now covers; the job
// goes back to Queued with its session kept, as for PauseAll.
var errHeld = errors.New("uploads held")

// Hold is a pause the engine keeps for a condition outside the user's
// hands, such as a metered connection. It is separate from the user's
// pauses: it is not persisted (whoever set it sets it again after a
// restart), PauseAll/ResumeAll and Pause/Resume neither set nor clear it,
// and a job it holds stays Queued. The zero Hold holds nothing.
type Hold struct {
	All     bool     // every target
	Targets []string // these targets (when not All)
	Reason  string   // in words, for the window: "metered connection"
}

// Covers reports whether h holds the uploads to target.
func (h Hold) Covers(target string) bool { return h.All || slices.Contains(h.Targets, target) }

// Active reports whether h holds anything.
func (h Hold) Active() bool { return h.All || len(h.Targets) > 0 }

type holdState struct {
	mu sync.Mutex
	h  Hold
}

// SetHold replaces the hold: uploads it now covers stop at once (their
// sessions are kept, they go back to Queued) and no job of a covered target
// starts until a later SetHold releases it, which starts them at once.
func (e *Engine) SetHold(h Hold) {
	h.Targets = slices.Clone(h.Targets)
	e.hold.mu.Lock()
	e.hold.h = h
	e.hold.mu.Unlock()
	e.mu.Lock()
	for _, a := range e.active {
		if h.Covers(a.job.Target) {
			a.cancel(errHeld)
		}
	}
	e.mu.Unlock()
	e.poke()
}

// CurrentHold returns the hold set last.
func (e *Engine) CurrentHold() Hold {
	e.hold.mu.Lock()
	defer e.hold.mu.Unlock()
	h := e.hold.h
	h.Targets = slices.Clone(h.Targets)
	return h
}

// held reports whether target's jobs must not start now.
func (e *Engine) held(target string) bool {
	e.hold.mu.Lock()
	defer e.hold.mu.Unlock()
	return e.hold.h.Covers(target)
}
