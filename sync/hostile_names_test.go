//go:build unix

package sync

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHostileLocalNames runs a real watcher over a folder full of awkward
// entries and checks which files are handed on and under which name. The
// rules: every regular file inside the root is handed on under its NFC
// relative path (names the remote side may refuse, such as Windows-invalid
// ones or control characters, are the provider's to reject with a reason);
// nothing outside the root is ever handed on, whether reached through a
// file link, a folder link or a loop; FIFOs, devices and dangling links
// are never handed on. Links are not followed at all (a link to a file
// inside the root is not handed on a second time under the link's name).
func TestHostileLocalNames(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{root, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("content of "+filepath.Base(p)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		t.Helper()
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(outside, "secret.txt"))
	write(filepath.Join(outside, "sub", "also-secret.txt"))

	long := strings.Repeat("n", 251) + ".txt" // 255 bytes, the usual name limit
	deepDir := ""
	for i := range 12 {
		deepDir = filepath.Join(deepDir, strings.Repeat(string(rune('a'+i)), 200))
	}
	nfd := "cafe\u0301.txt"

	// want: relative path handed on -> on-disk path relative to root ("" when the same).
	want := map[string]string{}
	file := func(rel, onDisk string) {
		write(filepath.Join(root, filepath.FromSlash(onDisk)))
		if onDisk == rel {
			onDisk = ""
		}
		want[rel] = onDisk
	}
	file("plain.txt", "plain.txt")
	file("..dots..", "..dots..")           // ".." inside a name is not a segment
	file("a..b/c..d.txt", "a..b/c..d.txt") // nor in a folder name
	file("ctl\x01\x1fname.txt", "ctl\x01\x1fname.txt")
	file("tab\tand\nnewline", "tab\tand\nnewline")
	file(long, long)
	file(filepath.ToSlash(filepath.Join(deepDir, "deep.txt")), filepath.ToSlash(filepath.Join(deepDir, "deep.txt")))
	file("con.txt", "con.txt")                   // reserved on Windows
	file("what?<>|*:\".txt", "what?<>|*:\".txt") // invalid on Windows
	file("trailing dot.", "trailing dot.")
	file(" leading space", " leading space")
	file("back\\slash.txt", "back\\slash.txt")
	file("café.txt", nfd) // NFD on disk, NFC handed on
	file("unreadable.txt", "unreadable.txt")
	if err := os.Chmod(filepath.Join(root, "unreadable.txt"), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(root, "unreadable.txt"), 0o644) })

	// Never handed on:
	link("plain.txt", filepath.Join(root, "link-in.txt")) // links are not followed, even inside
	link(filepath.Join(outside, "secret.txt"), filepath.Join(root, "link-out.txt"))
	link(outside, filepath.Join(root, "dir-out"))
	link(".", filepath.Join(root, "loop"))
	link("../root", filepath.Join(root, "loop2"))
	link(filepath.Join(root, "missing"), filepath.Join(root, "dangling"))
	if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	device := false
	if os.Geteuid() == 0 {
		// Only root may make device nodes; as another user the FIFO stands
		// for every special file.
		if err := syscall.Mknod(filepath.Join(root, "null-dev"), syscall.S_IFCHR|0o644, 0x103); err == nil {
			device = true
		}
	}
	t.Logf("device node made: %v", device)

	s := startWatcher(t, fastFolder(root), nil, nil)
	waitScans(t, s.w, 1)
	waitUntil(t, 20*time.Second, "every regular file", func() bool { return len(s.col.byPath()) >= len(want) })
	// Give anything unwanted the same chance to show up.
	time.Sleep(500 * time.Millisecond)
	s.stop()

	got := map[string]Candidate{}
	for _, c := range s.col.snapshot() {
		got[c.RelPath] = c
	}
	for rel, onDisk := range want {
		c, ok := got[rel]
		if !ok {
			t.Errorf("%q was not handed on", rel)
			continue
		}
		wantPath := filepath.Join(root, filepath.FromSlash(rel))
		if onDisk != "" {
			wantPath = filepath.Join(root, filepath.FromSlash(onDisk))
		}
		if c.Path != wantPath {
			t.Errorf("%q: Path %q, want %q", rel, c.Path, wantPath)
		}
	}
	for rel, c := range got {
		if _, ok := want[rel]; !ok {
			t.Errorf("handed on %q (%s), which must not be", rel, c.Path)
		}
		if strings.HasPrefix(rel, "/") || rel == ".." || strings.HasPrefix(rel, "../") || strings.Contains(rel, "/../") {
			t.Errorf("relative path %q escapes the root", rel)
		}
		if !strings.HasPrefix(c.Path, root+string(filepath.Separator)) {
			t.Errorf("%q opens %q, outside the root", rel, c.Path)
		}
	}
}
