package app

import (
	"context"
	"strings"
	"testing"
)

func TestCheckRemoteDirArg(t *testing.T) {
	for dir, want := range map[string]string{
		`C:\X`:          `a remote folder has no drive letter; it is a path below the target's root, with / between folders (for example --to "X")`,
		`c:/reports/q1`: `for example --to "reports/q1"`,
		`D:`:            `for example --to "inbox"`,
		`reports\2026`:  `--to "reports\\2026": a remote folder uses / between folders, not \ (for example --to "reports/2026")`,
	} {
		err := checkRemoteDirArg("--to", dir)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", dir, err, want)
		}
	}
	for _, dir := range []string{"", "inbox", "/reports/2026/", "Q1: results", "ÿ:"} {
		if err := checkRemoteDirArg("--to", dir); err != nil {
			t.Errorf("%q refused: %v", dir, err)
		}
	}
}

// TestUploadRefusesALocalPathAsRemoteFolder: `ferry upload --to 'C:\X'`
// exits with a usage error and queues nothing.
func TestUploadRefusesALocalPathAsRemoteFolder(t *testing.T) {
	e := newEnv(t)
	writeFiles(t, e.dir, map[string]string{"a.txt": "a"})
	r := e.run(context.Background(), "", "upload", "--to", `C:\X`, e.dir+"/a.txt")
	if r.code != ExitUsage || !strings.Contains(r.errOut, "no drive letter") {
		t.Errorf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}
