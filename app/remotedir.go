package app

// checkRemoteDirArg refuses a remote folder that is written like a local
// Windows path: a drive letter ("C:", "C:\X", "C:/X") or backslashes. A
// remote folder is below the target's root and slash-separated on every
// platform; taken as typed, `--to 'C:\X'` would create a remote folder
// named "C:" (Windows, where "\" separates) or "C:\X" (elsewhere). flag
// names the option for the message.
func checkRemoteDirArg(flag, dir string) error {
	drive := len(dir) >= 2 && dir[1] == ':' && isASCIILetter(dir[0])
	backslash := false
	for i := range len(dir) {
		if dir[i] == '\\' {
			backslash = true
			break
		}
	}
	switch {
	case drive:
		return usagef("%s %q: a remote folder has no drive letter; it is a path below the target's root, "+
			"with / between folders (for example %s %q)", flag, dir, flag, suggestRemoteDir(dir))
	case backslash:
		return usagef("%s %q: a remote folder uses / between folders, not \\ (for example %s %q)",
			flag, dir, flag, suggestRemoteDir(dir))
	}
	return nil
}

// suggestRemoteDir is dir without a drive letter, with slashes.
func suggestRemoteDir(dir string) string {
	if len(dir) >= 2 && dir[1] == ':' && isASCIILetter(dir[0]) {
		dir = dir[2:]
	}
	out := []byte(dir)
	for i, b := range out {
		if b == '\\' {
			out[i] = '/'
		}
	}
	s := string(out)
	for len(s) > 0 && s[0] == '/' {
		s = s[1:]
	}
	if s == "" {
		return "inbox"
	}
	return s
}

func isASCIILetter(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }
