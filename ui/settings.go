package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	w.Resize(fyne.NewSize(640, 460))
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
	if u.tray != nil {
		u.tray.setFolders(u.tray.folders)
		u.tray.menu.Refresh()
	}
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
			o.(*widget.Label).SetText(fmt.Sprintf("%s — %s, %s", t.Name, t.Kind, secret))
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
	add := widget.NewButtonWithIcon("Add…", theme.ContentAddIcon(), func() { u.addTarget(w, reload) })
	test := widget.NewButtonWithIcon("Test login", theme.ConfirmIcon(), func() {
		if selected < 0 {
			return
		}
		name := targets[selected].Name
		status.SetText("Testing " + name + "…")
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := u.be.TestTarget(ctx, name)
			fyne.Do(func() {
				if err != nil {
					status.SetText(name + ": " + err.Error())
					return
				}
				status.SetText(name + ": the login works and uploads are allowed.")
			})
		}()
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
	return container.NewBorder(nil, container.NewVBox(container.NewHBox(add, test, remove), status), nil, nil, list)
}

// addTarget shows the form for a new target; the fields follow the chosen
// service's KindSpec.
func (u *UI) addTarget(w fyne.Window, done func()) {
	kinds := u.be.TargetKinds()
	if len(kinds) == 0 {
		return
	}
	labels := make([]string, len(kinds))
	for i, k := range kinds {
		labels[i] = k.Label
	}
	name := widget.NewEntry()
	name.SetPlaceHolder("a short name, e.g. work")
	fields := container.NewVBox()
	entries := map[string]*widget.Entry{}
	var spec KindSpec
	kind := widget.NewSelect(labels, func(label string) {
		for _, k := range kinds {
			if k.Label == label {
				spec = k
			}
		}
		fields.RemoveAll()
		entries = map[string]*widget.Entry{}
		form := widget.NewForm()
		for _, f := range spec.Fields {
			e := widget.NewEntry()
			if f.Secret {
				e = widget.NewPasswordEntry()
			}
			e.SetPlaceHolder(f.Placeholder)
			label := f.Label
			if f.Required {
				label += " *"
			}
			form.Append(label, e)
			entries[f.Key] = e
		}
		fields.Add(form)
	})
	kind.SetSelected(labels[0])
	warning := widget.NewLabel("")
	warning.Wrapping = fyne.TextWrapWord
	if err := u.be.SecretsProblem(); err != nil {
		warning.SetText(err.Error())
	}
	content := container.NewVBox(widget.NewForm(
		widget.NewFormItem("Name", name), widget.NewFormItem("Service", kind)), fields, warning)
	d := dialog.NewCustomConfirm("Add a target", "Save", "Cancel", content, func(ok bool) {
		if !ok {
			return
		}
		t, secrets, err := collectTarget(strings.TrimSpace(name.Text), spec, entries)
		if err == nil {
			err = u.be.SaveTarget(t, secrets)
		}
		if err != nil {
			u.actIn(w, "add target", err)
			return
		}
		done()
	}, w)
	d.Resize(fyne.NewSize(560, 420))
	d.Show()
}

// collectTarget validates the form and splits secrets from settings.
func collectTarget(name string, spec KindSpec, entries map[string]*widget.Entry) (Target, map[string]string, error) {
	if name == "" {
		return Target{}, nil, errors.New("the target needs a name")
	}
	t := Target{Name: name, Kind: spec.Kind, Settings: map[string]string{}}
	secrets := map[string]string{}
	for _, f := range spec.Fields {
		v := strings.TrimSpace(entries[f.Key].Text)
		if f.Secret {
			v = entries[f.Key].Text // secrets are taken verbatim
		}
		if f.Required && v == "" {
			return Target{}, nil, fmt.Errorf("%s is required", f.Label)
		}
		if v == "" {
			continue
		}
		if f.Secret {
			secrets[f.Key] = v
		} else {
			t.Settings[f.Key] = v
		}
	}
	return t, secrets, nil
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
		dialog.ShowError(fmt.Errorf("%s: %w", what, err), w)
	}
}
