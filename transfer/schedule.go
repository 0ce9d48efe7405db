package transfer

import (
	"time"

	"github.com/ferry-sync/ferry/transfer/bwtimetable"
)

// SetSchedule makes the shared bandwidth limit follow tt (see package
// bwtimetable): the rate in force now applies before SetSchedule returns,
// to uploads already running, and Run switches it at each boundary of the
// timetable. Uploads are never serialised: every reader still waits only
// for its own bytes. SetBandwidth replaces the timetable with one rate.
func (e *Engine) SetSchedule(tt bwtimetable.Timetable) { e.sched.Set(tt) }

// Schedule returns the timetable in force (a constant one after
// SetBandwidth).
func (e *Engine) Schedule() bwtimetable.Timetable { return e.sched.Timetable() }

// BandwidthState returns the limit the timetable puts in force now, in
// bytes per second (0: none), and when it next changes (zero: never).
func (e *Engine) BandwidthState() (bps int64, until time.Time) { return e.sched.State() }

// BandwidthNote says what a timetable puts in force now, for the window's
// toolbar ("limit 512 KiB/s until 18:00"); "" when the limit is one rate.
func (e *Engine) BandwidthNote() string { return e.sched.Describe() }
