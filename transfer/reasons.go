package transfer

import (
	"context"
	"errors"
	"strings"

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
	KindTLS        = "tls"         // the secure connection could not be set up (certificate)
)

// KindOf names err's kind as stored in queue.Job.ErrKind.
func KindOf(err error) string {
	switch k, _ := provider.Classify(err); {
	case errors.Is(err, errFileChanged):
		return KindChanged
	case errors.Is(err, provider.ErrSecureConnection) && k != context.Canceled:
		return KindTLS
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
		return "A file with this name already exists on the server and this one was not stored beside it or over it. Rename the file, or choose a conflict policy for the target that keeps both (rename) or replaces the server's copy (overwrite)."
	case KindTLS:
		return "The secure connection to the server could not be set up: its certificate is not trusted here, has expired, is for another name, or is not the one pinned for this target. Nothing was sent. Check the target's address and this computer's clock, or trust the server's certificate in the target's settings, then press Retry."
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

// ExplainPolicy is Explain for a job whose conflict policy is known
// (queue.Job.Conflict; "" is the target's default, not known here): the
// advice for a conflict never suggests the policy already in use.
func ExplainPolicy(kind, policy string) string {
	if kind != KindConflict {
		return Explain(kind)
	}
	const head = "A file with this name already exists on the server"
	switch provider.ConflictPolicy(policy) {
	case provider.ConflictRename:
		return head + ", and the server refused to store this one under another name. Rename the file, or set the target's conflict policy to overwrite."
	case provider.ConflictOverwrite:
		return head + ", and the server refused to replace it. Rename the file, or set the target's conflict policy to rename (keeps both)."
	case provider.ConflictSkip:
		return head + "; the target's conflict policy is skip, so this file was left out. Rename the file, or set the policy to rename or overwrite."
	}
	return Explain(kind)
}

// JobReason is Explain for a job's last error, with the technical message.
func JobReason(j queue.Job) string {
	if j.ErrKind == "" && j.ErrMsg == "" {
		return ""
	}
	policy := j.Conflict
	if rest, ok := strings.CutPrefix(j.ErrMsg, policyPrefix); ok && policy == "" {
		policy, _, _ = strings.Cut(rest, ":")
	}
	return ExplainPolicy(j.ErrKind, policy) + " (" + j.ErrMsg + ")"
}

// policyPrefix starts the message of a conflict failure, naming the policy
// in effect (the job's, or the target's when the job has none), so the
// advice can leave it out: "conflict policy rename: ...".
const policyPrefix = "conflict policy "

func conflictMsg(policy provider.ConflictPolicy, msg string) string {
	return policyPrefix + string(policy) + ": " + msg
}
