// Package metered tells whether the active network connection is metered
// (a mobile hotspot, a capped plan), so Ferry can pause uploads there.
//
// Linux asks NetworkManager over the system D-Bus (its global Metered
// property, followed through PropertiesChanged signals). Windows asks
// iphlpapi's connectivity hint (GetNetworkConnectivityHint, followed
// through NotifyNetworkConnectivityHintChange; Windows 10 version 2004 or
// newer), whose cost decides as fromCostHint says. macOS built with cgo
// follows the Network framework's path monitor (metered_darwin.c, a C
// block on a dispatch queue); an expensive or constrained path is metered,
// as fromPath says (pathstate.go, which holds all of that detector's
// logic free of cgo). That code compiles only on a Mac; `make
// cross-check-darwin-c` checks it on Linux. On macOS without cgo, on an
// older Windows, and on a Linux without NetworkManager, Supported returns
// the reason and the setting stays off.
package metered

import (
	"slices"
	"sort"
)

// State is what the system says about the active connection.
type State int

// The states. Unknown (the system cannot tell, or says nothing) never
// pauses uploads.
const (
	Unknown State = iota
	Metered
	Unmetered
)

func (s State) String() string {
	switch s {
	case Metered:
		return "metered"
	case Unmetered:
		return "not metered"
	}
	return "unknown"
}

// Detector follows the metered state of the active connection.
type Detector interface {
	// Supported is nil when the system can tell, else the reason it
	// cannot, in words for the settings window.
	Supported() error
	// State is the state now (Unknown when not supported).
	State() State
	// Changes delivers each new state; it is closed by Close. A slow
	// reader misses intermediate states, never the latest.
	Changes() <-chan State
	// Close stops following.
	Close() error
}

// Policy says which targets pause on a metered connection: Global for
// every target, and per-target overrides (nil: follow Global).
type Policy struct {
	Global  bool
	Targets map[string]*bool
}

// Held returns what to hold in state s: every target (all), or the named
// ones (sorted). Only Metered holds anything.
func (p Policy) Held(s State) (all bool, targets []string) {
	if s != Metered {
		return false, nil
	}
	optOut := false
	for name, v := range p.Targets {
		switch {
		case v == nil:
			if p.Global {
				targets = append(targets, name)
			}
		case *v:
			targets = append(targets, name)
		default:
			optOut = true
		}
	}
	if p.Global && !optOut {
		// Targets added later are held too.
		return true, nil
	}
	sort.Strings(targets)
	return false, slices.Compact(targets)
}

// unsupported is the Detector of a system that cannot tell.
type unsupported struct {
	reason error
	ch     chan State
}

// Unsupported returns a Detector that always says Unknown, with reason as
// its Supported error.
func Unsupported(reason error) Detector {
	ch := make(chan State)
	close(ch)
	return &unsupported{reason: reason, ch: ch}
}

func (u *unsupported) Supported() error      { return u.reason }
func (u *unsupported) State() State          { return Unknown }
func (u *unsupported) Changes() <-chan State { return u.ch }
func (u *unsupported) Close() error          { return nil }
