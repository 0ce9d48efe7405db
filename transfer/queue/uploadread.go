package queue

import "fmt"

// UploadRecords is what an upload reads from the queue before it sends
// anything: the chunk size learned for its target, its saved session and
// the sent index's record of its remote path. Each part carries the
// answer and error the single read would give (TargetChunkSize,
// LoadSession, Sent), so a damaged record of one part spoils only that
// part.
type UploadRecords struct {
	ChunkSize    int64 // TargetChunkSize's answer
	ChunkSizeOK  bool
	ChunkSizeErr error

	Session    Session // LoadSession's answer
	SessionOK  bool
	SessionErr error

	Sent    Fingerprint // Sent's answer
	SentOK  bool
	SentErr error
}

// UploadRecords reads TargetChunkSize(target), LoadSession(id) and
// Sent(target, remotePath) in one read transaction: three per file
// otherwise, each with its transaction's cost (a lock, a Tx, a bucket
// handle). A failure of the transaction itself is every part's error.
func (q *Queue) UploadRecords(id JobID, target, remotePath string) UploadRecords {
	var r UploadRecords
	err := q.viewOnly(useSettings|useSessions|useSent, func(t *txn) error {
		r = UploadRecords{}
		var err error
		if r.ChunkSize, r.ChunkSizeOK, err = t.chunkSize(target); err != nil {
			r.ChunkSizeErr = fmt.Errorf("chunk size of %s: %w", target, err)
		}
		if r.Session, r.SessionOK, err = t.session(id); err != nil {
			r.SessionErr = fmt.Errorf("load session: %w", err)
		}
		if r.Sent, r.SentOK, err = t.sentRecord(target, remotePath); err != nil {
			r.SentErr = fmt.Errorf("sent: %w", err)
		}
		return nil
	})
	if err != nil {
		r = UploadRecords{
			ChunkSizeErr: fmt.Errorf("chunk size of %s: %w", target, err),
			SessionErr:   fmt.Errorf("load session: %w", err),
			SentErr:      fmt.Errorf("sent: %w", err),
		}
	}
	return r
}
