package twake

import (
	"fmt"
	"net/url"
	"strconv"
)

// params are the chunk parameters as the real controller derives them from
// the query string (TW-PARAM-1: linagora/Twake@39f533e5e838 twake/backend/node/src/services/files/web/controllers/
// files.ts:24-31): the resumable.js name wins over the
// snake_case one, numbers go through JavaScript's parseInt, and missing or
// invalid values take the defaults (total_chunks 1, total_size 0,
// chunk_number 1).
type params struct {
	ChunkNumber int
	TotalChunks int
	TotalSize   int64
	Filename    string // "" when absent (the multipart part's filename is the fallback)
	Type        string
	Thumbnail   bool // thumbnail_sync: any non-empty value, "0" included
}

// paramNames pairs every option's resumable name with its snake_case name.
var paramNames = [][2]string{
	{qResumableChunkNumber, qChunkNumber},
	{qResumableTotalChunks, qTotalChunks},
	{qResumableTotalSize, qTotalSize},
	{qResumableFilename, qFilename},
	{qResumableType, qType},
}

// pick returns the value the controller uses for an option: the first
// non-empty of its names (JavaScript's || skips "").
func pick(q url.Values, names [2]string) string {
	if v := q.Get(names[0]); v != "" {
		return v
	}
	return q.Get(names[1])
}

// parseParams reads params exactly as lenient as the real server.
func parseParams(q url.Values) params {
	p := params{
		ChunkNumber: int(jsParseInt(pick(q, paramNames[0]))),
		TotalChunks: int(jsParseInt(pick(q, paramNames[1]))),
		TotalSize:   jsParseInt(pick(q, paramNames[2])),
		Filename:    pick(q, paramNames[3]),
		Type:        pick(q, paramNames[4]),
		Thumbnail:   q.Get(qThumbnailSync) != "",
	}
	if p.ChunkNumber == 0 { // parseInt(...) || 1: NaN and 0 become 1
		p.ChunkNumber = 1
	}
	if p.TotalChunks == 0 {
		p.TotalChunks = 1
	}
	return p
}

// strictParams is the stricter check (SwitchChunkRange; strict only, see
// docs/protocols/twake.md section 3): chunk_number and
// total_chunks present as plain integers, 1 <= chunk_number <= total_chunks,
// total_size a non-negative integer when present, and both names of an
// option equal when both are sent.
func strictParams(q url.Values) error {
	for _, n := range paramNames {
		if r, s := q.Get(n[0]), q.Get(n[1]); q.Has(n[0]) && q.Has(n[1]) && r != s {
			return fmt.Errorf("%s=%q and %s=%q disagree", n[0], r, n[1], s)
		}
	}
	num, err := strictInt(pick(q, paramNames[0]), "chunk_number", true)
	if err != nil {
		return err
	}
	total, err := strictInt(pick(q, paramNames[1]), "total_chunks", true)
	if err != nil {
		return err
	}
	if _, err := strictInt(pick(q, paramNames[2]), "total_size", false); err != nil {
		return err
	}
	if total < 1 {
		return fmt.Errorf("total_chunks=%d, must be at least 1", total)
	}
	if num < 1 || num > total {
		return fmt.Errorf("chunk_number=%d outside 1..%d (chunk numbers are 1-based)", num, total)
	}
	return nil
}

func strictInt(v, name string, required bool) (int64, error) {
	if v == "" {
		if required {
			return 0, fmt.Errorf("%s missing from the query string", name)
		}
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q is not a non-negative integer", name, v)
	}
	return n, nil
}

// formOnly (SwitchFormParams, strict only) returns the first parameter name that appears in the multipart
// text fields but not in the query string: the real server ignores it, so
// the client's intent is silently lost.
func formOnly(q, form url.Values) string {
	for _, n := range paramNames {
		for _, name := range n {
			if form.Has(name) && !q.Has(n[0]) && !q.Has(n[1]) {
				return name
			}
		}
	}
	return ""
}

// jsParseInt mimics JavaScript's parseInt(s) (radix 10) for the values a
// query string can carry: leading white space, an optional sign, then the
// longest run of decimal digits; no digits gives 0 (NaN, which every use
// site turns into its default). Values beyond int64 saturate.
func jsParseInt(s string) int64 {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' || s[i] == '\v') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var n int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := int64(s[i] - '0')
		if n > (1<<63-1-d)/10 {
			n = 1<<63 - 1
			break
		}
		n = n*10 + d
	}
	if neg {
		return -n
	}
	return n
}
