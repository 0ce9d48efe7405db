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
