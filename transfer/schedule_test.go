package transfer

import (
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/bwtimetable"
	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// stepClock is a bwtimetable.Clock whose time moves only by set.
type stepClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters map[chan time.Time]time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters[ch] = c.now.Add(d)
	return ch
}

func (c *stepClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	for ch, at := range c.waiters {
		if !at.After(t) {
			ch <- t
			delete(c.waiters, ch)
		}
	}
}

// TestScheduleSwitchesLive: under a timetable the engine's limit follows
// the (fake) clock while uploads run: at 17:59 on a Friday all three
// uploads crawl under "Mon-Fri 08:00,2k 18:00,off" at once (the limit is
// shared, not serialised); at 18:00 the limit lifts without anyone
// calling SetBandwidth and they finish.
func TestScheduleSwitchesLive(t *testing.T) {
	tt, err := bwtimetable.Parse("Mon-Fri 08:00,2k 18:00,off")
	if err != nil {
		t.Fatal(err)
	}
	friday := time.Date(2026, 12, 4, 17, 59, 0, 0, time.Local)
	clock := &stepClock{now: friday, waiters: map[chan time.Time]time.Time{}}
	opts := fastOpts()
	opts.Schedule, opts.Clock, opts.Parallel = &tt, clock, 3
	r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 1024, DefaultChunkSize: 16 << 10}}, TargetSettings{}, opts)
	if bps, until := r.e.BandwidthState(); bps != 2<<10 || !until.Equal(friday.Add(time.Minute)) {
		t.Fatalf("state at 17:59 = %d until %v, want 2 KiB/s until 18:00", bps, until)
	}
	if r.e.Bandwidth() != 2<<10 {
		t.Fatalf("limit at 17:59 = %d, want 2048", r.e.Bandwidth())
	}
	var jobs []queue.Job
	for i := range 3 {
		jobs = append(jobs, r.file(name(i), randBytes(uint64(i), 128<<10)))
	}
	r.run()
	ids := r.enqueue(jobs...)
	r.until("all three uploads to make progress under the limit", func() bool {
		_, p, err := r.e.Snapshot()
		if err != nil || len(p.Jobs) != 3 {
			return false
		}
		for _, j := range p.Jobs {
			if j.Done == 0 {
				return false
			}
		}
		return true
	})
	clock.set(friday.Add(time.Minute))
	r.until("the timetable to lift the limit at 18:00", func() bool { return r.e.Bandwidth() == 0 })
	if bps, until := r.e.BandwidthState(); bps != 0 || until.Weekday() != time.Monday || until.Hour() != 8 || r.e.BandwidthNote() != "no limit until Mon 08:00" {
		t.Fatalf("state at 18:00 = %d until %v, want no limit until Monday 08:00", bps, until)
	}
	r.wait(ids...)
	for i := range 3 {
		r.checkStored("up/"+name(i), randBytes(uint64(i), 128<<10))
	}
	// SetBandwidth replaces the timetable with one rate.
	r.e.SetBandwidth(4 << 10)
	if r.e.Bandwidth() != 4<<10 {
		t.Fatalf("limit after SetBandwidth = %d", r.e.Bandwidth())
	}
	if _, ok := r.e.Schedule().IsConstant(); !ok {
		t.Fatal("SetBandwidth kept the timetable")
	}
}
