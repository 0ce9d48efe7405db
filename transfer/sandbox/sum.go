package sandbox

// HashedBytes returns how many bytes the store has fed to its checksums
// so far. Tests use it to prove an upload's bytes are hashed once, and
// only when a sum is needed.
func (s *Store) HashedBytes() int64 { return s.hashed.Load() }
