package transfer

import (
	"log/slog"
	"time"

	"github.com/ferry-sync/ferry/transfer/bwtimetable"
)

// Options tune an Engine. The zero value gives the defaults noted.
type Options struct {
	// Parallel is how many files upload at once; default 4. SetParallel
	// changes it while running.
	Parallel int
	// Bandwidth caps the bytes per second of all uploads together; 0 means
	// unlimited. SetBandwidth changes it while running.
	Bandwidth int64
	// Schedule, when set, is a bandwidth timetable that replaces Bandwidth
	// (SetSchedule changes it while running).
	Schedule *bwtimetable.Timetable
	// Clock times the switches of the bandwidth timetable; default the
	// system clock. Tests pass a fake one.
	Clock bwtimetable.Clock
	// StallTimeout aborts a request that made no progress (no body bytes
	// read, no answer) for that long, and retries it; default 60s.
	StallTimeout time.Duration
	// CommitQuiet is how long a file must have gone unmodified before the
	// request that stores it goes out to a service whose last chunk is the
	// commit (provider.Capabilities.LastChunkCommits): a file still being
	// written would be stored half-written, and such a copy cannot be
	// replaced. Default 1s.
	CommitQuiet time.Duration
	// RequestTries is how many times one request (a chunk, Begin, Finish)
	// is tried before the job as a whole is retried later; default 4.
	RequestTries int
	// RequestBackoff is the first and largest pause between request tries
	// (exponential with jitter); default 250ms and 5s. A server's
	// Retry-After replaces it when longer, up to RequestRetryAfterMax.
	RequestBackoff Backoff
	// RequestRetryAfterMax is the longest Retry-After honoured within the
	// chunk loop; a longer one ends the attempt and becomes the job's
	// retry time instead. Default 30s.
	RequestRetryAfterMax time.Duration
	// JobBackoff is the first and largest delay before a job-level retry
	// (exponential in the job's Attempts, with jitter); default 10s and 30m.
	JobBackoff Backoff
	// ReachBackoff is the first and largest pause before one job tries
	// again a server that could not be reached at all (see Outage);
	// default 5s and 2m, so uploads go on at most about two minutes after
	// the network comes back. The target's other jobs wait meanwhile,
	// their attempts untouched; Retry makes the try due at once.
	ReachBackoff Backoff
	// ChunkParallel is the default chunk concurrency per file for targets
	// that do not set one, where the provider allows parallel chunks;
	// default 4.
	ChunkParallel int
	// ProgressInterval is the period of progress events; default and
	// minimum 100ms (at most 10 per second).
	ProgressInterval time.Duration
	// ShutdownGrace bounds how long Run waits for workers after its
	// context ends; default 3s.
	ShutdownGrace time.Duration
	// Now is the clock for retry times and pauses; default time.Now.
	Now func() time.Time
	// Log receives one line per job outcome and per unexpected internal
	// error; default slog.Default(). Messages never contain secrets.
	Log *slog.Logger
}

// Backoff is an exponential backoff range.
type Backoff struct {
	Initial, Max time.Duration
}

func (o Options) withDefaults() Options {
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	if o.Bandwidth < 0 {
		o.Bandwidth = 0
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = 60 * time.Second
	}
	if o.RequestTries <= 0 {
		o.RequestTries = 4
	}
	if o.CommitQuiet <= 0 {
		o.CommitQuiet = time.Second
	}
	if o.RequestBackoff.Initial <= 0 {
		o.RequestBackoff.Initial = 250 * time.Millisecond
	}
	if o.RequestBackoff.Max < o.RequestBackoff.Initial {
		o.RequestBackoff.Max = max(5*time.Second, o.RequestBackoff.Initial)
	}
	if o.RequestRetryAfterMax <= 0 {
		o.RequestRetryAfterMax = 30 * time.Second
	}
	if o.JobBackoff.Initial <= 0 {
		o.JobBackoff.Initial = 10 * time.Second
	}
	if o.JobBackoff.Max < o.JobBackoff.Initial {
		o.JobBackoff.Max = max(30*time.Minute, o.JobBackoff.Initial)
	}
	if o.ReachBackoff.Initial <= 0 {
		o.ReachBackoff.Initial = 5 * time.Second
	}
	if o.ReachBackoff.Max < o.ReachBackoff.Initial {
		o.ReachBackoff.Max = max(2*time.Minute, o.ReachBackoff.Initial)
	}
	if o.ChunkParallel <= 0 {
		o.ChunkParallel = 4
	}
	if o.ProgressInterval < 100*time.Millisecond {
		o.ProgressInterval = 100 * time.Millisecond
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = 3 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return o
}
