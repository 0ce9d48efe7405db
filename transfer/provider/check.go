package provider

import "context"

// Checker is implemented by providers that can prove a target's URL and
// credentials without uploading anything (`ferry target test`, the
// settings window's "Test" button). Check performs at least one real,
// authenticated request and leaves nothing behind on the server (or
// removes what it created). It returns nil when the target is usable, an
// error wrapping ErrAuth for refused credentials, and the usual kinds
// otherwise. Callers bound it with a context deadline.
type Checker interface {
	Check(ctx context.Context) error
}
