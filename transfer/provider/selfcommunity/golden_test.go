package selfcommunity

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The golden transcripts are checked here against the documented shapes,
// written out from the vendor documents and the official client rather
// than from Ferry's own requests: a transcript accepted by -update still
// has to follow these rules. Sources (selfcommunity/developers-doc@a0a0656538e9
// docs/apireference/v2/privatemessage/, selfcommunity/community-js@0918bfbad504):
//
//   - upload_a_media_in_chunks.md: file, uuid (partindex > 0), partindex,
//     totalparts, filetype, totalfilesize, partbyteoffset, chunksize,
//     filename; answer {file_uuid}.
//   - upload_a_media.md: file, filetype, filename, duration, totalfilesize,
//     md5; answer {file_url, file_uuid}.
//   - chunk_upload_done.md: query done; uuid and filename required,
//     totalparts, md5, filetype, totalfilesize; answer {file_url, file_uuid}.
//   - upload_a_thumbnail.md: file, parentuuid, filetype, filename,
//     totalfilesize, md5; answer {file_url, file_uuid, parent_file_uuid}.
//   - send_a_message.md: recipients or group, message, file_uuid; answer
//     201 list([Private Message]). The official client sends file_uuid
//     only with an empty message (PrivateMessageThread.tsx:470).

var (
	chunkFields = []string{"uuid", "partindex", "totalparts", "filetype", "totalfilesize", "partbyteoffset", "chunksize", "filename"}
	mediaFields = []string{"filetype", "filename", "duration", "totalfilesize", "md5"}
	doneFields  = []string{"uuid", "filename", "totalparts", "md5", "filetype", "totalfilesize"}
	thumbFields = []string{"parentuuid", "filetype", "filename", "totalfilesize", "md5"}
)

// exchange is one request of a transcript with its answer.
type exchange struct {
	line   string            // "POST /api/v2/pm/upload/?done"
	fields map[string]string // form fields, names without the qq prefix
	file   string            // the file part's field name ("" for none)
	body   string            // a non-form body
	status string
	answer string
}

func parseTranscript(t *testing.T, text string) []exchange {
	t.Helper()
	var out []exchange
	for _, ln := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if !strings.HasPrefix(ln, "  ") {
			out = append(out, exchange{line: ln, fields: map[string]string{}})
			continue
		}
		if len(out) == 0 {
			t.Fatalf("transcript starts with %q", ln)
		}
		e := &out[len(out)-1]
		ln = strings.TrimPrefix(ln, "  ")
		switch {
		case strings.HasPrefix(ln, "field "):
			k, v, _ := strings.Cut(strings.TrimPrefix(ln, "field "), "=")
			e.fields[strings.TrimPrefix(k, "qq")] = v
		case strings.HasPrefix(ln, "part "):
			e.file = strings.Fields(ln)[1]
		case strings.HasPrefix(ln, "body "):
			e.body = strings.TrimPrefix(ln, "body ")
		case strings.HasPrefix(ln, "-> "):
			e.status, e.answer, _ = strings.Cut(strings.TrimPrefix(ln, "-> "), " ")
		}
	}
	return out
}

// answerKeys are the keys of a JSON object answer.
func answerKeys(t *testing.T, e exchange) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(e.answer), &m); err != nil {
		t.Fatalf("%s: answer %q is not an object", e.line, e.answer)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func onlyFrom(t *testing.T, e exchange, allowed []string) {
	t.Helper()
	for k := range e.fields {
		if !slices.Contains(allowed, k) {
			t.Errorf("%s: field %q is not documented for this call", e.line, k)
		}
	}
}

func TestGoldenTranscriptsFollowTheDocs(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "transcript-*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	seen := map[string]int{} // over all transcripts
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range parseTranscript(t, string(raw)) {
				switch {
				case e.line == "POST /api/v2/pm/upload/?done":
					seen["done"]++
					onlyFrom(t, e, doneFields)
					if e.fields["uuid"] == "" || e.fields["filename"] == "" || e.file != "" {
						t.Errorf("%s: needs uuid and filename and no file: %+v", e.line, e)
					}
					if k := answerKeys(t, e); e.status != "200" || !slices.Equal(k, []string{"file_url", "file_uuid"}) {
						t.Errorf("%s: answer %s %s", e.line, e.status, e.answer)
					}
				case e.line == "POST /api/v2/pm/upload/" && e.fields["parentuuid"] != "":
					seen["thumbnail"]++
					onlyFrom(t, e, thumbFields)
					if k := answerKeys(t, e); e.file == "" || e.status != "200" || !slices.Equal(k, []string{"file_url", "file_uuid", "parent_file_uuid"}) {
						t.Errorf("%s: thumbnail %+v", e.line, e)
					}
				case e.line == "POST /api/v2/pm/upload/" && e.fields["partindex"] != "":
					seen["chunk"]++
					onlyFrom(t, e, chunkFields)
					if e.fields["totalparts"] == "" || (e.fields["partindex"] != "0") != (e.fields["uuid"] != "") {
						t.Errorf("%s: part fields %+v", e.line, e.fields)
					}
					if k := answerKeys(t, e); e.file == "" || e.status != "200" || !slices.Contains(k, "file_uuid") {
						t.Errorf("%s: part %+v", e.line, e)
					}
				case e.line == "POST /api/v2/pm/upload/":
					seen["media"]++
					onlyFrom(t, e, mediaFields)
					if k := answerKeys(t, e); e.file == "" || e.status != "200" || !slices.Equal(k, []string{"file_url", "file_uuid"}) {
						t.Errorf("%s: plain upload %+v", e.line, e)
					}
				case e.line == "POST /api/v2/pm/":
					seen["message"]++
					var m map[string]any
					if err := json.Unmarshal([]byte(e.body), &m); err != nil {
						t.Fatalf("%s: body %q", e.line, e.body)
					}
					for k := range m {
						if !slices.Contains([]string{"recipients", "group", "message", "file_uuid"}, k) {
							t.Errorf("%s: key %q is not documented", e.line, k)
						}
					}
					text, hasText := m["message"].(string)
					if _, withFile := m["file_uuid"].(string); !hasText || withFile && text != "" {
						t.Errorf("%s: the official client sends file_uuid only with an empty message: %s", e.line, e.body)
					}
					var list []map[string]any
					if e.status != "201" || json.Unmarshal([]byte(e.answer), &list) != nil || len(list) == 0 {
						t.Errorf("%s: answer %s %s, want 201 and a list", e.line, e.status, e.answer)
					}
				default:
					t.Errorf("unexpected request %q", e.line)
				}
			}
		})
	}
	for _, k := range []string{"chunk", "media", "done", "thumbnail", "message"} {
		if seen[k] == 0 {
			t.Errorf("no transcript has a %s call", k)
		}
	}
}
