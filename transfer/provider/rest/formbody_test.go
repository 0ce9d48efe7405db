package rest

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/ferry-sync/ferry/transfer/internal/racebuild"
)

// A form's body reads and writes the same bytes either way, with and
// without a file part, at sizes around the copy buffer's.
func TestFormBodyReadAndWriteTo(t *testing.T) {
	form, err := NewForm([]Field{{Name: "name", Value: "a.bin"}}, &FilePart{Field: "file", Filename: "a.bin", Size: 0})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{0, 1, 32<<10 - 1, 32 << 10, 32<<10 + 1, 200_000} {
		content := bytes.Repeat([]byte{'x', 'y', 'z'}, size/3+1)[:size]
		want := append(append(bytes.Clone(form.head), content...), form.tail...)
		read, err := io.ReadAll(readerOnly{form.Body(NewExactReader(bytes.NewReader(content), int64(size)))})
		if err != nil || !bytes.Equal(read, want) {
			t.Fatalf("size %d: Read gave %d bytes (%v), want %d", size, len(read), err, len(want))
		}
		var w bytes.Buffer
		n, err := form.Body(NewExactReader(bytes.NewReader(content), int64(size))).(io.WriterTo).WriteTo(writerOnly{&w})
		if err != nil || n != int64(len(want)) || !bytes.Equal(w.Bytes(), want) {
			t.Fatalf("size %d: WriteTo wrote %d bytes (%v), want %d", size, n, err, len(want))
		}
	}
	var w bytes.Buffer
	if _, err := form.Body(nil).(io.WriterTo).WriteTo(&w); err != nil || !bytes.Equal(w.Bytes(), append(bytes.Clone(form.head), form.tail...)) {
		t.Fatalf("no file part: %q %v", w.Bytes(), err)
	}
	// A file that shrank: the error comes through.
	_, err = form.Body(NewExactReader(bytes.NewReader([]byte("ab")), 5)).(io.WriterTo).WriteTo(io.Discard)
	if !errors.Is(err, ErrShortBody) {
		t.Fatalf("short content: %v, want ErrShortBody", err)
	}
}

// Copying a body allocates no copy buffer per request (io.MultiReader's
// WriteTo allocated 32 KiB each time).
func TestFormBodyWriteToReusesItsBuffer(t *testing.T) {
	if racebuild.Enabled {
		t.Skip("the race detector allocates, and sync.Pool drops items under it: the bound is for normal builds")
	}
	form, err := NewForm(nil, &FilePart{Field: "file", Filename: "a.bin", Size: 0})
	if err != nil {
		t.Fatal(err)
	}
	content := bytes.Repeat([]byte("0123456789"), 6000)
	body := func() io.Reader { return form.Body(NewExactReader(bytes.NewReader(content), int64(len(content)))) }
	if _, err := io.Copy(writerOnly{io.Discard}, body()); err != nil { // fills the pool
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const runs = 50
	for range runs {
		if _, err := io.Copy(writerOnly{io.Discard}, body()); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 4<<10 {
		t.Errorf("%d bytes allocated per body copy, want under 4 KiB (no 32 KiB buffer each)", per)
	}
}

type readerOnly struct{ io.Reader }

type writerOnly struct{ io.Writer }
