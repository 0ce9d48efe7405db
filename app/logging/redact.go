// Package logging sets up Ferry's log/slog output (a size-rotated text file
// in the data dir, plus stderr for the CLI) behind a redaction layer that
// keeps secrets out of every log line.
//
// Redaction works on two levels. Attributes whose key names a secret
// (token, password, authorization, ...) are replaced wholesale. Any secret
// value registered with a Redactor (the secrets store registers each value
// it loads) is masked wherever it appears: in the message, in string
// attributes, in errors and in anything formatted with %v. URLs get their
// path tokens and credential-like query parameters masked by RedactURL.
package logging

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Mask replaces a redacted value.
const Mask = "[REDACTED]"

// MinSecretLen is the shortest value Add registers. A one- to three-byte
// value would be masked inside unrelated words all over the log, and such a
// value protects nothing anyway.
const MinSecretLen = 4

// Redactor masks registered secret values in strings. The zero value is
// ready to use and safe for concurrent use: Add from any goroutine (the
// secrets store), Redact from every logging goroutine.
type Redactor struct {
	mu      sync.Mutex // serialises Add; readers use the atomic pointer
	secrets []string
	r       atomic.Pointer[strings.Replacer]
}

// Add registers a secret value; later log output never contains it.
// Adding a value twice is harmless.
func (r *Redactor) Add(secret string) {
	if len(secret) < MinSecretLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if slices.Contains(r.secrets, secret) {
		return
	}
	r.secrets = append(r.secrets, secret)
	// Longest first: strings.Replacer tries old strings in argument order
	// at each position, so a secret that contains another is masked whole.
	sorted := slices.Clone(r.secrets)
	slices.SortFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(sorted))
	for _, s := range sorted {
		pairs = append(pairs, s, Mask)
	}
	r.r.Store(strings.NewReplacer(pairs...))
}

// Redact returns s with every registered secret masked. A nil Redactor
// returns s unchanged.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	rep := r.r.Load()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}

// secretKeyWords make an attribute key secret when it contains one of them
// as a word (split on '_', '-', '.', case-insensitive).
var secretKeyWords = map[string]bool{
	"token": true, "password": true, "passwd": true, "pass": true, "secret": true,
	"apikey": true, "jwt": true, "authorization": true, "auth_token": true,
	"cookie": true, "credential": true, "credentials": true, "bearer": true, "session_id": true,
}

// IsSecretKey reports whether an attribute named key holds a secret and is
// masked whole, whatever its value.
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	if strings.Contains(k, "api_key") || strings.Contains(k, "api-key") || strings.Contains(k, "session_id") ||
		strings.Contains(k, "private_key") || strings.Contains(k, "set-cookie") {
		return true
	}
	for _, w := range strings.FieldsFunc(k, func(r rune) bool { return r == '_' || r == '-' || r == '.' || r == ' ' }) {
		if secretKeyWords[w] {
			return true
		}
	}
	return false
}
