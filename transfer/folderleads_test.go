package transfer

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// folderMakingFake is a fake whose "server" makes an upload's folder at
// its finish, with files.ro's client-side gate: the first finish into a
// folder not made yet goes alone and the others into it wait for its
// answer. The first finish into hold's folder waits for release.
type folderMakingFake struct {
	provider.Provider
	hold    string
	release chan struct{}

	mu      sync.Mutex
	made    map[string]bool
	pending map[string]chan struct{}
	waited  int // finishes that waited for another's folder
	asked   int // FolderToMake calls
}

func (f *folderMakingFake) FolderToMake(dir []string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked++
	if k := strings.Join(dir, "/"); !f.made[k] {
		return k
	}
	return ""
}

func (f *folderMakingFake) Begin(ctx context.Context, u provider.Upload) (provider.Session, error) {
	s, err := f.Provider.Begin(ctx, u)
	if err != nil {
		return nil, err
	}
	return &folderMakingSession{Session: s, f: f, folder: strings.Join(u.Dir, "/")}, nil
}

type folderMakingSession struct {
	provider.Session
	f      *folderMakingFake
	folder string
}

func (s *folderMakingSession) Finish(ctx context.Context) (provider.Result, error) {
	f := s.f
	for {
		f.mu.Lock()
		if f.made[s.folder] {
			f.mu.Unlock()
			return s.Session.Finish(ctx)
		}
		wait, busy := f.pending[s.folder]
		if !busy {
			done := make(chan struct{})
			f.pending[s.folder] = done
			f.mu.Unlock()
			if s.folder == f.hold {
				<-f.release
			}
			res, err := s.Session.Finish(ctx)
			f.mu.Lock()
			f.made[s.folder] = err == nil
			delete(f.pending, s.folder)
			close(done)
			f.mu.Unlock()
			return res, err
		}
		f.waited++
		f.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return provider.Result{}, ctx.Err()
		}
	}
}

// folderMakingRig is an engine with parallel slots over a
// folderMakingFake that holds the first upload into up/slow until its
// release is closed.
func folderMakingRig(t *testing.T, parallel int) (*rig, *folderMakingFake) {
	fake := fakeprovider.MustNew(fakeprovider.Options{})
	fm := &folderMakingFake{
		Provider: fake, hold: "up/slow", release: make(chan struct{}),
		made: map[string]bool{}, pending: map[string]chan struct{}{},
	}
	opts := fastOpts()
	opts.Parallel = parallel
	q := newQueue(t)
	return &rig{t: t, q: q, fake: fake, root: t.TempDir(), e: New(q, fixed(fm, TargetSettings{}), opts)}, fm
}

// TestJobsBehindANewFolderDoNotWaitForIt: while the first upload into a
// new folder is out, the other slot uploads the jobs of the next folder
// instead of waiting for it, and every file still arrives once.
func TestJobsBehindANewFolderDoNotWaitForIt(t *testing.T) {
	r, fm := folderMakingRig(t, 2)
	var jobs []queue.Job
	for _, rel := range []string{"slow/1", "slow/2", "slow/3", "next/1", "next/2", "next/3"} {
		jobs = append(jobs, r.file(rel, []byte(rel)))
	}
	r.run()
	ids := r.enqueue(jobs...)
	r.until("the next folder's files, while the first of slow/ is held", func() bool {
		for _, id := range ids[3:] {
			if j, err := r.q.Get(id); err == nil && j.State != queue.Done {
				return false
			}
		}
		return true
	})
	for _, id := range ids[1:3] {
		if j, err := r.q.Get(id); err != nil || j.State == queue.Done {
			t.Fatalf("job %d done before the folder it goes into was made: %+v %v", id, j, err)
		}
	}
	close(fm.release)
	r.wait(ids...)
	for _, rel := range []string{"slow/1", "slow/2", "slow/3", "next/1", "next/2", "next/3"} {
		r.checkStored("up/"+rel, []byte(rel))
	}
	r.checkClean()
	if fm.waited > 1 {
		t.Errorf("%d finishes waited for another upload's folder; at most the one claimed last may", fm.waited)
	}
}

// TestLaterAsksOncePerFolder: the jobs a claim looks at behind one that
// waits for a folder being made are asked about once per folder, not once
// each (laterOnce), and still get the answer their folder has: a job of
// the folder in the making waits, a job of another folder or a move does
// not.
func TestLaterAsksOncePerFolder(t *testing.T) {
	r, fm := folderMakingRig(t, 1)
	lead := r.file("slow/lead", []byte("lead"))
	r.run()
	ids := r.enqueue(lead)
	r.until("the first upload into slow/ is out", func() bool {
		fm.mu.Lock()
		defer fm.mu.Unlock()
		return fm.pending["up/slow"] != nil
	})
	later := r.e.laterOnce()
	fm.mu.Lock()
	fm.asked = 0
	fm.mu.Unlock()
	const behind = 100
	for i := range behind {
		j := queue.Job{ID: queue.JobID(1000 + i), Target: lead.Target, RemoteDir: lead.RemoteDir, RelPath: fmt.Sprintf("slow/f%d", i)}
		if !later(j) {
			t.Fatalf("job %d of slow/ not passed over while slow/ is being made", i)
		}
	}
	fm.mu.Lock()
	asked := fm.asked
	fm.mu.Unlock()
	// One later: the job's folder, and the folder of each lead in flight.
	if asked > 2 {
		t.Errorf("%d jobs of one folder asked the provider %d times, want one answer for the folder (at most 2 calls)", behind, asked)
	}
	if later(queue.Job{ID: 2000, Target: lead.Target, RemoteDir: lead.RemoteDir, RelPath: "next/f"}) {
		t.Error("a job of next/ passed over for slow/")
	}
	if later(queue.Job{ID: 2001, Target: lead.Target, RemoteDir: lead.RemoteDir, RelPath: "slow/moved", MoveFrom: "old/moved"}) {
		t.Error("a move passed over: it makes no folder")
	}
	close(fm.release)
	r.wait(ids...)
}
