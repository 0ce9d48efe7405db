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
	"sync/atomic"
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

// pendingExt names record files; pendingTmp starts the temporary files
// older versions wrote before renaming them into place.
const (
	pendingExt = ".json"
	pendingTmp = ".tmp-"
	// pendingTmpAge is how old a file a killed writer left behind (a cut
	// record, an old temporary file) must be before a sweep removes it.
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
	// size is the record file's length as this process wrote it (0 when it
	// was opened, not written, here: it is then never reused).
	size int
	// name is the record file's name in the folder (path's last element),
	// for sweeps that skip this process's live records.
	name string
}

// slot is an emptied record file kept open and locked for the next add
// (see reuse.go): its path and its length, all spaces.
type slot struct {
	f    *os.File
	path string
	size int
}

// maxFree bounds the emptied record files a process keeps for reuse: one
// per upload running at once is enough.
const maxFree = 8

// pendingSet is the folder of records of one server and company. Its
// methods are safe for concurrent use; a zero dir disables it.
type pendingSet struct {
	dir  string
	list *dirLister // lists dir for sweeps

	mu   sync.Mutex
	held map[string]*held // by entity id
	free []slot           // emptied records to reuse, held by this process

	noReuse atomic.Bool // a rename without replacing failed here: create records
}

func newPendingSet(root, base, company string) *pendingSet {
	ps := &pendingSet{held: map[string]*held{}}
	if root != "" {
		sum := sha256.Sum256([]byte(base + "\n" + company))
		ps.dir = filepath.Join(root, hex.EncodeToString(sum[:8]))
		ps.list = newDirLister(ps.dir)
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
//
// The record is created in place (O_EXCL), locked, then written, through
// one handle: a temporary file renamed into place, the folder made and
// removed again around each record cost a dozen system calls per file, most
// of the CPU of uploading small files to Twake. A kill between create and
// write leaves an empty or cut record, which no process holds: a sweep
// removes it once it is pendingTmpAge old (it can name no entity).
func (ps *pendingSet) add(id, key string) error {
	if ps.dir == "" {
		return nil
	}
	b, err := json.Marshal(pendingRecord{ID: id, Key: key, Created: time.Now().Unix()})
	if err != nil {
		return fmt.Errorf("record pending upload: %w", err)
	}
	p := ps.path(id)
	f, size, err := ps.reuse(p, b)
	if f == nil && err == nil {
		if f, err = ps.create(p); err == nil {
			// The record is new: nobody else holds it. Where locks do not
			// exist or fail (a file system without them), the record is held
			// by this process only, and no other process can claim it either
			// (hold fails the same way), so the failure is safe to go on with.
			_, _ = tryLock(f)
			size = len(b)
			if _, err = f.Write(b); err != nil {
				_ = f.Close()    // the record failed; nothing refers to it
				_ = os.Remove(p) // as above
			}
		}
	}
	if err != nil {
		return fmt.Errorf("record pending upload: %w", err)
	}
	ps.mu.Lock()
	if old := ps.held[id]; old != nil {
		_ = old.f.Close() // an id is never created twice; drop a stale handle
	}
	ps.held[id] = &held{f: f, live: true, size: size, name: filepath.Base(p)}
	ps.mu.Unlock()
	return nil
}

// create creates the record file p (it must not exist), creating the
// folder first when it is missing.
func (ps *pendingSet) create(p string) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(ps.dir, 0o700); err != nil {
			return nil, err
		}
		ps.list.reset() // a handle kept on a removed folder would list nothing
		f, err = os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	}
	return f, err
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
	p := ps.path(id)
	f, err := os.OpenFile(p, os.O_RDWR, 0)
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
	ps.held[id] = &held{f: f, live: live, name: filepath.Base(p)}
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
	var drop []slot
	if len(ps.held) == 0 {
		// No upload in flight: the emptied records go too, so that a
		// process that finished its uploads leaves no file behind.
		drop, ps.free = ps.free, nil
	}
	ps.mu.Unlock()
	dropSlots(drop)
	if h != nil && ps.keep(h, ps.path(id)) {
		return nil // emptied and kept for the next add (reuse.go)
	}
	if h != nil {
		// Closing drops the lock; on Windows an open file cannot be removed.
		_ = h.f.Close() // the file is removed next; a close error changes nothing
	}
	if err := os.Remove(ps.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove pending upload record: %w", err)
	}
	// The folder stays (empty, in the cache folder): removing it with its
	// last record made every small file create it again.
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
	ents, err := ps.list.list()
	if err != nil {
		return // no folder yet (nothing recorded), or unreadable: nothing to sweep
	}
	live := ps.liveNames()
	for _, de := range ents {
		name := de.Name()
		if strings.HasPrefix(name, pendingTmp) {
			ps.dropOld(name) // left by versions that wrote a temporary file first
			continue
		}
		if !strings.HasSuffix(name, pendingExt) || live[name] {
			continue // not a record, or one of this process's live sessions
		}
		raw, err := os.ReadFile(filepath.Join(ps.dir, name))
		if err != nil {
			continue // removed meanwhile, or unreadable: left for later
		}
		var rec pendingRecord
		if json.Unmarshal(raw, &rec) != nil || rec.ID == "" {
			if blank(raw) {
				ps.dropFree(name) // an emptied record of a dead process
				continue
			}
			ps.dropOld(name) // cut short by a kill: it names no entity
			continue
		}
		if rec.Key != key || rec.ID == except {
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

// dropOld removes a file a killed writer left behind (a record it did not
// finish writing, or an older version's temporary file) once it is
// pendingTmpAge old, so that a writer still at work is never disturbed.
func (ps *pendingSet) dropOld(name string) {
	p := filepath.Join(ps.dir, name)
	if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > pendingTmpAge {
		_ = os.Remove(p) // a failure is retried next sweep
	}
}

// liveNames are the file names of the records this process holds for live
// sessions, and of its emptied records kept for reuse: a sweep never takes
// them, so it need not read them.
func (ps *pendingSet) liveNames() map[string]bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	out := make(map[string]bool, len(ps.held)+len(ps.free))
	for _, h := range ps.held {
		if h.live {
			out[h.name] = true
		}
	}
	for _, s := range ps.free {
		out[filepath.Base(s.path)] = true // emptied, kept for reuse: names nothing
	}
	return out
}
