// Package providertest is the conformance suite every provider passes. It
// drives Sessions directly through the provider contract (Begin, PutChunk
// with io.NewSectionReader bodies, Finish, Abort, Resume), without the
// engine, and checks what the server stored through the Harness.
//
// A provider package runs it against its sandbox server, roughly:
//
//	func TestConformance(t *testing.T) {
//		srv := ... // start the sandbox for this service
//		providertest.Run(t, providertest.Harness{
//			New: func(t testing.TB, s providertest.Settings) provider.Provider {
//				... // a new client for srv; wrong credentials when s.BadCredentials
//			},
//			Stored: func(t testing.TB) []providertest.Entry {
//				... // srv's files, placeholders and partial uploads
//			},
//			Dir: []string{"conformance"},
//		})
//	}
//
// The fake provider's conformance_test.go is a complete example.
package providertest

import (
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// Harness connects the suite to one provider kind and its server.
type Harness struct {
	// New returns a new client object with settings s. Every call makes a
	// separate client (as a restarted process would) talking to the same
	// server, so a Session.State taken from one client is resumed by
	// another. It fails t itself when it cannot build one. Required.
	New func(t testing.TB, s Settings) provider.Provider

	// Stored lists every file the server holds, including placeholders and
	// partial or unfinished uploads (Entry.Partial), so the suite can check
	// for stray copies and leftovers. The suite gives each case unique file
	// names and only looks at entries whose base name contains them.
	// Required.
	Stored func(t testing.TB) []Entry

	// Dir is the remote folder (segments) the suite uploads into.
	Dir []string

	// ChunkSize is the chunk size the suite plans with; 0 means 64 KiB
	// clamped to the provider's bounds.
	ChunkSize int64

	// AfterCrash, when set, runs after the suite dropped a client in the
	// middle of an upload and before it makes a new one (e.g. to close
	// idle connections of the sandbox as a dead process would).
	AfterCrash func(t testing.TB)
}

// Settings vary the client New builds.
type Settings struct {
	// BadCredentials asks for a client whose credentials the server
	// rejects (a wrong password, key or token).
	BadCredentials bool
}

// Entry is one item on the server.
type Entry struct {
	Path    string // slash-separated remote path as stored (or the service's best equivalent)
	Size    int64
	SHA256  []byte // content hash of what is stored
	Partial bool   // a placeholder or an unfinished upload, not a visible file
}
