package queue

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// A job id reaches a log handler as a number, not as a value of a named
// type that a handler must format (app/logging's redaction formatted it
// through fmt on every line that names a job).
func TestJobIDLogsAsNumber(t *testing.T) {
	v := slog.AnyValue(JobID(42)).Resolve()
	if v.Kind() != slog.KindUint64 || v.Uint64() != 42 {
		t.Fatalf("JobID(42) resolves to %v (%v), want the number 42", v, v.Kind())
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "job", JobID(42))
	if !strings.Contains(buf.String(), " job=42") {
		t.Fatalf("log line %q does not show job=42", buf.String())
	}
}
