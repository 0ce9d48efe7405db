package logging

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Commands that print their own line per file keep routine records out of
// stderr but still in the log file.
func TestStderrLevelKeepsRoutineLinesInTheFileOnly(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer
	log, _, closeFn, err := Setup(Options{Level: slog.LevelInfo, Dir: dir, Stderr: &stderr, StderrLevel: slog.LevelWarn})
	if err != nil {
		t.Fatal(err)
	}
	log.Info("uploaded a.txt")
	log.Warn("retrying b.txt")
	if err := closeFn(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(filepath.Join(dir, LogFileName))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(file), "uploaded a.txt") || !strings.Contains(string(file), "retrying b.txt") {
		t.Errorf("log file lacks a record:\n%s", file)
	}
	if strings.Contains(stderr.String(), "uploaded a.txt") || !strings.Contains(stderr.String(), "retrying b.txt") {
		t.Errorf("stderr should hold only the warning:\n%s", stderr.String())
	}
}
