package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fakeBackend is an in-memory Backend that records every call.
type fakeBackend struct {
	mu       sync.Mutex
	items    []Item
	status   Status
	targets  []Target
	folders  []Folder
	settings Settings
	calls    []string
	uploads  []fakeUpload
	saved    []Target
	secrets  []map[string]string
	watchers []func(Change)
	testErr  error
	secErr   error
}

type fakeUpload struct {
	paths     []string
	target    string
	remoteDir string
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{
		status:   Status{Parallel: 4},
		settings: Settings{ParallelFiles: 4, NotifyUploaded: true, NotifyFailed: true},
		targets:  []Target{{Name: "work", Kind: "quatrix", HasSecret: true}, {Name: "share", Kind: "filesro"}},
	}
}

func (f *fakeBackend) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeBackend) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeBackend) Items() []Item  { return f.items }
func (f *fakeBackend) Status() Status { return f.status }
func (f *fakeBackend) emit(c Change) {
	f.mu.Lock()
	ws := append([]func(Change){}, f.watchers...)
	f.mu.Unlock()
	for _, w := range ws {
		w(c)
	}
}

func (f *fakeBackend) Watch(fn func(Change)) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.watchers = append(f.watchers, fn)
	return func() {}
}

func (f *fakeBackend) PauseAll(until time.Time) error {
	if until.IsZero() {
		f.record("pause")
	} else {
		f.record("pause until")
	}
	return nil
}
func (f *fakeBackend) ResumeAll() error { f.record("resume"); return nil }
func (f *fakeBackend) Retry(id uint64) error {
	f.record("retry " + itoa(id))
	return nil
}

func (f *fakeBackend) Cancel(id uint64) error {
	f.record("cancel " + itoa(id))
	return nil
}
func (f *fakeBackend) RetryAll() error { f.record("retry all"); return nil }
func (f *fakeBackend) SetBandwidth(bps int64) error {
	f.record("bandwidth " + itoa(uint64(bps)))
	return nil
}

func (f *fakeBackend) SetParallel(n int) error {
	f.record("parallel " + itoa(uint64(n)))
	return nil
}

func (f *fakeBackend) Upload(paths []string, target, remoteDir string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uploads = append(f.uploads, fakeUpload{paths, target, remoteDir})
	return len(paths), nil
}

func (f *fakeBackend) TargetKinds() []KindSpec {
	return []KindSpec{{Kind: "quatrix", Label: "Quatrix", Fields: []Field{
		{Key: "base_url", Label: "Address", Required: true},
		{Key: "email", Label: "Email"},
		{Key: "api_key", Label: "API key", Secret: true, Required: true},
	}}}
}
func (f *fakeBackend) Targets() []Target { return f.targets }
func (f *fakeBackend) SaveTarget(t Target, secrets map[string]string) error {
	f.saved = append(f.saved, t)
	f.secrets = append(f.secrets, secrets)
	return nil
}

func (f *fakeBackend) TestTarget(context.Context, string) error { return f.testErr }

func (f *fakeBackend) CheckTarget(_ context.Context, t Target, _ map[string]string) error {
	f.record("check target " + t.Name)
	return f.testErr
}

func (f *fakeBackend) RemoveTarget(name string) error {
	f.record("remove target " + name)
	return nil
}
func (f *fakeBackend) SecretsProblem() error { return f.secErr }
func (f *fakeBackend) Folders() []Folder     { return f.folders }
func (f *fakeBackend) SaveFolder(fo Folder) error {
	if strings.Contains(fo.Path, "missing") && !fo.Create {
		return fmt.Errorf("watch folder: %s does not exist: %w", fo.Path, ErrFolderMissing)
	}
	f.folders = append(f.folders, fo)
	return nil
}

func (f *fakeBackend) RemoveFolder(name string) error {
	f.record("remove folder " + name)
	return nil
}
func (f *fakeBackend) Settings() Settings { return f.settings }
func (f *fakeBackend) SaveSettings(s Settings) error {
	f.record("save settings")
	f.settings = s
	return nil
}

func (f *fakeBackend) SetupSandbox(watch bool) (string, error) {
	if !watch {
		return "", errors.New("fake: no folder")
	}
	return "/tmp/outbox", nil
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
