// Package icons embeds Ferry's artwork: the application icon and the tray
// icons for each state. Tray icons are a white glyph on a coloured disc
// with a white rim, so they read on light and dark panels alike.
package icons

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

var (
	//go:embed ferry.svg
	appSVG []byte
	//go:embed hicolor/256x256/apps/io.github.ferry_sync.ferry.png
	appPNG []byte
	//go:embed tray-idle.svg
	trayIdleSVG []byte
	//go:embed tray-uploading.svg
	trayUploadingSVG []byte
	//go:embed tray-paused.svg
	trayPausedSVG []byte
	//go:embed tray-error.svg
	trayErrorSVG []byte
)

// The resources, ready for Fyne.
var (
	App = fyne.NewStaticResource("ferry.svg", appSVG)
	// AppPNG is the application icon as a 256 px PNG, for the app's own
	// icon (SetIcon): the system tray falls back to that icon, and on
	// Windows it must decode as a bitmap to become an ICO ("Failed to
	// convert systray icon" with the SVG).
	AppPNG        = fyne.NewStaticResource("ferry.png", appPNG)
	TrayIdle      = fyne.NewStaticResource("tray-idle.svg", trayIdleSVG)
	TrayUploading = fyne.NewStaticResource("tray-uploading.svg", trayUploadingSVG)
	TrayPaused    = fyne.NewStaticResource("tray-paused.svg", trayPausedSVG)
	TrayError     = fyne.NewStaticResource("tray-error.svg", trayErrorSVG)
)
