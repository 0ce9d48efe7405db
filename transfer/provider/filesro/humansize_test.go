package filesro

import (
	"encoding/json"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider/filesro/api"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// FuzzSizeCheckAcceptsServerFormat: the provider's size check accepts
// every size the way the service (and the sandbox) displays it, so a
// correct upload is never refused.
func FuzzSizeCheckAcceptsServerFormat(f *testing.F) {
	for _, n := range []int64{0, 1, 999, 1000, 1005, 16_225, 1_200_000, 63_999_999, 64_000_000, 5_368_709_120} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		if n < 0 {
			n = -n
		}
		raw, _ := json.Marshal(sbfilesro.HumanSize(n))
		lo, hi, ok := api.SizeRange(raw)
		if !ok || float64(n) < lo || float64(n) > hi {
			t.Fatalf("%d shown as %s: range [%v, %v] ok %v", n, raw, lo, hi, ok)
		}
	})
}
