package logging

import (
	"context"
	"fmt"
	"log/slog"
)

// RedactHandler wraps another slog.Handler and masks secrets before any
// record reaches it: attributes with secret-looking keys are replaced by
// Mask, and registered secret values are masked in the message and in every
// attribute value, including errors, Stringers and nested groups (values
// other than strings are formatted with %+v first, so a struct holding a
// secret cannot slip through). It is safe for concurrent use.
type RedactHandler struct {
	next slog.Handler
	r    *Redactor
}

// NewRedactHandler returns next wrapped with redaction by r.
func NewRedactHandler(next slog.Handler, r *Redactor) *RedactHandler {
	return &RedactHandler{next: next, r: r}
}

// Enabled defers to the wrapped handler.
func (h *RedactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle redacts a copy of the record and passes it on.
func (h *RedactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs redacts the attributes once, when they are attached. A secret
// registered after that is not masked in them here; Setup also wraps the
// output writers with RedactWriter, which masks it in the formatted line.
func (h *RedactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = h.attr(a)
	}
	return &RedactHandler{next: h.next.WithAttrs(red), r: h.r}
}

// WithGroup defers to the wrapped handler.
func (h *RedactHandler) WithGroup(name string) slog.Handler {
	return &RedactHandler{next: h.next.WithGroup(name), r: h.r}
}

func (h *RedactHandler) attr(a slog.Attr) slog.Attr {
	if IsSecretKey(a.Key) {
		return slog.String(a.Key, Mask)
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Redact(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, ga := range g {
			red[i] = h.attr(ga)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		// Errors, Stringers, structs, byte slices: format now, then mask.
		return slog.String(a.Key, h.r.Redact(fmt.Sprintf("%+v", v.Any())))
	}
	// Numbers, bools, times and durations cannot hold a secret string.
	return slog.Attr{Key: a.Key, Value: v}
}
