package selfcommunity

import (
	"strings"
	"unicode"

	"github.com/ferry-sync/ferry/transfer/provider/selfcommunity/api"
)

// A done call (or a part) for a uuid the server has already finalized is
// refused with 400 and an error on the uuid field. When that uuid is one
// this session owns and every part was sent, the refusal is the only trace
// of an earlier done that succeeded while its answer was lost (a dropped
// connection, or a crash before the answer was recorded): treating it as
// "session gone" would upload the whole file again and leave a second
// copy. The server's exact error codes are not public (protocol notes
// 3.6), so finalizedCode recognises the sandbox's "already_done" and
// reasonable spellings of the same statement; any other answer keeps the
// conservative reading (ErrSessionGone: a possible duplicate, never a
// loss).

// completionWords say that an upload reached its end.
var completionWords = map[string]bool{
	"done": true, "finalized": true, "finalised": true, "final": true,
	"completed": true, "complete": true, "finished": true, "committed": true,
}

// neutralWords may accompany a completion word without changing what the
// code says ("upload_already_finalized", "file_is_done"). A word outside
// both sets ("not", "unknown", "expired", "incomplete", "invalid") makes
// the code unrecognised: misreading an unknown or half-received upload as
// finished would lose the file, which is worse than a second copy. Words
// about parts ("chunk", "part") are left out on purpose: "part already
// done" says a part was received, not that the file was finalized.
var neutralWords = map[string]bool{
	"already": true, "upload": true, "file": true, "uuid": true,
	"is": true, "was": true, "has": true, "been": true,
}

// finalizedCode reports whether an error code says "this upload is
// already finalized": a completion word, "already" or nothing else but
// neutral words, in snake_case, kebab-case, dotted, spaced or camelCase
// ("already_done", "AlreadyFinalized", "upload.already-completed",
// "upload_finalized"). The empty code is not recognised.
func finalizedCode(code string) bool {
	words := codeWords(code)
	complete := false
	for _, w := range words {
		switch {
		case completionWords[w]:
			complete = true
		case neutralWords[w]:
		default:
			return false
		}
	}
	return complete
}

// codeWords splits a code into lower-case words at separators and at
// lower-to-upper case changes.
func codeWords(code string) []string {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	prevLower := false
	for _, r := range code {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && prevLower {
				flush()
			}
			cur.WriteRune(unicode.ToLower(r))
			prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		default:
			flush()
			prevLower = false
		}
	}
	flush()
	return words
}

// alreadyFinalized reports whether a 400 answer names the uuid field with
// a code finalizedCode recognises. Only the uuid field's own error counts:
// a body that also complains about another field (md5, size, part count)
// is a different refusal and is not read as success.
func alreadyFinalized(status int, se serverError, f api.Fields) bool {
	if status != 400 || len(se.items) == 0 {
		return false
	}
	found := false
	for _, it := range se.items {
		if it.field != f.UUID || !finalizedCode(it.code) {
			return false
		}
		found = true
	}
	return found
}
