package sync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
)

// found is a regular file a scan saw as new or changed against the sent index.
type found struct {
	rel     string // NFC, slash-separated
	path    string // absolute, on-disk spelling
	st      stamp
	refused string // Candidate.Refused: the name has a twin in NFC
}

// dirRef is a directory to scan.
type dirRef struct {
	abs  string   // on-disk path
	rel  string   // NFC relative path, "" for the root
	segs []string // rel split into NFC segments, for ignore matching; never mutated
}

// scanMsg carries a scan's findings to the owner goroutine. The last message
// of a scan has done set (and err if the scan failed).
type scanMsg struct {
	files   []found
	skipped []string // NFC relative paths of special files and unreadable dirs
	twins   []string // NFC relative paths of directories with a name twin (not scanned)
	done    bool
	err     error
}

// sep joins a clean directory path and one entry name; filepath.Join would
// Clean the result again, a measurable cost per file in a large scan.
const sep = string(filepath.Separator)

// scanFlush bounds a message, so a huge directory reaches the owner in parts.
const scanFlush = 512

// scanner walks directories: it watches each one before reading it (so a
// file created in between is seen by an event or by the read, never by
// neither), reports new and changed regular files, and skips what must not
// be followed.
type scanner struct {
	ign  *Ignore
	sent SentIndex
	ws   *watchSet
	box  *statusBox
	out  chan<- scanMsg

	// Findings of many small directories travel together: every message
	// wakes the owner goroutine, and on a loaded machine each wake-up can
	// cost more than reading a directory.
	mu  sync.Mutex // guards acc
	acc scanMsg
}

// scanWorkers: directory reads and lstats are syscall-bound; a second worker
// per core keeps the CPU busy while another one waits in the kernel.
func scanWorkers() int { return max(2, 2*runtime.GOMAXPROCS(0)) }

// walk scans the start directories and everything below them. It returns an
// error only when a start directory that must exist cannot be read (the
// folder root), when the sent index fails, or when ctx ends; a subdirectory
// that vanishes mid-scan is skipped silently and an unreadable one is counted
// as skipped.
func (s *scanner) walk(ctx context.Context, starts []dirRef, rootMustExist bool) error {
	if l, ok := s.sent.(SentLister); ok && rootMustExist {
		// A full scan: one read of the sent index instead of one per file.
		if snap, err := l.SentSnapshot(); err == nil {
			s.sent = snap
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(scanWorkers())
	var visit func(d dirRef, mustExist bool) error
	visit = func(d dirRef, mustExist bool) error {
		subs, err := s.dir(gctx, d, mustExist)
		if err != nil {
			return err
		}
		for _, sd := range subs {
			// TryGo never blocks, so a worker never waits for a slot that only
			// it could free; without a free slot the subtree is walked inline.
			if !g.TryGo(func() error { return visit(sd, false) }) {
				if err := visit(sd, false); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, st := range starts {
		g.Go(func() error { return visit(st, rootMustExist && st.rel == "") })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if len(s.acc.files) > 0 || len(s.acc.skipped) > 0 || len(s.acc.twins) > 0 {
		return s.send(ctx, s.acc)
	}
	return nil
}

// dir scans one directory and returns its subdirectories to visit.
func (s *scanner) dir(ctx context.Context, d dirRef, mustExist bool) ([]dirRef, error) {
	s.ws.add(d.abs)
	f, err := os.Open(d.abs)
	var ents []os.DirEntry
	if err == nil {
		// The directory stays open for statEntry. File.ReadDir, unlike
		// os.ReadDir, does not sort: order is irrelevant here.
		defer f.Close() // read-only directory: Close has nothing useful to report
		ents, err = f.ReadDir(-1)
	}
	if err != nil {
		switch {
		case mustExist:
			return nil, opErr("scan", d.abs, err)
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
			return nil, nil
		default:
			return nil, s.collect(ctx, scanMsg{skipped: []string{d.rel}})
		}
	}
	s.box.dirs.Add(1)

	// One scratch slice per directory for ignore matching: the name goes in
	// the last slot, so matching a file allocates nothing.
	segs := make([]string, len(d.segs)+1)
	copy(segs, d.segs)
	var (
		subs  []dirRef
		msg   scanMsg
		files int64
		twins = entryTwins(ents)
	)
	for _, e := range ents {
		name := nfc(e.Name())
		segs[len(segs)-1] = name
		typ := e.Type()
		if s.ign.Match(segs, typ.IsDir()) {
			continue
		}
		rel := joinRel(d.rel, name)
		twin := twins[name]
		switch {
		case twin != nil && typ.IsDir():
			// Two folders (or a folder and a file) equal in NFC would
			// merge every path below them: neither is scanned.
			msg.twins = append(msg.twins, rel)
			continue
		case typ.IsDir():
			sub := make([]string, len(segs))
			copy(sub, segs)
			subs = append(subs, dirRef{abs: d.abs + sep + e.Name(), rel: rel, segs: sub})
			continue
		case !typ.IsRegular():
			// Symlinks are not followed, by design: no loops, and nothing
			// outside the root can be uploaded through a link.
			msg.skipped = append(msg.skipped, rel)
			continue
		}
		st, regular, err := statEntry(f, e, e.Name())
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) { // else deleted between the read and the lstat
				msg.skipped = append(msg.skipped, rel)
			}
			continue
		}
		if !regular { // replaced by something else since the read
			continue
		}
		files++
		same, err := unchangedSince(s.sent, rel, st)
		if err != nil {
			return nil, fmt.Errorf("scan: sent index lookup %s: %w", rel, err)
		}
		if same {
			continue
		}
		fd := found{rel: rel, path: d.abs + sep + e.Name(), st: st}
		if twin != nil {
			fd.refused = twinReason(rel, twin)
		}
		if msg.files == nil { // sized once: a folder of files grew it a dozen times
			msg.files = make([]found, 0, min(len(ents), scanFlush))
		}
		msg.files = append(msg.files, fd)
		if len(msg.files) >= scanFlush {
			if err := s.collect(ctx, msg); err != nil {
				return nil, err
			}
			msg = scanMsg{}
		}
	}
	s.box.files.Add(files)
	return subs, s.collect(ctx, msg)
}

// collect adds findings to the shared batch and sends the batch once it
// holds scanFlush entries; walk sends the rest at the end.
func (s *scanner) collect(ctx context.Context, m scanMsg) error {
	if len(m.files) == 0 && len(m.skipped) == 0 && len(m.twins) == 0 {
		return nil
	}
	s.box.cands.Add(int64(len(m.files)))
	s.mu.Lock()
	if s.acc.files == nil && len(m.files) > 0 { // sized once per batch sent
		s.acc.files = make([]found, 0, max(2*scanFlush, len(m.files))) // at most 511 + 512
	}
	s.acc.files = append(s.acc.files, m.files...)
	s.acc.skipped = append(s.acc.skipped, m.skipped...)
	s.acc.twins = append(s.acc.twins, m.twins...)
	var full scanMsg
	if len(s.acc.files)+len(s.acc.skipped) >= scanFlush {
		full, s.acc = s.acc, scanMsg{}
	}
	s.mu.Unlock()
	if full.files == nil && full.skipped == nil && full.twins == nil {
		return nil
	}
	return s.send(ctx, full)
}

func (s *scanner) send(ctx context.Context, m scanMsg) error {
	select {
	case s.out <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// settledByAge reports whether a scanned file counts as settled: nothing has
// written to it for a whole quiet period (a write always moves the mtime).
// An mtime in the future (clock skew, archives) proves nothing; such files
// take the two-stat gate.
func settledByAge(st stamp, now time.Time, quiet time.Duration) bool {
	age := now.Sub(st.mtime)
	return age >= quiet && !st.mtime.After(now)
}
