package bench

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync/atomic"
	"time"

	foldersync "github.com/ferry-sync/ferry/sync"
)

// The scan and idle scenarios run the folder watcher (package sync) in
// this process over the scan tree: the scan is the same whatever the
// provider (sync never imports transfer), and only in-process can the scan
// be told apart from the uploads it starts.

// diskSent is a SentIndex that says every file of a tree was sent as it
// is on disk: the "unchanged" start of a watcher whose files are uploaded.
type diskSent map[string]stamp

type stamp struct {
	size int64
	mod  time.Time
}

func sentFromDisk(root string) (diskSent, error) {
	s := diskSent{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		s[filepath.ToSlash(rel)] = stamp{info.Size(), info.ModTime()}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sent index from disk: %w", err)
	}
	return s, nil
}

func (s diskSent) Sent(rel string) (int64, time.Time, bool, error) {
	st, ok := s[rel]
	return st.size, st.mod, ok, nil
}

// watcher is one running folder watcher over root.
type watcher struct {
	w       *foldersync.Watcher
	handed  atomic.Int64
	cancel  context.CancelFunc
	done    chan error
	started time.Time
}

// startWatcher starts a watcher over root with the sent index (nil: every
// file is new) and waits (at most timeout) until its startup scan is
// complete; handed counts the files it handed on.
func startWatcher(root string, sent foldersync.SentIndex, timeout time.Duration) (*watcher, error) {
	wt := &watcher{done: make(chan error, 1)}
	w, err := foldersync.New(foldersync.Folder{ID: "bench", Root: root, Enabled: true},
		foldersync.Options{Sent: sent, Emit: func(_ context.Context, batch []foldersync.Candidate) error {
			wt.handed.Add(int64(len(batch)))
			return nil
		}})
	if err != nil {
		return nil, fmt.Errorf("start watcher: %w", err)
	}
	wt.w = w
	ctx, cancel := context.WithCancel(context.Background())
	wt.cancel = cancel
	changed := w.Changed()
	wt.started = time.Now()
	go func() { wt.done <- w.Run(ctx) }()
	deadline := time.After(timeout)
	for w.Status().Scans < 1 {
		select {
		case <-changed:
			changed = w.Changed()
		case err := <-wt.done:
			cancel()
			return nil, fmt.Errorf("watcher stopped before its first scan: %v", err)
		case <-deadline:
			wt.stop()
			return nil, fmt.Errorf("watcher scan not finished within %s", timeout)
		}
	}
	return wt, nil
}

// stop ends the watcher and returns Run's error.
func (wt *watcher) stop() error {
	wt.cancel()
	return <-wt.done
}

// scanRuns times the startup scan of the scan tree, r.runs times each for
// a first start (every file new) and a restart (every file already sent),
// in seconds, with the CPU time this process spent.
func (r *runner) scanRuns() {
	sent, err := sentFromDisk(r.scanDir)
	if err != nil {
		r.res.failf("scan: %v", err)
		r.t.Errorf("scan: %v", err)
		return
	}
	for _, tc := range []struct {
		group string
		sent  foldersync.SentIndex
		want  int64
	}{
		{"scan-new", nil, int64(r.sz.ScanFiles)},
		{"scan-unchanged", sent, 0},
	} {
		s := r.res.get(tc.group, "", fmt.Sprintf("startup scan of %d files (%s)", r.sz.ScanFiles, tc.group[5:]), "s", false)
		for range r.runs {
			syncDisk()
			c0, err := selfCPU()
			if err != nil {
				r.t.Fatal(err)
			}
			wt, err := startWatcher(r.scanDir, tc.sent, 5*time.Minute)
			if err != nil {
				r.res.failf("%s: %v", tc.group, err)
				r.t.Errorf("%s: %v", tc.group, err)
				break
			}
			took := time.Since(wt.started)
			c1, err := selfCPU()
			if err != nil {
				r.t.Fatal(err)
			}
			if err := wt.stop(); err != nil {
				r.t.Errorf("%s: watcher: %v", tc.group, err)
			}
			if got := wt.handed.Load(); got != tc.want {
				r.res.failf("%s: handed on %d files, want %d", tc.group, got, tc.want)
				r.t.Errorf("%s: handed on %d files, want %d", tc.group, got, tc.want)
			}
			s.add(sample{Value: took.Seconds(), Wall: took.Seconds(), CPU: (c1 - c0).Seconds()})
		}
	}
}

// idleRun watches the scan tree with nothing changing for the idle window
// (after the startup scan) and records the CPU this process used, in
// percent of one core.
func (r *runner) idleRun() {
	s := r.res.get("idle", "", fmt.Sprintf("idle CPU watching %d files for %d s", r.sz.ScanFiles, r.sz.IdleWindow), "% of a core", false)
	if err := r.idleOnce(s); err != nil {
		r.res.failf("idle: %v", err)
		r.t.Errorf("idle: %v", err)
	}
}

func (r *runner) idleOnce(s *series) error {
	sent, err := sentFromDisk(r.scanDir)
	if err != nil {
		return err
	}
	syncDisk()
	wt, err := startWatcher(r.scanDir, sent, 5*time.Minute)
	if err != nil {
		return err
	}
	c0, err := selfCPU()
	if err != nil {
		return errIfNil(err, wt.stop())
	}
	window := time.Duration(r.sz.IdleWindow) * time.Second
	time.Sleep(window) // the measurement is this wall-clock window
	c1, err := selfCPU()
	st := wt.w.Status()
	if err := errIfNil(err, wt.stop()); err != nil {
		return err
	}
	if st.State != foldersync.HealthOK {
		return fmt.Errorf("watcher %s during the idle window: %s", st.State, st.Reason)
	}
	s.add(sample{Value: (c1 - c0).Seconds() / window.Seconds() * 100, Wall: window.Seconds(), CPU: (c1 - c0).Seconds()})
	return nil
}
