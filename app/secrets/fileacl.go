package secrets

import (
	"fmt"
	"strings"
)

// The secret file's protection on Windows is its DACL, not a mode: Ferry
// refuses the file when its DACL lets anyone but the file's owner, SYSTEM
// and the Administrators group read or change it (file_windows.go reads
// the DACL; the decision is here so that it is tested on every platform).

// aceInfo is one access-control entry of a file's DACL.
type aceInfo struct {
	SID   string // as S-1-5-...
	Allow bool   // an ACCESS_ALLOWED entry (deny entries only take away)
	Mask  uint32 // the access mask
}

// Well-known SIDs that may always access a user's file.
const (
	sidSystem         = "S-1-5-18"
	sidAdministrators = "S-1-5-32-544"
	sidOwnerRights    = "S-1-3-4" // OWNER RIGHTS: whoever owns the file
)

// harmlessAccess are the access bits that expose no content: read the
// security descriptor and attributes, wait on the handle.
const harmlessAccess = 0x00020000 | 0x00100000 | 0x00000080 // READ_CONTROL | SYNCHRONIZE | FILE_READ_ATTRIBUTES

// wellKnownSIDs names the SIDs a message is most likely to show.
var wellKnownSIDs = map[string]string{
	"S-1-1-0":      "Everyone",
	"S-1-5-11":     "Authenticated Users",
	"S-1-5-32-545": "Users",
	"S-1-5-7":      "Anonymous",
	"S-1-5-32-546": "Guests",
}

// checkACL returns an error wrapping ErrUnavailable and ErrFileMode when
// the DACL (daclPresent false: a NULL DACL, which grants everyone
// everything) lets a SID other than owner, SYSTEM or Administrators read
// or change the file at path.
func checkACL(path, owner string, daclPresent bool, aces []aceInfo) error {
	fix := fmt.Sprintf(`run: icacls "%s" /inheritance:r /grant:r "%%USERNAME%%:F"`, path)
	if !daclPresent {
		return fmt.Errorf("%w: %w: %s has no access list, so everyone can read it; %s",
			ErrUnavailable, ErrFileMode, path, fix)
	}
	var others []string
	for _, a := range aces {
		if !a.Allow || a.Mask&^harmlessAccess == 0 {
			continue
		}
		switch a.SID {
		case owner, sidSystem, sidAdministrators, sidOwnerRights:
			continue
		}
		name := a.SID
		if n, ok := wellKnownSIDs[a.SID]; ok {
			name += " (" + n + ")"
		}
		others = append(others, name)
	}
	if len(others) > 0 {
		return fmt.Errorf("%w: %w: %s can be read or changed by %s, not only by its owner; %s",
			ErrUnavailable, ErrFileMode, path, strings.Join(others, ", "), fix)
	}
	return nil
}
