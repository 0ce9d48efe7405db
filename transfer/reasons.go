package transfer

import (
	"context"
	"errors"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// Error kinds stored in queue.Job.ErrKind, beyond the provider's.
const (
	KindRetryable  = "retryable"
	KindAuth       = "auth"
	KindConflict   = "conflict"
	KindTooLarge   = "too_large"
	KindQuota      = "quota"
	KindPermanent  = "permanent"
	KindSession    = "session_gone"
	KindConfig     = "config"      // the target could not be set up
	KindUnreadable = "unreadable"  // the local file cannot be read
	KindNotRegular = "not_regular" // a folder, link, device or pipe
	KindChanged    = "changed"     // the file changed during the upload
	KindVanished   = "vanished"    // the file was deleted before it was sent
	KindNameTwins  = "name_twins"  // another local file has the same name in Unicode NFC
)

// KindOf names err's kind as stored in queue.Job.ErrKind.
func KindOf(err error) string {
	switch k, _ := provider.Classify(err); {
	case errors.Is(err, errFileChanged):
		return KindChanged
	case k == provider.ErrAuth:
		return KindAuth
	case k == provider.ErrConflict:
		return KindConflict
	case k == provider.ErrTooLarge:
		return KindTooLarge
	case k == provider.ErrQuota:
		return KindQuota
	case k == provider.ErrSessionGone:
		return KindSession
	case k == provider.ErrRetryable, k == context.Canceled:
		return KindRetryable
	}
	return KindPermanent
}

// Explain returns a sentence a person understands for an error kind (as
// in queue.Job.ErrKind), saying what happened and what to do. The UI and
// the CLI show it above the technical message.
func Explain(kind string) string {
	switch kind {
	case KindRetryable, KindSession:
		return "The server or the network had a temporary problem. Ferry retries on its own; press Retry to try now."
	case KindAuth:
		return "The server refused the login for this target. Check the account's credentials in the settings, then press Retry."
	case KindConflict:
		return "A file with this name already exists on the server. Change the target's conflict policy to rename or overwrite, or rename the file."
	case KindTooLarge:
		return "The file or a chunk of it is larger than the server accepts. Lower the target's chunk size, or upload a smaller file."
	case KindQuota:
		return "The account's storage is full. Free up space on the server or choose another target, then press Retry."
	case KindConfig:
		return "This target is not set up correctly. Check it in the settings, then press Retry."
	case KindUnreadable:
		return "Ferry cannot read this file. Check its permissions, then press Retry."
	case KindNotRegular:
		return "This is not a regular file (a folder, link or device). Only regular files are uploaded."
	case KindChanged:
		return "The file changed while it was uploading. Ferry starts it over once it stops changing."
	case KindVanished:
		return "The file was deleted or moved before it could be uploaded. Nothing was sent."
	case KindNameTwins:
		return "Two files in this folder are named alike: their names differ only in how accented letters are encoded, and the server would store them as one file. Nothing was sent; rename one of them and both are uploaded."
	}
	return "The server rejected the upload. Retrying the same request will not help; check the file and the target, then press Retry."
}

// JobReason is Explain for a job's last error, with the technical message.
func JobReason(j queue.Job) string {
	if j.ErrKind == "" && j.ErrMsg == "" {
		return ""
	}
	return Explain(j.ErrKind) + " (" + j.ErrMsg + ")"
}
