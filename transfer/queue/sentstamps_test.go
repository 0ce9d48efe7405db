package queue

import (
	"testing"
	"time"
)

// FuzzFingerprintStamp: the stamp-only decoder accepts exactly the records
// decodeFingerprint accepts, and reads the same size and mtime.
func FuzzFingerprintStamp(f *testing.F) {
	for _, b := range decoders()["fingerprint"].valid {
		f.Add(b)
		f.Add(b[:len(b)-1])
		f.Add(append(append([]byte(nil), b...), 0))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fp, err := decodeFingerprint(b)
		size, mtime, serr := decodeFingerprintStamp(b)
		if (err == nil) != (serr == nil) {
			t.Fatalf("decodeFingerprint: %v; stamp decoder: %v", err, serr)
		}
		if err == nil && (size != fp.Size || !mtime.Equal(fp.ModTime) || mtime != fp.ModTime) {
			t.Fatalf("stamp %d %v, record %d %v", size, mtime, fp.Size, fp.ModTime)
		}
	})
}

// TestSentStampsMatchesSentAll: SentStamps walks the same records as
// SentAll, with the same sizes and mtimes, and reports a damaged record
// the same way.
func TestSentStampsMatchesSentAll(t *testing.T) {
	q, _ := openTest(t, Options{})
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for i, rel := range []string{"a", "b/c", "d"} {
		ids := mustEnqueue(t, q, job("t", rel), job("u", rel))
		for range ids {
			mustClaim(t, q, t0)
		}
		for _, id := range ids {
			if err := q.Finish(id, HistoryEntry{}, &Fingerprint{Size: int64(i), ModTime: t0.Add(time.Duration(i)), SHA256: []byte{1, 2}, RemoteID: "r"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	putRaw(t, q, bucketSent, sentKey("t", "zz"), []byte{fingerprintV1, 9})
	type rec struct {
		size  int64
		mtime time.Time
	}
	all, stamps := map[string]rec{}, map[string]rec{}
	errAll := q.SentAll("t", func(p string, fp Fingerprint) error { all[p] = rec{fp.Size, fp.ModTime}; return nil })
	errStamps := q.SentStamps("t", func(p string, size int64, mtime time.Time) error { stamps[p] = rec{size, mtime}; return nil })
	if len(all) != 3 || len(stamps) != len(all) {
		t.Fatalf("SentAll %v, SentStamps %v", all, stamps)
	}
	for p, r := range all {
		if s, ok := stamps[p]; !ok || s.size != r.size || !s.mtime.Equal(r.mtime) {
			t.Errorf("%s: SentAll %v, SentStamps %v", p, r, s)
		}
	}
	if errAll == nil || errStamps == nil {
		t.Errorf("the damaged record: SentAll %v, SentStamps %v", errAll, errStamps)
	}
}
