package ticket

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// applyForm sets the ticket's form: the one named (staff may change it;
// end-users only choose it on a new request), else the default form for a
// new ticket. An end-user's web or API submission then has the form's
// portal rules applied to its custom fields (see portalRules).
func (e *Edit) applyForm(in *Input) error {
	endUser := in.Portal || !e.p.IsStaff()
	switch {
	case in.TicketFormID.Set:
		if err := e.setTicketForm(in.TicketFormID.ID, endUser); err != nil {
			return err
		}
	case e.creating:
		id, err := e.defaultFormID()
		if err != nil {
			return err
		}
		e.t.TicketFormID = id
	}
	if e.creating && (in.Portal || (!e.p.IsStaff() && (e.t.Via.Channel == "web" || e.t.Via.Channel == "api"))) {
		return e.portalRules(in)
	}
	return nil
}

// SetTicketForm changes the ticket's form (0: the default form). The form
// must be active; end-users may name only end-user-visible forms.
func (e *Edit) SetTicketForm(id int64) error { return e.setTicketForm(id, !e.p.IsStaff()) }

func (e *Edit) setTicketForm(id int64, endUser bool) error {
	var next *int64
	if id == 0 {
		d, err := e.defaultFormID()
		if err != nil {
			return err
		}
		next = d
	} else {
		f, err := formTx(e.ctx, e.tx, id)
		if desk.ErrorCode(err) == desk.ENOTFOUND || (err == nil && (!f.Active || (endUser && !f.EndUserVisible))) {
			return desk.Invalid("ticket_form_id", "is not an active ticket form")
		}
		if err != nil {
			return err
		}
		next = &f.ID
	}
	prev := e.t.TicketFormID
	if (prev == nil) != (next == nil) || (prev != nil && *prev != *next) {
		if !e.creating {
			e.c.set("ticket_form_id", prev, next)
		}
		e.t.TicketFormID = next
	}
	return nil
}

// defaultFormID is the default form's id, nil while there are no forms.
// It is kept while the configuration epoch stays the same (a change to
// the forms moves it; see store.ConfigEpoch).
func (e *Edit) defaultFormID() (*int64, error) {
	return e.s.defaultForm.Get(e.ctx, e.tx, func() (*int64, error) {
		var id *int64
		err := e.tx.QueryRow(e.ctx, `SELECT MIN(id) FROM ticket_forms WHERE is_default = ?`, true).Scan(&id)
		return id, err
	})
}

// portalRules holds an end-user's new request to the rules of the portal's
// web form: of the fields end-users can fill in (those on the ticket's
// form, or every field while there are no forms), a field that is the child
// of end-user conditions is shown only while a condition's parent has its
// value; a shown field is required when it is required in the portal or
// the matching condition requires it. Values for fields not shown are
// dropped, as the web form does not send them. Priority and type are
// required when their system fields are required in the portal.
func (e *Edit) portalRules(in *Input) error {
	fields, form, err := e.portalFields()
	if err != nil {
		return err
	}
	cfs := in.CustomFields
	if cfs == nil {
		cfs = in.Fields
	}
	values := map[int64]any{}
	for _, cv := range cfs {
		if f := fields[cv.ID]; f != nil {
			if val, msg := coerce(f, cv.Value); msg == "" && val != nil {
				values[cv.ID] = val
			}
		}
	}
	var conds []desk.FormCondition
	if form != nil {
		conds = form.EndUserConditions
	}
	vis := newVisibility(fields, conds, values)
	var v desk.Validation
	var kept []desk.CustomFieldValue
	for _, cv := range cfs {
		if fields[cv.ID] == nil && form == nil {
			kept = append(kept, cv) // not a portal field: the usual checks apply
		} else if fields[cv.ID] != nil && vis.shown(cv.ID) {
			kept = append(kept, cv)
		}
	}
	for _, f := range orderedFields(fields) {
		switch {
		case desk.IsSystemField(f.Type):
			if f.RequiredInPortal && systemValueMissing(f.Type, in) {
				v.Add(f.Type, fmt.Sprintf("%s is required", f.TitleInPortal))
			}
		case vis.required(f.ID) && values[f.ID] == nil:
			v.Add("custom_fields", fmt.Sprintf("%s is required", f.TitleInPortal))
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if cfs != nil {
		if kept == nil {
			kept = []desk.CustomFieldValue{}
		}
		in.CustomFields, in.Fields = kept, nil
	}
	return nil
}

// systemValueMissing says whether a required system field is left empty.
func systemValueMissing(typ string, in *Input) bool {
	switch typ {
	case desk.FieldSubject:
		subj := firstSet(in.Subject, in.RawSubject)
		return subj == nil || strings.TrimSpace(*subj) == ""
	case desk.FieldPriority:
		return !in.Priority.Set || in.Priority.Value == ""
	case desk.FieldTicketType:
		return !in.Type.Set || in.Type.Value == ""
	}
	return false
}

// portalFields are the fields end-users can fill in on the ticket's form
// (every active portal field while the ticket has no form), and the form.
func (e *Edit) portalFields() (map[int64]*desk.TicketField, *desk.TicketForm, error) {
	var form *desk.TicketForm
	if e.t.TicketFormID != nil {
		f, err := formTx(e.ctx, e.tx, *e.t.TicketFormID)
		if err != nil {
			return nil, nil, err
		}
		form = f
	}
	rows, err := e.tx.Query(e.ctx, `SELECT `+fieldColumns+` FROM ticket_fields WHERE active = ? AND visible_in_portal = ? AND editable_in_portal = ?`, true, true, true)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	out := map[int64]*desk.TicketField{}
	for rows.Next() {
		f, err := scanField(rows)
		if err != nil {
			return nil, nil, err
		}
		out[f.ID] = f
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if form != nil {
		onForm := map[int64]bool{}
		for _, id := range form.TicketFieldIDs {
			onForm[id] = true
		}
		for id := range out {
			if !onForm[id] {
				delete(out, id)
			}
		}
	}
	return out, form, nil
}

// orderedFields lists fields by id, so errors come in a stable order.
func orderedFields(fields map[int64]*desk.TicketField) []*desk.TicketField {
	out := make([]*desk.TicketField, 0, len(fields))
	for _, f := range fields {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b *desk.TicketField) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// fieldVisibility works out which fields conditions show and require.
type fieldVisibility struct {
	fields map[int64]*desk.TicketField
	conds  []desk.FormCondition
	values map[int64]any
	memo   map[int64]bool
	child  map[int64]bool
}

func newVisibility(fields map[int64]*desk.TicketField, conds []desk.FormCondition, values map[int64]any) *fieldVisibility {
	v := &fieldVisibility{fields: fields, conds: conds, values: values, memo: map[int64]bool{}, child: map[int64]bool{}}
	for _, c := range conds {
		for _, ch := range c.ChildFields {
			v.child[ch.ID] = true
		}
	}
	return v
}

// shown says whether field id is shown: it is on the form and, when a
// condition's child, some condition on a shown parent matches.
func (v *fieldVisibility) shown(id int64) bool {
	if v.fields[id] == nil {
		return false
	}
	if !v.child[id] {
		return true
	}
	if s, ok := v.memo[id]; ok {
		return s
	}
	v.memo[id] = false // a cycle (stale conditions) shows nothing
	s := false
	for _, c := range v.matching() {
		for _, ch := range c.ChildFields {
			if ch.ID == id && v.shown(c.ParentFieldID) {
				s = true
			}
		}
	}
	v.memo[id] = s
	return s
}

// matching are the conditions whose parent has the condition's value.
func (v *fieldVisibility) matching() []desk.FormCondition {
	var out []desk.FormCondition
	for _, c := range v.conds {
		if val, ok := v.values[c.ParentFieldID]; ok && val == c.Value {
			out = append(out, c)
		} else if !ok && c.Value == false {
			out = append(out, c) // an unchecked checkbox is false
		}
	}
	return out
}

// required says whether field id must have a value.
func (v *fieldVisibility) required(id int64) bool {
	if !v.shown(id) {
		return false
	}
	if v.fields[id].RequiredInPortal {
		return true
	}
	for _, c := range v.matching() {
		for _, ch := range c.ChildFields {
			if ch.ID == id && ch.IsRequired && v.shown(c.ParentFieldID) {
				return true
			}
		}
	}
	return false
}
