package transfer

import (
	"context"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
)

// A small file's upload reads the queue a bounded number of times: the
// job's session is read once, not once to decide whether the sent index
// is consulted and again to open the session. Upload reads the session,
// the learned chunk size, the sent index and the Changed mark: 4 reads
// (5 before).
func TestSmallFileUploadQueueReads(t *testing.T) {
	r := newRig(t, fakeprovider.Options{Discard: true, Caps: provider.Capabilities{BeginNeedsNoSave: true}}, TargetSettings{}, fastOpts())
	ids, err := r.q.Enqueue(r.file("s/a.txt", []byte("small")), r.file("s/b.txt", []byte("small too")))
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		j, ok, err := r.q.Claim(r.e.opts.Now(), nil)
		if err != nil || !ok || j.ID != id {
			t.Fatalf("claim: %+v %v %v, want job %d", j, ok, err, id)
		}
		reads0, _ := r.q.Transactions()
		if _, _, err := r.e.upload(context.Background(), newActive(j)); err != nil {
			t.Fatalf("upload %s: %v", j.RelPath, err)
		}
		reads, _ := r.q.Transactions()
		if n := reads - reads0; i > 0 && n > 4 { // the first resolves the target
			t.Errorf("upload read the queue %d times, want at most 4", n)
		}
	}
}
