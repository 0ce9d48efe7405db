package sandbox

import (
	"maps"
	"slices"
)

// kids are one folder's children by name. A folder with few children
// (most of them: SelfCommunity stores every file in a folder of its own)
// keeps them in a short slice; one with more gets a map, as before. A Go
// map costs about 300 bytes even for one entry, and every folder ever
// created stays in memory, so this is part of what each stored file
// costs. A child's name is its node's: the slice holds only pointers.
type kids struct {
	few  []*node          // while len <= fewKids and many is nil
	many map[string]*node // name -> child, once there were more
}

// fewKids is the most children a folder keeps in its slice.
const fewKids = 8

// get returns the child called name.
func (k *kids) get(name string) (*node, bool) {
	if k == nil {
		return nil, false
	}
	if k.many != nil {
		c, ok := k.many[name]
		return c, ok
	}
	for _, c := range k.few {
		if c.name == name {
			return c, true
		}
	}
	return nil, false
}

// put links c under its name, replacing any child of that name.
func (k *kids) put(c *node) {
	if k.many != nil {
		k.many[c.name] = c
		return
	}
	for i, o := range k.few {
		if o.name == c.name {
			k.few[i] = c
			return
		}
	}
	if len(k.few) < fewKids {
		k.few = append(k.few, c)
		return
	}
	k.many = make(map[string]*node, 2*fewKids)
	for _, o := range k.few {
		k.many[o.name] = o
	}
	k.many[c.name] = c
	k.few = nil
}

// remove unlinks the child called name (nothing when there is none).
func (k *kids) remove(name string) {
	if k == nil {
		return
	}
	if k.many != nil {
		delete(k.many, name)
		return
	}
	for i, c := range k.few {
		if c.name == name {
			k.few = slices.Delete(k.few, i, i+1)
			return
		}
	}
}

// sorted returns the children sorted by name.
func (k *kids) sorted() []*node {
	if k == nil {
		return nil
	}
	var out []*node
	if k.many != nil {
		out = slices.Collect(maps.Values(k.many))
	} else {
		out = slices.Clone(k.few)
	}
	slices.SortFunc(out, func(a, b *node) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return out
}

// all returns the children, in no order.
func (k *kids) all() []*node {
	if k == nil {
		return nil
	}
	if k.many != nil {
		return slices.Collect(maps.Values(k.many))
	}
	return slices.Clone(k.few)
}
