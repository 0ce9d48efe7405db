package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/ferry-sync/ferry/icons"
)

// tray is the system tray icon and menu. It exists only where a tray host
// does (the app decides; on Linux a D-Bus session bus is required, see
// BUILD.md); every action in it is also in the main window.
type tray struct {
	u     *UI
	desk  desktop.App
	pause *fyne.MenuItem
	menu  *fyne.Menu
	icon  fyne.Resource
}

// EnableTray installs the tray icon and menu. quit is called for "Quit".
func (u *UI) EnableTray(desk desktop.App, quit func()) {
	t := &tray{u: u, desk: desk}
	t.pause = fyne.NewMenuItem("Pause all", u.togglePause)
	pauseHour := fyne.NewMenuItem("Pause for 1 hour", func() {
		u.act("pause", u.be.PauseAll(u.now().Add(time.Hour)))
	})
	folders := fyne.NewMenuItem("Open a watched folder", nil)
	folders.ChildMenu = fyne.NewMenu("")
	quitItem := fyne.NewMenuItem("Quit", quit)
	quitItem.IsQuit = true
	t.menu = fyne.NewMenu("Ferry",
		fyne.NewMenuItem("Show Ferry", u.ShowMain),
		fyne.NewMenuItemSeparator(),
		t.pause, pauseHour,
		folders,
		fyne.NewMenuItemSeparator(),
		quitItem,
	)
	t.setFolders(folders)
	u.tray = t
	desk.SetSystemTrayMenu(t.menu)
	t.update(u.model.currentStatus(), u.now())
}

func (t *tray) setFolders(item *fyne.MenuItem) {
	item.ChildMenu.Items = nil
	for _, f := range t.u.be.Folders() {
		path := f.Path
		item.ChildMenu.Items = append(item.ChildMenu.Items, fyne.NewMenuItem(f.Name, func() {
			t.u.openLocal(path)
		}))
	}
	item.Disabled = len(item.ChildMenu.Items) == 0
}

// update sets the icon and the pause label for st. UI goroutine.
func (t *tray) update(st Status, now time.Time) {
	icon := icons.TrayIdle
	switch {
	case st.Failed > 0:
		icon = icons.TrayError
	case st.PausedAt(now):
		icon = icons.TrayPaused
	case st.Uploading > 0:
		icon = icons.TrayUploading
	}
	label := "Pause all"
	if st.PausedAt(now) {
		label = "Resume all"
	}
	if label != t.pause.Label {
		t.pause.Label = label
		t.menu.Refresh()
	}
	if icon != t.icon {
		t.icon = icon
		t.desk.SetSystemTrayIcon(icon)
	}
}
