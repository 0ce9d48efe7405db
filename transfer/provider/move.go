package provider

import (
	"context"
	"errors"
	"time"
)

// Mover is the optional capability of a provider whose service can move or
// rename a stored file (and a folder as a whole) in place, keeping its id:
// Quatrix (file/moveone) and Twake Drive (item update). The engine turns a
// rename or move inside a watched folder into one Move instead of a second
// upload when the file was uploaded by Ferry (the sent index holds its
// remote id). Services without a move (files.ro shares, SelfCommunity
// messages) do not implement it; a renamed file is then uploaded again.
type Mover interface {
	// Move moves m's item to m.ToDir under m.ToName. A name already taken
	// there is never overwritten: the service keeps both (the moved item
	// gets a free name, reported in Result.RemoteName). A file is addressed
	// by the id Ferry recorded when it uploaded it, so Move never touches a
	// file Ferry did not upload; an id the server no longer knows is an
	// error wrapping ErrSessionGone. A folder (m.Folder) is resolved by its
	// path and moved only when every file below it is one m.Owned accepts;
	// otherwise Move changes nothing and returns an error wrapping
	// ErrNotOwned (the engine then moves the files it knows one by one).
	// Errors carry a kind as elsewhere (see Classify).
	Move(ctx context.Context, m Move) (Result, error)
}

// Move describes one server-side move or rename. Dirs are path segments
// below the target's root, NFC, like Upload.Dir.
type Move struct {
	// RemoteID is the id of the file as recorded when Ferry uploaded it;
	// empty for a folder.
	RemoteID string
	// Folder says the item is a folder moved as a whole.
	Folder bool
	// FromDir and FromName are where the item is now.
	FromDir  []string
	FromName string
	// ToDir and ToName are where it goes; ToDir's missing levels are
	// created.
	ToDir  []string
	ToName string
	// ModTime is the local file's modification time, sent where the
	// service's move takes one (zero for a folder).
	ModTime time.Time
	// Size is the file's size as recorded when it was uploaded (0 for a
	// folder).
	Size int64
	// Owned reports whether a remote file id is one Ferry uploaded to this
	// target; used for folder moves (nil: none is).
	Owned func(remoteID string) bool
}

// ErrNotOwned is the cause of a folder Move refused because the server's
// folder holds something Ferry did not upload (or cannot be listed whole).
// It is not an error kind: it wraps into an *Error of kind ErrPermanent.
var ErrNotOwned = errors.New("the folder on the server holds files Ferry did not upload")

// ErrCannotMove is the cause of a Move refused because this target cannot
// move at all (a Twake target without Drive folders keeps files flat in
// the files service, which has no move). The engine then uploads the new
// path, as for a service without Mover.
var ErrCannotMove = errors.New("this target cannot move files on the server")
