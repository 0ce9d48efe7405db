package app

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// sessionChild marks a test binary re-run under dbus-run-session (and
// xvfb-run) by a test that needs a private session bus.
const sessionChild = "FERRY_SESSION_CHILD"

// underSession re-runs the test named run in this binary under
// dbus-run-session (and xvfb-run with display) when the process has no
// session bus (or display), and reports whether the caller must return.
func underSession(t *testing.T, run string, display bool) bool {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("needs a D-Bus session bus (and Xvfb), Linux only")
	}
	if os.Getenv(sessionChild) != "" {
		if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" || (display && os.Getenv("DISPLAY") == "") {
			t.Fatal("no session bus or display inside dbus-run-session / xvfb-run")
		}
		return false
	}
	tools := []string{"dbus-run-session"}
	args := []string{"--"}
	if display {
		tools = append(tools, "xvfb-run")
		args = append(args, "xvfb-run", "-a", "-s", "-screen 0 1280x800x24")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s (install dbus, and xvfb xauth for the GUI tests)", tool)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	args = append(args, os.Args[0], "-test.run=^"+run+"$", "-test.v", "-test.count=1")
	cmd := exec.CommandContext(ctx, "dbus-run-session", args...)
	// A private bus: the outer session's address must not leak in.
	cmd.Env = append(withoutEnv(os.Environ(), "DBUS_SESSION_BUS_ADDRESS"), sessionChild+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s under dbus-run-session: %v\n%s", run, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "_test.go:") {
			t.Log(strings.TrimSpace(line))
		}
	}
	return true
}

func withoutEnv(env []string, key string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// fakeWatcher is a minimal org.kde.StatusNotifierWatcher on the session
// bus: it owns the name, says whether a host is registered, and records
// the items that register (fyne's systray does, at start).
type fakeWatcher struct {
	conn  *dbus.Conn
	props *prop.Properties

	mu    sync.Mutex
	items []string
}

// RegisterStatusNotifierItem is the watcher method a tray item calls.
func (w *fakeWatcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.items = append(w.items, string(sender)+" "+service)
	return nil
}

// RegisterStatusNotifierHost is the watcher method a tray host calls.
func (w *fakeWatcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

func (w *fakeWatcher) registered() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.items...)
}

func startFakeWatcher(t *testing.T, hostRegistered bool) *fakeWatcher {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	w := &fakeWatcher{conn: conn}
	if err := conn.Export(w, sniWatcherPath, sniWatcherName); err != nil {
		t.Fatal(err)
	}
	w.props, err = prop.Export(conn, sniWatcherPath, prop.Map{sniWatcherName: {
		"IsStatusNotifierHostRegistered": {Value: hostRegistered, Writable: true, Emit: prop.EmitTrue},
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
	}})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(sniWatcherName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v (reply %v)", sniWatcherName, err, reply)
	}
	return w
}

// The tray is offered only when a StatusNotifier host is registered: a
// session bus alone (stock GNOME) is not enough.
func TestStatusNotifierHostDetection(t *testing.T) {
	if underSession(t, "TestStatusNotifierHostDetection", false) {
		return
	}
	if ok, why := trayHost("linux"); ok {
		t.Fatal("a bare session bus was taken for a tray host")
	} else if !strings.Contains(why, "StatusNotifier host") {
		t.Errorf("why no tray: %q", why)
	}
	w := startFakeWatcher(t, false)
	if ok, _ := trayHost("linux"); ok {
		t.Fatal("a watcher without a registered host was taken for a tray host")
	}
	w.props.SetMust(sniWatcherName, "IsStatusNotifierHostRegistered", true)
	if ok, why := trayHost("linux"); !ok {
		t.Fatalf("a registered host was not seen: %s", why)
	}
}
