package filesro

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ferry-sync/ferry/transfer/sandbox"
)

// DefaultFolderRaceWindow is how long the sandbox keeps a "no such folder"
// answer before it creates the folder, when the filesro.folderrace switch
// is on (the default). See parentFolders. On the real server the window is
// the time between two SQL queries of one PHP request (a few
// milliseconds); 20 ms is generous and still makes concurrent commits
// collide. Tests that must see the race for sure set a wider window.
const DefaultFolderRaceWindow = 20 * time.Millisecond

// parentFolders is GetFileParentId [R-folders]: the directory names are
// path with its first and last elements dropped
// (array_slice(explode('/', path), 1, -1)); for each name in turn the
// folder of that name under the current parent is looked up and, when
// there is none, created (VueFileManager/vuefilemanager@5ba4bf347880
// src/Domain/Files/Actions/GetFileParentId.php:14-16, 26-62). It runs on
// the last chunk, after the quota check, as an argument of File::create
// (ProcessFileAction.php:88-97).
//
// The lookup and the creation are two queries with no lock, no
// transaction and no unique key [R-folderrace]: two requests that look up
// the same missing folder at about the same time both create it, and the
// service then holds two folders of one name, each with some of the files.
// The sandbox keeps that window open for Options.FolderRaceWindow (the
// filesro.folderrace switch, on by default) so that concurrent first
// uploads into a new path show it reliably; with the switch off the
// lookup and the creation are one atomic step (stricter than real).
//
// With duplicates present, the lookup takes `->first()` of the folders of
// that name under the parent (GetFileParentId.php:49): with UUID primary
// keys and no ORDER BY, MySQL returns the lowest id; the sandbox picks the
// lowest id too [inference: InnoDB clustered-index order].
func (a *API) parentFolders(parent string, path value) (string, error) {
	if !path.present {
		return parent, nil
	}
	for _, dir := range splitPath(path.s) {
		id, err := a.folderFor(parent, dir)
		if err != nil {
			return "", err
		}
		parent = id
	}
	return parent, nil
}

// folderFor returns the folder called name under parent, creating one
// when the lookup finds none (see parentFolders).
func (a *API) folderFor(parent, name string) (string, error) {
	racy := a.env.Switches.OnDefault("filesro.folderrace", true)
	if !racy {
		a.folderMu.Lock()
		defer a.folderMu.Unlock()
	}
	if id, ok, err := a.lookupFolder(parent, name); err != nil || ok {
		return id, err
	}
	if racy {
		// The gap between Folder::where(...)->exists() and Folder::create:
		// whoever looked meanwhile also found nothing and creates too.
		time.Sleep(a.opt.FolderRaceWindow)
	}
	return a.createFolder(parent, name)
}

// lookupFolder finds the folders whose service name is name under parent
// and returns the one with the lowest id. It asks the API's index of the
// folders it created (folderIndex), not a listing of parent: a listing
// made each file's upload cost every file and folder beside its folder.
// Folders only ever come from createFolder (the service's API neither
// moves, renames nor deletes them), and each indexed id is checked
// against the store all the same.
func (a *API) lookupFolder(parent, name string) (string, bool, error) {
	a.mu.Lock()
	ids := slices.Clone(a.folders[folderKey{parent, name}])
	a.mu.Unlock()
	var live []string
	for _, id := range ids {
		n, err := a.env.Store.Get(a.Name(), id)
		if err == nil && n.Parent == parent && n.Kind == sandbox.KindFolder && displayName(n) == name {
			live = append(live, id)
		}
	}
	if len(live) == 0 {
		return "", false, nil
	}
	return slices.Min(live), true, nil
}

// folderKey names the folders of one service name in one parent.
type folderKey struct{ parent, name string }

// indexFolder records a folder createFolder made. Caller holds no lock.
func (a *API) indexFolder(parent, name, id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := folderKey{parent, name}
	a.folders[k] = append(a.folders[k], id)
}

// createFolder creates a folder the service calls name under parent,
// whatever exists there already: the real server inserts a row keyed by a
// new UUID. The store keys names per folder, so a second folder of one
// name is stored as "name (sandbox duplicate N)" with the real name in
// Meta["name"] (what every answer shows).
func (a *API) createFolder(parent, name string) (string, error) {
	meta := map[string]string{"name": name}
	for n := 0; n < 1000; n++ {
		stored := name
		if n > 0 {
			stored = duplicateName(name, n)
		}
		f, err := a.env.Store.Create(a.Name(), parent, sandbox.Node{Name: stored, Kind: sandbox.KindFolder, Meta: meta})
		if errors.Is(err, sandbox.ErrExists) {
			continue
		}
		if err != nil {
			return "", err
		}
		a.indexFolder(parent, name, f.ID)
		return f.ID, nil
	}
	return "", fmt.Errorf("create folder %q: too many duplicates", name)
}

// DuplicateMark is what the store name of a second item of one name in
// one folder carries (test and inspection aid; the wire never shows it).
const DuplicateMark = " (sandbox duplicate "

func duplicateName(name string, n int) string {
	return fmt.Sprintf("%s%s%d)", name, DuplicateMark, n)
}
