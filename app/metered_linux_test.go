package app

import (
	"context"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"

	"github.com/ferry-sync/ferry/app/metered"
	"github.com/ferry-sync/ferry/ui"
)

// fakeNetworkManager owns org.freedesktop.NetworkManager on the session
// bus with only the global Metered property (NMMetered values).
type fakeNetworkManager struct{ props *prop.Properties }

func startFakeNetworkManager(t *testing.T, value uint32) *fakeNetworkManager {
	t.Helper()
	conn := privateSessionConn(t)
	props, err := prop.Export(conn, "/org/freedesktop/NetworkManager", prop.Map{"org.freedesktop.NetworkManager": {
		"Metered": {Value: value, Writable: true, Emit: prop.EmitTrue},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.freedesktop.NetworkManager", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own NetworkManager's name: %v %v", reply, err)
	}
	return &fakeNetworkManager{props: props}
}

func (f *fakeNetworkManager) set(t *testing.T, value uint32) {
	t.Helper()
	if err := f.props.Set("org.freedesktop.NetworkManager", "Metered", dbus.MakeVariant(value)); err != nil {
		t.Fatal(err)
	}
}

func privateSessionConn(t *testing.T) *dbus.Conn {
	t.Helper()
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Auth(nil); err != nil {
		t.Fatal(err)
	}
	if err := conn.Hello(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// TestMeteredPausesThenResumes: with pause_on_metered on, a fake
// NetworkManager on a private bus saying "metered" holds a new upload (the
// header and its row say why, and the user's Resume all does not start
// it); when it says "not metered (guessed)" the upload goes through.
func TestMeteredPausesThenResumes(t *testing.T) {
	if underSession(t, "TestMeteredPausesThenResumes", false) {
		return
	}
	g := newGUIEnv(t, newEnv(t))
	if _, err := g.b.setupSandbox(freeAddr(t), false); err != nil {
		t.Fatal(err)
	}
	nm := startFakeNetworkManager(t, 1) // NM_METERED_YES
	det, err := metered.NewNetworkManager(privateSessionConn(t))
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g.b.rt.followMetered(ctx, det)
	if g.b.Status().Held != "" {
		t.Fatal("held while pause_on_metered is off")
	}
	if note := g.b.Settings().MeteredNote; note != "" {
		t.Fatalf("MeteredNote %q with a NetworkManager", note)
	}
	s := g.b.Settings()
	s.PauseOnMetered = true
	if err := g.b.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	if st := g.b.Status(); st.Held != "metered connection" || !st.HeldAll {
		t.Fatalf("status on a metered connection: %+v", st)
	}

	statuses := make(chan ui.Status, 64)
	stop := g.b.Watch(func(c ui.Change) {
		if c.Status != nil {
			select {
			case statuses <- *c.Status:
			default:
			}
		}
	})
	defer stop()

	src := g.e.dir + "/src"
	writeFiles(t, src, map[string]string{"m.txt": "over a phone"})
	if n, err := g.b.Upload([]string{src + "/m.txt"}, sandboxTarget, "in"); err != nil || n != 1 {
		t.Fatalf("Upload = %d, %v", n, err)
	}
	if err := g.b.ResumeAll(); err != nil { // the user's resume does not fight the hold
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if hasSuffix(sandboxPaths(g.b), "/in/m.txt") || len(itemsIn(g.b, ui.Waiting)) != 1 {
		t.Fatalf("uploaded on a metered connection: sandbox %q", sandboxPaths(g.b))
	}
	if !g.b.Status().TargetHeld(sandboxTarget) {
		t.Fatal("the row's target is not shown held")
	}

	nm.set(t, 4) // NM_METERED_GUESS_NO
	waitFor(t, "the upload after the connection stopped being metered", func() bool {
		return hasSuffix(sandboxPaths(g.b), "/in/m.txt")
	})
	if st := g.b.Status(); st.Held != "" {
		t.Fatalf("still held: %+v", st)
	}
	// The window learns it too, even with no upload event to carry it.
	nm.set(t, 3) // NM_METERED_GUESS_YES
	deadline := time.After(3 * limitsRefresh)
	for {
		select {
		case st := <-statuses:
			if st.Held == "metered connection" {
				return
			}
		case <-deadline:
			t.Fatal("no status with the hold reached the window's watch")
		}
	}
}
