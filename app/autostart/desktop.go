package autostart

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// desktopEntry renders the XDG autostart entry that runs exe with
// BackgroundFlag. packaging/linux/autostart.desktop is this entry for
// exe "ferry" (found on PATH); a test keeps the two identical.
func desktopEntry(exe string) ([]byte, error) {
	cmd, err := desktopExecArg(exe)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Name=" + Name + "\n")
	b.WriteString("GenericName=File uploader\n")
	b.WriteString("Comment=Start Ferry in the tray when you log in\n")
	b.WriteString("Exec=" + cmd + " " + BackgroundFlag + "\n")
	b.WriteString("Icon=" + AppID + "\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("Categories=Network;FileTransfer;\n")
	// GNOME's session manager and Tweaks read this key; writing it true
	// makes an entry the user once switched off there count as on again.
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return b.Bytes(), nil
}

// desktopReserved are the characters that force quoting of an Exec
// argument (Desktop Entry Specification 1.5, "The Exec key").
const desktopReserved = " \t\n\"'\\><~|&;$*?#()`"

// desktopExecArg quotes one Exec argument. Inside double quotes the
// specification requires a backslash before ", `, $ and \; the result is
// then a string value, whose own escaping is undone first, so every one
// of those backslashes is written twice ("\\$" is a literal dollar).
// "%" starts a field code and is written "%%". Control characters have
// no representation that every launcher reads the same way, so they are
// refused.
func desktopExecArg(arg string) (string, error) {
	if arg == "" {
		return "", fmt.Errorf("desktop entry: empty executable path")
	}
	for _, r := range arg {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("desktop entry: executable path %q contains a control character", arg)
		}
	}
	arg = strings.ReplaceAll(arg, "%", "%%")
	if !strings.ContainsAny(arg, desktopReserved) {
		return arg, nil
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range arg {
		switch r {
		case '"', '`', '$':
			b.WriteString(`\\` + string(r))
		case '\\':
			// Quoting escape (\\) then string-value escape of each
			// backslash: four characters in the file.
			b.WriteString(`\\\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

// entryActive reports whether a desktop entry would start at login: the
// [Desktop Entry] group neither says Hidden=true (the specification's
// "deleted") nor X-GNOME-Autostart-enabled=false (GNOME's switch).
// Keys in other groups and comments are ignored.
func entryActive(data []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	inMain := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			inMain = line == "[Desktop Entry]"
			continue
		}
		if !inMain {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch {
		case key == "Hidden" && value == "true":
			return false
		case key == "X-GNOME-Autostart-enabled" && value == "false":
			return false
		}
	}
	// A scanner error means a line over 64 KiB: not an entry a session
	// manager would skip because of it, so the file still counts.
	return true
}

// hiddenEntry masks a system-wide entry of the same name for this user
// (Desktop Entry Specification: Hidden=true means "deleted").
func hiddenEntry() []byte {
	return []byte("[Desktop Entry]\nType=Application\nName=" + Name + "\nHidden=true\n")
}
