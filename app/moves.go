package app

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	foldersync "github.com/ferry-sync/ferry/sync"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// renameWindow is how long a renamed-away path waits for its new name to
// settle and come out of the watcher as a Candidate.
const renameWindow = 10 * time.Minute

// maxRenamed bounds the renamed-away paths remembered per folder.
const maxRenamed = 10_000

// renames remembers the paths a watcher saw renamed or moved away, so a
// Candidate at a new name can be paired with the file Ferry uploaded
// under the old one. Only paths renamed while watching count: a file that
// merely vanished (or was renamed while Ferry was not running) and a new
// file with the same size and mtime are never paired, because the sent
// index also holds files of other folders and one-off uploads of the same
// target, and moving one of those would move a file that was not renamed.
type renames struct {
	now func() time.Time
	mu  sync.Mutex
	at  map[string]time.Time // NFC rel path -> when it was renamed away
}

func newRenames(now func() time.Time) *renames {
	return &renames{now: now, at: map[string]time.Time{}}
}

// add records rel (the watcher's Options.Renamed).
func (r *renames) add(rel string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if len(r.at) >= maxRenamed {
		for p, t := range r.at {
			if now.Sub(t) > renameWindow {
				delete(r.at, p)
			}
		}
		if len(r.at) >= maxRenamed {
			return
		}
	}
	r.at[rel] = now
}

// renamedAncestor returns the renamed-away path that is rel itself or one
// of its folders, the shortest first: a folder moved as a whole is the top
// one.
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
// batch and the Candidates left to upload. A Candidate becomes a move when
// its path is new to the sent index and a path renamed away while watching
// (the file itself, or a folder above it) is in the sent index with the
// same size and mtime, and is gone from disk. A folder renamed away whose
// new name exists as a folder gives one folder move; every Candidate below
// it whose old counterpart is in the sent index with its size and mtime is
// covered by that move. Errors of the sent index leave a Candidate to be
// uploaded (today's behaviour).
func (m moveFinder) split(batch []foldersync.Candidate, base queue.Job) (moves []queue.Job, rest []foldersync.Candidate) {
	m.renamed.mu.Lock()
	none := len(m.renamed.at) == 0
	m.renamed.mu.Unlock()
	if none {
		return nil, batch // nothing renamed: no sent-index reads
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
		if tail, ok := strings.CutPrefix(c.RelPath, newDir+"/"); ok && m.sameAsSent(path.Join(oldDir, tail), c) {
			return queue.Job{MoveDir: true}, true
		}
	}
	// Which renamed-away path could c's old name have been? The same path
	// below a renamed folder, or a renamed file with the same stamp.
	for old := range m.candidatesFor(c) {
		if !m.sameAsSent(old, c) || !m.gone(old) {
			continue
		}
		top, _ := m.renamed.renamedAncestor(old)
		if top != old {
			tail := strings.TrimPrefix(old, top+"/")
			if newDir, ok := strings.CutSuffix(c.RelPath, "/"+tail); ok && m.gone(top) && m.isDir(newDir) {
				folders[newDir] = top
				return queue.Job{MoveDir: true}, true
			}
		}
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
// file, and c's path below each renamed-away folder with its tail kept.
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
	return out
}

// sameAsSent reports whether old is in the sent index with c's size and
// mtime (the content hash is not compared: the old file is gone from
// disk, and the sent index holds no hash of it).
func (m moveFinder) sameAsSent(old string, c foldersync.Candidate) bool {
	fp, ok, err := m.q.Sent(m.target, path.Join(m.remoteDir, old))
	return err == nil && ok && fp.RemoteID != "" && fp.Size == c.Size && fp.ModTime.Equal(c.ModTime)
}

func (m moveFinder) gone(rel string) bool {
	_, err := m.lstat(filepath.Join(m.root, filepath.FromSlash(rel)))
	return errors.Is(err, os.ErrNotExist)
}

func (m moveFinder) isDir(rel string) bool {
	fi, err := m.lstat(filepath.Join(m.root, filepath.FromSlash(rel)))
	return err == nil && fi.IsDir()
}
