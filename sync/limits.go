package sync

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Where Linux keeps the inotify limits; a variable so tests can point it at
// a temp dir.
var procInotifyDir = "/proc/sys/fs/inotify"

// isWatchLimit reports whether err from adding a watch means the per-user
// watch limit is used up: inotify_add_watch fails with ENOSPC then.
func isWatchLimit(err error) bool { return errors.Is(err, syscall.ENOSPC) }

// isInstanceLimit reports whether err from creating a watcher means the
// per-user limit of inotify instances (or open files) is used up.
func isInstanceLimit(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// watchLimitReason is the degraded-state message for a full watch table. It
// names the limit, its current value and the command to raise it, as
// Syncthing does, because "no space left on device" sends people looking at
// their disks.
func watchLimitReason(interval time.Duration) string {
	return limitReason("max_user_watches", "watch limit reached", 524288, interval)
}

// instanceLimitReason is the degraded-state message when no inotify instance
// could be created at all.
func instanceLimitReason(err error, interval time.Duration) string {
	if !isInstanceLimit(err) {
		return fmt.Sprintf("cannot watch for changes (%v); scanning every %s instead", err, humanDuration(interval))
	}
	return limitReason("max_user_instances", "inotify instance limit reached", 1024, interval)
}

func limitReason(name, what string, floor int, interval time.Duration) string {
	key := "fs.inotify." + name
	cur, err := readProcInt(procInotifyDir + "/" + name)
	value := "current value unknown"
	suggest := floor
	if err == nil {
		value = "currently " + strconv.Itoa(cur)
		suggest = max(floor, 2*cur)
	}
	return fmt.Sprintf("%s (%s, %s): only part of the folder is watched, so it is scanned every %s instead. "+
		"Raise the limit with: sudo sysctl %s=%d (and add that line to /etc/sysctl.d/90-ferry.conf to keep it after a reboot)",
		what, key, value, humanDuration(interval), key, suggest)
}

func readProcInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, opErr("read", path, err)
	}
	return n, nil
}

// humanDuration prints whole seconds as "60 s" and shorter spans as "250 ms",
// the way the messages read best.
func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Second && d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + " s"
	case d >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	default:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	}
}
