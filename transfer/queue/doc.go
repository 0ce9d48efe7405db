// Package queue is Ferry's persistent transfer queue: jobs, upload
// sessions, the "already sent" index, a bounded history and a few durable
// settings, in one bbolt file owned by one process.
//
// # Layout
//
// Buckets: meta (schema version), jobs (id -> record), bykey (target+path
// -> id, so a file changed five times is one job), sessions (id -> upload
// progress), sent (target+path -> fingerprint of the last good upload),
// history (sequence -> entry), settings. Indexes kept in the same
// transactions as the records: ready (target -> ids of runnable jobs),
// waiting (NextAttempt+id of Waiting jobs not yet due), running (ids) and
// counts (per state). Claim, NextWake, crash recovery and Counts therefore
// cost a few index reads however many jobs are queued.
//
// # Records
//
// Every record is a versioned binary encoding (records.go). A record that
// cannot be decoded yields an error wrapping ErrCorrupt naming it, never a
// panic. Point reads (Get, LoadSession, Sent) return that error; walks
// (Jobs, SentAll, History) skip the record, deliver the rest and return
// the joined errors at the end; Claim takes a damaged record out of the
// ready index and reports it once; Enqueue gives a damaged job's key to a
// new job. Damaged job records surface as *CorruptJobError, whose ID the
// UI can pass to Purge.
//
// # Engine protocol
//
// The engine loops: Claim (skipped while PausedUntil is in the future);
// when nothing is runnable, sleep until NextWake, an Enqueue or a free slot.
// A worker persists progress with SaveSession after every acknowledged
// chunk and ends the job with Finish (done), Retry (retryable, at a
// backoff time), Fail (needs the user) or Requeue (shutdown, give it back).
// A file enqueued again while its job runs marks the job Changed: before
// finalizing, the worker re-stats the file; if it differs from what was
// sent it restarts, otherwise it calls ClearChanged and then Finish. A
// change landing after ClearChanged is not lost: Finish then keeps the job,
// queued afresh. A job cancelled or finished under a worker makes that
// worker's later calls fail with ErrNotFound.
//
// # Concurrency
//
// A Queue is safe for concurrent use. One process at a time may open the
// file: Open fails with ErrLocked when another Ferry instance holds it.
// Callbacks (allow, filter, fn) run inside a transaction on the caller's
// goroutine and must not call the Queue back.
package queue
