package selfcommunity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
	scsandbox "github.com/ferry-sync/ferry/transfer/sandbox/selfcommunity"
)

// Tests for the findings of the review against the real service
// (docs/protocols/review-2026-12-06.md, sections 0 and 3).

// faultProxy forwards to the sandbox; hook, when it returns true, has
// answered the request itself (given the request body), before or after
// forwarding it (forward sends it on and returns the answer).
type faultProxy struct {
	url  string
	hook func(w http.ResponseWriter, r *http.Request, body []byte, forward func() (int, []byte)) bool
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	f := &faultProxy{}
	f.url = newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		forward := func() (int, []byte) {
			out, err := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), bytes.NewReader(raw))
			if err != nil {
				return http.StatusBadGateway, nil
			}
			out.Header = r.Header.Clone()
			resp, err := http.DefaultClient.Do(out)
			if err != nil {
				return http.StatusBadGateway, nil
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, b
		}
		if f.hook != nil && f.hook(w, r, raw, forward) {
			return
		}
		status, b := forward()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}))
	return f
}

// cut closes the client's connection without an answer.
func cut(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	conn.Close()
}

func isMessage(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/api/v2/pm/"
}

// Finding 0.1: Send a Message answers 201 with a list. The list is read,
// and so is an object; an answer that cannot be read still means the
// message was created, so a repeated Finish sends nothing more.
func TestMessageAnswerShapes(t *testing.T) {
	shapes := map[string]func([]byte) []byte{
		"list":      func(b []byte) []byte { return b },
		"object":    func(b []byte) []byte { return bytes.TrimSuffix(bytes.TrimPrefix(b, []byte("[")), []byte("]")) },
		"malformed": func([]byte) []byte { return []byte("<html>created</html>") },
	}
	for name, shape := range shapes {
		t.Run(name, func(t *testing.T) {
			s := startSandbox(t, scsandbox.Options{}, nil)
			proxy := newFaultProxy(t, s.srv.BaseURL())
			proxy.hook = func(w http.ResponseWriter, r *http.Request, _ []byte, forward func() (int, []byte)) bool {
				if !isMessage(r) {
					return false
				}
				status, b := forward()
				w.WriteHeader(status)
				_, _ = w.Write(shape(b))
				return true
			}
			p := newProvider(t, proxy.url, func(c *Config) { c.Recipients = []int64{12, 13} })
			data := randomData(MinChunkSize+9, 31)
			u := plan("shape.bin", int64(len(data)), MinChunkSize)
			ctx := ctxT(t)
			sess, err := p.Begin(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			res, err := runUpload(ctx, sess, u, data, 0)
			if err != nil {
				t.Fatalf("upload: %v", err)
			}
			if _, err := sess.Finish(ctx); err != nil {
				t.Fatal(err)
			}
			s.checkMessages(t, res.RemoteID, "docs/2026/shape.bin")
		})
	}
}

// Finding 0.1, the repeat: the message reached the server and its answer
// was lost. The retry looks in the thread first and does not send it
// again, for the file message and the text message alike.
func TestMessageNotResentAfterLostAnswer(t *testing.T) {
	for _, which := range []int{1, 2} { // the n-th message's answer is lost
		t.Run(map[int]string{1: "file_message", 2: "text_message"}[which], func(t *testing.T) {
			s := startSandbox(t, scsandbox.Options{}, nil)
			proxy := newFaultProxy(t, s.srv.BaseURL())
			var n atomic.Int32
			proxy.hook = func(w http.ResponseWriter, r *http.Request, _ []byte, forward func() (int, []byte)) bool {
				if !isMessage(r) || n.Add(1) != int32(which) {
					return false
				}
				forward()
				cut(t, w)
				return true
			}
			p := newProvider(t, proxy.url, func(c *Config) { c.Group = 21 })
			// A long thread (bob's earlier messages): the message is not on
			// the first pages of an oldest-first listing.
			for i := range 1050 {
				req, err := http.NewRequest(http.MethodPost, s.srv.BaseURL()+"/api/v2/pm/",
					strings.NewReader(fmt.Sprintf(`{"group":21,"message":"earlier %d"}`, i)))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+testUsers[1].Token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					t.Fatalf("earlier message: %d", resp.StatusCode)
				}
			}
			data := randomData(2*MinChunkSize, 32)
			u := plan("lost-answer.bin", int64(len(data)), MinChunkSize)
			ctx := ctxT(t)
			sess, err := p.Begin(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			sendParts(t, sess, u, data, u.Chunks())
			// The lost answer is retried within Finish (keeping the file's
			// messages together), after a look in the thread.
			res, err := sess.Finish(ctx)
			if err != nil {
				t.Fatalf("finish with a message answer lost: %v", err)
			}
			if n.Load() != 2 {
				t.Fatalf("%d message requests, want 2 (the lost one found in the thread, not sent again)", n.Load())
			}
			s.checkMessages(t, res.RemoteID, "docs/2026/lost-answer.bin")
		})
	}
}

// Issue #18 item 7: the process dies after done and before the messages.
// The engine saved the state after the last part (SaveBeforeFinish), which
// records the stored file and its thumbnail: the restart sends the
// messages without a second done, so a server that forgets a finalized
// uuid (here: its "already finalized" answer rewritten to "unknown") still
// gets its messages and keeps one file. Killed after the file message went
// out, the restart finds it in the thread and sends only the text; killed
// after both went out (the engine had not recorded the upload as finished),
// it finds both and sends nothing.
func TestKilledBetweenDoneAndMessage(t *testing.T) {
	for _, killAfter := range []int{0, 1, 2} { // messages sent before the kill
		t.Run(map[int]string{0: "before_messages", 1: "after_file_message", 2: "after_both_messages"}[killAfter], func(t *testing.T) {
			s := startSandbox(t, scsandbox.Options{}, nil)
			mod := func(c *Config) { c.Recipients = []int64{12} }
			data := randomData(3*MinChunkSize+5, 33)
			u := plan("killed.bin", int64(len(data)), MinChunkSize)
			ctx := ctxT(t)
			first := newFaultProxy(t, s.srv.BaseURL())
			var sent atomic.Int32
			first.hook = func(w http.ResponseWriter, r *http.Request, _ []byte, forward func() (int, []byte)) bool {
				if !isMessage(r) {
					return false
				}
				if int(sent.Add(1)) <= killAfter {
					forward()
				}
				cut(t, w) // the process dies: no answer is ever read
				return true
			}
			sess, err := newProvider(t, first.url, mod).Begin(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			states := sendParts(t, sess, u, data, u.Chunks())
			_, _ = sess.Finish(ctx) // killed during it
			persisted := states[len(states)-1]

			second := newFaultProxy(t, s.srv.BaseURL())
			var doneCalls atomic.Int32
			second.hook = func(w http.ResponseWriter, r *http.Request, _ []byte, forward func() (int, []byte)) bool {
				if r.URL.RawQuery != "done" {
					return false
				}
				doneCalls.Add(1)
				status, b := forward()
				w.WriteHeader(status)
				_, _ = w.Write(bytes.ReplaceAll(b, []byte(`"already_done"`), []byte(`"invalid"`)))
				return true
			}
			resumed, err := newProvider(t, second.url, mod).Resume(ctx, u, persisted)
			if err != nil {
				t.Fatal(err)
			}
			res, err := runUpload(ctx, resumed, u, data, u.Chunks())
			if err != nil {
				t.Fatalf("resumed: %v", err)
			}
			if doneCalls.Load() != 0 {
				t.Fatalf("%d done calls after the restart, want none", doneCalls.Load())
			}
			s.oneFile(t, res.RemoteID, "killed.bin", data)
			s.checkMessages(t, res.RemoteID, "docs/2026/killed.bin")
		})
	}
}

// Finding 3 (md5 on done): the official client never sends md5. A server
// that refuses Ferry's md5 gets the file again first (a corrupted copy is
// cured by that); the same bytes refused again mean the server disagrees
// with the field itself, and done goes without it from then on.
func TestDoneMD5Refused(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	proxy := newFaultProxy(t, s.srv.BaseURL())
	var withMD5, without atomic.Int32
	proxy.hook = func(w http.ResponseWriter, r *http.Request, body []byte, _ func() (int, []byte)) bool {
		if r.URL.RawQuery != "done" {
			return false
		}
		if !bytes.Contains(body, []byte(`name="md5"`)) {
			without.Add(1)
			return false
		}
		withMD5.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"errors":[{"code":"invalid","message":"Invalid md5.","field":"md5"}]}`))
		return true
	}
	p := newProvider(t, proxy.url, nil)
	data := randomData(2*MinChunkSize+3, 34)
	u := plan("md5.bin", int64(len(data)), MinChunkSize)
	ctx := ctxT(t)
	sess, err := p.Begin(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	_, err = runUpload(ctx, sess, u, data, 0)
	if !errors.Is(err, provider.ErrSessionGone) {
		t.Fatalf("first md5 refusal: %v, want ErrSessionGone (send the file again)", err)
	}
	sess, err = p.Begin(ctx, u) // the engine starts over
	if err != nil {
		t.Fatal(err)
	}
	res, err := runUpload(ctx, sess, u, data, 0)
	if err != nil {
		t.Fatalf("second upload of the same bytes: %v", err)
	}
	if got := s.fetch(t, res.Link); !bytes.Equal(got, data) {
		t.Fatal("stored content differs")
	}
	other := randomData(MinChunkSize+1, 35)
	uploadWhole(t, p, "next.bin", other)
	if withMD5.Load() != 2 || without.Load() != 2 {
		t.Fatalf("done calls with md5 %d, without %d; want 2 and 2", withMD5.Load(), without.Load())
	}
}

// Finding 3 (16 MiB parts): the official client's parts are 204,800
// bytes. A larger part refused with 400 on the file field, whatever the
// code, is ErrTooLarge, so the engine steps the part size down; a part of
// the official size refused the same way stays a plain refusal.
func TestLargePartRefusedWith400(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	proxy := newFaultProxy(t, s.srv.BaseURL())
	proxy.hook = func(w http.ResponseWriter, r *http.Request, _ []byte, _ func() (int, []byte)) bool {
		if r.URL.Path != "/api/v2/pm/upload/" || r.URL.RawQuery != "" {
			return false
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"errors":[{"code":"invalid","message":"Upload a valid file.","field":"file"}]}`))
		return true
	}
	p := newProvider(t, proxy.url, nil)
	ctx := ctxT(t)
	for _, tc := range []struct {
		chunk int64
		want  error
	}{{1 << 20, provider.ErrTooLarge}, {DefaultChunkSize, provider.ErrPermanent}} {
		data := randomData(int(2*tc.chunk), 36)
		u := plan("big.bin", int64(len(data)), tc.chunk)
		sess, err := p.Begin(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		c := u.Chunk(0)
		err = sess.PutChunk(ctx, c, body(data, c))
		if !errors.Is(err, tc.want) || (tc.want == provider.ErrTooLarge) != strings.Contains(err.Error(), "smaller parts") {
			t.Fatalf("%d-byte part refused with 400 on file: %v, want %v", tc.chunk, err, tc.want)
		}
	}
}

// Finding 3 (one-part files): the official client never sends a one-part
// chunk upload. A server that refuses it, on the part or on done, gets the
// file as the official plain upload (file alone, then done), and every
// later one-part file goes that way at once. The requests that reach the
// server are the golden transcript transcript-onepart-plain.txt.
func TestOnePartFallsBackToPlainUpload(t *testing.T) {
	for _, on := range []string{"part", "done"} {
		t.Run(on, func(t *testing.T) {
			s := startSandbox(t, scsandbox.Options{}, nil)
			rec := newRecorder(t, s.srv.BaseURL())
			proxy := newFaultProxy(t, rec.url)
			var refused atomic.Int32
			var chunked sync.Map // uuids of one-part chunk uploads (variant "done")
			proxy.hook = func(w http.ResponseWriter, r *http.Request, body []byte, forward func() (int, []byte)) bool {
				onePart := r.URL.RawQuery == "" && bytes.Contains(body, []byte("name=\"totalparts\"\r\n\r\n1\r\n"))
				switch {
				case on == "done" && onePart:
					status, b := forward()
					var ans struct {
						FileUUID string `json:"file_uuid"`
					}
					_ = json.Unmarshal(b, &ans)
					chunked.Store(ans.FileUUID, true)
					w.WriteHeader(status)
					_, _ = w.Write(b)
					return true
				case on == "done" && r.URL.RawQuery == "done":
					named := false
					chunked.Range(func(k, _ any) bool {
						named = named || k.(string) != "" && bytes.Contains(body, []byte(k.(string)))
						return !named
					})
					if !named {
						return false
					}
				case on == "part" && onePart:
				default:
					return false
				}
				refused.Add(1)
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"errors":[{"code":"invalid","message":"Use the media upload for a single part.","field":"totalparts"}]}`))
				return true
			}
			p := newProvider(t, proxy.url, func(c *Config) { c.Recipients = []int64{12} })
			ctx := ctxT(t)
			for i, name := range []string{"a.txt", "b.txt"} {
				data := randomData(900+i, byte(40+i))
				u := plan(name, int64(len(data)), MinChunkSize)
				var res provider.Result
				var err error
				for range 3 { // the engine: ErrSessionGone starts the file over
					sess, berr := p.Begin(ctx, u)
					if berr != nil {
						t.Fatal(berr)
					}
					if res, err = runUpload(ctx, sess, u, data, 0); !errors.Is(err, provider.ErrSessionGone) {
						break
					}
				}
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if got := s.fetch(t, res.Link); !bytes.Equal(got, data) || !strings.HasSuffix(res.Link, "/"+name) {
					t.Fatalf("%s: stored %s differs", name, res.Link)
				}
			}
			if refused.Load() != 1 {
				t.Fatalf("%d one-part chunk requests refused, want 1 (the second file goes plain at once)", refused.Load())
			}
			if on == "part" {
				tr := uuidRE.ReplaceAllString(rec.transcript(), "<uuid>")
				if strings.Contains(tr, "totalparts=1\n  part") {
					t.Fatalf("a one-part chunk request reached the server:\n%s", tr)
				}
				golden(t, filepath.Join("testdata", "transcript-onepart-plain.txt"), tr)
			}
		})
	}
}

// The thumbnail: a JPEG preview at most previewSide pixels a side drawn
// from an image the session saw whole, the generic PNG for other files
// and for a resumed session (which has not seen the earlier parts).
func TestThumbnailImage(t *testing.T) {
	s := startSandbox(t, scsandbox.Options{}, nil)
	p := newProvider(t, s.srv.BaseURL(), func(c *Config) { c.Recipients = []int64{12} })
	src := image.NewNRGBA(image.Rect(0, 0, 600, 300))
	for y := range 300 {
		for x := range 600 {
			src.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 0x80, 0xFF})
		}
	}
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, src); err != nil {
		t.Fatal(err)
	}
	thumbOf := func(t *testing.T, res provider.Result) (string, image.Config) {
		t.Helper()
		ms := s.api.Messages()
		thumb := ms[len(ms)-2].FileUUID
		if s.thumbParent(thumb) != res.RemoteID {
			t.Fatalf("message names %s, not a thumbnail of %s", thumb, res.RemoteID)
		}
		for _, e := range s.srv.Tree(scsandbox.Name) {
			if strings.HasPrefix(e.Path, "/"+thumb+"/") {
				cfg, format, err := image.DecodeConfig(bytes.NewReader(s.fetch(t, e.Link)))
				if err != nil {
					t.Fatalf("thumbnail %s: %v", e.Path, err)
				}
				return format + " " + path.Base(e.Path), cfg
			}
		}
		t.Fatalf("thumbnail %s not stored", thumb)
		return "", image.Config{}
	}
	res := uploadWhole(t, p, "photo.png", pngData.Bytes()) // several parts
	if got, cfg := thumbOf(t, res); got != "jpeg photo.jpeg" || cfg.Width != previewSide || cfg.Height != previewSide/2 {
		t.Fatalf("image thumbnail %s %dx%d, want a %dx%d JPEG", got, cfg.Width, cfg.Height, previewSide, previewSide/2)
	}
	res = uploadWhole(t, p, "notes.txt", randomData(5000, 50))
	if got, cfg := thumbOf(t, res); got != "png notes.png" || cfg.Width != 64 {
		t.Fatalf("document thumbnail %s %dx%d, want the generic PNG", got, cfg.Width, cfg.Height)
	}
	// Resumed after the first part: the preview bytes are not all here.
	data := pngData.Bytes()
	u := plan("again.png", int64(len(data)), MinChunkSize)
	states := partial(t, s.srv.BaseURL(), u, data, 1)
	sess, err := p.Resume(ctxT(t), u, states[1])
	if err != nil {
		t.Fatal(err)
	}
	res, err = runUpload(ctxT(t), sess, u, data, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := thumbOf(t, res); !strings.HasPrefix(got, "png again") { // the name is taken by the file: suffixed
		t.Fatalf("resumed thumbnail %s, want the generic PNG", got)
	}
}
