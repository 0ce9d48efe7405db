package app

import (
	"log/slog"
	"net/url"
	"os/exec"
	"runtime"
	"slices"
	"sync"

	"fyne.io/fyne/v2"
	"github.com/godbus/dbus/v5"

	"github.com/ferry-sync/ferry/ui"
)

// Desktop integration fyne leaves rough on Linux: notifications that
// replace each other and carry actions, links opened without leaving
// zombie processes, and quiet when no notification server runs.

// The freedesktop notification service.
const (
	notifyDest  = "org.freedesktop.Notifications"
	notifyPath  = "/org/freedesktop/Notifications"
	notifyIface = "org.freedesktop.Notifications"
)

// dbusNotifier sends ui.Notices over the session bus. Each kind replaces
// its previous notice (replaces_id); actions are offered when the server
// lists the "actions" capability, and invoked ones reach onAction with the
// invoked notice's Link (what ui.ActionCopyLink copies). When no
// server answers it logs that once and stays silent (fyne would print an
// error on every notice).
type dbusNotifier struct {
	conn     *dbus.Conn
	log      *slog.Logger
	onAction func(key, link string)

	mu      sync.Mutex
	ids     map[string]uint32 // kind -> id of its notice on screen
	kinds   map[uint32]string
	links   map[uint32]string // id -> the notice's Link
	actions bool
	failed  bool // the server did not answer: stay quiet
}

// newDBusNotifier connects to the session bus; nil when there is none.
func newDBusNotifier(log *slog.Logger, onAction func(key, link string)) *dbusNotifier {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		log.Info("gui: notifications off: no session bus", "err", err)
		return nil
	}
	n := &dbusNotifier{conn: conn, log: log, onAction: onAction, ids: map[string]uint32{}, kinds: map[uint32]string{}, links: map[uint32]string{}}
	var caps []string
	if err := conn.Object(notifyDest, notifyPath).Call(notifyIface+".GetCapabilities", 0).Store(&caps); err != nil {
		log.Info("gui: notifications off: no notification server", "err", err)
		n.failed = true
		return n
	}
	n.actions = slices.Contains(caps, "actions")
	if n.actions {
		if err := conn.AddMatchSignal(dbus.WithMatchInterface(notifyIface), dbus.WithMatchMember("ActionInvoked")); err == nil {
			ch := make(chan *dbus.Signal, 8)
			conn.Signal(ch)
			go n.listen(ch)
		}
	}
	return n
}

func (n *dbusNotifier) listen(ch chan *dbus.Signal) {
	for sig := range ch {
		if sig.Name != notifyIface+".ActionInvoked" || len(sig.Body) != 2 {
			continue
		}
		id, _ := sig.Body[0].(uint32)
		key, _ := sig.Body[1].(string)
		n.mu.Lock()
		_, ours := n.kinds[id]
		link := n.links[id]
		n.mu.Unlock()
		if ours && key != "" {
			fyne.Do(func() { n.onAction(key, link) })
		}
	}
}

// send shows notice, replacing the previous notice of its kind.
func (n *dbusNotifier) send(notice ui.Notice) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.failed {
		return
	}
	var actions []string
	if n.actions {
		for _, a := range notice.Actions {
			actions = append(actions, a.Key, a.Label)
		}
		if len(notice.Actions) > 0 {
			actions = append(actions, "default", notice.Actions[0].Label)
		}
	}
	var id uint32
	err := n.conn.Object(notifyDest, notifyPath).Call(notifyIface+".Notify", 0,
		"Ferry", n.ids[notice.Kind], appID, notice.Title, notice.Body, actions,
		map[string]dbus.Variant{"desktop-entry": dbus.MakeVariant(appID)}, int32(-1)).Store(&id)
	if err != nil {
		n.log.Info("gui: notifications off: the notification server refused one", "err", err)
		n.failed = true
		return
	}
	delete(n.kinds, n.ids[notice.Kind])
	delete(n.links, n.ids[notice.Kind])
	n.ids[notice.Kind], n.kinds[id] = id, notice.Kind
	if notice.Link != "" {
		n.links[id] = notice.Link
	}
}

// noticeKey maps the "default" action (a click on the notice) to Show.
func noticeKey(key string) string {
	if key == "default" {
		return ui.ActionShow
	}
	return key
}

// openURL opens u with the desktop's opener and reaps the process, so no
// zombie is left behind (fyne starts xdg-open and never waits for it).
func openURL(fallback func(*url.URL) error) func(*url.URL) error {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" && runtime.GOOS != "openbsd" && runtime.GOOS != "netbsd" {
		return fallback
	}
	return func(u *url.URL) error {
		cmd := exec.Command("xdg-open", u.String())
		if err := cmd.Start(); err != nil {
			return err
		}
		go func() { _ = cmd.Wait() }() // its exit status says nothing we can act on
		return nil
	}
}
