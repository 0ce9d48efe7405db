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
