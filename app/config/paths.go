package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Environment variables that override the default locations (for tests and
// for running several independent instances).
const (
	EnvConfig  = "FERRY_CONFIG"
	EnvDataDir = "FERRY_DATA_DIR"
)

// Paths are the files and folders Ferry uses on this machine.
type Paths struct {
	// ConfigFile is the config file: os.UserConfigDir()/ferry/config.toml
	// by default.
	ConfigFile string
	// DataDir holds the queue database and the logs. Defaults:
	//   Linux and BSD: $XDG_DATA_HOME/ferry, else ~/.local/share/ferry
	//   macOS:         ~/Library/Application Support/ferry (os.UserConfigDir)
	//   Windows:       %LocalAppData%\ferry (os.UserCacheDir), so the queue
	//                  does not roam with the profile
	DataDir string
}

// QueueFile is the bbolt queue database in the data dir.
func (p Paths) QueueFile() string { return filepath.Join(p.DataDir, "queue.db") }

// ProviderDir is the folder where providers keep their own crash records
// (Twake's list of file entities created and not yet finished).
func (p Paths) ProviderDir() string { return filepath.Join(p.DataDir, "providers") }

// LogDir is the folder of the rotating log files.
func (p Paths) LogDir() string { return filepath.Join(p.DataDir, "logs") }

// ResolvePaths picks each location from, in order: the flag value (if not
// empty), the environment variable (FERRY_CONFIG, FERRY_DATA_DIR) read with
// getenv, then the platform default. Relative paths are made absolute. It
// fails only when a default is needed and the home directory is unknown.
func ResolvePaths(configFlag, dataFlag string, getenv func(string) string) (Paths, error) {
	var p Paths
	var err error
	p.ConfigFile = first(configFlag, getenv(EnvConfig))
	if p.ConfigFile == "" {
		dir, derr := os.UserConfigDir()
		if derr != nil {
			return Paths{}, fmt.Errorf("find config dir: %w (set --config or %s)", derr, EnvConfig)
		}
		p.ConfigFile = filepath.Join(dir, "ferry", "config.toml")
	}
	p.DataDir = first(dataFlag, getenv(EnvDataDir))
	if p.DataDir == "" {
		if p.DataDir, err = defaultDataDir(runtime.GOOS, getenv); err != nil {
			return Paths{}, fmt.Errorf("find data dir: %w (set --data-dir or %s)", err, EnvDataDir)
		}
	}
	if p.ConfigFile, err = filepath.Abs(p.ConfigFile); err != nil {
		return Paths{}, err
	}
	if p.DataDir, err = filepath.Abs(p.DataDir); err != nil {
		return Paths{}, err
	}
	return p, nil
}

func defaultDataDir(goos string, getenv func(string) string) (string, error) {
	switch goos {
	case "windows":
		dir, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(dir, "ferry"), nil
	case "darwin", "ios":
		dir, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(dir, "ferry"), nil
	}
	if x := getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "ferry"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("neither $XDG_DATA_HOME nor $HOME is set")
	}
	return filepath.Join(home, ".local", "share", "ferry"), nil
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
