package sync

// handedEntry is what the watcher remembers of a file it handed on and that
// is not in the sent index yet (Watcher.handed): one per file in flight, so
// 100,000 of them after a first scan. It is packed into 24 bytes without
// pointers (the mtime as Unix seconds and nanoseconds instead of a
// time.Time, which carries a *Location): the map takes about half the
// memory, and the garbage collector does not scan its values.
type handedEntry struct {
	size int64  // at the hand-on
	sec  int64  // mtime at the hand-on, Unix seconds
	nsec uint32 // and nanoseconds
	// gen is the low 16 bits of the last full scan (Watcher.gen) that saw
	// the file still differing from the sent index. Every complete full
	// scan refreshes the entries it sees and prunes the rest, so only
	// "this scan" against "an earlier one" matters, compared with !=: it
	// would take 65,536 full scans in a row cut short before completing
	// for an old entry to look current (and then it is only kept longer).
	gen     uint16
	refused bool // handed on as Refused (name twins): not again until a twin goes
}

func newHanded(st stamp, gen uint64, refused bool) handedEntry {
	return handedEntry{
		size: st.size, sec: st.mtime.Unix(), nsec: uint32(st.mtime.Nanosecond()),
		gen: uint16(gen), refused: refused,
	}
}

// same reports whether st is the size and mtime handed on (the mtimes
// compared as instants, like time.Time.Equal).
func (h handedEntry) same(st stamp) bool {
	return h.size == st.size && h.sec == st.mtime.Unix() && h.nsec == uint32(st.mtime.Nanosecond())
}
