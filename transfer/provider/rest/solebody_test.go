package rest

import (
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// blockingReader blocks its first Read until released.
type blockingReader struct {
	entered, release chan struct{}
	once             sync.Once
}

func (b *blockingReader) Read(p []byte) (int, error) {
	b.once.Do(func() {
		close(b.entered)
		<-b.release
	})
	return copy(p, "x"), nil
}

// Detach waits for a Read in progress, and no Read reaches the wrapped
// reader afterwards.
func TestSoleBodyDetach(t *testing.T) {
	br := &blockingReader{entered: make(chan struct{}), release: make(chan struct{})}
	b := NewSoleBody(br)
	go func() { _, _ = b.Read(make([]byte, 1)) }()
	<-br.entered
	detached := make(chan struct{})
	go func() { b.Detach(); close(detached) }()
	select {
	case <-detached:
		t.Fatal("Detach returned while a Read was still in the wrapped reader")
	case <-time.After(50 * time.Millisecond):
	}
	close(br.release)
	<-detached
	if n, err := b.Read(make([]byte, 1)); n != 0 || !errors.Is(err, ErrBodyDetached) {
		t.Fatalf("Read after Detach = %d, %v; want 0, ErrBodyDetached", n, err)
	}
	b.Detach() // a second Detach is harmless
}

func TestSoleBodyReadsThrough(t *testing.T) {
	got, err := io.ReadAll(NewSoleBody(strings.NewReader("ferry")))
	if err != nil || string(got) != "ferry" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
}
