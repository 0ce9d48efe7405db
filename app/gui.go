package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/systray"
	"github.com/godbus/dbus/v5"

	"github.com/ferry-sync/ferry/app/autostart"
	"github.com/ferry-sync/ferry/app/config"
	"github.com/ferry-sync/ferry/app/logging"
	"github.com/ferry-sync/ferry/app/metered"
	"github.com/ferry-sync/ferry/icons"
	"github.com/ferry-sync/ferry/ui"
)

// This file is the only one that imports fyne.io/fyne/v2/app (cgo: GL and
// GLFW); everything it drives is in the ui package and gui_*.go.

// appID is FyneApp.toml's ID; `go build` does not embed that file, so the
// app passes it itself (it names the preferences and the login item).
const appID = "io.github.ferry_sync.ferry"

const guiUsage = "ferry [global flags] [--background]"

// RunGUI runs the desktop app with the command line args (global flags and
// --background only) and returns the exit code like Run. It must be called
// on the main goroutine: the GUI's event loop runs there.
func RunGUI(ctx context.Context, io IO, args []string) int {
	c := &cli{IO: io, redac: &logging.Redactor{}}
	return c.exit(runGUI(ctx, c, args))
}

// wantsGUI reports whether args (without the program name) are for the
// desktop app: no command, only global flags and --background.
func wantsGUI(args []string) bool {
	c := &cli{IO: IO{Err: discard{}}}
	fs := c.flags("ferry", guiUsage)
	fs.Bool("background", false, "")
	return fs.Parse(args) == nil && fs.NArg() == 0
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func runGUI(ctx context.Context, c *cli, args []string) (err error) {
	fs := c.flags("ferry", guiUsage)
	background := fs.Bool("background", false,
		"start with the window hidden when a tray icon is available (the login item passes it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (see `ferry help`)", fs.Arg(0))
	}
	if err := checkDisplay(runtime.GOOS, c.Getenv); err != nil {
		return err
	}
	paths, err := c.paths()
	if err != nil {
		return err
	}
	sock := handoffSocket(paths.DataDir)
	// One instance per user: a running app raises its window instead.
	raised, handoffWarning := c.raiseRunningApp(ctx, sock)
	if raised {
		return nil
	}

	rt, err := c.openRuntime(true)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, rt.close()) }()
	if handoffWarning != nil {
		rt.log.Warn("gui: hand-off to a running Ferry failed; starting alone", "err", handoffWarning)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the ferry executable: %w", err)
	}
	appCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	b := newGUIBackend(appCtx, rt, exe, setAutostart)
	b.loginExe, b.loginNote = autostart.Installed(exe, autostart.LookPath)
	if err := b.resumeSandbox(sandboxAddr); err != nil {
		// Not fatal: the sandbox target's uploads wait and say why.
		rt.log.Error("gui: sandbox", "err", err)
	}

	a := fyneapp.NewWithID(appID)
	a.SetIcon(icons.AppPNG) // a bitmap: the tray falls back to it (icons.AppPNG)
	u := ui.New(a, b)
	win := u.Window()
	u.SetOpenURL(openURL(a.OpenURL))
	switch n := newDBusNotifier(rt.log, func(key, link string) { u.NoticeAction(noticeKey(key), link) }); {
	case n != nil:
		u.SetNotifier(n.send)
	case runtime.GOOS != "windows" && runtime.GOOS != "darwin":
		// No session bus: nothing could show a notification, and fyne
		// would print an error for each one.
		u.SetNotifier(func(ui.Notice) {})
	}
	hasTray, why := trayHost(runtime.GOOS)
	notice := "" // what the window's notice line says when all is well
	if d, ok := rt.q.Damage(); ok {
		msg := d.Message()
		notice = strings.ToUpper(msg[:1]) + msg[1:] + "."
		u.SetNotice(notice)
	}
	if desk, ok := a.(desktop.App); ok && hasTray {
		u.EnableTray(newPNGTray(desk, rt.log.Warn), func() { quitApp(a) })
		u.SetTrayTooltip(systray.SetTooltip)
		win.SetCloseIntercept(win.Hide) // the tray's Quit ends the app
	} else {
		hasTray = false
		rt.log.Info("gui: no tray", "why", why)
		// Closing the only way back in must not leave Ferry running
		// unseen: ask, then quit.
		win.SetMaster()
		win.SetCloseIntercept(func() { ui.ConfirmQuit(win, func() { quitApp(a) }) })
		notice = strings.TrimSpace(notice + "\n\n" + noTrayNotice)
		u.SetNotice(notice)
	}

	srv := serveHandoff(sock, guiHandoff(a, u, b), rt.log.Warn)
	meter := metered.New()
	defer meter.Close()
	rt.followMetered(appCtx, meter)
	engineDone := make(chan error, 1)
	go func() { engineDone <- rt.engine.Run(appCtx) }()
	if err := b.ws.apply(appCtx, b.config().Folders); err != nil {
		rt.log.Error("gui: watch folders", "err", err) // each folder's health says why
	}
	// Follow the config file: the CLI, a second process or a hand edit
	// changes it while the app runs.
	err = rt.follow(appCtx, func(cfg *config.Config) {
		rt.log.Info("gui: config changed elsewhere", "targets", targetNames(cfg), "folders", folderNames(cfg))
		if err := b.ws.apply(appCtx, cfg.Folders); err != nil {
			rt.log.Error("gui: watch folders", "err", err)
		}
		fyne.Do(func() {
			u.SetNotice(notice) // a config error shown before is over
			u.ConfigChanged()
		})
	}, func(err error) {
		rt.log.Warn("gui: config file", "err", err)
		fyne.Do(func() { u.SetNotice("The config file cannot be used; Ferry keeps the settings it had: " + err.Error()) })
	})
	if err != nil {
		rt.log.Error("gui: follow the config file", "err", err)
	}
	u.Start(appCtx)
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done(): // SIGINT or SIGTERM
			fyne.Do(func() { quitApp(a) })
		case <-stopped:
		}
	}()
	a.Lifecycle().SetOnStarted(func() { u.OfferFirstRun() })
	if !*background || !hasTray {
		win.Show()
	}
	rt.log.Info("gui: started", "tray", hasTray, "socket", sock)
	a.Run()

	close(stopped)
	cancel()
	err = srv.Close()
	engineErr := <-engineDone
	b.ws.wait(watchShutdown)
	b.closeSandbox()
	rt.log.Info("gui: stopped")
	return errors.Join(err, engineErr)
}

// guiHandoff answers a second Ferry process. Window changes go through
// fyne.Do (this runs on the connection's goroutine); uploads are queued
// right here and the reply says how many.
func guiHandoff(a fyne.App, u *ui.UI, b *guiBackend) handoffHandler {
	return func(_ context.Context, req handoffRequest) (handoffReply, error) {
		switch req.Op {
		case handoffShow:
			fyne.Do(u.ShowMain)
		case handoffDrop:
			if len(req.Paths) == 0 {
				return handoffReply{}, errors.New("drop: no paths")
			}
			for _, p := range req.Paths {
				if !filepath.IsAbs(p) {
					return handoffReply{}, fmt.Errorf("drop: %q is not an absolute path", p)
				}
			}
			fyne.Do(func() {
				u.ShowMain()
				u.Drop(req.Paths)
			})
		case handoffUpload:
			return b.queueUpload(req)
		case handoffJobs:
			return jobsReply(b.rt, req)
		case handoffQuit:
			fyne.Do(func() { quitApp(a) })
		default:
			return handoffReply{}, fmt.Errorf("unknown hand-off request %q", req.Op)
		}
		return handoffReply{}, nil
	}
}

// checkDisplay refuses to start the GUI on Linux and the BSDs without an
// X11 or Wayland display: GLFW would panic instead of saying so.
func checkDisplay(goos string, getenv func(string) string) error {
	switch goos {
	case "windows", "darwin", "ios", "android", "js":
		return nil
	}
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display: neither DISPLAY nor WAYLAND_DISPLAY is set, so the desktop app " +
			"cannot open a window; on a server use `ferry watch` for the watched folders or `ferry upload FILE...`")
	}
	return nil
}

// trayHost reports whether a tray icon will be seen, and when not, why
// (for the log). On Linux and the BSDs the tray speaks D-Bus
// (StatusNotifierItem): without a session bus fyne's systray panics on Quit
// (fyne-io/fyne#6403), and without a registered StatusNotifier host (stock
// GNOME, many tiling desktops) the icon is shown nowhere, so the app would
// be running invisibly.
func trayHost(goos string) (bool, string) {
	switch goos {
	case "windows", "darwin":
		return true, ""
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return false, "no session bus: " + err.Error()
	}
	// The probe's own connection; systray opens its own.
	defer conn.Close()
	ok, err := statusNotifierHost(context.Background(), conn)
	switch {
	case err != nil:
		return false, err.Error()
	case !ok:
		return false, "no StatusNotifier host on the session bus"
	}
	return true, ""
}

// setAutostart turns the login item on or off.
func setAutostart(on bool, exe string) error {
	if on {
		return autostart.Enable(exe)
	}
	return autostart.Disable()
}

// quitApp hides every window, then ends the app's event loop. Call it on
// the fyne thread. It does not call App.Quit: in Fyne 2.7.1 that marks
// every window closing first and then stops the loop, and the loop may
// still poll events once in between (its select picks at random); a
// pointer event then reaches a closing window, whose viewport reads as
// nil, and processMouseMoved crashes when the pointer sat over a widget
// with its own cursor. The driver's Quit alone stops the loop, which then
// terminates GLFW and every window with it. (What App.Quit also does: the
// windows' close callbacks, of which the app's only one forgets the
// settings window, and stopping the settings file watch; the process is
// ending.)
func quitApp(a fyne.App) {
	for _, w := range a.Driver().AllWindows() {
		w.Hide()
	}
	a.Driver().Quit()
}
