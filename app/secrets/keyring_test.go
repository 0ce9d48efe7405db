package secrets

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// TestKeyring runs the real Secret Service test first and the mock ones
// after it, in one function, because keyring.MockInit replaces go-keyring's
// provider for the rest of the test binary and cannot be undone.
func TestKeyring(t *testing.T) {
	t.Run("real", testKeyringReal)
	keyring.MockInit()
	t.Run("mock", func(t *testing.T) { testStore(t, Keyring{}) })
	t.Run("mock errors", testKeyringMockErrors)
}

// testKeyringReal talks to the session's Secret Service. CI runs it under
// dbus-run-session with gnome-keyring-daemon --unlock (see BUILD.md).
func testKeyringReal(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("no D-Bus session bus: run under dbus-run-session with gnome-keyring-daemon --unlock (BUILD.md) for the real keyring test")
	}
	target := "ferry-test-" + randHex(t)
	err := Keyring{}.Set(target, "api_key", "probe")
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("no unlocked Secret Service on this bus (%v)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Keyring{}.Delete(target, "api_key") })
	testStoreAt(t, Keyring{}, target)
}

func testKeyringMockErrors(t *testing.T) {
	keyring.MockInitWithError(keyring.ErrSetDataTooBig)
	defer keyring.MockInit()
	err := Keyring{}.Set("work", "jwt", strings.Repeat("x", 3000))
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "2,560 bytes") {
		t.Errorf("too big: %v", err)
	}
	keyring.MockInitWithError(fmt.Errorf("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"))
	if _, err := (Keyring{}).Get("work", "jwt"); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "keyring is locked") {
		t.Errorf("locked: %v", err)
	}
	if err := (Keyring{}).Delete("work", "jwt"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("delete on a locked keyring: %v", err)
	}
}

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		err  error
		kind error
		says string
	}{
		{
			&exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}, ErrUnavailable,
			"no D-Bus session bus: install and start a Secret Service such as gnome-keyring, or choose the secret file with --secrets file:PATH",
		},
		{&net.OpError{Op: "dial", Net: "unix", Err: os.ErrNotExist}, ErrUnavailable, "no D-Bus session bus"},
		{
			dbus.Error{
				Name: "org.freedesktop.DBus.Error.ServiceUnknown",
				Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"},
			},
			ErrUnavailable,
			"no Secret Service on the D-Bus session bus: install",
		},
		{&dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked"}, ErrUnavailable, "keyring is locked"},
		{
			errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrUnavailable,
			"gnome-keyring-daemon --unlock",
		},
		{keyring.ErrSetDataTooBig, ErrTooLarge, "Windows allows at most 2,560 bytes"},
		{keyring.ErrUnsupportedPlatform, ErrUnavailable, "no OS keyring"},
		{keyring.ErrNotFound, ErrNotFound, "secret not found in keyring"},
		{errors.New("something new"), ErrUnavailable, "--secrets file:PATH"},
	} {
		got := explain(tc.err)
		var ke *KeyringError
		if !errors.Is(got, tc.kind) || !errors.As(got, &ke) || !reflect.DeepEqual(ke.Err, tc.err) {
			t.Errorf("explain(%v) = %v: wrong kind or lost cause", tc.err, got)
		}
		if !strings.Contains(got.Error(), tc.says) {
			t.Errorf("explain(%v) = %q, want it to say %q", tc.err, got, tc.says)
		}
	}
}

func randHex(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
