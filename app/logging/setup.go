package logging

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
)

// Options configure Setup.
type Options struct {
	// Level is the minimum level written to both outputs.
	Level slog.Level
	// Dir is the log folder (config.Paths.LogDir); "" means no log file.
	Dir string
	// MaxSize and Backups bound the file's rotation (defaults 10 MiB, 3).
	MaxSize int64
	Backups int
	// Stderr, when not nil, also receives the records at or above
	// StderrLevel (the CLI passes os.Stderr; the GUI passes nil).
	Stderr io.Writer
	// StderrLevel, when not nil, is the minimum level for Stderr if it is
	// above Level: commands that print their own progress lines keep
	// routine records in the file only.
	StderrLevel slog.Leveler
	// Redactor masks registered secrets; Setup creates one when nil.
	Redactor *Redactor
}

// LogFileName is the name of the current log file in Options.Dir.
const LogFileName = "ferry.log"

// Setup builds the app's logger: text records to a rotating file in
// o.Dir and to o.Stderr, both behind a RedactHandler and a RedactWriter.
// It returns the logger, the Redactor in use (o.Redactor or a new one) and
// a close function for the file. It fails only when the file cannot be
// opened.
func Setup(o Options) (*slog.Logger, *Redactor, func() error, error) {
	r := o.Redactor
	if r == nil {
		r = &Redactor{}
	}
	hopts := &slog.HandlerOptions{Level: o.Level}
	var handlers []slog.Handler
	closeFn := func() error { return nil }
	if o.Dir != "" {
		f, err := OpenRotating(filepath.Join(o.Dir, LogFileName), o.MaxSize, o.Backups)
		if err != nil {
			return nil, nil, nil, err
		}
		closeFn = f.Close
		handlers = append(handlers, slog.NewTextHandler(&RedactWriter{W: f, R: r}, hopts))
	}
	if o.Stderr != nil {
		eopts := hopts
		if o.StderrLevel != nil && o.StderrLevel.Level() > o.Level {
			eopts = &slog.HandlerOptions{Level: o.StderrLevel}
		}
		handlers = append(handlers, slog.NewTextHandler(&RedactWriter{W: o.Stderr, R: r}, eopts))
	}
	var h slog.Handler
	switch len(handlers) {
	case 0:
		h = slog.DiscardHandler
	case 1:
		h = handlers[0]
	default:
		h = slog.NewMultiHandler(handlers...)
	}
	return slog.New(NewRedactHandler(h, r)), r, closeFn, nil
}

// RedactWriter masks registered secrets in each Write before passing it on.
// slog's text and JSON handlers write one whole record per call, so a
// secret never straddles two writes. It is the last line of defence for
// values registered after a logger was built with With.
type RedactWriter struct {
	W io.Writer
	R *Redactor
}

// Write writes the redacted p and reports len(p) on success, as callers
// expect of an io.Writer that transforms its input.
func (w *RedactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.W, w.R.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// ParseLevel reads a --log-level value: debug, info, warn or error.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
		return 0, fmt.Errorf("parse log level %q: want debug, info, warn or error", s)
	}
	return l, nil
}
