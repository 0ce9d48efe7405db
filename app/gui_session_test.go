package app

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/config"
)

// TestGUIDesktopSession runs the real app under Xvfb on a private session
// bus. Without a StatusNotifier host, `--background` shows the window
// (nothing invisible), and a target and folder added with the CLI while it
// runs reach the app and stay in the file. With a host (a fake watcher),
// the tray item registers and `--background` keeps the window hidden.
func TestGUIDesktopSession(t *testing.T) {
	if underSession(t, "TestGUIDesktopSession", true) {
		return
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("no xdotool to look for the window")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ferry")
	if out, err := exec.Command(goTool(t), "build", "-o", bin, "github.com/ferry-sync/ferry").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfgPath, dataDir := filepath.Join(dir, "config.toml"), filepath.Join(dir, "data")
	env := append(os.Environ(), config.EnvConfig+"="+cfgPath, config.EnvDataDir+"="+dataDir,
		EnvSecrets+"=file:"+filepath.Join(dir, "secrets"), "HOME="+dir, "LANG=C.UTF-8")
	cli := func(stdin string, args ...string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Stdin = env, strings.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ferry %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	start := func() (quit func()) {
		t.Helper()
		var out bytes.Buffer
		app := exec.Command(bin, "--background")
		app.Env, app.Stdout, app.Stderr = env, &out, &out
		if err := app.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- app.Wait() }()
		sock := handoffSocket(dataDir)
		// "show" is what a second launch sends; with --background it would
		// raise the window, so wait for the socket file only.
		waitFor(t, "the app's hand-off socket", func() bool { return fileExists(sock) })
		return func() {
			t.Helper()
			if _, err := sendHandoff(context.Background(), sock, handoffRequest{Op: handoffQuit}); err != nil {
				t.Errorf("quit: %v", err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("ferry exited with %v\n%s", err, out.String())
				}
			case <-time.After(15 * time.Second):
				_ = app.Process.Kill()
				t.Errorf("ferry did not quit\n%s", out.String())
			}
		}
	}
	visible := func() bool {
		return exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Ferry$").Run() == nil
	}

	// No tray host: the login item's --background shows the window.
	quit := start()
	waitFor(t, "the window of `ferry --background` without a tray host", visible)
	writeFiles(t, dir, map[string]string{"out/a.txt": "a"})
	cli("tok\n", "target", "add", "--no-test", "--name", "cli", "--kind", "filesro", "--url", "http://127.0.0.1:9", "--secret-stdin")
	cli("", "folder", "add", "--name", "out", "--target", "cli", "--path", filepath.Join(dir, "out"))
	waitFor(t, "the app to take the CLI's target and folder", func() bool {
		return logContains(dataDir, `gui: config changed elsewhere`, "cli", "out")
	})
	quit()
	cfg, err := config.Load(cfgPath)
	if err != nil || cfg.Target("cli") == nil || cfg.Folder("out") == nil {
		t.Fatalf("config after the app ran: %+v, %v", cfg, err)
	}

	// A tray host: the item registers and --background stays in the tray.
	w := startFakeWatcher(t, true)
	quit = start()
	waitFor(t, "the tray item to register with the StatusNotifier watcher", func() bool { return len(w.registered()) > 0 })
	time.Sleep(time.Second)
	if visible() {
		t.Error("--background with a tray host opened the window")
	}
	quit()
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// logContains reports whether a line of the app's log files has every one
// of words.
func logContains(dataDir string, words ...string) bool {
	files, _ := filepath.Glob(filepath.Join(dataDir, "logs", "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			all := true
			for _, w := range words {
				all = all && strings.Contains(line, w)
			}
			if all {
				return true
			}
		}
	}
	return false
}
