package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/metered"
	"github.com/ferry-sync/ferry/transfer/bwtimetable"
	"github.com/ferry-sync/ferry/ui"
)

func TestBwlimitFlagRefusesBadSpecs(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"upload", "--bwlimit", "8:00,1M", "x"}, `"8:00" is not a time: write HH:MM`},
		{[]string{"upload", "--bwlimit", "512", "x"}, `"512" has no unit`},
		{[]string{"watch", "--bwlimit", "Mon-Fry 08:00,1M"}, `not a day range like "Mon-Fri"`},
	} {
		r := e.run(context.Background(), "", tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.errOut, tc.says) {
			t.Errorf("ferry %v: exit %d, %q; want a usage error containing %q", tc.args, r.code, r.errOut, tc.says)
		}
	}
}

// TestBandwidthFollowsConfigUnlessFlagged: a timetable saved in the
// settings applies to the engine at once and shows in the status; a
// --bwlimit (overrideBandwidth) then holds against config changes.
func TestBandwidthFollowsConfigUnlessFlagged(t *testing.T) {
	g := newGUIEnv(t, newEnv(t))
	s := g.b.Settings()
	s.BandwidthSchedule = "Mon-Sun 00:00,3M"
	if err := g.b.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	if bw := g.b.rt.engine.Bandwidth(); bw != 3<<20 {
		t.Fatalf("engine limit %d after saving a timetable, want 3 MiB/s", bw)
	}
	cfg := loadConfigFile(t, g.e)
	if cfg.Transfer.BandwidthSchedule != "Mon-Sun 00:00,3M" || cfg.Transfer.BandwidthLimit != 0 {
		t.Fatalf("saved [transfer] %+v", cfg.Transfer)
	}
	if got := g.b.Settings().BandwidthSchedule; got != "Mon-Sun 00:00,3M" {
		t.Fatalf("Settings().BandwidthSchedule = %q", got)
	}
	// A bad timetable is refused with the reason, and nothing changes.
	s.BandwidthSchedule = "Mon-Sun 24:00,1M"
	if err := g.b.SaveSettings(s); err == nil || !strings.Contains(err.Error(), "the hour must be 00 to 23") {
		t.Fatalf("SaveSettings(bad timetable) = %v", err)
	}
	// The toolbar's one rate replaces the timetable.
	if err := g.b.SetBandwidth(1 << 20); err != nil {
		t.Fatal(err)
	}
	if cfg := loadConfigFile(t, g.e); cfg.Transfer.BandwidthSchedule != "" || cfg.Transfer.BandwidthLimit != 1<<20 {
		t.Fatalf("after SetBandwidth [transfer] %+v", cfg.Transfer)
	}
	// A varying timetable shows in the status.
	s = g.b.Settings()
	s.BandwidthSchedule = "00:00,1M 12:00,2M"
	if err := g.b.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	if note := g.b.Status().BandwidthNote; !strings.HasPrefix(note, "limit ") || !strings.Contains(note, " until ") {
		t.Fatalf("status note %q, want \"limit … until …\"", note)
	}

	flag, _ := bwtimetable.Parse("7k")
	g.b.rt.overrideBandwidth(&flag)
	if err := g.b.editConfig(func(c *config.Config) error { setBandwidth(c, 5<<20, ""); return nil }); err != nil {
		t.Fatal(err)
	}
	if bw := g.b.rt.engine.Bandwidth(); bw != 7<<10 {
		t.Fatalf("engine limit %d after a config change, want the --bwlimit 7k", bw)
	}
}

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
