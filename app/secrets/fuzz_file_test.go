package secrets

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzSecretFile feeds arbitrary bytes to the secret file reader in both
// formats. Contracts: no panic; a file that cannot be read fails with
// ErrUnavailable and its message never quotes the content (it could be a
// secret); a file that reads fine survives a Set of another target and
// reads back with its values unchanged.
func FuzzSecretFile(f *testing.F) {
	f.Add([]byte("[work]\napi_key = \"abc\"\n"), false)
	f.Add([]byte(`{"work": {"api_key": "abc"}}`), true)
	f.Add([]byte("[work]\napi_key = \"unterminated-s3cret\n"), false)
	f.Add([]byte(`{"work": {"api_key": 5}}`), true)
	f.Add([]byte("work = 1\n"), false)
	f.Add([]byte(`["x"]`), true)
	f.Add([]byte("[\"we ird\".\"k\"]\n\"a.b\" = \"\\u0000\"\n"), false)
	f.Fuzz(func(t *testing.T, raw []byte, asJSON bool) {
		name := "secrets.toml"
		if asJSON {
			name = "secrets.json"
		}
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		s := NewFile(p)
		s.mu.Lock()
		before, err := s.load()
		s.mu.Unlock()
		if err != nil {
			if len(raw) >= 8 && strings.Contains(err.Error(), string(raw)) {
				t.Fatalf("error quotes the file content: %v", err)
			}
			if _, gerr := s.Get("work", "api_key"); gerr == nil {
				t.Fatal("Get succeeded on a file load rejects")
			}
			return
		}
		if err := s.Set("ferry-fuzz-other", "api_key", "v"); err != nil {
			t.Fatalf("Set on a readable file: %v", err)
		}
		s.mu.Lock()
		after, err := s.load()
		s.mu.Unlock()
		if err != nil {
			t.Fatalf("the file Ferry wrote does not read back: %v", err)
		}
		if after["ferry-fuzz-other"]["api_key"] != "v" {
			t.Fatal("the stored value did not read back")
		}
		delete(after, "ferry-fuzz-other")
		delete(before, "ferry-fuzz-other")
		for k, v := range before {
			if len(v) == 0 {
				// An empty table may be written as nothing at all.
				if len(after[k]) != 0 {
					t.Fatalf("target %q gained values", k)
				}
				delete(before, k)
				delete(after, k)
			}
		}
		for k, v := range after {
			if len(v) == 0 {
				delete(after, k)
			}
		}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("values changed by a Set of another target:\nbefore %q\nafter  %q", before, after)
		}
	})
}
