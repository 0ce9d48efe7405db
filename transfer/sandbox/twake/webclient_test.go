package twake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The requests of Twake's web client, sent byte for byte in the shapes a
// browser makes them (linagora/Twake@39f533e5e838 twake/frontend/src/app/
// features/files/{api/file-upload-api-client.ts:32-38,services/
// file-upload-service.ts:81-109,211-237}, features/global/framework/
// requests-api-service.ts:21-29, features/drive/hooks/use-drive-upload.tsx:
// 82-105) with resumable.js 1.1.0's chunk requests: multipart, every
// parameter both in the query string and as a form field, the custom query
// thumbnail_sync=1 on every chunk, the chunk as a Blob part "file" without
// a type, chunkSize 50,000,000, simultaneousUploads 5, testChunks false,
// and the last chunk absorbing the remainder (floor(size/chunkSize) chunks).
// The page is on another origin, so every call is preceded by a CORS
// preflight (the Authorization header is not a simple header).

const webOrigin = "http://localhost:5173"

// webClient uploads like the web client against e.
type webClient struct {
	e         *tenv
	chunkSize int64
}

// preflight sends the browser's OPTIONS for method on path and checks the
// answer lets the real request through.
func (c webClient) preflight(t *testing.T, method, path string) {
	t.Helper()
	req, err := http.NewRequest("OPTIONS", c.e.srv.BaseURL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", webOrigin)
	req.Header.Set("Access-Control-Request-Method", method)
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != 204 || h.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), method) ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") {
		t.Fatalf("preflight %s %s: %d %v", method, path, resp.StatusCode, h)
	}
}

// send makes a cross-origin request and checks the answer is readable by
// the page (Access-Control-Allow-Origin).
func (c webClient) send(t *testing.T, method, target, ct string, body io.Reader) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	req.Header.Set("Origin", webOrigin)
	req.Header.Set("Authorization", "Bearer "+c.e.tok)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("%s %s: answer without Access-Control-Allow-Origin", method, target)
	}
	return resp.StatusCode, b
}

// upload sends a file of size bytes (byte i is i%251) named name of type
// typ and returns the resource of the last chunk answer (resumable.js's
// fileSuccess message, which the web client keeps).
func (c webClient) upload(t *testing.T, name, typ string, size int64) publicFile {
	t.Helper()
	// FileUploadAPIClient.upload: the name and type unescaped in a template
	// string, body '{}' (fetch makes it text/plain).
	initPath := fmt.Sprintf("%s?filename=%s&type=%s&total_size=%d", c.e.filesPath(), name, typ, size)
	c.preflight(t, "POST", c.e.filesPath())
	st, b := c.send(t, "POST", c.e.srv.BaseURL()+initPath, "text/plain;charset=UTF-8", strings.NewReader("{}"))
	if st != 200 {
		t.Fatalf("init: %d %s", st, b)
	}
	id := decode(t, b).ID
	chunks := max(size/c.chunkSize, 1) // resumable.js without forceChunkSize
	c.preflight(t, "POST", c.e.filesPath()+"/"+id)
	answers := make([][]byte, chunks)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 5) // simultaneousUploads
	for n := int64(1); n <= chunks; n++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			start, end := (n-1)*c.chunkSize, min(n*c.chunkSize, size)
			if n == chunks {
				end = size
			}
			answers[n-1] = c.chunk(t, id, name, typ, size, chunks, n, start, end)
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return decode(t, answers[chunks-1])
}

// chunk sends chunk n (bytes start..end) as resumable.js does.
func (c webClient) chunk(t *testing.T, id, name, typ string, size, chunks, n, start, end int64) []byte {
	t.Helper()
	// resumable.js's query object, in its order, then the custom query.
	params := [][2]string{
		{"resumableChunkNumber", strconv.FormatInt(n, 10)},
		{"resumableChunkSize", strconv.FormatInt(c.chunkSize, 10)},
		{"resumableCurrentChunkSize", strconv.FormatInt(end-start, 10)},
		{"resumableTotalSize", strconv.FormatInt(size, 10)},
		{"resumableType", typ},
		{"resumableIdentifier", strconv.FormatInt(size, 10) + "-" + regexp.MustCompile(`[^0-9a-zA-Z_-]`).ReplaceAllString(name, "")},
		{"resumableFilename", name},
		{"resumableRelativePath", name},
		{"resumableTotalChunks", strconv.FormatInt(chunks, 10)},
		{"thumbnail_sync", "1"},
	}
	var q []string
	for _, p := range params {
		q = append(q, url.QueryEscape(p[0])+"="+url.QueryEscape(p[1]))
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, p := range params {
			if err := mw.WriteField(p[0], p[1]); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, name))
		h.Set("Content-Type", "application/octet-stream") // a Blob slice without a type
		w, err := mw.CreatePart(h)
		if err == nil {
			_, err = io.Copy(w, io.LimitReader(&pattern{off: start}, end-start))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	target := c.e.srv.BaseURL() + c.e.filesPath() + "/" + id + "?" + strings.Join(q, "&")
	st, b := c.send(t, "POST", target, mw.FormDataContentType(), pr)
	if st != 200 {
		t.Errorf("chunk %d of %d: %d %s", n, chunks, st, b)
	}
	return b
}

// pattern is an endless reader of byte i = i%251 from offset off.
type pattern struct{ off int64 }

func (p *pattern) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte((p.off + int64(i)) % 251)
	}
	p.off += int64(len(b))
	return len(b), nil
}

// registerInDrive is use-drive-upload.tsx's create call for an uploaded
// file (resource f, the fileSuccess answer).
func (c webClient) registerInDrive(t *testing.T, parent string, f publicFile) createdItem {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"item": map[string]any{
			"company_id": c.e.api.CompanyID(), "workspace_id": "drive", "parent_id": parent,
			"name": f.Metadata.Name, "size": f.UploadData.Size,
		},
		"version": map[string]any{
			"provider": "internal", "application_id": "",
			"file_metadata": map[string]any{
				"name": f.Metadata.Name, "size": f.UploadData.Size, "mime": f.Metadata.Mime,
				"thumbnails": f.Thumbnails, "source": "internal", "external_id": f.ID,
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.preflight(t, "POST", c.e.itemsPath())
	st, b := c.send(t, "POST", c.e.srv.BaseURL()+c.e.itemsPath(), "application/json", bytes.NewReader(body))
	if st != 200 {
		t.Fatalf("Drive create: %d %s", st, b)
	}
	var it createdItem
	if err := json.Unmarshal(b, &it); err != nil {
		t.Fatal(err)
	}
	return it
}

// checkStored verifies the sandbox holds the whole file.
func (c webClient) checkStored(t *testing.T, f publicFile, size, chunks int64) {
	t.Helper()
	if f.UploadData == nil || f.UploadData.Size != size || int64(f.UploadData.Chunks) != chunks {
		t.Fatalf("answer %+v", f)
	}
	cpl, ok := c.e.api.Completion("", f.ID)
	if !ok || !cpl.Complete {
		t.Fatalf("file %s not complete: %+v", f.ID, cpl)
	}
	resp, err := http.Get(c.e.srv.BaseURL() + c.e.filesPath() + "/" + f.ID + "/download")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	want := &pattern{}
	buf, wbuf := make([]byte, 1<<16), make([]byte, 1<<16)
	var got int64
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			_, _ = want.Read(wbuf[:n])
			if !bytes.Equal(buf[:n], wbuf[:n]) {
				t.Fatalf("download differs near byte %d", got)
			}
			got += int64(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if got != size {
		t.Fatalf("downloaded %d of %d bytes", got, size)
	}
}

// The reported failing case, at the real sizes: 150,000,000 bytes in three
// 50,000,000-byte chunks, thumbnail_sync=1 on each, under --strict (the
// stricter mode; default mode runs the scaled case below).
func TestWebClientThreeChunks150MB(t *testing.T) {
	e := start(t, true, nil)
	c := webClient{e: e, chunkSize: 50_000_000}
	f := c.upload(t, "video.mp4", "video/mp4", 150_000_000)
	c.checkStored(t, f, 150_000_000, 3)
	if f.Metadata.ThumbnailsStatus != "done" {
		t.Fatalf("a multi-chunk file is never previewed: status %q", f.Metadata.ThumbnailsStatus)
	}
}

// The same requests scaled down (the real server has no size limits, so the
// shape is what matters), in default and strict mode: three chunks, a file
// whose last chunk absorbs the remainder, a one-chunk file whose answer
// waits for the preview, a file of unknown type (resumableType empty), and
// the Drive registration of each.
func TestWebClientScaled(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			e := start(t, strict, nil)
			c := webClient{e: e, chunkSize: 5000}
			for _, tc := range []struct {
				name, typ    string
				size, chunks int64
			}{
				{"three.bin", "application/octet-stream", 15000, 3},
				{"remainder.txt", "text/plain", 14999, 2},
				{"one.png", "image/png", 4000, 1},
				{"notype", "", 12000, 2},
			} {
				f := c.upload(t, tc.name, tc.typ, tc.size)
				c.checkStored(t, f, tc.size, tc.chunks)
				if f.Metadata.ThumbnailsStatus != "done" {
					t.Errorf("%s: status %q after thumbnail_sync", tc.name, f.Metadata.ThumbnailsStatus)
				}
				it := c.registerInDrive(t, rootID, f)
				if it.Name != tc.name || it.Size != tc.size || it.LastVersionCache == nil || it.LastVersionCache.FileMetadata.ExternalID != f.ID {
					t.Errorf("%s: Drive item %+v", tc.name, it)
				}
			}
		})
	}
}
