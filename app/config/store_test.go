package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

func testTarget(name string) Target {
	return Target{Name: name, Kind: KindTwake, BaseURL: "http://127.0.0.1:1", CompanyID: "c"}
}

// A writer holding a config it loaded before another process added a
// target must not drop that target (the app's stale copy over the CLI's
// `ferry target add`).
func TestStoreSaveRefusesToDropUnseenEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	s := NewStore(path)
	if _, err := s.Apply(func(c *Config) error { c.Targets = append(c.Targets, testTarget("a")); return nil }); err != nil {
		t.Fatal(err)
	}
	stale, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	// Elsewhere: the CLI adds a target and a folder.
	other := NewStore(path)
	if _, err := other.Apply(func(c *Config) error {
		c.Targets = append(c.Targets, testTarget("b"))
		c.Folders = append(c.Folders, Folder{Name: "f", Path: "/tmp", Target: "b"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	stale.UI.StartAtLogin = true
	err = Save(path, stale)
	if !errors.Is(err, ErrStale) {
		t.Fatalf("stale save: err = %v, want ErrStale", err)
	}
	got, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got.Target("b") == nil || got.Folder("f") == nil || got.UI.StartAtLogin {
		t.Fatalf("file after a refused save: %+v", got)
	}
	// Removing an entry the writer did see is a deliberate removal.
	seen, _ := s.Load()
	seen.Targets = slices.DeleteFunc(seen.Targets, func(x Target) bool { return x.Name == "a" })
	if err := s.Save(seen); err != nil {
		t.Fatalf("save that removes a seen target: %v", err)
	}
}

// Apply edits the file as it is now, not as this process last saw it.
func TestStoreApplyRereadsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	s := NewStore(path)
	if _, err := s.Apply(func(c *Config) error { c.Targets = append(c.Targets, testTarget("a")); return nil }); err != nil {
		t.Fatal(err)
	}
	// A hand edit adds a target behind the store's back.
	data, _ := os.ReadFile(path)
	data = append(data, []byte("\n[[target]]\nname = \"hand\"\nkind = \"twake\"\nbase_url = \"http://127.0.0.1:2\"\ncompany_id = \"c\"\n")...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := s.Apply(func(c *Config) error { c.UI.StartAtLogin = true; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got.Target("hand") == nil || got.Target("a") == nil {
		t.Fatalf("Apply lost an entry: %+v", got.Targets)
	}
	// An invalid edit writes nothing.
	before, _ := os.ReadFile(path)
	if _, err := s.Apply(func(c *Config) error { c.Targets = append(c.Targets, Target{Name: "bad"}); return nil }); err == nil {
		t.Fatal("invalid edit saved")
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("a refused edit changed the file")
	}
}

// Writers through separate Stores (separate lock handles, as separate
// processes have) are serialised: no edit is lost.
func TestStoreApplySerialisesWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := NewStore(path).Apply(func(c *Config) error {
				c.Targets = append(c.Targets, testTarget(fmt.Sprintf("t%d", i)))
				return nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Targets) != n {
		t.Fatalf("%d targets after %d concurrent adds", len(got.Targets), n)
	}
}

// Watch reports a hand edit (written by rename, as editors and Store do)
// and a secret change, and a broken file as an error.
func TestStoreWatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	s := NewStore(path)
	if _, err := s.Apply(func(c *Config) error { c.Targets = append(c.Targets, testTarget("a")); return nil }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := make(chan Change, 16)
	if err := s.Watch(ctx, func(c Change) { changes <- c }); err != nil {
		t.Fatal(err)
	}
	next := func() Change {
		t.Helper()
		select {
		case c := <-changes:
			return c
		case <-time.After(10 * time.Second):
			t.Fatal("no change reported")
		}
		return Change{}
	}
	if _, err := NewStore(path).Apply(func(c *Config) error { c.Targets = append(c.Targets, testTarget("b")); return nil }); err != nil {
		t.Fatal(err)
	}
	if c := next(); c.Err != nil || c.Config == nil || c.Config.Target("b") == nil {
		t.Fatalf("after another writer's add: %+v", c)
	}
	if err := NewStore(path).MarkSecretChanged("a"); err != nil {
		t.Fatal(err)
	}
	if c := next(); c.Config != nil || !slices.Equal(c.Secrets, []string{"a"}) {
		t.Fatalf("after set-secret: %+v", c)
	}
	if err := WriteFileAtomic(path, []byte("[[target]]\nname = 1\n")); err != nil {
		t.Fatal(err)
	}
	if c := next(); c.Err == nil || c.Config != nil {
		t.Fatalf("after a broken hand edit: %+v", c)
	}
}
