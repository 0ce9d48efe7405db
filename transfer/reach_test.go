package transfer

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/provider/fakeprovider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// refusedError returns the error a real HTTP client gives for a port
// nobody listens on, wrapped the way the providers' REST layer wraps a
// transport failure.
func refusedError(t *testing.T) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/upload"
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/octet-stream", nil)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a closed port answered")
	}
	return &provider.Error{Kind: provider.ErrRetryable, Op: "begin", Err: err}
}

// TestUnreachableRecognised checks which failures mean the server could
// not be reached at all: a refused connection and an unknown host do; a
// reset after the request went out, an HTTP error and a timeout waiting
// for the answer are the job's own.
func TestUnreachableRecognised(t *testing.T) {
	if !unreachable(refusedError(t)) {
		t.Error("a refused connection is not recognised as an unreachable server")
	}
	dns := &provider.Error{Kind: provider.ErrRetryable, Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "files.invalid", IsNotFound: true}}}
	if !unreachable(dns) {
		t.Error("an unknown host is not recognised as an unreachable server")
	}
	// A server that answers, but badly.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("no hijacker")
			return
		}
		c, _, err := hj.Hijack()
		if err == nil {
			c.Close() // the connection was made: this is not an outage
		}
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a dropped connection answered")
	}
	for name, err := range map[string]error{
		"dropped after connecting": err,
		"reset while reading":      &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
		"503":                      &provider.Error{Kind: provider.ErrRetryable, Status: 503},
		"answer timeout":           fmt.Errorf("put chunk 0: %w", context.DeadlineExceeded),
	} {
		if unreachable(err) {
			t.Errorf("%s (%v) taken for an unreachable server", name, err)
		}
	}
}

// reachRig is a rig whose server refuses every connection until healed.
func reachRig(t *testing.T, n int) (*rig, []queue.JobID) {
	t.Helper()
	opts := fastOpts()
	opts.ReachBackoff = Backoff{Initial: 100 * time.Millisecond, Max: 200 * time.Millisecond}
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, opts)
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpBegin, Err: refusedError(t)})
	jobs := make([]queue.Job, n)
	for i := range jobs {
		jobs[i] = r.file(name(i), randBytes(uint64(i), 100+i))
	}
	return r, r.enqueue(jobs...)
}

// TestOutageHoldsTheTarget checks that a server nobody can reach does not
// make the workers go through every queued file: after the first round
// one job at a time tries again, the others keep their attempts, and the
// first success lets every job go.
func TestOutageHoldsTheTarget(t *testing.T) {
	const files, parallel = 40, 4
	r, ids := reachRig(t, files)
	r.run()
	r.until("three tries that could not reach the server", func() bool {
		o, down := r.e.TargetOutage("fake")
		return down && o.Tries >= 3
	})
	o, _ := r.e.TargetOutage("fake")
	if o.Cause == "" || o.Since.IsZero() || !o.Retry.After(o.Since) {
		t.Errorf("outage %+v: no cause, start or retry time", o)
	}
	if got := r.e.Outages(); len(got) != 1 || got[0].Target != "fake" {
		t.Errorf("Outages() = %+v, want the one target", got)
	}
	tried, attempts := 0, 0
	for _, id := range ids {
		j := r.job(id)
		if j.Attempts > 0 {
			tried++
			attempts += j.Attempts
		}
	}
	// The first round: every worker's job; each later try: one job.
	if tried > parallel+o.Tries || attempts > parallel+o.Tries+1 {
		t.Errorf("%d jobs tried (%d attempts in all) during an outage of %d tries with %d workers: the workers went through the queue",
			tried, attempts, o.Tries, parallel)
	}
	calls, err := r.fake.Calls()
	if err != nil {
		t.Fatal(err)
	}
	// Each attempt tries its request RequestTries times (4 by default).
	if maxCalls := 4 * (parallel + o.Tries + 1); len(calls) > maxCalls {
		t.Errorf("%d calls reached the provider during an outage of %d tries (at most %d expected)", len(calls), o.Tries, maxCalls)
	}

	r.fake.ClearFaults()
	allDoneAfterOutage(t, r, ids)
	for i := range ids {
		r.checkStored("up/"+name(i), randBytes(uint64(i), 100+i))
	}
	r.checkClean()
}

// allDoneAfterOutage waits for ids once the server can be reached again,
// and checks that every job was uploaded and no outage is left.
func allDoneAfterOutage(t *testing.T, r *rig, ids []queue.JobID) {
	t.Helper()
	r.wait(ids...)
	if got := r.e.Outages(); len(got) != 0 {
		t.Errorf("outages after every upload went through: %+v", got)
	}
	h := r.history()
	for _, id := range ids {
		if h[id].Outcome != queue.Done {
			t.Errorf("job %d: %s (%s)", id, h[id].Outcome, h[id].ErrMsg)
		}
	}
}

// TestOutageEndsUploadWait checks that `ferry upload`'s wait ends once the
// server could not be reached in attempts tries in a row, although most
// jobs were never tried: they stay queued, with their attempts untouched.
func TestOutageEndsUploadWait(t *testing.T) {
	const attempts = 2
	r, ids := reachRig(t, 12)
	r.run()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.e.WaitSettled(ctx, attempts, ids...); err != nil {
		t.Fatalf("WaitSettled during an outage: %v", err)
	}
	o, down := r.e.TargetOutage("fake")
	if !down || o.Tries < attempts {
		t.Fatalf("WaitSettled returned with outage %+v (down %v) before %d tries", o, down, attempts)
	}
	untouched := 0
	for _, id := range ids {
		j := r.job(id)
		if j.State != queue.Queued && j.State != queue.Waiting {
			t.Errorf("job %d %s during the outage", id, j.State)
		}
		if j.Attempts == 0 {
			untouched++
		}
	}
	if untouched == 0 {
		t.Error("every job used an attempt on a server that could not be reached")
	}
}

// TestOtherFailuresAreNoOutage checks that a server that answers with an
// error is retried job by job, as before: no outage is noted.
func TestOtherFailuresAreNoOutage(t *testing.T) {
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, fastOpts())
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpBegin, Count: 6})
	ids := r.enqueue(r.file("a.bin", []byte("a")), r.file("b.bin", []byte("b")))
	r.run()
	r.wait(ids...)
	if got := r.e.Outages(); len(got) != 0 {
		t.Errorf("a server that answered 503 was noted unreachable: %+v", got)
	}
}

// TestRetryNowTriesTheServerAgain checks that the user's "Retry now" on a
// job that waits for its server tries the server at once, although the
// outage's next try is an hour away, and that its success lets the other
// jobs go.
func TestRetryNowTriesTheServerAgain(t *testing.T) {
	opts := fastOpts()
	opts.ReachBackoff = Backoff{Initial: time.Hour, Max: time.Hour}
	r := newRig(t, fakeprovider.Options{}, TargetSettings{}, opts)
	r.fake.AddFault(fakeprovider.Fault{Op: fakeprovider.OpBegin, Err: refusedError(t)})
	jobs := make([]queue.Job, 10)
	for i := range jobs {
		jobs[i] = r.file(name(i), randBytes(uint64(i), 50))
	}
	ids := r.enqueue(jobs...)
	r.run()
	var waiting queue.JobID
	r.until("a job waiting for the server", func() bool {
		for _, id := range ids {
			if j, err := r.q.Get(id); err == nil && j.State == queue.Waiting {
				waiting = id
				return true
			}
		}
		return false
	})
	r.fake.ClearFaults()
	if err := r.e.Retry(waiting); err != nil {
		t.Fatal(err)
	}
	allDoneAfterOutage(t, r, ids)
}
