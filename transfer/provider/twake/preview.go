package twake

import (
	"context"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
)

// The real server answers the Drive create of a file item only once the
// file's preview is made: it re-reads the file until
// metadata.thumbnails_status is "done", sleeping i*200 ms before its i-th
// re-read, 99 times at most (about 16.5 min), and then creates the item
// anyway (linagora/Twake@39f533e5e838 twake/backend/node/src/services/
// documents/services/index.ts:222-230, files/services/index.ts:246-266).
// One-chunk files under 50,000,000 bytes are "waiting" until the preview
// worker has finished (files/services/index.ts:119-175); others are
// "done" at once. A create that outlasts the response-header timeout, or
// the engine's stall watchdog (60 s without progress), would be retried
// while the first still runs, and Drive would keep both items
// ("name-2.ext"). So the provider sends the create detached from the
// Finish that started it, with a client that waits longer than the server
// can (startCreate); a Finish waits for it at most Config.PreviewWait,
// then returns a retryable error, and the next Finish waits for the same
// request.

// driveCreateTimeout bounds the answer to a create the server may hold for
// its whole thumbnail wait (99 steps: 16.5 min) plus a margin.
const driveCreateTimeout = 18 * time.Minute

// DefaultPreviewWait is how long one Finish waits for a create the server
// holds, by default: under the engine's default stall watchdog of 60 s.
const DefaultPreviewWait = 40 * time.Second

// stillRegisteringRetry is the Retry-After of the error a Finish returns
// while a create it started is still held by the server.
const stillRegisteringRetry = 5 * time.Second

// slowCreate reports whether the server will hold the create of f's item
// until a preview comes: any thumbnails_status but "done" ("waiting", or
// "error" and none at all, which never change) makes Twake wait. Twake
// Drive legacy never waits (its create reads the file with
// waitForThumbnail false, twake-drive-legacy@03cf4614a506
// tdrive/backend/node/src/services/documents/services/index.ts:398-405)
// though its one-chunk files stay "waiting"; the provider cannot tell the
// two apart, so it takes the path that works for both: the create is sent
// at once and awaited (see startCreate), never preceded by a wait of its
// own.
func slowCreate(f api.PublicFile) bool {
	return f.Metadata == nil || f.Metadata.ThumbnailsStatus != "done"
}

// createCall is one Drive create running detached from the Finish that
// started it; item and err are set before done is closed.
type createCall struct {
	done chan struct{}
	item api.DriveItem
	err  error
}

// creating returns the create still tracked for file id, or nil.
func (p *Provider) creating(id string) *createCall {
	p.createMu.Lock()
	defer p.createMu.Unlock()
	return p.creates[id]
}

// startCreate sends the create of f's Drive item in its own goroutine,
// bounded by driveCreateTimeout and not by ctx: the engine cancelling a
// slow Finish must not lose an answer the server is about to give.
func (p *Provider) startCreate(ctx context.Context, parent string, f api.PublicFile, slow bool) *createCall {
	c := &createCall{done: make(chan struct{})}
	p.createMu.Lock()
	p.creates[f.ID] = c
	p.createMu.Unlock()
	go func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), driveCreateTimeout)
		defer cancel()
		c.item, c.err = p.createFileItem(cctx, parent, f, slow)
		close(c.done)
	}()
	return c
}

// awaitCreate waits for c at most Config.PreviewWait. finished is false
// when it is still running (err is then a retryable "still registering",
// or ctx's error); a finished call is forgotten.
func (p *Provider) awaitCreate(ctx context.Context, op string, c *createCall) (item api.DriveItem, finished bool, err error) {
	t := time.NewTimer(p.cfg.PreviewWait)
	defer t.Stop()
	select {
	case <-c.done:
		p.createMu.Lock()
		for id, x := range p.creates {
			if x == c {
				delete(p.creates, id)
			}
		}
		p.createMu.Unlock()
		return c.item, true, c.err
	case <-ctx.Done():
		return api.DriveItem{}, false, ctx.Err()
	case <-t.C:
		return api.DriveItem{}, false, &provider.Error{
			Kind: provider.ErrRetryable, Op: op, RetryAfter: stillRegisteringRetry,
			Message: "Twake Drive is still registering the file: it waits for the file's preview " +
				"(up to 16.5 minutes when its preview service is slow or down) before it answers",
		}
	}
}
