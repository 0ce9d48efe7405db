package twake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbtwake "github.com/ferry-sync/ferry/transfer/sandbox/twake"
)

// die drops p's record locks without removing the records, as the death
// of its process would.
func die(p *Provider) {
	p.pending.mu.Lock()
	defer p.pending.mu.Unlock()
	for id, h := range p.pending.held {
		_ = h.f.Close() // test double of a process exit
		delete(p.pending.held, id)
	}
	for _, s := range p.pending.free {
		_ = s.f.Close() // as above
	}
	p.pending.free = nil
}

// records lists the pending records in ts's folder.
func (ts *testServer) records(t testing.TB) []pendingRecord {
	t.Helper()
	var out []pendingRecord
	err := filepath.WalkDir(ts.pendingDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, pendingExt) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil || blank(b) {
			return err // an emptied record (reuse.go) is not a record
		}
		var r pendingRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// partials lists the file entities the sandbox holds that are not
// complete files.
func (ts *testServer) partials() []string {
	var out []string
	for _, e := range ts.srv.Tree(sbtwake.Name) {
		if strings.HasPrefix(e.Path, "/files/") && e.Kind != sandbox.KindFile {
			out = append(out, strings.TrimPrefix(e.Path, "/files/"))
		}
	}
	return out
}

// A run killed after creating the entity but before the engine saved the
// session leaves a record; the next run's Begin of the same path deletes
// the orphan, and leaves another path's record alone.
func TestCrashAfterInitLeavesNoOrphan(t *testing.T) {
	ts := startSandbox(t, nil)
	f := newTestFile("a.bin", 3*MinChunkSize+5, "dir")
	other := newTestFile("b.bin", 10, "dir")
	p1 := ts.provider(t, nil)
	s1, err := p1.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.put(t, s1, 1); err != nil {
		t.Fatal(err)
	}
	so, err := p1.Begin(ctx(t), other.u)
	if err != nil {
		t.Fatal(err)
	}
	orphan, otherID := fileID(t, s1), fileID(t, so)
	if n := len(ts.records(t)); n != 2 {
		t.Fatalf("%d records after two Begins, want 2", n)
	}
	die(p1)

	p2 := ts.provider(t, nil)
	if err := f.upload(t, p2); err != nil {
		t.Fatal(err)
	}
	if _, ok := ts.api.Completion("", orphan); ok {
		t.Fatalf("orphan %s still exists", orphan)
	}
	if got := ts.partials(); len(got) != 1 || got[0] != otherID {
		t.Fatalf("unfinished entities %v, want only the other path's %s", got, otherID)
	}
	recs := ts.records(t)
	if len(recs) != 1 || recs[0].ID != otherID || recs[0].Key != "dir/b.bin" {
		t.Fatalf("records %+v, want only the other path's", recs)
	}
}

// A record held by a live session (another provider stands for another
// process) is never swept.
func TestLiveSessionNotSwept(t *testing.T) {
	ts := startSandbox(t, nil)
	f := newTestFile("a.bin", 2*MinChunkSize, "dir")
	p1, p2 := ts.provider(t, nil), ts.provider(t, nil)
	s1, err := p1.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.upload(t, p2); err != nil {
		t.Fatal(err)
	}
	if err := f.putParallel(t, s1, 2, []int{0, 1}); err != nil {
		t.Fatalf("live session swept: %v", err)
	}
	if _, err := finishRecorded(t, s1); err != nil {
		t.Fatal(err)
	}
	if recs := ts.records(t); len(recs) != 0 {
		t.Fatalf("records left after both finished: %+v", recs)
	}
	// Nothing but the server's folder is left, not even an emptied record
	// (reuse.go: they go with the last release): the folder stays, so that
	// the next file does not make it again.
	err = filepath.WalkDir(ts.pendingDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			err = fmt.Errorf("left in the pending folder: %s (%q)", p, b)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A session whose resume failed is no longer live: when the engine gives
// up on it and begins anew in the same run, Begin deletes the old entity.
func TestBeginSweepsSessionGivenUp(t *testing.T) {
	ts := startSandbox(t, nil)
	f := newTestFile("a.bin", 2*MinChunkSize, "dir")
	p := ts.provider(t, nil)
	s1, err := p.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	old := fileID(t, s1)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Resume(cancelled, f.u, s1.State()); err == nil {
		t.Fatal("resume with a cancelled context succeeded")
	}
	if err := f.upload(t, p); err != nil {
		t.Fatal(err)
	}
	if _, ok := ts.api.Completion("", old); ok {
		t.Fatalf("given-up entity %s still exists", old)
	}
	if got := ts.partials(); len(got) != 0 {
		t.Fatalf("unfinished entities %v", got)
	}
}

// A resumed session adopts its record (from a dead run) and finishes it;
// Abort removes the record too.
func TestResumeAdoptsRecordAbortRemoves(t *testing.T) {
	ts := startSandbox(t, nil)
	f := newTestFile("a.bin", 2*MinChunkSize, "dir")
	p1 := ts.provider(t, nil)
	s1, err := p1.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.put(t, s1, 0); err != nil {
		t.Fatal(err)
	}
	state := s1.State()
	die(p1)
	p2 := ts.provider(t, nil)
	s2, err := p2.Resume(ctx(t), f.u, state)
	if err != nil {
		t.Fatal(err)
	}
	// p3 stands for a third process beginning the same path while p2
	// uploads: p2's adopted record is locked, so it is left alone.
	p3 := ts.provider(t, nil)
	s3, err := p3.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.put(t, s2, 1); err != nil {
		t.Fatalf("adopted session swept: %v", err)
	}
	if _, err := finishRecorded(t, s2); err != nil {
		t.Fatal(err)
	}
	if err := s3.Abort(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if recs := ts.records(t); len(recs) != 0 {
		t.Fatalf("records left: %+v", recs)
	}
	if got := ts.partials(); len(got) != 0 {
		t.Fatalf("unfinished entities %v", got)
	}
}

// An unwritable record folder fails Begin before anything is left on the
// server.
func TestBeginFailsWithoutRecord(t *testing.T) {
	ts := startSandbox(t, nil)
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p := ts.provider(t, func(c *Config) { c.PendingDir = blocker })
	_, err := p.Begin(ctx(t), newTestFile("a.bin", 10).u)
	if kindOf(err) != provider.ErrPermanent || !strings.Contains(err.Error(), "record pending upload") {
		t.Fatalf("begin: %v", err)
	}
	if n := ts.count(sbtwake.RouteInit); n != 1 {
		t.Fatalf("%d init calls, want 1", n)
	}
	if got := ts.partials(); len(got) != 0 {
		t.Fatalf("entity left on the server: %v", got)
	}
}

// dropItemAnswer is a proxy in front of the sandbox that lets the first
// Drive file-item creation through and then drops its answer (closes the
// connection), the failure a timeout after the server committed gives.
// The failGets Drive reads after the drop are answered 503.
func dropItemAnswer(t testing.TB, ts *testServer, failGets int32) (string, *atomic.Int32) {
	t.Helper()
	target, err := url.Parse(ts.srv.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	var dropped, failed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/item/") && dropped.Load() > 0 && failed.Add(1) <= failGets {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/item") || dropped.Load() > 0 {
			rp.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		var req api.DriveItemRequest
		if err := json.Unmarshal(body, &req); err != nil || req.Item.IsDirectory {
			r.Body = io.NopCloser(bytes.NewReader(body))
			rp.ServeHTTP(w, r)
			return
		}
		fwd, err := http.NewRequestWithContext(r.Context(), r.Method, target.String()+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			t.Error(err)
			return
		}
		fwd.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(fwd)
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body) // the answer is what gets lost
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("item creation through the proxy: %d", resp.StatusCode)
		}
		dropped.Add(1)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_ = conn.Close() // the lost answer
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &dropped
}

func (ts *testServer) driveFiles() []string {
	var out []string
	for _, e := range ts.srv.Tree(sbtwake.Name) {
		if strings.HasPrefix(e.Path, "/drive/") && e.Kind == sandbox.KindFile {
			out = append(out, e.Path)
		}
	}
	return out
}

// A Drive registration whose answer was lost is found at once by one
// listing of the folder (every child carries its external_id), retried
// through passing failures, and reused instead of creating a second item;
// no sibling is read on its own. Before, the lost answer failed the
// Finish, and the next one read every same-size sibling, failing on the
// first read that failed.
func TestDriveFinishAfterLostAnswer(t *testing.T) {
	for _, failGets := range []int32{0, 2} {
		t.Run(fmt.Sprintf("failing reads=%d", failGets), func(t *testing.T) {
			ts := startSandbox(t, nil)
			base, dropped := dropItemAnswer(t, ts, failGets)
			p := ts.provider(t, func(c *Config) { c.DriveFolders, c.BaseURL = true, base })
			f := newTestFile("report.bin", 2*MinChunkSize, "Docs")
			// Same-size files in the folder must not be mistaken for it.
			direct := ts.provider(t, func(c *Config) { c.DriveFolders = true })
			for _, name := range []string{"other.bin", "third.bin"} {
				if err := newTestFile(name, 2*MinChunkSize, "Docs").upload(t, direct); err != nil {
					t.Fatal(err)
				}
			}
			s, err := p.Begin(ctx(t), f.u)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.putParallel(t, s, 2, []int{0, 1}); err != nil {
				t.Fatal(err)
			}
			before := ts.count(sbtwake.RouteItemGet)
			res, err := s.Finish(ctx(t))
			if err != nil || dropped.Load() != 1 {
				t.Fatalf("finish with the answer dropped: %v (%d dropped)", err, dropped.Load())
			}
			if got := ts.driveFiles(); len(got) != 3 || res.RemotePath != "Docs/report.bin" {
				t.Fatalf("drive files %v, result %+v; want other.bin, third.bin and one report.bin", got, res)
			}
			if reads := ts.count(sbtwake.RouteItemGet) - before; reads != 1 {
				t.Fatalf("%d Drive reads reached the server to find the item, want one listing", reads)
			}
			if recs := ts.records(t); len(recs) != 0 {
				t.Fatalf("records left: %+v", recs)
			}
		})
	}
}

// A resumed session looks for the item an earlier run may have created
// before creating one.
func TestDriveFinishIdempotentResumed(t *testing.T) {
	ts := startSandbox(t, nil)
	base, dropped := dropItemAnswer(t, ts, 2*getAttempts) // the first Finish cannot look
	p := ts.provider(t, func(c *Config) { c.DriveFolders, c.BaseURL = true, base })
	f := newTestFile("report.bin", 2*MinChunkSize, "Docs")
	s, err := p.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.putParallel(t, s, 2, []int{0, 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Finish(ctx(t)); kindOf(err) != provider.ErrRetryable || dropped.Load() != 1 {
		t.Fatalf("finish with the answer dropped and reads failing: %v (%d dropped)", err, dropped.Load())
	}
	die(p)
	p = ts.provider(t, func(c *Config) { c.DriveFolders, c.BaseURL = true, base })
	if s, err = p.Resume(ctx(t), f.u, s.State()); err != nil {
		t.Fatal(err)
	}
	for attempt := 0; ; attempt++ { // the reads still failing make more retryable errors
		res, err := s.Finish(ctx(t))
		if err == nil {
			if got := ts.driveFiles(); len(got) != 1 || res.RemotePath != "Docs/report.bin" {
				t.Fatalf("drive files %v, result %+v", got, res)
			}
			break
		}
		if kindOf(err) != provider.ErrRetryable || attempt == 3 {
			t.Fatalf("resumed finish: %v", err)
		}
	}
}

// failDeletes is a proxy in front of the sandbox that answers the first n
// DELETEs with 503, as a passing server failure.
func failDeletes(t testing.TB, ts *testServer, n int32) (string, *atomic.Int32) {
	t.Helper()
	target, err := url.Parse(ts.srv.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	var failed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete && failed.Add(1) <= n {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &failed
}

// Cleanup deletes outlast passing server failures: an Abort and a sweep
// each succeed after three 503s, so nothing is left for a later upload of
// the path (which may never come) to clean.
func TestCleanupDeletesRetry(t *testing.T) {
	ts := startSandbox(t, nil)
	base, failed := failDeletes(t, ts, 3)
	f := newTestFile("a.bin", 2*MinChunkSize, "dir")
	p := ts.provider(t, func(c *Config) { c.BaseURL = base })
	s, err := p.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Abort(ctx(t)); err != nil {
		t.Fatalf("abort: %v", err)
	}
	// The real server's answer to the fourth DELETE of an entity without a
	// chunk is the crash after removal (500), confirmed by a fifth (404).
	if got := failed.Load(); got != 5 {
		t.Fatalf("%d DELETEs for the abort, want 3 failed + the crash + the confirmation", got)
	}
	failed.Store(0)
	s1, err := p.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	die(p)
	p2 := ts.provider(t, func(c *Config) { c.BaseURL = base })
	if err := f.upload(t, p2); err != nil {
		t.Fatal(err)
	}
	if _, ok := ts.api.Completion("", fileID(t, s1)); ok {
		t.Fatal("orphan survived the failing deletes")
	}
	if got := ts.partials(); len(got) != 0 {
		t.Fatalf("unfinished entities %v", got)
	}
	if recs := ts.records(t); len(recs) != 0 {
		t.Fatalf("records left: %+v", recs)
	}
}

// Check and an Abort before the first chunk meet the real server's DELETE
// of an entity that never received a chunk: 500 after removing it, then
// 404. Both succeed at once: the confirming DELETE waits for no backoff.
func TestDeleteNeverChunkedIsNoFailure(t *testing.T) {
	ts := startSandbox(t, nil)
	p := ts.provider(t, nil)
	start := time.Now()
	if err := p.Check(ctx(t)); err != nil {
		t.Fatalf("check: %v", err)
	}
	f := newTestFile("a.bin", 2*MinChunkSize, "dir")
	s, err := p.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Abort(ctx(t)); err != nil {
		t.Fatalf("abort: %v", err)
	}
	if d := time.Since(start); d >= cleanupBackoff {
		t.Fatalf("took %v: a backoff was waited", d)
	}
	var statuses []int
	for _, e := range ts.srv.Log() {
		if e.Route == sbtwake.RouteDelete {
			statuses = append(statuses, e.Status)
		}
	}
	if fmt.Sprint(statuses) != "[500 404 500 404]" {
		t.Fatalf("DELETE answers %v", statuses)
	}
	if got := ts.partials(); len(got) != 0 {
		t.Fatalf("unfinished entities %v", got)
	}
	if recs := ts.records(t); len(recs) != 0 {
		t.Fatalf("records left: %+v", recs)
	}
}

// A record a killed writer left empty or cut short names no entity: a
// sweep removes it once it is old, and leaves a fresh one (its writer may
// still be at work), as it does an older version's temporary file.
func TestCutRecordSwept(t *testing.T) {
	dir := t.TempDir()
	ps := newPendingSet(dir, "http://example", "company")
	if err := os.MkdirAll(ps.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * pendingTmpAge)
	files := map[string]bool{ // name -> must go
		"0123456789abcdef0123456789abcdef" + pendingExt: true,  // cut, old
		"fedcba9876543210fedcba9876543210" + pendingExt: false, // cut, fresh
		pendingTmp + "12345":                            true,  // old temporary file
	}
	for name, gone := range files {
		p := filepath.Join(ps.dir, name)
		if err := os.WriteFile(p, []byte(`{"id":"ab`), 0o600); err != nil {
			t.Fatal(err)
		}
		if gone {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	ps.sweep(context.Background(), "some/key", "", func(context.Context, string) error {
		t.Error("a cut record was taken for an entity to delete")
		return nil
	})
	for name, gone := range files {
		_, err := os.Stat(filepath.Join(ps.dir, name))
		if gotGone := os.IsNotExist(err); gotGone != gone {
			t.Errorf("%s: removed %v, want %v (%v)", name, gotGone, gone, err)
		}
	}
	// A record written and released leaves its folder in place.
	if err := ps.add("entity-1", "some/key"); err != nil {
		t.Fatal(err)
	}
	if err := ps.release("entity-1"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(ps.dir); err != nil || !fi.IsDir() {
		t.Errorf("the pending folder went with its last record: %v", err)
	}
}

// A run killed after Finish but before the engine recorded the upload (no
// session saved: BeginNeedsNoSave) leaves the record; the next run, which
// uploads the file again, deletes the finished entity first, so the
// server ends with one copy. (The record went with Finish before, and the
// restart left a second copy that nothing announced.)
func TestKillBeforeRecordedLeavesOneCopy(t *testing.T) {
	ts := startSandbox(t, nil)
	f := newTestFile("a.bin", MinChunkSize+5, "dir")
	p1 := ts.provider(t, nil)
	s1, err := p1.Begin(ctx(t), f.u)
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.u.Chunks() {
		if err := f.put(t, s1, i); err != nil {
			t.Fatal(err)
		}
	}
	first := fileID(t, s1)
	res, err := s1.Finish(ctx(t))
	if err != nil || res.Recorded == nil {
		t.Fatalf("finish: %v (Recorded set: %v)", err, res.Recorded != nil)
	}
	if recs := ts.records(t); len(recs) != 1 || recs[0].ID != first {
		t.Fatalf("records after Finish, before the engine recorded it: %+v, want the finished entity's", recs)
	}
	die(p1) // killed before the queue's commit: Recorded never runs

	p2 := ts.provider(t, nil)
	if err := f.upload(t, p2); err != nil {
		t.Fatal(err)
	}
	if _, ok := ts.api.Completion("", first); ok {
		t.Fatalf("the first copy %s is still there beside the second", first)
	}
	var files []string
	for _, e := range ts.srv.Tree(sbtwake.Name) {
		if strings.HasPrefix(e.Path, "/files/") && e.Kind == sandbox.KindFile {
			files = append(files, e.Path)
		}
	}
	if len(files) != 1 {
		t.Fatalf("the server holds %d copies (%v), want 1", len(files), files)
	}
	if recs := ts.records(t); len(recs) != 0 {
		t.Fatalf("records left: %+v", recs)
	}
}

// With records, a session is saved before Finish only with Drive folders,
// where Finish removes the record itself (see session.Finish): a restart
// then resumes and finds the Drive item instead of making a second copy.
// Without Drive folders the record stays until the engine recorded the
// upload, so no save is needed.
func TestSaveBeforeFinishOnlyWithDriveFolders(t *testing.T) {
	ts := startSandbox(t, nil)
	plain := ts.provider(t, nil).Capabilities()
	drive := ts.provider(t, func(c *Config) { c.DriveFolders = true }).Capabilities()
	if !plain.BeginNeedsNoSave || plain.SaveBeforeFinish {
		t.Errorf("plain: BeginNeedsNoSave %v, SaveBeforeFinish %v; want true, false", plain.BeginNeedsNoSave, plain.SaveBeforeFinish)
	}
	if !drive.BeginNeedsNoSave || !drive.SaveBeforeFinish {
		t.Errorf("drive folders: BeginNeedsNoSave %v, SaveBeforeFinish %v; want true, true", drive.BeginNeedsNoSave, drive.SaveBeforeFinish)
	}
}

// Sweeps list the records folder through a handle kept open (pendingdir.go).
// A record a dead process leaves between two sweeps is found by the next
// one, and so is one left in a folder that was removed and made again
// while the handle was kept (the user cleared the cache).
func TestSweepSeesRecordsLeftSinceTheLastSweep(t *testing.T) {
	ps := newPendingSet(t.TempDir(), "http://example", "company")
	deadRecord := func(id string) {
		t.Helper()
		b, err := json.Marshal(pendingRecord{ID: id, Key: "a/b.txt", Created: time.Now().Unix()})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(ps.dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ps.path(id), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sweep := func() []string {
		var deleted []string
		ps.sweep(context.Background(), "a/b.txt", "", func(_ context.Context, id string) error {
			deleted = append(deleted, id)
			return nil
		})
		return deleted
	}
	// A live record of this process keeps the folder's listing non-empty.
	if err := ps.add("live", "c/d.txt"); err != nil {
		t.Fatal(err)
	}
	deadRecord("dead-1")
	if got := sweep(); !slices.Equal(got, []string{"dead-1"}) {
		t.Fatalf("first sweep deleted %v, want [dead-1]", got)
	}
	deadRecord("dead-2")
	if got := sweep(); !slices.Equal(got, []string{"dead-2"}) {
		t.Fatalf("a record left after the first sweep: the second deleted %v, want [dead-2]", got)
	}
	if err := os.RemoveAll(ps.dir); err != nil {
		t.Fatal(err)
	}
	deadRecord("dead-3")
	if got := sweep(); !slices.Equal(got, []string{"dead-3"}) {
		t.Fatalf("a record in the folder made again: the sweep deleted %v, want [dead-3]", got)
	}
	if _, err := os.Stat(ps.path("dead-3")); !os.IsNotExist(err) {
		t.Errorf("dead-3's record was not removed: %v", err)
	}
}
