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
	fillSent(t, q, 40_000)
	// A plain walk maps the pages (SentAll releases its own at the end).
	n := 0
	if err := q.view(func(tx *txn) error {
		return tx.sent.ForEach(func(_, _ []byte) error { n++; return nil })
	}); err != nil || n != 40_000 {
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

// A scan's enqueue batches hand back the pages of the queue file they
// mapped every releaseAfterJobs jobs, not at the next rate-limited
// release: a 100,000-file scan enqueues a batch every few milliseconds,
// and without this most of the growing file stayed resident between
// releases.
func TestEnqueueReleasesMappedPages(t *testing.T) {
	q, path := openTest(t, Options{})
	// The rate-limited release has just run: only EnqueueJobs's own
	// release can hand the batches' pages back within this test.
	q.release.last.Store(time.Now().UnixNano())
	// A release is due once releaseAfterJobs jobs came in batches: at
	// most this many batches of 1,000 go by between two.
	perRelease := (releaseAfterJobs + 999) / 1000
	var peak int64
	sinceLow := 0
	for b := range 30 {
		jobs := make([]Job, 1000)
		for i := range jobs {
			// Folders in an order that is not the key order, as a
			// parallel scan hands them on.
			jobs[i] = job("t", fmt.Sprintf("dir-%03d/file-%04d.bin", (b*37)%101, b*1000+i))
		}
		if _, err := q.EnqueueJobs(jobs...); err != nil {
			t.Fatal(err)
		}
		rss := mappedRSS(t, path)
		peak = max(peak, rss)
		if sinceLow++; rss <= 256<<10 {
			sinceLow = 0
		}
		if sinceLow >= perRelease {
			t.Fatalf("after %d enqueues of 1,000 jobs, %d KiB of the queue file still resident: no release", sinceLow, rss>>10)
		}
	}
	if info, err := os.Stat(path); err != nil || info.Size() < 4<<20 {
		t.Fatalf("queue file of 30,000 jobs: %v, %v; the test cannot tell", info, err)
	}
	if peak > 4<<20 {
		t.Errorf("between releases, %d KiB of the queue file was resident (want at most 4 MiB)", peak>>10)
	}
	// A single file's enqueue leaves it to the rate-limited release, which
	// must not be due (the batches above may take longer than releaseEvery
	// under the race detector).
	q.release.last.Store(time.Now().UnixNano())
	if _, err := q.Enqueue(job("t", "one/more.bin")); err != nil {
		t.Fatal(err)
	}
	if n := mappedRSS(t, path); n == 0 {
		t.Errorf("an enqueue of one job released the mapped pages: a burst would pay a release per file")
	}
}

// A walk over the sent index (SentAll, SentStamps) hands back the pages it
// mapped when it ends: a restart's scan, which follows the walk over every
// file ever sent, then holds none of them.
func TestSentWalkReleasesPages(t *testing.T) {
	q, path := openTest(t, Options{})
	const records = 80_000
	fillSent(t, q, records)
	walks := map[string]func(fn func()) error{
		"SentAll": func(fn func()) error {
			return q.SentAll("t", func(string, Fingerprint) error { fn(); return nil })
		},
		"SentStamps": func(fn func()) error {
			return q.SentStamps("t", func([]byte, int64, time.Time) error { fn(); return nil })
		},
	}
	for name, walk := range walks {
		q.releaseMapped()
		var n int
		var during int64
		err := walk(func() {
			if n++; n == records {
				during = mappedRSS(t, path)
			}
		})
		if err != nil || n != records {
			t.Fatalf("%s: walked %d records: %v", name, n, err)
		}
		if during < 4<<20 {
			t.Fatalf("%s: only %d KiB of the queue file resident during the walk; the test cannot tell", name, during>>10)
		}
		if after := mappedRSS(t, path); after > 256<<10 {
			t.Errorf("%s: %d KiB of the queue file resident after the walk (want at most 256)", name, after>>10)
		}
	}
}

// Opening a queue checks every page of its file (bbolt's consistency
// check); the pages it mapped leave the resident set right after, instead
// of staying until the first rate-limited release: a restart of `ferry
// watch` over 100,000 sent files began with the whole file resident.
func TestOpenReleasesCheckedPages(t *testing.T) {
	q, path := openTest(t, Options{})
	fillSent(t, q, 40_000)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q2.Close()
	if n := mappedRSS(t, path); n > 256<<10 {
		t.Errorf("%d KiB of the queue file resident after Open (want at most 256)", n>>10)
	}
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
