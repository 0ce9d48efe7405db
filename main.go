// Command ferry uploads and syncs folders to file-sharing services. With no
// arguments it opens the desktop application; see `ferry help` for the
// headless commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ferry-sync/ferry/app"
	_ "github.com/ferry-sync/ferry/app/localefix" // before Fyne reads the locale
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
