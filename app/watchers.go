package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/app/config"
	foldersync "github.com/ferry-sync/ferry/sync"
	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// watchers runs one folder watcher per enabled watched folder and hands
// what they find to the engine. apply reconciles the running set with the
// config after a change, so adding or removing a folder in the app takes
// effect without a restart.
type watchers struct {
	rt *engineRuntime

	mu      sync.Mutex // guards running
	running map[string]*watchEntry
	wg      sync.WaitGroup
}

type watchEntry struct {
	cfg    config.Folder
	w      *foldersync.Watcher
	cancel context.CancelFunc
}

func newWatchers(rt *engineRuntime) *watchers {
	return &watchers{rt: rt, running: map[string]*watchEntry{}}
}

// apply starts the watchers of enabled folders that do not run yet, and
// stops those whose folder was removed, disabled or changed (a changed one
// starts again with its new settings). Watchers run until ctx ends.
func (ws *watchers) apply(ctx context.Context, folders []config.Folder) error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	want := map[string]config.Folder{}
	for _, f := range folders {
		if f.IsEnabled() {
			want[f.Name] = f
		}
	}
	for name, e := range ws.running {
		if f, ok := want[name]; !ok || !sameFolder(f, e.cfg) {
			e.cancel()
			delete(ws.running, name)
		}
	}
	var errs []error
	for name, f := range want {
		if _, ok := ws.running[name]; ok {
			continue
		}
		e, err := ws.start(ctx, f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ws.running[name] = e
	}
	return errors.Join(errs...)
}

func sameFolder(a, b config.Folder) bool {
	return a.Path == b.Path && a.Target == b.Target && a.RemoteDir == b.RemoteDir &&
		a.Conflict == b.Conflict && fmt.Sprint(a.Ignore) == fmt.Sprint(b.Ignore)
}

func (ws *watchers) start(ctx context.Context, f config.Folder) (*watchEntry, error) {
	remoteDir := normRemoteDir(f.RemoteDir)
	moves := moveFinder{q: ws.rt.q, target: f.Target, remoteDir: remoteDir, root: filepath.Clean(f.Path), renamed: newRenames(time.Now), lstat: os.Lstat}
	w, err := foldersync.New(foldersync.Folder{ID: f.Name, Root: f.Path, Ignore: f.Ignore, Enabled: true},
		foldersync.Options{
			Sent: sentIndex{q: ws.rt.q, target: f.Target, remoteDir: remoteDir},
			Emit: func(_ context.Context, batch []foldersync.Candidate) error {
				return ws.enqueue(f, remoteDir, moves, batch)
			},
			Renamed: moves.renamed.add,
			Removed: moves.renamed.removed,
			Log:     ws.rt.log,
		})
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", f.Name, err)
	}
	wctx, cancel := context.WithCancel(ctx)
	e := &watchEntry{cfg: f, w: w, cancel: cancel}
	ws.wg.Add(1)
	go func() {
		defer ws.wg.Done()
		if err := w.Run(wctx); err != nil {
			ws.rt.log.Error("watch: stopped", "folder", f.Name, "err", err)
		}
	}()
	return e, nil
}

// enqueue turns a batch of settled files into jobs, in one transaction:
// renamed files and folders Ferry uploaded become move jobs (moves.go).
func (ws *watchers) enqueue(f config.Folder, remoteDir string, moves moveFinder, batch []foldersync.Candidate) error {
	conflict := f.ConflictFor(ws.rt.config().Target(f.Target))
	moved, batch := moves.split(batch, queue.Job{
		Target: f.Target, Origin: "watch:" + f.Name, Root: filepath.Clean(f.Path), RemoteDir: remoteDir, Conflict: conflict,
	})
	jobs := make([]queue.Job, len(batch), len(batch)+len(moved))
	for i, c := range batch {
		jobs[i] = queue.Job{
			Target: f.Target, Origin: "watch:" + f.Name, Root: c.Root, RelPath: c.RelPath,
			RemoteDir: remoteDir, Conflict: conflict, Size: c.Size, ModTime: c.ModTime,
			Warning: c.Warning,
		}
		if c.Path != "" && !isRootRel(c.Path, c.Root, c.RelPath) {
			jobs[i].LocalPath = c.Path
		}
		if c.Refused != "" {
			// Stored as a failed job with the reason: the user sees it in
			// the list and the history-to-be, and nothing is uploaded.
			jobs[i].ErrKind, jobs[i].ErrMsg = transfer.KindNameTwins, c.Refused
		}
	}
	_, err := ws.rt.engine.Enqueue(append(jobs, moved...)...)
	return err
}

// statuses returns each running watcher's health, by folder name.
func (ws *watchers) statuses() map[string]foldersync.Status {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	out := make(map[string]foldersync.Status, len(ws.running))
	for name, e := range ws.running {
		out[name] = e.w.Status()
	}
	return out
}

// changed returns a channel closed when any running watcher's status
// changes (health, or a full scan starting or ending; see
// foldersync.Watcher.Changed), and a function that releases it.
func (ws *watchers) changed() (<-chan struct{}, func()) {
	ws.mu.Lock()
	chans := make([]<-chan struct{}, 0, len(ws.running))
	for _, e := range ws.running {
		chans = append(chans, e.w.Changed())
	}
	ws.mu.Unlock()
	out, done := make(chan struct{}), make(chan struct{})
	var once sync.Once
	for _, c := range chans {
		go func() {
			select {
			case <-c:
				once.Do(func() { close(out) })
			case <-done:
			}
		}()
	}
	return out, func() { close(done) }
}

// wait blocks until every watcher has returned (after ctx ended), at most d.
func (ws *watchers) wait(d time.Duration) {
	done := make(chan struct{})
	go func() { ws.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// sentIndex answers a watcher's "was this exact version uploaded?" from
// the queue's sent index of its target and remote folder.
type sentIndex struct {
	q         *queue.Queue
	target    string
	remoteDir string
}

func (s sentIndex) Sent(rel string) (int64, time.Time, bool, error) {
	fp, ok, err := s.q.Sent(s.target, path.Join(s.remoteDir, rel))
	if errors.Is(err, queue.ErrCorrupt) {
		return 0, time.Time{}, false, nil // a damaged entry means: upload again
	}
	if err != nil || !ok {
		return 0, time.Time{}, false, err
	}
	return fp.Size, fp.ModTime, true, nil
}

// isRootRel reports whether p is root joined with the slash-separated rel
// (as filepath.Join would spell it for a clean root and rel), without
// building that path: the common case of a Candidate, whose on-disk name
// is its NFC name, costs no allocation per file.
func isRootRel(p, root, rel string) bool {
	if len(p) != len(root)+1+len(rel) || !strings.HasPrefix(p, root) || p[len(root)] != filepath.Separator {
		return false
	}
	return p[len(root)+1:] == filepath.FromSlash(rel)
}
