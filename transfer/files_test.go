package transfer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// canRead reports whether this process can read p despite its mode (it
// can when running as root).
func canRead(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.Read(make([]byte, 1))
	return err == nil
}

// TestBadInput: each kind of troublesome local file ends in a defined state
// with a reason a person understands.
func TestBadInput(t *testing.T) {
	type want struct {
		outcome queue.State // Done, Cancelled (history) or Failed (still queued)
		kind    string
		stored  func(r *rig) []byte // expected server content for Done
		restart bool                // the first session must have been aborted
	}
	cases := []struct {
		name  string
		setup func(r *rig) queue.Job // returns the job to enqueue
		want  func(r *rig) want
	}{
		{
			name: "vanished",
			setup: func(r *rig) queue.Job {
				j := r.file("gone.txt", []byte("soon gone"))
				if err := os.Remove(localPath(j)); err != nil {
					t.Fatal(err)
				}
				return j
			},
			want: func(*rig) want { return want{outcome: queue.Cancelled, kind: KindVanished} },
		},
		{
			name: "unreadable",
			setup: func(r *rig) queue.Job {
				j := r.file("secret.txt", []byte("no access"))
				if err := os.Chmod(localPath(j), 0); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = os.Chmod(localPath(j), 0o600) })
				return j
			},
			want: func(r *rig) want {
				if canRead(filepath.Join(r.root, "secret.txt")) {
					// Running as root: mode 000 does not stop reads, and the
					// engine must then simply upload the file.
					return want{outcome: queue.Done, stored: func(*rig) []byte { return []byte("no access") }}
				}
				return want{outcome: queue.Failed, kind: KindUnreadable}
			},
		},
		{
			name: "zero_byte",
			setup: func(r *rig) queue.Job {
				return r.file("empty.txt", nil)
			},
			want: func(*rig) want {
				return want{outcome: queue.Done, stored: func(*rig) []byte { return []byte{} }}
			},
		},
		{
			name: "replaced_by_directory",
			setup: func(r *rig) queue.Job {
				j := r.file("was-a-file", []byte("file"))
				if err := os.Remove(localPath(j)); err != nil {
					t.Fatal(err)
				}
				if err := os.Mkdir(localPath(j), 0o755); err != nil {
					t.Fatal(err)
				}
				return j
			},
			want: func(*rig) want { return want{outcome: queue.Failed, kind: KindNotRegular} },
		},
		{
			name: "grows_during_upload",
			setup: func(r *rig) queue.Job {
				j := r.file("log.txt", bytes.Repeat([]byte("a"), 5000))
				grown := false
				r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Match: func(c fakeprovider.Call) bool {
					if !grown && c.Chunk == 1 {
						grown = true // runs under the fake's lock: once only
						appendTo(t, localPath(j), bytes.Repeat([]byte("b"), 1500))
					}
					return false
				}})
				return j
			},
			want: func(*rig) want {
				return want{outcome: queue.Done, stored: func(*rig) []byte {
					return append(bytes.Repeat([]byte("a"), 5000), bytes.Repeat([]byte("b"), 1500)...)
				}, restart: true}
			},
		},
		{
			name: "shrinks_during_upload",
			setup: func(r *rig) queue.Job {
				j := r.file("cut.txt", bytes.Repeat([]byte("c"), 5000))
				cut := false
				r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpBegin, Match: func(fakeprovider.Call) bool {
					if !cut {
						cut = true
						if err := os.Truncate(localPath(j), 2500); err != nil {
							t.Error(err)
						}
					}
					return false
				}})
				return j
			},
			want: func(*rig) want {
				return want{outcome: queue.Done, stored: func(*rig) []byte { return bytes.Repeat([]byte("c"), 2500) }, restart: true}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 100, DefaultChunkSize: 1000}}, TargetSettings{}, fastOpts())
			j := tc.setup(r)
			w := tc.want(r)
			r.run()
			id := r.enqueue(j)[0]
			r.wait(id)
			h, inHistory := r.history()[id]
			switch w.outcome {
			case queue.Done, queue.Cancelled:
				if !inHistory || h.Outcome != w.outcome {
					t.Fatalf("history %+v (present %v), want outcome %s", h, inHistory, w.outcome)
				}
				if w.kind != "" && !strings.Contains(h.ErrMsg, Explain(w.kind)) {
					t.Fatalf("reason %q does not explain %s", h.ErrMsg, w.kind)
				}
				if w.stored != nil {
					r.checkStored("up/"+j.RelPath, w.stored(r))
				}
			case queue.Failed:
				got, err := r.q.Get(id)
				if err != nil {
					t.Fatal(err)
				}
				if got.State != queue.Failed || got.ErrKind != w.kind || got.ErrMsg == "" {
					t.Fatalf("job %+v, want failed with kind %s", got, w.kind)
				}
				if JobReason(got) == "" {
					t.Fatal("no human-readable reason")
				}
			}
			if w.restart {
				calls, err := r.fake.Calls()
				if err != nil {
					t.Fatal(err)
				}
				aborts := 0
				for _, c := range calls {
					if c.Op == fakeprovider.OpAbort && c.OK() {
						aborts++
					}
				}
				if aborts == 0 {
					t.Fatal("the changed file's first session was never aborted")
				}
			}
			r.checkClean()
		})
	}
}

func appendTo(t *testing.T, p string, b []byte) {
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Error(err)
	}
}

// TestVanishedAfterPartialUpload: a file deleted while its job waits for a
// retry ends cancelled, and the earlier attempt's server session is
// aborted rather than left behind.
func TestVanishedAfterPartialUpload(t *testing.T) {
	opts := fastOpts()
	opts.JobBackoff = Backoff{Initial: time.Hour, Max: time.Hour}
	for _, resumable := range []bool{true, false} {
		r := newRig(t, fakeprovider.Options{Caps: provider.Capabilities{MinChunkSize: 100, DefaultChunkSize: 1000, Resumable: resumable}}, TargetSettings{}, opts)
		r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpPut, Match: func(c fakeprovider.Call) bool { return c.Chunk == 2 }})
		j := r.file("v.bin", randBytes(12, 5000))
		r.run()
		id := r.enqueue(j)[0]
		r.until("the job to wait", func() bool { return r.job(id).State == queue.Waiting })
		if s, _ := r.fake.Sessions(); len(s) != 1 {
			t.Fatalf("want the partial session on the server, have %v", s)
		}
		if err := os.Remove(localPath(j)); err != nil {
			t.Fatal(err)
		}
		if err := r.e.Retry(id); err != nil {
			t.Fatal(err)
		}
		r.wait(id)
		if h := r.history()[id]; h.Outcome != queue.Cancelled {
			t.Fatalf("history %+v", h)
		}
		r.checkClean()
	}
}

// TestLocalPathDiffersFromRemoteName: a file whose name on disk is NFD is
// read from its LocalPath and stored under the NFC remote name.
func TestLocalPathDiffersFromRemoteName(t *testing.T) {
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, fastOpts())
	nfd, nfc := "cafe\u0301.txt", "caf\u00e9.txt"
	j := r.file(nfd, []byte("accent"))
	j.LocalPath = filepath.Join(r.root, nfd)
	j.RelPath = nfc
	r.run()
	id := r.enqueue(j)[0]
	r.wait(id)
	r.checkStored("up/"+nfc, []byte("accent"))
}
