package app

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// A restart's snapshot of the sent index holds one record per file ever
// sent to the folder (100,000 in the benchmark), all of them while the
// sent index's pages are mapped too: it is the restart's peak (issue 20).
// Each record costs its path's bytes and a few words, not a map entry and
// a string of its own.
func TestSentSnapshotMemoryPerRecord(t *testing.T) {
	const records = 100_000
	// 21 bytes, in the index's order.
	rel := func(i int) string { return fmt.Sprintf("dir-%04d/file-%03d.bin", i/100, i%100) }
	mtime := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	snap := newSentSnapshot(sentIndex{}, 0)
	snap.grow(records, records*21) // as SentSnapshot sizes it (SentCount)
	for i := range records {
		// As SentStamps gives them: the bytes of the remote path, of
		// which the snapshot keeps the part below the remote folder.
		snap.add([]byte("up/" + rel(i))[3:], int64(i), mtime)
	}
	snap.done()
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / records
	runtime.KeepAlive(snap)
	t.Logf("%d bytes per record", per)
	// The path's 21 bytes, its end (4) and the stamp (16), with room for
	// the runtime's size classes.
	if per > 48 {
		t.Errorf("%d bytes per record of the snapshot, want at most 48", per)
	}
	// And it answers.
	for _, i := range []int{0, 1, 4242, records - 1} {
		if size, mt, ok, err := snap.Sent(rel(i)); err != nil || !ok || size != int64(i) || !mt.Equal(mtime) {
			t.Errorf("Sent(%s) = %d %v %v %v", rel(i), size, mt, ok, err)
		}
	}
	if _, _, ok, _ := snap.Sent("dir-0000/file-000.bi"); ok {
		t.Errorf("a path never sent answers sent")
	}
}

// Records whose mtime a packed stamp cannot hold come back exactly, and a
// path out of the index's order makes the snapshot defer to the queue.
func TestSentSnapshotOddRecords(t *testing.T) {
	far := time.Date(2400, 1, 2, 3, 4, 5, 6, time.UTC)
	old := time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 1, 1, 0, 0, 0, 7, time.FixedZone("X", 3600))
	snap := newSentSnapshot(sentIndex{}, 0)
	snap.add([]byte("a"), 1, far)
	snap.add([]byte("b"), 2, now)
	snap.add([]byte("c"), 3, old)
	snap.add([]byte("d"), 4, time.Time{})
	snap.done()
	for _, tc := range []struct {
		rel  string
		size int64
		mt   time.Time
	}{{"a", 1, far}, {"b", 2, now}, {"c", 3, old}, {"d", 4, time.Time{}}} {
		if size, mt, ok, err := snap.Sent(tc.rel); err != nil || !ok || size != tc.size || !mt.Equal(tc.mt) {
			t.Errorf("Sent(%s) = %d %v %v %v, want %d %v", tc.rel, size, mt, ok, err, tc.size, tc.mt)
		}
	}
	if _, _, ok, _ := snap.Sent("bb"); ok {
		t.Errorf("Sent(bb): a path never sent answers sent")
	}
	if snap.unsorted {
		t.Errorf("sorted records taken as unsorted")
	}
	un := newSentSnapshot(sentIndex{}, 0)
	un.add([]byte("b"), 1, now)
	un.add([]byte("a"), 1, now)
	un.done()
	if !un.unsorted {
		t.Errorf("records out of order not noticed: the binary search would miss")
	}
}
