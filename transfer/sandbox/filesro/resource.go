package filesro

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// fileResource builds the 201 body, with the real quirks: filesize is
// ByteUnits' string [R-size], mimetype is the extension, type is the
// sniffed class, dates are display strings [R-date], relationships is a
// mergeWhen array [R-rel] ([] when nothing merges)
// (VueFileManager/vuefilemanager@5ba4bf347880
// src/Domain/Files/Resources/FileResource.php:16-95).
func (a *API) fileResource(n, parent sandbox.Node, sh *share, sniff string) map[string]any {
	typ := "file"
	for _, c := range []string{"image", "video", "audio"} {
		if strings.HasPrefix(sniff, c+"/") {
			typ = c
		}
	}
	// [R-date] set_time_by_user_timezone: translatedFormat('d. M. Y, h:i')
	// (VueFileManager/vuefilemanager@5ba4bf347880 src/Support/helpers.php:1029-1036;
	// FileResource.php:32-36), a 12-hour clock without am/pm.
	created := n.MTime.Format("02. Jan. 2006, 03:04")
	attrs := map[string]any{
		"filesize":   HumanSize(n.Size),
		"name":       displayName(n),
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
			"type": "folder", "id": parent.ID, "attributes": map[string]any{"name": displayName(parent)},
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

// HumanSize formats n bytes the way the filesize attribute is made [R-size]:
// ByteUnits\Metric::bytes(n)->format() (FileResource.php:18), i.e. base
// 1000, the largest unit the value reaches, "%d" plus the unit for bytes
// and "%.2f" plus the unit otherwise, with no space: "18B", "1.20MB",
// "64.00MB" (gabrielelana/byte-units src/ByteUnits/Formatter.php
// formatInByteUnit, Metric.php suffixes; precision 2). files.ro's document
// shows "1.2 MB", which is not what the code emits.
func HumanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	v, i := float64(n), 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%dB", n)
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + units[i]
}

// displayName is the name the service shows for n: the name it was
// created with. The store keys names per folder, so a second folder or
// file of one name (which the real server keeps as is) is stored under a
// marked name with the real one in Meta["name"].
func displayName(n sandbox.Node) string {
	if v := n.Meta["name"]; v != "" {
		return v
	}
	return n.Name
}
