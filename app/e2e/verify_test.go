package e2e

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"
	"github.com/ferry-sync/ferry/transfer"
	"github.com/ferry-sync/ferry/transfer/provider/twake"
	"github.com/ferry-sync/ferry/transfer/queue"
	"github.com/ferry-sync/ferry/transfer/sandbox"
	sbfilesro "github.com/ferry-sync/ferry/transfer/sandbox/filesro"
)

// remoteDir is the remote folder every test uploads into (--to).
const remoteDir = "e2e"

// remoteFile is one complete file as a sandbox API stored it, under the
// path the client chose (relative to the account's root).
type remoteFile struct {
	Path   string
	Size   int64
	SHA256 string
}

// layout turns one API's inspection tree into the files it holds, and
// lists what must not be there (placeholders, partial files, stray
// entries) as problems.
type layout func(entries []sandbox.Entry) (files []remoteFile, problems []string)

// checkUploaded fails the test unless the API's tree holds every file of
// want exactly once at remoteDir/Rel with its SHA-256, and nothing else.
// byName compares base names only (for an API without folders).
func checkUploaded(t *testing.T, s *ferrytest.Sandbox, api string, lay layout, want []treeFile, byName bool) {
	t.Helper()
	checkUploadedAnnounced(t, s, api, lay, want, byName, nil)
}

// checkUploadedAnnounced is checkUploaded that also accepts a second copy
// of a file in twice (relative paths): files.ro keeps a second file of the
// same name (the sandbox stores it as "name (sandbox duplicate N)"), and
// Ferry resends a file whose storing request a kill cut off without
// knowing whether it arrived, saying so on the file ("the server may hold
// it twice"). Only an announced copy of the same bytes passes.
func checkUploadedAnnounced(t *testing.T, s *ferrytest.Sandbox, api string, lay layout, want []treeFile, byName bool, twice map[string]bool) {
	t.Helper()
	files, problems := lay(s.MustTree(api))
	key := func(p string) string {
		if byName {
			return path.Base(p)
		}
		return p
	}
	got := map[string][]remoteFile{}
	for _, f := range files {
		got[key(f.Path)] = append(got[key(f.Path)], f)
	}
	for _, w := range want {
		k := key(remoteDir + "/" + w.Rel)
		fs := got[k]
		delete(got, k)
		switch {
		case len(fs) == 0:
			problems = append(problems, fmt.Sprintf("missing %s", k))
		case len(fs) > 1:
			problems = append(problems, fmt.Sprintf("%s stored %d times", k, len(fs)))
		case fs[0].Size != w.Size || fs[0].SHA256 != w.SHA256:
			problems = append(problems, fmt.Sprintf("%s: %d bytes sha256 %.12s, want %d bytes %.12s",
				k, fs[0].Size, fs[0].SHA256, w.Size, w.SHA256))
		}
	}
	sums := map[string]string{}
	for _, w := range want {
		sums[remoteDir+"/"+w.Rel] = w.SHA256
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		orig, _, dup := strings.Cut(k, sbfilesro.DuplicateMark)
		if dup && twice[strings.TrimPrefix(orig, remoteDir+"/")] && len(got[k]) == 1 && got[k][0].SHA256 == sums[orig] {
			t.Logf("announced second copy of %s (Ferry said the server may hold it twice)", orig)
			continue
		}
		problems = append(problems, fmt.Sprintf("extra file %s (%d copies)", k, len(got[k])))
	}
	if len(problems) > 0 {
		t.Errorf("%s tree differs from the local tree:\n  %s", api, strings.Join(problems, "\n  "))
	}
}

// underFolder is the layout of an API that keeps a real tree below one
// folder (files.ro: the share's folder; Quatrix: the user's home). Entries
// below skip (the Quatrix Trash, where a deleted placeholder goes) are
// ignored; entries outside root may only be folders.
func underFolder(root, skip string) layout {
	return func(entries []sandbox.Entry) ([]remoteFile, []string) {
		var files []remoteFile
		var problems []string
		for _, e := range entries {
			inside := strings.HasPrefix(e.Path, root+"/")
			switch {
			case skip != "" && (e.Path == skip || strings.HasPrefix(e.Path, skip+"/")):
			case e.Kind == sandbox.KindFolder:
			case !inside:
				problems = append(problems, fmt.Sprintf("%s %s outside %s", e.Kind, e.Path, root))
			case e.Kind == sandbox.KindFile:
				files = append(files, remoteFile{Path: strings.TrimPrefix(e.Path, root+"/"), Size: e.Size, SHA256: e.SHA256})
			default:
				problems = append(problems, fmt.Sprintf("%s left behind: %s (%d bytes)", e.Kind, e.Path, e.Size))
			}
		}
		return files, problems
	}
}

// twakeFlat is the layout of Twake without Drive folders and with the path
// kept in the name: /files/{id} entities named by twake.EncodeName. Every
// entity must be complete and the Drive must stay empty.
func twakeFlat(entries []sandbox.Entry) ([]remoteFile, []string) {
	var files []remoteFile
	var problems []string
	for _, e := range entries {
		switch {
		case e.Kind == sandbox.KindFolder, strings.HasPrefix(e.Path, "/.chunks/"):
		case strings.HasPrefix(e.Path, "/files/") && e.Kind == sandbox.KindFile:
			files = append(files, remoteFile{
				Path: strings.Join(twake.DecodeName(e.Meta["name"]), "/"), Size: e.Size, SHA256: e.SHA256,
			})
		default:
			problems = append(problems, fmt.Sprintf("%s left behind: %s %q (chunks %s)", e.Kind, e.Path, e.Meta["name"], e.Meta["chunks"]))
		}
	}
	return files, problems
}

// twakeDrive is the layout of Twake with Drive folders: Drive file items
// below /drive, each backed by one complete /files entity; no partial
// entity may be left and no complete entity may lack its Drive item.
func twakeDrive(entries []sandbox.Entry) ([]remoteFile, []string) {
	var files []remoteFile
	var problems []string
	entities := 0
	for _, e := range entries {
		switch {
		case e.Kind == sandbox.KindFolder, strings.HasPrefix(e.Path, "/.chunks/"):
		case strings.HasPrefix(e.Path, "/drive/") && e.Kind == sandbox.KindFile:
			files = append(files, remoteFile{Path: strings.TrimPrefix(e.Path, "/drive/"), Size: e.Size, SHA256: e.SHA256})
		case strings.HasPrefix(e.Path, "/files/") && e.Kind == sandbox.KindFile:
			entities++
		default:
			problems = append(problems, fmt.Sprintf("%s left behind: %s %q (chunks %s)", e.Kind, e.Path, e.Meta["name"], e.Meta["chunks"]))
		}
	}
	if entities != len(files) {
		problems = append(problems, fmt.Sprintf("%d complete file entities for %d Drive files", entities, len(files)))
	}
	return files, problems
}

// selfCommunity is the layout of SelfCommunity: flat /{uuid}/{name} files
// (thumbnails, which name a parent_uuid, aside). With messages it places
// each file at remoteDir plus the path its message carried (the provider's
// "{path}" is the path below the uploaded folder's parent, without the
// --to folder) and checks it was sent to sentTo ("users:12" or
// "group:21"); without messages, at its name.
func selfCommunity(sentTo string) layout {
	return func(entries []sandbox.Entry) ([]remoteFile, []string) {
		var files []remoteFile
		var problems []string
		for _, e := range entries {
			switch {
			case e.Kind == sandbox.KindFolder, e.Meta["parent_uuid"] != "":
			case e.Kind != sandbox.KindFile:
				problems = append(problems, fmt.Sprintf("%s left behind: %s", e.Kind, e.Path))
			case sentTo == "":
				files = append(files, remoteFile{Path: path.Base(e.Path), Size: e.Size, SHA256: e.SHA256})
			default:
				if e.Meta["sent_to"] != sentTo {
					problems = append(problems, fmt.Sprintf("%s sent to %q, want %q", e.Path, e.Meta["sent_to"], sentTo))
				}
				if path.Base(e.Meta["message"]) != path.Base(e.Path) {
					problems = append(problems, fmt.Sprintf("%s: stored name differs from its message %q", e.Path, e.Meta["message"]))
				}
				files = append(files, remoteFile{Path: remoteDir + "/" + e.Meta["message"], Size: e.Size, SHA256: e.SHA256})
			}
		}
		return files, problems
	}
}

// announcedTwice reads the stopped ferry's queue history: the relative
// paths of the files it warned the server may hold twice.
func announcedTwice(t *testing.T, env *ferrytest.Env) map[string]bool {
	t.Helper()
	twice := map[string]bool{}
	env.WithQueue(t, func(q *queue.Queue) {
		hs, err := q.History(0)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			if strings.Contains(h.Warning, transfer.MaybeTwiceNote) {
				twice[h.RelPath] = true
			}
		}
	})
	return twice
}
