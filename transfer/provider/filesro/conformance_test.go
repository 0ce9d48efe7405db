package filesro

import (
	"encoding/hex"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/providertest"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// harness runs the suite against one share of a strict sandbox. Stored
// lists the files of the tree; bytes of unfinished keys are not listed:
// on the real server they sit in hidden chunk storage no API shows or
// removes (see Session.Abort).
func harness(tb *testbed, share string) providertest.Harness {
	return providertest.Harness{
		New: func(t testing.TB, s providertest.Settings) provider.Provider {
			return tb.provider(share, func(c *Config) {
				if s.BadCredentials {
					if c.Password != "" {
						c.Password = "not-the-password"
					} else {
						c.Token = "NoSuchShare12345"
					}
				}
			})
		},
		Stored: func(t testing.TB) []providertest.Entry {
			var out []providertest.Entry
			for _, e := range tb.srv.Tree("filesro") {
				if e.Kind == sandbox.KindFolder {
					continue
				}
				sum, err := hex.DecodeString(e.SHA256)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, providertest.Entry{Path: e.Path, Size: e.Size, SHA256: sum, Partial: e.Kind != sandbox.KindFile})
			}
			return out
		},
		Dir: []string{"conformance", "sub dir"},
	}
}

func TestConformance(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true})
	providertest.Run(t, harness(tb, "editor"))
}

func TestConformanceProtectedShareTLS(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true, TLS: true})
	providertest.Run(t, harness(tb, "protected"))
}

// TestConformanceDefaultSandbox runs the suite against the sandbox as it
// starts by default (the real-model rules, no stricter checks).
func TestConformanceDefaultSandbox(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{})
	providertest.Run(t, harness(tb, "editor"))
}
