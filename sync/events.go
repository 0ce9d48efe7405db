package sync

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// onEvent handles one fsnotify event in the owner goroutine. A new directory
// is queued for a scan, which watches it first and then reads it, so files
// created before the watch was attached are found too. A removed or
// moved-away directory is unwatched. Ignored paths are dropped here, so an
// ignored directory is never watched. The only error is the root vanishing.
func (r *run) onEvent(ev fsnotify.Event, now time.Time) error {
	if ev.Name == r.f.Root {
		if !ev.Has(fsnotify.Remove) && !ev.Has(fsnotify.Rename) {
			return nil
		}
		if err := r.w.checkRoot(); err != nil {
			return err
		}
		// Removed or moved away and already back (a tool that replaces the
		// folder): the kernel dropped the old watches, so start over.
		return fmt.Errorf("folder %s was replaced; watching it anew", r.f.Root)
	}
	rel, ok := relOf(r.f.Root, ev.Name)
	if !ok {
		return nil
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		if h, ok := r.w.handed[rel]; ok && h.refused {
			// One of the name twins went: read its folder again, so the
			// one left (if any) is handed on normally now.
			delete(r.w.handed, rel)
			dir := parentRel(rel)
			var segs []string
			if dir != "" {
				segs = strings.Split(dir, "/")
			}
			r.wantDirs = append(r.wantDirs, dirRef{abs: filepath.Dir(ev.Name), rel: dir, segs: segs})
		}
		if r.ws.has(ev.Name) {
			if err := r.ws.removeTree(ev.Name); err != nil {
				r.w.log.Warn("unwatch removed directory", "path", rel, "err", err)
			}
		}
		switch {
		case ev.Has(fsnotify.Rename) && r.w.opts.Renamed != nil:
			r.w.opts.Renamed(rel)
		case !ev.Has(fsnotify.Rename) && ev.Has(fsnotify.Remove) && r.w.opts.Removed != nil:
			r.w.opts.Removed(rel)
		}
		// The old name of a rename is gone: deletes are not mirrored, and
		// the new name arrives as its own Create.
		if !ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Write) && !ev.Has(fsnotify.Chmod) {
			return nil
		}
	}
	segs := strings.Split(rel, "/")
	if ev.Has(fsnotify.Create) {
		if info, err := r.w.lstat(ev.Name); err == nil && info.IsDir() {
			if r.w.ign.Match(segs, true) {
				return nil
			}
			if !r.fullAt.IsZero() {
				// The pending rescan reads it; watching it now keeps its
				// events coming, so the rescan waits for quiet (see
				// deferFull for how long at most).
				r.ws.add(ev.Name)
				r.deferFull(now)
				return nil
			}
			if len(r.wantDirs) >= maxPendingEvents {
				r.collapse(now)
				return nil
			}
			r.wantDirs = append(r.wantDirs, dirRef{abs: ev.Name, rel: rel, segs: segs})
			return nil
		}
		// Not a directory, or already gone: the gate's stat decides.
	}
	if !r.fullAt.IsZero() {
		// A rescan is pending: it will find this change; keep waiting for quiet.
		r.deferFull(now)
		return nil
	}
	if r.ws.has(ev.Name) {
		return nil // a watched directory's own attribute change names no file
	}
	if r.w.ign.Match(segs, false) {
		return nil
	}
	r.touch(rel, ev.Name, now)
	return nil
}
