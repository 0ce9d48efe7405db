package ui

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ShowSettings opens (or raises) the settings window.
func (u *UI) ShowSettings() {
	if u.settings != nil {
		u.settings.Show()
		u.settings.RequestFocus()
		return
	}
	w := u.app.NewWindow("Ferry settings")
	u.settingsTabs = u.settingsContent(w)
	w.SetContent(u.settingsTabs)
	w.Resize(fyne.NewSize(720, 560))
	w.SetOnClosed(func() { u.settings, u.settingsTabs = nil, nil })
	u.settings = w
	w.Show()
}

// settingsContent builds the settings tabs from the backend's current
// state. Building them only reads: every widget gets its value before its
// change handler is attached, so populating never saves.
func (u *UI) settingsContent(w fyne.Window) *container.AppTabs {
	return container.NewAppTabs(
		container.NewTabItemWithIcon("Targets", theme.StorageIcon(), u.targetsTab(w)),
		container.NewTabItemWithIcon("Watched folders", theme.FolderIcon(), u.foldersTab(w)),
		container.NewTabItemWithIcon("Transfers", theme.UploadIcon(), u.transfersTab()),
		container.NewTabItemWithIcon("Notifications", theme.InfoIcon(), u.notificationsTab()),
		container.NewTabItemWithIcon("General", theme.SettingsIcon(), u.generalTab()),
	)
}

// ConfigChanged shows a config changed elsewhere (the CLI, another
// process, a hand edit): an open settings window is rebuilt from it (on
// the tab it showed) and the tray's folder menu follows. UI goroutine.
func (u *UI) ConfigChanged() {
	if u.settings != nil && u.settingsTabs != nil {
		sel := u.settingsTabs.SelectedIndex()
		u.settingsTabs = u.settingsContent(u.settings)
		u.settingsTabs.SelectIndex(sel)
		u.settings.SetContent(u.settingsTabs)
	}
	u.refreshFolders()
}

func (u *UI) targetsTab(w fyne.Window) fyne.CanvasObject {
	var targets []Target
	selected := -1
	list := widget.NewList(
		func() int { return len(targets) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			t := targets[i]
			secret := "no secret stored"
			if t.HasSecret {
				secret = "secret stored"
			}
			o.(*widget.Label).SetText(fmt.Sprintf("%s — %s, %s", t.Name, kindLabel(u.be.TargetKinds(), t.Kind), secret))
		})
	reload := func() {
		targets = u.be.Targets()
		selected = -1
		list.UnselectAll()
		list.Refresh()
	}
	list.OnSelected = func(i widget.ListItemID) { selected = i }
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	if err := u.be.SecretsProblem(); err != nil {
		status.SetText("Secrets cannot be stored: " + err.Error())
	}
	add := widget.NewButtonWithIcon("Add…", theme.ContentAddIcon(), func() { u.showTargetForm(w, nil, reload) })
	edit := widget.NewButtonWithIcon("Edit…", theme.DocumentCreateIcon(), func() {
		if selected < 0 {
			return
		}
		t := targets[selected]
		u.showTargetForm(w, &t, reload)
	})
	problem := newProblemView()
	test := widget.NewButtonWithIcon("Test login", theme.ConfirmIcon(), func() {
		if selected < 0 {
			return
		}
		name := targets[selected].Name
		status.SetText("Testing " + name + "…")
		problem.hide()
		u.background(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := u.be.TestTarget(ctx, name)
			fyne.Do(func() {
				if err != nil {
					status.SetText("")
					p := *problemOf(err)
					p.Reason = name + ": " + p.Reason
					problem.show(&p)
					return
				}
				status.SetText(name + ": the login works and uploads are allowed.")
			})
		})
	})
	remove := widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() {
		if selected < 0 {
			return
		}
		name := targets[selected].Name
		dialog.ShowConfirm("Remove target", "Remove "+name+" and its stored secret?", func(ok bool) {
			if ok {
				u.actIn(w, "remove target", u.be.RemoveTarget(name))
				reload()
			}
		}, w)
	})
	reload()
	return container.NewBorder(nil, container.NewVBox(container.NewHBox(add, edit, test, remove), status, problem.box), nil, nil, list)
}

func (u *UI) transfersTab() fyne.CanvasObject {
	st := u.be.Settings()
	parallel := widget.NewSelect([]string{"1", "2", "3", "4", "6", "8", "12", "16"}, nil)
	parallel.SetSelected(strconv.Itoa(st.ParallelFiles))
	parallel.OnChanged = func(s string) {
		n, _ := strconv.Atoi(s) // options are numbers
		cur := u.be.Settings()
		if n != cur.ParallelFiles {
			cur.ParallelFiles = n
			u.act("save settings", u.be.SaveSettings(cur))
		}
	}
	labels := make([]string, len(bandwidthChoices))
	for i, c := range bandwidthChoices {
		labels[i] = c.label
	}
	bw := widget.NewSelect(labels, nil)
	bw.SetSelected(bandwidthLabel(st.Bandwidth))
	bw.OnChanged = func(label string) {
		for _, c := range bandwidthChoices {
			cur := u.be.Settings()
			if c.label == label && (c.bps != cur.Bandwidth || cur.BandwidthSchedule != "") {
				cur.Bandwidth, cur.BandwidthSchedule = c.bps, "" // one rate replaces a timetable
				u.act("save settings", u.be.SaveSettings(cur))
			}
		}
	}
	note := widget.NewLabel("The bandwidth limit is shared by all uploads; it never reduces how many files go at once.")
	note.Wrapping = fyne.TextWrapWord
	return container.NewVBox(widget.NewForm(
		widget.NewFormItem("Files at once", parallel),
		widget.NewFormItem("Bandwidth limit", bw)), note, u.limitsSettings())
}

func (u *UI) notificationsTab() fyne.CanvasObject {
	st := u.be.Settings()
	save := func(apply func(*Settings)) {
		cur := u.be.Settings()
		before := cur
		apply(&cur)
		if cur != before {
			u.act("save settings", u.be.SaveSettings(cur))
		}
	}
	uploaded := widget.NewCheck("When uploads finish (one summary per batch)", nil)
	uploaded.SetChecked(st.NotifyUploaded)
	uploaded.OnChanged = func(on bool) { save(func(s *Settings) { s.NotifyUploaded = on }) }
	failed := widget.NewCheck("When an upload needs attention", nil)
	failed.SetChecked(st.NotifyFailed)
	failed.OnChanged = func(on bool) { save(func(s *Settings) { s.NotifyFailed = on }) }
	return container.NewVBox(uploaded, failed)
}

func (u *UI) generalTab() fyne.CanvasObject {
	st := u.be.Settings()
	login := widget.NewCheck("Start Ferry when I log in", nil)
	login.SetChecked(st.StartAtLogin)
	login.OnChanged = func(on bool) {
		cur := u.be.Settings()
		if cur.StartAtLogin != on {
			cur.StartAtLogin = on
			u.act("save settings", u.be.SaveSettings(cur))
		}
	}
	box := container.NewVBox(login)
	if st.AutostartNote != "" {
		// The login item cannot start this copy reliably (a build folder):
		// say so beside the switch.
		note := widget.NewLabel(st.AutostartNote)
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.WarningImportance
		box.Add(note)
	}
	return box
}

func (u *UI) actIn(w fyne.Window, what string, err error) {
	if err != nil {
		u.showProblem(w, what, err)
	}
}

// kindLabel is the service's name for people ("files.ro"), or kind.
func kindLabel(kinds []KindSpec, kind string) string {
	for _, k := range kinds {
		if k.Kind == kind {
			return k.Label
		}
	}
	return kind
}
