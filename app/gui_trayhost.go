package app

import (
	"context"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
)

// The StatusNotifierItem protocol's watcher: tray hosts (a panel's tray,
// GNOME's AppIndicator extension) register with it, and fyne's systray
// registers its item there. Without a registered host the icon goes
// nowhere.
const (
	sniWatcherName  = "org.kde.StatusNotifierWatcher"
	sniWatcherPath  = "/StatusNotifierWatcher"
	sniHostProperty = sniWatcherName + ".IsStatusNotifierHostRegistered"
)

// trayProbeTimeout bounds the bus calls of statusNotifierHost: a wedged
// bus must not hold up the app's start.
const trayProbeTimeout = 2 * time.Second

// noTrayNotice is shown once in the main window when there is no tray.
const noTrayNotice = "This desktop shows no tray icons, so Ferry cannot run out of sight: closing this window " +
	"quits Ferry (uploads go on the next time it starts). On GNOME, the AppIndicator extension " +
	"(gnome-shell-extension-appindicator) adds a tray; restart Ferry after enabling it."

// statusNotifierHost reports whether a tray host is there to show an icon:
// the watcher's name has an owner and its IsStatusNotifierHostRegistered
// property is true. A missing name is (false, nil); other bus failures are
// errors (the caller treats them as no tray).
func statusNotifierHost(ctx context.Context, conn *dbus.Conn) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, trayProbeTimeout)
	defer cancel()
	var has bool
	err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, sniWatcherName).Store(&has)
	if err != nil {
		return false, fmt.Errorf("ask the session bus for %s: %w", sniWatcherName, err)
	}
	if !has {
		return false, nil
	}
	var v dbus.Variant
	err = conn.Object(sniWatcherName, sniWatcherPath).CallWithContext(ctx,
		"org.freedesktop.DBus.Properties.Get", 0, sniWatcherName, "IsStatusNotifierHostRegistered").Store(&v)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", sniHostProperty, err)
	}
	registered, ok := v.Value().(bool)
	if !ok {
		return false, fmt.Errorf("read %s: a %s, not a boolean", sniHostProperty, v.Signature())
	}
	return registered, nil
}
