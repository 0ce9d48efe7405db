// Package bwtimetable parses and evaluates a bandwidth timetable in the
// syntax of rclone's --bwlimit (rclone/rclone@64ab1ac32260
// fs/bwtimetable.go), and runs a scheduler that applies it at each
// boundary. It depends on the standard library only, so the config, the
// engine and the settings window can all use it.
//
// A spec is either one rate ("512k", "10M", "off") or a list of entries
// separated by spaces or semicolons:
//
//	HH:MM,RATE       from HH:MM every day          ("08:00,512k 18:00,off")
//	DAY-HH:MM,RATE   from HH:MM on DAY             ("Mon-08:00,512k Sat-00:00,off")
//	DAY or DAY-DAY   (Ferry's addition) the days of the HH:MM entries that
//	                 follow, until the next such group ("Mon-Fri 08:00,512k 18:00,off")
//
// Days are English names or their first three letters, in any case. Times
// are local, 00:00 to 23:59, always two digits each. A rate is the upload
// rate in bytes per second with a unit: "512k", "512KiB", "10M", "1.5G"
// (powers of 1024, as in rclone), "500kB", "8MB" (powers of 1000, as in
// Ferry's config), "100B"; an optional "/s" is accepted. "off",
// "unlimited" and "0" mean no limit. rclone's "UP:DOWN" pair is accepted
// and its upload half used (Ferry only uploads). A bare number other than
// 0 is refused: rclone reads it as KiB/s and Ferry's config as bytes/s, so
// either reading would surprise someone.
//
// Semantics follow rclone's LimitAt: the entry in force is the latest one
// at or before now in the week (Sunday 00:00 first); before the week's
// first entry the week's last one still holds (the week wraps). Where two
// entries name the same day and minute, the later one written wins. Unlike
// rclone, which wraps to the last entry as written, Ferry wraps to the
// latest in the week, so the order entries are written in never matters.
package bwtimetable

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// minutesPerWeek is the length of the timetable's cycle.
const minutesPerWeek = 7 * 24 * 60

// Slot is one entry: from Day at Minute (minutes after midnight) the
// upload rate is Rate bytes per second (0: no limit).
type Slot struct {
	Day    time.Weekday
	Minute int
	Rate   int64
}

func (s Slot) week() int { return int(s.Day)*24*60 + s.Minute }

// Timetable is a parsed spec. The zero value means no limit at any time.
type Timetable struct {
	slots []Slot // sorted by week position, one per position
	spec  string // as the user wrote it (trimmed)
}

// Constant is the timetable of one rate at all times (0: no limit).
func Constant(bps int64) Timetable {
	return Timetable{slots: []Slot{{Rate: max(bps, 0)}}, spec: FormatRate(max(bps, 0))}
}

// Slots returns the entries in week order (a copy).
func (t Timetable) Slots() []Slot { return slices.Clone(t.slots) }

// String is the spec as written ("" for the zero Timetable).
func (t Timetable) String() string { return t.spec }

// IsConstant reports whether the rate never changes, and that rate.
func (t Timetable) IsConstant() (int64, bool) {
	if len(t.slots) == 0 {
		return 0, true
	}
	for _, s := range t.slots[1:] {
		if s.Rate != t.slots[0].Rate {
			return 0, false
		}
	}
	return t.slots[0].Rate, true
}

var dayNames = map[string]time.Weekday{}

func init() {
	for d := time.Sunday; d <= time.Saturday; d++ {
		n := strings.ToLower(d.String())
		dayNames[n] = d
		dayNames[n[:3]] = d
	}
}

// Parse reads a spec (see the package doc). Its errors name the part that
// is wrong and say what is expected.
func Parse(spec string) (Timetable, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return Timetable{}, errors.New(`the bandwidth limit is empty: write a rate like "512k", "off", or a timetable like "08:00,512k 18:00,off"`)
	}
	if !strings.ContainsAny(spec, " \t;,") {
		r, err := ParseRate(spec)
		if err != nil {
			return Timetable{}, err
		}
		t := Constant(r)
		t.spec = spec
		return t, nil
	}
	var slots []Slot
	days := allDays()
	grouped := false // a day group was given and has had no entry yet
	for tok := range strings.FieldsFuncSeq(spec, func(r rune) bool { return r == ' ' || r == '\t' || r == ';' }) {
		when, rate, ok := strings.Cut(tok, ",")
		if !ok {
			ds, err := parseDayGroup(tok)
			if err != nil {
				return Timetable{}, err
			}
			if grouped {
				return Timetable{}, fmt.Errorf("%q follows another day group with no time between them: write a time and rate after each, like \"Mon-Fri 08:00,512k\"", tok)
			}
			days, grouped = ds, true
			continue
		}
		if strings.Contains(rate, ",") {
			return Timetable{}, fmt.Errorf("%q has more than one comma: each entry is TIME,RATE like \"08:00,512k\"", tok)
		}
		r, err := ParseRate(rate)
		if err != nil {
			return Timetable{}, fmt.Errorf("in %q: %w", tok, err)
		}
		entryDays := days
		hhmm := when
		if day, t, ok := strings.Cut(when, "-"); ok {
			d, err := parseDay(day)
			if err != nil {
				return Timetable{}, fmt.Errorf("in %q: %w", tok, err)
			}
			entryDays, hhmm = []time.Weekday{d}, t
		}
		m, err := parseHHMM(hhmm)
		if err != nil {
			return Timetable{}, fmt.Errorf("in %q: %w", tok, err)
		}
		for _, d := range entryDays {
			slots = append(slots, Slot{Day: d, Minute: m, Rate: r})
		}
		grouped = false
	}
	if grouped {
		return Timetable{}, errors.New("the timetable ends with a day group and no time: write a time and rate after it, like \"Mon-Fri 08:00,512k\"")
	}
	if len(slots) == 0 {
		return Timetable{}, errors.New(`the timetable has no entry: write entries like "08:00,512k 18:00,off"`)
	}
	// Stable sort, then keep the last written of each position.
	slices.SortStableFunc(slots, func(a, b Slot) int { return a.week() - b.week() })
	out := slots[:0]
	for _, s := range slots {
		if n := len(out); n > 0 && out[n-1].week() == s.week() {
			out[n-1] = s
			continue
		}
		out = append(out, s)
	}
	return Timetable{slots: out, spec: spec}, nil
}

func allDays() []time.Weekday {
	return []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
}

func parseDay(s string) (time.Weekday, error) {
	d, ok := dayNames[strings.ToLower(s)]
	if !ok {
		return 0, fmt.Errorf("%q is not a day: write Mon, Tue, Wed, Thu, Fri, Sat or Sun (or the full name)", s)
	}
	return d, nil
}

// parseDayGroup reads "Mon" or "Mon-Fri" (a range may wrap: "Fri-Mon").
func parseDayGroup(tok string) ([]time.Weekday, error) {
	from, to, isRange := strings.Cut(tok, "-")
	if strings.Contains(tok, ":") { // a time, not a day: the rate is missing
		if isRange {
			return nil, fmt.Errorf("%q has no rate: write DAY-HH:MM,RATE like \"Mon-08:00,512k\"", tok)
		}
		return nil, fmt.Errorf("%q has no rate: write HH:MM,RATE like \"08:00,512k\"", tok)
	}
	a, err := parseDay(from)
	if err != nil {
		return nil, fmt.Errorf("%q is neither a TIME,RATE entry nor a day or day range like \"Mon-Fri\": %w", tok, err)
	}
	if !isRange {
		return []time.Weekday{a}, nil
	}
	b, err := parseDay(to)
	if err != nil {
		return nil, fmt.Errorf("%q is not a day range like \"Mon-Fri\": %w", tok, err)
	}
	var ds []time.Weekday
	for d := a; ; d = (d + 1) % 7 {
		ds = append(ds, d)
		if d == b {
			return ds, nil
		}
	}
}

// parseHHMM reads "08:00" as minutes after midnight.
func parseHHMM(s string) (int, error) {
	bad := fmt.Errorf("%q is not a time: write HH:MM with two digits each, 00:00 to 23:59", s)
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || s[0] == '+' || s[0] == '-' || s[3] == '+' || s[3] == '-' {
		return 0, bad
	}
	if h > 23 {
		return 0, fmt.Errorf("%q: the hour must be 00 to 23", s)
	}
	if m > 59 {
		return 0, fmt.Errorf("%q: the minute must be 00 to 59", s)
	}
	return h*60 + m, nil
}

var rateUnits = []struct {
	suffix string
	mult   float64
}{
	// Longer suffixes first so "kib" is not read as "b".
	{"kib", 1 << 10},
	{"mib", 1 << 20},
	{"gib", 1 << 30},
	{"tib", 1 << 40},
	{"ki", 1 << 10},
	{"mi", 1 << 20},
	{"gi", 1 << 30},
	{"ti", 1 << 40},
	{"kb", 1e3},
	{"mb", 1e6},
	{"gb", 1e9},
	{"tb", 1e12},
	{"k", 1 << 10},
	{"m", 1 << 20},
	{"g", 1 << 30},
	{"t", 1 << 40},
	{"b", 1},
}

// ParseRate reads one upload rate (see the package doc) in bytes per
// second; 0 means no limit.
func ParseRate(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if up, _, ok := strings.Cut(s, ":"); ok {
		s = up // rclone's UP:DOWN; Ferry only uploads
	}
	t := strings.ToLower(strings.TrimSuffix(s, "/s"))
	switch t {
	case "":
		return 0, errors.New(`a rate is missing: write one like "512k", "10M" or "off"`)
	case "off", "unlimited", "0":
		return 0, nil
	}
	mult := 0.0
	for _, u := range rateUnits {
		if strings.HasSuffix(t, u.suffix) {
			mult, t = u.mult, strings.TrimSuffix(t, u.suffix)
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(t, "xXpPeE_") {
		return 0, fmt.Errorf("%q is not a rate: write one like \"512k\" (KiB/s), \"10M\" (MiB/s), \"8MB\" or \"off\"", s)
	}
	if f < 0 {
		return 0, fmt.Errorf("rate %q is negative", s)
	}
	if mult == 0 {
		if f == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("rate %q has no unit: write %sk for KiB/s (what rclone reads) or %sB for bytes/s", s, t, t)
	}
	v := f * mult
	if v >= math.MaxInt64/2 {
		return 0, fmt.Errorf("rate %q is too large", s)
	}
	if v > 0 && v < 1 {
		return 0, fmt.Errorf("rate %q is below one byte per second: use \"off\" for no limit", s)
	}
	return int64(v), nil
}

// FormatRate writes bps for people: "512 KiB/s", "1.5 MiB/s", "no limit".
func FormatRate(bps int64) string {
	if bps <= 0 {
		return "no limit"
	}
	v, units := float64(bps), []string{"B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v == math.Trunc(v) {
		return fmt.Sprintf("%d %s", int64(v), units[i])
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}
