package twake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// The pending record (issue #9). The files service gives a new entity a
// server-chosen id that exists only in the init answer, ignores every
// query parameter on init, and has no route that lists or searches files
// (notes §1.1, §1.3): an entity whose id is lost cannot be found again. A
// kill between the init answer and the engine saving the session State
// used to orphan it. So the provider writes each id it creates to a small
// file of its own before Begin returns, and removes it once the entity is
// finished or deleted. Each record names its upload (the remote path) and
// is locked (flock, LockFileEx) by the process that holds the session, so
// a record left unlocked belongs to a dead process. When the engine begins
// or resumes an upload of the same remote path, such records name entities
// nothing refers to any more (the queue keeps one job per target and path,
// and the engine begins only when that job has no usable session): the
// provider deletes them.
//
// Writes are not fsynced: a record survives the process being killed,
// which is what it is for; a power cut can still lose one, leaving an
// invisible empty entity on the server. The window left is the init answer
// in flight (the server created the entity, the client has not read the
// answer yet), which no client can close without a client-chosen id.

// pendingExt names record files; temporary files start with pendingTmp.
const (
	pendingExt = ".json"
	pendingTmp = ".tmp-"
	// pendingTmpAge is how old an unlocked temporary file must be before a
	// sweep removes it (a writer between create and rename holds no lock).
	pendingTmpAge = time.Hour
)

// pendingRecord is one record file's content.
type pendingRecord struct {
	ID      string `json:"id"`      // the file entity's id
	Key     string `json:"key"`     // remote path of the upload (see uploadKey)
	Created int64  `json:"created"` // Unix seconds, for people reading the folder
}

// errHeldElsewhere: another process (or another Provider of this one)
// holds the record's lock.
var errHeldElsewhere = errors.New("another process holds it")

// held is a record this process has locked.
type held struct {
	f *os.File
	// live: a session is using the entity. A record held but not live was
	// left by a session the engine stopped using; a sweep may delete it.
	live bool
}

// pendingSet is the folder of records of one server and company. Its
// methods are safe for concurrent use; a zero dir disables it.
type pendingSet struct {
	dir string

	mu   sync.Mutex
	held map[string]*held // by entity id
}

func newPendingSet(root, base, company string) *pendingSet {
	ps := &pendingSet{held: map[string]*held{}}
	if root != "" {
		sum := sha256.Sum256([]byte(base + "\n" + company))
		ps.dir = filepath.Join(root, hex.EncodeToString(sum[:8]))
	}
	return ps
}

// defaultPendingDir is the folder used when Config.PendingDir is empty: a
// cache, since losing it only loses the chance to clean up.
func defaultPendingDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache folder for pending twake uploads: %w", err)
	}
	return filepath.Join(d, "ferry", "twake-pending"), nil
}

// uploadKey identifies an upload by its remote path (Dir and Name never
// contain separators).
func uploadKey(u provider.Upload) string {
	return strings.Join(append(append([]string(nil), u.Dir...), u.Name), "/")
}

// path is the record file of entity id (hashed: an id is the server's
// text, not necessarily a safe file name).
func (ps *pendingSet) path(id string) string {
	sum := sha256.Sum256([]byte(id))
	return filepath.Join(ps.dir, hex.EncodeToString(sum[:16])+pendingExt)
}

// add records entity id of upload key, locked and live. It fails when the
// record cannot be written; the caller then deletes the entity.
func (ps *pendingSet) add(id, key string) error {
	if ps.dir == "" {
		return nil
	}
	b, err := json.Marshal(pendingRecord{ID: id, Key: key, Created: time.Now().Unix()})
	if err != nil {
		return fmt.Errorf("record pending upload: %w", err)
	}
	tmp, err := ps.createTemp()
	if err != nil {
		return fmt.Errorf("record pending upload: %w", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name()) // the record failed; the temp file has no use
		return fmt.Errorf("record pending upload: %w", err)
	}
	// A rename, so that a kill leaves either no record or a whole one.
	if err := os.Rename(tmp.Name(), ps.path(id)); err != nil {
		_ = os.Remove(tmp.Name()) // as above
		return fmt.Errorf("record pending upload: %w", err)
	}
	f, err := os.OpenFile(ps.path(id), os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("record pending upload: %w", err)
	}
	// The record is new: nobody else holds it. Where locks do not exist or
	// fail (a file system without them), the record is held by this process
	// only, and no other process can claim it either (hold fails the same
	// way), so the failure is safe to go on with.
	_, _ = tryLock(f)
	ps.mu.Lock()
	if old := ps.held[id]; old != nil {
		_ = old.f.Close() // an id is never created twice; drop a stale handle
	}
	ps.held[id] = &held{f: f, live: true}
	ps.mu.Unlock()
	return nil
}

// createTemp creates a temporary file in the folder, creating the folder
// first; release removes the folder when it empties, so a creation that
// loses that race tries again.
func (ps *pendingSet) createTemp() (*os.File, error) {
	for try := 0; ; try++ {
		if err := os.MkdirAll(ps.dir, 0o700); err != nil {
			return nil, err
		}
		f, err := os.CreateTemp(ps.dir, pendingTmp+"*")
		if err == nil || !errors.Is(err, fs.ErrNotExist) || try == 2 {
			return f, err
		}
	}
}

// hold opens and locks id's record and marks it live or not. It fails
// when the record is missing or another process holds it.
func (ps *pendingSet) hold(id string, live bool) error {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if h := ps.held[id]; h != nil {
		h.live = live
		return nil
	}
	f, err := os.OpenFile(ps.path(id), os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("lock pending upload record: %w", err)
	}
	ok, err := tryLock(f)
	if err != nil || !ok {
		_ = f.Close() // read-only use ended; nothing was written through it
		if err == nil {
			err = errHeldElsewhere
		}
		return fmt.Errorf("lock pending upload record: %w", err)
	}
	ps.held[id] = &held{f: f, live: live}
	return nil
}

// adopt makes id's record live in this process for a resumed session,
// creating it when it is missing (the session was saved by a version
// without records, or its record was swept as it was being resumed).
// Another live process holding the record is not an error: that process
// keeps it.
func (ps *pendingSet) adopt(id, key string) error {
	if ps.dir == "" {
		return nil
	}
	err := ps.hold(id, true)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return ps.add(id, key)
	case errors.Is(err, errHeldElsewhere):
		return nil
	}
	return err
}

// idle marks id's record as no longer used by a live session (a resume
// of it is being attempted; the engine may give up on it).
func (ps *pendingSet) idle(id string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if h := ps.held[id]; h != nil {
		h.live = false
	}
}

// release removes id's record: the entity is finished or deleted. A
// missing record is not an error.
func (ps *pendingSet) release(id string) error {
	if ps.dir == "" {
		return nil
	}
	ps.mu.Lock()
	h := ps.held[id]
	delete(ps.held, id)
	ps.mu.Unlock()
	if h != nil {
		// Closing drops the lock; on Windows an open file cannot be removed.
		_ = h.f.Close() // the file is removed next; a close error changes nothing
	}
	if err := os.Remove(ps.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove pending upload record: %w", err)
	}
	// The folder goes when it empties (this fails while it holds anything),
	// so the cache keeps no trace of servers no longer uploaded to.
	_ = os.Remove(ps.dir)
	return nil
}

// sweep deletes, through del, every entity recorded for key but except
// whose record no live session holds, and removes their records. It is
// best effort: a record that cannot be read, locked or deleted stays for
// a later sweep, and the caller's upload goes on whatever happens here.
func (ps *pendingSet) sweep(ctx context.Context, key, except string, del func(context.Context, string) error) {
	if ps.dir == "" {
		return
	}
	ents, err := os.ReadDir(ps.dir)
	if err != nil {
		return // no folder yet (nothing recorded), or unreadable: nothing to sweep
	}
	for _, de := range ents {
		name := de.Name()
		if strings.HasPrefix(name, pendingTmp) {
			ps.dropTemp(name)
			continue
		}
		if !strings.HasSuffix(name, pendingExt) {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(ps.dir, name))
		if err != nil {
			continue // removed meanwhile, or unreadable: left for later
		}
		var rec pendingRecord
		if json.Unmarshal(raw, &rec) != nil || rec.Key != key || rec.ID == "" || rec.ID == except {
			continue
		}
		if ps.claim(rec.ID) {
			err := del(ctx, rec.ID)
			if err == nil || errors.Is(err, provider.ErrSessionGone) {
				_ = ps.release(rec.ID) // a record left behind is swept again, and its delete finds nothing
			}
		}
	}
}

// claim reports whether id's record is free to sweep, holding it if so:
// held here by no live session, or held by no process at all.
func (ps *pendingSet) claim(id string) bool {
	ps.mu.Lock()
	h := ps.held[id]
	ps.mu.Unlock()
	if h != nil {
		return !h.live
	}
	return ps.hold(id, false) == nil
}

// dropTemp removes a temporary file that a killed writer left behind.
func (ps *pendingSet) dropTemp(name string) {
	p := filepath.Join(ps.dir, name)
	if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > pendingTmpAge {
		_ = os.Remove(p) // an old temp file is never renamed any more; a failure is retried next sweep
	}
}
