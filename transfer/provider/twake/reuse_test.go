package twake

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestReleasedRecordIsReused: a record released and the next one added
// are the same file, renamed (no file created and removed per upload),
// and the new record reads back whole, with the older one's longer
// length padded.
func TestReleasedRecordIsReused(t *testing.T) {
	if !canRenameNoReplace {
		t.Skip("records are reused only where a rename can refuse to replace (Linux, macOS)")
	}
	ps := newPendingSet(t.TempDir(), "http://example", "company")
	// Another upload in flight throughout: records are kept for reuse only
	// while one is (see TestNoEmptiedRecordLeftWhenIdle).
	if err := ps.add("in-flight", "c.bin"); err != nil {
		t.Fatal(err)
	}
	if err := ps.add("entity-1", "a/long/remote/path/of/the/first/file.bin"); err != nil {
		t.Fatal(err)
	}
	// Held open, the first record's file keeps its identity even if it is
	// removed: a new file created for the next record is another file.
	first, err := os.Open(ps.path("entity-1"))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	fi1, err := first.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.release("entity-1"); err != nil {
		t.Fatal(err)
	}
	if err := ps.add("entity-2", "b.bin"); err != nil {
		t.Fatal(err)
	}
	fi2, err := os.Stat(ps.path("entity-2"))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(fi1, fi2) {
		t.Fatal("the second record is a new file: the released one was not reused")
	}
	if _, err := os.Stat(ps.path("entity-1")); !os.IsNotExist(err) {
		t.Fatalf("the released record is still there under its name: %v", err)
	}
	raw, err := os.ReadFile(ps.path("entity-2"))
	if err != nil {
		t.Fatal(err)
	}
	var rec pendingRecord
	if err := json.Unmarshal(raw, &rec); err != nil || rec.ID != "entity-2" || rec.Key != "b.bin" {
		t.Fatalf("reused record %q: %+v, %v", raw, rec, err)
	}
	ents, err := os.ReadDir(ps.dir)
	if err != nil || len(ents) != 2 {
		t.Fatalf("folder holds %d files, want the 2 records (%v)", len(ents), err)
	}
}

// TestNoEmptiedRecordLeftWhenIdle: emptied records are kept while another
// upload is in flight, and removed with the last release, so a process
// that finished its uploads leaves nothing in the folder.
func TestNoEmptiedRecordLeftWhenIdle(t *testing.T) {
	if !canRenameNoReplace {
		t.Skip("records are reused only where a rename can refuse to replace (Linux, macOS)")
	}
	ps := newPendingSet(t.TempDir(), "http://example", "company")
	for _, id := range []string{"a", "b", "c"} {
		if err := ps.add(id, id+".bin"); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"a", "b"} {
		if err := ps.release(id); err != nil {
			t.Fatal(err)
		}
	}
	if len(ps.free) != 2 {
		t.Fatalf("%d emptied records kept while c is in flight, want 2", len(ps.free))
	}
	if err := ps.release("c"); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(ps.dir)
	if err != nil || len(ents) != 0 || len(ps.free) != 0 {
		t.Fatalf("after the last release the folder holds %d files, %d kept (%v), want none", len(ents), len(ps.free), err)
	}
	// The next upload creates its record afresh.
	if err := ps.add("d", "d.bin"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ps.path("d")); err != nil {
		t.Fatal(err)
	}
}

// TestEmptiedRecordsSwept: an emptied record a live process keeps is left
// to it; one whose process died is removed by the next sweep at once; an
// empty file (a record being created) is not taken for one; a reused
// record a dead process left, with trailing spaces, is swept as a record.
func TestEmptiedRecordsSwept(t *testing.T) {
	if !canRenameNoReplace {
		t.Skip("records are reused only where a rename can refuse to replace (Linux, macOS)")
	}
	root := t.TempDir()
	live := newPendingSet(root, "http://example", "company")
	dead := newPendingSet(root, "http://example", "company")
	sweeper := newPendingSet(root, "http://example", "company")
	for id, ps := range map[string]*pendingSet{"kept-live": live, "kept-dead": dead} {
		// An upload in flight in each process, so that the released
		// record is kept for reuse.
		if err := ps.add(id+"-busy", "x/busy"); err != nil {
			t.Fatal(err)
		}
		if err := ps.add(id, "x/kept/with/a/long/name/so/the/next/record/is/padded"); err != nil {
			t.Fatal(err)
		}
		if err := ps.release(id); err != nil {
			t.Fatal(err)
		}
	}
	// dead: one emptied record, and one reused record naming an entity.
	if err := dead.add("orphan", "k/file"); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(dead.path("orphan")); raw[len(raw)-1] != ' ' {
		t.Fatalf("the orphan's record %q reused no longer record", raw)
	}
	if err := dead.add("other", "a/much/longer/key/than/the/orphans/one"); err != nil {
		t.Fatal(err)
	}
	if err := dead.release("other"); err != nil {
		t.Fatal(err)
	}
	deadFree := dead.free[0].path
	liveFree := live.free[0].path
	for _, h := range dead.held {
		_ = h.f.Close() // the process dies
	}
	for _, s := range dead.free {
		_ = s.f.Close()
	}
	fresh := filepath.Join(root, filepath.Base(sweeper.dir), "00112233445566778899aabbccddeeff"+pendingExt)
	if err := os.WriteFile(fresh, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var deleted []string
	sweeper.sweep(context.Background(), "k/file", "", func(_ context.Context, id string) error {
		deleted = append(deleted, id)
		return nil
	})
	if len(deleted) != 1 || deleted[0] != "orphan" {
		t.Errorf("deleted %v, want the dead process's orphan", deleted)
	}
	if _, err := os.Stat(deadFree); !os.IsNotExist(err) {
		t.Errorf("the dead process's emptied record is still there: %v", err)
	}
	if _, err := os.Stat(liveFree); err != nil {
		t.Errorf("the live process's emptied record was removed: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("an empty record being created was removed: %v", err)
	}
}
