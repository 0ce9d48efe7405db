package sync_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	foldersync "github.com/ferry-sync/ferry/sync"
)

// sentIndex is what the app writes over the queue's "sent" bucket for one
// folder (target and remote folder fixed).
type sentIndex map[string]struct {
	size  int64
	mtime time.Time
}

func (s sentIndex) Sent(rel string) (int64, time.Time, bool, error) {
	fp, ok := s[rel]
	return fp.size, fp.mtime, ok, nil
}

// The app builds one Watcher per configured folder, runs it in its errgroup,
// feeds each batch to the engine in one transaction, and shows Status.
func Example() {
	w, err := foldersync.New(foldersync.Folder{
		ID:      "photos",
		Root:    "/home/ann/Pictures",
		Ignore:  []string{"*.xmp", "cache/"},
		Enabled: true,
	}, foldersync.Options{
		Sent: sentIndex{},
		Emit: func(ctx context.Context, batch []foldersync.Candidate) error {
			for _, c := range batch {
				fmt.Println("enqueue", c.RelPath, c.Size, c.Warning)
			}
			return nil // engine.Enqueue(ctx, jobsFrom(batch)) in the app
		},
		Log: slog.Default(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			changed := w.Changed()
			st := w.Status()
			fmt.Println("watcher", st.State, st.Reason)
			select {
			case <-changed:
			case <-ctx.Done():
			}
		}
	}()
	if err := w.Run(ctx); err != nil {
		fmt.Println(err)
	}
}
