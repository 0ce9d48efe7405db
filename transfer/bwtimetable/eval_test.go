package bwtimetable

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
)

// 2026-12-04 is a Friday.
func at(day int, hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", "2026-12-0"+string(rune('0'+day))+" "+hhmm, time.UTC)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAtWeekdays(t *testing.T) {
	tt, err := Parse("Mon-Fri 08:00,512k 18:00,off")
	if err != nil {
		t.Fatal(err)
	}
	fri, sat, mon := 4, 5, 7 // December 2026
	cases := []struct {
		now   time.Time
		rate  int64
		until time.Time
		text  string
	}{
		{at(fri, "07:59"), 0, at(fri, "08:00"), "no limit until 08:00"},
		{at(fri, "08:00"), 512 << 10, at(fri, "18:00"), "limit 512 KiB/s until 18:00"},
		{at(fri, "17:59"), 512 << 10, at(fri, "18:00"), "limit 512 KiB/s until 18:00"},
		// Across the weekend: Friday 18:00's "off" holds until Monday.
		{at(fri, "18:00"), 0, at(mon, "08:00"), "no limit until Mon 08:00"},
		{at(sat, "12:00"), 0, at(mon, "08:00"), "no limit until Mon 08:00"},
		{at(mon, "09:30"), 512 << 10, at(mon, "18:00"), "limit 512 KiB/s until 18:00"},
	}
	for _, c := range cases {
		rate, until := tt.At(c.now)
		if rate != c.rate || !until.Equal(c.until) {
			t.Errorf("At(%s) = %d until %s, want %d until %s", c.now.Format(time.RFC1123), rate, until, c.rate, c.until)
		}
		if got := Describe(rate, until, c.now); got != c.text {
			t.Errorf("Describe at %s = %q, want %q", c.now.Format(time.RFC1123), got, c.text)
		}
	}
}

func TestAtWeekWrap(t *testing.T) {
	// Sunday 00:00 comes before the week's first entry (Mon): Saturday's
	// entry, the week's last, still holds, and the next change is Monday.
	tt, err := Parse("Mon-08:00,1M Sat-20:00,2M")
	if err != nil {
		t.Fatal(err)
	}
	sun, mon := 6, 7
	rate, until := tt.At(at(sun, "00:00"))
	if rate != 2<<20 || !until.Equal(at(mon, "08:00")) {
		t.Errorf("Sunday 00:00: %d until %s, want 2 MiB/s until Monday 08:00", rate, until)
	}
	// Saturday 21:00 → the next change is next Monday, across the month.
	rate, until = tt.At(at(5, "21:00"))
	if rate != 2<<20 || !until.Equal(at(mon, "08:00")) {
		t.Errorf("Saturday 21:00: %d until %s", rate, until)
	}
}

func TestAtConstantAndRepeats(t *testing.T) {
	if r, u := Constant(1000).At(at(4, "12:00")); r != 1000 || !u.IsZero() {
		t.Errorf("constant: %d until %v", r, u)
	}
	if r, u := (Timetable{}).At(at(4, "12:00")); r != 0 || !u.IsZero() {
		t.Errorf("zero timetable: %d until %v", r, u)
	}
	// An entry repeating the rate in force is not a change.
	tt, _ := Parse("08:00,1M 12:00,1M 20:00,off")
	if r, u := tt.At(at(4, "09:00")); r != 1<<20 || !u.Equal(at(4, "20:00")) {
		t.Errorf("09:00: %d until %v, want 1 MiB/s until 20:00", r, u)
	}
	if got := Describe(1<<20, time.Time{}, at(4, "09:00")); got != "limit 1 MiB/s" {
		t.Errorf("Describe constant = %q", got)
	}
}

func TestAtDaylightSaving(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	tt, _ := Parse("02:30,1M 04:00,off")
	// 2026-03-29: clocks go from 02:00 to 03:00; 02:30 does not exist.
	now := time.Date(2026, 3, 29, 1, 0, 0, 0, loc)
	r, until := tt.At(now)
	if r != 0 || until.Hour() != 3 || until.Day() != 29 {
		t.Errorf("before the gap: %d until %v, want no limit until 03:30 (02:30 moved by the gap)", r, until)
	}
}

// fakeClock is a Clock whose time moves only by Advance.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	calls   int // After calls so far
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, fakeWaiter{c.now.Add(d), ch})
	return ch
}

// Set moves the clock to t and fires the waiters due. It returns the After
// count before, and whether a waiter fired.
func (c *fakeClock) Set(t time.Time) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	fired := false
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
			fired = true
			continue
		}
		kept = append(kept, w)
	}
	c.waiters = kept
	return c.calls, fired
}

func TestSchedulerAcrossDaysAndWeekWrap(t *testing.T) {
	clock := &fakeClock{now: at(4, "17:00")} // Friday
	applied := make(chan int64, 16)
	s := NewScheduler(clock, func(bps int64) { applied <- bps })
	tt, err := Parse("Mon-Fri 08:00,512k 18:00,off Sat-10:00,1M Sun-20:00,2M")
	if err != nil {
		t.Fatal(err)
	}
	s.Set(tt)
	expect := func(want int64, when string) {
		t.Helper()
		select {
		case got := <-applied:
			if got != want {
				t.Fatalf("%s: applied %d, want %d", when, got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: nothing applied, want %d", when, want)
		}
	}
	expect(512<<10, "Set on Friday 17:00")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	defer func() { cancel(); <-done }()

	// Step the clock minute by minute through Friday evening to Monday
	// morning: every boundary is applied once, at its minute, and nothing
	// between boundaries.
	steps := []struct {
		to   time.Time
		want int64 // -1: no change
	}{
		{at(4, "17:59"), -1},
		{at(4, "18:00"), 0},
		{at(5, "09:59"), -1}, // across midnight into Saturday
		{at(5, "10:00"), 1 << 20},
		{at(6, "19:59"), -1},
		{at(6, "20:00"), 2 << 20},
		{at(7, "07:59"), -1}, // week wrap: Sunday's entry holds into Monday
		{at(7, "08:00"), 512 << 10},
	}
	for _, st := range steps {
		for clock.Now().Before(st.to) {
			next := clock.Now().Add(recheck)
			if next.After(st.to) {
				next = st.to
			}
			if calls, fired := clock.Set(next); fired {
				waitIdle(t, clock, calls)
			}
		}
		if st.want < 0 {
			select {
			case got := <-applied:
				t.Fatalf("at %s: applied %d, want no change", st.to.Format(time.RFC1123), got)
			default:
			}
			continue
		}
		expect(st.want, st.to.Format(time.RFC1123))
		if r, _ := s.State(); r != st.want {
			t.Fatalf("State at %s = %d, want %d", st.to.Format(time.RFC1123), r, st.want)
		}
	}

	// A new timetable applies at once while Run waits.
	s.Set(Constant(0))
	expect(0, "Set(Constant(0))")
}

// waitIdle waits until the scheduler, woken by the clock, waits on it
// again (calls After once more than calls).
func waitIdle(t *testing.T, c *fakeClock, calls int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		n := c.calls
		c.mu.Unlock()
		if n > calls {
			return
		}
		runtime.Gosched()
	}
	t.Fatal("the scheduler did not wait on the clock again")
}
