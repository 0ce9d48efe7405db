package queue

import (
	"errors"
	"path/filepath"
	"testing"
)

// A name stored on disk in NFD keeps its NFC RelPath (remote name, key)
// and the exact on-disk path to open, across encoding and coalescing.
func TestLocalPathRoundTripsAndStaysBelowRoot(t *testing.T) {
	q, _ := openTest(t, Options{})
	root := t.TempDir()
	nfd := filepath.Join(root, "no\u0308te.txt")
	id := mustEnqueue(t, q, Job{Target: "t", Root: root, RelPath: "n\u00f6te.txt", LocalPath: nfd, Size: 3})[0]
	j := mustGet(t, q, id)
	if j.LocalPath != nfd || j.OnDisk() != nfd {
		t.Fatalf("LocalPath %q, OnDisk %q; want %q", j.LocalPath, j.OnDisk(), nfd)
	}
	again := mustEnqueue(t, q, Job{Target: "t", Root: root, RelPath: "n\u00f6te.txt", Size: 4})[0]
	if again != id {
		t.Fatalf("the same remote path made a second job %d", again)
	}
	if j := mustGet(t, q, id); j.LocalPath != "" || j.OnDisk() != filepath.Join(root, "n\u00f6te.txt") {
		t.Fatalf("after coalescing with an NFC name: LocalPath %q OnDisk %q", j.LocalPath, j.OnDisk())
	}
	back, err := decodeJob(encodeJob(Job{ID: 1, Target: "t", RelPath: "a", LocalPath: "/x/a", State: Queued}))
	if err != nil || back.LocalPath != "/x/a" {
		t.Fatalf("codec: %+v, %v", back, err)
	}

	for _, outside := range []string{"/etc/passwd", filepath.Join(root, "..", "other"), "relative/x"} {
		_, err := q.Enqueue(Job{Target: "t", Root: root, RelPath: "x", LocalPath: outside})
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("local path %q outside the root: err = %v, want ErrInvalid", outside, err)
		}
	}
}
