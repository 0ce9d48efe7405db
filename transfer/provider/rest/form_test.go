package rest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
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
