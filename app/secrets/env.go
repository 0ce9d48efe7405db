package secrets

import (
	"fmt"
	"strings"
)

// Env reads secrets from environment variables named
// FERRY_SECRET_<TARGET>_<NAME>: upper case, every character other than a
// letter or digit replaced by "_" (target "work-eu", name "api_key" ->
// FERRY_SECRET_WORK_EU_API_KEY). It is read-only: values are set by whoever
// starts Ferry (a service manager, CI). Choose it with --secrets env.
type Env struct {
	Getenv func(string) string
}

// EnvName is the variable Env reads for a target's secret.
func EnvName(target, name string) string {
	return "FERRY_SECRET_" + envPart(target) + "_" + envPart(name)
}

func envPart(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, s)
}

// Get returns the variable's value; an unset or empty variable is ErrNotFound.
func (e Env) Get(target, name string) (string, error) {
	if err := checkKey("get", target, name); err != nil {
		return "", err
	}
	if v := e.Getenv(EnvName(target, name)); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("get secret %s for target %q: %w (set %s)", name, target, ErrNotFound, EnvName(target, name))
}

// Set always fails with ErrReadOnly, naming the variable to export instead.
func (e Env) Set(target, name, _ string) error {
	return fmt.Errorf("store secret %s for target %q: %w: export %s in the environment that starts ferry",
		name, target, ErrReadOnly, EnvName(target, name))
}

// Delete succeeds when the variable is unset and fails with ErrReadOnly otherwise.
func (e Env) Delete(target, name string) error {
	if e.Getenv(EnvName(target, name)) == "" {
		return nil
	}
	return fmt.Errorf("delete secret %s for target %q: %w: unset %s yourself",
		name, target, ErrReadOnly, EnvName(target, name))
}

// Describe names the backend.
func (Env) Describe() string { return "environment variables (FERRY_SECRET_<TARGET>_<NAME>)" }
