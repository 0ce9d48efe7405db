package transfer

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// moverFake is the fake provider with a scripted Move.
type moverFake struct {
	*fakeprovider.Provider
	mu    sync.Mutex
	moves []provider.Move
	fail  func(provider.Move) error
	// hang, when set, is signalled and the move then waits for its
	// context to end (an engine shutdown mid-request).
	hang chan struct{}
}

func (m *moverFake) Move(ctx context.Context, mv provider.Move) (provider.Result, error) {
	if m.hang != nil {
		m.hang <- struct{}{}
		<-ctx.Done()
		return provider.Result{}, ctx.Err()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.moves = append(m.moves, mv)
	if m.fail != nil {
		if err := m.fail(mv); err != nil {
			return provider.Result{}, err
		}
	}
	p := path.Join(append(append([]string(nil), mv.ToDir...), mv.ToName)...)
	return provider.Result{RemoteID: mv.RemoteID, RemoteName: mv.ToName, RemotePath: p}, nil
}

func (m *moverFake) calls() []provider.Move {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]provider.Move(nil), m.moves...)
}

// moveRig uploads rels, renames old to new on disk (a file or folder) and
// returns the rig, its mover (nil: the provider cannot move) and the move
// job's id.
func moveRig(t *testing.T, canMove bool, fail func(provider.Move) error, rels []string, old, new string, dir bool) (*rig, *moverFake, queue.JobID) {
	t.Helper()
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, fastOpts())
	var mv *moverFake
	if canMove {
		mv = &moverFake{Provider: r.fake, fail: fail}
		r.e = New(r.q, fixed(mv, TargetSettings{}), fastOpts())
	}
	r.run()
	var jobs []queue.Job
	for i, rel := range rels {
		jobs = append(jobs, r.file(rel, randBytes(uint64(i+1), 100+i)))
	}
	r.wait(r.enqueue(jobs...)...)
	if err := os.Rename(filepath.Join(r.root, filepath.FromSlash(old)), filepath.Join(r.root, filepath.FromSlash(new))); err != nil {
		t.Fatal(err)
	}
	j := queue.Job{Target: "fake", Origin: "watch:w", Root: r.root, RemoteDir: "up", RelPath: new, MoveFrom: old, MoveDir: dir}
	if !dir {
		fi, err := os.Stat(j.OnDisk())
		if err != nil {
			t.Fatal(err)
		}
		j.Size, j.ModTime = fi.Size(), fi.ModTime()
	}
	id := r.enqueue(j)[0]
	r.wait(id)
	return r, mv, id
}

func (r *rig) finishes() map[string]int {
	r.t.Helper()
	fin, err := r.fake.Finishes()
	if err != nil {
		r.t.Fatal(err)
	}
	return fin
}

func TestMoveFileOnTheServer(t *testing.T) {
	r, mv, id := moveRig(t, true, nil, []string{"a.txt"}, "a.txt", "b.txt", false)
	old, _, _ := r.q.Sent("fake", "up/a.txt")
	if calls := mv.calls(); len(calls) != 1 || calls[0].RemoteID == "" || calls[0].FromName != "a.txt" || calls[0].ToName != "b.txt" || strings.Join(calls[0].ToDir, "/") != "up" {
		t.Fatalf("moves %+v", calls)
	}
	if fin := r.finishes(); fin["up/b.txt"] != 0 {
		t.Errorf("the renamed file was uploaded again: %v", fin)
	}
	if _, ok, _ := r.q.Sent("fake", "up/a.txt"); ok {
		t.Error("the old path is still in the sent index")
	}
	if fp, ok, _ := r.q.Sent("fake", "up/b.txt"); !ok || fp.RemoteID != mv.calls()[0].RemoteID {
		t.Errorf("sent index not re-keyed: %+v %v (old %+v)", fp, ok, old)
	}
	if h := r.history()[id]; h.Outcome != queue.Done || !strings.Contains(h.Warning, "moved on the server from a.txt") {
		t.Errorf("history %+v", h)
	}
}

func TestMoveFallsBackToUpload(t *testing.T) {
	for name, c := range map[string]struct {
		canMove bool
		fail    func(provider.Move) error
		want    string
	}{
		"no mover": {false, nil, "cannot move files on the server"},
		"refused": {true, func(provider.Move) error {
			return &provider.Error{Kind: provider.ErrPermanent, Op: "move", Message: "nope"}
		}, "the server could not move it"},
		"gone": {true, func(provider.Move) error {
			return &provider.Error{Kind: provider.ErrSessionGone, Op: "move", Message: "no such id"}
		}, "the server could not move it"},
	} {
		t.Run(name, func(t *testing.T) {
			r, _, id := moveRig(t, c.canMove, c.fail, []string{"a.txt"}, "a.txt", "b.txt", false)
			if fin := r.finishes(); fin["up/b.txt"] != 1 || fin["up/a.txt"] != 1 {
				t.Errorf("finishes %v: want the new path uploaded once and the old copy kept", fin)
			}
			if h := r.history()[id]; h.Outcome != queue.Done || !strings.Contains(h.Warning, c.want) {
				t.Errorf("history %+v, want a warning with %q", h, c.want)
			}
			if _, ok, _ := r.q.Sent("fake", "up/b.txt"); !ok {
				t.Error("the new path was not recorded")
			}
		})
	}
}

func TestMoveFolderAsAWholeOrFileByFile(t *testing.T) {
	rels := []string{"d/x.txt", "d/s/y.txt", "other.txt"}
	r, mv, _ := moveRig(t, true, nil, rels, "d", "e", true)
	if calls := mv.calls(); len(calls) != 1 || !calls[0].Folder || calls[0].FromName != "d" || calls[0].ToName != "e" {
		t.Fatalf("folder moves %+v", calls)
	}
	for _, p := range []string{"up/e/x.txt", "up/e/s/y.txt", "up/other.txt"} {
		if _, ok, _ := r.q.Sent("fake", p); !ok {
			t.Errorf("%s not in the sent index after the folder move", p)
		}
	}
	if fin := r.finishes(); fin["up/e/x.txt"]+fin["up/e/s/y.txt"] != 0 {
		t.Errorf("files uploaded again: %v", fin)
	}

	notOwned := func(m provider.Move) error {
		if m.Folder {
			if m.Owned == nil {
				t.Error("a folder move without an ownership check")
			}
			return &provider.Error{Kind: provider.ErrPermanent, Op: "move", Err: provider.ErrNotOwned}
		}
		return nil
	}
	r, mv, _ = moveRig(t, true, notOwned, rels, "d", "e", true)
	r.until("the file moves", func() bool { return len(mv.calls()) == 3 })
	r.wait()
	files := 0
	for _, c := range mv.calls() {
		if !c.Folder {
			files++
		}
	}
	if files != 2 {
		t.Errorf("file-by-file moves: %+v", mv.calls())
	}
	for _, p := range []string{"up/e/x.txt", "up/e/s/y.txt"} {
		if _, ok, _ := r.q.Sent("fake", p); !ok {
			t.Errorf("%s not re-keyed", p)
		}
	}
	if fin := r.finishes(); fin["up/e/x.txt"]+fin["up/e/s/y.txt"] != 0 {
		t.Errorf("files uploaded again: %v", fin)
	}
}

// A move cut by a shutdown stays a move job (MoveFrom kept), and the next
// run moves the file; nothing is uploaded.
func TestMoveSurvivesShutdown(t *testing.T) {
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, fastOpts())
	mv := &moverFake{Provider: r.fake, hang: make(chan struct{}, 1)}
	r.e = New(r.q, fixed(mv, TargetSettings{}), fastOpts())
	r.run()
	j := r.file("a.txt", randBytes(1, 50))
	r.wait(r.enqueue(j)...)
	if err := os.Rename(filepath.Join(r.root, "a.txt"), filepath.Join(r.root, "b.txt")); err != nil {
		t.Fatal(err)
	}
	j.RelPath, j.MoveFrom = "b.txt", "a.txt"
	id := r.enqueue(j)[0]
	<-mv.hang
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if got := r.job(id); got.MoveFrom != "a.txt" || got.State != queue.Queued || got.Warning != "" {
		t.Fatalf("after the cut: %+v", got)
	}
	mv.hang = nil
	r.e = New(r.q, fixed(mv, TargetSettings{}), fastOpts())
	r.run()
	r.wait(id)
	if fp, ok, _ := r.q.Sent("fake", "up/b.txt"); !ok || fp.RemoteID == "" {
		t.Errorf("not moved after the restart: %+v %v", fp, ok)
	}
	if fin := r.finishes(); fin["up/b.txt"] != 0 {
		t.Errorf("uploaded instead of moved: %v", fin)
	}
}
