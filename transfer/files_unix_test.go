//go:build unix

package transfer

import (
	"os"
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

// TestUnreadableAsRoot covers the unreadable-file path where chmod 000
// cannot (root reads anything): a write-only sysfs attribute refuses reads
// even to root. Only opened for reading, never written.
func TestUnreadableAsRoot(t *testing.T) {
	const root, rel = "/sys/bus/pci", "rescan"
	if os.Geteuid() != 0 {
		t.Skip("not root: TestBadInput/unreadable covers unreadable files with chmod 000")
	}
	if fi, err := os.Stat(root + "/" + rel); err != nil || !fi.Mode().IsRegular() || canRead(root+"/"+rel) {
		t.Skip("running as root without a write-only sysfs attribute to stand in for an unreadable file")
	}
	fi, err := os.Stat(root + "/" + rel)
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, fastOpts())
	r.run()
	id := r.enqueue(queue.Job{Target: "fake", Root: root, RelPath: rel, Size: fi.Size(), ModTime: fi.ModTime()})[0]
	r.wait(id)
	if got := r.job(id); got.State != queue.Failed || got.ErrKind != KindUnreadable || JobReason(got) == "" {
		t.Fatalf("job %+v, want failed %s", got, KindUnreadable)
	}
	if calls, _ := r.fake.Calls(); len(calls) != 0 {
		t.Fatalf("calls for an unreadable file: %v", calls)
	}
}
