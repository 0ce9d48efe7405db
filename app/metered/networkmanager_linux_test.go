package metered

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// privateChild marks this test binary re-run under dbus-run-session.
const privateChild = "FERRY_METERED_BUS_CHILD"

// onPrivateBus re-runs the test named run under dbus-run-session, on a
// private session bus standing in for the system bus, and reports whether
// the caller must return (the child did the work).
func onPrivateBus(t *testing.T, run string) bool {
	t.Helper()
	if os.Getenv(privateChild) != "" {
		if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
			t.Fatal("no session bus inside dbus-run-session")
		}
		return false
	}
	if _, err := exec.LookPath("dbus-run-session"); err != nil {
		t.Fatal("dbus-run-session is missing: install the dbus package (the metered tests need a private bus)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dbus-run-session", "--", os.Args[0], "-test.run=^"+run+"$", "-test.v", "-test.count=1")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, privateChild+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+run) {
		t.Fatalf("%s under dbus-run-session: %v\n%s", run, err, out)
	}
	return true
}

// privateConn is a connection of its own to the session bus.
func privateConn(t *testing.T) *dbus.Conn {
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

// FakeNM is a NetworkManager with only the global Metered property.
type FakeNM struct {
	conn  *dbus.Conn
	props *prop.Properties
}

// StartFakeNM owns org.freedesktop.NetworkManager on the session bus and
// exports the Metered property (NMMetered value metered).
func StartFakeNM(t *testing.T, metered uint32) *FakeNM {
	t.Helper()
	conn := privateConn(t)
	props, err := prop.Export(conn, nmPath, prop.Map{nmName: {
		"Metered": {Value: metered, Writable: true, Emit: prop.EmitTrue},
	}})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(nmName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", nmName, reply, err)
	}
	return &FakeNM{conn: conn, props: props}
}

// Set changes Metered and emits PropertiesChanged.
func (f *FakeNM) Set(t *testing.T, metered uint32) {
	t.Helper()
	if err := f.props.Set(nmName, "Metered", dbus.MakeVariant(metered)); err != nil {
		t.Fatal(err)
	}
}

func next(t *testing.T, d Detector, want State) {
	t.Helper()
	select {
	case got, ok := <-d.Changes():
		if !ok || got != want {
			t.Fatalf("change = %v (open %v), want %v", got, ok, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no change, want %v", want)
	}
	if got := d.State(); got != want {
		t.Fatalf("State() = %v after the change, want %v", got, want)
	}
}

func TestNetworkManagerOnPrivateBus(t *testing.T) {
	if onPrivateBus(t, "TestNetworkManagerOnPrivateBus") {
		return
	}
	// No NetworkManager: the detector says why it cannot tell.
	if _, err := NewNetworkManager(privateConn(t)); err == nil || !strings.Contains(err.Error(), "cannot tell") {
		t.Fatalf("without NetworkManager: %v, want a reason", err)
	}

	nm := StartFakeNM(t, nmNo)
	d, err := NewNetworkManager(privateConn(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Supported() != nil || d.State() != Unmetered {
		t.Fatalf("start: supported %v, state %v; want supported and not metered", d.Supported(), d.State())
	}
	nm.Set(t, nmYes)
	next(t, d, Metered)
	nm.Set(t, nmGuessNo)
	next(t, d, Unmetered)
	nm.Set(t, nmGuessYes)
	next(t, d, Metered)
	nm.Set(t, nmUnknown)
	next(t, d, Unknown)

	// The older NetworkManager signal on its own interface.
	if err := nm.conn.Emit(nmPath, nmName+".PropertiesChanged",
		map[string]dbus.Variant{"Metered": dbus.MakeVariant(uint32(nmYes))}); err != nil {
		t.Fatal(err)
	}
	next(t, d, Metered)
	// Another property changing is not a change.
	if err := nm.conn.Emit(nmPath, propsIface+".PropertiesChanged", nmName,
		map[string]dbus.Variant{"State": dbus.MakeVariant(uint32(70))}, []string{}); err != nil {
		t.Fatal(err)
	}

	// NetworkManager goes away: unknown (which pauses nothing).
	if _, err := nm.conn.ReleaseName(nmName); err != nil {
		t.Fatal(err)
	}
	next(t, d, Unknown)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-d.Changes(); ok {
		t.Fatal("Changes still open after Close")
	}
}
