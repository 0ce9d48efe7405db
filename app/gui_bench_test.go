package app

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/queue"
	"github.com/ferry-sync/ferry/ui"
)

// BenchmarkGUIItems measures the window's initial load (Items) and one
// status read with 10,000 queued jobs.
func BenchmarkGUIItems(b *testing.B) {
	dir := b.TempDir()
	g := newGUIEnv(b, &env{dir: dir, vars: map[string]string{
		"FERRY_CONFIG": filepath.Join(dir, "config.toml"), "FERRY_DATA_DIR": filepath.Join(dir, "data"), "HOME": dir,
	}})
	if err := g.b.PauseAll(time.Time{}); err != nil { // nothing runs: the files do not exist
		b.Fatal(err)
	}
	jobs := make([]queue.Job, 10_000)
	for i := range jobs {
		jobs[i] = queue.Job{Target: "t", Origin: "drop", Root: "/nowhere", RelPath: fmt.Sprintf("d/f%05d.bin", i), Size: 1 << 20, ModTime: time.Now()}
	}
	if _, err := g.b.rt.engine.Enqueue(jobs...); err != nil {
		b.Fatal(err)
	}
	b.Run("Items", func(b *testing.B) {
		for b.Loop() {
			if n := len(g.b.Items()); n != len(jobs) {
				b.Fatalf("%d items", n)
			}
		}
	})
	b.Run("Status", func(b *testing.B) {
		for b.Loop() {
			if st := g.b.Status(); st.Waiting != len(jobs) {
				b.Fatalf("status %+v", st)
			}
		}
	})
	b.Run("Settings", func(b *testing.B) {
		for b.Loop() {
			if s := g.b.Settings(); s == (ui.Settings{}) {
				b.Fatal("empty settings")
			}
		}
	})
}
