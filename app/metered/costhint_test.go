package metered

import (
	"testing"
	"unsafe"
)

func TestFromCostHint(t *testing.T) {
	cases := []struct {
		name string
		h    costHint
		want State
	}{
		{"unknown cost", costHint{ConnectivityCost: costUnknown}, Unknown},
		{"unrestricted", costHint{ConnectivityCost: costUnrestricted}, Unmetered},
		{"fixed (capped plan)", costHint{ConnectivityCost: costFixed}, Metered},
		{"variable (paid by the byte)", costHint{ConnectivityCost: costVariable}, Metered},
		{"value newer than this build", costHint{ConnectivityCost: 7}, Unknown},
		{"unrestricted but roaming", costHint{ConnectivityCost: costUnrestricted, Roaming: 1}, Metered},
		{"unrestricted but near its limit", costHint{ConnectivityCost: costUnrestricted, ApproachingDataLimit: 1}, Metered},
		{"unrestricted but over its limit", costHint{ConnectivityCost: costUnrestricted, OverDataLimit: 1}, Metered},
		{"unknown cost, over its limit", costHint{ConnectivityCost: costUnknown, OverDataLimit: 1}, Metered},
		{"level does not decide", costHint{ConnectivityLevel: 3, ConnectivityCost: costUnrestricted}, Unmetered},
	}
	for _, c := range cases {
		if got := fromCostHint(c.h); got != c.want {
			t.Errorf("%s: fromCostHint(%+v) = %v, want %v", c.name, c.h, got, c.want)
		}
	}
}

// The struct must have NL_NETWORK_CONNECTIVITY_HINT's layout: two 4-byte
// enums, three one-byte BOOLEANs, 12 bytes in all.
func TestCostHintLayout(t *testing.T) {
	var h costHint
	if s := unsafe.Sizeof(h); s != 12 {
		t.Errorf("size %d, want 12", s)
	}
	if o := unsafe.Offsetof(h.ApproachingDataLimit); o != 8 {
		t.Errorf("ApproachingDataLimit at %d, want 8", o)
	}
	if o := unsafe.Offsetof(h.Roaming); o != 10 {
		t.Errorf("Roaming at %d, want 10", o)
	}
}
