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
// "done" at once. A create that outlasts the response-header timeout
// would be retried while the first still runs, and Drive would keep both
// items ("name-2.ext"). So the provider waits for the preview itself
// (cheap GETs, no request held open), and when the preview has not come
// after Config.PreviewWait it sends the create with a client that waits
// longer than the server can.

// driveCreateTimeout bounds the answer to a create the server may hold for
// its whole thumbnail wait (99 steps: 16.5 min) plus a margin.
const driveCreateTimeout = 18 * time.Minute

// DefaultPreviewWait is how long Finish waits for a preview by default.
const DefaultPreviewWait = 2 * time.Minute

// Bounds of the interval between two reads of a file waiting for its
// preview.
const (
	previewPollFirst = 200 * time.Millisecond
	previewPollMax   = 5 * time.Second
)

// waitForPreview returns f re-read until its preview is done, or f as it
// is after Config.PreviewWait; slow reports that the server will still
// wait for the preview when asked to create the item. Failed reads only
// cost time: the create decides.
func (p *Provider) waitForPreview(ctx context.Context, f api.PublicFile) (api.PublicFile, bool, error) {
	status := func(f api.PublicFile) string {
		if f.Metadata == nil {
			return ""
		}
		return f.Metadata.ThumbnailsStatus
	}
	deadline := time.Now().Add(p.cfg.PreviewWait)
	wait := previewPollFirst
	for status(f) == "waiting" {
		if time.Now().Add(wait).After(deadline) {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return f, false, ctx.Err()
		case <-t.C:
		}
		g, err := p.getFile(ctx, "wait for the preview", f.ID)
		if kind, _ := provider.Classify(err); err != nil && kind != provider.ErrRetryable {
			return f, false, err
		}
		if err == nil && g.Metadata != nil && g.UploadData != nil {
			f.Metadata, f.Thumbnails = g.Metadata, g.Thumbnails
		}
		wait = min(wait*3/2, previewPollMax)
	}
	// Any status but "done" ("error", or none at all) makes the real
	// server wait its full time.
	return f, status(f) != "done", nil
}
