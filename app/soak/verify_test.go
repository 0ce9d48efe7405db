package soak

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/ferry-sync/ferry/transfer/provider/twake"
	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// remoteDir is the remote folder every provider's watched folder uploads to.
const remoteDir = "soak"

// layout says where a provider's sandbox keeps the uploaded files and how
// a remote node maps back to a local relative path.
type layout struct {
	api string
	// overwrite: the folder's conflict policy replaces earlier uploads.
	overwrite bool
	// remote returns the node's name and, for folder providers, its
	// relative folder ("" at the top); ok is false for nodes that are not
	// uploaded files (folders, chunk storage, other accounts).
	remote func(e sandbox.Entry) (dir, name string, ok bool)
	// keepsDirs: the relative folder is part of the remote location.
	keepsDirs bool
}

var layouts = map[string]layout{
	"quatrix": {
		api: "quatrix", overwrite: true, keepsDirs: true,
		remote: prefixed("/user@example.com/" + remoteDir + "/"),
	},
	"filesro": {
		api: "filesro", keepsDirs: true,
		remote: prefixed("/editor/" + remoteDir + "/"),
	},
	"twake": {
		// Flat files service; the target keeps the path in the name.
		api: "twake", keepsDirs: true,
		remote: func(e sandbox.Entry) (string, string, bool) {
			if !strings.HasPrefix(e.Path, "/files/") {
				return "", "", false // chunk storage and Drive items
			}
			segs := twake.DecodeName(e.Meta["name"])
			if len(segs) < 2 || segs[0] != remoteDir {
				return "", "", true // an upload outside the soak folder: reported as stray
			}
			return strings.Join(segs[1:len(segs)-1], "/"), segs[len(segs)-1], true
		},
	},
	"selfcommunity": {
		// No folders: each upload is /<file uuid>/<stored name>.
		api: "selfcommunity",
		remote: func(e sandbox.Entry) (string, string, bool) {
			return "", path.Base(e.Path), true
		},
	},
}

// prefixed maps nodes below prefix to their relative folder and name.
func prefixed(prefix string) func(e sandbox.Entry) (string, string, bool) {
	return func(e sandbox.Entry) (string, string, bool) {
		rel, ok := strings.CutPrefix(e.Path, prefix)
		if !ok {
			return "", "", false
		}
		dir, name := path.Split(rel)
		return strings.TrimSuffix(dir, "/"), name, true
	}
}

// idRE finds a remote name's file id: "f00042" ("F00042" for a case
// twin), after any leading spaces a server kept.
var idRE = regexp.MustCompile(`^\s*([fF]\d{5})-`)

// notes are what the stopped ferry watch said, read from its queue and its
// output; nil while it runs.
type notes struct {
	twice   map[string]bool // rel paths whose history warns "may be stored twice"
	refused map[string]bool // NFC rel paths refused because of a name twin
	// reuploaded: versions (SHA-256) on the server when the queue file was
	// cut, when ferry said the queue was damaged and files will be
	// uploaded again: a second copy of one of them was announced.
	reuploaded map[string]bool
	// failed: rel paths whose job failed with a reason shown to the user
	// (the server refused the name, say): not uploaded, but not lost in
	// silence either.
	failed map[string]bool
}

// outcome is the verdict over one provider's tree.
type outcome struct {
	files      int
	bytes      int64
	lost       int // no remote copy holds the final content
	duplicated int // a version present more than once; any second copy with overwrite
	announced  int // of duplicated: files Ferry had warned may be stored twice, or re-sent after an announced queue damage
	refused    int // files refused with a reason (name twins), none uploaded
	rejected   int // files the server refused, each with a failed job saying why
	corrupt    int // content that never was a complete local version, wrong folder, stray uploads
	earlier    int // copies of earlier versions (allowed without overwrite)
	leftovers  int // placeholder or partial nodes
	orphans    int // twake: empty, nameless entities whose init answer a kill cut off (see emptyInitOrphan)
	problems   []string
}

func (o *outcome) addf(counter *int, format string, args ...any) {
	*counter++
	if len(o.problems) < 20 {
		o.problems = append(o.problems, fmt.Sprintf(format, args...))
	}
}

// emptyInitOrphan reports whether e is a Twake file entity as the init
// call leaves it: no name, no byte. Twake picks the id and returns it only
// in the init answer, and has no call that lists or searches files, so a
// kill while that answer is on its way leaves such an entity that no client
// can find again (the provider records every id it did receive and deletes
// the entities dead runs left; see transfer/provider/twake/pending.go).
// It is counted and printed, and does not fail the run; anything left with
// a name or a byte in it does.
func emptyInitOrphan(e sandbox.Entry) bool {
	return e.Kind == sandbox.KindPartial && e.Size == 0 && strings.HasPrefix(e.Path, "/files/") && e.Meta["name"] == ""
}

// clean: nothing lost, corrupt or left over, and every duplicate one that
// Ferry announced (see announcedTwice).
func (o outcome) clean() bool {
	return o.settled() && o.duplicated == o.announced
}

// settled is clean but for duplicates, which waiting cannot remove (and
// which are judged once ferry watch has stopped and its queue can be read).
func (o outcome) settled() bool {
	return o.lost == 0 && o.corrupt == 0 && o.leftovers == 0
}

// verify compares the sandbox tree with the workload under the rules in
// the package documentation. announced holds the relative paths whose
// history carries Ferry's "may be stored twice" warning (nil while ferry
// watch still holds the queue).
func verify(l layout, w *workload, tree []sandbox.Entry, n *notes) outcome {
	if n == nil {
		n = &notes{}
	}
	var o outcome
	o.files, o.bytes = w.totals()
	copies := map[string][]sandbox.Entry{} // file id -> remote files
	for _, e := range tree {
		if e.API != l.api {
			continue
		}
		if l.api == "twake" && emptyInitOrphan(e) {
			o.orphans++
			continue
		}
		if e.Kind == sandbox.KindPlaceholder || e.Kind == sandbox.KindPartial {
			o.addf(&o.leftovers, "leftover %s node %s", e.Kind, e.Path)
			continue
		}
		if e.Kind != sandbox.KindFile {
			continue
		}
		if l.api == "twake" && e.Meta["complete"] != "true" && strings.HasPrefix(e.Path, "/files/") {
			o.addf(&o.leftovers, "leftover unfinished twake file %s (%s)", e.Path, e.Meta["name"])
			continue
		}
		dir, name, ok := l.remote(e)
		if !ok {
			continue
		}
		var id string
		if m := idRE.FindStringSubmatch(name); m != nil {
			id = m[1]
		}
		f := w.byID[id]
		if f == nil {
			o.addf(&o.corrupt, "stray remote file %s (%q)", e.Path, name)
			continue
		}
		if l.keepsDirs && dir != path.Dir("/" + f.rel)[1:] {
			o.addf(&o.corrupt, "%s uploaded into folder %q, want %q", f.rel, dir, path.Dir("/" + f.rel)[1:])
			continue
		}
		copies[id] = append(copies[id], e)
	}
	for _, f := range w.files {
		cs := copies[f.id]
		if w.twins[f.id] {
			// Two local files, one name in NFC: neither may be uploaded,
			// and the refusal must be shown (a failed job with the reason).
			if len(cs) > 0 {
				o.addf(&o.corrupt, "%s: uploaded although another file's name equals it in NFC (%d remote copies)", f.rel, len(cs))
				copies[f.id] = nil
			}
			if n.refused != nil && !n.refused[norm.NFC.String(f.rel)] {
				o.addf(&o.lost, "%s: refused for its name twin, but no failed job says so", f.rel)
			}
			o.refused++
			continue
		}
		seen := map[string]int{}
		for _, c := range cs {
			v := slices.Index(f.versions, c.SHA256)
			if v < 0 {
				o.addf(&o.corrupt, "%s: remote %s holds content that was never a complete local version", f.rel, c.Path)
				continue
			}
			seen[c.SHA256]++
			if seen[c.SHA256] == 2 {
				if n.twice[f.rel] || n.reuploaded[c.SHA256] {
					o.duplicated++
					o.announced++
				} else {
					o.addf(&o.duplicated, "%s: version %d uploaded more than once (%s)", f.rel, v, c.Path)
				}
			}
			if c.SHA256 != f.final() {
				o.earlier++
			}
		}
		if seen[f.final()] == 0 && n.failed[norm.NFC.String(f.rel)] {
			o.rejected++
			if len(o.problems) < 20 {
				o.problems = append(o.problems, fmt.Sprintf("note: %s was refused with a reason shown to the user", f.rel))
			}
			continue
		}
		if seen[f.final()] == 0 {
			o.addf(&o.lost, "%s: final content (version %d of %d, %d remote copies) not uploaded", f.rel, len(f.versions)-1, len(f.versions), len(cs))
		}
		if l.overwrite && len(cs) > 1 {
			o.addf(&o.duplicated, "%s: %d remote files with the overwrite policy", f.rel, len(cs))
		}
	}
	return o
}
