package secrets

import (
	"errors"
	"testing"
)

// testStore checks the Store contract on a writable backend.
func testStore(t *testing.T, s Store) { testStoreAt(t, s, "work") }

func testStoreAt(t *testing.T, s Store, target string) {
	t.Helper()
	if _, err := s.Get(target, "jwt"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before Set: %v, want ErrNotFound", err)
	}
	if err := s.Set(target, "jwt", "eyJ.first"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(target, "jwt", "eyJ.second"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(target+"-other", "jwt", "other"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Delete(target+"-other", "jwt") })
	if v, err := s.Get(target, "jwt"); err != nil || v != "eyJ.second" {
		t.Fatalf("Get = %q, %v; want the replaced value", v, err)
	}
	if err := s.Delete(target, "jwt"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(target, "jwt"); err != nil {
		t.Fatalf("second Delete: %v, want nil (idempotent)", err)
	}
	if _, err := s.Get(target, "jwt"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if v, err := s.Get(target+"-other", "jwt"); err != nil || v != "other" {
		t.Fatalf("other target's secret: %q, %v", v, err)
	}
	if err := s.Set("", "jwt", "x"); err == nil {
		t.Error("Set with an empty target succeeded")
	}
}
