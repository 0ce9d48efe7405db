package secrets

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckACL is the Windows decision on a secret file's DACL, as a
// table: only the owner, SYSTEM and Administrators may read or change it.
func TestCheckACL(t *testing.T) {
	const owner = "S-1-5-21-1-2-3-1001"
	const path = `C:\Users\ana\secrets.toml`
	full := uint32(0x001f01ff) // FILE_ALL_ACCESS
	for _, tc := range []struct {
		name    string
		present bool
		aces    []aceInfo
		refuse  string // "" = accepted
	}{
		{"owner, SYSTEM and Administrators", true, []aceInfo{{owner, true, full}, {sidSystem, true, full}, {sidAdministrators, true, full}}, ""},
		{"an empty DACL (nobody)", true, nil, ""},
		{"OWNER RIGHTS", true, []aceInfo{{sidOwnerRights, true, full}}, ""},
		{"a NULL DACL", false, nil, "has no access list"},
		{"Users may read (inherited from C:\\)", true, []aceInfo{{owner, true, full}, {"S-1-5-32-545", true, 0x001200a9}}, "S-1-5-32-545 (Users)"},
		{"Everyone generic read", true, []aceInfo{{"S-1-1-0", true, 0x80000000}}, "S-1-1-0 (Everyone)"},
		{"another user", true, []aceInfo{{"S-1-5-21-1-2-3-1002", true, 0x2}}, "S-1-5-21-1-2-3-1002,"},
		{"a deny entry for Everyone", true, []aceInfo{{owner, true, full}, {"S-1-1-0", false, full}}, ""},
		{"Everyone may only read attributes", true, []aceInfo{{"S-1-1-0", true, harmlessAccess}}, ""},
	} {
		err := checkACL(path, owner, tc.present, tc.aces)
		switch {
		case tc.refuse == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.refuse != "" && (err == nil || !strings.Contains(err.Error(), tc.refuse)):
			t.Errorf("%s: %v, want a refusal naming %q", tc.name, err, tc.refuse)
		case err != nil && (!errors.Is(err, ErrUnavailable) || !errors.Is(err, ErrFileMode) || !strings.Contains(err.Error(), "icacls")):
			t.Errorf("%s: %v: want ErrUnavailable, ErrFileMode and the icacls fix", tc.name, err)
		}
	}
}
