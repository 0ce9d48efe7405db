package queue

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// UploadRecords answers, part by part, what TargetChunkSize, LoadSession
// and Sent answer one read at a time: records present, absent and damaged.
func TestUploadRecordsEqualsSingleReads(t *testing.T) {
	q, _ := openTest(t, Options{})
	ids := mustEnqueue(t, q, job("t", "a.txt"), job("t", "b.txt"), job("u", "c.txt"))
	a, b, c := mustGet(t, q, ids[0]), mustGet(t, q, ids[1]), mustGet(t, q, ids[2])
	if err := q.SetTargetChunkSize("t", 1<<20); err != nil {
		t.Fatal(err)
	}
	if err := q.SaveSession(a.ID, Session{ChunkSize: 1 << 20, State: []byte(`{"k":1}`), Acked: []int{0}, Size: 3 << 20}); err != nil {
		t.Fatal(err)
	}
	fp := Fingerprint{Size: 5, ModTime: time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC), SHA256: make([]byte, 32), RemoteID: "r"}
	putRaw(t, q, bucketSent, []byte(a.Key()), encodeFingerprint(fp))
	// b: a damaged session, a damaged sent record; c's target: a damaged chunk size.
	putRaw(t, q, bucketSessions, idKey(b.ID), []byte{0xff})
	putRaw(t, q, bucketSent, []byte(b.Key()), []byte{0xff})
	putRaw(t, q, bucketSettings, chunkKey("u"), []byte{1})
	for _, j := range []Job{a, b, c} {
		r := q.UploadRecords(j.ID, j.Target, j.RemotePath())
		cs, csOK, csErr := q.TargetChunkSize(j.Target)
		s, sOK, sErr := q.LoadSession(j.ID)
		f, fOK, fErr := q.Sent(j.Target, j.RemotePath())
		if r.ChunkSize != cs || r.ChunkSizeOK != csOK || !sameErr(r.ChunkSizeErr, csErr) {
			t.Errorf("%s: chunk size %d %v %v, single read %d %v %v", j.RelPath, r.ChunkSize, r.ChunkSizeOK, r.ChunkSizeErr, cs, csOK, csErr)
		}
		if !reflect.DeepEqual(r.Session, s) || r.SessionOK != sOK || !sameErr(r.SessionErr, sErr) {
			t.Errorf("%s: session %+v %v %v, single read %+v %v %v", j.RelPath, r.Session, r.SessionOK, r.SessionErr, s, sOK, sErr)
		}
		if !reflect.DeepEqual(r.Sent, f) || r.SentOK != fOK || !sameErr(r.SentErr, fErr) {
			t.Errorf("%s: sent %+v %v %v, single read %+v %v %v", j.RelPath, r.Sent, r.SentOK, r.SentErr, f, fOK, fErr)
		}
	}
	if r := q.UploadRecords(a.ID, a.Target, a.RemotePath()); !r.ChunkSizeOK || !r.SessionOK || !r.SentOK {
		t.Errorf("job a: %+v, want all three found", r)
	}
	if r := q.UploadRecords(b.ID, b.Target, b.RemotePath()); !errors.Is(r.SessionErr, ErrCorrupt) || !errors.Is(r.SentErr, ErrCorrupt) {
		t.Errorf("job b: %+v, want its session and sent record damaged", r)
	}
	if r := q.UploadRecords(c.ID, c.Target, c.RemotePath()); !errors.Is(r.ChunkSizeErr, ErrCorrupt) {
		t.Errorf("job c: %+v, want its target's chunk size damaged", r)
	}
	reads0, _ := q.Transactions()
	q.UploadRecords(a.ID, a.Target, a.RemotePath())
	if reads, _ := q.Transactions(); reads-reads0 != 1 {
		t.Errorf("UploadRecords ran %d read transactions, want 1", reads-reads0)
	}
}

func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Error() == b.Error()
}
