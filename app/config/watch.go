package config

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Change is what Watch reports after the config file or the secrets marker
// changed on disk.
type Change struct {
	// Config is the file's new content, nil when only secrets changed or
	// the file could not be read.
	Config *Config
	// Secrets names the targets whose stored secret was replaced
	// (MarkSecretChanged) since the last report.
	Secrets []string
	// Err is set when the file could not be read or is invalid (a hand
	// edit half done): the running config stays as it was.
	Err error
}

// watchSettle is how long Watch waits after a burst of file events before
// it reads the file (an editor writes in several steps).
const watchSettle = 100 * time.Millisecond

// Watch calls fn with every change of the config file or of the secrets
// marker until ctx ends, from one goroutine of its own. It watches the
// directory, not the file, so a replace by rename (every Store write, most
// editors) is seen too. A write that leaves the content as it was (this
// process's own save, reported to it already) is not reported. It returns
// once the watch is set up; an error means no watch could be set up.
func (s *Store) Watch(ctx context.Context, fn func(Change)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", s.path, err)
	}
	dir := filepath.Dir(s.path)
	// The first run has no config folder yet; the first save creates the
	// file in it, and that must be seen too.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		w.Close()
		return fmt.Errorf("watch %s: %w", s.path, err)
	}
	if err := w.Add(dir); err != nil {
		w.Close()
		return fmt.Errorf("watch %s: %w", s.path, err)
	}
	lastData, _ := readFile(s.path)
	lastGen, _ := s.secretGens()
	go func() {
		defer w.Close()
		var settle <-chan time.Time
		names := []string{filepath.Base(s.path), filepath.Base(s.markerPath())}
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if slices.Contains(names, filepath.Base(ev.Name)) {
					settle = time.After(watchSettle)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				fn(Change{Err: fmt.Errorf("watch %s: %w", s.path, err)})
			case <-settle:
				settle = nil
				var ch Change
				data, err := readFile(s.path)
				switch {
				case err != nil:
					ch.Err = fmt.Errorf("read config: %w", err)
				case !bytes.Equal(data, lastData):
					lastData = data
					ch.Config, ch.Err = s.Load()
				}
				gen, err := s.secretGens()
				if err == nil {
					for name, g := range gen {
						if lastGen[name] != g {
							ch.Secrets = append(ch.Secrets, name)
						}
					}
					lastGen = gen
				}
				slices.Sort(ch.Secrets)
				if ch.Config != nil || ch.Err != nil || len(ch.Secrets) > 0 {
					fn(ch)
				}
			}
		}
	}()
	return nil
}

// markerPath is the secrets marker beside the config file: per target, a
// generation that MarkSecretChanged raises. It holds no secret. A
// marker rather than a key in the config keeps the user's file free of
// bookkeeping, and a separate file lets a secret change reach the running
// app through the same directory watch.
func (s *Store) markerPath() string { return s.path + ".secrets-changed" }

// MarkSecretChanged tells running processes (their Watch) that target's
// stored secret was replaced, so they drop its cached credentials and
// retry its uploads that failed for them.
func (s *Store) MarkSecretChanged(target string) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	gen, err := s.secretGens()
	if err != nil {
		gen = map[string]uint64{} // an unreadable marker only loses counts
	}
	gen[target]++
	data, err := json.Marshal(gen)
	if err != nil {
		return err
	}
	return WriteFileAtomic(s.markerPath(), data)
}

// secretGens reads the marker (empty when missing).
func (s *Store) secretGens() (map[string]uint64, error) {
	gen := map[string]uint64{}
	data, err := readFile(s.markerPath())
	if err != nil || len(data) == 0 {
		return gen, err
	}
	if err := json.Unmarshal(data, &gen); err != nil {
		return map[string]uint64{}, fmt.Errorf("read %s: %w", s.markerPath(), err)
	}
	return maps.Clone(gen), nil
}
