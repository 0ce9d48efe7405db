// Package secrets keeps the credentials of upload targets (API keys,
// passwords, JWTs, share tokens) out of the config file, the queue and the
// logs. A Store holds one value per (target, name) pair.
//
// The backend is chosen explicitly with Open: the OS keyring (the default),
// a secret file the user opted into, or environment variables. Ferry never
// falls back from the keyring to plaintext on its own: when the keyring is
// unavailable Open's store returns an error that explains what to install or
// unlock, and names --secrets file:PATH as the explicit alternative.
package secrets

import (
	"errors"
	"fmt"
	"strings"
)

// Errors a Store returns; decide with errors.Is.
var (
	// ErrNotFound: no value is stored for this target and name.
	ErrNotFound = errors.New("secret not found")
	// ErrUnavailable: the backend cannot be used on this machine now (no
	// Secret Service, locked keyring, unreadable file). The error text says
	// what to do.
	ErrUnavailable = errors.New("secrets store unavailable")
	// ErrReadOnly: the backend cannot store values (environment variables).
	ErrReadOnly = errors.New("secrets store is read-only")
	// ErrTooLarge: the value exceeds the backend's size limit.
	ErrTooLarge = errors.New("secret too large for this store")
)

// Store holds secrets by target name and secret name. Implementations are
// safe for concurrent use. Calls block on I/O (D-Bus, disk) and may take a
// while when a keyring prompts, so the UI calls them off its main goroutine.
type Store interface {
	// Get returns the value, or an error wrapping ErrNotFound when none is
	// stored, or ErrUnavailable when the backend cannot be reached.
	Get(target, name string) (string, error)
	// Set stores value, replacing any previous one. It fails with
	// ErrReadOnly, ErrTooLarge or ErrUnavailable.
	Set(target, name, value string) error
	// Delete removes the value. It is idempotent: deleting a missing value
	// returns nil.
	Delete(target, name string) error
	// Describe names the backend for messages ("OS keyring", "secret file
	// /path", "environment variables"). It never includes a secret.
	Describe() string
}

// Spec values accepted by Open.
const (
	SpecKeyring    = "keyring"
	SpecEnv        = "env"
	SpecFilePrefix = "file:"
)

// Open returns the store a spec selects: "keyring" (also for ""), "env", or
// "file:PATH". getenv reads the environment for the env store (os.Getenv in
// production). Open does not touch the backend; the first Get or Set does.
func Open(spec string, getenv func(string) string) (Store, error) {
	switch {
	case spec == "" || spec == SpecKeyring:
		return Keyring{}, nil
	case spec == SpecEnv:
		return Env{Getenv: getenv}, nil
	case strings.HasPrefix(spec, SpecFilePrefix) && len(spec) > len(SpecFilePrefix):
		return NewFile(spec[len(SpecFilePrefix):]), nil
	}
	return nil, fmt.Errorf(`open secrets store: %q is not "keyring", "env" or "file:PATH"`, spec)
}

// Observe returns a Store that calls seen with every value it returns from
// Get or accepts in Set, before returning. The app passes the log
// redactor's Add, so a secret is masked in logs from the moment it is loaded.
func Observe(s Store, seen func(value string)) Store {
	return observed{Store: s, seen: seen}
}

type observed struct {
	Store
	seen func(string)
}

func (o observed) Get(target, name string) (string, error) {
	v, err := o.Store.Get(target, name)
	if err == nil {
		o.seen(v)
	}
	return v, err
}

func (o observed) Set(target, name, value string) error {
	o.seen(value)
	return o.Store.Set(target, name, value)
}

// checkKey refuses empty names; the keyring and env backends build ids from them.
func checkKey(op, target, name string) error {
	if target == "" || name == "" {
		return fmt.Errorf("%s secret: target and secret name must not be empty", op)
	}
	return nil
}
