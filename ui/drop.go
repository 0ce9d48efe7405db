package ui

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"
)

// dropped receives files and folders dropped on the window. Only local
// files are accepted; everything else is named in an error.
func (u *UI) dropped(uris []fyne.URI) {
	var paths, refused []string
	for _, uri := range uris {
		if uri.Scheme() != "file" {
			refused = append(refused, uri.String())
			continue
		}
		paths = append(paths, uri.Path())
	}
	if len(refused) > 0 {
		u.showError(fmt.Errorf("only local files and folders can be uploaded, not %s", strings.Join(refused, ", ")))
	}
	if len(paths) > 0 {
		u.ConfirmUpload(paths)
	}
}

// ConfirmUpload asks where paths should go (target and remote folder,
// preset to the last choice) and queues them on confirmation. It is the
// same path for a drop, the Upload button and a hand-off from a second
// `ferry` process.
func (u *UI) ConfirmUpload(paths []string) {
	targets := u.be.Targets()
	if len(targets) == 0 {
		dialog.ShowConfirm("No target yet", "Add a service to upload to first. Open the settings now?",
			func(ok bool) {
				if ok {
					u.ShowSettings()
				}
			}, u.win)
		return
	}
	f := u.newUploadForm(paths, targets)
	d := dialog.NewCustomConfirm("Upload", "Upload", "Cancel", f.form, func(ok bool) {
		if ok {
			f.submit()
		}
	}, u.win)
	d.Resize(fyne.NewSize(520, 240))
	d.Show()
}

// uploadForm is the drop confirmation: what, to which target, into which
// remote folder.
type uploadForm struct {
	u      *UI
	paths  []string
	target *widget.Select
	remote *widget.Entry
	form   *widget.Form
}

func (u *UI) newUploadForm(paths []string, targets []Target) *uploadForm {
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.Name
	}
	st := u.be.Settings()
	f := &uploadForm{u: u, paths: paths, target: widget.NewSelect(names, nil), remote: widget.NewEntry()}
	f.target.SetSelected(names[0])
	for _, n := range names {
		if n == st.LastTarget {
			f.target.SetSelected(n)
		}
	}
	f.remote.SetPlaceHolder("remote folder, e.g. Projects/2026 (empty: the target's root)")
	f.remote.SetText(st.LastRemoteDir)
	f.form = widget.NewForm(
		widget.NewFormItem("Upload", widget.NewLabel(describePaths(paths))),
		widget.NewFormItem("To", f.target),
		widget.NewFormItem("Folder", f.remote),
	)
	return f
}

func (f *uploadForm) submit() { f.u.startUpload(f.paths, f.target.Selected, f.remote.Text) }

func (u *UI) startUpload(paths []string, target, remoteDir string) {
	remoteDir = strings.Trim(strings.TrimSpace(remoteDir), "/")
	n, err := u.be.Upload(paths, target, remoteDir)
	if err != nil {
		u.showError(fmt.Errorf("upload: %w", err))
	}
	if n == 0 && err == nil {
		u.showError(errors.New("upload: nothing to upload (empty folders or only ignored files)"))
	}
	st := u.be.Settings()
	if st.LastTarget != target || st.LastRemoteDir != remoteDir {
		st.LastTarget, st.LastRemoteDir = target, remoteDir
		u.act("save settings", u.be.SaveSettings(st))
	}
}

// describePaths summarises what is about to be uploaded.
func describePaths(paths []string) string {
	names := make([]string, 0, 3)
	for i, p := range paths {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(paths)-3))
			break
		}
		names = append(names, filepath.Base(p))
	}
	return strings.Join(names, ", ")
}

// chooseFiles lets the user pick a file or a folder without drag-and-drop.
func (u *UI) chooseFiles() {
	var d dialog.Dialog
	file := widget.NewButton("Choose a file…", func() {
		d.Hide()
		dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				u.act("choose file", err)
				return
			}
			path := r.URI().Path()
			_ = r.Close() // only the path is needed
			u.ConfirmUpload([]string{path})
		}, u.win)
	})
	folder := widget.NewButton("Choose a folder…", func() {
		d.Hide()
		dialog.ShowFolderOpen(func(l fyne.ListableURI, err error) {
			if err != nil || l == nil {
				u.act("choose folder", err)
				return
			}
			u.ConfirmUpload([]string{l.Path()})
		}, u.win)
	})
	d = dialog.NewCustom("Upload", "Close", container.NewVBox(file, folder), u.win)
	d.Show()
}

// Drop handles paths exactly as if they were dropped on the window. The
// hand-off from a second `ferry` process and the GUI smoke test use it.
// Call it on the UI goroutine (fyne.Do).
func (u *UI) Drop(paths []string) {
	uris := make([]fyne.URI, len(paths))
	for i, p := range paths {
		uris[i] = storage.NewFileURI(p)
	}
	u.dropped(uris)
}
