package api

import (
	"encoding/json"
	"testing"
)

func TestSizeRange(t *testing.T) {
	cases := []struct {
		raw  string
		in   []float64
		out  []float64
		okay bool
	}{
		{`"18 B"`, []float64{18}, []float64{17, 19}, true},
		{`"1.2 MB"`, []float64{1_200_000, 1_150_001, 1_258_291}, []float64{1_100_000, 1_400_000}, true},
		{`"64 MB"`, []float64{64_000_000, 64 << 20}, []float64{62_000_000, 70_000_000}, true},
		{`"1.5 GiB"`, []float64{1.5 * (1 << 30)}, []float64{1.5e9}, true},
		{`"2,5 kB"`, []float64{2500}, []float64{3000}, true},
		{`1234`, []float64{1234}, []float64{1235}, true},
		{`"big"`, nil, nil, false},
		{`"12 parsecs"`, nil, nil, false},
		{`null`, nil, nil, false},
		{`{}`, nil, nil, false},
	}
	for _, c := range cases {
		lo, hi, ok := SizeRange(json.RawMessage(c.raw))
		if ok != c.okay {
			t.Errorf("%s: ok %v", c.raw, ok)
			continue
		}
		for _, v := range c.in {
			if v < lo || v > hi {
				t.Errorf("%s: %v outside [%v, %v]", c.raw, v, lo, hi)
			}
		}
		for _, v := range c.out {
			if v >= lo && v <= hi {
				t.Errorf("%s: %v inside [%v, %v]", c.raw, v, lo, hi)
			}
		}
	}
}

func FuzzSizeRange(f *testing.F) {
	for _, s := range []string{`"18 B"`, `"1.2 MB"`, `"1.5 GiB"`, `12`, `"."`, `"1..2 kB"`, `"-3 MB"`, `"9e999 GB"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		lo, hi, ok := SizeRange(json.RawMessage(raw))
		if ok && !(lo <= hi) {
			t.Fatalf("%q: lo %v > hi %v", raw, lo, hi)
		}
	})
}

func FuzzFileResponse(f *testing.F) {
	f.Add(`{"data":{"id":"x","type":"file","attributes":{"filesize":"1.2 MB","name":"a"},"relationships":[]}}`)
	f.Add(`{"data":{"id":"x","attributes":{"filesize":12,"parent_id":null},"relationships":{"parent":{}}}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, raw string) {
		var fr FileResponse
		if json.Unmarshal([]byte(raw), &fr) != nil {
			return
		}
		// Whatever decodes, the size check must not panic.
		SizeRange(fr.Data.Attributes.Filesize)
	})
}
