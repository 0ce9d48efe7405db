package queue

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// fillQueue makes a queue file with n sent records and n/10 queued jobs and
// returns its path and size.
func fillQueue(t *testing.T, n int) (string, int64) {
	t.Helper()
	q, path := openTest(t, Options{})
	err := q.update(func(tx *txn) error {
		for i := range n {
			fp := Fingerprint{Size: int64(i), ModTime: time.Unix(int64(i), 0).UTC(), RemoteID: fmt.Sprint("id-", i)}
			if err := tx.sent.Put(sentKey("t", fmt.Sprintf("dir/file-%05d.txt", i)), encodeFingerprint(fp)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var jobs []Job
	for i := range n / 10 {
		jobs = append(jobs, job("t", fmt.Sprintf("queued-%04d.txt", i)))
	}
	mustEnqueue(t, q, jobs...)
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, info.Size()
}

// TestOpenDamagedFile: an empty, truncated or garbage queue file is never
// taken for a new queue in silence. Open moves it aside, starts a new
// file, keeps what can be read, and Damage says what happened, what was
// kept and what is uploaded again.
func TestOpenDamagedFile(t *testing.T) {
	const n = 3000
	cases := map[string]struct {
		damage   func(t *testing.T, path string, size int64)
		wantLost []string // acceptable Damage.SentLost values
	}{
		"empty": {func(t *testing.T, path string, _ int64) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}, []string{"all"}},
		"truncated": {func(t *testing.T, path string, size int64) {
			if err := os.Truncate(path, size/2); err != nil {
				t.Fatal(err)
			}
		}, []string{"all", "part"}},
		"garbage": {func(t *testing.T, path string, size int64) {
			b := make([]byte, size)
			r := rand.New(rand.NewPCG(1, 2))
			for i := range b {
				b[i] = byte(r.UintN(256))
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"all"}},
		"garbage pages inside": {func(t *testing.T, path string, size int64) {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			junk := []byte(strings.Repeat("\xde\xad\xbe\xef", 4096))
			if _, err := f.WriteAt(junk, size/2); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}, []string{"", "all", "part"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path, size := fillQueue(t, n)
			c.damage(t, path, size)
			q, err := Open(path, Options{})
			if err != nil {
				t.Fatalf("open a damaged file: %v", err)
			}
			defer q.Close()
			d, ok := q.Damage()
			if !ok {
				t.Fatal("damaged file opened as a sound queue without a word")
			}
			msg := d.Message()
			t.Log(msg)
			if !strings.Contains(msg, "damaged") || !strings.Contains(msg, d.MovedTo) || d.Reason == "" {
				t.Errorf("message does not say what happened and where the file went: %q", msg)
			}
			if _, err := os.Stat(d.MovedTo); err != nil {
				t.Errorf("damaged file not kept: %v", err)
			}
			if !slicesContains(c.wantLost, d.SentLost) {
				t.Errorf("SentLost = %q, want one of %q", d.SentLost, c.wantLost)
			}
			if d.SentLost != "" && !strings.Contains(msg, "uploaded again") {
				t.Errorf("sent index lost but the message does not say files are uploaded again: %q", msg)
			}
			if d.SentLost == "" && d.SentKept != n {
				t.Errorf("SentLost empty but kept %d of %d", d.SentKept, n)
			}
			// What Damage says it kept is really there.
			kept := 0
			if err := q.SentAll("t", func(string, Fingerprint) error { kept++; return nil }); err != nil {
				t.Fatal(err)
			}
			if kept != d.SentKept {
				t.Errorf("sent index holds %d, Damage says %d", kept, d.SentKept)
			}
			// The new queue works.
			mustEnqueue(t, q, job("t", "after.txt"))
			checkIndexes(t, q)
		})
	}
}

// TestOpenSoundFileNoDamage: a sound file (and a new one) report no damage.
func TestOpenSoundFileNoDamage(t *testing.T) {
	path, _ := fillQueue(t, 100)
	q, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if d, ok := q.Damage(); ok {
		t.Fatalf("sound file reported damaged: %+v", d)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
