package bench

import (
	"fmt"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// storedCheck is what a baseline stored: a key per file and its size. A
// key is the file's path below the namespace root ("/run/d000/f.bin"),
// or, where the service names files by id, its id or uuid.
type storedCheck map[string]int64

// checkStored reads the sandbox's store of provider's API and checks that
// every file of c is there as a complete file of its size. An entry
// matches a key when its id equals the key, or its path ends with it, or
// one of its path's segments is the key.
func (p *sandboxProc) checkStored(provider string, c storedCheck) error {
	var tree []sandbox.Entry
	if err := p.getJSON("/_sandbox/tree?api="+provider, &tree); err != nil {
		return fmt.Errorf("check the stored files: %w", err)
	}
	matched := map[string]bool{}
	for _, e := range tree {
		if e.Kind != sandbox.KindFile {
			continue
		}
		for _, k := range entryKeys(e) {
			want, ok := c[k]
			if !ok {
				continue
			}
			if e.Size != want {
				return fmt.Errorf("the sandbox stored %s with %d bytes, want %d", e.Path, e.Size, want)
			}
			matched[k] = true
			break
		}
	}
	if found := len(matched); found != len(c) {
		var sample []string
		for i, e := range tree {
			if i == 3 {
				break
			}
			sample = append(sample, fmt.Sprintf("%s (%s, %d bytes, id %s)", e.Path, e.Kind, e.Size, e.ID))
		}
		return fmt.Errorf("the sandbox stored %d of the %d files sent (the store holds %s...)", found, len(c), strings.Join(sample, ", "))
	}
	return nil
}

// entryKeys are the keys an entry can match: its id, each path segment,
// and each path suffix starting at a slash.
func entryKeys(e sandbox.Entry) []string {
	keys := []string{e.ID}
	segs := strings.Split(strings.TrimPrefix(e.Path, "/"), "/")
	keys = append(keys, segs...)
	for i := range segs {
		keys = append(keys, "/"+strings.Join(segs[i:], "/"))
	}
	return keys
}
