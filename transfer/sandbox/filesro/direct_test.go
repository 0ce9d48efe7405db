package filesro

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRefusedChunkLeavesKeyFile: with chunks streamed straight onto the
// key's file (strict mode), a chunk refused after its body was read (a
// changed name, a bad field, a visitor share) leaves the key's file as it
// was, a repeated chunk part replaces the earlier one, and the finished
// file holds exactly the accepted chunks with their checksum.
func TestRefusedChunkLeavesKeyFile(t *testing.T) {
	e := strictEnv(t, Options{})
	tok := e.token("editor")
	key := "k-refused.part"
	if r := e.post(uploadsPath(tok), chunkParts(key, "a.txt", "hello ", false)); r.status != http.StatusOK {
		t.Fatalf("chunk 1: %d %s", r.status, r.body)
	}
	refused := []struct {
		name  string
		path  string
		parts []part
		want  int
	}{
		{"changed name", uploadsPath(tok), chunkParts(key, "b.txt", "XXXX", false), http.StatusUnprocessableEntity},
		{"bad is_last_chunk", uploadsPath(tok), append(chunkParts(key, "a.txt", "YYYY", false), field("is_last_chunk", "2")), http.StatusUnprocessableEntity},
		{"visitor share", uploadsPath(e.token("visitor")), chunkParts(key, "a.txt", "ZZZZ", false), http.StatusForbidden},
	}
	for _, c := range refused {
		if r := e.post(c.path, c.parts); r.status != c.want {
			t.Fatalf("%s: %d %s, want %d", c.name, r.status, r.body, c.want)
		}
		if p := e.api.Pending(); len(p) != 1 || p[0].Bytes != 6 {
			t.Fatalf("after %s: pending %+v, want the key with 6 bytes", c.name, p)
		}
	}
	twice := append(chunkParts(key, "a.txt", "zzz", false), filePart("chunk", key, "world"))
	if r := e.post(uploadsPath(tok), twice); r.status != http.StatusOK {
		t.Fatalf("repeated chunk part: %d %s", r.status, r.body)
	}
	if r := e.post(uploadsPath(tok), chunkParts(key, "a.txt", "!", true)); r.status != http.StatusCreated {
		t.Fatalf("last chunk: %d %s", r.status, r.body)
	}
	e.mustFile("/editor/a.txt", "hello world!")
}

// TestRefusedFirstChunkForgetsKey: a new key whose only chunk is refused
// leaves nothing behind.
func TestRefusedFirstChunkForgetsKey(t *testing.T) {
	e := strictEnv(t, Options{})
	parts := append(chunkParts("k-new.part", "a.txt", "data", false), field("parent_id", "not-a-uuid"))
	if r := e.post(uploadsPath(e.token("editor")), parts); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("%d %s, want 422", r.status, r.body)
	}
	if p := e.api.Pending(); len(p) != 0 || e.files() != 0 {
		t.Fatalf("pending %+v, files %d; want nothing", p, e.files())
	}
}

// TestBrokenChunkWhileStreamed: while a chunk is being streamed onto the
// key's file, Pending shows only the bytes appended before it; a body
// that breaks off leaves the key's file as it was, and the upload then
// completes with the right content.
func TestBrokenChunkWhileStreamed(t *testing.T) {
	e := strictEnv(t, Options{})
	tok := e.token("editor")
	key := "k-broken.part"
	if r := e.post(uploadsPath(tok), chunkParts(key, "b.bin", "first-", false)); r.status != http.StatusOK {
		t.Fatalf("chunk 1: %d %s", r.status, r.body)
	}
	big := strings.Repeat("0123456789", 100_000) // 1 MB: its first half fills the append buffer
	slow := newSlowRequest(t, e, uploadsPath(tok), chunkParts(key, "b.bin", big, false))
	slow.waitClaimed(key)
	deadline := time.Now().Add(10 * time.Second)
	for e.keyFileSize(key) <= 6 {
		if time.Now().After(deadline) {
			t.Fatal("the streamed chunk never reached the key's file")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if p := e.api.Pending(); len(p) != 1 || p[0].Bytes != 6 {
		t.Fatalf("pending while streaming %+v, want 6 bytes", p)
	}
	slow.pw.CloseWithError(errors.New("connection cut"))
	select {
	case r := <-slow.done:
		if r.status == http.StatusOK {
			t.Fatalf("broken chunk answered %d", r.status)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("broken request never ended")
	}
	for e.keyFileSize(key) != 6 || len(e.api.Pending()) != 1 || e.api.Pending()[0].InProgress != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("key file %d bytes, pending %+v; want 6 bytes, idle", e.keyFileSize(key), e.api.Pending())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if r := e.post(uploadsPath(tok), chunkParts(key, "b.bin", "last", true)); r.status != http.StatusCreated {
		t.Fatalf("last chunk: %d %s", r.status, r.body)
	}
	e.mustFile("/editor/b.bin", "first-last")
}

// keyFileSize is the size of key's file including a chunk being streamed
// (what Pending does not show), 0 for an unknown key.
func (e *env) keyFileSize(key string) int64 {
	e.api.mu.Lock()
	s := e.api.sessions[key]
	e.api.mu.Unlock()
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blob == nil {
		return 0
	}
	return s.blob.Size()
}
