package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Problem is an error a person can act on: Reason says what is wrong in
// plain words (and what to do), Details the technical message for the
// "Details" button, Field the form field at fault ("" for none; "name"
// for the target's name).
type Problem struct {
	Field   string
	Reason  string
	Details string
	// Anyway marks a warning: the target can be saved as it is.
	Anyway bool
}

func (p *Problem) Error() string {
	if p.Details == "" || p.Details == p.Reason {
		return p.Reason
	}
	return p.Reason + " (" + p.Details + ")"
}

// problemOf splits err into a Problem: err's own when it is one, else its
// text as the reason.
func problemOf(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return &Problem{Reason: err.Error()}
}

// checkTimeout bounds the login test of the target form.
const checkTimeout = 45 * time.Second

// fieldInput is one field of the target form: text, a choice or a switch.
type fieldInput struct {
	spec  Field
	entry *widget.Entry
	sel   *widget.Select
	check *widget.Check
	err   *widget.Label // the field's problem, hidden when none
	box   fyne.CanvasObject
}

func newFieldInput(f Field, editing bool) *fieldInput {
	in := &fieldInput{spec: f, err: widget.NewLabel("")}
	in.err.Importance = widget.DangerImportance
	in.err.Wrapping = fyne.TextWrapWord
	in.err.Hide()
	var w fyne.CanvasObject
	switch {
	case isYesNo(f.Options):
		in.check = widget.NewCheck("", nil)
		w = in.check
	case len(f.Options) > 0:
		in.sel = widget.NewSelect(f.Options, nil)
		in.sel.PlaceHolder = "(default)"
		w = in.sel
	default:
		in.entry = widget.NewEntry()
		if f.Secret {
			in.entry = widget.NewPasswordEntry()
		}
		in.entry.SetPlaceHolder(f.Placeholder)
		if f.Secret && editing {
			in.entry.SetPlaceHolder("stored; leave empty to keep it")
		}
		w = in.entry
	}
	in.box = container.NewVBox(w, in.err)
	return in
}

func isYesNo(opts []string) bool {
	return len(opts) == 2 && opts[0] == "no" && opts[1] == "yes"
}

// value is the field's text as the backend takes it ("yes"/"no" for a switch).
func (in *fieldInput) value() string {
	switch {
	case in.check != nil:
		if in.check.Checked {
			return "yes"
		}
		return "no"
	case in.sel != nil:
		return in.sel.Selected
	case in.spec.Secret:
		return in.entry.Text // secrets are taken verbatim
	}
	return strings.TrimSpace(in.entry.Text)
}

func (in *fieldInput) set(v string) {
	switch {
	case in.check != nil:
		in.check.SetChecked(v == "yes" || v == "true")
	case in.sel != nil:
		in.sel.SetSelected(v)
	default:
		in.entry.SetText(v)
	}
}

func (in *fieldInput) mark(msg string) {
	if msg == "" {
		in.err.Hide()
		return
	}
	in.err.SetText(msg)
	in.err.Show()
}

// targetForm is the add/edit target dialog. It stays open until the
// target is saved or the user cancels: a problem is shown beside its
// field, a failed login test with its reason, details and "Save anyway".
type targetForm struct {
	u       *UI
	editing bool
	kinds   []KindSpec
	spec    KindSpec

	name    *widget.Entry
	nameErr *widget.Label
	kind    *widget.Select
	fields  *fyne.Container
	inputs  map[string]*fieldInput
	scroll  *container.Scroll

	problem    *problemView
	save       *widget.Button
	saveAnyway *widget.Button
	cancel     *widget.Button
	dlg        dialog.Dialog
	done       func()
}

// showTargetForm opens the dialog for a new target (edit nil) or for
// changing edit (its name and service stay; empty secrets keep the
// stored ones). done runs after a save.
func (u *UI) showTargetForm(w fyne.Window, edit *Target, done func()) *targetForm {
	kinds := u.be.TargetKinds()
	if len(kinds) == 0 {
		return nil
	}
	f := &targetForm{u: u, editing: edit != nil, kinds: kinds, done: done, inputs: map[string]*fieldInput{}}
	labels := make([]string, len(kinds))
	for i, k := range kinds {
		labels[i] = k.Label
	}
	f.name = widget.NewEntry()
	f.name.SetPlaceHolder("a short name, e.g. work")
	f.nameErr = widget.NewLabel("")
	f.nameErr.Importance = widget.DangerImportance
	f.nameErr.Hide()
	f.fields = container.NewVBox()
	f.kind = widget.NewSelect(labels, func(label string) { f.showKind(label) })
	f.problem = newProblemView()
	f.save = widget.NewButtonWithIcon("Save", theme.ConfirmIcon(), func() { f.submit(false) })
	f.save.Importance = widget.HighImportance
	f.saveAnyway = widget.NewButton("Save anyway", func() { f.submit(true) })
	f.saveAnyway.Hide()
	f.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { f.dlg.Hide() })

	title := "Add a target"
	f.kind.SetSelected(labels[0])
	if edit != nil {
		title = "Edit target " + edit.Name
		f.name.SetText(edit.Name)
		f.name.Disable()
		for _, k := range kinds {
			if k.Kind == edit.Kind {
				f.kind.SetSelected(k.Label)
			}
		}
		f.kind.Disable()
		for key, v := range edit.Settings {
			if in := f.inputs[key]; in != nil {
				in.set(v)
			}
		}
	}
	head := widget.NewForm(
		widget.NewFormItem("Name", container.NewVBox(f.name, f.nameErr)),
		widget.NewFormItem("Service", f.kind))
	f.scroll = container.NewVScroll(container.NewVBox(head, f.fields))
	if err := u.be.SecretsProblem(); err != nil {
		f.problem.show(&Problem{Reason: "Secrets cannot be stored: " + err.Error()})
	}
	// The buttons sit below the scrolled fields, never over them.
	buttons := container.NewHBox(layout.NewSpacer(), f.cancel, f.saveAnyway, f.save)
	content := container.NewBorder(nil, container.NewVBox(f.problem.box, buttons), nil, nil, f.scroll)
	f.dlg = dialog.NewCustomWithoutButtons(title, content, w)
	f.dlg.Resize(fyne.NewSize(600, 500))
	f.dlg.Show()
	return f
}

// showKind rebuilds the fields for the service labelled label.
func (f *targetForm) showKind(label string) {
	for _, k := range f.kinds {
		if k.Label == label {
			f.spec = k
		}
	}
	f.fields.RemoveAll()
	f.inputs = map[string]*fieldInput{}
	form := widget.NewForm()
	for _, fl := range f.spec.Fields {
		in := newFieldInput(fl, f.editing)
		label := fl.Label
		if fl.Required && !(fl.Secret && f.editing) {
			label += " *"
		}
		form.Append(label, in.box)
		f.inputs[fl.Key] = in
	}
	f.fields.Add(form)
	f.clearProblems()
}

func (f *targetForm) clearProblems() {
	f.nameErr.Hide()
	for _, in := range f.inputs {
		in.mark("")
	}
	f.problem.hide()
	f.saveAnyway.Hide()
}

// collect reads the form into a Target and its secrets, or the Problem of
// the first field that needs fixing.
func (f *targetForm) collect() (Target, map[string]string, *Problem) {
	name := strings.TrimSpace(f.name.Text)
	if name == "" {
		return Target{}, nil, &Problem{Field: "name", Reason: "The target needs a name."}
	}
	if !f.editing {
		for _, t := range f.u.be.Targets() {
			if t.Name == name {
				return Target{}, nil, &Problem{Field: "name", Reason: "A target named " + name +
					" exists already. Choose another name, or close this and edit that target."}
			}
		}
	}
	t := Target{Name: name, Kind: f.spec.Kind, Settings: map[string]string{}}
	secrets := map[string]string{}
	for _, fl := range f.spec.Fields {
		v := f.inputs[fl.Key].value()
		if fl.Required && v == "" && !(fl.Secret && f.editing) {
			return Target{}, nil, &Problem{Field: fl.Key, Reason: fl.Label + " is required."}
		}
		switch {
		case v == "":
		case fl.Secret:
			secrets[fl.Key] = v
		default:
			t.Settings[fl.Key] = v
		}
	}
	return t, secrets, nil
}

// submit checks the form, tests the login (unless anyway) and saves. A
// problem keeps the dialog open and marks its field.
func (f *targetForm) submit(anyway bool) {
	f.clearProblems()
	t, secrets, p := f.collect()
	if p != nil {
		f.showProblem(p, false)
		return
	}
	if anyway {
		f.commit(t, secrets)
		return
	}
	f.busy(true)
	f.problem.show(&Problem{Reason: "Testing the login…"})
	f.u.background(func() {
		ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
		defer cancel()
		err := f.u.be.CheckTarget(ctx, t, secrets)
		fyne.Do(func() {
			f.busy(false)
			if err != nil {
				p := problemOf(err)
				// A field's problem is fixed in the form; a failed test may
				// be the server's, so the target can be saved anyway.
				f.showProblem(p, p.Field == "" || p.Anyway)
				return
			}
			f.commit(t, secrets)
		})
	})
}

func (f *targetForm) commit(t Target, secrets map[string]string) {
	if err := f.u.be.SaveTarget(t, secrets); err != nil {
		f.showProblem(problemOf(err), false)
		return
	}
	f.dlg.Hide()
	if f.done != nil {
		f.done()
	}
}

func (f *targetForm) busy(on bool) {
	if on {
		f.save.Disable()
		f.saveAnyway.Disable()
		return
	}
	f.save.Enable()
	f.saveAnyway.Enable()
}

// showProblem marks p's field (scrolling it into view) and shows the
// reason under the form; offerAnyway adds "Save anyway".
func (f *targetForm) showProblem(p *Problem, offerAnyway bool) {
	f.problem.show(p)
	if offerAnyway {
		f.saveAnyway.Show()
	}
	var at fyne.CanvasObject
	switch in := f.inputs[p.Field]; {
	case p.Field == "name":
		f.nameErr.SetText(p.Reason)
		f.nameErr.Show()
		at = f.name
	case in != nil:
		in.mark(p.Reason)
		at = in.box
	}
	if at != nil {
		f.scroll.Refresh()
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(at)
		top := fyne.CurrentApp().Driver().AbsolutePositionForObject(f.scroll.Content)
		f.scroll.Offset = fyne.NewPos(0, max(0, pos.Y-top.Y-theme.Padding()))
		f.scroll.Refresh()
	}
}

// problemView shows a Problem: the reason in words, and on demand the
// technical details in a read-only, selectable text (copyable).
type problemView struct {
	reason  *widget.Label
	toggle  *widget.Button
	details *widget.Entry
	box     *fyne.Container
}

func newProblemView() *problemView {
	v := &problemView{reason: widget.NewLabel(""), details: widget.NewMultiLineEntry()}
	v.reason.Wrapping = fyne.TextWrapWord
	v.details.Wrapping = fyne.TextWrapWord
	v.details.Hide()
	v.toggle = widget.NewButton("Details", func() {
		if v.details.Visible() {
			v.details.Hide()
			v.toggle.SetText("Details")
			return
		}
		v.details.Show()
		v.toggle.SetText("Hide details")
	})
	v.toggle.Importance = widget.LowImportance
	v.box = container.NewVBox(container.NewBorder(nil, nil, nil, v.toggle, v.reason), v.details)
	v.hide()
	return v
}

func (v *problemView) show(p *Problem) {
	v.reason.SetText(p.Reason)
	v.reason.Importance = widget.MediumImportance
	if p.Field != "" || p.Details != "" {
		v.reason.Importance = widget.DangerImportance
	}
	v.reason.Refresh()
	v.details.OnChanged = nil
	v.details.SetText(p.Details)
	// The entry is for reading and copying: typing is undone at once.
	v.details.OnChanged = func(s string) {
		if s != p.Details {
			v.details.SetText(p.Details)
		}
	}
	v.details.Hide()
	v.toggle.SetText("Details")
	if p.Details == "" {
		v.toggle.Hide()
	} else {
		v.toggle.Show()
	}
	v.box.Show()
}

func (v *problemView) hide() { v.box.Hide() }
