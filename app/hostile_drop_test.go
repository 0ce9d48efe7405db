//go:build unix

package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestHostileDrop drops awkward paths on `ferry upload`'s collector (the
// window's drop uses the same one) and checks each outcome: the jobs made,
// the lines skipped with a reason, and that every job is accepted by the
// queue, names its file inside the dropped tree, and has a remote path made
// only of the dropped item's name and the path below it.
func TestHostileDrop(t *testing.T) {
	base := t.TempDir()
	mk := func(rel, content string) string {
		t.Helper()
		p := filepath.Join(base, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mk("outside/secret.txt", "not for upload")
	mk("tree/a.txt", "a")
	mk("tree/sub/ctl\x01name", "control")
	mk("tree/sub/cafe\u0301.txt", "nfd")
	mk("tree/..dots..", "dots in a name")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(filepath.Join(base, "outside"), filepath.Join(base, "tree", "dir-out")))
	must(os.Symlink(filepath.Join(base, "outside", "secret.txt"), filepath.Join(base, "tree", "file-out")))
	must(os.Symlink(".", filepath.Join(base, "tree", "loop")))
	must(syscall.Mkfifo(filepath.Join(base, "tree", "pipe"), 0o644))
	must(syscall.Mkfifo(filepath.Join(base, "lonely-pipe"), 0o644))
	mk("single.txt", "single")
	must(os.Symlink(filepath.Join(base, "single.txt"), filepath.Join(base, "named-link")))

	cases := []struct {
		name      string
		paths     []string
		remoteDir string
		wantRel   []string // sorted RelPaths of the jobs
		wantSkip  []string // substrings, one per skipped line, in any order
		wantErr   bool
		// wantRemote is every job's remote folder.
		wantRemote string
	}{
		{
			name: "folder_with_links_fifo_and_odd_names", paths: []string{filepath.Join(base, "tree")},
			wantRel:  []string{"tree/..dots..", "tree/a.txt", "tree/sub/café.txt", "tree/sub/ctl\x01name"},
			wantSkip: []string{"dir-out: symbolic link", "file-out: symbolic link", "loop: symbolic link", "pipe: not a regular file"},
		},
		{
			name: "dotdot_in_the_dropped_path", paths: []string{filepath.Join(base, "tree", "sub", "..", "a.txt")},
			wantRel: []string{"a.txt"},
		},
		{
			name: "relative_dotdot_path", paths: []string{relFromWD(t, filepath.Join(base, "tree", "sub", "..", "..", "single.txt"))},
			wantRel: []string{"single.txt"},
		},
		{
			name: "named_link_is_followed", paths: []string{filepath.Join(base, "named-link")},
			wantRel: []string{"named-link"},
		},
		{
			name: "fifo_named", paths: []string{filepath.Join(base, "lonely-pipe")},
			wantSkip: []string{"not a regular file or folder"},
		},
		{
			name: "missing", paths: []string{filepath.Join(base, "nope")}, wantErr: true,
		},
		{
			name: "hostile_remote_dir", paths: []string{filepath.Join(base, "single.txt")}, remoteDir: "/../a/./b/../../../c/",
			wantRel: []string{"single.txt"}, wantRemote: "c",
		},
	}
	q, err := queue.Open(filepath.Join(t.TempDir(), "queue.db"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set, err := collectUploads(tc.paths, "t", tc.remoteDir, "")
			if tc.wantErr {
				if err == nil {
					t.Fatalf("no error, jobs %+v", set.jobs())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var rels []string
			for _, j := range set.jobs() {
				rels = append(rels, j.RelPath)
				onDisk := j.OnDisk()
				if !slices.ContainsFunc(tc.paths, func(p string) bool {
					abs, _ := filepath.Abs(p)
					return onDisk == abs || strings.HasPrefix(onDisk, abs+string(filepath.Separator))
				}) {
					t.Errorf("job %q reads %s, outside what was dropped", j.RelPath, onDisk)
				}
				if j.RemoteDir != tc.wantRemote {
					t.Errorf("remote folder %q, want %q", j.RemoteDir, tc.wantRemote)
				}
			}
			slices.Sort(rels)
			if !slices.Equal(rels, tc.wantRel) {
				t.Errorf("jobs %q, want %q", rels, tc.wantRel)
			}
			if len(set.skipped) != len(tc.wantSkip) {
				t.Errorf("skipped %q, want %d lines like %q", set.skipped, len(tc.wantSkip), tc.wantSkip)
			}
			for _, w := range tc.wantSkip {
				if !slices.ContainsFunc(set.skipped, func(s string) bool { return strings.Contains(s, w) }) {
					t.Errorf("no skipped line says %q: %q", w, set.skipped)
				}
			}
			if len(set.jobs()) > 0 {
				if _, err := q.Enqueue(set.jobs()...); err != nil {
					t.Errorf("the queue refuses the jobs: %v", err)
				}
			}
		})
	}
}

// relFromWD returns p relative to the working directory, so the case
// really passes a relative path with ".." segments.
func relFromWD(t *testing.T, p string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, p)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}
