// The C side of the macOS detector (metered_darwin.c), declared for the
// cgo preamble of metered_darwin.go. Declarations only: that preamble
// carries an //export.

#include <stdint.h>

// ferry_path_monitor_start starts a Network framework path monitor on a
// private serial dispatch queue. Each snapshot (the first soon after the
// start, then one per change of the system's path) calls the Go side's
// ferryPathUpdate(id, status, expensive, constrained) on that queue. It
// returns the monitor for ferry_path_monitor_stop, or NULL when the
// monitor or its queue cannot be created.
void *ferry_path_monitor_start(uintptr_t id);

// ferry_path_monitor_stop cancels a monitor ferry_path_monitor_start
// returned and drops this side's reference to it. Cancelling is
// asynchronous: a snapshot already on the queue may still arrive; the
// queue is released when the cancel handler runs, after the last one.
void ferry_path_monitor_stop(void *monitor);
