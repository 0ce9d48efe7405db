package app

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/ferry-sync/ferry/transfer/queue"
)

// `ferry upload` while the desktop app or `ferry watch` runs: the running
// instance queues the files (the hand-off), and this process follows them
// with "jobs" requests until each is uploaded, failed or given up on,
// printing a line per file and a summary, and exits non-zero when any did
// not upload, as it does when it uploads itself. --no-wait returns once
// they are queued.

// followPoll is how often the followed jobs are asked about.
const followPoll = 500 * time.Millisecond

// followedJob is one job's state as the running instance reports it.
type followedJob struct {
	ID       uint64      `json:"id"`
	Name     string      `json:"name"`
	Target   string      `json:"target"`
	Size     int64       `json:"size"`
	State    queue.State `json:"state"`
	Attempts int         `json:"attempts,omitempty"`
	ErrKind  string      `json:"err_kind,omitempty"`
	ErrMsg   string      `json:"err_msg,omitempty"`
}

// jobsReply answers a "jobs" request from rt's queue: each job's current
// state, or its outcome from the history once it left the queue (Done,
// Cancelled; a job in neither was removed: Cancelled).
func jobsReply(rt *engineRuntime, req handoffRequest) (handoffReply, error) {
	var outcome map[queue.JobID]queue.HistoryEntry
	reply := handoffReply{}
	for _, raw := range req.IDs {
		id := queue.JobID(raw)
		j, err := rt.q.Get(id)
		switch {
		case err == nil:
			reply.Jobs = append(reply.Jobs, followedJob{
				ID: raw, Name: j.RelPath, Target: j.Target, Size: j.Size, State: j.State,
				Attempts: j.Attempts, ErrKind: j.ErrKind, ErrMsg: j.ErrMsg,
			})
			continue
		case !errors.Is(err, queue.ErrNotFound):
			return handoffReply{}, err
		}
		if outcome == nil {
			outcome = map[queue.JobID]queue.HistoryEntry{}
			hist, err := rt.q.History(0)
			if err != nil && !errors.Is(err, queue.ErrCorrupt) {
				return handoffReply{}, err
			}
			for _, h := range hist {
				if _, seen := outcome[h.JobID]; !seen { // newest first
					outcome[h.JobID] = h
				}
			}
		}
		h, ok := outcome[id]
		fj := followedJob{ID: raw, State: queue.Cancelled}
		if ok {
			fj.State, fj.Name, fj.Target, fj.Size = h.Outcome, h.RelPath, h.Target, h.Size
		}
		reply.Jobs = append(reply.Jobs, fj)
	}
	return reply, nil
}

// uploadViaRunning hands the files to the running desktop app or `ferry
// watch` and, unless noWait, follows them to the end (see the file
// comment). attempts is --attempts: a file that failed that many times
// counts as not uploaded (it stays queued in the running instance).
func (c *cli) uploadViaRunning(ctx context.Context, busy error, req handoffRequest, noWait bool, mode string, attempts int) error {
	if noWait {
		return c.handOffUpload(ctx, busy, req)
	}
	r, sock, err := c.sendUpload(ctx, busy, req)
	if err != nil || r.Queued == 0 {
		return err
	}
	if len(r.IDs) == 0 { // an older running Ferry: it cannot be followed
		fmt.Fprintf(c.Out, "handed %d file(s) for %s to the running Ferry, which uploads them now\n", r.Queued, r.Target)
		return nil
	}
	quiet := mode == "none"
	if !quiet {
		fmt.Fprintf(c.Err, "the running Ferry uploads %d file(s) to %s; following them here (Ctrl-C stops following, not the uploads)\n",
			len(r.IDs), r.Target)
	}
	return c.follow(ctx, sock, r.IDs, attempts, quiet)
}

// follow polls the running instance about ids until each is final, then
// prints the summary; the error says how many did not upload.
func (c *cli) follow(ctx context.Context, sock string, ids []uint64, attempts int, quiet bool) error {
	final := map[uint64]followedJob{}
	lastSummary := time.Now()
	tick := time.NewTicker(followPoll)
	defer tick.Stop()
	for len(final) < len(ids) {
		select {
		case <-ctx.Done():
			fmt.Fprintln(c.Err, "stopped following; the running Ferry goes on uploading")
			return ctx.Err()
		case <-tick.C:
		}
		var pending []uint64
		for _, id := range ids {
			if _, done := final[id]; !done {
				pending = append(pending, id)
			}
		}
		r, err := sendHandoff(ctx, sock, handoffRequest{Op: handoffJobs, IDs: pending})
		if err != nil {
			return fmt.Errorf("upload: the running Ferry stopped answering (%w); the files stay queued", err)
		}
		for _, j := range r.Jobs {
			switch {
			case j.State == queue.Done || j.State == queue.Cancelled || j.State == queue.Failed,
				attempts > 0 && j.Attempts >= attempts:
				final[j.ID] = j
				if !quiet {
					fmt.Fprintln(c.Out, time.Now().Format("15:04:05"), followLine(j))
				}
			}
		}
		if !quiet && time.Since(lastSummary) > 5*time.Second && len(final) < len(ids) {
			lastSummary = time.Now()
			fmt.Fprintf(c.Err, "%d of %d files finished\n", len(final), len(ids))
		}
	}
	var done, failed, cancelled int
	for _, j := range final {
		switch j.State {
		case queue.Done:
			done++
		case queue.Cancelled:
			cancelled++
		default:
			failed++
		}
	}
	fmt.Fprintf(c.Out, "%d uploaded, %d failed, %d cancelled\n", done, failed, cancelled)
	if failed > 0 {
		return fmt.Errorf("%d of %d files were not uploaded; they stay in the running Ferry's queue", failed, len(ids))
	}
	return nil
}

// followLine is the line for a followed job that became final.
func followLine(j followedJob) string {
	name := j.Name
	if name == "" {
		name = fmt.Sprintf("job %d", j.ID)
	}
	switch j.State {
	case queue.Done:
		return fmt.Sprintf("uploaded %s (%s) to %s", name, sizeText(j.Size), j.Target)
	case queue.Cancelled:
		return "cancelled " + name
	}
	qj := queue.Job{Target: j.Target, ErrKind: j.ErrKind, ErrMsg: j.ErrMsg}
	return fmt.Sprintf("FAILED %s: %s", path.Clean(name), terminalReason(qj))
}
