package app

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	foldersync "github.com/ferry-sync/ferry/sync"
	"github.com/ferry-sync/ferry/transfer/contentsum"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// renameWindow is how long a renamed-away path waits for its new name to
// settle and come out of the watcher as a Candidate.
const renameWindow = 10 * time.Minute

// maxRenamed bounds the renamed-away paths remembered per folder.
const maxRenamed = 10_000

// renames remembers the paths a watcher saw renamed or moved away
// (fsnotify Rename) and the paths it saw removed (fsnotify Remove: a
// delete, or the second half of a copy and delete done by a tool, an
// editor, a file manager or a move across file systems), so a Candidate
// at a new name can be paired with the file Ferry uploaded under the old
// one. Only paths seen going while THIS folder was watched count (one
// renames per folder watcher): the sent index also holds files of other
// folders and one-off uploads of the same target, and those were never
// renamed here. A removed path pairs only by content (the SHA-256 the
// sent index keeps of the old file equals the new file's); a renamed one
// by content too when the hash was kept, else by size and mtime. A file
// that went while Ferry was not running is never paired: the new one is
// uploaded.
type renames struct {
	now  func() time.Time
	mu   sync.Mutex
	at   map[string]time.Time // NFC rel path -> when it was renamed away
	gone map[string]time.Time // NFC rel path -> when it was removed
}

func newRenames(now func() time.Time) *renames {
	return &renames{now: now, at: map[string]time.Time{}, gone: map[string]time.Time{}}
}

// add records rel as renamed away (the watcher's Options.Renamed).
func (r *renames) add(rel string) { r.record(r.at, rel) }

// removed records rel as removed (the watcher's Options.Removed).
func (r *renames) removed(rel string) { r.record(r.gone, rel) }

// record puts rel in m; each map holds at most maxRenamed paths, so a
// large delete cannot crowd out the renames.
func (r *renames) record(m map[string]time.Time, rel string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if len(m) >= maxRenamed {
		for p, t := range m {
			if now.Sub(t) > renameWindow {
				delete(m, p)
			}
		}
		if len(m) >= maxRenamed {
			return
		}
	}
	m[rel] = now
}

// wasRemoved reports whether rel was removed within the window.
func (r *renames) wasRemoved(rel string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.gone[rel]
	return ok && r.now().Sub(t) <= renameWindow
}

// forget drops rel once a Candidate was paired with it, so a second copy
// of the same file is uploaded rather than paired with it too.
func (r *renames) forget(rel string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.at, rel)
	delete(r.gone, rel)
}

// empty reports whether nothing is remembered (no sent-index reads then).
func (r *renames) empty() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.at) == 0 && len(r.gone) == 0
}

// renamedAncestor returns the renamed-away path that is rel itself or one
// of its folders, the shortest first: a folder moved as a whole is the top
// one. Removed paths are not asked: a folder copied and then deleted is
// paired file by file (each removed file with its copy, by content), which
// needs no guess about which new folder is the old one's copy.
func (r *renames) renamedAncestor(rel string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	p := ""
	for _, seg := range strings.Split(rel, "/") {
		p = path.Join(p, seg)
		if t, ok := r.at[p]; ok && now.Sub(t) <= renameWindow {
			return p, true
		}
	}
	return "", false
}

// moveFinder pairs a batch's Candidates with renamed-away files Ferry
// uploaded.
type moveFinder struct {
	q         *queue.Queue
	target    string
	remoteDir string
	root      string
	renamed   *renames
	lstat     func(string) (os.FileInfo, error)
}

// split returns the move jobs (file moves and whole-folder moves) found in
// batch and the Candidates left to upload. A Candidate becomes a file move
// when its path is new to the sent index and a path renamed away or
// removed while watching is in the sent index with a RemoteID and the
// same size and mtime, is gone from disk, and holds the same content (see
// sameContent). A folder renamed away whose new name exists as a folder
// gives one folder move; every Candidate below it whose old counterpart
// is in the sent index with its size and mtime is covered by that move. A
// folder copied and then deleted is paired file by file. Errors of the
// sent index leave a Candidate to be uploaded (today's behaviour).
func (m moveFinder) split(batch []foldersync.Candidate, base queue.Job) (moves []queue.Job, rest []foldersync.Candidate) {
	if m.renamed.empty() {
		return nil, batch // nothing renamed or removed: no sent-index reads
	}
	folders := map[string]string{} // new folder rel -> old folder rel
	for _, c := range batch {
		job, ok := m.pair(c, base, folders)
		if !ok {
			rest = append(rest, c)
			continue
		}
		if job.MoveDir {
			continue // covered by the folder's move, added below
		}
		moves = append(moves, job)
	}
	for newDir, oldDir := range folders {
		j := base
		j.RelPath, j.MoveFrom, j.MoveDir = newDir, oldDir, true
		moves = append(moves, j)
	}
	return moves, rest
}

// pair finds the move of Candidate c; a folder move is recorded in folders
// and returned with MoveDir set.
func (m moveFinder) pair(c foldersync.Candidate, base queue.Job, folders map[string]string) (queue.Job, bool) {
	if _, ok, err := m.q.Sent(m.target, path.Join(m.remoteDir, c.RelPath)); ok || err != nil && !errors.Is(err, queue.ErrCorrupt) {
		return queue.Job{}, false // a new version of a known path, or no answer
	}
	// A folder above c moved as a whole: the counterpart keeps c's path
	// below the folder.
	for newDir, oldDir := range folders {
		if tail, ok := strings.CutPrefix(c.RelPath, newDir+"/"); ok {
			if _, same := m.sameAsSent(path.Join(oldDir, tail), c); same {
				return queue.Job{MoveDir: true}, true
			}
		}
	}
	onDisk := c.Path
	if onDisk == "" {
		onDisk = filepath.Join(m.root, filepath.FromSlash(c.RelPath))
	}
	sum := &fileSum{path: onDisk, size: c.Size}
	// Which renamed-away or removed path could c's old name have been?
	// The same path below a renamed folder, or a renamed or removed file
	// with the same stamp.
	for old := range m.candidatesFor(c) {
		fp, same := m.sameAsSent(old, c)
		if !same || !m.gone(old) {
			continue
		}
		if top, ok := m.renamed.renamedAncestor(old); ok && top != old {
			tail := strings.TrimPrefix(old, top+"/")
			if newDir, ok := strings.CutSuffix(c.RelPath, "/"+tail); ok && m.gone(top) && m.isDir(newDir) {
				folders[newDir] = top
				return queue.Job{MoveDir: true}, true
			}
		}
		if !m.sameContent(old, fp, sum) {
			continue
		}
		m.renamed.forget(old)
		j := base
		j.RelPath, j.MoveFrom, j.Size, j.ModTime, j.Warning = c.RelPath, old, c.Size, c.ModTime, c.Warning
		if onDisk := j.OnDisk(); c.Path != "" && c.Path != onDisk {
			j.LocalPath = c.Path
		}
		return j, true
	}
	return queue.Job{}, false
}

// candidatesFor lists the old paths c may have had: every renamed-away
// or removed file, and c's path below each renamed-away folder with its
// tail kept (removed folders are not expanded: their files were removed
// one by one and are listed themselves).
func (m moveFinder) candidatesFor(c foldersync.Candidate) map[string]struct{} {
	out := map[string]struct{}{}
	m.renamed.mu.Lock()
	defer m.renamed.mu.Unlock()
	now := m.renamed.now()
	segs := strings.Split(c.RelPath, "/")
	for p, t := range m.renamed.at {
		if now.Sub(t) > renameWindow {
			continue
		}
		out[p] = struct{}{}
		// p may be a folder: c's path below it, for each split of c's
		// path into a new folder and a tail.
		for i := 1; i < len(segs); i++ {
			out[path.Join(p, strings.Join(segs[i:], "/"))] = struct{}{}
		}
	}
	for p, t := range m.renamed.gone {
		if now.Sub(t) <= renameWindow {
			out[p] = struct{}{}
		}
	}
	return out
}

// sameAsSent reports whether old is in the sent index with a RemoteID and
// c's size and mtime, and returns its record.
func (m moveFinder) sameAsSent(old string, c foldersync.Candidate) (queue.Fingerprint, bool) {
	fp, ok, err := m.q.Sent(m.target, path.Join(m.remoteDir, old))
	return fp, err == nil && ok && fp.RemoteID != "" && fp.Size == c.Size && fp.ModTime.Equal(c.ModTime)
}

// sameContent decides whether the file sum reads holds what was uploaded
// from old (fp, which already has its size and mtime). When the sent
// index kept the SHA-256 of that upload, the new file must hash to it,
// for a removed path and for a renamed one alike: fsnotify's rename does
// not say where the file went, so several files renamed away with the
// same size and mtime (one tool's batch), or a file renamed out of the
// folder and an unrelated new one with its stamp, would otherwise be
// paired crosswise, and the server would keep the wrong bytes under the
// new name. The hash is one read of a file that would else be uploaded
// whole, taken only when a size and mtime match was found. When no hash
// was kept (an upload whose chunks were not read in order), only a
// renamed path pairs, by size and mtime as before; a removed one does
// not: a delete and a new file of the same stamp is no evidence of a
// move, and uploading is always safe.
func (m moveFinder) sameContent(old string, fp queue.Fingerprint, sum *fileSum) bool {
	if algo, ok := contentsum.Of(fp.SHA256); ok {
		got, err := sum.get(algo)
		return err == nil && bytes.Equal(got, fp.SHA256)
	}
	_, renamed := m.renamed.renamedAncestor(old)
	return renamed && !m.renamed.wasRemoved(old)
}

func (m moveFinder) gone(rel string) bool {
	_, err := m.lstat(filepath.Join(m.root, filepath.FromSlash(rel)))
	return errors.Is(err, os.ErrNotExist)
}

func (m moveFinder) isDir(rel string) bool {
	fi, err := m.lstat(filepath.Join(m.root, filepath.FromSlash(rel)))
	return err == nil && fi.IsDir()
}

// fileSum is a Candidate's content sum (package contentsum), taken at most
// once per algorithm asked for, when first asked.
type fileSum struct {
	path string
	size int64
	done bool
	algo contentsum.Algo
	sum  []byte
	err  error
}

// get hashes the file with a, the algorithm of the sum it is compared
// with; a file that is no longer size bytes long is an error (it changed
// after it settled: upload it).
func (s *fileSum) get(a contentsum.Algo) ([]byte, error) {
	if !s.done || s.algo != a {
		s.done, s.algo = true, a
		s.sum, s.err = hashFile(a, s.path, s.size)
	}
	return s.sum, s.err
}

func hashFile(a contentsum.Algo, name string, size int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sum, n, err := contentsum.Reader(a, f)
	if err != nil {
		return nil, err
	}
	if n != size {
		return nil, fmt.Errorf("%s changed while it was read: %d bytes, expected %d", name, n, size)
	}
	return sum, nil
}
