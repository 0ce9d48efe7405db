package app

import (
	"fmt"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/transfer/bwtimetable"
	"github.com/ferry-sync/ferry/ui"
)

// checkSchedule refuses a timetable that does not parse, with the reason.
func checkSchedule(spec string) error {
	if spec == "" {
		return nil
	}
	if _, err := bwtimetable.Parse(spec); err != nil {
		return fmt.Errorf("save settings: bandwidth timetable: %w", err)
	}
	return nil
}

// setBandwidth stores a limit in c: the timetable when spec is set (the
// constant limit then left out, as Validate asks), else the rate.
func setBandwidth(c *config.Config, bps int64, spec string) {
	if spec != "" {
		c.Transfer.BandwidthSchedule, c.Transfer.BandwidthLimit = spec, 0
		return
	}
	c.Transfer.BandwidthSchedule, c.Transfer.BandwidthLimit = "", config.Rate(bps)
}

// meteredNote is why the metered switch cannot work here ("" when it can).
func (b *guiBackend) meteredNote() string {
	if _, err := b.rt.meteredState(); err != nil {
		return err.Error()
	}
	return ""
}

// limitsStatus fills the status fields of the bandwidth timetable and of
// a hold for a metered connection.
func (b *guiBackend) limitsStatus(st *ui.Status) {
	st.BandwidthNote = b.rt.engine.BandwidthNote()
	h := b.rt.engine.CurrentHold()
	if h.Active() {
		st.Held, st.HeldAll, st.HeldTargets = h.Reason, h.All, strings.Join(h.Targets, ", ")
	}
}

// limitsRefresh is how often the window's status is checked for a change
// that no engine event announces: a timetable boundary, or a hold set or
// lifted while nothing uploads.
const limitsRefresh = 2 * time.Second

// limitsWatch notices those changes for one Watch.
type limitsWatch struct {
	b    *guiBackend
	t    *time.Ticker
	last ui.Status // only the limits fields
}

func newLimitsWatch(b *guiBackend) *limitsWatch {
	w := &limitsWatch{b: b, t: time.NewTicker(limitsRefresh)}
	b.limitsStatus(&w.last)
	return w
}

func (w *limitsWatch) tick() <-chan time.Time { return w.t.C }
func (w *limitsWatch) stop()                  { w.t.Stop() }

// check returns the whole status when the timetable's note or the hold
// changed since the last check.
func (w *limitsWatch) check() (ui.Status, bool) {
	var cur ui.Status
	w.b.limitsStatus(&cur)
	if cur.BandwidthNote == w.last.BandwidthNote && cur.Held == w.last.Held &&
		cur.HeldAll == w.last.HeldAll && cur.HeldTargets == w.last.HeldTargets {
		return ui.Status{}, false
	}
	w.last = cur
	return w.b.Status(), true
}
