//go:build darwin && cgo

package metered

/*
#cgo LDFLAGS: -framework Network
#include "metered_darwin.h"
*/
import "C"

import (
	"errors"
	"time"
)

// This file is the thin cgo glue of the macOS detector: it starts and
// cancels the Network framework's path monitor (metered_darwin.c) and
// passes each snapshot to pathUpdate. What a snapshot means, the state,
// its delivery and Close's race with a late snapshot are in pathstate.go,
// tested on every system. Built on a Mac only; not run by this project's
// tests (which run on Linux), so kept to calls a read can check.

// firstPathWait bounds how long New waits for the monitor's first
// snapshot (path_monitor.h: the update handler is called with the current
// path when the monitor starts), so State is right from the start; should
// it come later, it is delivered on Changes like any change.
const firstPathWait = time.Second

// New returns the system's detector: the Network framework's path
// monitor (expensive or constrained paths are metered; see fromPath), or
// one that cannot tell, with the reason, when the monitor cannot start.
func New() Detector {
	return newPathDetector(startPathMonitor, firstPathWait)
}

// startPathMonitor starts a monitor that reports to pathUpdate under id.
func startPathMonitor(id uintptr) (func(), error) {
	m := C.ferry_path_monitor_start(C.uintptr_t(id))
	if m == nil {
		return nil, errors.New("macOS's network path monitor could not be started; restart Ferry, and if this stays, report it")
	}
	return func() { C.ferry_path_monitor_stop(m) }, nil
}

// ferryPathUpdate is called by metered_darwin.c's update handler on the
// monitor's dispatch queue, a thread Go does not own, once per snapshot.
// It must return promptly (the queue waits for it): pathUpdate takes
// only short locks and never blocks on a reader.
//
//export ferryPathUpdate
func ferryPathUpdate(id C.uintptr_t, status, expensive, constrained C.int) {
	pathUpdate(uintptr(id), int(status), expensive != 0, constrained != 0)
}
