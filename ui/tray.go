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
	u       *UI
	desk    desktop.App
	pause   *fyne.MenuItem
	status  *fyne.MenuItem // the first line: what Ferry does now (disabled)
	folders *fyne.MenuItem
	menu    *fyne.Menu
	icon    fyne.Resource
	tooltip string
	// held is a disabled line at the top of the menu saying why Ferry
	// paused uploads by itself ("Paused: metered connection"); it is in
	// the menu only while that is so.
	held *fyne.MenuItem
}

// setHeld shows label in the held line, or removes the line for "".
func (t *tray) setHeld(label string) {
	in := len(t.menu.Items) > 0 && t.menu.Items[0] == t.held
	t.held.Label = label
	switch {
	case label != "" && !in:
		t.menu.Items = append([]*fyne.MenuItem{t.held}, t.menu.Items...)
	case label == "" && in:
		t.menu.Items = t.menu.Items[1:]
	}
}

// EnableTray installs the tray icon and menu. quit is called for "Quit".
func (u *UI) EnableTray(desk desktop.App, quit func()) {
	t := &tray{u: u, desk: desk, held: fyne.NewMenuItem("", nil)}
	t.held.Disabled = true
	t.pause = fyne.NewMenuItem("Pause all", u.togglePause)
	pauseHour := fyne.NewMenuItem("Pause for 1 hour", func() {
		u.act("pause", u.be.PauseAll(u.now().Add(time.Hour)))
	})
	folders := fyne.NewMenuItem("Open a watched folder", nil)
	folders.ChildMenu = fyne.NewMenu("")
	quitItem := fyne.NewMenuItem("Quit", quit)
	quitItem.IsQuit = true
	t.status = fyne.NewMenuItem("Up to date", nil)
	t.status.Disabled = true
	t.menu = fyne.NewMenu("Ferry",
		t.status,
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Show Ferry", u.ShowMain),
		fyne.NewMenuItem("Settings…", u.ShowSettings),
		fyne.NewMenuItemSeparator(),
		t.pause, pauseHour,
		folders,
		fyne.NewMenuItemSeparator(),
		quitItem,
	)
	t.folders = folders
	t.setFolderList(u.be.Folders())
	u.tray = t
	desk.SetSystemTrayMenu(t.menu)
	t.update(u.model.currentStatus(), u.now())
}

// setFolderList fills the folder submenu from folders (each opens its
// folder; one that does not work says so) and refreshes the menu when it
// changed. UI goroutine.
func (t *tray) setFolderList(folders []Folder) {
	var items []*fyne.MenuItem
	for _, f := range folders {
		path := f.Path
		label := f.Name
		if len(folderProblems([]Folder{f})) > 0 {
			label += " — " + f.Health
		}
		items = append(items, fyne.NewMenuItem(label, func() {
			t.u.openLocal(path)
		}))
	}
	if sameLabels(t.folders.ChildMenu.Items, items) {
		return
	}
	t.folders.ChildMenu.Items = items
	t.folders.Disabled = len(items) == 0
	t.menu.Refresh()
}

func sameLabels(a, b []*fyne.MenuItem) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Label != b[i].Label {
			return false
		}
	}
	return true
}

// update sets the icon and the pause label for st. UI goroutine.
func (t *tray) update(st Status, now time.Time) {
	icon := icons.TrayIdle
	switch {
	case st.Failed > 0:
		icon = icons.TrayError
	case st.PausedAt(now) || st.Held != "":
		icon = icons.TrayPaused
	case st.Uploading > 0:
		icon = icons.TrayUploading
	}
	label := "Pause all"
	if st.PausedAt(now) {
		label = "Resume all"
	}
	line := t.u.trayStatus(st, now)
	held := ""
	if st.Held != "" {
		held = "Paused: " + st.Held
	}
	if label != t.pause.Label || line != t.status.Label || held != t.held.Label {
		t.pause.Label = label
		t.status.Label = line
		t.setHeld(held)
		t.menu.Refresh()
	}
	if line != t.tooltip && t.u.trayTooltip != nil {
		t.tooltip = line
		t.u.trayTooltip("Ferry: " + line)
	}
	if icon != t.icon {
		t.icon = icon
		t.desk.SetSystemTrayIcon(icon)
	}
}
