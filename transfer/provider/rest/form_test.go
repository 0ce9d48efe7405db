package rest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/transfer/internal/racebuild"
)

func TestFormStreamsOneFilePartWithAnExactLength(t *testing.T) {
	content := strings.Repeat("chunk-bytes/", 1000)
	f, err := NewForm([]Field{{"name", "report.pdf"}, {"is_last_chunk", "1"}},
		&FilePart{Field: "chunk", Filename: `we"ird\ name` + "\r\n.part", Size: int64(len(content))})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(f.Body(NewExactReader(strings.NewReader(content), int64(len(content)))))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(body)) != f.Len() {
		t.Fatalf("body has %d bytes, Len says %d", len(body), f.Len())
	}
	_, params, err := mime.ParseMediaType(f.ContentType)
	if err != nil {
		t.Fatal(err)
	}
	form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if form.Value["name"][0] != "report.pdf" || form.Value["is_last_chunk"][0] != "1" {
		t.Errorf("fields = %v", form.Value)
	}
	fh := form.File["chunk"][0]
	if fh.Filename != `we"ird\ name%0D%0A.part` || fh.Size != int64(len(content)) {
		t.Errorf("file part %q, %d bytes", fh.Filename, fh.Size)
	}
}

func TestExactReaderReportsAShortSource(t *testing.T) {
	r := NewExactReader(strings.NewReader("12345"), 8)
	b, err := io.ReadAll(r)
	if !errors.Is(err, ErrShortBody) || string(b) != "12345" {
		t.Fatalf("read %q, %v", b, err)
	}
	if n, err := r.Result(); n != 5 || !errors.Is(err, ErrShortBody) {
		t.Fatalf("Result = %d, %v", n, err)
	}
	long := NewExactReader(strings.NewReader("123456789"), 4)
	if b, err := io.ReadAll(long); err != nil || string(b) != "1234" {
		t.Fatalf("a longer source gave %q, %v", b, err)
	}
	if _, err := long.Result(); err != nil {
		t.Fatalf("Result after an exact read: %v", err)
	}
}

// TestFormAsMultipartWriter: a form's bytes are those mime/multipart's
// Writer writes with the same boundary, fields and file part (escaping,
// header order, the first part without a leading CRLF, the closing line).
func TestFormAsMultipartWriter(t *testing.T) {
	const boundary = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
	cases := []struct {
		fields []Field
		file   *FilePart
	}{
		{nil, nil},
		{[]Field{{"a", "1"}}, nil},
		{nil, &FilePart{Field: "file", Filename: "x.bin", Size: 5}},
		{[]Field{{"name", `re"port\.pdf`}, {"we\"ird\r\n", "v\r\nw"}, {"", ""}}, &FilePart{Field: "ch\"unk", Filename: "a\\b\r\n\"c\".part", Size: 5}},
	}
	for i, c := range cases {
		var want bytes.Buffer
		mw := multipart.NewWriter(&want)
		if err := mw.SetBoundary(boundary); err != nil {
			t.Fatal(err)
		}
		for _, f := range c.fields {
			if err := mw.WriteField(f.Name, f.Value); err != nil {
				t.Fatal(err)
			}
		}
		if c.file != nil {
			w, err := mw.CreateFormFile(c.file.Field, c.file.Filename)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = w.Write([]byte("12345"))
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		f := layOut(c.fields, c.file, boundary)
		var content io.Reader = strings.NewReader("")
		if c.file != nil {
			content = strings.NewReader("12345")
		}
		got, err := io.ReadAll(io.MultiReader(bytes.NewReader(f.head), content, bytes.NewReader(f.tail)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("case %d:\n got %q\nwant %q", i, got, want.Bytes())
		}
		if f.ContentType != mw.FormDataContentType() {
			t.Errorf("case %d: content type %q, want %q", i, f.ContentType, mw.FormDataContentType())
		}
		if f.Len() != int64(want.Len()) {
			t.Errorf("case %d: Len %d, body has %d bytes", i, f.Len(), want.Len())
		}
	}
}

// TestFormAllocations: laying out a chunk request's form allocates a few
// objects (94 with the multipart Writer, for these four fields and a file).
func TestFormAllocations(t *testing.T) {
	if racebuild.Enabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	fields := []Field{{"name", "report.pdf"}, {"chunk", "0"}, {"is_last_chunk", "1"}, {"path", "/a/b/report.pdf"}}
	file := &FilePart{Field: "chunk", Filename: "0123456789abcdef.part", Size: 1024}
	n := testing.AllocsPerRun(200, func() {
		if _, err := NewForm(fields, file); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.0f allocations per form", n)
	if n > 5 {
		t.Errorf("%.0f allocations per form, want at most 5", n)
	}
}

// TestFormBoundaryFitsFastSearch: the delimiter a server searches for
// ("\r\n--" and the boundary) fits the fast path of Go's substring search
// (at most 63 bytes), and every form gets a boundary of its own.
func TestFormBoundaryFitsFastSearch(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		f, err := NewForm([]Field{{"a", "1"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, b, ok := strings.Cut(f.ContentType, "boundary=")
		if !ok || len("\r\n--"+b) > 63 || len(b) < 32 {
			t.Fatalf("content type %q: the boundary must be 32-59 characters", f.ContentType)
		}
		if seen[b] {
			t.Fatalf("boundary %q given twice", b)
		}
		seen[b] = true
	}
}
