// Package sync watches local folders and hands on the files that are new or
// changed since their last good upload. It is imported elsewhere as
// foldersync, because its name shadows the standard library's sync.
//
// The path of one file:
//
//	fsnotify event ─► aggregator (per-path quiet period, max delay, too many events ⇒ rescan)
//	               ─► stability gate (size+mtime unchanged across two stats a quiet period apart)
//	               ─► ignore rules, sent-index check, "already handed on" check
//	               ─► Options.Emit(batch of Candidates)
//
// Scans (at start, every Folder.Rescan, after overflow or watcher errors,
// and for every new directory) walk the tree with os.ReadDir and Lstat, in
// parallel, and compare each regular file with the SentIndex: only files
// whose size or mtime differ from the last good upload become Candidates.
// A scanned file counts as settled when its mtime is at least one quiet
// period old (no write has touched it for that long); a younger one is
// stat'ed again when its mtime turns one quiet period old and goes if
// nothing changed. A path seen through events goes when two stats a quiet
// period apart, the first a quiet period after its last event, agree: a
// written file is handed on two quiet periods after its last write.
//
// Too many pending event paths (more than 512, or 128 in one directory) or
// an overflowing kernel queue collapse into one rescan of the root, started
// once the folder has been quiet for a quiet period (at most MaxDelay
// later). When the inotify watch limit is reached the watcher reports
// HealthDegraded with a message naming fs.inotify.max_user_watches, keeps the
// watches it has and rescans every Folder.DegradedRescan; each full scan
// tries to watch the rest again, so raising the limit heals it.
//
// Scope: upload only. Local deletes are not mirrored; a renamed file is a
// new path here, and its old name is reported to Options.Renamed (a removed
// path to Options.Removed) so the app can move the uploaded file on the
// server instead of sending it again. Symlinks are never followed (no loops, nothing outside
// the root is ever uploaded); symlinks, FIFOs, sockets and devices are
// skipped and counted once each in Status.Skipped.
//
// Concurrency: each Watcher has one owner goroutine (the one calling Run)
// that owns the aggregator, the timers and the "handed on" memory; scans run
// in helper goroutines and send their findings to it. Health and progress
// are published through Status and Changed, safe from any goroutine.
//
// The package never imports transfer/... or fyne.io/...: the app package
// adapts the queue's sent index to SentIndex and feeds Emit's batches to the
// engine's Enqueue.
package sync
