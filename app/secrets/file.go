package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"

	"github.com/ferry-sync/ferry/app/config"
)

// File keeps secrets in a file the user explicitly chose with
// --secrets file:PATH, for headless machines without a Secret Service. The
// file maps target names to tables of secret names and values:
//
//	[work]
//	api_key = "..."
//
// It is JSON ({"work": {"api_key": "..."}}) when PATH ends in ".json",
// TOML otherwise. Ferry writes it atomically with mode 0600 and refuses to
// read it when its mode lets anyone but the owner read or write it, or on
// Windows when its access list does (fileperm_windows.go; Ferry gives a
// file it writes an owner-only access list), because a world-readable
// secret file is exactly the leak the keyring exists to avoid.
//
// A mutex serialises this process's read-modify-write cycles; two Ferry
// processes writing at once can lose one update (the last rename wins).
type File struct {
	path string
	mu   sync.Mutex
}

// NewFile returns the store for path; nothing is read until first use.
func NewFile(path string) *File { return &File{path: path} }

type fileData map[string]map[string]string

// ErrFileMode is wrapped (with ErrUnavailable) when the secret file's mode
// is wider than 0600, or on Windows its access list admits others.
var ErrFileMode = errors.New("secret file is readable or writable by others")

func (f *File) load() (fileData, error) {
	fi, err := os.Stat(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileData{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err := checkPrivate(f.path, fi); err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(f.path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	d := fileData{}
	if f.isJSON() {
		err = json.Unmarshal(raw, &d)
	} else {
		_, err = toml.Decode(string(raw), &d)
	}
	if err != nil {
		// The decoder's message may quote the file's content; keep only
		// its type so a secret cannot reach a log through it.
		return nil, fmt.Errorf("%w: %s is not a %s map of targets to secrets (%T)",
			ErrUnavailable, f.path, f.format(), err)
	}
	return d, nil
}

func (f *File) isJSON() bool { return strings.EqualFold(filepath.Ext(f.path), ".json") }

func (f *File) format() string {
	if f.isJSON() {
		return "JSON"
	}
	return "TOML"
}

func (f *File) save(d fileData) error {
	var buf bytes.Buffer
	if f.isJSON() {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return err
		}
	} else if err := toml.NewEncoder(&buf).Encode(d); err != nil {
		return err
	}
	if err := config.WriteFileAtomic(f.path, buf.Bytes()); err != nil {
		return err
	}
	return restrictNew(f.path)
}

// Get returns the stored value or ErrNotFound.
func (f *File) Get(target, name string) (string, error) {
	if err := checkKey("get", target, name); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.load()
	if err != nil {
		return "", fmt.Errorf("get secret %s for target %q: %w", name, target, err)
	}
	v, ok := d[target][name]
	if !ok {
		return "", fmt.Errorf("get secret %s for target %q: %w in %s", name, target, ErrNotFound, f.path)
	}
	return v, nil
}

// Set stores value, creating the file (0600) and its directory (0700).
func (f *File) Set(target, name, value string) error {
	if err := checkKey("store", target, name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.load()
	if err != nil {
		return fmt.Errorf("store secret %s for target %q: %w", name, target, err)
	}
	if d[target] == nil {
		d[target] = map[string]string{}
	}
	d[target][name] = value
	if err := f.save(d); err != nil {
		return fmt.Errorf("store secret %s for target %q: %w", name, target, err)
	}
	return nil
}

// Delete removes the value; a missing value or file is not an error.
func (f *File) Delete(target, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.load()
	if err != nil {
		return fmt.Errorf("delete secret %s for target %q: %w", name, target, err)
	}
	if _, ok := d[target][name]; !ok {
		return nil
	}
	delete(d[target], name)
	if len(d[target]) == 0 {
		delete(d, target)
	}
	if err := f.save(d); err != nil {
		return fmt.Errorf("delete secret %s for target %q: %w", name, target, err)
	}
	return nil
}

// Describe names the backend and its path.
func (f *File) Describe() string { return "secret file " + f.path }
