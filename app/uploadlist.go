package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	foldersync "github.com/ferry-sync/ferry/sync"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// uploadSet is what `ferry upload` (and a drop on the window) will queue:
// every regular file below the given paths, with the folder structure kept
// below each path's parent, so uploading ~/Photos creates Photos/ remotely.
// Files are kept compact (a path, a size, a time) and become queue jobs a
// batch at a time, so a tree of many files costs little memory until, and
// while, it is queued.
type uploadSet struct {
	target, remoteDir, conflict string
	origin                      string   // queue.Job.Origin: "upload" or "drop"
	roots                       []string // absolute parents of the paths given
	files                       []uploadFile
	skipped                     []string // human-readable lines: what was left out and why
}

// uploadFile is one regular file of an uploadSet.
type uploadFile struct {
	root  int    // index in uploadSet.roots
	rel   string // slash-separated path below the root, as on disk
	size  int64
	mtime int64 // Unix nanoseconds
}

// job is f as a queue job: the remote name is NFC; a file whose own name is
// not keeps it as its LocalPath.
func (s *uploadSet) job(f uploadFile) queue.Job {
	root := s.roots[f.root]
	j := queue.Job{
		Target: s.target, Origin: s.origin, Root: root, RelPath: norm.NFC.String(f.rel), RemoteDir: s.remoteDir,
		Conflict: s.conflict, Size: f.size, ModTime: time.Unix(0, f.mtime),
	}
	if j.RelPath != f.rel {
		j.LocalPath = filepath.Join(root, filepath.FromSlash(f.rel))
	}
	return j
}

// jobs is every file as a queue job.
func (s *uploadSet) jobs() []queue.Job {
	out := make([]queue.Job, len(s.files))
	for i, f := range s.files {
		out[i] = s.job(f)
	}
	return out
}

// bytes is the total size of the files.
func (s *uploadSet) bytes() (n int64) {
	for _, f := range s.files {
		n += f.size
	}
	return n
}

// sentLookupBatch is how many files one read of the sent index checks.
const sentLookupBatch = 1000

// dropSent leaves out files whose size and mtime match the last good
// upload to the same remote path (unless force), so running the same
// command again (after an interruption, say) sends only what is missing or
// changed; it returns how many were left out. A damaged sent record counts
// as not sent.
func (s *uploadSet) dropSent(q *queue.Queue, force bool) (int, error) {
	if force {
		return 0, nil
	}
	keep := s.files[:0]
	unchanged := 0
	paths := make([]string, 0, sentLookupBatch)
	for start := 0; start < len(s.files); start += sentLookupBatch {
		batch := s.files[start:min(start+sentLookupBatch, len(s.files))]
		paths = paths[:0]
		for _, f := range batch {
			paths = append(paths, s.job(f).RemotePath())
		}
		fps, ok, err := q.SentMany(s.target, paths)
		if err != nil {
			return 0, err
		}
		for i, f := range batch {
			if ok[i] && fps[i].Size == f.size && fps[i].ModTime.Equal(time.Unix(0, f.mtime)) {
				unchanged++
				continue
			}
			keep = append(keep, f)
		}
	}
	s.files = keep
	return unchanged, nil
}

// collectUploads walks paths and lists every regular file for target below
// remoteDir. Arguments that are symlinks are followed (the user named
// them); links inside a folder are not, so a walk never loops or leaves the
// folder. Temporary and system files (sync.DefaultIgnore) are left out of
// folders but not when named explicitly. A path that does not exist or
// cannot be read is an error: nothing is queued then.
func collectUploads(paths []string, target, remoteDir, conflict string) (uploadSet, error) {
	set := uploadSet{target: target, remoteDir: normRemoteDir(remoteDir), conflict: conflict, origin: "upload"}
	ignore := foldersync.NewIgnore(nil)
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return uploadSet{}, fmt.Errorf("upload %s: %w", p, err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return uploadSet{}, fmt.Errorf("upload %s: %w", p, err)
		}
		root, top := filepath.Dir(abs), filepath.Base(abs)
		set.roots = append(set.roots, root)
		ri := len(set.roots) - 1
		add := func(rel string, fi fs.FileInfo) {
			set.files = append(set.files, uploadFile{root: ri, rel: rel, size: fi.Size(), mtime: fi.ModTime().UnixNano()})
		}
		switch {
		case fi.Mode().IsRegular():
			add(top, fi)
			continue
		case !fi.IsDir():
			set.skipped = append(set.skipped, fmt.Sprintf("%s: not a regular file or folder (%s)", p, fi.Mode().Type()))
			continue
		}
		err = filepath.WalkDir(abs, func(walked string, d fs.DirEntry, err error) error {
			if err != nil {
				if walked == abs {
					return err
				}
				set.skipped = append(set.skipped, fmt.Sprintf("%s: %v", walked, unwrapPathError(err)))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			rel, _ := filepath.Rel(root, walked) // walked is below root by construction
			rel = filepath.ToSlash(rel)
			if walked != abs && ignore.Match(strings.Split(rel, "/")[1:], d.IsDir()) {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			switch {
			case d.IsDir():
				return nil
			case d.Type()&fs.ModeSymlink != 0:
				set.skipped = append(set.skipped, walked+": symbolic link, not followed")
				return nil
			case !d.Type().IsRegular():
				set.skipped = append(set.skipped, fmt.Sprintf("%s: not a regular file (%s)", walked, d.Type()))
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				set.skipped = append(set.skipped, fmt.Sprintf("%s: %v", walked, unwrapPathError(err)))
				return nil
			}
			add(rel, fi)
			return nil
		})
		if err != nil {
			return uploadSet{}, fmt.Errorf("upload %s: %w", p, err)
		}
	}
	return set, nil
}

// normRemoteDir cleans a remote folder the user typed: slash-separated, no
// leading or trailing slash, no "." or ".." segments, NFC.
func normRemoteDir(dir string) string {
	return norm.NFC.String(strings.Trim(path.Clean("/"+filepath.ToSlash(dir)), "/"))
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
