package twake

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

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
	metadata   *fileMetadata
	uploadData *uploadData
	plan       *params  // parameters of the first chunk (SwitchSamePlan)
	chunks     chunkSet // by chunk number
	deleted    bool
	previewGen int  // counts preview requests; a worker's late answer to an older one is dropped
	sawChunk   bool // a chunk request reached the entity (SwitchInitRace)

	// The assembly (assemble.go): stride is the size of every chunk but
	// the last (0 until known); asm the blob chunks are written into at
	// their offsets (nil when none is open); inNode says the /files node's
	// content holds every chunk at its recorded offset (after a commit).
	stride  int64
	asm     *sandbox.Blob
	seq     *sequencer // every write to asm goes through it
	inNode  bool
	writing map[int]bool // chunk numbers whose region is being written; nil when none (see doneWriting)
}

// chunk is one stored chunk: a region of the assembly (inAsm: f.asm while
// open, else the /files node's content) or a separate object.
type chunk struct {
	node  string // store id of /.chunks/{id}/chunk{N}, when separate
	inAsm bool
	off   int64 // offset in the assembly, when inAsm
	size  int64
}

// public is the resource the API returns; never an encryption key
// (TW-RESP-1: linagora/Twake@39f533e5e838 twake/backend/node/src/services/files/entities/file.ts:50-63).
func (f *file) public() publicFile {
	pf := publicFile{
		CompanyID: f.company, ID: f.id, UserID: f.user, ApplicationID: f.app,
		CreatedAt: f.created, UpdatedAt: f.updated, Thumbnails: []thumbnail{},
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
	a.mu.Lock()
	// company is a piece of the request line: kept as it is, it would keep
	// the whole line in memory for as long as the file exists.
	company, user := a.intern(company), a.intern(c.Subject)
	a.mu.Unlock()
	f := &file{
		company: company, id: sandbox.NewID(), user: user, created: now, updated: now,
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

// intern returns the one copy of s the API keeps (companies and users are
// few, files many). Caller holds a.mu.
func (a *API) intern(s string) string {
	if v, ok := a.interned[s]; ok {
		return v
	}
	s = strings.Clone(s)
	if a.interned == nil {
		a.interned = map[string]string{}
	}
	if len(a.interned) < maxInterned { // a bound against clients inventing ids
		a.interned[s] = s
	}
	return s
}

// maxInterned bounds the intern table.
const maxInterned = 1024

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
	if f.asm != nil {
		f.seq.drop()
		f.asm.Discard()
		f.asm, f.seq = nil, nil
	}
	return errors.Join(a.env.Store.Delete(Name, f.node), a.env.Store.Delete(Name, f.chunkDir))
}

// storeChunk links a received chunk body as chunk{n} of f (replacing an
// earlier one, TW-CHUNK-2: core/platform/services/storage/index.ts:58) and
// records its size. Caller holds f.mu.
func (a *API) storeChunk(f *file, n int, b *sandbox.Blob) (int64, error) {
	size := b.Size()
	node, err := a.env.Store.Commit(Name, f.chunkDir, "chunk"+strconv.Itoa(n), b,
		sandbox.CommitOptions{Conflict: sandbox.ConflictReplace})
	if err != nil {
		return 0, fmt.Errorf("store chunk %d: %w", n, err)
	}
	f.chunks.set(n, chunk{node: node.ID, size: size})
	if f.stride == 0 && f.uploadData != nil && n < f.uploadData.Chunks && size > 0 {
		f.stride = size // the chunk size of a client that sends no hint
	}
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
	c := Completion{Present: f.chunks.numbers()}
	if f.uploadData == nil {
		c.Problem = "no chunk received"
		return c
	}
	c.Chunks = f.uploadData.Chunks
	var missing []int
	for n := 1; n <= c.Chunks; n++ {
		ch, ok := f.chunks.get(n)
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
// "partial" with its progress in Meta; once complete it gets the chunks
// 1..N in one atomic Fill (see assemble). Caller holds f.mu.
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
	if err := a.assemble(f, c.Chunks); err != nil {
		return err
	}
	meta["complete"] = "true"
	// The node holds the content (filled now or before): a file again even
	// if a chunk beyond N made it partial meanwhile.
	_, err := a.env.Store.Update(Name, f.node, func(n *sandbox.Node) { n.Kind, n.Meta = sandbox.KindFile, meta })
	return err
}

// assemble gives the /files node the content of chunks 1..n, all present.
// When every chunk already in the assembly sits at its final offset, the
// separate ones are copied into it and the assembly itself is committed:
// one write of most bytes, one sync, one hash. Otherwise (chunks of uneven
// sizes) the chunks are concatenated into a new blob. Either way each
// chunk is then a region of the node's content and the separate chunk
// objects are removed. Caller holds f.mu.
func (a *API) assemble(f *file, n int) error {
	var total int64
	aligned, separate := true, false
	for i := 1; i <= n; i++ {
		ch := f.chunks.at(i)
		if ch.inAsm && ch.off != total {
			aligned = false
		}
		separate = separate || !ch.inAsm
		total += ch.size
	}
	if aligned && !separate && f.asm == nil && f.inNode {
		return nil // the node holds exactly these chunks already
	}
	var b *sandbox.Blob
	var err error
	if aligned {
		b, err = a.promote(f, n, total)
	} else {
		b, err = a.env.Store.NewBlob()
		if err == nil {
			err = a.concat(b, f, n)
		}
	}
	if err != nil {
		if b != nil && b != f.asm {
			b.Discard()
		}
		return err
	}
	if f.asm != nil {
		f.seq.drop()
		if f.asm != b {
			f.asm.Discard() // superseded by the concatenation
		}
	}
	f.asm, f.seq = nil, nil
	if _, err := a.env.Store.Fill(Name, f.node, b, a.env.Now()); err != nil {
		f.inNode = false
		return err
	}
	f.inNode = true
	var errs []error
	var off int64
	for i := 1; i <= n; i++ {
		ch := f.chunks.at(i)
		if !ch.inAsm {
			errs = append(errs, a.env.Store.Delete(Name, ch.node))
		}
		f.chunks.set(i, chunk{inAsm: true, off: off, size: ch.size})
		off += ch.size
	}
	return errors.Join(errs...)
}

// promote completes the assembly: separate chunks are copied to their
// offsets and anything past total (a region of an earlier plan) is cut.
// Caller holds f.mu.
func (a *API) promote(f *file, n int, total int64) (*sandbox.Blob, error) {
	if f.asm == nil {
		b, err := a.newAssembly(f)
		if err != nil {
			return nil, err
		}
		f.asm, f.seq = b, newSequencer(b)
	}
	b := f.asm
	var off int64
	for i := 1; i <= n; i++ {
		ch := f.chunks.at(i)
		if !ch.inAsm {
			r, err := a.env.Store.Open(Name, ch.node)
			if err != nil {
				return nil, fmt.Errorf("read chunk %d: %w", i, err)
			}
			_, err = io.Copy(&seqWriter{s: f.seq, off: off}, r)
			r.Close()
			if err != nil {
				return nil, fmt.Errorf("copy chunk %d into the assembly: %w", i, err)
			}
		}
		off += ch.size
	}
	if err := f.seq.flush(); err != nil {
		return nil, err
	}
	if b.Size() > total {
		if err := b.Truncate(total); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// concat appends chunks 1..n of f to w, stopping silently at the first
// missing one (the real download's truncation). Caller holds f.mu.
func (a *API) concat(w io.Writer, f *file, n int) error {
	var all io.ReaderAt
	for i := 1; i <= n; i++ {
		ch, ok := f.chunks.get(i)
		if !ok {
			return nil
		}
		var r io.Reader
		switch {
		case ch.inAsm && f.asm != nil:
			if err := f.seq.flush(); err != nil {
				return fmt.Errorf("read chunk %d: %w", i, err)
			}
			sr, err := f.asm.Reader()
			if err != nil {
				return fmt.Errorf("read chunk %d: %w", i, err)
			}
			r = io.NewSectionReader(sr, ch.off, ch.size)
		case ch.inAsm:
			if all == nil {
				nf, err := a.env.Store.Open(Name, f.node)
				if err != nil {
					return fmt.Errorf("read chunk %d: %w", i, err)
				}
				defer nf.Close()
				all = nf
			}
			r = io.NewSectionReader(all, ch.off, ch.size)
		default:
			cf, err := a.env.Store.Open(Name, ch.node)
			if err != nil {
				return fmt.Errorf("read chunk %d: %w", i, err)
			}
			defer cf.Close()
			r = cf
		}
		if _, err := io.Copy(w, r); err != nil {
			return fmt.Errorf("read chunk %d: %w", i, err)
		}
	}
	return nil
}
