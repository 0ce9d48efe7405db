package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

const header = "# Ferry configuration. Secrets are never stored here: `ferry target add` keeps them\n" +
	"# in the OS keyring (or the secrets store chosen with `secrets`). Comments are not preserved.\n\n"

// Save validates cfg and writes it to path atomically: a temporary file in
// the same directory, synced, then renamed over the old one, so a crash
// leaves either the old or the new file. The file gets mode 0600 and a
// missing directory is created with mode 0700. An invalid cfg is refused
// with the *Error Validate returns and nothing is written. It is
// Store.Save: the write is locked against other writers, and a cfg loaded
// before another process added a target or folder is refused (ErrStale).
func Save(path string, cfg *Config) error { return NewStore(path).Save(cfg) }

// write validates cfg and writes it atomically; the caller holds the lock.
func write(path string, cfg *Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	data, err := encode(cfg)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data)
}

func encode(cfg *Config) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	if err := toml.NewEncoder(&buf).Encode(cfg); err != nil {
		return nil, fmt.Errorf("save config: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteFileAtomic writes data to path through a temporary file and a rename,
// with file mode 0600 and parent directories created with mode 0700.
func WriteFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp already uses 0600; Chmod makes it explicit and survives a
	// future change of that default.
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}
