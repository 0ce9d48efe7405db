package ui

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

var conflictChoices = []string{"rename", "overwrite", "skip"}

func (u *UI) foldersTab(w fyne.Window) fyne.CanvasObject {
	var folders []Folder
	selected := -1
	list := widget.NewList(
		func() int { return len(folders) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			f := folders[i]
			state := "on"
			if !f.Enabled {
				state = "off"
			}
			o.(*widget.Label).SetText(fmt.Sprintf("%s: %s → %s:/%s (%s, %s) — watcher %s",
				f.Name, f.Path, f.Target, f.RemoteDir, f.Conflict, state, f.Health))
		})
	var full *widget.Label
	reload := func() {
		folders = u.be.Folders()
		selected = -1
		if full != nil {
			full.SetText("")
		}
		list.UnselectAll()
		list.Refresh()
	}
	// The selected folder in full, wrapped: a list row may cut it short.
	full = widget.NewLabel("")
	full.Wrapping = fyne.TextWrapWord
	list.OnSelected = func(i widget.ListItemID) {
		selected = i
		f := folders[i]
		full.SetText(fmt.Sprintf("%s: %s → %s:/%s\nWatcher: %s", f.Name, f.Path, f.Target, f.RemoteDir, f.Health))
	}
	add := widget.NewButtonWithIcon("Add…", theme.ContentAddIcon(), func() { u.addFolder(w, reload) })
	remove := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() {
		if selected < 0 {
			return
		}
		name := folders[selected].Name
		dialog.ShowConfirm("Stop watching", "Stop watching "+name+"? Files already uploaded stay on the server.",
			func(ok bool) {
				if ok {
					u.actIn(w, "remove folder", u.be.RemoveFolder(name))
					reload()
				}
			}, w)
	})
	reload()
	return container.NewBorder(nil, container.NewVBox(full, container.NewHBox(add, remove)), nil, nil, list)
}

func (u *UI) addFolder(w fyne.Window, done func()) {
	targets := u.be.Targets()
	if len(targets) == 0 {
		dialog.ShowInformation("No target yet", "Add a target first: watched folders upload to one.", w)
		return
	}
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.Name
	}
	path := widget.NewEntry()
	path.SetPlaceHolder("/home/me/Documents/outbox")
	pick := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		dialog.ShowFolderOpen(func(l fyne.ListableURI, err error) {
			if err == nil && l != nil {
				path.SetText(l.Path())
			}
		}, w)
	})
	name := widget.NewEntry()
	name.SetPlaceHolder("defaults to the folder's name")
	target := widget.NewSelect(names, nil)
	target.SetSelected(names[0])
	remote := widget.NewEntry()
	remote.SetPlaceHolder("remote folder (empty: the target's root)")
	conflict := widget.NewSelect(conflictChoices, nil)
	conflict.SetSelected("rename")
	ignore := widget.NewMultiLineEntry()
	ignore.SetPlaceHolder("gitignore patterns, one per line, e.g. *.iso\nbuild/")
	form := widget.NewForm(
		widget.NewFormItem("Folder", container.NewBorder(nil, nil, nil, pick, path)),
		widget.NewFormItem("Name", name),
		widget.NewFormItem("Upload to", target),
		widget.NewFormItem("Remote folder", remote),
		widget.NewFormItem("If the name exists", conflict),
		widget.NewFormItem("Ignore", ignore),
	)
	d := dialog.NewCustomConfirm("Watch a folder", "Watch", "Cancel", form, func(ok bool) {
		if !ok {
			return
		}
		f := Folder{
			Name: strings.TrimSpace(name.Text), Path: strings.TrimSpace(path.Text),
			Target: target.Selected, RemoteDir: strings.Trim(strings.TrimSpace(remote.Text), "/"),
			Conflict: conflict.Selected, Ignore: splitLines(ignore.Text), Enabled: true,
		}
		if f.Path == "" {
			u.actIn(w, "watch folder", errors.New("choose a folder to watch"))
			return
		}
		if f.Name == "" {
			f.Name = filepath.Base(f.Path)
		}
		u.saveFolder(w, f, done)
	}, w)
	d.Resize(fyne.NewSize(600, 480))
	d.Show()
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// saveFolder saves f; for a folder that does not exist it asks whether to
// create it, then saves again with Create set.
func (u *UI) saveFolder(w fyne.Window, f Folder, done func()) {
	err := u.be.SaveFolder(f)
	switch {
	case err == nil:
		done()
	case errors.Is(err, ErrFolderMissing) && !f.Create:
		dialog.ShowConfirm("Create the folder?", f.Path+" does not exist. Create it and watch it?", func(ok bool) {
			if ok {
				f.Create = true
				u.saveFolder(w, f, done)
			}
		}, w)
	default:
		u.actIn(w, "watch folder", err)
	}
}
