package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Unset numbers stay out of the file, so defaults can change later and the
// file shows only what the user chose.
func TestSaveLeavesUnsetNumbersOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	cfg := &Config{Targets: []Target{{Name: "share", Kind: KindFilesRo, BaseURL: "https://files.ro"}}}
	if err := Save(path, cfg); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"parallel_chunks", "group", "parallel_files", "per_target_parallel", "chunk_size"} {
		if strings.Contains(string(b), key) {
			t.Errorf("saved file has the unset key %s:\n%s", key, b)
		}
	}
}
