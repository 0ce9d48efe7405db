package transfer

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// lastChunkCommits are the capabilities of a files.ro-like service: chunks
// in series, no resume, the last chunk stores the file.
var lastChunkCommits = provider.Capabilities{MinChunkSize: 1000, DefaultChunkSize: 1000, LastChunkCommits: true}

// crashedRig is a rig whose queue holds one job for a 4,000-byte file that
// a dead process left Running with acked chunks acknowledged, reopened the
// way the next start opens it. caps are the fake provider's.
func crashedRig(t *testing.T, caps provider.Capabilities, acked []int) (*rig, queue.JobID, []byte) {
	t.Helper()
	return crashedRigSaving(t, caps, 31, func(j queue.Job) *queue.Session {
		return &queue.Session{ChunkSize: 1000, State: []byte(`{}`), Acked: acked, Size: j.Size, ModTime: j.ModTime}
	})
}

// crashedRigSaving is crashedRig with the data drawn from seed and the
// session session(job) saved, or none when it returns nil.
func crashedRigSaving(t *testing.T, caps provider.Capabilities, seed uint64, session func(queue.Job) *queue.Session) (*rig, queue.JobID, []byte) {
	t.Helper()
	fake, err := fakeprovider.New(fakeprovider.Options{Caps: caps})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "queue.db")
	r := &rig{t: t, fake: fake, root: t.TempDir()}
	data := randBytes(seed, 4000)
	j := r.file("d/crashed.bin", data)

	q := openQueue(t, path)
	ids, err := q.Enqueue(j)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := q.Claim(time.Now(), nil); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if sess := session(j); sess != nil {
		if err := q.SaveSession(ids[0], *sess); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Close(); err != nil { // the job stays Running, as after a SIGKILL
		t.Fatal(err)
	}

	r.q = openQueue(t, path)
	r.e = New(r.q, fixed(fake, TargetSettings{}), fastOpts())
	return r, ids[0], data
}

// A process that died while the last chunk of a files.ro-like upload may
// have been on its way: the file is sent again (never lost) and its
// history entry says the server may hold it twice.
func TestInterruptedLastChunkWarns(t *testing.T) {
	for _, tc := range []struct {
		name  string
		caps  provider.Capabilities
		acked []int
		warn  bool
	}{
		{"last chunk in flight", lastChunkCommits, []int{0, 1, 2}, true},
		{"earlier chunk in flight", lastChunkCommits, []int{0}, false},
		{"service with a finishing call", provider.Capabilities{MinChunkSize: 1000, DefaultChunkSize: 1000}, []int{0, 1, 2}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, id, data := crashedRig(t, tc.caps, tc.acked)
			r.run()
			r.wait(id)
			r.checkStored("up/d/crashed.bin", data)
			h, ok := r.history()[id]
			if !ok || h.Outcome != queue.Done {
				t.Fatalf("history entry %+v (found %v), want done", h, ok)
			}
			if got := strings.Contains(h.Warning, MaybeTwiceNote); got != tc.warn {
				t.Fatalf("warning %q: says the file may be stored twice = %v, want %v", h.Warning, got, tc.warn)
			}
		})
	}
}

// A job that was not interrupted never gets the warning, even when its
// session looks like one whose last chunk was in flight.
func TestUninterruptedJobDoesNotWarn(t *testing.T) {
	j := queue.Job{}
	s := queue.Session{ChunkSize: 1000, Size: 4000, Acked: []int{0, 1, 2}}
	if interruptedAtLast(j, lastChunkCommits, s) {
		t.Fatal("a job that was not recovered from a crash was taken for an interrupted one")
	}
	j.Interrupted = true
	if !interruptedAtLast(j, lastChunkCommits, s) {
		t.Fatal("an interrupted job whose last chunk may have been in flight was not recognised")
	}
	one := queue.Session{ChunkSize: 1000, Size: 10} // a one-chunk file: its only chunk stores it
	if !interruptedAtLast(j, lastChunkCommits, one) {
		t.Fatal("an interrupted one-chunk upload was not recognised")
	}
}

// A provider that refuses to repeat the last chunk because its answer was
// lost (provider.ErrMaybeStored): the engine restarts the file and warns.
func TestMaybeStoredRefusalWarns(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: lastChunkCommits}, TargetSettings{}, fastOpts())
	gone := &provider.Error{Kind: provider.ErrSessionGone, Op: "put chunk 1", Err: provider.ErrMaybeStored}
	plain := &provider.Error{Kind: provider.ErrSessionGone, Op: "put chunk 0"}
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Err: gone, Count: 1, Match: func(c fakeprovider.Call) bool { return strings.HasSuffix(c.Path, "a.bin") && c.Chunk == 1 }})
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Err: plain, Count: 1, Match: func(c fakeprovider.Call) bool { return strings.HasSuffix(c.Path, "b.bin") }})
	r.run()
	a, b := randBytes(32, 2000), randBytes(33, 2000)
	ids := r.enqueue(r.file("a.bin", a), r.file("b.bin", b))
	r.wait(ids...)
	r.checkStored("up/a.bin", a)
	r.checkStored("up/b.bin", b)
	hist := r.history()
	if w := hist[ids[0]].Warning; !strings.Contains(w, MaybeTwiceNote) || !strings.Contains(w, "answer to the request that stores") {
		t.Errorf("a.bin warning %q, want the lost-answer warning", w)
	}
	if w := hist[ids[1]].Warning; w != "" {
		t.Errorf("b.bin warning %q, want none (its session was gone, nothing was stored)", w)
	}
}

// A provider whose finishing call stores the file (SelfCommunity's done)
// asks for the session to be saved after the last chunk too, so a restart
// after a lost answer resumes with every chunk acknowledged instead of
// uploading again; others skip that queue write.
func TestSaveBeforeFinish(t *testing.T) {
	for _, save := range []bool{false, true} {
		caps := provider.Capabilities{MinChunkSize: 1000, DefaultChunkSize: 1000, Resumable: true, SaveBeforeFinish: save}
		opts := fastOpts()
		opts.RequestTries = 1
		opts.JobBackoff = Backoff{Initial: time.Hour, Max: time.Hour} // stay Waiting after the failed Finish
		r := newRig(t, fakeprovider.Options{Caps: caps}, TargetSettings{}, opts)
		r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpFinish, Count: 1})
		r.run()
		id := r.enqueue(r.file("s.bin", randBytes(34, 3000)))[0]
		r.until("the job waits after its failed finish", func() bool { return r.job(id).State == queue.Waiting })
		s, ok, err := r.q.LoadSession(id)
		if err != nil || !ok {
			t.Fatalf("save=%v: session %v %v", save, ok, err)
		}
		want := []int{0, 1}
		if save {
			want = []int{0, 1, 2}
		}
		if !slices.Equal(s.Acked, want) {
			t.Errorf("SaveBeforeFinish=%v: saved session acknowledges chunks %v, want %v", save, s.Acked, want)
		}
	}
}

// A file rewritten (same size) while the last chunk of a LastChunkCommits
// upload goes out, a chunk too large to be read into memory first
// (commitBufferMax): the stored copy may mix two versions. The new version
// is uploaded as well, and the job says where the suspect copy came from.
func TestRewriteDuringLastChunkWarnsOfTornCopy(t *testing.T) {
	const chunk = commitBufferMax + commitBufferMax/2
	commits := provider.Capabilities{MinChunkSize: 1000, DefaultChunkSize: chunk, LastChunkCommits: true}
	t.Run("LastChunkCommits", func(t *testing.T) { rewriteDuringLastChunk(t, commits, chunk) })
	// SelfCommunity: done inside the last part makes the file visible, and
	// the restart recognises it, so only the torn-copy check applies (the
	// real provider also asks provider.Unchanged before done; this fake
	// does not).
	stores := provider.Capabilities{MinChunkSize: 1000, DefaultChunkSize: chunk, Resumable: true, SaveBeforeFinish: true, LastChunkStores: true}
	t.Run("LastChunkStores", func(t *testing.T) { rewriteDuringLastChunk(t, stores, chunk) })
}

func rewriteDuringLastChunk(t *testing.T, caps provider.Capabilities, chunk int) {
	r := newRig(t, fakeprovider.Options{Caps: caps}, TargetSettings{}, fastOpts())
	old, fresh := randBytes(35, 3*chunk), randBytes(36, 3*chunk)
	j := r.file("torn.bin", old)
	p := filepath.Join(r.root, "torn.bin")
	rewrite := rewriteOnce(t, p, fresh)
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Match: func(c fakeprovider.Call) bool {
		if c.Chunk == 2 {
			rewrite()
		}
		return false // never a fault: the hook only rewrites the file
	}})
	r.run()
	id := r.enqueue(j)[0]
	r.until("the new version is stored", func() bool {
		got, ok, err := r.fake.Data("up/torn.bin")
		return err == nil && ok && bytes.Equal(got, fresh)
	})
	r.wait(id)
	h := r.history()[id]
	if !strings.Contains(h.Warning, "may mix two versions") {
		t.Fatalf("history warning %q, want the torn-copy warning", h.Warning)
	}
}

// Where the last chunk stores the file, a file still being written is not
// sent until it has been quiet for CommitQuiet: a rewrite during that wait
// means the first plan is dropped before any byte of it reached the
// server, and only the final content is stored, once.
func TestCommitWaitsForQuietFile(t *testing.T) {
	opts := fastOpts()
	opts.CommitQuiet = 400 * time.Millisecond
	r := newRig(t, fakeprovider.Options{Caps: lastChunkCommits}, TargetSettings{}, opts)
	r.run()
	first, final := randBytes(37, 500), randBytes(38, 900) // one chunk each
	j := r.file("fresh.bin", first)
	id := r.enqueue(j)[0]
	time.Sleep(100 * time.Millisecond) // the writer goes on, well inside CommitQuiet
	p := filepath.Join(r.root, "fresh.bin")
	if err := os.WriteFile(p, final, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	r.until("the final content is stored", func() bool {
		got, ok, err := r.fake.Data("up/fresh.bin")
		return err == nil && ok && bytes.Equal(got, final)
	})
	r.wait(id)
	r.checkStored("up/fresh.bin", final)
	calls, err := r.fake.Calls()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		if c.Op != fakeprovider.OpPut {
			continue
		}
		if c.Size != int64(len(final)) {
			t.Errorf("a chunk of %d bytes was sent: the half-written file reached the server", c.Size)
		}
		if quiet := c.At.Sub(fi.ModTime()); quiet < opts.CommitQuiet {
			t.Errorf("the storing chunk went out %v after the last write, want at least %v", quiet, opts.CommitQuiet)
		}
	}
	if w := r.history()[id].Warning; w != "" {
		t.Errorf("warning %q, want none: nothing half-written was stored", w)
	}
}

// A provider whose Begin sends nothing (files.ro) gets no session saved
// before a one-chunk file's only request: a process that died then leaves
// just the job's Interrupted mark, and the engine warns from it alone. A
// file of several chunks interrupted before its first acknowledgement has
// nothing stored (its first chunk is not the commit), and a provider whose
// Begin does send something always has a session saved.
func TestInterruptedOneChunkWithoutSessionWarns(t *testing.T) {
	sendsNothing := lastChunkCommits
	sendsNothing.BeginNeedsNoSave = true
	oneChunk := sendsNothing
	oneChunk.DefaultChunkSize, oneChunk.MaxChunkSize = 8000, 8000
	for _, tc := range []struct {
		name string
		caps provider.Capabilities
		warn bool
	}{
		{"one chunk, begin sends nothing", oneChunk, true},
		{"four chunks, begin sends nothing", sendsNothing, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, id, data := crashedRigNoSession(t, tc.caps)
			r.run()
			r.wait(id)
			r.checkStored("up/d/crashed.bin", data)
			h, ok := r.history()[id]
			if !ok || h.Outcome != queue.Done {
				t.Fatalf("history entry %+v (found %v), want done", h, ok)
			}
			if got := strings.Contains(h.Warning, MaybeTwiceNote); got != tc.warn {
				t.Fatalf("warning %q: says the file may be stored twice = %v, want %v", h.Warning, got, tc.warn)
			}
		})
	}
}

// crashedRigNoSession is crashedRig with no session saved: the job was
// claimed and the process died before anything was persisted for it.
func crashedRigNoSession(t *testing.T, caps provider.Capabilities) (*rig, queue.JobID, []byte) {
	t.Helper()
	return crashedRigSaving(t, caps, 34, func(queue.Job) *queue.Session { return nil })
}

// Where Begin sends nothing, a one-chunk file's request goes out with no
// session saved (one queue commit less per small file); elsewhere the
// session is saved before it, so a restart can clean up what Begin made.
func TestSessionSavedBeforeFirstChunkOnlyWhereBeginSends(t *testing.T) {
	for _, sendsNothing := range []bool{false, true} {
		caps := lastChunkCommits
		caps.DefaultChunkSize, caps.MaxChunkSize, caps.BeginNeedsNoSave = 8000, 8000, sendsNothing
		r := newRig(t, fakeprovider.Options{Caps: caps}, TargetSettings{}, fastOpts())
		var mu sync.Mutex
		var saved []bool
		r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Match: func(fakeprovider.Call) bool {
			err := r.q.Jobs(nil, func(j queue.Job) bool {
				_, ok, err := r.q.LoadSession(j.ID)
				if err != nil {
					t.Errorf("load session: %v", err)
				}
				mu.Lock()
				saved = append(saved, ok)
				mu.Unlock()
				return true
			})
			if err != nil {
				t.Errorf("jobs: %v", err)
			}
			return false // look, never fail
		}})
		r.run()
		data := randBytes(35, 3000)
		ids := r.enqueue(r.file("one.bin", data))
		r.wait(ids...)
		r.checkStored("up/one.bin", data)
		mu.Lock()
		if want := []bool{!sendsNothing}; !slices.Equal(saved, want) {
			t.Errorf("BeginNeedsNoSave %v: session saved when the chunk went out: %v, want %v", sendsNothing, saved, want)
		}
		mu.Unlock()
	}
}

// A job a dead process was sending finds its file missing for a moment
// (its folder moved away and back): the job waits instead of being
// cancelled, so when the file is back the upload still knows a request of
// the dead process may have stored it, and says so. Cancelled at once,
// the file came back as a new job that uploaded it again in silence (the
// short soak's unannounced duplicate on files.ro). A file that stays gone
// is cancelled after vanishedGrace attempts, with a warning.
func TestInterruptedJobWaitsForVanishedFile(t *testing.T) {
	oneChunk := lastChunkCommits
	oneChunk.BeginNeedsNoSave = true
	oneChunk.DefaultChunkSize, oneChunk.MaxChunkSize = 8000, 8000

	t.Run("back", func(t *testing.T) {
		r, id, data := crashedRigNoSession(t, oneChunk)
		opts := fastOpts()
		opts.JobBackoff = Backoff{Initial: 200 * time.Millisecond, Max: 200 * time.Millisecond}
		r.e = New(r.q, fixed(r.fake, TargetSettings{}), opts)
		dir := filepath.Join(r.root, "d")
		if err := os.Rename(dir, dir+".away"); err != nil {
			t.Fatal(err)
		}
		r.run()
		r.until("the job waits for its file", func() bool {
			j, err := r.q.Get(id)
			return err == nil && j.State == queue.Waiting && j.ErrKind == KindVanished
		})
		if err := os.Rename(dir+".away", dir); err != nil {
			t.Fatal(err)
		}
		r.wait(id)
		r.checkStored("up/d/crashed.bin", data)
		h := r.history()[id]
		if h.Outcome != queue.Done || !strings.Contains(h.Warning, MaybeTwiceNote) {
			t.Fatalf("history %+v: want done, saying the file may be stored twice", h)
		}
	})
	t.Run("gone", func(t *testing.T) {
		r, id, _ := crashedRigNoSession(t, oneChunk)
		if err := os.RemoveAll(filepath.Join(r.root, "d")); err != nil {
			t.Fatal(err)
		}
		r.run()
		r.wait(id)
		h := r.history()[id]
		if h.Outcome != queue.Cancelled || h.Warning != vanishedInterruptedNote {
			t.Fatalf("history %+v: want cancelled, saying the server may hold a copy", h)
		}
		if n := r.okCalls(fakeprovider.OpPut); n != 0 {
			t.Fatalf("%d chunks sent for a file that is gone", n)
		}
	})
}
