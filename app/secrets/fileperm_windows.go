//go:build windows

package secrets

import (
	"fmt"
	"io/fs"
	"unsafe"

	"golang.org/x/sys/windows"
)

// checkPrivate reads the secret file's owner and DACL and refuses it when
// others may read or change it (checkACL decides).
func checkPrivate(path string, _ fs.FileInfo) error {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("%w: read the access list of %s: %w", ErrUnavailable, path, err)
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return fmt.Errorf("%w: read the owner of %s: %w", ErrUnavailable, path, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("%w: read the access list of %s: %w", ErrUnavailable, path, err)
	}
	if dacl == nil {
		return checkACL(path, owner.String(), false, nil)
	}
	aces := make([]aceInfo, 0, dacl.AceCount)
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return fmt.Errorf("%w: read the access list of %s: %w", ErrUnavailable, path, err)
		}
		if ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 {
			continue // applies to children only, not to this file
		}
		switch ace.Header.AceType {
		case windows.ACCESS_ALLOWED_ACE_TYPE, windows.ACCESS_DENIED_ACE_TYPE:
			// Both end in the SID, at SidStart.
			sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
			aces = append(aces, aceInfo{SID: sid.String(), Allow: ace.Header.AceType == windows.ACCESS_ALLOWED_ACE_TYPE, Mask: uint32(ace.Mask)})
		default:
			// Object and callback entries: count them as access for
			// someone unknown, so an unusual DACL is refused, not trusted.
			aces = append(aces, aceInfo{SID: fmt.Sprintf("(an entry of type %d)", ace.Header.AceType), Allow: true, Mask: ^uint32(0)})
		}
	}
	return checkACL(path, owner.String(), true, aces)
}

// restrictNew gives the secret file a protected DACL granting its owner
// alone full access, so a file created in a folder others can read (which
// it would otherwise inherit from) passes checkPrivate.
func restrictNew(path string) error {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return fmt.Errorf("restrict %s to its owner: %w", path, err)
	}
	sd, err := windows.SecurityDescriptorFromString("D:P(A;;FA;;;" + u.User.Sid.String() + ")")
	if err != nil {
		return fmt.Errorf("restrict %s to its owner: %w", path, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("restrict %s to its owner: %w", path, err)
	}
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		return fmt.Errorf("restrict %s to its owner: %w", path, err)
	}
	return nil
}
