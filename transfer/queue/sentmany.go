package queue

import "fmt"

// SentMany is Sent for many remote paths of one target in one read
// transaction: fps[i] and ok[i] answer remotePaths[i]. A damaged record
// reads as not sent (ok false), as the caller of Sent treats ErrCorrupt;
// the error is for the transaction only.
func (q *Queue) SentMany(target string, remotePaths []string) (fps []Fingerprint, ok []bool, err error) {
	fps, ok = make([]Fingerprint, len(remotePaths)), make([]bool, len(remotePaths))
	err = q.view(func(t *txn) error {
		for i, p := range remotePaths {
			fps[i], ok[i] = Fingerprint{}, false
			if v := t.sent.Get(sentKey(target, p)); v != nil {
				if f, err := decodeFingerprint(v); err == nil {
					fps[i], ok[i] = f, true
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("sent: %w", err)
	}
	return fps, ok, nil
}
