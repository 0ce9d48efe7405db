package ui

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// refreshInterval is how often visible rows are redrawn while anything
// changes: smooth enough for progress bars, cheap with 10,000 items because
// lists are virtualised and only the visible rows are updated.
const refreshInterval = 200 * time.Millisecond

// folderEvery is how many refresh ticks pass between looks at the watched
// folders' health (every 2 s).
const folderEvery = 10

// UI is Ferry's desktop interface. Create it with New, then call Start.
type UI struct {
	app    fyne.App
	be     Backend
	model  *model
	now    func() time.Time
	notify *notifier
	// background runs a slow backend call (a login test) off the UI
	// thread; the call reports back through fyne.Do. Tests run it in
	// place: fyne's test driver runs fyne.Do on the calling goroutine, so
	// a real goroutine would race the test's own reads of the widgets.
	background func(func())

	win        fyne.Window
	tabs       *container.AppTabs
	activeTab  *container.TabItem
	failedTab  *container.TabItem
	historyTab *container.TabItem
	lists      []*widget.List
	summary    *widget.Label
	pauseBtn   *widget.Button
	bandwidth  *widget.Select
	bwNote     *widget.Label // what a timetable puts in force
	retryAll   *widget.Button
	tray       *tray
	settings   fyne.Window
	// settingsTabs is the open settings window's content (nil when closed).
	settingsTabs *container.AppTabs
	// notice is the line under the toolbar for things the user should know
	// once (no tray host, a config file that cannot be read).
	notice *widget.Label
	// banner is one line for a problem many failed files share.
	banner *banner
	// folderHealth lists the watched folders that do not work.
	folderHealth *widget.Label
	folderIssues int
	// trayTooltip, when set, receives the tray's state line (the app
	// passes the system tray's tooltip setter).
	trayTooltip func(string)
	// openURL opens a link or folder; nil means the app's OpenURL.
	openURL func(*url.URL) error
}

// New builds the main window for a on top of be. Nothing runs until Start.
func New(a fyne.App, be Backend) *UI {
	u := &UI{app: a, be: be, model: newModel(), now: time.Now, background: func(f func()) { go f() }}
	u.notify = newNotifier(fyneNotice(a.SendNotification), be.Settings, u.now)
	u.notify.failedTotal = func() int { return u.model.currentStatus().Failed }
	u.win = a.NewWindow("Ferry")
	u.win.SetContent(u.build())
	u.win.Resize(fyne.NewSize(760, 560))
	u.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) { u.dropped(uris) })
	u.model.reset(be.Items(), be.Status())
	u.refresh()
	u.refreshFolders()
	return u
}

// Window returns the main window.
func (u *UI) Window() fyne.Window { return u.win }

// SetBackground replaces how slow backend calls (a login test) run off the
// UI thread; by default on a goroutine of their own. Under fyne's test
// driver, fyne.Do runs on the calling goroutine, so a test passes a runner
// that calls in place, or a real goroutine would race the test's reads of
// the widgets.
func (u *UI) SetBackground(run func(func())) { u.background = run }

// Start subscribes to the backend and redraws changed rows at a throttled
// rate until ctx is done. It returns at once.
func (u *UI) Start(ctx context.Context) {
	stop := u.be.Watch(func(c Change) {
		u.model.apply(c)
		if c.Item != nil {
			u.notify.observe(*c.Item)
		}
	})
	go func() {
		defer stop()
		t := time.NewTicker(refreshInterval)
		defer t.Stop()
		ticks := 0
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fyne.Do(u.refresh)
				if ticks++; ticks%folderEvery == 0 {
					fyne.Do(u.refreshFolders)
				}
				u.notify.flushDue()
			}
		}
	}()
}

func (u *UI) build() fyne.CanvasObject {
	u.lists = []*widget.List{
		u.newList(func() []Item { return u.model.active }, u.updateActiveRow),
		u.newList(func() []Item { return u.model.failed }, u.updateFailedRow),
		u.newList(func() []Item { return u.model.history }, u.updateHistoryRow),
	}
	u.retryAll = widget.NewButtonWithIcon("Retry all", theme.ViewRefreshIcon(), func() {
		u.act("retry all", u.be.RetryAll())
	})
	u.activeTab = container.NewTabItemWithIcon("Now", theme.UploadIcon(), u.lists[0])
	u.failedTab = container.NewTabItemWithIcon("Failed", theme.ErrorIcon(),
		container.NewBorder(container.NewHBox(u.retryAll), nil, nil, nil, u.lists[1]))
	u.historyTab = container.NewTabItemWithIcon("History", theme.HistoryIcon(), u.lists[2])
	u.tabs = container.NewAppTabs(u.activeTab, u.failedTab, u.historyTab)

	u.summary = widget.NewLabel("")
	u.pauseBtn = widget.NewButtonWithIcon("Pause all", theme.MediaPauseIcon(), u.togglePause)
	labels := make([]string, len(bandwidthChoices))
	for i, c := range bandwidthChoices {
		labels[i] = c.label
	}
	u.bandwidth = widget.NewSelect(labels, func(label string) {
		for _, c := range bandwidthChoices {
			if c.label == label && c.bps != u.model.currentStatus().Bandwidth {
				u.act("set bandwidth", u.be.SetBandwidth(c.bps))
			}
		}
	})
	u.bwNote = widget.NewLabel("")
	u.bwNote.Hide()
	add := widget.NewButtonWithIcon("Upload…", theme.ContentAddIcon(), u.chooseFiles)
	settings := widget.NewButtonWithIcon("Settings", theme.SettingsIcon(), u.ShowSettings)
	toolbar := container.NewHBox(u.pauseBtn,
		widget.NewButton("Pause 1 h", func() { u.act("pause", u.be.PauseAll(u.now().Add(time.Hour))) }),
		widget.NewLabel("Limit:"), u.bandwidth, u.bwNote, add, settings)
	hint := widget.NewLabelWithStyle("Drop files or folders here to upload them.",
		fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	u.notice = widget.NewLabel("")
	u.notice.Wrapping = fyne.TextWrapWord
	u.notice.Importance = widget.WarningImportance
	u.notice.Hide()
	u.banner = u.newBanner()
	u.folderHealth = widget.NewLabel("")
	u.folderHealth.Wrapping = fyne.TextWrapWord
	u.folderHealth.Importance = widget.DangerImportance
	u.folderHealth.Hide()
	return container.NewBorder(container.NewVBox(toolbar, u.summary, u.notice, u.banner.box, u.folderHealth), hint, nil, nil, u.tabs)
}

func (u *UI) newList(items func() []Item, update func(*row, Item)) *widget.List {
	rows := map[fyne.CanvasObject]*row{}
	l := widget.NewList(
		func() int { return len(items()) },
		func() fyne.CanvasObject {
			r := newRow()
			rows[r.box] = r
			return r.box
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			list := items()
			if id < len(list) {
				update(rows[o], list[id])
			}
		},
	)
	return l
}

// refresh rebuilds the lists from the model if anything changed. It runs on
// the UI goroutine.
func (u *UI) refresh() {
	if !u.model.rebuild() {
		return
	}
	st := u.model.currentStatus()
	u.activeTab.Text = fmt.Sprintf("Now (%d)", len(u.model.active))
	u.failedTab.Text = fmt.Sprintf("Failed (%d)", len(u.model.failed))
	u.historyTab.Text = fmt.Sprintf("History (%d)", len(u.model.history))
	u.tabs.Refresh()
	for _, l := range u.lists {
		l.Refresh()
	}
	if len(u.model.failed) > 0 {
		u.retryAll.Enable()
	} else {
		u.retryAll.Disable()
	}
	u.summary.SetText(u.summaryText(st))
	u.banner.show(u.model.failed)
	if st.PausedAt(u.now()) {
		u.pauseBtn.SetText("Resume all")
		u.pauseBtn.SetIcon(theme.MediaPlayIcon())
	} else {
		u.pauseBtn.SetText("Pause all")
		u.pauseBtn.SetIcon(theme.MediaPauseIcon())
	}
	u.bandwidth.Selected = bandwidthLabel(st.Bandwidth)
	u.bandwidth.Refresh()
	u.bwNote.SetText(st.BandwidthNote)
	if st.BandwidthNote == "" {
		u.bwNote.Hide() // no timetable: nothing to say, no gap
	} else {
		u.bwNote.Show()
	}
	if u.tray != nil {
		u.tray.update(st, u.now())
	}
}

func (u *UI) summaryText(st Status) string {
	text := fmt.Sprintf("%d uploading · %d waiting · %d failed", st.Uploading, st.Waiting, st.Failed)
	if st.Uploading > 0 && st.Speed > 0 {
		text += " · " + humanSpeed(st.Speed)
	}
	if st.Unreachable != "" {
		text += " · cannot reach the server of " + st.Unreachable + "; its uploads wait and retry"
	}
	if st.PausedAt(u.now()) {
		if st.PausedUntil.IsZero() {
			text = "Paused · " + text
		} else {
			text = "Paused until " + st.PausedUntil.Local().Format("15:04") + " · " + text
		}
	}
	if st.Held != "" {
		text = "Paused: " + st.Held + " · " + text
	}
	return text
}

func (u *UI) togglePause() {
	if u.model.currentStatus().PausedAt(u.now()) {
		u.act("resume", u.be.ResumeAll())
		return
	}
	u.act("pause", u.be.PauseAll(time.Time{}))
}

// act reports a failed action to the user; the backend's error already says
// what went wrong in words.
func (u *UI) act(what string, err error) {
	if err != nil {
		u.showProblem(u.win, what, err)
	}
}

func (u *UI) showError(err error) {
	u.showProblem(u.win, "Something went wrong", err)
}

// SetNotice shows text (in full, wrapped) under the toolbar until it is
// replaced; "" hides it. UI goroutine.
func (u *UI) SetNotice(text string) {
	u.notice.SetText(text)
	if text == "" {
		u.notice.Hide()
	} else {
		u.notice.Show()
	}
}

// Notice is the text SetNotice shows ("" when none).
func (u *UI) Notice() string { return u.notice.Text }

// ShowMain brings the main window to the front.
func (u *UI) ShowMain() {
	u.win.Show()
	u.win.RequestFocus()
}

// ConfirmQuit asks whether to quit Ferry (closing the window without a
// tray) and calls quit when the user says yes; "Keep open" leaves the
// window as it is.
func ConfirmQuit(w fyne.Window, quit func()) {
	d := dialog.NewConfirm("Quit Ferry?",
		"Without a tray icon Ferry cannot keep running out of sight.\nQuit now? Unfinished uploads continue the next time Ferry starts.",
		func(ok bool) {
			if ok {
				quit()
			}
		}, w)
	d.SetConfirmText("Quit")
	d.SetDismissText("Keep open")
	d.Show()
}

// SetTrayTooltip sets where the tray's state line goes besides the menu
// (the system tray's tooltip). UI goroutine.
func (u *UI) SetTrayTooltip(f func(string)) {
	u.trayTooltip = f
	if u.tray != nil {
		u.tray.update(u.model.currentStatus(), u.now())
	}
}

// SetNotifier replaces how notifications are sent (the app passes one that
// replaces the previous notice and offers actions). Call before Start.
func (u *UI) SetNotifier(send func(Notice)) { u.notify.send = send }

// NoticeAction performs a notification's action (key ActionShow,
// ActionRetry, or ActionCopyLink, which puts link, the notice's Link, on
// the clipboard). UI goroutine.
func (u *UI) NoticeAction(key, link string) {
	switch key {
	case ActionCopyLink:
		if link != "" {
			u.copyLink(link)
		}
	case ActionShow:
		u.ShowMain()
		if len(u.model.failed) > 0 {
			u.tabs.Select(u.failedTab)
		}
	case ActionRetry:
		u.act("retry all", u.be.RetryAll())
	}
}

// SetOpenURL replaces how links and folders are opened (the app passes one
// that reaps the opener process). UI goroutine.
func (u *UI) SetOpenURL(open func(*url.URL) error) { u.openURL = open }
