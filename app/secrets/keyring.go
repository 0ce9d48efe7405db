package secrets

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// Service is the keyring service name all of Ferry's secrets are filed under.
const Service = "ferry"

// windowsMaxSecret is the Windows Credential Manager's limit on a secret
// (go-keyring returns ErrSetDataTooBig above it).
const windowsMaxSecret = 2560

// Keyring stores secrets in the OS keyring through go-keyring: the Secret
// Service over D-Bus on Linux and BSD (gnome-keyring, KWallet 5.97+,
// KeePassXC), the Keychain on macOS, the Credential Manager on Windows.
// Each secret is filed under service "ferry" and user "<target>/<name>".
// Failures become errors wrapping ErrUnavailable (or ErrTooLarge) whose
// text says what to install or unlock; the raw cause stays in the chain.
type Keyring struct{}

func keyringUser(target, name string) string { return target + "/" + name }

// Get returns the value or an error wrapping ErrNotFound or ErrUnavailable.
func (Keyring) Get(target, name string) (string, error) {
	if err := checkKey("get", target, name); err != nil {
		return "", err
	}
	v, err := keyring.Get(Service, keyringUser(target, name))
	if err != nil {
		return "", fmt.Errorf("get secret %s for target %q from the OS keyring: %w", name, target, explain(err))
	}
	return v, nil
}

// Set stores value. On Windows a value over 2,560 bytes is refused before
// the call with ErrTooLarge.
func (Keyring) Set(target, name, value string) error {
	if err := checkKey("store", target, name); err != nil {
		return err
	}
	if runtime.GOOS == "windows" && len(value) > windowsMaxSecret {
		return fmt.Errorf("store secret %s for target %q in the OS keyring: %w", name, target, explain(keyring.ErrSetDataTooBig))
	}
	if err := keyring.Set(Service, keyringUser(target, name), value); err != nil {
		return fmt.Errorf("store secret %s for target %q in the OS keyring: %w", name, target, explain(err))
	}
	return nil
}

// Delete removes the value; a missing value is not an error.
func (Keyring) Delete(target, name string) error {
	err := keyring.Delete(Service, keyringUser(target, name))
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return fmt.Errorf("delete secret %s for target %q from the OS keyring: %w", name, target, explain(err))
}

// Describe names the backend.
func (Keyring) Describe() string { return "OS keyring" }

// alternative ends every "keyring unavailable" sentence: the explicit,
// opt-in way around it (never a silent fallback).
const alternative = "or choose the secret file with --secrets file:PATH (or secrets = \"file:PATH\" in the config)"

// KeyringError is a keyring failure explained for a person. It unwraps to
// its kind (ErrUnavailable, ErrTooLarge or ErrNotFound) and the raw cause.
type KeyringError struct {
	Kind   error
	Advice string // the sentence shown to the user
	Err    error  // go-keyring's or D-Bus's error
}

func (e *KeyringError) Error() string {
	if e.Advice == "" {
		return e.Err.Error()
	}
	return e.Advice + " (" + e.Err.Error() + ")"
}

// Unwrap exposes the kind and the cause.
func (e *KeyringError) Unwrap() []error { return []error{e.Kind, e.Err} }

// explain turns a go-keyring error into a *KeyringError. go-keyring passes
// D-Bus and exec errors through untyped, so typed checks come first and the
// texts BUILD.md lists are matched only where no type exists (the locked
// collection error is a plain fmt.Errorf in go-keyring's secret_service).
func explain(err error) error {
	var execErr *exec.Error
	msg, name := err.Error(), dbusName(err)
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return &KeyringError{Kind: ErrNotFound, Err: err}
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return &KeyringError{Kind: ErrTooLarge, Err: err, Advice: "the secret is too large for the OS keyring " +
			"(Windows allows at most 2,560 bytes, macOS about 3,000 bytes with the names); " +
			"store it in a secret file with --secrets file:PATH"}
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return &KeyringError{Kind: ErrUnavailable, Err: err, Advice: "this system has no OS keyring Ferry can use; " + alternative}
	case name == "org.freedesktop.DBus.Error.ServiceUnknown",
		strings.Contains(msg, "was not provided by any .service files"):
		return &KeyringError{Kind: ErrUnavailable, Err: err, Advice: "no Secret Service on the D-Bus session bus: " +
			"install and start one (gnome-keyring, KeePassXC with Secret Service enabled, or KWallet 5.97+), " + alternative}
	case name == "org.freedesktop.Secret.Error.IsLocked",
		strings.Contains(msg, "failed to unlock correct collection"),
		strings.Contains(msg, "prompt dismissed"):
		return &KeyringError{Kind: ErrUnavailable, Err: err, Advice: "the keyring is locked: unlock it " +
			"(log in to the desktop session, or run `gnome-keyring-daemon --unlock` on a headless machine), " + alternative}
	case errors.As(err, &execErr) && strings.Contains(execErr.Name, "dbus-launch"),
		strings.Contains(msg, "DBUS_SESSION_BUS_ADDRESS"),
		isDialError(err):
		return &KeyringError{Kind: ErrUnavailable, Err: err, Advice: "no D-Bus session bus: " +
			"install and start a Secret Service such as gnome-keyring, " + alternative}
	}
	return &KeyringError{Kind: ErrUnavailable, Err: err, Advice: "the OS keyring failed; " + alternative}
}

// dbusName returns the D-Bus error name in err's chain, or "". godbus
// returns dbus.Error by value from calls and *dbus.Error elsewhere.
func dbusName(err error) string {
	var v dbus.Error
	if errors.As(err, &v) {
		return v.Name
	}
	var p *dbus.Error
	if errors.As(err, &p) {
		return p.Name
	}
	return ""
}

// isDialError reports a failure to reach the bus socket named by
// DBUS_SESSION_BUS_ADDRESS (a stale address after the session ended).
func isDialError(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}
