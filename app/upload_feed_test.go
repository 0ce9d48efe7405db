package app

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// `ferry upload` of a tree queues it a window of batches at a time: with a
// server that never answers, the first batch never settles, so only
// uploadWindow batches are ever queued; interrupted, it says the queued
// files stay queued. (Queuing the whole tree at once made memory follow
// the number of files.)
func TestUploadQueuesAWindowAtATime(t *testing.T) {
	old := enqueueBatch
	enqueueBatch = 4
	t.Cleanup(func() { enqueueBatch = old })

	ln, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()

	e := newEnv(t)
	e.vars[EnvSecrets] = "file:" + filepath.Join(e.dir, "secrets")
	e.mustRun("share-token\n", "target", "add", "--no-test", "--name", "mute", "--kind", "filesro", "--url", "http://"+ln.Addr().String(), "--secret-stdin")
	tree := filepath.Join(e.dir, "tree")
	for i := range 30 {
		writeFiles(t, tree, map[string]string{fmt.Sprintf("d%d/f%02d.txt", i%3, i): fmt.Sprintf("file %d", i)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	r := e.run(ctx, "", "upload", "--progress", "none", tree)
	if r.code == ExitOK || !strings.Contains(r.errOut, "interrupted: the files queued so far stay queued") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.out, r.errOut)
	}
	q, err := queue.Open(filepath.Join(e.vars["FERRY_DATA_DIR"], "queue.db"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	n := 0
	if err := q.Jobs(nil, func(queue.Job) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	if want := uploadWindow * enqueueBatch; n != want {
		t.Errorf("%d jobs queued of 30 files, want %d (%d batches of %d)", n, want, uploadWindow, enqueueBatch)
	}
}
