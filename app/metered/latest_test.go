package metered

import "testing"

// A repeated state is not delivered; a slow reader gets the newest state,
// never a stale one.
func TestLatestKeepsNewest(t *testing.T) {
	l := newLatest(Unknown)
	l.set(Unknown)
	select {
	case s := <-l.changes:
		t.Fatalf("an unchanged state was delivered: %v", s)
	default:
	}
	l.set(Metered)
	l.set(Unmetered)
	if s := <-l.changes; s != Unmetered || l.get() != Unmetered {
		t.Fatalf("delivered %v, state %v; want the newest, not metered", s, l.get())
	}
	select {
	case s := <-l.changes:
		t.Fatalf("a stale state was left behind: %v", s)
	default:
	}
}
