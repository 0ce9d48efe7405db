package sandbox

import "slices"

// The store keeps a node's Meta as a flat list of keys and values sorted
// by key (in its record, noderec.go), not as the map callers see: a Go map costs about
// 300 bytes even for one entry, and every file ever stored keeps its node
// in memory, so the map alone was the largest part of what each stored
// file cost. Nodes inside the store have no map; clone and Snapshot
// rebuild it. A nil map and an empty one stay apart (nil
// list, empty list).

// flatMeta returns m (nil or not) as a flat list.
func flatMeta(m map[string]string) []string {
	if m == nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	flat := make([]string, 0, 2*len(m))
	for _, k := range keys {
		flat = append(flat, k, m[k])
	}
	return flat
}

// metaMap returns a new map of a flat list (nil for nil).
func metaMap(flat []string) map[string]string {
	if flat == nil {
		return nil
	}
	m := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		m[flat[i]] = flat[i+1]
	}
	return m
}
