package queue

import (
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The queue stores no freelist (boltOptions); bbolt rebuilds it at Open.
// A file written so opens in a Ferry that stores one (which writes it
// back) and again in this one, with every record and a clean check.
func TestQueueFileOpensWithAndWithoutStoredFreelist(t *testing.T) {
	q, path := openTest(t, Options{})
	for i := range 300 {
		mustEnqueue(t, q, job("t", fmt.Sprintf("d/%04d", i)))
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for range 100 {
		j := mustClaim(t, q, now)
		if err := q.Finish(j.ID, HistoryEntry{}, &Fingerprint{Size: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if _, noFreelist := truncated(path); !noFreelist {
		t.Fatal("the queue stored a freelist")
	}
	check := func(db *bolt.DB) {
		t.Helper()
		if err := db.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			t.Fatalf("check: %v", err)
		}
	}
	// An older Ferry: bbolt's default stores the freelist again at Open.
	old, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if err != nil {
		t.Fatal(err)
	}
	check(old)
	if err := old.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSettings).Put([]byte("x"), []byte("y")) }); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	if _, noFreelist := truncated(path); noFreelist {
		t.Fatal("bbolt's default did not store the freelist")
	}
	q, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := q.Damage(); ok {
		t.Fatalf("damage reported: %+v", d)
	}
	checkIndexes(t, q)
	c, err := q.Counts()
	if err != nil || c[Queued] != 200 {
		t.Fatalf("counts %v %v, want 200 queued", c, err)
	}
	for range 2 { // both metas
		j := mustClaim(t, q, now)
		if err := q.Finish(j.ID, HistoryEntry{}, &Fingerprint{Size: 1}); err != nil {
			t.Fatal(err)
		}
	}
	check(q.db)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if _, noFreelist := truncated(path); !noFreelist {
		t.Fatal("the freelist an older Ferry stored was not dropped")
	}
	q, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if h, err := q.History(0); err != nil || len(h) != 102 {
		t.Fatalf("history %d entries, %v; want 102", len(h), err)
	}
	if _, ok, err := q.Sent("t", "d/0000"); err != nil || !ok {
		t.Fatalf("sent record of the first file: %v %v", ok, err)
	}
}
