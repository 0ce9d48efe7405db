package autostart

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// launchAgent renders the macOS LaunchAgent that runs exe with
// BackgroundFlag at login. packaging/darwin/io.github.ferry_sync.ferry.plist
// is this agent for the app installed in /Applications; a test keeps the
// two identical.
//
// RunAtLoad starts it once per login and no KeepAlive key means launchd
// does not restart Ferry after the user quits it; LimitLoadToSessionType
// Aqua keeps it out of SSH sessions, where there is no menu bar.
func launchAgent(exe string) ([]byte, error) {
	if exe == "" {
		return nil, fmt.Errorf("launch agent: empty executable path")
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + AppID + `</string>
	<key>ProgramArguments</key>
	<array>
		<string>`)
	if err := xml.EscapeText(&b, []byte(exe)); err != nil {
		return nil, fmt.Errorf("launch agent: %w", err)
	}
	b.WriteString(`</string>
		<string>` + BackgroundFlag + `</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
	<key>LimitLoadToSessionType</key>
	<string>Aqua</string>
</dict>
</plist>
`)
	return b.Bytes(), nil
}
