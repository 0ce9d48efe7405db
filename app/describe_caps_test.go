package app

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
)

func TestDescribeCapsNamesTheChunkSizeTheEngineUses(t *testing.T) {
	caps := provider.Capabilities{DefaultChunkSize: 204800, LargeFileSize: 10 << 20, LargeFileChunkSize: 16 << 20}
	for _, tc := range []struct {
		caps       provider.Capabilities
		configured int64
		want       string
	}{
		{caps, 0, "200 KiB chunks by default, 16 MiB for files over 10 MiB,"},
		{caps, 8 << 20, "8 MiB chunks (configured),"},
		{provider.Capabilities{DefaultChunkSize: 4 << 20}, 0, "4 MiB chunks by default,"},
	} {
		var out bytes.Buffer
		describeCaps(&cli{IO: IO{Out: &out}}, tc.caps, tc.configured)
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("configured %d: %q does not say %q", tc.configured, out.String(), tc.want)
		}
	}
}
