package app

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/queue"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
	"github.com/ferry-sync/ferry/ui"
)

// followConfig starts the app's config follow on g (as runGUI does) and
// records the reloads.
func followConfig(t *testing.T, g *guiEnv) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	err := g.b.rt.follow(ctx, func(cfg *config.Config) {
		if err := g.b.ws.apply(ctx, cfg.Folders); err != nil {
			t.Logf("watch folders: %v", err)
		}
	}, func(err error) { t.Logf("config: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
}

func targetListed(b *guiBackend, name string) bool {
	return slices.ContainsFunc(b.Targets(), func(t ui.Target) bool { return t.Name == name })
}

// The CLI adds a target and a folder while the app runs; saving settings
// in the app (the old stale copy) keeps them, and the app lists them.
func TestCLIChangesBesideTheRunningAppAreKept(t *testing.T) {
	e := newEnv(t)
	e.vars[EnvSecrets] = "file:" + filepath.Join(e.dir, "secrets")
	g := newGUIEnv(t, e)
	followConfig(t, g)
	ctx := context.Background()

	if r := e.run(ctx, "tok\n", "target", "add", "--no-test", "--name", "cli", "--kind", "filesro", "--url", "http://127.0.0.1:9", "--secret-stdin"); r.code != 0 {
		t.Fatalf("target add: %+v", r)
	}
	writeFiles(t, e.dir, map[string]string{"out/a.txt": "a"})
	if r := e.run(ctx, "", "folder", "add", "--name", "out", "--target", "cli", "--path", filepath.Join(e.dir, "out")); r.code != 0 {
		t.Fatalf("folder add: %+v", r)
	}
	waitFor(t, "the app to list the CLI's target and folder", func() bool {
		return targetListed(g.b, "cli") && len(g.b.Folders()) == 1
	})
	// What opening Settings did before: save the app's settings.
	st := g.b.Settings()
	st.NotifyUploaded = !st.NotifyUploaded
	if err := g.b.SaveSettings(st); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfigFile(t, e)
	if cfg.Target("cli") == nil || cfg.Folder("out") == nil {
		t.Fatalf("the app's save dropped the CLI's changes: %+v", cfg)
	}
	if !targetListed(g.b, "cli") || g.b.Folders()[0].Name != "out" {
		t.Fatalf("app lists targets %v folders %v", g.b.Targets(), g.b.Folders())
	}
	// Removed with the CLI: gone from the app too.
	if r := e.run(ctx, "", "folder", "remove", "out"); r.code != 0 {
		t.Fatalf("folder remove: %+v", r)
	}
	waitFor(t, "the app to drop the removed folder", func() bool { return len(g.b.Folders()) == 0 })
}

// `ferry target set-secret` reaches the running app: the cached provider
// with the old token is dropped and the upload that failed for it is
// retried and arrives.
func TestSetSecretTakesEffectInTheRunningApp(t *testing.T) {
	api, err := sbfilesro.New(sbfilesro.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.New(sandbox.Config{Dir: t.TempDir(), Strict: true, APIs: []sandbox.API{api}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	editor, _, ok := api.ShareByName("editor")
	if !ok {
		t.Fatal("no editor share")
	}

	e := newEnv(t)
	e.vars[EnvSecrets] = "file:" + filepath.Join(e.dir, "secrets")
	ctx := context.Background()
	if r := e.run(ctx, "WRONGWRONGWRONG1\n", "target", "add", "--no-test", "--name", "s", "--kind", "filesro", "--url", srv.BaseURL(), "--secret-stdin"); r.code != 0 {
		t.Fatalf("target add: %+v", r)
	}
	g := newGUIEnv(t, e)
	followConfig(t, g)
	writeFiles(t, e.dir, map[string]string{"f.txt": "payload"})
	if _, err := g.b.Upload([]string{filepath.Join(e.dir, "f.txt")}, "s", ""); err != nil {
		t.Fatal(err)
	}
	failedFor := func(kinds ...string) bool {
		found := false
		_ = g.b.rt.q.Jobs(func(j queue.Job) bool { return j.State == queue.Failed && slices.Contains(kinds, j.ErrKind) },
			func(queue.Job) bool { found = true; return false })
		return found
	}
	waitFor(t, "the upload to fail for its credentials", func() bool { return failedFor(transfer.KindAuth, transfer.KindConfig) })

	if r := e.run(ctx, editor.Token+"\n", "target", "set-secret", "s", "--secret-stdin"); r.code != 0 {
		t.Fatalf("set-secret: %+v", r)
	}
	waitFor(t, "the file on the server after set-secret", func() bool {
		for _, en := range srv.Tree("filesro") {
			if filepath.Base(en.Path) == "f.txt" {
				return true
			}
		}
		return false
	})
}
