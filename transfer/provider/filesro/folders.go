package filesro

import (
	"context"
	"strings"
	"sync"
)

// folderGate keeps concurrent uploads from creating one new folder twice.
//
// The server creates the folders named by a chunk's path when the last
// chunk arrives, by looking each one up and creating it when missing, with
// no lock and no unique key (VueFileManager/vuefilemanager@5ba4bf347880
// src/Domain/Files/Actions/GetFileParentId.php:26-62). Two last chunks
// into one new folder at about the same time can both find it missing and
// both create it: the share then holds two folders of one name with the
// files split between them. Ferry uploads several files of a target at
// once, so it would trip on this.
//
// Whether files.ro's own server has the race is unknown, so the gate works
// whichever way it behaves: the committing (last) chunk of the first
// upload into a folder path this provider has not seen created yet goes
// alone; every other upload whose path shares that not-yet-created prefix
// waits until it is answered. Once a 201 proves the path exists, later
// uploads into it (and into paths below its known part) go in parallel.
// A failed commit lets the next waiter try. Only last chunks wait; the
// chunks before them go in parallel as before. The knowledge is per
// provider (per target) and process: a restart costs one more serialised
// commit per folder, nothing else, and on a server with the race the
// lookup after a restart finds the folder made before (GetFileParentId
// takes the first of that name), so no duplicate appears.
type folderGate struct {
	mu      sync.Mutex
	known   map[string]bool          // paths proven to exist (every prefix too)
	pending map[string]chan struct{} // first unknown prefix -> closed when its committer is done
}

// dirKey is the path key of a folder path.
func dirKey(dir []string) string { return strings.Join(dir, "/") }

// firstUnknown is the shortest prefix of dir not known to exist, or ""
// when all of dir is known. Caller holds g.mu.
func (g *folderGate) firstUnknown(dir []string) string {
	for i := 1; i <= len(dir); i++ {
		if k := dirKey(dir[:i]); !g.known[k] {
			return k
		}
	}
	return ""
}

// toMake is firstUnknown under the lock (provider.FolderMaker).
func (g *folderGate) toMake(dir []string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.firstUnknown(dir)
}

// enter waits until the commit of an upload into dir may go. It returns
// the function to call with the outcome (true when the server answered
// 201, so dir exists). For a dir that is known, or empty, it returns at
// once. It fails only when ctx ends.
func (g *folderGate) enter(ctx context.Context, dir []string) (func(created bool), error) {
	for {
		g.mu.Lock()
		if g.known == nil {
			g.known, g.pending = map[string]bool{}, map[string]chan struct{}{}
		}
		key := g.firstUnknown(dir)
		if key == "" {
			g.mu.Unlock()
			return func(bool) {}, nil
		}
		wait, busy := g.pending[key]
		if !busy {
			done := make(chan struct{})
			g.pending[key] = done
			g.mu.Unlock()
			return func(created bool) {
				g.mu.Lock()
				defer g.mu.Unlock()
				if created {
					for i := 1; i <= len(dir); i++ {
						g.known[dirKey(dir[:i])] = true
					}
				}
				delete(g.pending, key)
				close(done)
			}, nil
		}
		g.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// FolderToMake is provider.FolderMaker: the folder path whose first commit
// the gate would make an upload into dir wait for, "" when dir is known.
func (p *Provider) FolderToMake(dir []string) string { return p.folders.toMake(dir) }
