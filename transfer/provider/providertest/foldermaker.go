package providertest

import (
	"testing"

	"github.com/ferry-sync/ferry/transfer/provider"
)

// FolderCase is one provider.FolderMaker question: the folder an upload
// into Dir would wait for, "" when none.
type FolderCase struct {
	Dir  []string
	Want string
}

// CheckFolderToMake asks m each case and reports every wrong answer.
func CheckFolderToMake(t testing.TB, m provider.FolderMaker, cases ...FolderCase) {
	t.Helper()
	for _, c := range cases {
		if got := m.FolderToMake(c.Dir); got != c.Want {
			t.Errorf("FolderToMake(%q) = %q, want %q", c.Dir, got, c.Want)
		}
	}
}
