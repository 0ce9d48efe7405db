package transfer

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// A file deleted while its last chunk (the one that stores it) was sent is
// on the server whole: the outcome says so, not "Cancelled — nothing was
// sent".
func TestDeletedDuringLastChunkReportsWhatTheServerHolds(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Caps: lastChunkCommits}, TargetSettings{}, fastOpts())
	data := randBytes(41, 3000)
	j := r.file("gone.bin", data)
	p := filepath.Join(r.root, "gone.bin")
	var once sync.Once
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Match: func(c fakeprovider.Call) bool {
		if c.Chunk == 2 {
			once.Do(func() {
				if err := os.Remove(p); err != nil {
					t.Error(err)
				}
			})
		}
		return false // never a fault: the hook only deletes the file
	}})
	r.run()
	id := r.enqueue(j)[0]
	r.wait(id)
	h := r.history()[id]
	if h.Outcome != queue.Done {
		t.Fatalf("outcome %v (%q), want Done: the whole file is on the server", h.Outcome, h.ErrMsg)
	}
	if !strings.Contains(h.Warning, "server holds the whole file") {
		t.Errorf("warning %q", h.Warning)
	}
	r.checkStored("up/gone.bin", data)
}
