package quatrix_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/providertest"
	"github.com/ferry-sync/ferry/transfer/provider/quatrix"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	qsandbox "github.com/ferry-sync/ferry/transfer/sandbox/quatrix"
)

// TestConformance runs the provider suite in both auth modes, over TLS
// with the sandbox's certificate pinned, against the strict sandbox and
// against its default rules (the real-server model).
func TestConformance(t *testing.T) {
	for _, c := range []struct {
		mode      string
		realModel bool
	}{{"apikey", false}, {"session", false}, {"apikey", true}, {"session", true}} {
		mode := c.mode
		name := mode
		if c.realModel {
			name += "/default-rules"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envOpts{tls: true, realModel: c.realModel})
			providertest.Run(t, providertest.Harness{
				New: func(t testing.TB, s providertest.Settings) provider.Provider {
					return e.provider(t, mode, func(c *quatrix.Config) {
						if s.BadCredentials {
							if c.APIKey != "" {
								c.APIKey = "not-the-key"
							} else {
								c.Password = "wrong password"
							}
						}
					})
				},
				Stored: func(testing.TB) []providertest.Entry { return stored(e) },
				Dir:    []string{"conformance", mode},
			})
		})
	}
}

// stored maps the sandbox tree to suite entries; placeholders are partial.
func stored(e *env) []providertest.Entry {
	var out []providertest.Entry
	prefix := "/" + email
	for _, en := range e.srv.Tree(qsandbox.Name) {
		if en.Kind == sandbox.KindFolder {
			continue
		}
		sum, _ := hex.DecodeString(en.SHA256) // placeholders have none: an empty sum never matches
		out = append(out, providertest.Entry{
			Path: strings.TrimPrefix(en.Path, prefix), Size: en.Size, SHA256: sum,
			Partial: en.Kind != sandbox.KindFile,
		})
	}
	return out
}
