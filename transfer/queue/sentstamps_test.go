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
	errStamps := q.SentStamps("t", func(p []byte, size int64, mtime time.Time) error { stamps[string(p)] = rec{size, mtime}; return nil })
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

// A walk with SentStamps allocates nothing per record: a restart's
// snapshot of 100,000 sent files made a string of each remote path, 3 MB
// of garbage at the restart's peak (issue 20).
func TestSentStampsAllocatesNothingPerRecord(t *testing.T) {
	q, _ := openTest(t, Options{})
	const records = 10_000
	fillSent(t, q, records)
	n := 0
	allocs := testing.AllocsPerRun(3, func() {
		_ = q.SentStamps("t", func([]byte, int64, time.Time) error { n++; return nil })
	})
	if n != 4*records { // AllocsPerRun runs it once more to warm up
		t.Fatalf("walked %d records in 4 walks, want %d", n, 4*records)
	}
	if allocs > records/100 {
		t.Errorf("%.0f allocations for a walk over %d records", allocs, records)
	}
}

// SentCount counts the records of one target below a remote folder, and
// the bytes of their paths below it.
func TestSentCount(t *testing.T) {
	q, _ := openTest(t, Options{})
	fp := encodeFingerprint(Fingerprint{Size: 1, ModTime: time.Now(), SHA256: make([]byte, 32), RemoteID: "r"})
	for _, k := range [][]byte{sentKey("t", "up/a"), sentKey("t", "up/bb"), sentKey("t", "upper/c"), sentKey("t", "x/d"), sentKey("u", "up/e")} {
		putRaw(t, q, bucketSent, k, fp)
	}
	for _, tc := range []struct {
		target, below string
		n, size       int
	}{{"t", "up/", 2, 3}, {"t", "", 4, 4 + 5 + 7 + 3}, {"u", "up/", 1, 1}, {"v", "", 0, 0}} {
		if n, size, err := q.SentCount(tc.target, tc.below); err != nil || n != tc.n || size != tc.size {
			t.Errorf("SentCount(%s, %q) = %d, %d, %v; want %d, %d", tc.target, tc.below, n, size, err, tc.n, tc.size)
		}
	}
}
