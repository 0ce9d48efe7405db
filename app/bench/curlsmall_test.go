package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// curlSmallProviders are the services with a curl small-file baseline:
// all four. Each sends a small file's minimum requests (see curlSmall).
var curlSmallProviders = map[string]bool{"filesro": true, "quatrix": true, "twake": true, "selfcommunity": true}

// curlSmall sends every file below dir to sb, into remote folder to, with
// the provider's minimum requests per small file, from curl processes that
// each keep 4 connections alive (--parallel --parallel-max 4), and returns
// the files/s and the usage. It is the small-file baseline: the same
// requests Ferry must send, with no queue, no state, no retry.
//
// A service whose requests chain answers (an upload key, a file id) runs
// one curl process PER PHASE: phase 1 sends every file's first request,
// the harness reads the answers, phase 2 sends every file's next request,
// and so on. The baseline's wall time is the sum of the phases' wall times
// (the harness's parsing between phases is not counted) and its CPU the
// sum of the curl processes' CPU. The minimum requests per file:
//
//   - files.ro: one multipart POST (is_last_chunk=1; the path field makes
//     the folders), the first into each new folder before the others
//     (see curlFilesro). Three phases.
//   - Quatrix: /upload/link, one /upload/chunked/{key} with the whole file,
//     /upload/finalize/{key}; before them, once per run, /profile (the
//     home id) and /file/makedir for the run's folder and for each of its
//     folders, which Ferry sends too. Six phases.
//   - Twake: the init POST (a file id) and one multipart chunk, stored
//     flat with the path in the name (--keep-path-in-name). The server also
//     takes a one-shot upload (init with the file, rule TW-ONESHOT), but an
//     entity whose answer is lost then cannot be found or deleted again
//     (the files service lists nothing), so a client that survives a crash
//     needs the init first. Ferry sends the same two: the chunk's answer
//     describes the finished file, so no read follows. Two phases.
//   - SelfCommunity: part 0 of 1 on the chunk route, done (without the
//     optional md5), a generic thumbnail naming the file as its parent,
//     the private message that carries the file (file_uuid the
//     thumbnail's, as the official web client sends it) and a text
//     message with the file's path (the API has no folders): what Ferry
//     sends for a small file. Five phases (see curlSelfCommunity).
//
// The files it stored are checked on the sandbox (every file there, with
// its size) before the sandbox stops (sandboxProc.verify), so that it never
// times refused requests; the check is left until then because listing
// the store costs the sandbox memory that would count as its peak.
func (r *runner) curlSmall(sb *sandboxProc, provider, dir, to string) (float64, usage, error) {
	files, err := listSmall(dir)
	if err != nil {
		return 0, usage{}, fmt.Errorf("curl small: %w", err)
	}
	if len(files) == 0 {
		return 0, usage{}, fmt.Errorf("curl small: no files below %s", dir)
	}
	var p phased
	var check storedCheck
	switch provider {
	case "filesro":
		check, err = r.curlFilesro(sb, files, to, &p)
	case "quatrix":
		check, err = r.curlQuatrix(sb, files, to, &p)
	case "twake":
		check, err = r.curlTwake(sb, files, to, &p)
	case "selfcommunity":
		check, err = r.curlSelfCommunity(sb, files, &p)
	default:
		err = fmt.Errorf("no curl baseline for %s small files", provider)
	}
	if err != nil {
		return 0, p.u, fmt.Errorf("curl small %s: %w", provider, err)
	}
	sb.checks = append(sb.checks, pendingCheck{what: "curl small " + provider + " into " + to, provider: provider, files: check})
	return float64(len(files)) / p.u.Wall.Seconds(), p.u, nil
}

// curlFilesro: one multipart POST per file, in three phases because the
// server makes a new folder without a lock (rule R-folderrace: concurrent
// first uploads into one new folder make duplicates of it, splitting the
// files). Phase 1 is the first file alone (it makes the run's folder and
// its own), phase 2 the first file of every other folder (in parallel:
// their parent exists now), phase 3 every other file. Ferry's provider
// orders its commits the same way (folderGate).
func (r *runner) curlFilesro(sb *sandboxProc, files []smallFile, to string, p *phased) (storedCheck, error) {
	token, err := sb.credential("filesro", "share-token", "editor")
	if err != nil {
		return nil, err
	}
	var phases [3][]curlReq
	seen := map[string]bool{}
	check := storedCheck{}
	for i, f := range files {
		name := path.Base(f.rel)
		q := curlReq{url: fmt.Sprintf("%s/api/v1/shares/%s/uploads", sb.base, token), form: []string{
			"name=" + name, "extension=" + strings.TrimPrefix(path.Ext(name), "."),
			"is_last_chunk=1", "path=/" + to + "/" + f.rel, fmt.Sprintf("chunk=@%s;filename=k%d", f.path, i+1),
		}}
		dir := path.Dir(f.rel)
		switch {
		case i == 0:
			phases[0] = append(phases[0], q)
		case !seen[dir]:
			phases[1] = append(phases[1], q)
		default:
			phases[2] = append(phases[2], q)
		}
		seen[dir] = true
		check["/"+to+"/"+f.rel] = f.size
	}
	for i, reqs := range phases {
		if len(reqs) == 0 {
			continue
		}
		_, u, err := r.curlPhase(fmt.Sprintf("filesro%d", i+1), reqs)
		p.add(u)
		if err != nil {
			return nil, err
		}
	}
	return check, nil
}

// curlQuatrix: profile, folders, then link, chunk and finalize per file.
func (r *runner) curlQuatrix(sb *sandboxProc, files []smallFile, to string, p *phased) (storedCheck, error) {
	key, err := sb.credential("quatrix", "api-key", "user@example.com")
	if err != nil {
		return nil, err
	}
	auth := []string{"Authorization: Bearer " + key}
	apiRoot := sb.base + "/api/1.0"
	one := func(phase string, q curlReq, v any) error {
		ans, u, err := r.curlPhase(phase, []curlReq{q})
		p.add(u)
		if err != nil {
			return err
		}
		return decodeAnswer(phase, ans[0], v)
	}
	var prof struct {
		HomeID string `json:"home_id"`
	}
	if err := one("quatrix-profile", curlReq{url: apiRoot + "/profile", headers: auth}, &prof); err != nil {
		return nil, err
	}
	type folder struct {
		Target  string `json:"target"`
		Name    string `json:"name"`
		Resolve bool   `json:"resolve"`
	}
	var top struct {
		ID string `json:"id"`
	}
	if err := one("quatrix-makedir", curlReq{
		url: apiRoot + "/file/makedir", headers: auth,
		json: mustJSON(folder{Target: prof.HomeID, Name: to}),
	}, &top); err != nil {
		return nil, err
	}
	// The files' folders, one level below the run's folder (the workloads'
	// layout), made in one phase.
	var dirs []string
	dirIDs := map[string]string{}
	for _, f := range files {
		d := path.Dir(f.rel)
		if strings.Contains(d, "/") {
			return nil, fmt.Errorf("%s: the quatrix baseline makes one level of folders", f.rel)
		}
		if _, ok := dirIDs[d]; !ok && d != "." {
			dirIDs[d] = ""
			dirs = append(dirs, d)
		}
	}
	dirIDs["."] = top.ID
	reqs := make([]curlReq, len(dirs))
	for i, d := range dirs {
		reqs[i] = curlReq{url: apiRoot + "/file/makedir", headers: auth, json: mustJSON(folder{Target: top.ID, Name: d})}
	}
	ans, u, err := r.curlPhase("quatrix-makedirs", reqs)
	p.add(u)
	if err != nil {
		return nil, err
	}
	for i, d := range dirs {
		if err := decodeAnswer("quatrix-makedirs", ans[i], &top); err != nil {
			return nil, err
		}
		dirIDs[d] = top.ID
	}
	check := storedCheck{}
	// A window of files at a time through link, chunk and finalize: no
	// client holds thousands of upload keys open at once (with all 20,000
	// links made first, some finalized empty).
	for start := 0; start < len(files); start += curlWindow {
		if err := r.curlQuatrixWindow(sb, files[start:min(start+curlWindow, len(files))], to, dirIDs, auth, p, check); err != nil {
			return nil, err
		}
	}
	return check, nil
}

// curlWindow is how many files the chained baselines take through all
// their phases before the next ones.
const curlWindow = 1000

// curlQuatrixWindow sends files' link, chunk and finalize phases and adds
// them to check.
func (r *runner) curlQuatrixWindow(sb *sandboxProc, files []smallFile, to string, dirIDs map[string]string, auth []string, p *phased, check storedCheck) error {
	apiRoot := sb.base + "/api/1.0"
	type linkReq struct {
		Name     string `json:"name"`
		ParentID string `json:"parent_id"`
		Resolve  bool   `json:"resolve"`
		FileSize int64  `json:"file_size"`
	}
	reqs := make([]curlReq, len(files))
	for i, f := range files {
		reqs[i] = curlReq{url: apiRoot + "/upload/link", headers: auth, json: mustJSON(linkReq{
			Name: path.Base(f.rel), ParentID: dirIDs[path.Dir(f.rel)], Resolve: true, FileSize: f.size,
		})}
	}
	ans, u, err := r.curlPhase("quatrix-link", reqs)
	if err != nil {
		p.add(u)
		return err
	}
	p.add(u)
	keys := make([]string, len(files))
	for i := range files {
		var link struct {
			Key string `json:"upload_key"`
		}
		if err := decodeAnswer("quatrix-link", ans[i], &link); err != nil {
			return err
		}
		keys[i] = url.PathEscape(link.Key)
	}
	for i, f := range files {
		reqs[i] = curlReq{url: sb.base + "/upload/chunked/" + keys[i], headers: []string{
			auth[0], "Content-Type: application/octet-stream", fmt.Sprintf("Content-Range: bytes 0-%d/%d", f.size-1, f.size),
		}, file: f.path}
	}
	if _, u, err = r.curlPhase("quatrix-chunk", reqs); err != nil {
		p.add(u)
		return err
	}
	p.add(u)
	for i, f := range files {
		reqs[i] = curlReq{url: apiRoot + "/upload/finalize/" + keys[i] + "?mtime=" + f.mod, headers: auth}
	}
	ans, u, err = r.curlPhase("quatrix-finalize", reqs)
	p.add(u)
	if err != nil {
		return err
	}
	for i, f := range files {
		var fin struct {
			Size int64 `json:"size"`
		}
		if err := decodeAnswer("quatrix-finalize", ans[i], &fin); err != nil {
			return err
		}
		if fin.Size != f.size {
			return fmt.Errorf("quatrix finalize of %s: stored %d bytes, want %d", f.rel, fin.Size, f.size)
		}
		check["/"+to+"/"+f.rel] = f.size
	}
	return nil
}

// twakeNameSep joins path segments into one flat Twake name, as Ferry's
// --keep-path-in-name does (U+FF0F; the workloads' names need no escape).
const twakeNameSep = "／"

// twakeChunkSize is the resumableChunkSize Ferry sends at its default chunk
// size (the server ignores it; it is sent for the same request).
const twakeChunkSize = 50_000_000

// curlTwake: the init POST, then one multipart chunk per file.
func (r *runner) curlTwake(sb *sandboxProc, files []smallFile, to string, p *phased) (storedCheck, error) {
	token, err := sb.credential("twake", "token", "jwt")
	if err != nil {
		return nil, err
	}
	if sb.companyID == "" {
		return nil, fmt.Errorf("the sandbox printed no twake company id")
	}
	auth := []string{"Authorization: Bearer " + token}
	filesURL := sb.base + "/internal/services/files/v1/companies/" + sb.companyID + "/files"
	names := make([]string, len(files))
	reqs := make([]curlReq, len(files))
	for i, f := range files {
		names[i] = to + twakeNameSep + strings.ReplaceAll(f.rel, "/", twakeNameSep)
		q := url.Values{"filename": {names[i]}, "type": {mimeOf(f.rel)}, "total_size": {fmt.Sprint(f.size)}}
		reqs[i] = curlReq{method: "POST", url: filesURL + "?" + q.Encode(), headers: auth}
	}
	ans, u, err := r.curlPhase("twake-init", reqs)
	p.add(u)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(files))
	for i := range files {
		var res struct {
			Resource struct {
				ID string `json:"id"`
			} `json:"resource"`
		}
		if err := decodeAnswer("twake-init", ans[i], &res); err != nil {
			return nil, err
		}
		ids[i] = res.Resource.ID
	}
	for i, f := range files {
		q := url.Values{
			"chunk_number": {"1"}, "total_chunks": {"1"}, "total_size": {fmt.Sprint(f.size)},
			"filename": {names[i]}, "type": {mimeOf(f.rel)}, "resumableChunkSize": {fmt.Sprint(twakeChunkSize)},
		}
		reqs[i] = curlReq{
			url: filesURL + "/" + url.PathEscape(ids[i]) + "?" + q.Encode(), headers: auth,
			form: []string{fmt.Sprintf("file=@%s;filename=f%d", f.path, i+1)},
		}
	}
	ans, u, err = r.curlPhase("twake-chunk", reqs)
	p.add(u)
	if err != nil {
		return nil, err
	}
	check := storedCheck{}
	for i, f := range files {
		var res struct {
			Resource struct {
				UploadData struct {
					Size int64 `json:"size"`
				} `json:"upload_data"`
			} `json:"resource"`
		}
		if err := decodeAnswer("twake-chunk", ans[i], &res); err != nil {
			return nil, err
		}
		if res.Resource.UploadData.Size != f.size {
			return nil, fmt.Errorf("twake chunk of %s: the server holds %d bytes, want %d", f.rel, res.Resource.UploadData.Size, f.size)
		}
		check[ids[i]] = f.size
	}
	return check, nil
}

// curlSelfCommunity: what Ferry sends for each small file, in the official
// web client's way (community-js): part 0 of 1, done, a thumbnail of the
// file (a generic PNG, as the web client uploads for types it cannot
// preview) whose uuid the file's message carries, then the file's path as
// a text message of its own (the API has no folders; Ferry's message text
// is "{path}"). Five requests per file, as Ferry's.
func (r *runner) curlSelfCommunity(sb *sandboxProc, files []smallFile, p *phased) (storedCheck, error) {
	token, err := sb.credential("selfcommunity", "token", "alice")
	if err != nil {
		return nil, err
	}
	to, err := sb.credential("selfcommunity", "recipient", "bob")
	if err != nil {
		return nil, err
	}
	hdr := []string{"Authorization: Bearer " + token, "Accept: application/json"}
	upload := sb.base + "/api/v2/pm/upload/"
	reqs := make([]curlReq, len(files))
	for i, f := range files {
		reqs[i] = curlReq{
			url: upload, headers: append(hdr[:2:2], fmt.Sprintf("Content-Range: bytes 0-%d/%d", f.size-1, f.size)),
			form: []string{
				"partindex=0", "totalparts=1", "filename=" + path.Base(f.rel), "filetype=" + mimeOf(f.rel),
				fmt.Sprintf("totalfilesize=%d", f.size), "partbyteoffset=0", fmt.Sprintf("chunksize=%d", f.size),
				"file=@" + f.path + ";filename=blob",
			},
		}
	}
	ans, u, err := r.curlPhase("selfcommunity-part", reqs)
	p.add(u)
	if err != nil {
		return nil, err
	}
	uuids := make([]string, len(files))
	for i := range files {
		var part struct {
			UUID string `json:"file_uuid"`
		}
		if err := decodeAnswer("selfcommunity-part", ans[i], &part); err != nil {
			return nil, err
		}
		uuids[i] = part.UUID
	}
	for i, f := range files {
		reqs[i] = curlReq{url: upload + "?done", headers: hdr, form: []string{
			"uuid=" + uuids[i], "filename=" + path.Base(f.rel), "totalparts=1", "filetype=" + mimeOf(f.rel),
			fmt.Sprintf("totalfilesize=%d", f.size),
		}}
	}
	ans, u, err = r.curlPhase("selfcommunity-done", reqs)
	p.add(u)
	if err != nil {
		return nil, err
	}
	for i := range files {
		var done struct {
			URL string `json:"file_url"`
		}
		if err := decodeAnswer("selfcommunity-done", ans[i], &done); err != nil {
			return nil, err
		}
	}
	thumb, err := r.genericThumbnail()
	if err != nil {
		return nil, err
	}
	for i, f := range files {
		name := strings.TrimSuffix(path.Base(f.rel), path.Ext(f.rel)) + ".png"
		reqs[i] = curlReq{url: upload, headers: hdr, form: []string{"parentuuid=" + uuids[i], "file=@" + thumb + ";filename=" + name}}
	}
	ans, u, err = r.curlPhase("selfcommunity-thumbnail", reqs)
	p.add(u)
	if err != nil {
		return nil, err
	}
	thumbs := make([]string, len(files))
	for i := range files {
		var t struct {
			UUID string `json:"file_uuid"`
		}
		if err := decodeAnswer("selfcommunity-thumbnail", ans[i], &t); err != nil {
			return nil, err
		}
		thumbs[i] = t.UUID
	}
	type message struct {
		Recipients []json.Number `json:"recipients"`
		Message    string        `json:"message"`
		FileUUID   *string       `json:"file_uuid"`
	}
	check := storedCheck{}
	for i, f := range files {
		reqs[i] = curlReq{
			url: sb.base + "/api/v2/pm/", headers: hdr,
			json: mustJSON(message{Recipients: []json.Number{json.Number(to)}, FileUUID: &thumbs[i]}),
		}
		check[uuids[i]] = f.size
	}
	if err := r.curlMessages(reqs, p, "selfcommunity-message"); err != nil {
		return nil, err
	}
	for i, f := range files {
		reqs[i] = curlReq{
			url: sb.base + "/api/v2/pm/", headers: hdr,
			json: mustJSON(message{Recipients: []json.Number{json.Number(to)}, Message: f.rel}),
		}
	}
	if err := r.curlMessages(reqs, p, "selfcommunity-text"); err != nil {
		return nil, err
	}
	return check, nil
}

// curlMessages sends one phase of private messages, each of which must
// create exactly one message.
func (r *runner) curlMessages(reqs []curlReq, p *phased, phase string) error {
	ans, u, err := r.curlPhase(phase, reqs)
	p.add(u)
	if err != nil {
		return err
	}
	for i := range reqs {
		var sent []json.RawMessage
		if err := decodeAnswer(phase, ans[i], &sent); err != nil {
			return err
		}
		if len(sent) != 1 {
			return fmt.Errorf("%s %d: %d private messages created, want 1", phase, i, len(sent))
		}
	}
	return nil
}

// genericThumbnail writes, once, the PNG the SelfCommunity baseline sends
// as every file's thumbnail: 64×64 pixels of one colour, about the size of
// the generic icon Ferry (and the web client) sends.
func (r *runner) genericThumbnail() (string, error) {
	p := filepath.Join(r.work, "thumbnail.png")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range img.Pix {
		img.Pix[i] = 0xb0
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return "", err
	}
	return p, os.WriteFile(p, b.Bytes(), 0o600)
}

// mimeOf is the type Ferry's clients send for a name.
func mimeOf(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// mustJSON marshals v, which holds only strings, numbers and booleans.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("bench: marshal %T: %v", v, err))
	}
	return string(b)
}

// decodeAnswer decodes one curl answer, naming the phase when it cannot.
func decodeAnswer(phase string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: answer %q: %w", phase, tail(string(b), 1), err)
	}
	return nil
}
