package sync

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Name twins: Linux file systems compare names byte by byte, so "café.txt"
// written composed (NFC) and written decomposed (NFD) can sit side by side
// in one folder. Ferry keys files by their NFC path, and the servers compare
// names in one form too, so two such files would merge into one job and one
// remote file (whichever was read last wins, on every restart). Ferry
// chooses to upload neither and to say why (Candidate.Refused): renaming
// one of them on purpose is the only outcome the user can predict; inventing
// a distinct remote name for one of two identical-looking names would leave
// the user unable to tell which is which.

// twinGroups returns, for one directory's entry names, the names that are
// equal in NFC but differ on disk, grouped by their NFC form (nil when
// there are none). Only a name that is not NFC can have a twin, so the
// common case is one quick check per name and no allocation.
func twinGroups(names []string) map[string][]string {
	odd := false
	for _, n := range names {
		if !norm.NFC.IsNormalString(n) {
			odd = true
			break
		}
	}
	if !odd {
		return nil
	}
	all := make(map[string][]string, len(names))
	for _, n := range names {
		k := nfc(n)
		all[k] = append(all[k], n)
	}
	var out map[string][]string
	for k, v := range all {
		if len(v) > 1 {
			if out == nil {
				out = make(map[string][]string)
			}
			out[k] = v
		}
	}
	return out
}

// entryTwins is twinGroups for a directory listing; the names are only
// collected when one of them is not NFC.
func entryTwins(ents []os.DirEntry) map[string][]string {
	for _, e := range ents {
		if !norm.NFC.IsNormalString(e.Name()) {
			names := make([]string, len(ents))
			for i, e := range ents {
				names[i] = e.Name()
			}
			return twinGroups(names)
		}
	}
	return nil
}

// twinsOf returns the on-disk names in abs's directory that equal abs's
// name in NFC (abs's own name included), or nil when it has no twin. A
// name of plain ASCII cannot have one, and its directory is not read.
func twinsOf(abs string) ([]string, error) {
	base := filepath.Base(abs)
	if isASCII(base) {
		return nil, nil
	}
	f, err := os.Open(filepath.Dir(abs))
	if err != nil {
		return nil, err
	}
	defer f.Close() // read-only directory: Close has nothing useful to report
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	return twinGroups(names)[nfc(base)], nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// twinReason is Candidate.Refused for a file that has name twins.
func twinReason(rel string, twins []string) string {
	forms := make([]string, 0, len(twins))
	for _, n := range twins {
		if norm.NFC.IsNormalString(n) {
			forms = append(forms, "composed (NFC)")
		} else if norm.NFD.IsNormalString(n) {
			forms = append(forms, "decomposed (NFD)")
		} else {
			forms = append(forms, "mixed")
		}
	}
	return fmt.Sprintf("%d files are named %q: their accented letters are encoded differently (%s), which a server sees as one name; "+
		"Ferry uploads none of them. Rename all but one, then they are uploaded", len(twins), rel, strings.Join(forms, ", "))
}
