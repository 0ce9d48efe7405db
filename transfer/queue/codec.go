package queue

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// The record codec is a small hand-written binary format: a version byte,
// then fields in a fixed order as varints, length-prefixed strings and
// (seconds, nanoseconds) times. It is explicit instead of gob or JSON so a
// schema change is a visible edit with a new version byte, and so decoding
// untrusted bytes (a damaged file) can bound every length before allocating.

// encoder appends fields to buf.
type encoder struct{ buf []byte }

func (e *encoder) byte(b byte)     { e.buf = append(e.buf, b) }
func (e *encoder) uint(v uint64)   { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) int(v int64)     { e.buf = binary.AppendVarint(e.buf, v) }
func (e *encoder) bytes(b []byte)  { e.uint(uint64(len(b))); e.buf = append(e.buf, b...) }
func (e *encoder) string(s string) { e.uint(uint64(len(s))); e.buf = append(e.buf, s...) }

// time stores an instant in UTC; the location is not kept (readers format
// times in their own zone), and the zero time round-trips to the zero time.
func (e *encoder) time(t time.Time) {
	e.int(t.Unix())
	e.uint(uint64(t.Nanosecond()))
}

// decoder reads fields from buf. The first failure sticks in err and every
// later read returns a zero value, so record decoders check err once.
type decoder struct {
	buf []byte
	err error
	at  string // field being read, for the error message
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s: %s", ErrCorrupt, d.at, fmt.Sprintf(format, args...))
	}
	d.buf = nil
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.buf) == 0 {
		d.fail("truncated")
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) int() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

// count reads a non-negative int no larger than limit.
func (d *decoder) count(limit uint64) int {
	v := d.uint()
	if v > limit {
		d.fail("value %d out of range", v)
		return 0
	}
	return int(v)
}

// raw reads a length-prefixed byte run. The length is checked against what
// is left before anything is allocated, so a damaged length cannot make the
// decoder allocate gigabytes.
func (d *decoder) raw() []byte {
	n := d.uint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)) {
		d.fail("length %d exceeds record", n)
		return nil
	}
	b := d.buf[:n:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) string() string { return string(d.raw()) }

// shared is string, returning the value the last decode with the same
// cache read in slot when the bytes are the same, instead of a new copy:
// jobs read one after another (a claim looking past a folder's jobs, a
// listing) mostly share their target, origin, root, remote folder and
// policy. The comparison allocates nothing.
func (d *decoder) shared(c *strCache, slot int) string {
	b := d.raw()
	if c == nil {
		return string(b)
	}
	if string(b) != c[slot] {
		c[slot] = string(b)
	}
	return c[slot]
}

// strCache holds, per slot, the last string decoded there (see shared).
// The zero value is empty; it is not safe for concurrent use.
type strCache [jobStrSlots]string

// bytes returns a copy (the input may be bbolt's mmap, valid only inside its
// transaction); an empty run decodes as nil.
func (d *decoder) bytes() []byte {
	b := d.raw()
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

func (d *decoder) time() time.Time {
	sec := d.int()
	nsec := d.uint()
	if d.err != nil {
		return time.Time{}
	}
	if nsec >= uint64(time.Second) {
		d.fail("nanoseconds %d out of range", nsec)
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// int64 reads a signed value and checks it is non-negative (sizes).
func (d *decoder) size() int64 {
	v := d.int()
	if v < 0 {
		d.fail("negative size %d", v)
		return 0
	}
	return v
}

// end reports trailing bytes as corruption: every version has a fixed
// layout, so leftovers mean the record is not what its version byte says.
func (d *decoder) end() error {
	if d.err == nil && len(d.buf) != 0 {
		d.fail("%d trailing bytes", len(d.buf))
	}
	return d.err
}

// version reads the leading version byte and checks it against want.
func (d *decoder) version(want byte) {
	d.at = "version"
	if v := d.byte(); d.err == nil && v != want {
		d.fail("unknown version %d", v)
	}
}

const maxInt32 = math.MaxInt32
