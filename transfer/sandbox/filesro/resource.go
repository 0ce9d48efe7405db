package filesro

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// fileResource builds the 201 body (2.8), with the real quirks: filesize
// is a human string, mimetype is the extension, type is the sniffed class.
func (a *API) fileResource(n, parent sandbox.Node, sh *share, sniff string) map[string]any {
	typ := "file"
	for _, c := range []string{"image", "video", "audio"} {
		if strings.HasPrefix(sniff, c+"/") {
			typ = c
		}
	}
	created := n.MTime.Format("02. Jan. 2006")
	attrs := map[string]any{
		"filesize":   HumanSize(n.Size),
		"name":       n.Name,
		"basename":   n.Meta["basename"],
		"mimetype":   n.Meta["extension"],
		"file_url":   n.Link,
		"thumbnail":  nil,
		"parent_id":  parent.ID,
		"created_at": created,
		"updated_at": created,
		"deleted_at": nil,
	}
	var rel any = map[string]any{
		"parent": map[string]any{"data": map[string]any{
			"type": "folder", "id": parent.ID, "attributes": map[string]any{"name": parent.Name},
		}},
		"creator": map[string]any{"data": map[string]any{
			"type": "creator", "id": "sandbox-owner",
			"attributes": map[string]any{"name": "Sandbox Owner", "avatar": nil, "color": "#00BC7E"},
		}},
	}
	if a.opt.EmptyRelationships {
		rel = []any{}
	}
	return map[string]any{"data": map[string]any{
		"id": n.ID, "type": typ, "attributes": attrs, "relationships": rel,
	}}
}

// HumanSize formats n bytes the way the service's filesize attribute does:
// decimal units, at most two decimals ("512 B", "1.2 MB", "64 MB").
func HumanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	v, i := float64(n), 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return trimZeros(strconv.FormatFloat(v, 'f', 2, 64)) + " " + units[i]
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
