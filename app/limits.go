package app

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/metered"
	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/bwtimetable"
)

// meteredReason is the words a hold for a metered connection shows.
const meteredReason = "metered connection"

// limits is the runtime's bandwidth and metered-connection state that is
// not in the config: a --bwlimit given on the command line (it wins over
// the config for the life of the process), and the metered detector.
type limits struct {
	mu       sync.Mutex
	bwFlag   *bwtimetable.Timetable
	detector metered.Detector
}

// bwlimitFlag is a --bwlimit value: a rate or a timetable, checked as the
// flags are parsed.
type bwlimitFlag struct{ tt *bwtimetable.Timetable }

func (f *bwlimitFlag) String() string {
	if f.tt == nil {
		return ""
	}
	return f.tt.String()
}

func (f *bwlimitFlag) Set(s string) error {
	tt, err := bwtimetable.Parse(s)
	if err != nil {
		return err
	}
	f.tt = &tt
	return nil
}

// bwlimitUsage is the help line of --bwlimit.
const bwlimitUsage = "upload bandwidth `LIMIT` for this run, replacing the config's: " +
	`a rate ("512k", "10M", "off") or an rclone-style timetable ("Mon-Fri 08:00,512k 18:00,off")`

// overrideBandwidth makes tt the limit for this process, whatever the
// config says (nil: follow the config).
func (rt *engineRuntime) overrideBandwidth(tt *bwtimetable.Timetable) {
	if tt == nil {
		return
	}
	rt.lim.mu.Lock()
	rt.lim.bwFlag = tt
	rt.lim.mu.Unlock()
	rt.engine.SetSchedule(*tt)
}

// bandwidthOf is the config's limit (a timetable or a rate); the config
// was validated, so a parse error only logs and leaves no limit.
func (rt *engineRuntime) bandwidthOf(cfg *config.Config) bwtimetable.Timetable {
	tt, err := cfg.Transfer.Bandwidth()
	if err != nil {
		rt.log.Warn("config: bandwidth_schedule", "err", err)
		return bwtimetable.Constant(0)
	}
	return tt
}

// adoptBandwidth applies a changed bandwidth limit of next, unless a
// --bwlimit holds it.
func (rt *engineRuntime) adoptBandwidth(prev, next *config.Config) {
	if next.Transfer.BandwidthLimit == prev.Transfer.BandwidthLimit &&
		next.Transfer.BandwidthSchedule == prev.Transfer.BandwidthSchedule {
		return
	}
	rt.lim.mu.Lock()
	flag := rt.lim.bwFlag != nil
	rt.lim.mu.Unlock()
	if !flag {
		rt.engine.SetSchedule(rt.bandwidthOf(next))
	}
}

// followMetered holds uploads while det says the connection is metered,
// as the config's pause_on_metered settings ask, until ctx ends. It
// applies the state at once, then every change of the state (and every
// config change, through adoptMetered).
func (rt *engineRuntime) followMetered(ctx context.Context, det metered.Detector) {
	rt.lim.mu.Lock()
	rt.lim.detector = det
	rt.lim.mu.Unlock()
	rt.applyMetered(rt.config())
	if err := det.Supported(); err != nil {
		if anyMetered(rt.config()) {
			rt.log.Warn("pause_on_metered is set but has no effect here", "reason", err)
		}
		return
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case s, ok := <-det.Changes():
				if !ok {
					return
				}
				rt.log.Info("network: connection is " + s.String())
				rt.applyMetered(rt.config())
			}
		}
	}()
}

// meteredState is the detector's state and its Supported error; a
// runtime that follows no detector (yet) says Unknown, with no error.
func (rt *engineRuntime) meteredState() (metered.State, error) {
	rt.lim.mu.Lock()
	det := rt.lim.detector
	rt.lim.mu.Unlock()
	if det == nil {
		return metered.Unknown, nil
	}
	return det.State(), det.Supported()
}

// applyMetered sets the engine's hold from the detector's state and cfg.
func (rt *engineRuntime) applyMetered(cfg *config.Config) {
	state, err := rt.meteredState()
	if err != nil {
		state = metered.Unknown
	}
	p := metered.Policy{Global: cfg.Transfer.PauseOnMetered, Targets: map[string]*bool{}}
	for _, t := range cfg.Targets {
		p.Targets[t.Name] = t.PauseOnMetered
	}
	all, targets := p.Held(state)
	h := transfer.Hold{All: all, Targets: targets}
	if h.Active() {
		h.Reason = meteredReason
	}
	if prev := rt.engine.CurrentHold(); prev.All != h.All || !slices.Equal(prev.Targets, h.Targets) {
		rt.engine.SetHold(h)
		if h.Active() {
			rt.log.Info("transfer: paused on a metered connection", "all", all, "targets", strings.Join(targets, ","))
		} else if prev.Active() {
			rt.log.Info("transfer: resumed: the connection is not metered")
		}
	}
}

func anyMetered(cfg *config.Config) bool {
	if cfg.Transfer.PauseOnMetered {
		return true
	}
	for _, t := range cfg.Targets {
		if t.PauseOnMetered != nil && *t.PauseOnMetered {
			return true
		}
	}
	return false
}

// heldNote says what the hold pauses, for the window's header: "metered
// connection" when it holds everything, else with the targets named;
// "" when nothing is held.
func heldNote(h transfer.Hold) string {
	switch {
	case h.All:
		return h.Reason
	case len(h.Targets) > 0:
		return h.Reason + " (" + strings.Join(h.Targets, ", ") + ")"
	}
	return ""
}
