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
//
// It runs against the sandbox's default (real-model) mode and its strict
// mode alike.
func TestConformance(t *testing.T) {
	for _, strict := range []bool{false, true} {
		name := "default"
		if strict {
			name = "strict"
		}
		t.Run(name, func(t *testing.T) {
			s := startSandbox(t, scsandbox.Options{}, func(c *sandbox.Config) { c.Strict = strict })
			conformance(t, s)
		})
	}
}

func conformance(t *testing.T, s *sb) {
	providertest.Run(t, providertest.Harness{
		New: func(t testing.TB, set providertest.Settings) provider.Provider {
			return newProvider(t, s.srv.BaseURL(), func(c *Config) {
				c.Recipients = []int64{12} // the whole route: done, thumbnail, messages
				if set.BadCredentials {
					c.Token = "not-a-known-token"
				}
			})
		},
		Stored: func(t testing.TB) []providertest.Entry {
			var out []providertest.Entry
			for _, e := range s.srv.Tree(scsandbox.Name) {
				if e.Kind == sandbox.KindFolder || e.Meta["kind"] == "thumbnail" {
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
