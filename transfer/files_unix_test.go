//go:build unix

package transfer

import (
	"syscall"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// TestFIFORefused: a named pipe is refused without opening it (opening
// would block until a writer appears).
func TestFIFORefused(t *testing.T) {
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, fastOpts())
	j := r.file("pipe", []byte("x"))
	p := localPath(j)
	if err := syscall.Unlink(p); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	r.run()
	id := r.enqueue(j)[0]
	r.wait(id)
	if got := r.job(id); got.State != queue.Failed || got.ErrKind != KindNotRegular {
		t.Fatalf("fifo job %+v, want failed %s", got, KindNotRegular)
	}
}
