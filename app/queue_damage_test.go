package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A damaged queue file is said on the terminal, not only in the log: a
// person must read it before files are uploaded again. (ferry watch keeps
// log records off the terminal; the soak found the message gone.)
func TestDamagedQueueIsSaidOnTheTerminal(t *testing.T) {
	e := newEnv(t)
	data := e.vars["FERRY_DATA_DIR"]
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "queue.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	r := e.run(ctx, "", "watch")
	if !strings.Contains(r.errOut, "ferry: the transfer queue was damaged") {
		t.Fatalf("exit %d; stderr does not say the queue was damaged:\n%s", r.code, r.errOut)
	}
	if matches, _ := filepath.Glob(filepath.Join(data, "queue.db.damaged-*")); len(matches) != 1 {
		t.Errorf("damaged queue files kept: %v, want one", matches)
	}
}
