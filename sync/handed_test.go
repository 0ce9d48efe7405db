package sync

import (
	"testing"
	"time"
	"unsafe"
)

// TestHandedEntryPacked: the per-file memory of files in flight stays 24
// bytes with no pointers, and comparing with it answers like stamp.equal
// (mtimes compared as instants, whatever their zone or era).
func TestHandedEntryPacked(t *testing.T) {
	if n := unsafe.Sizeof(handedEntry{}); n != 24 {
		t.Errorf("handedEntry is %d bytes, want 24", n)
	}
	base := time.Date(2026, 5, 1, 10, 0, 0, 123456789, time.UTC)
	times := []time.Time{
		base, base.In(time.FixedZone("X", -5*3600)), base.Add(time.Nanosecond), base.Add(time.Second),
		time.Date(1950, 1, 1, 0, 0, 0, 999999999, time.UTC), time.Unix(-1, 1),
		{},
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Now(),
	}
	for _, a := range times {
		for _, b := range times {
			for _, size := range []int64{0, 7} {
				sa, sb := stamp{7, a}, stamp{size, b}
				h := newHanded(sa, 3, false)
				if got, want := h.same(sb), sa.equal(sb); got != want {
					t.Errorf("handed %v, then %v (size %d): same = %v, stamp.equal = %v", a, b, size, got, want)
				}
			}
		}
	}
	if h := newHanded(stamp{1, base}, 1<<16+5, true); h.gen != 5 || !h.refused {
		t.Errorf("entry = %+v", h)
	}
}
