package queue

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpenCreatesPrivateFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix modes (chmod only sets read-only); the per-user data dir's ACL protects the queue")
	}
	q, path := openTest(t, Options{})
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s mode = %o, want %o", p, got, want)
		}
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	c := newClock()
	q, path := openTest(t, Options{Now: c.Now})
	ids := mustEnqueue(t, q, job("t", "a"), job("t", "b"))
	if err := q.Pause(ids[1]); err != nil {
		t.Fatal(err)
	}
	fp := Fingerprint{Size: 1, ModTime: t0, RemoteID: "r1"}
	mustClaim(t, q, c.Now())
	if err := q.Finish(ids[0], HistoryEntry{}, &fp); err != nil {
		t.Fatal(err)
	}
	until := c.Now().Add(time.Hour)
	if err := q.SetPausedUntil(until); err != nil {
		t.Fatal(err)
	}
	if err := q.SetTargetChunkSize("t", 8<<20); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	q, err := Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := q.Close(); err != nil {
			t.Error(err)
		}
	}()
	if j := mustGet(t, q, ids[1]); j.State != Paused {
		t.Errorf("paused job came back %s", j.State)
	}
	if _, err := q.Get(ids[0]); !errors.Is(err, ErrNotFound) {
		t.Errorf("finished job: err = %v", err)
	}
	if got, ok, err := q.Sent("t", "a"); err != nil || !ok || got.RemoteID != "r1" {
		t.Errorf("sent = %+v %v %v", got, ok, err)
	}
	if got, err := q.PausedUntil(); err != nil || !got.Equal(until) {
		t.Errorf("paused until = %v %v, want %v", got, err, until)
	}
	if n, ok, err := q.TargetChunkSize("t"); err != nil || !ok || n != 8<<20 {
		t.Errorf("chunk size = %d %v %v", n, ok, err)
	}
	if h, err := q.History(0); err != nil || len(h) != 1 || h[0].JobID != ids[0] {
		t.Errorf("history = %+v %v", h, err)
	}
	// Ids keep growing after a restart: never reused for a new job.
	if id := mustEnqueue(t, q, job("t", "c"))[0]; id <= ids[1] {
		t.Errorf("new id %d not above %d", id, ids[1])
	}
	checkIndexes(t, q)
}

func TestSettings(t *testing.T) {
	q, _ := openTest(t, Options{})
	if at, err := q.PausedUntil(); err != nil || !at.IsZero() {
		t.Errorf("fresh paused until = %v %v", at, err)
	}
	forever := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := q.SetPausedUntil(forever); err != nil {
		t.Fatal(err)
	}
	if at, err := q.PausedUntil(); err != nil || !at.Equal(forever) {
		t.Errorf("paused until = %v %v", at, err)
	}
	if err := q.SetPausedUntil(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if at, err := q.PausedUntil(); err != nil || !at.IsZero() {
		t.Errorf("cleared paused until = %v %v", at, err)
	}
	if _, ok, err := q.TargetChunkSize("x"); err != nil || ok {
		t.Errorf("unknown target chunk size: %v %v", ok, err)
	}
	if err := q.SetTargetChunkSize("x", 1000); err != nil {
		t.Fatal(err)
	}
	if err := q.SetTargetChunkSize("x", 0); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := q.TargetChunkSize("x"); err != nil || ok {
		t.Errorf("forgotten chunk size: %v %v", ok, err)
	}
	putRaw(t, q, bucketSettings, chunkKey("y"), []byte{1})
	if _, _, err := q.TargetChunkSize("y"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("damaged chunk size: %v", err)
	}
	putRaw(t, q, bucketSettings, keyPausedUntil, []byte{1})
	if _, err := q.PausedUntil(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("damaged paused until: %v", err)
	}
}

func setSchema(t *testing.T, path string, v []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, v) })
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	q, path := openTest(t, Options{})
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	setSchema(t, path, binary.BigEndian.AppendUint32(nil, uint32(len(migrations)+1)))
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "newer Ferry") {
		t.Fatalf("err = %v, want ErrSchema naming a newer Ferry", err)
	}
	// The refusal must leave the file alone and unlocked.
	setSchema(t, path, []byte{1, 2})
	if _, err := Open(path, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged schema record: err = %v", err)
	}
}

func TestMigrateRunsStepsInOrder(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "m.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	var ran []int
	step := func(n int) migration {
		return func(*bolt.Tx) error { ran = append(ran, n); return nil }
	}
	steps := []migration{step(0), step(1), step(2)}
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, steps[:1]) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, steps) }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ran) != "[0 1 2]" {
		t.Errorf("steps ran %v, want [0 1 2]", ran)
	}
	// A failing step rolls back the whole upgrade.
	boom := errors.New("boom")
	steps = append(steps, func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucket([]byte("partial")); err != nil {
			return err
		}
		return boom
	})
	err = db.Update(func(tx *bolt.Tx) error { return migrate(tx, steps) })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		v, err := schemaVersion(tx)
		if v != 3 || tx.Bucket([]byte("partial")) != nil {
			t.Errorf("after failed step: version %d, partial bucket %v", v, tx.Bucket([]byte("partial")) != nil)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

const helperEnv = "FERRY_QUEUE_HELPER_PATH"

// TestHelperProcess is not a test: run as a child by TestOpenLockedByOtherProcess,
// it holds the queue open until its stdin closes.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		return
	}
	q, err := Open(path, Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // EOF when the parent closes the pipe
	if err := q.Close(); err != nil {
		os.Exit(3)
	}
	os.Exit(0)
}

func TestOpenLockedByOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := stdin.Close(); err != nil {
			t.Error(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper: %v", err)
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}

	_, err = Open(path, Options{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "another Ferry instance is using "+path) {
		t.Errorf("message %q does not name the file", err)
	}
}
