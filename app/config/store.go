package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Store is the one owner of a config file: the CLI, the desktop app and
// `ferry watch` all change it through a Store, so a change made by one is
// never lost to another.
//
// Every write happens under an exclusive lock on a file beside the config
// (PATH.lock: flock on Unix, LockFileEx on Windows), which serialises
// writers across processes, and is atomic (a temporary file, fsync,
// rename). Apply re-reads the file under that lock and edits what it
// read, so an edit can never drop an entry its writer did not see. Save,
// for a writer holding a config it loaded earlier, refuses (ErrStale) to
// drop a target or folder that was added to the file since.
//
// Running processes follow the file with Watch.
type Store struct {
	path string
}

// ErrStale means a save would drop a target or folder that another
// process (or a hand edit) added after the writer loaded the file.
var ErrStale = errors.New("the config file changed since it was read")

// NewStore returns the store of the config file at path (which need not
// exist yet).
func NewStore(path string) *Store { return &Store{path: path} }

// Path is the config file's path.
func (s *Store) Path() string { return s.path }

// Load reads the file (an empty Config when there is none), like Load.
func (s *Store) Load() (*Config, error) { return Load(s.path) }

// Apply locks the file, reads it afresh, lets edit change that config and
// writes the result (validated; nothing is written when edit or the
// validation fails). It returns the config as saved. edit must not keep
// the config it is given.
func (s *Store) Apply(edit func(*Config) error) (*Config, error) {
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	cur, err := Load(s.path)
	if err != nil {
		return nil, err
	}
	if err := edit(cur); err != nil {
		return nil, err
	}
	if err := write(s.path, cur); err != nil {
		return nil, err
	}
	cur.base = baseOf(cur)
	return cur, nil
}

// Save writes cfg under the lock. When cfg was loaded from the file (Load,
// Store.Load, Apply) and the file has since gained a target or folder
// that cfg does not have, the save is refused with an error wrapping
// ErrStale and nothing is written: the writer never saw that entry, so
// dropping it cannot be what the user meant.
func (s *Store) Save(cfg *Config) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.checkStale(cfg); err != nil {
		return err
	}
	return write(s.path, cfg)
}

// checkStale compares the file as it is now with cfg and the version cfg
// was loaded from.
func (s *Store) checkStale(cfg *Config) error {
	if cfg.base == nil {
		return nil // built from nothing: a new file, the writer owns it
	}
	cur, err := Load(s.path)
	if err != nil {
		// An unreadable file cannot be merged; the user must fix it first.
		return fmt.Errorf("save %s: %w", s.path, err)
	}
	var lost []string
	for _, t := range cur.Targets {
		if !slices.Contains(cfg.base.targets, t.Name) && cfg.Target(t.Name) == nil {
			lost = append(lost, "target "+t.Name)
		}
	}
	for _, f := range cur.Folders {
		if !slices.Contains(cfg.base.folders, f.Name) && cfg.Folder(f.Name) == nil {
			lost = append(lost, "folder "+f.Name)
		}
	}
	if len(lost) > 0 {
		return fmt.Errorf("save %s: %w: it now holds %s, which this save would remove; nothing was saved, make the change again",
			s.path, ErrStale, strings.Join(lost, ", "))
	}
	return nil
}

// lock takes the cross-process lock and returns its release.
func (s *Store) lock() (func(), error) {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", s.path, err)
	}
	f, err := os.OpenFile(s.path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", s.path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", s.path, err)
	}
	return func() { f.Close() }, nil
}

// base records what a loaded config held, for Save's stale check.
type base struct {
	targets []string
	folders []string
}

func baseOf(c *Config) *base {
	b := &base{}
	for _, t := range c.Targets {
		b.targets = append(b.targets, t.Name)
	}
	for _, f := range c.Folders {
		b.folders = append(b.folders, f.Name)
	}
	return b
}

// readFile returns the file's bytes, nil when it does not exist.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}
