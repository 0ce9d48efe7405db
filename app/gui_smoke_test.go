package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/secrets"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// smokeChild marks the test binary re-run under dbus-run-session and
// xvfb-run by TestGUISmoke itself.
const smokeChild = "FERRY_GUI_SMOKE_CHILD"

// TestGUISmoke builds the real ferry binary, runs the desktop app on a
// display with a session bus (its own Xvfb when the test has none), hands
// it a file list with "drop", confirms the drop dialog with a click
// (xdotool) or, without xdotool, hands the same list over with "upload",
// checks that the files arrived in a sandbox and that the window carries
// the app icon (_NET_WM_ICON, read back with xprop), then sends "quit" and
// expects exit code 0 within a few seconds.
func TestGUISmoke(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the GUI smoke test drives Xvfb, which is Linux-only")
	}
	if os.Getenv("DISPLAY") == "" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if os.Getenv(smokeChild) != "" {
			t.Fatal("no DISPLAY or session bus inside dbus-run-session and xvfb-run")
		}
		runSmokeUnderXvfb(t)
		return
	}
	start := time.Now()
	dir := t.TempDir()
	bin := filepath.Join(dir, "ferry")
	build := exec.Command(goTool(t), "build", "-o", bin, "github.com/ferry-sync/ferry")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built the GUI binary in %v", time.Since(start).Round(time.Millisecond))

	api, err := sbfilesro.New(sbfilesro.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.New(sandbox.Config{Dir: filepath.Join(dir, "sandbox"), Strict: true, APIs: []sandbox.API{api}})
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
	cfgPath, dataDir, secretFile := filepath.Join(dir, "config.toml"), filepath.Join(dir, "data"), filepath.Join(dir, "secrets")
	cfg := &config.Config{Targets: []config.Target{{Name: "smoke", Kind: config.KindFilesRo, BaseURL: srv.BaseURL()}}}
	if err := config.Save(cfgPath, cfg); err != nil {
		t.Fatal(err)
	}
	if err := secrets.NewFile(secretFile).Set("smoke", SecretShareToken, editor.Token); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"drop/x.txt": "x marks", "drop/y/z.txt": "last letter"})

	var out bytes.Buffer
	app := exec.Command(bin)
	app.Env = append(os.Environ(), config.EnvConfig+"="+cfgPath, config.EnvDataDir+"="+dataDir,
		EnvSecrets+"=file:"+secretFile, "HOME="+dir, "LANG=C.UTF-8")
	app.Stdout, app.Stderr = &out, &out
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	defer func() {
		if app.ProcessState == nil {
			_ = app.Process.Kill() // the test failed before "quit"; its error says why
			<-exited
		}
		if t.Failed() {
			t.Logf("ferry output:\n%s", out.String())
		}
	}()

	sock := handoffSocket(dataDir)
	ctx := context.Background()
	launched := time.Now()
	waitFor(t, "the app's hand-off socket", func() bool {
		_, err := sendHandoff(ctx, sock, handoffRequest{Op: handoffShow})
		return err == nil
	})
	t.Logf("app answering after %v", time.Since(launched).Round(time.Millisecond))
	checkWindowIcon(t)

	arrived := func() bool {
		var paths []string
		for _, e := range srv.Tree("filesro") {
			paths = append(paths, e.Path)
		}
		return hasSuffix(paths, "/drop/x.txt") && hasSuffix(paths, "/drop/y/z.txt")
	}
	list := []string{filepath.Join(dir, "drop")}
	if _, err := sendHandoff(ctx, sock, handoffRequest{Op: handoffDrop, Paths: list}); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("xdotool"); err == nil {
		confirmDropDialog(t, arrived)
	} else {
		t.Log("xdotool missing: queueing the dropped list with the upload hand-off instead of a click")
		if _, err := sendHandoff(ctx, sock, handoffRequest{Op: handoffUpload, Paths: list, Target: "smoke"}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the dropped files in the sandbox", arrived)

	quitAt := time.Now()
	if _, err := sendHandoff(ctx, sock, handoffRequest{Op: handoffQuit}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("ferry exited with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ferry did not exit within 10s of quit")
	}
	t.Logf("exit 0 %v after quit; whole smoke test %v", time.Since(quitAt).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("hand-off socket left behind: %v", err)
	}
}

// confirmDropDialog clicks the drop dialog's Upload button until the files
// arrive (at most 10 tries, one second apart): the dialog appears a frame
// after the hand-off. The button's place is fixed relative to the window's
// centre (a 520x240 dialog, buttons at the bottom right of centre).
func confirmDropDialog(t *testing.T, arrived func() bool) {
	t.Helper()
	wid := strings.TrimSpace(xdotool(t, "search", "--sync", "--onlyvisible", "--name", "^Ferry$"))
	wid, _, _ = strings.Cut(wid, "\n")
	geo := map[string]int{}
	for _, line := range strings.Split(xdotool(t, "getwindowgeometry", "--shell", wid), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			n, err := strconv.Atoi(v)
			if err == nil {
				geo[k] = n
			}
		}
	}
	x, y := geo["WIDTH"]/2+47, geo["HEIGHT"]/2+82
	for range 10 {
		time.Sleep(time.Second)
		xdotool(t, "mousemove", "--window", wid, strconv.Itoa(x), strconv.Itoa(y), "click", "1")
		for range 10 {
			if arrived() {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func xdotool(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("xdotool", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// runSmokeUnderXvfb re-runs TestGUISmoke in this test binary under
// dbus-run-session and xvfb-run, which provide the display and the bus.
func runSmokeUnderXvfb(t *testing.T) {
	for _, tool := range []string{"dbus-run-session", "xvfb-run"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no display and no %s to make one (install dbus and xvfb xauth to run the GUI smoke test)", tool)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dbus-run-session", "--", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
		os.Args[0], "-test.run=^TestGUISmoke$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), smokeChild+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("smoke test under xvfb-run: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "gui_smoke_test.go") {
			t.Log(strings.TrimSpace(line))
		}
	}
}

// goTool is the go command on PATH (the one running `go test`).
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the GUI smoke test builds the binary with the go command: %v", err)
	}
	return p
}
