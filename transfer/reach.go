package transfer

import (
	"errors"
	"maps"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// A server that cannot be reached at all (the laptop is offline, the host
// is down, its name does not resolve) fails every job of its target in
// the same way. Retried job by job, each queued file would take its turn
// to fail, its attempts would grow and its own retry time with them (up
// to Options.JobBackoff.Max), so files would still wait long after the
// network came back, and a dead server would cost a failed attempt, a
// queue commit and a log line per queued file. Instead the engine notes
// an outage for the target: its jobs stay queued and no worker takes
// them until the outage's retry time, then one job alone tries the server
// again (the probe), and the first success of any job of that target
// ends the outage and lets every job go at once.

// Outage is a target whose server could not be reached.
type Outage struct {
	Target string
	Since  time.Time // the first failed attempt of this outage
	Retry  time.Time // when one job tries the server again
	Tries  int       // attempts in a row that could not reach the server
	Cause  string    // the last attempt's error, as its job recorded it
}

// unreachable reports whether err means that no connection to the server
// could be opened, so the request never reached it: the name did not
// resolve, or dialling it (directly or through a proxy) failed. An error
// after the connection was made (a reset, a timeout waiting for the
// answer, a 5xx) is the job's own and is retried as such.
func unreachable(err error) bool {
	var de *net.DNSError
	if errors.As(err, &de) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) && (oe.Op == "dial" || oe.Op == "proxyconnect")
}

// reachability holds the outages of an engine's targets.
type reachability struct {
	mu   sync.Mutex
	down map[string]*Outage
	// waiting holds, per target in down, the jobs its outage made wait;
	// they are due again as soon as the server is reached.
	waiting map[string]map[queue.JobID]bool
}

// failed records an attempt of target's job that could not reach the
// server at now, and returns the outage as it stands, whether this
// attempt started it and whether it counted. Attempts that fail before
// the retry time already set (the other workers' jobs of the same moment)
// do not count again.
func (r *reachability) failed(target string, id queue.JobID, cause string, now time.Time, b Backoff) (o Outage, first, counted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.down[target]
	if !ok {
		if r.down == nil {
			r.down, r.waiting = map[string]*Outage{}, map[string]map[queue.JobID]bool{}
		}
		cur = &Outage{Target: target, Since: now}
		r.down[target] = cur
		r.waiting[target] = map[queue.JobID]bool{}
	}
	r.waiting[target][id] = true
	cur.Cause = cause
	if ok && now.Before(cur.Retry) {
		return *cur, false, false
	}
	cur.Tries++
	cur.Retry = now.Add(b.delay(cur.Tries - 1))
	return *cur, !ok, true
}

// reached ends target's outage; it returns the outage that ended, if any,
// and the jobs it made wait.
func (r *reachability) reached(target string) (Outage, []queue.JobID, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.down[target]
	if !ok {
		return Outage{}, nil, false
	}
	ids := slices.Sorted(maps.Keys(r.waiting[target]))
	delete(r.down, target)
	delete(r.waiting, target)
	return *o, ids, true
}

// dueBy brings target's next try forward to now, if it has an outage
// whose retry time is later.
func (r *reachability) dueBy(target string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if o, ok := r.down[target]; ok && o.Retry.After(now) {
		o.Retry = now
	}
}

// get returns target's outage, if it has one.
func (r *reachability) get(target string) (Outage, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if o, ok := r.down[target]; ok {
		return *o, true
	}
	return Outage{}, false
}

// nextRetryAfter is the earliest retry time after now of all outages
// (zero: none).
func (r *reachability) nextRetryAfter(now time.Time) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	var next time.Time
	for _, o := range r.down {
		if o.Retry.After(now) && (next.IsZero() || o.Retry.Before(next)) {
			next = o.Retry
		}
	}
	return next
}

// all returns every outage.
func (r *reachability) all() []Outage {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Outage, 0, len(r.down))
	for _, o := range r.down {
		out = append(out, *o)
	}
	return out
}

// Outages returns the targets whose server could not be reached at the
// last attempt, in no particular order. Their jobs wait; one tries again
// at each Outage.Retry.
func (e *Engine) Outages() []Outage { return e.reach.all() }

// TargetOutage returns target's outage, if its server could not be
// reached at the last attempt.
func (e *Engine) TargetOutage(target string) (Outage, bool) { return e.reach.get(target) }

// serverUnreachable records that job a's attempt could not reach its
// server (err) and returns when the job should try again: the outage's
// retry time. The first failure of an outage is logged as a warning, each
// later probe's as info (not the other jobs that failed in the same
// round); the job's own line follows from the caller.
func (e *Engine) serverUnreachable(a *active, err error, now time.Time) time.Time {
	o, first, counted := e.reach.failed(a.job.Target, a.job.ID, err.Error(), now, e.opts.ReachBackoff)
	switch {
	case first:
		e.opts.Log.Warn("transfer: cannot reach the server; this target's uploads wait and one tries again later",
			"target", o.Target, "retry", o.Retry.Format(time.TimeOnly), "err", o.Cause)
	case counted:
		e.opts.Log.Info("transfer: server still unreachable",
			"target", o.Target, "since", o.Since.Format(time.TimeOnly), "tries", o.Tries, "retry", o.Retry.Format(time.TimeOnly))
	}
	e.notifyChanged()
	return o.Retry
}

// serverReached ends target's outage after one of its jobs reached the
// server, and lets the jobs it held go: the queued ones at once, and the
// ones whose attempt it made wait (their retry time may be later, after a
// "Retry now" brought the try forward) too.
func (e *Engine) serverReached(target string) {
	o, ids, ok := e.reach.reached(target)
	if !ok {
		return
	}
	e.opts.Log.Info("transfer: server reachable again; this target's uploads go on",
		"target", target, "since", o.Since.Format(time.TimeOnly), "tries", o.Tries)
	for _, id := range ids {
		e.pubMu.Lock()
		switch err := e.q.Due(id); {
		case err == nil:
			e.publishID(id, queue.Job{ID: id}, queue.Queued)
		case !errors.Is(err, queue.ErrState) && !errors.Is(err, queue.ErrNotFound):
			e.opts.Log.Error("transfer: make a job due", "job", id, "err", err)
		}
		e.pubMu.Unlock()
	}
	e.notifyChanged()
	e.poke()
}

// reachAllows reports whether a job of target may start at now given its
// outage: none, or its retry time has come and none of the target's jobs
// runs (running is how many do), so that one job alone tries again.
func (e *Engine) reachAllows(target string, running int, now time.Time) bool {
	o, ok := e.reach.get(target)
	return !ok || (!now.Before(o.Retry) && running == 0)
}
