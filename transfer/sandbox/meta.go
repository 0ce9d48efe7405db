package sandbox

import "slices"

// The store keeps a node's Meta as a flat list of keys and values sorted
// by key (node.meta), not as the map callers see: a Go map costs about
// 300 bytes even for one entry, and every file ever stored keeps its node
// in memory, so the map alone was the largest part of what each stored
// file cost. Nodes inside the store have no map; clone and Snapshot
// rebuild it. A nil map and an empty one stay apart (nil
// list, empty list).

// setMeta stores m (nil or not) as n's flat list.
func (n *node) setMeta(m map[string]string) {
	if m == nil {
		n.meta = nil
		return
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
	n.meta = flat
}

// metaMap returns a new map of n's Meta (nil when it was stored nil).
func (n *node) metaMap() map[string]string {
	if n.meta == nil {
		return nil
	}
	m := make(map[string]string, len(n.meta)/2)
	for i := 0; i+1 < len(n.meta); i += 2 {
		m[n.meta[i]] = n.meta[i+1]
	}
	return m
}
