//go:build darwin && cgo

// The macOS detector's native half: Network framework's path monitor,
// whose update handler is a block (Apple clang compiles blocks on
// darwin). It is C, not Objective-C: Network and dispatch objects are
// then plain C pointers, retained and released by hand.
//
// Built on a Mac only. Elsewhere `make cross-check-darwin-c` checks its
// syntax against the stand-in headers in testdata/darwin-stubs.

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <dispatch/dispatch.h>
#include <Network/Network.h>

#include "metered_darwin.h"

// The Go side (metered_darwin.go, //export ferryPathUpdate). Declared
// here rather than through _cgo_export.h, which exists only inside a cgo
// build; the types are the ABI of its Go parameters (C.uintptr_t, C.int).
extern void ferryPathUpdate(uintptr_t id, int status, int expensive, int constrained);

void *ferry_path_monitor_start(uintptr_t id) {
	nw_path_monitor_t monitor = nw_path_monitor_create();
	if (monitor == NULL) {
		return NULL;
	}
	dispatch_queue_t queue = dispatch_queue_create("ferry.metered", DISPATCH_QUEUE_SERIAL);
	if (queue == NULL) {
		nw_release(monitor);
		return NULL;
	}
	nw_path_monitor_set_queue(monitor, queue);
	// The block captures only the id (a number); the path is valid for the
	// call, and only its three answers cross to Go.
	nw_path_monitor_set_update_handler(monitor, ^(nw_path_t path) {
		ferryPathUpdate(id, (int)nw_path_get_status(path),
				nw_path_is_expensive(path) ? 1 : 0,
				nw_path_is_constrained(path) ? 1 : 0);
	});
	// Once cancellation completes no update comes any more (path_monitor.h),
	// so the queue, kept until then, is released here, on itself: dispatch
	// holds the queue while it runs this block. The headers do not say
	// whether nw_path_monitor_set_queue retains the queue; keeping ours
	// until this point is right either way.
	nw_path_monitor_set_cancel_handler(monitor, ^{
		dispatch_release(queue);
	});
	nw_path_monitor_start(monitor);
	return monitor;
}

// Dropping the reference right after cancelling is what NWPathMonitor's
// users do in Swift; the framework keeps what it needs until cancellation
// completes. Were it not to, the cancel handler would not run and the
// queue would leak (one per Close), but no update could come after this:
// Go ignores late ones by id in any case (pathUpdate).
void ferry_path_monitor_stop(void *monitor) {
	nw_path_monitor_cancel((nw_path_monitor_t)monitor);
	nw_release(monitor);
}
