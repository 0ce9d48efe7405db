package transfer

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
)

// A connection cut mid-chunk steps the chunk size down for the file, but is
// not a server limit: it is not remembered for the target, and at the
// smallest size the file is retried later instead of failing.
func TestResetMidChunkIsNotASizeLimit(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 1000, DefaultChunkSize: 4000}},
		TargetSettings{}, fastOpts())
	reset := &provider.Error{Kind: provider.ErrTooLarge, Op: "put chunk", Err: syscall.ECONNRESET}
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Err: reset, Count: 5})
	r.run()
	data := randBytes(11, 9000)
	id := r.enqueue(r.file("a.bin", data))[0]
	r.wait(id)
	if j, err := r.q.Get(id); err == nil {
		t.Fatalf("job ended %s (%s), want done", j.State, j.ErrMsg)
	}
	r.checkStored("up/a.bin", data)
	if n, ok, err := r.q.TargetChunkSize("fake"); err != nil || ok {
		t.Fatalf("a reset was remembered as the target's chunk size %d (%v)", n, err)
	}
	if got := r.fake.Injected(); got != 5 {
		t.Fatalf("%d resets injected, want 5", got)
	}
}

// A session the server keeps failing to reattach (Twake answers 500 for a
// file it forgot) is abandoned after a few attempts: the file starts over
// instead of waiting forever.
func TestResumeThatKeepsFailingStartsOver(t *testing.T) {
	opts := fastOpts()
	opts.RequestTries = 1
	r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 1000, DefaultChunkSize: 1000, Resumable: true}},
		TargetSettings{}, opts)
	// The first attempt leaves a session behind; every later Resume fails.
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Count: 1, Match: func(c fakeprovider.Call) bool { return c.Chunk == 2 }})
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpResume})
	r.run()
	data := randBytes(12, 5000)
	id := r.enqueue(r.file("b.bin", data))[0]
	r.wait(id)
	if j, err := r.q.Get(id); err == nil {
		t.Fatalf("job ended %s (%s), want done", j.State, j.ErrMsg)
	}
	r.checkStored("up/b.bin", data)
	calls, _ := r.fake.Calls()
	var begins, resumes int
	for _, c := range calls {
		switch c.Op {
		case fakeprovider.OpBegin:
			begins++
		case fakeprovider.OpResume:
			resumes++
		}
	}
	if begins != 2 || resumes != resumeGiveUp {
		t.Fatalf("%d begins and %d resumes, want 2 and %d", begins, resumes, resumeGiveUp)
	}
}

// Where chunks go in series the last chunk may be the commit (files.ro),
// so a file rewritten while its earlier chunks upload is caught before the
// last chunk is sent, not after: the server never sees a mix of versions.
func TestRewrittenFileIsCaughtBeforeTheLastChunk(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 1000, DefaultChunkSize: 1000}},
		TargetSettings{}, fastOpts())
	first, final := randBytes(21, 3000), randBytes(22, 3000)
	j := r.file("c.bin", first)
	path := filepath.Join(r.root, "c.bin")
	rewritten := false
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Match: func(c fakeprovider.Call) bool {
		if c.Chunk == 1 && !rewritten { // while chunk 1 of the first version goes
			rewritten = true
			if err := os.WriteFile(path, final, 0o644); err != nil {
				t.Error(err)
			}
			later := time.Now().Add(time.Minute)
			if err := os.Chtimes(path, later, later); err != nil {
				t.Error(err)
			}
		}
		return false // never fails the call
	}})
	r.run()
	id := r.enqueue(j)[0]
	r.wait(id)
	r.checkStored("up/c.bin", final)
	calls, _ := r.fake.Calls()
	lastPuts := 0
	for _, c := range calls {
		if c.Op == fakeprovider.OpPut && c.Chunk == 2 {
			lastPuts++
		}
	}
	if lastPuts != 1 {
		t.Fatalf("the last chunk went %d times, want once (for the final version only)", lastPuts)
	}
}

// One connection cut mid-chunk is retried at the same chunk size (a bad
// network is not cured by smaller chunks); a second cut at that size is
// taken for a body limit and steps down.
func TestOneResetKeepsTheChunkSize(t *testing.T) {
	for _, tc := range []struct {
		resets   int
		stepDown bool
	}{{1, false}, {2, true}} {
		r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 1000, DefaultChunkSize: 4000}},
			TargetSettings{}, fastOpts())
		reset := &provider.Error{Kind: provider.ErrTooLarge, Op: "put chunk", Err: syscall.ECONNRESET}
		r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Err: reset, Count: tc.resets})
		r.run()
		data := randBytes(13, 9000)
		id := r.enqueue(r.file("c.bin", data))[0]
		r.wait(id)
		r.checkStored("up/c.bin", data)
		calls, err := r.fake.Calls()
		if err != nil {
			t.Fatal(err)
		}
		smaller := false
		for _, c := range calls {
			if c.Op == fakeprovider.OpPut && c.Chunk == 0 && c.Size < 4000 {
				smaller = true
			}
		}
		if smaller != tc.stepDown {
			t.Errorf("%d reset(s) in a row: chunk size stepped down = %v, want %v", tc.resets, smaller, tc.stepDown)
		}
	}
}
