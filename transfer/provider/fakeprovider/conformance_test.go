package fakeprovider_test

import (
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/provider/providertest"
)

// harness runs the conformance suite against one fake server.
func harness(t *testing.T, opts fakeprovider.Options) providertest.Harness {
	srv, err := fakeprovider.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return providertest.Harness{
		New: func(t testing.TB, s providertest.Settings) provider.Provider {
			if s.BadCredentials {
				o := opts
				o.RejectAuth = true
				bad, err := fakeprovider.New(o)
				if err != nil {
					t.Fatal(err)
				}
				return bad
			}
			return srv.Reconnect()
		},
		Stored: func(t testing.TB) []providertest.Entry {
			files, err := srv.Files()
			if err != nil {
				t.Fatal(err)
			}
			out := make([]providertest.Entry, len(files))
			for i, f := range files {
				out[i] = providertest.Entry{Path: f.Path, Size: f.Size, SHA256: f.SHA256}
			}
			return out
		},
		Dir:       []string{"conformance", "sub"},
		ChunkSize: 1000,
	}
}

func TestConformance(t *testing.T) {
	variants := map[string]provider.Capabilities{
		"sequential_not_resumable": {},
		"parallel_resumable":       {ParallelChunks: true, MaxParallelChunks: 3, Resumable: true},
		"overwrite_only":           {Conflicts: []provider.ConflictPolicy{provider.ConflictOverwrite}},
	}
	for name, caps := range variants {
		t.Run(name, func(t *testing.T) {
			providertest.Run(t, harness(t, fakeprovider.Options{Caps: caps}))
		})
	}
	t.Run("on_disk", func(t *testing.T) {
		providertest.Run(t, harness(t, fakeprovider.Options{Dir: t.TempDir(), Caps: provider.Capabilities{Resumable: true}}))
	})
}
