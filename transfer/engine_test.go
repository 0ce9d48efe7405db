package transfer

import (
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

func TestUploadChunkCounts(t *testing.T) {
	for _, caps := range []provider.Capabilities{
		{MinChunkSize: 100, DefaultChunkSize: 1000},
		{MinChunkSize: 100, DefaultChunkSize: 1000, ParallelChunks: true, Resumable: true},
	} {
		r := newRig(t, fakeprovider.Options{Caps: caps}, TargetSettings{}, fastOpts())
		r.run()
		sizes := []int{0, 1, 999, 1000, 1001, 5500}
		var jobs []queue.Job
		for i, n := range sizes {
			jobs = append(jobs, r.file(name(i), randBytes(uint64(i), n)))
		}
		ids := r.enqueue(jobs...)
		r.wait(ids...)
		h := r.history()
		for i, id := range ids {
			if h[id].Outcome != queue.Done {
				t.Fatalf("job %d (%d bytes): %+v", id, sizes[i], h[id])
			}
			r.checkStored("up/"+name(i), randBytes(uint64(i), sizes[i]))
		}
		r.checkClean()
	}
}
