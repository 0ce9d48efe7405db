// Package enginetest runs the real engine over a real queue file for the
// providers' own tests, so that a provider's end-to-end tests go through
// the engine's claims, saves and finishes as `ferry upload` does.
package enginetest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// New is an engine over a queue file of its own (closed when the test
// ends, after the test stopped the engine) whose every target is p, with
// opts; its log is discarded.
func New(t testing.TB, p provider.Provider, opts transfer.Options) (*transfer.Engine, *queue.Queue) {
	t.Helper()
	q, err := queue.Open(filepath.Join(t.TempDir(), "queue.db"), queue.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Close() })
	opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	e := transfer.New(q, transfer.TargetFunc(func(context.Context, string) (provider.Provider, transfer.TargetSettings, error) {
		return p, transfer.TargetSettings{}, nil
	}), opts)
	return e, q
}

// RunUntilIdle runs e until every job of ids is idle (done, or waiting
// for the user), at most timeout, then stops it and waits until Run
// returned; a timeout fails the test.
func RunUntilIdle(t testing.TB, e *transfer.Engine, timeout time.Duration, ids ...queue.JobID) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.Run(c) }()
	err := e.WaitIdle(c, ids...)
	cancel()
	<-done
	if err != nil {
		t.Fatal(err)
	}
}

// QuietFile writes data to rel below root (making its folders) with an
// mtime an hour ago, so the engine finds it settled, and returns the job
// of `ferry upload` that sends it to target "t" under remoteDir.
func QuietFile(t testing.TB, root, rel, remoteDir string, data []byte) queue.Job {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	return queue.Job{Target: "t", Origin: "upload", Root: root, RelPath: rel, RemoteDir: remoteDir, Size: int64(len(data)), ModTime: old}
}
