package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/text/unicode/norm"

	foldersync "github.com/ferry-sync/ferry/sync"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// uploadSet is what `ferry upload` (and a drop on the window) will queue:
// every regular file below the given paths, with the folder structure kept
// below each path's parent, so uploading ~/Photos creates Photos/ remotely.
type uploadSet struct {
	jobs    []queue.Job
	skipped []string // human-readable lines: what was left out and why
}

// collectUploads walks paths and builds one job per regular file for
// target below remoteDir. Arguments that are symlinks are followed (the
// user named them); links inside a folder are not, so a walk never loops
// or leaves the folder. Temporary and system files (sync.DefaultIgnore) are
// left out of folders but not when named explicitly. A path that does not
// exist or cannot be read is an error: nothing is queued then.
func collectUploads(paths []string, target, remoteDir, conflict string) (uploadSet, error) {
	var set uploadSet
	ignore := foldersync.NewIgnore(nil)
	remoteDir = normRemoteDir(remoteDir)
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
		job := func(rel string, fi fs.FileInfo) queue.Job {
			j := queue.Job{
				Target: target, Origin: "upload", Root: root, RelPath: norm.NFC.String(rel), RemoteDir: remoteDir,
				Conflict: conflict, Size: fi.Size(), ModTime: fi.ModTime(),
			}
			if j.RelPath != rel { // the remote name is NFC; the file keeps its own
				j.LocalPath = filepath.Join(root, filepath.FromSlash(rel))
			}
			return j
		}
		switch {
		case fi.Mode().IsRegular():
			set.jobs = append(set.jobs, job(top, fi))
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
			set.jobs = append(set.jobs, job(rel, fi))
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
