package selfcommunity

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// The whole-file MD5 is computed only when a rule needs it: a chunked
// upload whose done sends no md5 hashes none of its bytes while it is
// received and finished, and the stored file's Meta md5 (and SHA-256)
// come when the tree is first read; with an md5 in done, done computes it
// once and the tree does not compute it again. A single upload without md5
// is stored unhashed too.
func TestMD5OnlyWhenARuleNeedsIt(t *testing.T) {
	e := start(t, Options{}, nil)
	st := e.srv.Env().Store
	data := testData(900_000)
	size := int64(len(data))
	sha := sha256.Sum256(data)
	check := func(path string) {
		t.Helper()
		en := e.entry(t, path)
		if en.Meta["md5"] != md5hex(data) || en.SHA256 != hex.EncodeToString(sha[:]) || en.Size != size {
			t.Fatalf("%s stored as %+v, want md5 %s sha256 %x", path, en, md5hex(data), sha)
		}
	}

	uuid := e.uploadParts(t, e.alice, data, 300_000)
	e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "plain.bin"}, [2]string{"totalparts", "3"}).ok(t)
	if h := st.HashedBytes(); h != 0 {
		t.Fatalf("a chunked upload without md5 hashed %d bytes before anyone asked", h)
	}
	check("/" + uuid + "/plain.bin")
	if h := st.HashedBytes(); h != 2*size {
		t.Fatalf("the tree hashed %d bytes, want %d (SHA-256 and MD5, once each)", h, 2*size)
	}

	uuid = e.uploadParts(t, e.alice, data, 300_000)
	e.done(t, e.alice, [2]string{"uuid", uuid}, [2]string{"filename", "md5.bin"}, [2]string{"md5", md5hex(data)}).ok(t)
	if h := st.HashedBytes(); h != 3*size {
		t.Fatalf("done with md5 hashed %d bytes, want %d (the MD5 of each byte once)", h-2*size, size)
	}
	check("/" + uuid + "/md5.bin")
	if h := st.HashedBytes(); h != 4*size {
		t.Fatalf("the tree hashed %d bytes after done's MD5, want %d (the SHA-256 only)", h-3*size, size)
	}

	up := e.do(t, req{token: e.alice, fileName: "file", partName: "one.bin", file: data}).ok(t)
	if h := st.HashedBytes(); h != 4*size {
		t.Fatalf("a single upload without md5 hashed %d bytes", h-4*size)
	}
	check("/" + up.str("file_uuid") + "/one.bin")
}

// After a done that sent an md5, the same user's next chunked upload is
// hashed behind its parts (md5Follower): done then finds the sum ready
// and no byte is hashed twice for it; the stored Meta md5 is the same.
// A done without md5 switches it off again.
func TestMD5FollowsAUserWhoSendsIt(t *testing.T) {
	e := start(t, Options{}, nil)
	st := e.srv.Env().Store
	data := testData(700_000)
	size := int64(len(data))
	first := e.uploadParts(t, e.alice, data, 300_000)
	e.done(t, e.alice, [2]string{"uuid", first}, [2]string{"filename", "a.bin"}, [2]string{"md5", md5hex(data)}).ok(t)
	before := st.HashedBytes()
	next := e.uploadParts(t, e.alice, data, 300_000)
	e.mu(t, next, func(up *upload) {
		if up.md5 == nil {
			t.Fatal("the upload after a done with md5 is not followed")
		}
	})
	e.done(t, e.alice, [2]string{"uuid", next}, [2]string{"filename", "b.bin"}, [2]string{"md5", md5hex(data)}).ok(t)
	if h := st.HashedBytes() - before; h != size {
		t.Fatalf("the followed upload hashed %d bytes by done, want %d (each once)", h, size)
	}
	if en := e.entry(t, "/"+next+"/b.bin"); en.Meta["md5"] != md5hex(data) {
		t.Fatalf("stored meta %v", en.Meta)
	}
	third := e.uploadParts(t, e.alice, data, 300_000)
	e.done(t, e.alice, [2]string{"uuid", third}, [2]string{"filename", "c.bin"}).ok(t)
	fourth := e.uploadParts(t, e.alice, data, 300_000)
	e.mu(t, fourth, func(up *upload) {
		if up.md5 != nil {
			t.Fatal("a done without md5 left the next upload followed")
		}
	})
}

// mu runs fn on the record of upload uuid under its lock.
func (e *testEnv) mu(t *testing.T, uuid string, fn func(*upload)) {
	t.Helper()
	e.api.mu.Lock()
	up := e.api.uploads[uuid]
	e.api.mu.Unlock()
	if up == nil {
		t.Fatalf("no upload %s", uuid)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	fn(up)
}
