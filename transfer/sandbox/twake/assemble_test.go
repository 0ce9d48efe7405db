package twake

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// content is n pseudo-random bytes.
func content(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// hinted is plan with the resumableChunkSize hint.
func hinted(n, total int, size, stride int64, name string) url.Values {
	q := plan(n, total, size, name)
	q.Set("resumableChunkSize", strconv.FormatInt(stride, 10))
	return q
}

// cut splits data into chunks of stride bytes, the last absorbing the
// rest when last is "absorb" (the official client) or holding it.
func cut(data []byte, stride int, absorb bool) [][]byte {
	var out [][]byte
	for off := 0; off < len(data); off += stride {
		end := min(off+stride, len(data))
		if absorb && len(data)-end < stride {
			end = len(data)
		}
		out = append(out, data[off:end])
		if end == len(data) {
			break
		}
	}
	return out
}

func (e *tenv) wantFile(t testing.TB, id string, data []byte) {
	t.Helper()
	sum := sha256.Sum256(data)
	n := e.node(t, "/files/"+id)
	if n.Kind != "file" || n.SHA256 != hex.EncodeToString(sum[:]) || n.Size != int64(len(data)) || n.Meta["complete"] != "true" {
		t.Fatalf("file %s: %+v, want %d bytes %x", id, n, len(data), sum[:4])
	}
	if left := e.under(t, "/.chunks/"+id+"/"); len(left) != 0 {
		t.Fatalf("chunk objects left: %v", left)
	}
}

// Every way a chunk can reach its place gives the same file: hinted
// chunks in any order and in parallel, a wrong hint, no hint, the official
// client's larger last chunk.
func TestAssemblyLayouts(t *testing.T) {
	data := content(10_000, 1)
	for _, tc := range []struct {
		name   string
		stride int
		absorb bool
		hint   int64 // 0: none
	}{
		{"hinted", 1000, false, 1000},
		{"hinted last absorbs", 1500, true, 1500},
		{"no hint", 1000, false, 0},
		{"wrong hint", 1000, false, 700},
		{"oversized hint", 1000, false, 4000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, true, nil)
			id := e.initFile(t)
			chunks := cut(data, tc.stride, tc.absorb)
			var wg sync.WaitGroup
			errs := make(chan string, len(chunks))
			for i := len(chunks); i >= 1; i-- {
				q := plan(i, len(chunks), int64(len(data)), "a.bin")
				if tc.hint > 0 {
					q = hinted(i, len(chunks), int64(len(data)), tc.hint, "a.bin")
				}
				wg.Go(func() {
					if st, b := e.chunk(t, id, q, chunks[i-1]); st != 200 {
						errs <- fmt.Sprintf("chunk %d: %d %s", i, st, b)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			e.wantFile(t, id, data)
		})
	}
}

// With the hint, no chunk is ever stored as an object of its own.
func TestHintedChunksWrittenInPlace(t *testing.T) {
	e := start(t, true, nil)
	id := e.initFile(t)
	data := content(4000, 2)
	chunks := cut(data, 1000, false)
	for i := len(chunks); i >= 2; i-- {
		ok(t)(e.chunk(t, id, hinted(i, 4, 4000, 1000, "a.bin"), chunks[i-1]))
		if left := e.under(t, "/.chunks/"+id+"/"); len(left) != 0 {
			t.Fatalf("after chunk %d: chunk objects %v", i, left)
		}
	}
	if c, _ := e.api.Completion("", id); c.Complete || len(c.Present) != 3 {
		t.Fatalf("before chunk 1: %+v", c)
	}
	ok(t)(e.chunk(t, id, hinted(1, 4, 4000, 1000, "a.bin"), chunks[0]))
	e.wantFile(t, id, data)
}

// A chunk re-sent after completion replaces its bytes; one of the wrong
// size is stored apart and the file made again by concatenation.
func TestResendAfterCompletion(t *testing.T) {
	e := start(t, true, nil)
	id := e.initFile(t)
	data := content(3000, 3)
	chunks := cut(data, 1000, false)
	for i, c := range chunks {
		ok(t)(e.chunk(t, id, hinted(i+1, 3, 3000, 1000, "a.bin"), c))
	}
	e.wantFile(t, id, data)
	changed := append([]byte(nil), data...)
	copy(changed[1000:2000], content(1000, 4))
	ok(t)(e.chunk(t, id, hinted(2, 3, 3000, 1000, "a.bin"), changed[1000:2000]))
	e.wantFile(t, id, changed)
	// One byte short: the file is incomplete, its content unchanged.
	ok(t)(e.chunk(t, id, hinted(2, 3, 3000, 1000, "a.bin"), changed[1000:1999]))
	if c, _ := e.api.Completion("", id); c.Complete || !strings.Contains(c.Problem, "hold 2999 bytes") {
		t.Fatalf("short re-send: %+v", c)
	}
	ok(t)(e.chunk(t, id, hinted(2, 3, 3000, 1000, "a.bin"), data[1000:2000]))
	e.wantFile(t, id, data)
}

// A chunk whose body breaks off while it is rewritten in place is absent
// afterwards, like a chunk file the real storage truncated; sending it
// again completes the file.
func TestBrokenRewriteLeavesChunkAbsent(t *testing.T) {
	e := start(t, true, nil)
	id := e.initFile(t)
	data := content(300_000, 5)
	chunks := cut(data, 100_000, false)
	for i, c := range chunks {
		ok(t)(e.chunk(t, id, hinted(i+1, 3, 300_000, 100_000, "a.bin"), c))
	}
	ct, body := multipartBody(t, part{"file", "a.bin", chunks[1]})
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.BaseURL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	q := hinted(2, 3, 300_000, 100_000, "a.bin").Encode()
	fmt.Fprintf(conn, "POST %s/%s?%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		e.filesPath(), id, q, e.tok, ct, len(body))
	if _, err := conn.Write(body[:len(body)/2]); err != nil {
		t.Fatal(err)
	}
	// Wait until the sandbox is writing the region, then break off.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, _ := e.api.Completion("", id)
		if len(c.Present) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rewrite never started: %+v", c)
		}
		time.Sleep(5 * time.Millisecond)
	}
	conn.Close()
	deadline = time.Now().Add(10 * time.Second)
	for {
		if c, _ := e.api.Completion("", id); !c.Complete && len(c.Present) == 2 {
			e.api.mu.Lock()
			f := e.api.files[fileKey{e.api.CompanyID(), id}]
			e.api.mu.Unlock()
			f.mu.Lock()
			busy := len(f.writing)
			f.mu.Unlock()
			if busy == 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the broken request never ended")
		}
		time.Sleep(5 * time.Millisecond)
	}
	ok(t)(e.chunk(t, id, hinted(2, 3, 300_000, 100_000, "a.bin"), chunks[1]))
	e.wantFile(t, id, data)
	// The download streams the assembled file.
	resp, err := e.srv.Client().Get(e.srv.BaseURL() + e.filesPath() + "/" + id + "/download")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, bufio.NewReader(resp.Body)); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(h.Sum(nil)) != hex.EncodeToString(sum[:]) {
		t.Fatal("download differs from the upload")
	}
}

// A file deleted while a chunk is being written into it answers like an
// unknown file and leaves nothing behind.
func TestDeleteDuringAssembly(t *testing.T) {
	e := start(t, true, nil)
	id := e.initFile(t)
	ok(t)(e.chunk(t, id, hinted(1, 2, 2000, 1000, "a.bin"), content(1000, 6)))
	if st, b := e.do(t, "DELETE", e.filesPath()+"/"+id, nil, nil); st != 200 {
		t.Fatalf("delete: %d %s", st, b)
	}
	if st, _ := e.chunk(t, id, hinted(2, 2, 2000, 1000, "a.bin"), content(1000, 7)); st != 500 {
		t.Fatalf("chunk after delete: %d", st)
	}
	if left := e.under(t, "/files/"+id); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
}
