package transfer

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestEngineSaysQueueWasDamaged: an empty queue file (a truncation) is
// not taken as a new queue in silence: the engine logs what happened and
// that files will be uploaded again, before it runs.
func TestEngineSaysQueueWasDamaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	q, err := queue.Open(path, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	var buf bytes.Buffer
	New(q, nil, Options{Log: slog.New(slog.NewTextHandler(&buf, nil))})
	out := buf.String()
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "queue was damaged") || !strings.Contains(out, "uploaded again") {
		t.Fatalf("log does not say the queue was damaged and what follows: %q", out)
	}
}
