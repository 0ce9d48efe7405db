// Stand-in for the macOS SDK's <Network/Network.h>, declaring only what
// app/metered/metered_darwin.c uses, as the SDK declares it for C (not
// Objective-C, so NW_OBJECT_DECL makes struct pointers). Written from the
// signatures in the SDK's Network/nw_object.h (NW_OBJECT_DECL, nw_retain,
// nw_release), Network/path.h (nw_path_t, nw_path_status_t,
// nw_path_get_status, nw_path_is_expensive, nw_path_is_constrained) and
// Network/path_monitor.h (nw_path_monitor_t and its functions and block
// types, which the SDK declares under __BLOCKS__ as here). For
// `make cross-check-darwin-c` only (clang -fsyntax-only); never linked.

#ifndef FERRY_STUB_NETWORK_H
#define FERRY_STUB_NETWORK_H

#include <stdbool.h>
#include <dispatch/dispatch.h>

// nw_object.h
#define NW_OBJECT_DECL(type) \
	struct type;         \
	typedef struct type *type##_t

void *nw_retain(void *obj);
void nw_release(void *obj);

// path.h
NW_OBJECT_DECL(nw_path);

typedef enum {
	nw_path_status_invalid = 0,
	nw_path_status_satisfied = 1,
	nw_path_status_unsatisfied = 2,
	nw_path_status_satisfiable = 3,
} nw_path_status_t;

nw_path_status_t nw_path_get_status(nw_path_t path);
bool nw_path_is_expensive(nw_path_t path);
bool nw_path_is_constrained(nw_path_t path); // macOS 10.15 and newer

// path_monitor.h
NW_OBJECT_DECL(nw_path_monitor);

nw_path_monitor_t nw_path_monitor_create(void);

#ifdef __BLOCKS__
typedef void (^nw_path_monitor_cancel_handler_t)(void);
void nw_path_monitor_set_cancel_handler(nw_path_monitor_t monitor, nw_path_monitor_cancel_handler_t cancel_handler);

typedef void (^nw_path_monitor_update_handler_t)(nw_path_t path);
void nw_path_monitor_set_update_handler(nw_path_monitor_t monitor, nw_path_monitor_update_handler_t update_handler);
#endif

void nw_path_monitor_set_queue(nw_path_monitor_t monitor, dispatch_queue_t queue);
void nw_path_monitor_start(nw_path_monitor_t monitor);
void nw_path_monitor_cancel(nw_path_monitor_t monitor);

#endif
