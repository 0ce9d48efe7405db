// Package transfer is Ferry's upload engine: a dispatcher that claims jobs
// from the persistent queue, a pool of workers that each run one file
// through one generic chunk loop for every provider, retries at two levels
// (a few quick per-request retries, then a persisted job-level backoff),
// a shared bandwidth limit, pause/resume/cancel, a stall watchdog, and
// events with throttled progress snapshots for the CLI, the GUI and
// notifications.
//
// # Use
//
//	e := transfer.New(q, resolver, transfer.Options{Parallel: 4})
//	go e.Run(ctx)                       // in the app's errgroup
//	ids, err := e.Enqueue(jobs...)      // watcher, drops, `ferry upload`
//	err = e.WaitIdle(ctx, ids...)       // `ferry upload` exits when through
//	sub := e.Subscribe(); defer sub.Close()
//	for ev := range sub.C { ... }       // state changes and progress
//
// Control: PauseAll(until)/ResumeAll/Paused, Pause/Resume/Cancel/Retry of
// one job, RetryAll, SetParallel, SetBandwidth, SetSchedule (a bandwidth
// timetable, package bwtimetable, switched by Run at each boundary),
// SetHold (a pause that is not the user's, e.g. a metered connection),
// ForgetTarget; Snapshot for a list view. Explain and JobReason turn a job's error kind into a
// sentence for people.
//
// # Goroutines
//
// Run owns the dispatcher loop; each claimed job runs on its own worker
// goroutine (at most Parallel at once, and at most a target's MaxParallel
// per target); chunks of one file run on up to ChunkParallel goroutines
// when the provider allows parallel chunks. Control methods (Pause, Cancel,
// SetParallel, SetBandwidth, ...) may be called from any goroutine, before
// or during Run. Subscribers receive events on their own channel.
//
// # Durability
//
// Every state change goes through the queue first, so the queue file is
// the truth after a crash: running jobs come back Queued with their upload
// session (saved after every acknowledged chunk), a global pause survives,
// as does a job-level retry time and a stepped-down chunk size.
//
// # Files
//
// A chunk is read through an io.NewSectionReader of the open file for
// every attempt, so a retry re-reads from disk and memory does not grow
// with chunk or file size. Bytes are counted against the declared size,
// and the file is re-stat'ed before Finish: a file that changed meanwhile
// is not finalized; its session is aborted and the job starts over.
package transfer
