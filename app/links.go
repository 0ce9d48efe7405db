package app

import (
	"errors"
	"fmt"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// printLinks writes "path<TAB>link" for every job of ids that finished
// with a link the service gave (files.ro's file_url, SelfCommunity's
// file_url, Twake's download route; a Quatrix target with public links on),
// one per line on standard output, for `ferry upload --print-links`. Jobs
// without a link are named on standard error, so a script can tell a
// missing link from a missing upload.
func printLinks(c *cli, q *queue.Queue, ids []queue.JobID) error {
	want := make(map[queue.JobID]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	hist, err := q.History(0)
	if err != nil && !errors.Is(err, queue.ErrCorrupt) {
		return err
	}
	seen := map[queue.JobID]bool{}
	without := 0
	for i := len(hist) - 1; i >= 0; i-- { // oldest first: the order of the uploads
		h := hist[i]
		if !want[h.JobID] || h.Outcome != queue.Done || seen[h.JobID] {
			continue
		}
		seen[h.JobID] = true
		if h.Link == "" {
			without++
			continue
		}
		fmt.Fprintf(c.Out, "%s\t%s\n", h.RelPath, h.Link)
	}
	if without > 0 {
		fmt.Fprintf(c.Err, "%d uploaded file(s) have no link: the service gave none (for Quatrix, turn on public links for the target)\n", without)
	}
	return nil
}
