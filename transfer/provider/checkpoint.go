package provider

import "context"

type checkpointKey struct{}

// WithCheckpoint returns a context whose Checkpoint calls save. The engine
// gives it to every PutChunk: save persists the session's State at once,
// with the chunks acknowledged so far (not the one being sent).
func WithCheckpoint(ctx context.Context, save func() error) context.Context {
	return context.WithValue(ctx, checkpointKey{}, save)
}

// Checkpoint asks the engine to persist the session's State now, in the
// middle of a PutChunk. A provider calls it when the state learned
// something a restart needs before the request that may store the file:
// SelfCommunity's one-part file learns its server-issued uuid from the
// part's answer and then, in the same PutChunk, sends the done call that
// makes the file visible; without the uuid saved first, a process killed
// after done would upload the file again as a second copy. It returns the
// save's error (the provider should not go on to the committing request
// then), and nil where no engine listens (tests driving a session alone).
func Checkpoint(ctx context.Context) error {
	if save, ok := ctx.Value(checkpointKey{}).(func() error); ok {
		return save()
	}
	return nil
}

type unchangedKey struct{}

// WithUnchanged returns a context whose Unchanged calls check. The engine
// gives it to the PutChunk of a file's last chunk where that chunk is the
// commit (Capabilities.LastChunkCommits or LastChunkStores): check re-stats
// the local file and fails when it is no longer the version the chunks
// were read from.
func WithUnchanged(ctx context.Context, check func() error) context.Context {
	return context.WithValue(ctx, unchangedKey{}, check)
}

// Unchanged asks the engine whether the local file is still the version
// every chunk was read from. A provider calls it after the last chunk's
// bytes were read and before a request that makes the file visible
// without carrying those bytes itself (SelfCommunity's done call): a file
// rewritten while its last part was being read is then never stored as a
// mix of two versions. It returns the engine's error (the provider returns
// it unchanged and does not send the committing request), and nil where no
// engine listens.
func Unchanged(ctx context.Context) error {
	if check, ok := ctx.Value(unchangedKey{}).(func() error); ok {
		return check()
	}
	return nil
}
