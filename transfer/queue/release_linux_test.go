package queue

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The pages of the queue file that reads have mapped leave the process's
// resident memory when released, so it does not grow with the file.
func TestReleaseMappedPages(t *testing.T) {
	q, path := openTest(t, Options{})
	err := q.update(func(tx *txn) error {
		fp := encodeFingerprint(Fingerprint{Size: 1, ModTime: time.Now(), SHA256: make([]byte, 32), RemoteID: "remote-id", Uploaded: time.Now()})
		for i := range 40_000 {
			if err := tx.sent.Put(sentKey("t", fmt.Sprintf("some/folder/file-%06d.bin", i)), fp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := q.SentAll("t", func(string, Fingerprint) error { n++; return nil }); err != nil || n != 40_000 {
		t.Fatalf("read back %d records: %v", n, err)
	}
	before := mappedRSS(t, path)
	if before < 1<<20 {
		t.Fatalf("only %d bytes of the queue file resident after reading 40,000 records; the test cannot tell", before)
	}
	q.releaseMapped()
	after := mappedRSS(t, path)
	if after > before/8 {
		t.Errorf("resident pages of the queue file: %d bytes before the release, %d after", before, after)
	}
	// Still readable: the pages come back from the page cache.
	n = 0
	if err := q.SentAll("t", func(string, Fingerprint) error { n++; return nil }); err != nil || n != 40_000 {
		t.Fatalf("after the release, read back %d records: %v", n, err)
	}
}

// mappedRSS sums the resident bytes of the process's mappings of path
// (/proc/self/smaps).
func mappedRSS(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	var total int64
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = strings.HasSuffix(line, " "+path)
			continue
		}
		if in && strings.HasPrefix(line, "Rss:") {
			kb, err := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			total += kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total
}

// HistoryEach walks the whole history (`ferry upload` sums up its outcomes
// there) without leaving the history's pages resident: before, all of them
// stayed mapped in the process until the next release.
func TestHistoryEachReleasesAsItWalks(t *testing.T) {
	q, path := openTest(t, Options{HistoryLimit: 40_000})
	err := q.update(func(tx *txn) error {
		for i := range 40_000 {
			h := HistoryEntry{JobID: JobID(i + 1), Outcome: Done, Target: "t", RelPath: fmt.Sprintf("some/folder/file-%06d.bin", i), RemotePath: fmt.Sprintf("up/some/folder/file-%06d.bin", i), Size: 1, Finished: time.Now()}
			if err := tx.appendHistory(h, 40_000); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	q.releaseMapped()
	n := 0
	if err := q.HistoryEach(func(HistoryEntry) bool { n++; return true }); err != nil || n != 40_000 {
		t.Fatalf("walked %d entries: %v", n, err)
	}
	resident := mappedRSS(t, path)
	var size int64
	_ = q.db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	if size < 4<<20 {
		t.Fatalf("the history takes only %d bytes; the test cannot tell", size)
	}
	if resident > size/8 {
		t.Errorf("%d bytes of the queue file resident after the walk, of %d", resident, size)
	}
}
