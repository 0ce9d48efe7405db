package twake

import (
	"errors"
	"time"
)

// The thumbnail rules (linagora/Twake@39f533e5e838
// twake/backend/node/src/services/files/services/index.ts, F/ below):
//
//   - TW-PREVIEW-1: after storing a chunk of a file whose upload_data.chunks
//     is 1 (and which received bytes) with upload_data.size under
//     50,000,000, the server sets metadata.thumbnails_status "waiting" and
//     asks the preview worker, which sets it "done" when it has finished
//     (F:119-175). Multi-chunk files stay "done" (F:91-95). Twake Drive
//     legacy passes ignoreThumbnails for chunk uploads: its files stay
//     "waiting" and no worker is asked (TDL files controller save).
//   - TW-PREVIEW-2: getFile(..., {waitForThumbnail: true}) re-reads the
//     entity until thumbnails_status is "done", sleeping i*200 ms before
//     its i-th re-read, 99 times at most, then goes on whatever the status
//     (F:246-266). A deleted entity (or one without metadata) throws.
//     It runs for a chunk with thumbnail_sync on such a one-chunk file
//     (F:155-164) and for every Drive file item created with an
//     external_id (documents services/index.ts:222-230).

// maxPreviewSize is max_preview_file_size (F:24).
const maxPreviewSize = 50_000_000

// askPreview applies TW-PREVIEW-1 after chunk bytes were stored: a
// one-chunk file under the preview size becomes "waiting", and the
// simulated worker marks it "done" after Config.PreviewDelay unless
// SwitchPreview is off. It reports whether the file waits for a preview.
// Caller holds f.mu.
func (a *API) askPreview(f *file, received int64) bool {
	if f.uploadData == nil || f.uploadData.Chunks != 1 || received == 0 || f.uploadData.Size >= maxPreviewSize {
		return false
	}
	f.metadata.ThumbnailsStatus = "waiting"
	f.previewGen++
	if a.tdrive() || !a.env.Switches.OnDefault(SwitchPreview, true) {
		return !a.tdrive()
	}
	gen := f.previewGen
	time.AfterFunc(a.cfg.PreviewDelay, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if !f.deleted && f.previewGen == gen && f.metadata != nil {
			f.metadata.ThumbnailsStatus = "done"
		}
	})
	return true
}

// errNoEntity is the TypeError of a wait whose entity is gone or has no
// metadata: the real server answers 500.
var errNoEntity = errors.New("file entity gone or without metadata")

// waitForThumbnail is TW-PREVIEW-2 with the step Config.PollUnit. It does
// not stop when the client goes away: neither does the real server, which
// is how a Drive item appears after its create request timed out.
func (a *API) waitForThumbnail(company, id string) (*file, error) {
	for i := 1; ; i++ {
		a.mu.Lock()
		f := a.files[fileKey{company, id}]
		a.mu.Unlock()
		if f == nil {
			return nil, errNoEntity
		}
		f.mu.Lock()
		ok, done := !f.deleted && f.metadata != nil && f.uploadData != nil, f.metadata != nil && f.metadata.ThumbnailsStatus == "done"
		f.mu.Unlock()
		if !ok {
			return nil, errNoEntity
		}
		if done || i == 100 {
			return f, nil
		}
		time.Sleep(time.Duration(i) * a.cfg.PollUnit)
	}
}
