package bwtimetable

import (
	"fmt"
	"time"
)

// At returns the rate in force at now (in now's location) and when it next
// changes to a different rate: the zero time when it never does. Entries
// that repeat the rate in force are not changes.
func (t Timetable) At(now time.Time) (rate int64, until time.Time) {
	if len(t.slots) == 0 {
		return 0, time.Time{}
	}
	pos := int(now.Weekday())*24*60 + now.Hour()*60 + now.Minute()
	cur := len(t.slots) - 1 // before the week's first entry, its last holds
	for i, s := range t.slots {
		if s.week() <= pos {
			cur = i
		}
	}
	rate = t.slots[cur].Rate
	for k := 1; k < len(t.slots); k++ {
		s := t.slots[(cur+k)%len(t.slots)]
		if s.Rate != rate {
			return rate, s.next(now)
		}
	}
	return rate, time.Time{}
}

// next is the first time after now at which s starts, by the calendar (so a
// daylight-saving change moves it with the wall clock).
func (s Slot) next(now time.Time) time.Time {
	days := (int(s.Day) - int(now.Weekday()) + 7) % 7
	if days == 0 && s.Minute <= now.Hour()*60+now.Minute() {
		days = 7
	}
	y, m, d := now.Date()
	return time.Date(y, m, d+days, s.Minute/60, s.Minute%60, 0, 0, now.Location())
}

// Describe says what is in force for the toolbar: "limit 512 KiB/s until
// 18:00", "no limit until Mon 08:00", "limit 2 MiB/s". A change more than
// a day away names its day; more than a week away cannot happen.
func Describe(rate int64, until, now time.Time) string {
	s := "no limit"
	if rate > 0 {
		s = "limit " + FormatRate(rate)
	}
	if until.IsZero() {
		return s
	}
	at := until.Format("15:04")
	y1, m1, d1 := now.Date()
	y2, m2, d2 := until.Date()
	if y1 != y2 || m1 != m2 || d1 != d2 {
		at = until.Format("Mon 15:04")
	}
	return fmt.Sprintf("%s until %s", s, at)
}
