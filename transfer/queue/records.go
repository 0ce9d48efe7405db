package queue

import "time"

// Record layouts, version 1. Adding a field means a new version byte, a
// decoder for the old one kept beside the new one (or a schema migration
// that rewrites every record), and a fuzz seed for each.

const (
	jobV1         = 1
	sessionV1     = 1
	fingerprintV1 = 1
	historyV1     = 1
)

// stateCodes fixes the on-disk byte for each state; it never changes, so
// renaming a State constant cannot silently corrupt stored jobs.
var stateCodes = map[State]byte{
	Queued: 1, Running: 2, Waiting: 3, Done: 4, Failed: 5, Paused: 6, Cancelled: 7,
}

var codeStates = func() map[byte]State {
	m := make(map[byte]State, len(stateCodes))
	for s, c := range stateCodes {
		m[c] = s
	}
	return m
}()

func (d *decoder) state() State {
	c := d.byte()
	if d.err != nil {
		return ""
	}
	s, ok := codeStates[c]
	if !ok {
		d.fail("unknown state %d", c)
	}
	return s
}

// Flags of a job record. flagLocalPath means a LocalPath string follows
// the flags byte; records written before a bit existed simply lack it.
const (
	flagChanged     = 1 << 0
	flagLocalPath   = 1 << 1
	flagInterrupted = 1 << 2
	flagMoveFrom    = 1 << 3 // a MoveFrom string follows (after LocalPath)
	flagMoveDir     = 1 << 4
)

func encodeJob(j Job) []byte {
	e := encoder{buf: make([]byte, 0, 64+len(j.Target)+len(j.Origin)+len(j.Root)+len(j.RelPath)+len(j.RemoteDir)+len(j.ErrMsg)+len(j.Warning)+len(j.LocalPath)+len(j.MoveFrom))}
	e.byte(jobV1)
	e.uint(uint64(j.ID))
	e.string(j.Target)
	e.string(j.Origin)
	e.string(j.Root)
	e.string(j.RelPath)
	e.string(j.RemoteDir)
	e.string(j.Conflict)
	e.int(j.Size)
	e.time(j.ModTime)
	e.byte(stateCodes[j.State])
	e.uint(uint64(j.Attempts))
	e.time(j.NextAttempt)
	e.string(j.ErrKind)
	e.string(j.ErrMsg)
	e.string(j.Warning)
	e.time(j.Created)
	e.time(j.Updated)
	var flags byte
	if j.Changed {
		flags |= flagChanged
	}
	if j.LocalPath != "" {
		flags |= flagLocalPath
	}
	if j.Interrupted {
		flags |= flagInterrupted
	}
	if j.MoveFrom != "" {
		flags |= flagMoveFrom
		if j.MoveDir {
			flags |= flagMoveDir
		}
	}
	e.byte(flags)
	if j.LocalPath != "" {
		e.string(j.LocalPath)
	}
	if j.MoveFrom != "" {
		e.string(j.MoveFrom)
	}
	return e.buf
}

// decodeJob decodes a job record; any damage yields an error wrapping
// ErrCorrupt, never a panic.
func decodeJob(b []byte) (Job, error) { return decodeJobShared(b, nil) }

// The strCache slots of a job's fields that repeat from job to job.
const (
	slotTarget = iota
	slotOrigin
	slotRoot
	slotRemoteDir
	slotConflict
	jobStrSlots
)

// decodeJobShared is decodeJob sharing its repeated strings with the jobs
// decoded before it with the same cache c (nil: none shared).
func decodeJobShared(b []byte, c *strCache) (Job, error) {
	d := decoder{buf: b}
	d.version(jobV1)
	var j Job
	d.at = "job"
	j.ID = JobID(d.uint())
	j.Target = d.shared(c, slotTarget)
	j.Origin = d.shared(c, slotOrigin)
	j.Root = d.shared(c, slotRoot)
	j.RelPath = d.string()
	j.RemoteDir = d.shared(c, slotRemoteDir)
	j.Conflict = d.shared(c, slotConflict)
	j.Size = d.size()
	j.ModTime = d.time()
	j.State = d.state()
	j.Attempts = d.count(maxInt32)
	j.NextAttempt = d.time()
	j.ErrKind = d.string()
	j.ErrMsg = d.string()
	j.Warning = d.string()
	j.Created = d.time()
	j.Updated = d.time()
	flags := d.byte()
	if flags&^(flagChanged|flagLocalPath|flagInterrupted|flagMoveFrom|flagMoveDir) != 0 {
		d.fail("unknown flags %#x", flags)
	}
	j.Changed = flags&flagChanged != 0
	j.Interrupted = flags&flagInterrupted != 0
	if flags&flagLocalPath != 0 {
		j.LocalPath = d.string()
	}
	if flags&flagMoveFrom != 0 {
		j.MoveFrom = d.string()
		j.MoveDir = flags&flagMoveDir != 0
		if j.MoveFrom == "" && d.err == nil {
			d.fail("a move without its old path")
		}
	} else if flags&flagMoveDir != 0 {
		d.fail("a folder move without its old path")
	}
	if err := d.end(); err != nil {
		return Job{}, err
	}
	return j, nil
}

func encodeSession(s Session) []byte {
	e := encoder{buf: make([]byte, 0, 32+len(s.State)+2*len(s.Acked))}
	e.byte(sessionV1)
	e.int(s.ChunkSize)
	e.bytes(s.State)
	e.uint(uint64(len(s.Acked)))
	for _, a := range s.Acked {
		e.uint(uint64(a))
	}
	e.int(s.Size)
	e.time(s.ModTime)
	return e.buf
}

// decodeSession decodes a session record; damage yields ErrCorrupt.
func decodeSession(b []byte) (Session, error) {
	d := decoder{buf: b}
	d.version(sessionV1)
	var s Session
	d.at = "session"
	s.ChunkSize = d.size()
	s.State = d.bytes()
	// Each index takes at least one byte, which bounds the slice by the
	// record length before allocating it.
	n := d.count(uint64(len(d.buf)))
	if n > 0 {
		s.Acked = make([]int, n)
		for i := range s.Acked {
			s.Acked[i] = d.count(maxInt32)
		}
	}
	s.Size = d.size()
	s.ModTime = d.time()
	if err := d.end(); err != nil {
		return Session{}, err
	}
	return s, nil
}

func encodeFingerprint(f Fingerprint) []byte {
	e := encoder{buf: make([]byte, 0, 48+len(f.SHA256)+len(f.RemoteID))}
	e.byte(fingerprintV1)
	e.int(f.Size)
	e.time(f.ModTime)
	e.bytes(f.SHA256)
	e.string(f.RemoteID)
	e.time(f.Uploaded)
	return e.buf
}

// decodeFingerprint decodes a sent-index record; damage yields ErrCorrupt.
func decodeFingerprint(b []byte) (Fingerprint, error) {
	d := decoder{buf: b}
	d.version(fingerprintV1)
	var f Fingerprint
	d.at = "fingerprint"
	f.Size = d.size()
	f.ModTime = d.time()
	f.SHA256 = d.bytes()
	f.RemoteID = d.string()
	f.Uploaded = d.time()
	if err := d.end(); err != nil {
		return Fingerprint{}, err
	}
	return f, nil
}

// decodeFingerprintStamp is decodeFingerprint for the size and mtime only:
// it checks the whole record the same way (a record one rejects, the other
// rejects too) but copies nothing out of it, for a scan's snapshot of
// 100,000 records.
func decodeFingerprintStamp(b []byte) (size int64, mtime time.Time, err error) {
	d := decoder{buf: b}
	d.version(fingerprintV1)
	d.at = "fingerprint"
	size = d.size()
	mtime = d.time()
	d.raw()  // SHA256
	d.raw()  // RemoteID
	d.time() // Uploaded
	if err := d.end(); err != nil {
		return 0, time.Time{}, err
	}
	return size, mtime, nil
}

func encodeHistory(h HistoryEntry) []byte {
	e := encoder{buf: make([]byte, 0, 48+len(h.Target)+len(h.Root)+len(h.RelPath)+len(h.RemotePath)+len(h.Link)+len(h.ErrMsg))}
	e.byte(historyV1)
	e.uint(uint64(h.JobID))
	e.string(h.Target)
	e.string(h.Root)
	e.string(h.RelPath)
	e.string(h.RemotePath)
	e.string(h.Link)
	e.int(h.Size)
	e.byte(stateCodes[h.Outcome])
	e.string(h.ErrMsg)
	e.string(h.Warning)
	e.time(h.Finished)
	return e.buf
}

// decodeHistory decodes a history record; damage yields ErrCorrupt.
func decodeHistory(b []byte) (HistoryEntry, error) {
	d := decoder{buf: b}
	d.version(historyV1)
	var h HistoryEntry
	d.at = "history"
	h.JobID = JobID(d.uint())
	h.Target = d.string()
	h.Root = d.string()
	h.RelPath = d.string()
	h.RemotePath = d.string()
	h.Link = d.string()
	h.Size = d.size()
	h.Outcome = d.state()
	h.ErrMsg = d.string()
	h.Warning = d.string()
	h.Finished = d.time()
	if err := d.end(); err != nil {
		return HistoryEntry{}, err
	}
	return h, nil
}
