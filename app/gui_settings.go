package app

import (
	"fmt"

	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/ui"
)

// Settings returns the preferences from the current config. It is cheap
// (no I/O): the notifier calls it for every finished upload.
func (b *guiBackend) Settings() ui.Settings {
	cfg := b.config()
	return ui.Settings{
		ParallelFiles:  cfg.Transfer.ParallelFilesOrDefault(),
		Bandwidth:      int64(cfg.Transfer.BandwidthLimit),
		NotifyUploaded: cfg.UI.Notifications.UploadedOn(),
		NotifyFailed:   cfg.UI.Notifications.FailedOn(),
		StartAtLogin:   cfg.UI.StartAtLogin,
		LastTarget:     cfg.UI.LastTarget,
		LastRemoteDir:  cfg.UI.LastRemoteDir,
		AutostartNote:  b.loginNote,

		BandwidthSchedule: cfg.Transfer.BandwidthSchedule,
		PauseOnMetered:    cfg.Transfer.PauseOnMetered,
		MeteredNote:       b.meteredNote(),
	}
}

// SaveSettings stores s in the config ([transfer] and [ui]) and applies
// what changed: the engine's limits at once, and the login item when
// "start at login" changed (before the config is saved, so a refused login
// item leaves the setting as it was). "Needs attention" notifications
// follow the failure switch: the window offers one switch for both.
func (b *guiBackend) SaveSettings(s ui.Settings) error {
	if s.ParallelFiles < 1 || s.Bandwidth < 0 {
		return fmt.Errorf("save settings: %d files at once and %d bytes per second are out of range", s.ParallelFiles, s.Bandwidth)
	}
	b.editMu.Lock()
	defer b.editMu.Unlock()
	cur := b.config()
	if s.StartAtLogin != cur.UI.StartAtLogin {
		if s.StartAtLogin && b.loginExe == "" {
			return fmt.Errorf("save settings: start at login: %s", b.loginNote)
		}
		if err := b.autostart(s.StartAtLogin, b.loginExe); err != nil {
			return fmt.Errorf("save settings: start at login: %w", err)
		}
	}
	if s.ParallelFiles != cur.Transfer.ParallelFilesOrDefault() {
		if err := b.rt.engine.SetParallel(s.ParallelFiles); err != nil {
			return fmt.Errorf("save settings: %w", err)
		}
	}
	if err := checkSchedule(s.BandwidthSchedule); err != nil {
		return err
	}
	return b.editConfigLocked(func(c *config.Config) error {
		c.Transfer.ParallelFiles = s.ParallelFiles
		setBandwidth(c, s.Bandwidth, s.BandwidthSchedule)
		if b.meteredNote() == "" {
			c.Transfer.PauseOnMetered = s.PauseOnMetered
		}
		c.UI.Notifications.Uploaded = switchValue(s.NotifyUploaded, c.UI.Notifications.UploadedOn(), c.UI.Notifications.Uploaded)
		c.UI.Notifications.Failed = switchValue(s.NotifyFailed, c.UI.Notifications.FailedOn(), c.UI.Notifications.Failed)
		c.UI.Notifications.Attention = switchValue(s.NotifyFailed, c.UI.Notifications.AttentionOn(), c.UI.Notifications.Attention)
		c.UI.StartAtLogin = s.StartAtLogin
		c.UI.LastTarget, c.UI.LastRemoteDir = s.LastTarget, s.LastRemoteDir
		return nil
	})
}

// switchValue keeps a notification switch unset (the default) while the
// user leaves it at the default, and records an explicit choice otherwise.
func switchValue(want, current bool, field *bool) *bool {
	if want == current {
		return field
	}
	return &want
}
