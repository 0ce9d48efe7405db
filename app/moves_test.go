package app

import (
	"cmp"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	foldersync "github.com/ferry-sync/ferry/sync"
	"github.com/ferry-sync/ferry/transfer/contentsum"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// moveBench is a watched folder on disk, a queue whose sent index says
// what Ferry uploaded from it, and the moveFinder over both.
type moveBench struct {
	t     *testing.T
	q     *queue.Queue
	root  string
	clock time.Time
	m     moveFinder
	algo  contentsum.Algo // of the sums sent records; SHA-256 (records from before BLAKE3) unless set
}

var moveT0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func newMoveBench(t *testing.T) *moveBench {
	t.Helper()
	q, err := queue.Open(filepath.Join(t.TempDir(), "queue.db"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Close() })
	b := &moveBench{t: t, q: q, root: t.TempDir(), clock: moveT0}
	b.m = moveFinder{q: q, target: "t", remoteDir: "w", root: b.root, renamed: newRenames(func() time.Time { return b.clock }), lstat: os.Lstat}
	return b
}

// write puts data at rel with mtime mt and returns its Candidate.
func (b *moveBench) write(rel, data string, mt time.Time) foldersync.Candidate {
	b.t.Helper()
	p := filepath.Join(b.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		b.t.Fatal(err)
	}
	if err := os.Chtimes(p, mt, mt); err != nil {
		b.t.Fatal(err)
	}
	return foldersync.Candidate{Folder: "w", Root: b.root, RelPath: rel, Path: p, Size: int64(len(data)), ModTime: mt}
}

// sent records an upload of data from rel (mtime mt) with a remote id,
// and with the data's content sum (b.algo's) when hashed.
func (b *moveBench) sent(rel, data string, mt time.Time, hashed bool) {
	b.t.Helper()
	ids, err := b.q.Enqueue(queue.Job{Target: "t", Root: b.root, RelPath: rel, RemoteDir: "w", Size: int64(len(data)), ModTime: mt})
	if err != nil {
		b.t.Fatal(err)
	}
	if _, ok, err := b.q.Claim(time.Now(), nil); err != nil || !ok {
		b.t.Fatalf("claim: %v %v", ok, err)
	}
	fp := &queue.Fingerprint{Size: int64(len(data)), ModTime: mt, RemoteID: "id-" + rel, Uploaded: mt}
	if hashed {
		a := cmp.Or(b.algo, contentsum.SHA256)
		sum, _, err := contentsum.Reader(a, strings.NewReader(data))
		if err != nil {
			b.t.Fatal(err)
		}
		fp.SHA256 = sum
	}
	if err := b.q.Finish(ids[0], queue.HistoryEntry{}, fp); err != nil {
		b.t.Fatal(err)
	}
}

func (b *moveBench) remove(rel string) {
	b.t.Helper()
	if err := os.RemoveAll(filepath.Join(b.root, filepath.FromSlash(rel))); err != nil {
		b.t.Fatal(err)
	}
}

// split runs the finder and returns its moves as "old -> new" ("/" after
// a folder move's names) and the paths left to upload, both sorted.
func (b *moveBench) split(batch ...foldersync.Candidate) (moves, uploads []string) {
	jobs, rest := b.m.split(batch, queue.Job{Target: "t", Root: b.root, RemoteDir: "w"})
	for _, j := range jobs {
		s := j.MoveFrom + " -> " + j.RelPath
		if j.MoveDir {
			s = j.MoveFrom + "/ -> " + j.RelPath + "/"
		}
		moves = append(moves, s)
	}
	for _, c := range rest {
		uploads = append(uploads, c.RelPath)
	}
	slices.Sort(moves)
	slices.Sort(uploads)
	return moves, uploads
}

func (b *moveBench) want(gotMoves, gotUploads, wantMoves, wantUploads []string) {
	b.t.Helper()
	if !slices.Equal(gotMoves, wantMoves) || !slices.Equal(gotUploads, wantUploads) {
		b.t.Errorf("moves %q, uploads %q; want moves %q, uploads %q", gotMoves, gotUploads, wantMoves, wantUploads)
	}
}

// A file copied to a new name and then deleted (a removal seen while
// watching) is moved on the server when the copy has the old file's size,
// mtime and content hash.
// Records of either content sum (SHA-256 from before BLAKE3, BLAKE3 now)
// pair so.
func TestMovesCopyThenDeleteIsAMove(t *testing.T) {
	copyThenDelete(t, "copy.txt", "hello", []string{"a.txt -> copy.txt"}, nil)
}

// The same size and mtime but other bytes is a new file: uploaded.
func TestMovesRemovedOtherContentIsUploaded(t *testing.T) {
	copyThenDelete(t, "new.txt", "HELLO", nil, []string{"new.txt"})
}

// copyThenDelete records a.txt ("hello") as sent with each content sum,
// writes rel with data and the same mtime, removes a.txt while watching,
// and checks the finder's moves and uploads.
func copyThenDelete(t *testing.T, rel, data string, wantMoves, wantUploads []string) {
	t.Helper()
	for _, a := range []contentsum.Algo{contentsum.SHA256, contentsum.BLAKE3} {
		b := newMoveBench(t)
		b.algo = a
		b.sent("a.txt", "hello", moveT0, true)
		c := b.write(rel, data, moveT0)
		b.m.renamed.removed("a.txt")
		moves, uploads := b.split(c)
		b.want(moves, uploads, wantMoves, wantUploads)
	}
}

// Without a hash kept for the removed file there is no evidence of a
// move: uploaded.
func TestMovesRemovedWithoutHashIsUploaded(t *testing.T) {
	b := newMoveBench(t)
	b.sent("a.txt", "hello", moveT0, false)
	c := b.write("copy.txt", "hello", moveT0)
	b.m.renamed.removed("a.txt")
	moves, uploads := b.split(c)
	b.want(moves, uploads, nil, []string{"copy.txt"})
}

// A removal this folder's watcher did not see (another folder's file, a
// one-off upload, a delete while Ferry was not running) is never paired,
// even with the same content.
func TestMovesUnseenRemovalIsUploaded(t *testing.T) {
	b := newMoveBench(t)
	b.sent("other.txt", "hello", moveT0, true)
	b.sent("b.txt", "bye", moveT0, true)
	c := b.write("copy.txt", "hello", moveT0)
	b.m.renamed.removed("b.txt") // something else went, not other.txt
	moves, uploads := b.split(c)
	b.want(moves, uploads, nil, []string{"copy.txt"})
}

// A removed path that is back on disk, a different mtime, and a removal
// older than the window: uploaded.
func TestMovesRemovedNeedsGoneStampAndWindow(t *testing.T) {
	b := newMoveBench(t)
	b.sent("back.txt", "one", moveT0, true)
	b.write("back.txt", "one", moveT0)
	b.sent("stamp.txt", "two", moveT0, true)
	b.sent("old.txt", "three", moveT0, true)
	for _, p := range []string{"back.txt", "stamp.txt", "old.txt"} {
		b.m.renamed.removed(p)
	}
	b.clock = b.clock.Add(renameWindow + time.Second)
	b.m.renamed.removed("back.txt")
	b.m.renamed.removed("stamp.txt")
	moves, uploads := b.split(
		b.write("copy-back.txt", "one", moveT0),
		b.write("copy-stamp.txt", "two", moveT0.Add(time.Second)),
		b.write("copy-old.txt", "three", moveT0),
	)
	b.want(moves, uploads, nil, []string{"copy-back.txt", "copy-old.txt", "copy-stamp.txt"})
}

// Two copies of one removed file: one is the move, the other is uploaded
// (the server file moves once).
func TestMovesOneRemovedFileMovesOnce(t *testing.T) {
	b := newMoveBench(t)
	b.sent("a.txt", "hello", moveT0, true)
	b.m.renamed.removed("a.txt")
	moves, uploads := b.split(b.write("x.txt", "hello", moveT0), b.write("y.txt", "hello", moveT0))
	if len(moves) != 1 || len(uploads) != 1 {
		t.Errorf("moves %q, uploads %q; want one of each", moves, uploads)
	}
}

// Several removed files with one size and mtime are paired by content,
// each with its own copy.
func TestMovesRemovedPairedByContent(t *testing.T) {
	b := newMoveBench(t)
	b.sent("a.txt", "aaaa", moveT0, true)
	b.sent("b.txt", "bbbb", moveT0, true)
	b.m.renamed.removed("a.txt")
	b.m.renamed.removed("b.txt")
	moves, uploads := b.split(b.write("new-b.txt", "bbbb", moveT0), b.write("new-a.txt", "aaaa", moveT0))
	b.want(moves, uploads, []string{"a.txt -> new-a.txt", "b.txt -> new-b.txt"}, nil)
}

// A folder copied and then deleted moves file by file (its files were
// removed one by one), never as one folder move.
func TestMovesCopiedFolderMovesFileByFile(t *testing.T) {
	b := newMoveBench(t)
	b.sent("dir/b.txt", "bee", moveT0, true)
	b.sent("dir/sub/c.txt", "sea", moveT0, true)
	batch := []foldersync.Candidate{b.write("dir2/b.txt", "bee", moveT0), b.write("dir2/sub/c.txt", "sea", moveT0)}
	b.remove("dir")
	for _, p := range []string{"dir/sub/c.txt", "dir/sub", "dir/b.txt", "dir"} {
		b.m.renamed.removed(p)
	}
	moves, uploads := b.split(batch...)
	b.want(moves, uploads, []string{"dir/b.txt -> dir2/b.txt", "dir/sub/c.txt -> dir2/sub/c.txt"}, nil)
}

// A rename whose upload kept a hash pairs only by content: two files
// renamed away with one size and mtime are not paired crosswise, and a
// file renamed out of the folder is not paired with another new file.
func TestMovesRenameWithHashNeedsSameContent(t *testing.T) {
	b := newMoveBench(t)
	b.sent("a.txt", "aaaa", moveT0, true)
	b.m.renamed.add("a.txt") // renamed out of the watched folder
	moves, uploads := b.split(b.write("unrelated.txt", "zzzz", moveT0))
	b.want(moves, uploads, nil, []string{"unrelated.txt"})

	b.sent("p.txt", "pppp", moveT0, true)
	b.sent("q.txt", "qqqq", moveT0, true)
	b.m.renamed.add("p.txt")
	b.m.renamed.add("q.txt")
	moves, uploads = b.split(b.write("q2.txt", "qqqq", moveT0), b.write("p2.txt", "pppp", moveT0))
	b.want(moves, uploads, []string{"p.txt -> p2.txt", "q.txt -> q2.txt"}, nil)
}

// A rename whose upload kept no hash pairs by size and mtime (as before
// #21); a path also removed since does not.
func TestMovesRenameWithoutHashBySizeAndMtime(t *testing.T) {
	b := newMoveBench(t)
	b.sent("a.txt", "aaaa", moveT0, false)
	b.m.renamed.add("a.txt")
	moves, uploads := b.split(b.write("b.txt", "aaaa", moveT0))
	b.want(moves, uploads, []string{"a.txt -> b.txt"}, nil)

	b.sent("c.txt", "cccc", moveT0, false)
	b.m.renamed.add("c.txt")
	b.m.renamed.removed("c.txt")
	moves, uploads = b.split(b.write("d.txt", "cccc", moveT0))
	b.want(moves, uploads, nil, []string{"d.txt"})
}

// A folder renamed as a whole is still one folder move; its files are not
// hashed (they are paired by their place below it).
func TestMovesRenamedFolderIsOneMove(t *testing.T) {
	b := newMoveBench(t)
	b.sent("dir/b.txt", "bee", moveT0, true)
	b.sent("dir/sub/c.txt", "sea", moveT0, true)
	b.write("dir/b.txt", "bee", moveT0)
	b.write("dir/sub/c.txt", "sea", moveT0)
	if err := os.Rename(filepath.Join(b.root, "dir"), filepath.Join(b.root, "dir2")); err != nil {
		t.Fatal(err)
	}
	b.m.renamed.add("dir")
	c1 := foldersync.Candidate{RelPath: "dir2/b.txt", Path: filepath.Join(b.root, "dir2", "b.txt"), Size: 3, ModTime: moveT0}
	c2 := foldersync.Candidate{RelPath: path.Join("dir2", "sub", "c.txt"), Path: filepath.Join(b.root, "dir2", "sub", "c.txt"), Size: 3, ModTime: moveT0}
	moves, uploads := b.split(c1, c2)
	b.want(moves, uploads, []string{"dir/ -> dir2/"}, nil)
}

// The bound holds per kind: a large delete does not crowd out renames.
func TestMovesBoundPerKind(t *testing.T) {
	r := newRenames(func() time.Time { return moveT0 })
	for i := range maxRenamed + 5 {
		r.removed(filepath.ToSlash(filepath.Join("gone", string(rune('a'+i%26)), time.Duration(i).String())))
	}
	r.add("renamed.txt")
	if len(r.gone) != maxRenamed {
		t.Errorf("%d removed paths kept, want the bound %d", len(r.gone), maxRenamed)
	}
	if _, ok := r.renamedAncestor("renamed.txt"); !ok {
		t.Error("a rename after a large delete was not kept")
	}
}
