package twake

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/ferry-sync/ferry/transfer/provider/twake/api"
	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// file is one file entity. mu guards every field below it and serialises
// the metadata rule and the assembly of the complete file; chunk bodies are
// received outside it, so chunks of one file upload concurrently.
type file struct {
	company, id, user string
	app               *string
	created           int64
	node              string // store id of /files/{id}
	chunkDir          string // store id of /.chunks/{id}

	mu         sync.Mutex
	updated    int64
	metadata   *api.Metadata
	uploadData *api.UploadData
	plan       *params       // parameters of the first chunk (SwitchSamePlan)
	chunks     map[int]chunk // by chunk number
	deleted    bool
}

// chunk is one stored chunk object.
type chunk struct {
	node string // store id of /.chunks/{id}/chunk{N}
	size int64
}

// public is the resource the API returns; never an encryption key.
func (f *file) public() api.PublicFile {
	pf := api.PublicFile{
		CompanyID: f.company, ID: f.id, UserID: f.user, ApplicationID: f.app,
		CreatedAt: f.created, UpdatedAt: f.updated, Thumbnails: []api.Thumbnail{},
	}
	if f.metadata != nil {
		m := *f.metadata
		pf.Metadata = &m
	}
	if f.uploadData != nil {
		u := *f.uploadData
		pf.UploadData = &u
	}
	return pf
}

// newFile creates an entity with its store nodes.
func (a *API) newFile(company string, c *Claims) (*file, error) {
	now := a.env.Now().UnixMilli()
	f := &file{
		company: company, id: sandbox.NewID(), user: c.Subject, created: now, updated: now,
		chunks: map[int]chunk{},
	}
	if c.ApplicationID != "" {
		app := c.ApplicationID
		f.app = &app
	}
	n, err := a.env.Store.Create(Name, a.filesDir, sandbox.Node{
		Name: f.id, Kind: sandbox.KindPartial,
		Meta: map[string]string{"company": company, "user": f.user},
	})
	if err != nil {
		return nil, fmt.Errorf("create file node: %w", err)
	}
	f.node = n.ID
	d, _, err := a.env.Store.EnsureFolder(Name, a.chunksDir, f.id)
	if err != nil {
		return nil, fmt.Errorf("create chunk folder: %w", err)
	}
	f.chunkDir = d.ID
	a.mu.Lock()
	a.files[fileKey{company, f.id}] = f
	a.mu.Unlock()
	return f, nil
}

// lookup returns the live entity, or nil. The "expire" fault makes the
// API forget it first, as if the server had lost it.
func (a *API) lookup(company, id string) *file {
	a.mu.Lock()
	f := a.files[fileKey{company, id}]
	a.mu.Unlock()
	if f != nil && a.env.Expire() {
		a.forget(f)
		return nil
	}
	return f
}

// forget deletes an entity and its store nodes. It is idempotent.
func (a *API) forget(f *file) error {
	a.mu.Lock()
	delete(a.files, fileKey{f.company, f.id})
	a.mu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleted {
		return nil
	}
	f.deleted = true
	return errors.Join(a.env.Store.Delete(Name, f.node), a.env.Store.Delete(Name, f.chunkDir))
}

// storeChunk links a received chunk body as chunk{n} of f (replacing an
// earlier one) and records its size. Caller holds f.mu.
func (a *API) storeChunk(f *file, n int, b *sandbox.Blob) (int64, error) {
	size := b.Size()
	node, err := a.env.Store.Commit(Name, f.chunkDir, "chunk"+strconv.Itoa(n), b,
		sandbox.CommitOptions{Conflict: sandbox.ConflictReplace})
	if err != nil {
		return 0, fmt.Errorf("store chunk %d: %w", n, err)
	}
	f.chunks[n] = chunk{node: node.ID, size: size}
	return size, nil
}

// Completion is the test hook of notes §1.10 rule 10: the real API has no
// completion call, so tests ask the sandbox directly.
type Completion struct {
	Chunks   int    // upload_data.chunks (0 before the first chunk)
	Present  []int  // chunk numbers stored, ascending
	Size     int64  // sum of the stored chunks 1..Chunks
	Complete bool   // chunks 1..N present, none beyond N, sizes sum to total_size
	Problem  string // why it is not complete ("" when complete)
}

// completion evaluates f. Caller holds f.mu.
func (f *file) completion() Completion {
	c := Completion{Present: slices.Sorted(maps.Keys(f.chunks))}
	if f.uploadData == nil {
		c.Problem = "no chunk received"
		return c
	}
	c.Chunks = f.uploadData.Chunks
	var missing []int
	for n := 1; n <= c.Chunks; n++ {
		ch, ok := f.chunks[n]
		if !ok {
			missing = append(missing, n)
			continue
		}
		c.Size += ch.size
	}
	switch {
	case len(missing) > 0:
		c.Problem = fmt.Sprintf("%d of %d chunks missing, first %d", len(missing), c.Chunks, missing[0])
	case len(c.Present) > 0 && (c.Present[len(c.Present)-1] > c.Chunks || c.Present[0] < 1):
		c.Problem = fmt.Sprintf("chunk numbers %v outside 1..%d", c.Present, c.Chunks)
	case c.Size != f.uploadData.Size:
		c.Problem = fmt.Sprintf("chunks hold %d bytes, total_size is %d", c.Size, f.uploadData.Size)
	default:
		c.Complete = true
	}
	return c
}

// Completion reports the state of file id of the sandbox's company (or of
// company, when given); false when there is no such file.
func (a *API) Completion(company, id string) (Completion, bool) {
	if company == "" {
		company = a.cfg.CompanyID
	}
	a.mu.Lock()
	f := a.files[fileKey{company, id}]
	a.mu.Unlock()
	if f == nil {
		return Completion{}, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.completion(), true
}

// publish updates the /files node after a chunk: while incomplete it stays
// "partial" with its progress in Meta; once complete it gets the
// concatenation of chunks 1..N in one atomic Fill. Caller holds f.mu.
func (a *API) publish(f *file) error {
	c := f.completion()
	meta := map[string]string{
		"company": f.company, "user": f.user,
		"chunks": fmt.Sprintf("%d/%d", len(c.Present), c.Chunks),
	}
	if f.metadata != nil {
		meta["name"], meta["mime"] = f.metadata.Name, f.metadata.Mime
	}
	if !c.Complete {
		meta["problem"] = c.Problem
		_, err := a.env.Store.Update(Name, f.node, func(n *sandbox.Node) {
			n.Kind, n.Meta = sandbox.KindPartial, meta
		})
		return err
	}
	b, err := a.env.Store.NewBlob()
	if err != nil {
		return err
	}
	if err := a.concat(b, f, c.Chunks); err != nil {
		b.Discard()
		return err
	}
	if _, err := a.env.Store.Fill(Name, f.node, b, a.env.Now()); err != nil {
		return err
	}
	meta["complete"] = "true"
	_, err = a.env.Store.Update(Name, f.node, func(n *sandbox.Node) { n.Meta = meta })
	return err
}

// concat appends chunks 1..n of f to w, stopping silently at the first
// missing one (the real download's truncation). Caller holds f.mu.
func (a *API) concat(w io.Writer, f *file, n int) error {
	for i := 1; i <= n; i++ {
		ch, ok := f.chunks[i]
		if !ok {
			return nil
		}
		r, err := a.env.Store.Open(Name, ch.node)
		if err != nil {
			return fmt.Errorf("read chunk %d: %w", i, err)
		}
		_, err = io.Copy(w, r)
		r.Close()
		if err != nil {
			return fmt.Errorf("read chunk %d: %w", i, err)
		}
	}
	return nil
}
