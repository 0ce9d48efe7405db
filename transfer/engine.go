package transfer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferry-sync/ferry/transfer/bwtimetable"
	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// Causes of a worker's cancellation; the worker's outcome depends on them.
var (
	errShutdown  = errors.New("engine shutting down")
	errPaused    = errors.New("job paused")
	errPausedAll = errors.New("all uploads paused")
	errCancelled = errors.New("job cancelled")
)

// farFuture is the stored PausedUntil of a pause without an end.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Engine uploads the jobs of a queue. Create it with New, run it with Run;
// control methods may be called from any goroutine at any time.
type Engine struct {
	q       *queue.Queue
	targets *targetCache
	opts    Options
	bw      *bandwidth
	sched   *bwtimetable.Scheduler // sets bw from the timetable
	hold    holdState              // SetHold: a pause that is not the user's
	reach   reachability           // targets whose server could not be reached
	leads   folderLeads            // jobs claimed that make a folder first (folderleads.go)
	hub     *hub
	kick    chan struct{} // buffered(1): the dispatcher should look again

	// pubMu serialises each queue transition with the event announcing it,
	// so subscribers see every job's states in the order the queue
	// committed them (a job claimed right after Enqueue must not be
	// announced running before it is announced queued). Taken before mu,
	// never while holding it.
	pubMu sync.Mutex

	mu        sync.Mutex // guards the fields below; never held across queue calls
	parallel  int
	active    map[queue.JobID]*active
	perTarget map[string]int
	changed   chan struct{} // closed and replaced on every state change
	running   bool          // Run is in progress
	stopping  bool          // Run is shutting down: workers claim nothing more
	workers   sync.WaitGroup

	samples      atomic.Int64 // progress snapshots built by the ticker (tests check it idles)
	settleChecks atomic.Int64 // WaitSettled's checks (tests bound them)
}

// active is one job a worker is uploading.
type active struct {
	job    queue.Job
	ctx    context.Context // the upload's; cancelled with a cause (errPaused, errShutdown, ...)
	cancel context.CancelCauseFunc
	// next is the job the worker claimed together with this one's finish
	// (Queue.FinishClaim), or ahead of it, to run on the same worker; set
	// by settle.
	next   *queue.Job
	done   atomic.Int64 // bytes acknowledged or in flight
	total  atomic.Int64
	speed  atomic.Int64            // bytes/s, smoothed by the progress ticker
	last   atomic.Int64            // done at the previous tick
	base   atomic.Int64            // done when sending began (resumed bytes)
	since  atomic.Int64            // when sending began, Unix nanoseconds
	policy provider.ConflictPolicy // set by the worker once decided
	sum    []byte                  // SHA-256 of what was sent, when known (see contenthash.go)
	// aheads are the jobs claimed for the worker while this one runs,
	// oldest first, at most aheadDepth (see ahead.go). behind is this
	// job's finish, left to commit once next has taken the slot.
	aheads []*ahead
	behind *behind
}

// New returns an engine for q that resolves targets through targets.
func New(q *queue.Queue, targets TargetResolver, opts Options) *Engine {
	opts = opts.withDefaults()
	if d, ok := q.Damage(); ok {
		// Said once, loudly, before anything is uploaded again.
		opts.Log.Error(d.Message(), "moved_to", d.MovedTo, "sent_kept", d.SentKept, "jobs_kept", d.JobsKept)
	}
	e := &Engine{
		q:         q,
		targets:   &targetCache{r: targets, m: map[string]*resolved{}},
		opts:      opts,
		bw:        newBandwidth(opts.Bandwidth),
		hub:       newHub(),
		kick:      make(chan struct{}, 1),
		parallel:  opts.Parallel,
		active:    map[queue.JobID]*active{},
		perTarget: map[string]int{},
		changed:   make(chan struct{}),
	}
	e.sched = bwtimetable.NewScheduler(opts.Clock, e.bw.set)
	tt := bwtimetable.Constant(opts.Bandwidth)
	if opts.Schedule != nil {
		tt = *opts.Schedule
	}
	e.sched.Set(tt)
	return e
}

// Run dispatches jobs until ctx ends. Then it stops every worker (their
// sessions are saved after each acknowledged chunk, and their jobs go back
// to Queued), waits up to Options.ShutdownGrace for them, and returns nil,
// or an error when workers did not stop in time. Run may be called again
// after it returned, but not twice at once.
func (e *Engine) Run(ctx context.Context) error {
	e.mu.Lock()
	if e.running {
		e.mu.Unlock()
		return errors.New("run engine: already running")
	}
	e.running, e.stopping = true, false
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.running = false
		e.mu.Unlock()
	}()

	progDone := make(chan struct{})
	go func() {
		defer close(progDone)
		e.progressLoop(ctx)
	}()
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		e.sched.Run(ctx)
	}()

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wake := e.dispatch()
		timer.Stop()
		if !wake.IsZero() {
			timer.Reset(max(wake.Sub(e.opts.Now()), time.Millisecond))
		}
		select {
		case <-ctx.Done():
			err := e.shutdown()
			<-progDone
			<-schedDone
			return err
		case <-e.kick:
		case <-timer.C:
		}
	}
}

func (e *Engine) shutdown() error {
	e.mu.Lock()
	e.stopping = true
	for _, a := range e.active {
		a.cancel(errShutdown)
	}
	e.mu.Unlock()
	done := make(chan struct{})
	go func() {
		e.workers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(e.opts.ShutdownGrace):
		return fmt.Errorf("run engine: workers did not stop within %s", e.opts.ShutdownGrace)
	}
}

// poke wakes the dispatcher; it never blocks.
func (e *Engine) poke() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// dispatch claims jobs while slots are free and returns when to look
// again (zero: only when poked).
func (e *Engine) dispatch() time.Time {
	now := e.opts.Now()
	until, err := e.q.PausedUntil()
	if err != nil {
		e.opts.Log.Error("transfer: read pause state", "err", err)
		return now.Add(time.Second)
	}
	if until.After(now) {
		return until
	}
	for range 1000 { // bounded: corrupt records are skipped one per Claim
		if !e.slotFree() {
			break
		}
		e.pubMu.Lock()
		j, ok, err := e.q.ClaimPassing(now, e.picker(""))
		if ok && err == nil {
			e.start(j)
		}
		e.pubMu.Unlock()
		if err != nil {
			e.opts.Log.Error("transfer: claim a job", "err", err)
			if errors.Is(err, queue.ErrCorrupt) {
				continue
			}
			return now.Add(time.Second)
		}
		if !ok {
			break
		}
	}
	next, ok, err := e.q.NextWake()
	if err != nil {
		e.opts.Log.Error("transfer: next wake", "err", err)
		return now.Add(time.Second)
	}
	if !ok {
		next = time.Time{}
	}
	// A target's outage ends its wait at its retry time; one already due
	// waits for its probe's outcome, which pokes.
	if r := e.reach.nextRetryAfter(now); !r.IsZero() && (next.IsZero() || r.Before(next)) {
		next = r
	}
	return next
}

func (e *Engine) slotFree() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.active) < e.parallel
}

// picker is how a worker finishing a job of target finishing (or the
// dispatcher, with "") claims: the per-target limits (allowReplacing),
// and no job that would wait for another's folder while one need not
// (later, asked once per folder: laterOnce).
func (e *Engine) picker(finishing string) queue.Picker {
	return queue.Picker{Allow: e.allowReplacing(finishing), Later: e.laterOnce()}
}

// aheadPicker is picker for a claim ahead (ahead.go): it claims no job
// that would wait for another's folder. The worker claims again when it
// finishes, by when that folder may be made. Nobody waits for the claim
// yet, so its commit may linger for company (queue.Picker.Behind); the
// worker hurries it if it comes to wait (active.popAhead).
func (e *Engine) aheadPicker(finishing string) queue.Picker {
	p := e.picker(finishing)
	p.Strict, p.Behind = true, true
	return p
}

// allowReplacing is allow for a worker that claims its next job as it
// finishes one of target finishing: that job's slot counts as free.
func (e *Engine) allowReplacing(finishing string) func(queue.Job) bool {
	return func(j queue.Job) bool {
		if e.held(j.Target) {
			return false
		}
		e.mu.Lock()
		n := e.perTarget[j.Target]
		e.mu.Unlock()
		if j.Target == finishing {
			n--
		}
		if !e.reachAllows(j.Target, n, e.opts.Now()) {
			return false
		}
		t, ok := e.targets.cached(j.Target)
		if !ok {
			// Not resolved yet: let one job through to resolve it.
			return n == 0
		}
		return t.set.MaxParallel <= 0 || n < t.set.MaxParallel
	}
}

// publishJob announces a job state change to subscribers and waiters.
func (e *Engine) publishJob(j queue.Job, remotePath, link string) {
	e.hub.publish(Event{Time: e.opts.Now(), Job: j, RemotePath: remotePath, Link: link})
	e.notifyChanged()
}

// notifyChanged wakes every WaitIdle.
func (e *Engine) notifyChanged() {
	e.mu.Lock()
	close(e.changed)
	e.changed = make(chan struct{})
	e.mu.Unlock()
}

// publishID publishes job id's current record; a job no longer in the
// queue is published as fallback with State outcome.
func (e *Engine) publishID(id queue.JobID, fallback queue.Job, outcome queue.State) {
	j, err := e.q.Get(id)
	e.publishRead(id, j, err, fallback, outcome)
}

// publishRead is publishID with the job already read (j, err from Get).
func (e *Engine) publishRead(id queue.JobID, j queue.Job, err error, fallback queue.Job, outcome queue.State) {
	if err != nil {
		if !errors.Is(err, queue.ErrNotFound) {
			e.opts.Log.Error("transfer: read job", "job", id, "err", err)
		}
		j = fallback
		j.State = outcome
	}
	e.publishJob(j, "", "")
}
