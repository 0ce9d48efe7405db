// Stand-in for the macOS SDK's <dispatch/dispatch.h>, declaring only what
// app/metered/metered_darwin.c uses, as the SDK declares it for C (not
// Objective-C, so OS_OBJECT_USE_OBJC is 0 and objects are struct
// pointers). Written from the signatures in the SDK's dispatch/object.h
// (DISPATCH_DECL, dispatch_object_t, dispatch_release) and
// dispatch/queue.h (dispatch_queue_create, DISPATCH_QUEUE_SERIAL). For
// `make cross-check-darwin-c` only (clang -fsyntax-only); never linked.

#ifndef FERRY_STUB_DISPATCH_H
#define FERRY_STUB_DISPATCH_H

#include <stddef.h>

#define DISPATCH_DECL(name) typedef struct name##_s *name##_t

DISPATCH_DECL(dispatch_queue);
DISPATCH_DECL(dispatch_queue_attr);

// dispatch/object.h: in C, every dispatch object converts to
// dispatch_object_t through a transparent union.
typedef union {
	struct _os_object_s *_os_obj;
	struct dispatch_object_s *_do;
	struct dispatch_queue_s *_dq;
	struct dispatch_queue_attr_s *_dqa;
} dispatch_object_t __attribute__((__transparent_union__));

void dispatch_release(dispatch_object_t object);

// dispatch/queue.h
#define DISPATCH_QUEUE_SERIAL NULL

dispatch_queue_t dispatch_queue_create(const char *label, dispatch_queue_attr_t attr);

#endif
