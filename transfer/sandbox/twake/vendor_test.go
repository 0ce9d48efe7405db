package twake

import (
	"net/url"
	"testing"
)

// The classic upload of the vendor documentation (one multipart POST with
// thumbnail_sync=1) works against the strict sandbox.
func TestVendorDocClassicUpload(t *testing.T) {
	e := start(t, true, nil)
	ct, body := multipartBody(t, part{"file", "photo.png", []byte("png bytes")})
	f := decode(t, ok(t)(e.do(t, "POST", e.filesPath()+"?thumbnail_sync=1", map[string]string{"Content-Type": ct}, body)))
	if f.Metadata == nil || f.Metadata.Name != "photo.png" || f.UploadData.Size != 9 {
		t.Fatalf("classic upload %+v", f)
	}
}

// The official web client's wire form (resumable.js: query string plus the
// same values as text parts, "{}" as text/plain on init) works against the
// strict sandbox.
func TestOfficialClientWireForm(t *testing.T) {
	e := start(t, true, nil)
	st, b := e.do(t, "POST", e.filesPath()+"?filename=report.pdf&type=application/pdf&total_size=5",
		map[string]string{"Content-Type": "text/plain;charset=UTF-8"}, []byte("{}"))
	id := decode(t, ok(t)(st, b)).ID
	for n, data := range []string{"abc", "de"} {
		q := url.Values{
			"resumableChunkNumber": {[]string{"1", "2"}[n]}, "resumableChunkSize": {"3"},
			"resumableCurrentChunkSize": {[]string{"3", "2"}[n]}, "resumableTotalSize": {"5"},
			"resumableType": {"application/pdf"}, "resumableIdentifier": {"5-reportpdf"},
			"resumableFilename": {"report.pdf"}, "resumableRelativePath": {"report.pdf"}, "resumableTotalChunks": {"2"},
		}
		var parts []part
		for k, v := range q {
			parts = append(parts, part{field: k, data: []byte(v[0])})
		}
		parts = append(parts, part{"file", "report.pdf", []byte(data)})
		ct, body := multipartBody(t, parts...)
		ok(t)(e.do(t, "POST", e.filesPath()+"/"+id+"?"+q.Encode(), map[string]string{"Content-Type": ct}, body))
	}
	if c, _ := e.api.Completion("", id); !c.Complete {
		t.Fatalf("official client upload: %+v", c)
	}
	if n := e.node(t, "/files/"+id); n.Meta["name"] != "report.pdf" || n.Meta["mime"] != "application/pdf" || n.Size != 5 {
		t.Fatalf("stored %+v", n)
	}
}
