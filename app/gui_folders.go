package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/ferry-sync/ferry/app/config"
	foldersync "github.com/ferry-sync/ferry/sync"
	"github.com/ferry-sync/ferry/ui"
)

// Folders lists the watched folders with their watcher's health: "ok",
// "degraded: <reason>", "failed: <reason>", "starting", or "off" for a
// disabled folder.
func (b *guiBackend) Folders() []ui.Folder {
	cfg := b.config()
	health := b.ws.statuses()
	out := make([]ui.Folder, 0, len(cfg.Folders))
	for _, f := range cfg.Folders {
		uf := ui.Folder{
			Name: f.Name, Path: f.Path, Target: f.Target, RemoteDir: f.RemoteDir,
			Conflict: f.ConflictOrDefault(), Ignore: f.Ignore, Enabled: f.IsEnabled(),
			Health: "off",
		}
		if st, ok := health[f.Name]; ok && uf.Enabled {
			uf.Health = folderHealth(st)
		}
		out = append(out, uf)
	}
	return out
}

func folderHealth(st foldersync.Status) string {
	h := st.State.String()
	if st.Reason != "" && (st.State == foldersync.HealthDegraded || st.State == foldersync.HealthFailed) {
		h += ": " + st.Reason
	}
	if st.State == foldersync.HealthStarting && st.Scan.Running {
		h = "scanning"
	}
	return h
}

// SaveFolder adds f, or replaces the folder of that name, saves the config
// and starts (or restarts) its watcher at once. The folder must exist.
func (b *guiBackend) SaveFolder(f ui.Folder) error {
	abs, err := filepath.Abs(f.Path)
	if err != nil {
		return fmt.Errorf("watch folder: %w", err)
	}
	fi, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) && f.Create {
		if err = os.MkdirAll(abs, 0o755); err == nil {
			fi, err = os.Stat(abs)
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s does not exist: %w", abs, ui.ErrFolderMissing)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a folder", abs)
	}
	cf := config.Folder{
		Name: f.Name, Path: abs, Target: f.Target, RemoteDir: normRemoteDir(f.RemoteDir),
		Conflict: f.Conflict, Ignore: f.Ignore,
	}
	if !f.Enabled {
		cf.Enabled = new(bool)
	}
	b.editMu.Lock()
	defer b.editMu.Unlock()
	err = b.editConfigLocked(func(c *config.Config) error {
		if c.Target(cf.Target) == nil {
			return fmt.Errorf("watch folder: no target %q", cf.Target)
		}
		if i := slices.IndexFunc(c.Folders, func(x config.Folder) bool { return x.Name == cf.Name }); i >= 0 {
			c.Folders[i] = cf
		} else {
			c.Folders = append(c.Folders, cf)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return b.ws.apply(b.ctx, b.config().Folders)
}

// RemoveFolder stops watching name and removes it from the config. Files
// already queued from it stay queued.
func (b *guiBackend) RemoveFolder(name string) error {
	b.editMu.Lock()
	defer b.editMu.Unlock()
	err := b.editConfigLocked(func(c *config.Config) error {
		if c.Folder(name) == nil {
			return fmt.Errorf("remove folder: no folder %q", name)
		}
		c.Folders = slices.DeleteFunc(c.Folders, func(x config.Folder) bool { return x.Name == name })
		return nil
	})
	if err != nil {
		return err
	}
	return b.ws.apply(b.ctx, b.config().Folders)
}
