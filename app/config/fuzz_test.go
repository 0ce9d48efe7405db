package config

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzConfig feeds arbitrary documents to Parse. It must never panic, must
// fail only with an *Error, and whatever it accepts must survive a Save /
// Parse round trip unchanged.
func FuzzConfig(f *testing.F) {
	f.Add([]byte(full))
	for _, tc := range validationCases {
		f.Add([]byte(tc.doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "config.toml")
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error %v is not an *Error with problems", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Parse accepted what Validate refuses: %v", err)
		}
		out, err := encode(cfg)
		if err != nil {
			t.Fatalf("encode accepted config: %v", err)
		}
		again, err := Parse(out, "config.toml")
		if err != nil {
			t.Fatalf("re-parse of saved config: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(again, cfg) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v", cfg, again)
		}
	})
}
