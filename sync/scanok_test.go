package sync

import (
	"context"
	"fmt"
	"path/filepath"
	gosync "sync"
	"testing"
	"time"
)

// TestScanOKAfterEveryFileHandedOn: a full scan is reported complete (and
// the folder healthy) only once every settled file it found was handed on,
// the last batch included: `ferry watch` says "folder scan: ok" on it and
// a script takes that as "everything is queued". Emit is slow, so scan
// messages queue up and the batch grows while the scan's final message
// waits behind it.
func TestScanOKAfterEveryFileHandedOn(t *testing.T) {
	root := t.TempDir()
	const n = 3000
	for i := range n {
		writeFile(t, filepath.Join(root, fmt.Sprintf("d%d", i%5), fmt.Sprintf("f%04d", i)), 1)
	}
	time.Sleep(300 * time.Millisecond) // every file settled by age (quiet is 100 ms)

	var (
		mu     gosync.Mutex
		handed int
	)
	emit := func(_ context.Context, b []Candidate) error {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		handed += len(b)
		mu.Unlock()
		return nil
	}
	w, err := New(fastFolder(root), Options{Emit: emit})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	deadline := time.After(30 * time.Second)
	for {
		changed := w.Changed()
		st := w.Status()
		if st.Scans >= 1 || st.State == HealthOK {
			mu.Lock()
			got := handed
			mu.Unlock()
			if got != n {
				t.Fatalf("scan reported done (state %v, %d scans) with %d of %d files handed on", st.State, st.Scans, got, n)
			}
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("no full scan within 30 s")
		}
	}
}
