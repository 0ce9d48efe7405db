package transfer

import (
	"path"
	"sync"

	"github.com/ferry-sync/ferry/transfer/provider"
	"github.com/ferry-sync/ferry/transfer/queue"
)

// Uploads into a folder not made yet wait for one of them to make it
// (provider.FolderMaker: files.ro lets one commit into it go alone,
// Quatrix shares one lookup and makedir), each holding a slot meanwhile.
// Jobs are queued folder by folder, so the jobs right behind the first of
// a new folder all wait for it: with four slots, three stood idle for a
// request's time at every new folder (for files.ro, 20 ms each in the
// sandbox, a round trip or more on a real server; a fifth of the workers'
// time for the bench's 2,000 files in 20 folders).
//
// So the claim passes over a job whose folder another job of its target,
// claimed and not yet retired, will make (queue.Picker.Later) for the
// next runnable job that need not wait: often the first of a later
// folder, which then makes its own folder at the same time. The order
// changes only while a folder is being made, and never holds work back:
// when every job the claim looks at would wait, it takes the oldest, which
// waits as before.

// folderLeads notes, per job claimed, the folder that job's upload will
// make first: the job leads that folder.
type folderLeads struct {
	mu    sync.Mutex
	byJob map[queue.JobID]folderLead
}

type folderLead struct {
	target string
	folder string // FolderToMake when the job was claimed
	dir    []string
	maker  provider.FolderMaker
}

// wait reports whether j, whose target's provider is maker, would wait for
// the folder another job leads. When it would not and its upload makes a
// folder, j is noted as leading that folder. A lead whose folder has been
// made since is forgotten on the way.
func (l *folderLeads) wait(j queue.Job, maker provider.FolderMaker) bool {
	dir := remoteDir(j)
	folder := maker.FolderToMake(dir)
	if folder == "" {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, o := range l.byJob {
		switch {
		case o.maker.FolderToMake(o.dir) != o.folder:
			delete(l.byJob, id) // made (or its job's retry goes deeper)
		case id != j.ID && o.target == j.Target && o.folder == folder:
			return true
		}
	}
	if l.byJob == nil {
		l.byJob = map[queue.JobID]folderLead{}
	}
	l.byJob[j.ID] = folderLead{target: j.Target, folder: folder, dir: dir, maker: maker}
	return false
}

// done forgets the lead of job id, if it had one: the job left its slot.
func (l *folderLeads) done(id queue.JobID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byJob, id)
}

// later is the engine's queue.Picker.Later: a job is passed over while
// another job in flight makes the folder its upload would wait for. A
// move makes no folder. A target not resolved yet has no provider to
// ask, and only one job of it is claimed then (allowReplacing): that job
// notes its lead as it resolves the target (upload).
func (e *Engine) later(j queue.Job) bool {
	if j.MoveFrom != "" {
		return false
	}
	t, ok := e.targets.cached(j.Target)
	return ok && e.leadsWait(j, t)
}

// laterOnce is later for the jobs one claim looks at, asked once for each
// run of jobs of one folder (same target, remote folder and local parent
// folder; not a move): every job of a folder waits for the same folder.
// A claim whose oldest job waits for a folder being made looks at up to
// queue.PassOverLimit jobs behind it, and jobs are queued folder by
// folder, so most are of that folder: asking later for each was 2 % of
// Ferry's CPU for 20,000 files in 100 folders (a path joined and split,
// and every folder in the making looked at, per job). The answer holds
// for the claim: the folders in the making may change meanwhile, as they
// may between two jobs asked one by one.
func (e *Engine) laterOnce() func(queue.Job) bool {
	var (
		asked               bool
		target, remote, dir string
		answer              bool
	)
	return func(j queue.Job) bool {
		if j.MoveFrom != "" {
			return false
		}
		d := path.Dir(j.RelPath)
		if asked && j.Target == target && j.RemoteDir == remote && d == dir {
			return answer
		}
		asked, target, remote, dir = true, j.Target, j.RemoteDir, d
		answer = e.later(j)
		return answer
	}
}

// leadsWait is later for a job of resolved target t.
func (e *Engine) leadsWait(j queue.Job, t *resolved) bool {
	maker, ok := t.p.(provider.FolderMaker)
	if !ok {
		return false
	}
	return e.leads.wait(j, maker)
}
