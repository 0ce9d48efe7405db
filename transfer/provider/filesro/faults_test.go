package filesro

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// retryUpload drives one file the way the engine does, without waiting:
// a retryable failure repeats the chunk, ErrSessionGone or ErrTooLarge
// restart the file under a new session, any other kind ends the upload.
// attempts bounds the total number of PutChunk calls.
func retryUpload(t *testing.T, p provider.Provider, u provider.Upload, data []byte, attempts int) (provider.Result, error) {
	c := ctx(t)
	for restarts := 0; ; restarts++ {
		s, err := p.Begin(c, u)
		if err != nil {
			return provider.Result{}, err
		}
		restart := false
		for i := 0; i < u.Chunks() && !restart; {
			if attempts--; attempts < 0 {
				return provider.Result{}, fmt.Errorf("gave up after %d restarts", restarts)
			}
			ch := u.Chunk(i)
			err := s.PutChunk(c, ch, io.NewSectionReader(bytes.NewReader(data), ch.Offset, ch.Size))
			switch k := kindOf(err); {
			case err == nil:
				i++
			case k == provider.ErrRetryable:
			case k == provider.ErrSessionGone, k == provider.ErrTooLarge:
				if aerr := s.Abort(c); aerr != nil {
					return provider.Result{}, aerr
				}
				restart = true
			default:
				return provider.Result{}, err
			}
		}
		if !restart {
			return s.Finish(c)
		}
	}
}

// TestUploadsUnderFaults: with 5xx, 429 and resets injected, every upload
// ends byte-exact, exactly once, or fails with a proper kind; the server
// never holds a corrupt file.
func TestUploadsUnderFaults(t *testing.T) {
	prof, err := sandbox.ParseFaults("500=0.08,502=0.04,503=0.08,429=0.05,reset=0.05,seed=11")
	if err != nil {
		t.Fatal(err)
	}
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true, Faults: prof})
	p := tb.provider("editor")
	want := map[string]string{}
	for i := range 12 {
		data := randomData(i*97_000+int(i%3)*MinChunkSize, uint64(100+i))
		name := fmt.Sprintf("faulty-%02d.bin", i)
		u := plan([]string{"faults"}, name, data, MinChunkSize)
		res, err := retryUpload(t, p, u, data, 400)
		if err != nil {
			t.Fatalf("%s: %v (kind %v)", name, err, kindOf(err))
		}
		if res.RemoteName != name {
			t.Fatalf("%s stored as %q: an earlier attempt left a file behind", name, res.RemoteName)
		}
		want["/editor/faults/"+name] = hexSHA(data)
	}
	files := tb.files()
	if len(files) != len(want) {
		t.Fatalf("%d files on the server, want %d: %+v", len(files), len(want), files)
	}
	for _, f := range files {
		if want[f.Path] != f.SHA256 {
			t.Fatalf("%s: sha %s, want %s (corrupt or unexpected)", f.Path, f.SHA256, want[f.Path])
		}
	}
	st := tb.srv.Stats()
	for _, k := range []string{"500", "503", "429", "reset"} {
		if st.Faults[k] == 0 {
			t.Errorf("fault %s never injected (stats %v): the test did not exercise it", k, st.Faults)
		}
	}
	t.Logf("faults injected: %v; pending keys left: %d", st.Faults, len(tb.api.Pending()))
}

// TestFaultsNeverFinishWrongFile drives the raw session without the retry
// rules: repeating a chunk after any failure must never produce a file
// with duplicated bytes (the provider refuses instead).
func TestFaultsNeverFinishWrongFile(t *testing.T) {
	tb := newTestbed(t, sbfilesro.Options{}, sandbox.Config{Strict: true, Seed: 3, Faults: sandbox.FaultProfile{Status: map[int]float64{500: 0.3}, Reset: 0.1}})
	p := tb.provider("editor")
	data := randomData(5*MinChunkSize, 42)
	u := plan(nil, "naive.bin", data, MinChunkSize)
	c := ctx(t)
	for try := 0; try < 20; try++ {
		s, err := p.Begin(c, u)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < u.Chunks(); i++ {
			ch := u.Chunk(i)
			// A naive caller: on failure, resend the same chunk once more.
			for range 2 {
				if err = s.PutChunk(c, ch, io.NewSectionReader(bytes.NewReader(data), ch.Offset, ch.Size)); err == nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		if err != nil && !errors.Is(err, provider.ErrSessionGone) && kindOf(err) != provider.ErrRetryable && kindOf(err) != provider.ErrTooLarge {
			t.Fatalf("unexpected kind: %v", err)
		}
	}
	for _, f := range tb.files() {
		if f.SHA256 != hexSHA(data) {
			t.Fatalf("a wrong file was finished: %+v", f)
		}
	}
}
