package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/logging"
	"github.com/ferry-sync/ferry/ui"
)

// guiEnv is a desktop backend over a real queue, config and (mock)
// keyring in temp dirs, with the engine running; no window.
type guiEnv struct {
	t      testing.TB
	e      *env
	b      *guiBackend
	cancel context.CancelFunc
	done   chan error

	mu   sync.Mutex
	auto []string // autostart calls: "on EXE" or "off"
	fail error    // what the fake autostart returns
}

func newGUIEnv(t testing.TB, e *env) *guiEnv {
	t.Helper()
	c := &cli{IO: IO{Out: io.Discard, Err: io.Discard, Getenv: func(k string) string { return e.vars[k] }}, redac: &logging.Redactor{}}
	rt, err := c.openRuntime(false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &guiEnv{t: t, e: e, cancel: cancel, done: make(chan error, 1)}
	g.b = newGUIBackend(ctx, rt, "/opt/ferry/ferry", func(on bool, exe string) error {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.fail != nil {
			return g.fail
		}
		if on {
			g.auto = append(g.auto, "on "+exe)
		} else {
			g.auto = append(g.auto, "off")
		}
		return nil
	})
	g.b.homeDir = func() (string, error) { return e.dir, nil }
	go func() { g.done <- rt.engine.Run(ctx) }()
	t.Cleanup(g.close)
	return g
}

// close stops the engine, the watchers and the sandbox and closes the
// queue. Idempotent.
func (g *guiEnv) close() {
	if g.cancel == nil {
		return
	}
	g.cancel()
	g.cancel = nil
	if err := <-g.done; err != nil {
		g.t.Errorf("engine: %v", err)
	}
	g.b.ws.wait(watchShutdown)
	g.b.closeSandbox()
	if err := g.b.rt.close(); err != nil {
		g.t.Errorf("close runtime: %v", err)
	}
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// waitFor polls cond every 20ms for at most 20s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func itemsIn(b *guiBackend, st ui.ItemState) []ui.Item {
	var out []ui.Item
	for _, it := range b.Items() {
		if it.State == st {
			out = append(out, it)
		}
	}
	return out
}

// sandboxPaths lists the stored files of the app's sandbox.
func sandboxPaths(b *guiBackend) []string {
	b.editMu.Lock()
	defer b.editMu.Unlock()
	var out []string
	if b.sandbox != nil {
		for _, e := range b.sandbox.srv.Tree("filesro") {
			if e.Size > 0 {
				out = append(out, e.Path)
			}
		}
	}
	return out
}

func hasSuffix(list []string, suffix string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.HasSuffix(s, suffix) })
}

func TestGUIUploadToSandbox(t *testing.T) {
	g := newGUIEnv(t, newEnv(t))
	folder, err := g.b.setupSandbox(freeAddr(t), true)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(g.e.dir, "Ferry Outbox"); folder != want {
		t.Errorf("outbox = %q, want %q", folder, want)
	}
	if fi, err := os.Stat(folder); err != nil || !fi.IsDir() {
		t.Fatalf("outbox not created: %v", err)
	}

	var mu sync.Mutex
	var changes []ui.Change
	stop := g.b.Watch(func(c ui.Change) {
		mu.Lock()
		defer mu.Unlock()
		changes = append(changes, c)
	})
	defer stop()

	src := filepath.Join(g.e.dir, "src", "tree")
	writeFiles(t, src, map[string]string{"a.txt": "alpha", "sub/b.txt": "bravo"})
	n, err := g.b.Upload([]string{src}, sandboxTarget, "in/box")
	if err != nil || n != 2 {
		t.Fatalf("Upload = %d, %v; want 2 files", n, err)
	}
	waitFor(t, "two done items", func() bool { return len(itemsIn(g.b, ui.Done)) == 2 })
	got := sandboxPaths(g.b)
	if !hasSuffix(got, "/in/box/tree/a.txt") || !hasSuffix(got, "/in/box/tree/sub/b.txt") {
		t.Errorf("sandbox holds %q", got)
	}
	for _, it := range itemsIn(g.b, ui.Done) {
		if !strings.HasPrefix(it.Remote, "sandbox: in/box/tree/") || it.Bytes != it.Total || it.Total != 5 {
			t.Errorf("done item %+v", it)
		}
	}

	waitFor(t, "watched done events", func() bool {
		mu.Lock()
		defer mu.Unlock()
		done, status := 0, 0
		for _, c := range changes {
			if c.Item != nil && c.Item.State == ui.Done && strings.HasPrefix(c.Item.Remote, "sandbox: in/box/tree/") {
				done++
			}
			if c.Status != nil {
				status++
			}
		}
		return done == 2 && status > 0
	})
	if st := g.b.Status(); st.Uploading != 0 || st.Waiting != 0 || st.Failed != 0 || st.Speed != 0 {
		t.Errorf("status after the uploads: %+v", st)
	}

	// The same files again: nothing to send, and the error says why.
	if n, err := g.b.Upload([]string{src}, sandboxTarget, "in/box"); n != 0 || err == nil ||
		!strings.Contains(err.Error(), "already uploaded") {
		t.Errorf("second Upload = %d, %v; want an 'already uploaded' error", n, err)
	}
	if _, err := g.b.Upload([]string{src}, "nowhere", ""); err == nil || !strings.Contains(err.Error(), `"nowhere"`) {
		t.Errorf("Upload to an unknown target: %v", err)
	}

	// The outbox is watched: a file put there is uploaded on its own.
	waitFor(t, "the outbox watcher", func() bool {
		f := g.b.Folders()
		return len(f) == 1 && f[0].Health == "ok"
	})
	writeFiles(t, folder, map[string]string{"dropped.txt": "from the outbox"})
	waitFor(t, "the outbox file in the sandbox", func() bool { return hasSuffix(sandboxPaths(g.b), "/dropped.txt") })
}

func TestGUISandboxResumesWithItsToken(t *testing.T) {
	e := newEnv(t)
	addr := freeAddr(t)
	g := newGUIEnv(t, e)
	if _, err := g.b.setupSandbox(addr, false); err != nil {
		t.Fatal(err)
	}
	g.close()

	g2 := newGUIEnv(t, e)
	if err := g2.b.resumeSandbox(addr); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(e.dir, "later.txt")
	writeFiles(t, e.dir, map[string]string{"later.txt": "after a restart"})
	if n, err := g2.b.Upload([]string{src}, sandboxTarget, ""); err != nil || n != 1 {
		t.Fatalf("Upload = %d, %v", n, err)
	}
	waitFor(t, "the upload after a restart", func() bool { return hasSuffix(sandboxPaths(g2.b), "/later.txt") })
	if f := itemsIn(g2.b, ui.Failed); len(f) != 0 {
		t.Errorf("failed after a restart: %+v", f)
	}

	// Without the sandbox target, nothing starts.
	if err := g2.b.RemoveTarget(sandboxTarget); err != nil {
		t.Fatal(err)
	}
	if err := g2.b.resumeSandbox(addr); err != nil || g2.b.sandbox != nil {
		t.Errorf("resume without the target: %v, running %v", err, g2.b.sandbox != nil)
	}
}

func TestGUIFailedItemHasReasonAndAdvice(t *testing.T) {
	g := newGUIEnv(t, newEnv(t))
	addr := freeAddr(t)
	if _, err := g.b.setupSandbox(addr, false); err != nil {
		t.Fatal(err)
	}
	visitor := ""
	for _, c := range g.b.sandbox.srv.Credentials() {
		if c.API == "filesro" && c.Name == "visitor" && c.Kind == "share-token" {
			visitor = c.Value
		}
	}
	if visitor == "" {
		t.Fatal("no visitor share in the sandbox")
	}
	err := g.b.SaveTarget(ui.Target{
		Name: "readonly", Kind: config.KindFilesRo,
		Settings: map[string]string{"base_url": sandboxURL(addr)},
	}, map[string]string{SecretShareToken: visitor})
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, g.e.dir, map[string]string{"refused.txt": "no"})
	if _, err := g.b.Upload([]string{filepath.Join(g.e.dir, "refused.txt")}, "readonly", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed item", func() bool { return len(itemsIn(g.b, ui.Failed)) == 1 })
	it := itemsIn(g.b, ui.Failed)[0]
	if it.Reason == "" || it.Advice == "" || it.Name != "refused.txt" || it.Remote != "readonly: refused.txt" {
		t.Errorf("failed item %+v", it)
	}
	if st := g.b.Status(); st.Failed != 1 {
		t.Errorf("status %+v, want 1 failed", st)
	}
	if err := g.b.Cancel(it.ID); err != nil {
		t.Fatal(err)
	}
	if err := g.b.Cancel(it.ID); err == nil || !strings.Contains(err.Error(), "already ended") {
		t.Errorf("second Cancel: %v", err)
	}
	if c := itemsIn(g.b, ui.Cancelled); len(c) != 1 || c[0].ID != it.ID {
		t.Errorf("cancelled items %+v", c)
	}
}

// TestGUIStatusNamesATargetItCannotReach checks the window's header names
// a target whose server nobody can reach for as long as the engine holds
// it, although most of its files wait without an event of their own.
func TestGUIStatusNamesATargetItCannotReach(t *testing.T) {
	g := newGUIEnv(t, newEnv(t))
	err := g.b.SaveTarget(ui.Target{
		Name: "away", Kind: config.KindFilesRo,
		Settings: map[string]string{"base_url": "http://" + freeAddr(t)},
	}, map[string]string{SecretShareToken: "share-token"})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for i := range 6 {
		files[fmt.Sprintf("trip/p%d.jpg", i)] = "photo"
	}
	writeFiles(t, g.e.dir, files)
	if _, err := g.b.Upload([]string{filepath.Join(g.e.dir, "trip")}, "away", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the engine to hold the target", func() bool {
		_, down := g.b.rt.engine.TargetOutage("away")
		return down
	})
	g.b.setDown("away", false) // what an event clears; the outage still holds
	if st := g.b.Status(); st.Unreachable != "away" {
		t.Errorf("status names %q as unreachable, want away", st.Unreachable)
	}
	// Between two tries nothing is sent: the files wait, not cycle.
	waitFor(t, "every file waiting between two tries", func() bool { return len(itemsIn(g.b, ui.Uploading)) == 0 })
}
