package queue

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

var (
	t0 = time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	t1 = time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC) // negative Unix seconds
)

var jobCases = []Job{
	{},
	{ID: 2, Target: "q", RelPath: "b/x.txt", MoveFrom: "a/x.txt", LocalPath: "/r/b/x.txt"},
	{ID: 3, Target: "q", RelPath: "b", MoveFrom: "a", MoveDir: true, Created: t0},
	{
		ID: 1, Target: "files", Origin: "watch:docs", Root: "/home/u/docs", RelPath: "a/b/ç.txt",
		RemoteDir: "backup", Conflict: "rename", Size: 1 << 40, ModTime: t0, State: Running,
		Attempts: 3, NextAttempt: t1, ErrKind: "retryable", ErrMsg: "put chunk 3: 503", Warning: "file never settled",
		Created: t0, Updated: t0, Changed: true,
	},
	{ID: 1<<64 - 1, Target: "x", RelPath: "y", State: Paused},
	{ID: 2, Target: "x", RelPath: "z", State: Queued, Interrupted: true, LocalPath: "/r/z\u0301"},
}

var sessionCases = []Session{
	{},
	{ChunkSize: 4 << 20, State: []byte(`{"key":"abc"}`), Acked: []int{0, 1, 2, 7}, Size: 1 << 33, ModTime: t0},
	{State: []byte{0, 0xff}, Acked: []int{maxInt32}},
}

var fingerprintCases = []Fingerprint{
	{},
	{Size: 42, ModTime: t0, SHA256: make([]byte, 32), RemoteID: "f-123", Uploaded: t1},
}

var historyCases = []HistoryEntry{
	{Outcome: Done},
	{
		JobID: 9, Target: "t", Root: "/r", RelPath: "a", RemotePath: "d/a(1)", Link: "https://example.test/s/1",
		Size: 5, Outcome: Cancelled, ErrMsg: "cancelled by the user", Warning: "w", Finished: t0,
	},
}

func TestCodecRoundTrip(t *testing.T) {
	for _, want := range jobCases {
		if want.State == "" {
			want.State = Queued
		}
		got, err := decodeJob(encodeJob(want))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("job round trip:\n got %+v, %v\nwant %+v", got, err, want)
		}
	}
	for _, want := range sessionCases {
		got, err := decodeSession(encodeSession(want))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("session round trip:\n got %+v, %v\nwant %+v", got, err, want)
		}
	}
	for _, want := range fingerprintCases {
		got, err := decodeFingerprint(encodeFingerprint(want))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("fingerprint round trip:\n got %+v, %v\nwant %+v", got, err, want)
		}
	}
	for _, want := range historyCases {
		got, err := decodeHistory(encodeHistory(want))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("history round trip:\n got %+v, %v\nwant %+v", got, err, want)
		}
	}
}

// decoders names each record decoder with valid encodings of it.
func decoders() map[string]struct {
	decode func([]byte) error
	valid  [][]byte
} {
	out := map[string]struct {
		decode func([]byte) error
		valid  [][]byte
	}{}
	add := func(name string, decode func([]byte) error, valid [][]byte) {
		out[name] = struct {
			decode func([]byte) error
			valid  [][]byte
		}{decode, valid}
	}
	var jobs, sessions, fps, hist [][]byte
	for _, j := range jobCases {
		if j.State == "" {
			j.State = Queued
		}
		jobs = append(jobs, encodeJob(j))
	}
	for _, s := range sessionCases {
		sessions = append(sessions, encodeSession(s))
	}
	for _, f := range fingerprintCases {
		fps = append(fps, encodeFingerprint(f))
	}
	for _, h := range historyCases {
		hist = append(hist, encodeHistory(h))
	}
	add("job", func(b []byte) error { _, err := decodeJob(b); return err }, jobs)
	add("session", func(b []byte) error { _, err := decodeSession(b); return err }, sessions)
	add("fingerprint", func(b []byte) error { _, err := decodeFingerprint(b); return err }, fps)
	add("history", func(b []byte) error { _, err := decodeHistory(b); return err }, hist)
	return out
}

// Every strict prefix, a wrong version and a trailing byte must all be
// reported as ErrCorrupt.
func TestCodecRejectsDamage(t *testing.T) {
	for name, d := range decoders() {
		for _, rec := range d.valid {
			for n := range len(rec) {
				if err := d.decode(rec[:n]); !errors.Is(err, ErrCorrupt) {
					t.Errorf("%s truncated to %d of %d bytes: err = %v, want ErrCorrupt", name, n, len(rec), err)
				}
			}
			bad := append([]byte{99}, rec[1:]...)
			if err := d.decode(bad); !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s with version 99: err = %v", name, err)
			}
			long := append(append([]byte(nil), rec...), 0)
			if err := d.decode(long); !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s with a trailing byte: err = %v", name, err)
			}
		}
	}
}

func TestCodecRejectsBadFields(t *testing.T) {
	// A job whose state byte is unknown.
	rec := encodeJob(Job{State: Queued})
	e := encoder{}
	e.byte(jobV1)
	e.uint(0)
	for range 6 {
		e.string("")
	}
	e.int(0)
	e.time(time.Time{})
	prefix := len(e.buf)
	if rec[prefix] != stateCodes[Queued] {
		t.Fatalf("layout changed: state byte at %d is %d", prefix, rec[prefix])
	}
	rec[prefix] = 200
	if _, err := decodeJob(rec); !errors.Is(err, ErrCorrupt) {
		t.Errorf("unknown state: err = %v", err)
	}
	// A huge length prefix must fail without allocating it.
	huge := encoder{}
	huge.byte(sessionV1)
	huge.int(1)
	huge.uint(1 << 62)
	if _, err := decodeSession(huge.buf); !errors.Is(err, ErrCorrupt) {
		t.Errorf("huge length: err = %v", err)
	}
	// Nanoseconds out of range and negative sizes.
	f := encoder{}
	f.byte(fingerprintV1)
	f.int(-1)
	if _, err := decodeFingerprint(f.buf); !errors.Is(err, ErrCorrupt) {
		t.Errorf("negative size: err = %v", err)
	}
	n := encoder{}
	n.byte(fingerprintV1)
	n.int(1)
	n.int(0)
	n.uint(uint64(time.Second))
	if _, err := decodeFingerprint(n.buf); !errors.Is(err, ErrCorrupt) {
		t.Errorf("nanoseconds out of range: err = %v", err)
	}
}

// fuzzRoundTrip checks the decoder never panics, fails only with
// ErrCorrupt, and that whatever it accepts re-encodes to the same value.
func fuzzRoundTrip[T any](f *testing.F, seeds [][]byte, decode func([]byte) (T, error), encode func(T) []byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decode(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		again, err := decode(encode(v))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(again, v) {
			t.Fatalf("round trip changed the value:\n%+v\n%+v", v, again)
		}
	})
}

func FuzzDecodeJob(f *testing.F) {
	fuzzRoundTrip(f, decoders()["job"].valid, decodeJob, encodeJob)
}

func FuzzDecodeSession(f *testing.F) {
	fuzzRoundTrip(f, decoders()["session"].valid, decodeSession, encodeSession)
}

func FuzzDecodeFingerprint(f *testing.F) {
	fuzzRoundTrip(f, decoders()["fingerprint"].valid, decodeFingerprint, encodeFingerprint)
}

func FuzzDecodeHistory(f *testing.F) {
	fuzzRoundTrip(f, decoders()["history"].valid, decodeHistory, encodeHistory)
}
