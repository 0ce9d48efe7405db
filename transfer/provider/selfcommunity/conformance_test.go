package selfcommunity

import (
	"encoding/hex"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/providertest"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	scsandbox "github.com/ferry-sync/ferry/transfer/sandbox/selfcommunity"
)

// The stored tree lists finished files only: an unfinished upload has no
// name on this API until done, and nothing a person could open.
func TestConformance(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	providertest.Run(t, providertest.Harness{
		New: func(t testing.TB, set providertest.Settings) provider.Provider {
			return newProvider(t, s.srv.BaseURL(), func(c *Config) {
				if set.BadCredentials {
					c.Token = "not-a-known-token"
				}
			})
		},
		Stored: func(t testing.TB) []providertest.Entry {
			var out []providertest.Entry
			for _, e := range s.srv.Tree(scsandbox.Name) {
				if e.Kind == sandbox.KindFolder {
					continue
				}
				sum, err := hex.DecodeString(e.SHA256)
				if err != nil {
					t.Fatalf("tree entry %s: %v", e.Path, err)
				}
				out = append(out, providertest.Entry{Path: e.Path, Size: e.Size, SHA256: sum, Partial: e.Kind != sandbox.KindFile})
			}
			return out
		},
		Dir: []string{"conformance"},
	})
}
