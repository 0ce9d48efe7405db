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
// costs.
type kids struct {
	few  []kid             // while len <= fewKids and many is nil
	many map[string]string // name -> id, once there were more
}

type kid struct{ name, id string }

// fewKids is the most children a folder keeps in its slice.
const fewKids = 8

// get returns the id of the child called name.
func (k *kids) get(name string) (string, bool) {
	if k == nil {
		return "", false
	}
	if k.many != nil {
		id, ok := k.many[name]
		return id, ok
	}
	for _, c := range k.few {
		if c.name == name {
			return c.id, true
		}
	}
	return "", false
}

// put links name to id, replacing any child of that name.
func (k *kids) put(name, id string) {
	if k.many != nil {
		k.many[name] = id
		return
	}
	for i, c := range k.few {
		if c.name == name {
			k.few[i].id = id
			return
		}
	}
	if len(k.few) < fewKids {
		k.few = append(k.few, kid{name, id})
		return
	}
	k.many = make(map[string]string, 2*fewKids)
	for _, c := range k.few {
		k.many[c.name] = c.id
	}
	k.many[name] = id
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

// names returns the children's names, sorted.
func (k *kids) names() []string {
	if k == nil {
		return nil
	}
	if k.many != nil {
		return slices.Sorted(maps.Keys(k.many))
	}
	out := make([]string, len(k.few))
	for i, c := range k.few {
		out[i] = c.name
	}
	slices.Sort(out)
	return out
}

// ids returns the children's ids, in no order.
func (k *kids) ids() []string {
	if k == nil {
		return nil
	}
	if k.many != nil {
		return slices.Collect(maps.Values(k.many))
	}
	out := make([]string, len(k.few))
	for i, c := range k.few {
		out[i] = c.id
	}
	return out
}
