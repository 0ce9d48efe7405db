package soak

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"
)

// A kill plan says how one run of ferry watch ends. The runs cycle through
// them, so even the short soak has each once.
type killPlan int

const (
	// killMidBody: the proxy kills ferry watch while a request body is
	// half sent (see proxy), the moment a crash hurts most.
	killMidBody killPlan = iota
	// killMute: the server stops answering (it accepts and reads, never
	// replies), then the kill.
	killMute
	// killMidBodyTruncate: killMidBody, then the queue file is cut short
	// before the next start (a full disk, a bad copy).
	killMidBodyTruncate
	// killTrickle: answers come a byte at a time, seconds apart, then the
	// kill.
	killTrickle
	// killRecreatedRoot: ferry watch runs with its working directory inside
	// the watched folder, which is deleted and made anew (its files moved
	// back, new ones added) under it; then a mid-body kill.
	killRecreatedRoot
)

var killCycle = []killPlan{killMidBody, killMute, killMidBodyTruncate, killTrickle, killRecreatedRoot, killMidBody}

func (k killPlan) String() string {
	return [...]string{"mid-body", "mute server", "mid-body, queue truncated", "trickling server", "root recreated under the working directory"}[k]
}

// killStats counts what the kills hit.
type killStats struct {
	kills, midBody int
	truncated      bool      // the queue file was cut at least once
	truncatedAt    time.Time // when it was first cut
}

// runOnce starts ferry watch, lets it work as plan says, and kills it. It
// returns whether the kill cut a request body. w.mutate runs as before:
// rewrites while uploads run on odd runs, between runs on even ones.
func runOnce(t *testing.T, env *ferrytest.Env, px *proxy, w *workload, plan killPlan, k, batch int,
	upFor func() time.Duration, rng *rand.Rand, stdout, stderr *os.File, ks *killStats,
) {
	t.Helper()
	cwd := ""
	if plan == killRecreatedRoot {
		cwd = w.root
	}
	p := env.StartIn(cwd, stdout, stderr, "watch")
	if k%2 == 1 && plan != killRecreatedRoot {
		time.Sleep(upFor() / 2)
		w.mutate(t, batch)
	}
	midBody := false
	switch plan {
	case killMute, killTrickle:
		time.Sleep(upFor() / 2)
		px.mode.Store(map[killPlan]int32{killMute: proxyMute, killTrickle: proxyTrickle}[plan])
		time.Sleep(upFor())
		midBody = px.midBody(1 << 10)
		mustKill(t, p)
		px.mode.Store(proxyPass)
	default:
		if plan == killRecreatedRoot {
			time.Sleep(upFor() / 2)
			recreateRoot(t, w.root)
			w.mutate(t, batch) // files in the new folder must be seen
		}
		midBody = killOnBody(t, p, px, rng)
	}
	ks.kills++
	if midBody {
		ks.midBody++
	}
	t.Logf("kill %d (%s): request body cut: %v", k, plan, midBody)
	if plan == killMidBodyTruncate {
		truncateQueue(t, env)
		if !ks.truncated {
			ks.truncated, ks.truncatedAt = true, time.Now()
		}
	}
	if k%2 == 0 && plan != killRecreatedRoot {
		w.mutate(t, batch)
	}
}

// killOnBody arms the proxy to kill ferry watch once a request body
// reaches a random 4 to 32 KiB (every chunk of a large file and most small
// files are longer); with no upload of that size within the bound it
// kills anyway. It reports whether the kill cut a body.
func killOnBody(t *testing.T, p *ferrytest.Proc, px *proxy, rng *rand.Rand) bool {
	t.Helper()
	var cut atomic.Bool
	done := make(chan struct{})
	px.arm(int64(4<<10+rng.IntN(28<<10)), func() {
		cut.Store(true) // the forwarder holds the body mid-way: by construction
		_ = p.Kill()
		close(done)
	})
	select {
	case <-done:
	case <-time.After(bodyWait):
		if !px.disarm() {
			t.Logf("no upload reached the trigger within %v; killing anyway", bodyWait)
			cut.Store(px.midBody(1 << 10))
			mustKill(t, p)
			return cut.Load()
		}
		<-done // it fired just now
	}
	_ = p.Wait(t, 10*time.Second) // killed: the exit error says so and nothing more
	return cut.Load()
}

// bodyWait bounds the wait for an upload to cut.
const bodyWait = 8 * time.Second

func mustKill(t *testing.T, p *ferrytest.Proc) {
	t.Helper()
	if !p.Kill9(t) {
		t.Fatalf("ferry watch exited before it was killed: %v", p.Err())
	}
}

// recreateRoot deletes the watched folder and makes it anew, as `rm -rf
// root; mkdir root` with the files then put back: everything is moved
// into a new directory of the same name while the old one, still the
// working directory of ferry watch, is deleted. The kernel sends no event
// for that: only the root's identity tells.
func recreateRoot(t *testing.T, root string) {
	t.Helper()
	old := root + ".old"
	if err := os.Rename(root, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(old)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if err := os.Rename(filepath.Join(old, e.Name()), filepath.Join(root, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(old); err != nil {
		t.Fatal(err)
	}
}

// truncateQueue cuts the stopped watch's queue file to its first three
// pages: both meta pages stay readable, the pages they point to are gone
// (a file cut at half its size may lose only preallocated free space).
func truncateQueue(t *testing.T, env *ferrytest.Env) {
	t.Helper()
	path := filepath.Join(env.Data, "queue.db")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, min(info.Size()/2, 3*4096)); err != nil {
		t.Fatal(err)
	}
}

// queueDamageAnnounced reports whether ferry watch said the queue was
// damaged and that files will be uploaded again.
func queueDamageAnnounced(t *testing.T, stderrPath string) bool {
	t.Helper()
	b, err := os.ReadFile(stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	return strings.Contains(s, "queue was damaged")
}
