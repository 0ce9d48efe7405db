package app

import (
	"fmt"
	"strings"
)

// Upload queues paths for target below remoteDir exactly like `ferry
// upload` (folder structure kept, unchanged files left out) and returns how
// many files were queued. When every file had already been uploaded in
// this exact version the error says so; files left out (links, special
// files, unreadable folders) are named in an error next to the count.
func (b *guiBackend) Upload(paths []string, target, remoteDir string) (int, error) {
	r, err := b.queueUpload(handoffRequest{Op: handoffDrop, Paths: paths, Target: target, To: remoteDir})
	if err != nil {
		return 0, err
	}
	switch {
	case r.Queued == 0 && r.Unchanged > 0:
		return 0, fmt.Errorf("all %d file(s) were already uploaded to %s in this exact version; nothing was queued",
			r.Unchanged, r.Target)
	case len(r.Skipped) > 0:
		return r.Queued, fmt.Errorf("queued %d file(s); left out: %s", r.Queued, strings.Join(r.Skipped, "; "))
	}
	return r.Queued, nil
}

// queueUpload is queueFiles on the backend's runtime.
func (b *guiBackend) queueUpload(req handoffRequest) (handoffReply, error) {
	return queueFiles(b.rt, req)
}

// queueFiles is the shared path of a drop, the Upload button and a
// `ferry upload` handed over by another process: it picks the target like
// `ferry upload` (named, or the only one), walks the paths,
// leaves out what was already sent (unless req.Force) and queues the rest
// on rt's engine. req.Op "drop" marks the jobs as coming from the window.
func queueFiles(rt *engineRuntime, req handoffRequest) (handoffReply, error) {
	switch req.Conflict {
	case "", "rename", "overwrite", "skip":
	default:
		return handoffReply{}, fmt.Errorf("upload: conflict must be rename, overwrite or skip, not %q", req.Conflict)
	}
	if len(req.Paths) == 0 {
		return handoffReply{}, fmt.Errorf("upload: no file or folder given")
	}
	target, err := chooseTarget(rt.config(), req.Target)
	if err != nil {
		return handoffReply{}, err
	}
	set, err := collectUploads(req.Paths, target, req.To, req.Conflict)
	if err != nil {
		return handoffReply{}, err
	}
	if req.Op == handoffDrop {
		set.origin = "drop"
	}
	unchanged, err := set.dropSent(rt.q, req.Force)
	if err != nil {
		return handoffReply{}, err
	}
	reply := handoffReply{Target: target, Unchanged: unchanged, Skipped: set.skipped}
	if len(set.files) == 0 {
		return reply, nil
	}
	ids, err := enqueueSet(rt, &set, 0, len(set.files), nil)
	if err != nil {
		return handoffReply{}, err
	}
	reply.Queued = len(ids)
	for _, id := range ids {
		reply.IDs = append(reply.IDs, uint64(id))
	}
	rt.log.Info("queued handed-over files", "files", len(ids), "target", target, "origin", req.Op)
	return reply, nil
}
