package config

import "strings"

// keyPos is where a key was written: the table path (e.g. "target",
// "transfer", "ui.notifications"; "" for the top level), the index of the
// array-of-tables entry (-1 for plain tables), the key and its line.
type keyPos struct {
	table string
	index int
	key   string
	line  int
}

// locate scans a TOML document for table headers and `key =` lines so that
// semantic errors can name a line. toml.MetaData does not expose key
// positions, so this is a best-effort line scanner: it understands headers,
// comments and multi-line strings, which covers the flat schema Ferry uses;
// a key it cannot place is reported without a line.
func locate(data []byte) (headers []keyPos, keys []keyPos) {
	table, index := "", -1
	counts := map[string]int{}
	inMulti := "" // the delimiter of an open multi-line string
	n := 0
	for raw := range strings.Lines(string(data)) {
		n++
		line := strings.TrimSpace(raw)
		if inMulti != "" {
			if strings.Count(line, inMulti)%2 == 1 {
				inMulti = ""
			}
			continue
		}
		switch {
		case line == "" || line[0] == '#':
			continue
		case strings.HasPrefix(line, "[["):
			table = headerName(strings.TrimPrefix(line, "[["), "]]")
			index = counts[table]
			counts[table]++
			headers = append(headers, keyPos{table: table, index: index, line: n})
			continue
		case line[0] == '[':
			table, index = headerName(line[1:], "]"), -1
			headers = append(headers, keyPos{table: table, index: -1, line: n})
			continue
		}
		eq := strings.IndexByte(line, '=')
		if eq <= 0 {
			continue
		}
		key := strings.Trim(strings.TrimSpace(line[:eq]), `"'`)
		keys = append(keys, keyPos{table: table, index: index, key: key, line: n})
		for _, d := range []string{`"""`, `'''`} {
			if strings.Count(line[eq:], d)%2 == 1 {
				inMulti = d
			}
		}
	}
	return headers, keys
}

func headerName(s, closing string) string {
	if i := strings.Index(s, closing); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// lines answers "where is ..." questions about one document.
type lines struct {
	headers, keys []keyPos
}

func newLines(data []byte) lines {
	h, k := locate(data)
	return lines{headers: h, keys: k}
}

// key returns the line of key in table[index] (index -1 for plain tables),
// falling back to the table's header line, or 0.
func (l lines) key(table string, index int, key string) int {
	for _, k := range l.keys {
		if k.table == table && k.index == index && k.key == key {
			return k.line
		}
	}
	return l.header(table, index)
}

// header returns the line of table[index]'s header, or 0.
func (l lines) header(table string, index int) int {
	for _, h := range l.headers {
		if h.table == table && h.index == index {
			return h.line
		}
	}
	return 0
}

// first returns the first place a dotted key path was written: a key line
// whose table plus key equals path, or a header equal to path.
func (l lines) first(path string) (keyPos, bool) {
	for _, k := range l.keys {
		full := k.key
		if k.table != "" {
			full = k.table + "." + k.key
		}
		if full == path {
			return k, true
		}
	}
	for _, h := range l.headers {
		if h.table == path {
			return h, true
		}
	}
	return keyPos{}, false
}
