package transfer

import (
	"context"
	"sort"
	"time"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// Progress is a snapshot of the uploads in flight.
type Progress struct {
	Jobs []JobProgress // ordered by job id
	// Done and Total sum the jobs in flight; Speed is their bytes per
	// second together and ETA the time left at that speed (-1: unknown).
	Done, Total int64
	Speed       int64
	ETA         time.Duration
}

// JobProgress is one upload in flight.
type JobProgress struct {
	ID      queue.JobID
	Target  string
	RelPath string
	Done    int64 // bytes acknowledged or being sent
	Total   int64
	Speed   int64         // bytes per second, smoothed
	ETA     time.Duration // -1: unknown
}

// progressLoop publishes a progress snapshot every ProgressInterval while
// someone listens and something uploads (plus one final empty snapshot
// when the last upload ends). Without subscribers it sleeps on the hub,
// so progress costs nothing then.
func (e *Engine) progressLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.hub.listening():
		}
		e.tickWhileListening(ctx)
	}
}

// tickWhileListening publishes snapshots until the last subscriber
// leaves. The timer restarts after each snapshot is stamped, so two
// snapshots are always at least ProgressInterval apart.
func (e *Engine) tickWhileListening(ctx context.Context) {
	t := time.NewTimer(e.opts.ProgressInterval)
	defer t.Stop()
	sentEmpty := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		select {
		case <-e.hub.listening():
		default:
			return // the last subscriber left
		}
		p := e.sample(e.opts.ProgressInterval)
		if len(p.Jobs) > 0 || !sentEmpty {
			sentEmpty = len(p.Jobs) == 0
			e.hub.publish(Event{Time: e.opts.Now(), Progress: &p})
		}
		t.Reset(e.opts.ProgressInterval)
	}
}

// sample builds a snapshot and updates each job's smoothed speed; only the
// progress ticker calls it.
func (e *Engine) sample(interval time.Duration) Progress {
	e.samples.Add(1)
	e.mu.Lock()
	list := make([]*active, 0, len(e.active))
	for _, a := range e.active {
		list = append(list, a)
	}
	e.mu.Unlock()
	for _, a := range list {
		d := a.done.Load()
		inst := float64(d-a.last.Swap(d)) / interval.Seconds()
		// Exponential smoothing over about a second of ticks.
		a.speed.Store(int64(0.8*float64(a.speed.Load()) + 0.2*inst))
	}
	return build(list)
}

// build assembles a Progress from active jobs.
func build(list []*active) Progress {
	sort.Slice(list, func(i, k int) bool { return list[i].job.ID < list[k].job.ID })
	p := Progress{Jobs: make([]JobProgress, 0, len(list)), ETA: -1}
	now := time.Now()
	for _, a := range list {
		jp := JobProgress{
			ID: a.job.ID, Target: a.job.Target, RelPath: a.job.RelPath,
			Done: a.done.Load(), Total: a.total.Load(), Speed: max(a.speed.Load(), 0), ETA: -1,
		}
		if since := a.since.Load(); jp.Speed == 0 && since != 0 {
			// No ticker samples (nobody subscribed): the average since
			// sending began, not counting resumed bytes.
			if el := now.Sub(time.Unix(0, since)); el > 100*time.Millisecond {
				jp.Speed = int64(float64(jp.Done-a.base.Load()) / el.Seconds())
			}
		}
		jp.ETA = eta(jp.Total-jp.Done, jp.Speed)
		p.Jobs = append(p.Jobs, jp)
		p.Done += jp.Done
		p.Total += jp.Total
		p.Speed += jp.Speed
	}
	p.ETA = eta(p.Total-p.Done, p.Speed)
	return p
}

func eta(left, speed int64) time.Duration {
	if speed <= 0 {
		return -1
	}
	return time.Duration(float64(max(left, 0)) / float64(speed) * float64(time.Second))
}
