package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Ticket forms (Zendesk's /ticket_forms): a named, ordered set of ticket
// fields with conditions. Staff see every form; end-users see the active,
// end-user-visible ones, with only the fields they may see and without the
// agent conditions. Admins (and roles with manage_ticket_fields) change
// them. Once a form exists exactly one is the default, which is active and
// cannot be deleted; new tickets without ticket_form_id get it.

// FormInput creates or changes a ticket form; absent properties stay.
type FormInput struct {
	Name               *string               `json:"name"`
	DisplayName        *string               `json:"display_name"`
	Position           *int                  `json:"position"`
	Active             *bool                 `json:"active"`
	EndUserVisible     *bool                 `json:"end_user_visible"`
	Default            *bool                 `json:"default"`
	InAllBrands        *bool                 `json:"in_all_brands"`
	RestrictedBrandIDs *[]int64              `json:"restricted_brand_ids"`
	TicketFieldIDs     *[]int64              `json:"ticket_field_ids"`
	AgentConditions    *[]desk.FormCondition `json:"agent_conditions"`
	EndUserConditions  *[]desk.FormCondition `json:"end_user_conditions"`
}

// FormFilter narrows a form list (nil: either way).
type FormFilter struct {
	Active         *bool
	EndUserVisible *bool
}

// Limits on one form.
const (
	maxFormFields     = 400
	maxFormConditions = 400
)

const formColumns = `id, name, display_name, position, active, end_user_visible, is_default, in_all_brands, field_ids, agent_conditions, end_user_conditions, created_at, updated_at`

// formOrder is the order of every form list.
const formOrder = ` ORDER BY position, id`

func scanForm(row scanner) (*desk.TicketForm, error) {
	var f desk.TicketForm
	var fields, agent, endUser string
	var created, updated int64
	if err := row.Scan(&f.ID, &f.Name, &f.DisplayName, &f.Position, &f.Active, &f.EndUserVisible, &f.Default, &f.InAllBrands,
		&fields, &agent, &endUser, &created, &updated); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(fields), &f.TicketFieldIDs)
	_ = json.Unmarshal([]byte(agent), &f.AgentConditions)
	_ = json.Unmarshal([]byte(endUser), &f.EndUserConditions)
	f.CreatedAt, f.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	finishForm(&f)
	return &f, nil
}

// finishForm fills derived properties and turns nil lists into [].
func finishForm(f *desk.TicketForm) {
	if f.DisplayName == "" {
		f.DisplayName = f.Name
	}
	f.RawName, f.RawDisplayName = f.Name, f.DisplayName
	f.RestrictedBrandIDs = []int64{}
	if f.TicketFieldIDs == nil {
		f.TicketFieldIDs = []int64{}
	}
	if f.AgentConditions == nil {
		f.AgentConditions = []desk.FormCondition{}
	}
	if f.EndUserConditions == nil {
		f.EndUserConditions = []desk.FormCondition{}
	}
}

// Forms lists the ticket forms the caller may see, in position order.
func (s *Service) Forms(ctx context.Context, filter FormFilter) ([]*desk.TicketForm, error) {
	return s.queryForms(ctx, filter, "", nil)
}

// FormsByID lists the forms with the given ids the caller may see
// (show_many); unknown ids are left out.
func (s *Service) FormsByID(ctx context.Context, ids []int64, filter FormFilter) ([]*desk.TicketForm, error) {
	if len(ids) == 0 {
		return []*desk.TicketForm{}, nil
	}
	if len(ids) > 100 {
		return nil, desk.Invalid("ids", "takes at most 100 ids")
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return s.queryForms(ctx, filter, `id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, args)
}

func (s *Service) queryForms(ctx context.Context, filter FormFilter, cond string, args []any) ([]*desk.TicketForm, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	where := []string{"1=1"}
	if cond != "" {
		where = append(where, cond)
	}
	if !p.IsStaff() {
		where = append(where, "active = ?", "end_user_visible = ?")
		args = append(args, true, true)
	}
	if filter.Active != nil {
		where, args = append(where, "active = ?"), append(args, *filter.Active)
	}
	if filter.EndUserVisible != nil {
		where, args = append(where, "end_user_visible = ?"), append(args, *filter.EndUserVisible)
	}
	rows, err := s.DB.Query(ctx, `SELECT `+formColumns+` FROM ticket_forms WHERE `+strings.Join(where, " AND ")+formOrder, args...)
	if err != nil {
		return nil, wrapf(err, "ticket: list forms")
	}
	defer rows.Close()
	out := []*desk.TicketForm{}
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		if err := s.forEndUser(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// forEndUser keeps what end-users may see of forms: the portal-visible
// fields and the end-user conditions.
func (s *Service) forEndUser(ctx context.Context, forms []*desk.TicketForm) error {
	fields, err := s.Fields(ctx) // an end-user's list is the portal-visible fields
	if err != nil {
		return err
	}
	visible := map[int64]bool{}
	for _, f := range fields {
		visible[f.ID] = true
	}
	for _, f := range forms {
		f.TicketFieldIDs = slices.DeleteFunc(f.TicketFieldIDs, func(id int64) bool { return !visible[id] })
		f.AgentConditions = []desk.FormCondition{}
	}
	return nil
}

// Form returns one ticket form the caller may see.
func (s *Service) Form(ctx context.Context, id int64) (*desk.TicketForm, error) {
	fs, err := s.FormsByID(ctx, []int64{id}, FormFilter{})
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, desk.NotFound()
	}
	return fs[0], nil
}

// SaveForm creates (id 0) or updates a ticket form.
func (s *Service) SaveForm(ctx context.Context, id int64, in FormInput) (*desk.TicketForm, error) {
	if err := requireFieldAdmin(ctx); err != nil {
		return nil, err
	}
	var out *desk.TicketForm
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		f := &desk.TicketForm{Active: true, EndUserVisible: true, InAllBrands: true}
		if id != 0 {
			var err error
			if f, err = formTx(ctx, tx, id); err != nil {
				return err
			}
		} else if in.TicketFieldIDs == nil {
			ids, err := systemFieldIDs(ctx, tx)
			if err != nil {
				return err
			}
			f.TicketFieldIDs = ids
		}
		if err := applyFormInput(ctx, tx, f, in); err != nil {
			return err
		}
		if err := writeForm(ctx, tx, f, store.Now()); err != nil {
			return err
		}
		out = f
		return nil
	})
	if err != nil {
		return nil, wrapf(err, "ticket: save form")
	}
	return out, nil
}

// applyFormInput copies in onto f and checks the result.
func applyFormInput(ctx context.Context, tx *store.Tx, f *desk.TicketForm, in FormInput) error {
	var v desk.Validation
	if in.Name != nil {
		f.Name = strings.TrimSpace(*in.Name)
	}
	if f.Name == "" || len(f.Name) > 255 || strings.ContainsRune(f.Name, 0) {
		v.Add("name", "cannot be blank")
	}
	if in.DisplayName != nil {
		f.DisplayName = strings.TrimSpace(*in.DisplayName)
		if len(f.DisplayName) > 255 || strings.ContainsRune(f.DisplayName, 0) {
			v.Add("display_name", "is not valid")
		}
	}
	if in.Position != nil {
		if *in.Position < 0 || *in.Position > 1_000_000 {
			v.Add("position", "must be between 0 and 1000000")
		}
		f.Position = *in.Position
	}
	for dst, src := range map[*bool]*bool{&f.Active: in.Active, &f.EndUserVisible: in.EndUserVisible, &f.InAllBrands: in.InAllBrands, &f.Default: in.Default} {
		if src != nil {
			*dst = *src
		}
	}
	if in.RestrictedBrandIDs != nil && len(*in.RestrictedBrandIDs) > 0 {
		v.Add("restricted_brand_ids", "Frontdesk has one brand; forms are in all brands")
	}
	if !f.InAllBrands {
		v.Add("in_all_brands", "Frontdesk has one brand; forms are in all brands")
	}
	if in.TicketFieldIDs != nil {
		f.TicketFieldIDs = slices.Clone(*in.TicketFieldIDs)
	}
	if in.AgentConditions != nil {
		f.AgentConditions = slices.Clone(*in.AgentConditions)
	}
	if in.EndUserConditions != nil {
		f.EndUserConditions = slices.Clone(*in.EndUserConditions)
	}
	if err := v.Err(); err != nil {
		return err
	}
	fields, err := formFields(ctx, tx, f.TicketFieldIDs)
	if err != nil {
		return err
	}
	if err := checkConditions("agent_conditions", f.AgentConditions, fields, false); err != nil {
		return err
	}
	if err := checkConditions("end_user_conditions", f.EndUserConditions, fields, true); err != nil {
		return err
	}
	return settleDefault(ctx, tx, f)
}

// formFields reads the fields a form lists, refusing unknown or repeated ids.
func formFields(ctx context.Context, tx *store.Tx, ids []int64) (map[int64]*desk.TicketField, error) {
	if len(ids) > maxFormFields {
		return nil, desk.Invalid("ticket_field_ids", fmt.Sprintf("takes at most %d fields", maxFormFields))
	}
	out := map[int64]*desk.TicketField{}
	for _, id := range ids {
		if out[id] != nil {
			return nil, desk.Invalid("ticket_field_ids", fmt.Sprintf("lists field %d twice", id))
		}
		f, err := scanField(tx.QueryRow(ctx, `SELECT `+fieldColumns+` FROM ticket_fields WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, desk.Invalid("ticket_field_ids", fmt.Sprintf("field %d does not exist", id))
		}
		if err != nil {
			return nil, err
		}
		out[id] = f
	}
	return out, nil
}

// conditionParent says whether a field of type typ can drive conditions.
func conditionParent(typ string) bool { return typ == "tagger" || typ == "checkbox" }

// checkConditions validates one condition list against the form's fields:
// parents are dropdowns or checkboxes on the form, values are theirs,
// children are other fields on the form, no field is its own ancestor, and
// end-user conditions name only fields end-users can fill in.
func checkConditions(name string, conds []desk.FormCondition, fields map[int64]*desk.TicketField, endUser bool) error {
	if len(conds) > maxFormConditions {
		return desk.Invalid(name, fmt.Sprintf("takes at most %d conditions", maxFormConditions))
	}
	bad := func(i int, msg string) error { return desk.Invalid(name, fmt.Sprintf("condition %d: %s", i+1, msg)) }
	portal := func(f *desk.TicketField) bool { return f.Active && f.VisibleInPortal && f.EditableInPortal }
	seen := map[string]bool{}
	edges := map[int64][]int64{}
	for i := range conds {
		c := &conds[i]
		parent := fields[c.ParentFieldID]
		if parent == nil {
			return bad(i, "parent_field_id is not a field of this form")
		}
		if !conditionParent(parent.Type) {
			return bad(i, "the parent field must be a dropdown or a checkbox")
		}
		if endUser && !portal(parent) {
			return bad(i, "the parent field is not editable in the portal")
		}
		val, msg := coerce(parent, c.Value)
		if msg != "" || val == nil {
			return bad(i, "value is not a value of the parent field")
		}
		c.Value = val
		key := fmt.Sprint(c.ParentFieldID, "=", val)
		if seen[key] {
			return bad(i, "repeats an earlier condition's parent and value")
		}
		seen[key] = true
		if len(c.ChildFields) == 0 {
			return bad(i, "child_fields cannot be empty")
		}
		kids := map[int64]bool{}
		for j := range c.ChildFields {
			ch := &c.ChildFields[j]
			child := fields[ch.ID]
			switch {
			case child == nil:
				return bad(i, fmt.Sprintf("child field %d is not a field of this form", ch.ID))
			case ch.ID == c.ParentFieldID || kids[ch.ID]:
				return bad(i, fmt.Sprintf("child field %d is repeated or is the parent", ch.ID))
			case child.Type == desk.FieldSubject || child.Type == desk.FieldDescription:
				return bad(i, "subject and description are always shown")
			case endUser && !portal(child):
				return bad(i, fmt.Sprintf("child field %d is not editable in the portal", ch.ID))
			}
			if err := checkRequiredOn(ch, endUser); err != nil {
				return bad(i, err.Error())
			}
			kids[ch.ID] = true
			edges[c.ParentFieldID] = append(edges[c.ParentFieldID], ch.ID)
		}
	}
	if hasCycle(edges) {
		return desk.Invalid(name, "a field cannot show itself through other conditions")
	}
	return nil
}

// checkRequiredOn validates an agent child field's required_on_statuses
// (end-user conditions have none).
func checkRequiredOn(ch *desk.ChildField, endUser bool) error {
	r := ch.RequiredOnStatuses
	if r == nil {
		return nil
	}
	if endUser {
		return errors.New("required_on_statuses is for agent conditions")
	}
	switch r.Type {
	case "NO_STATUSES", "ALL_STATUSES":
		r.Statuses = nil
	case "SOME_STATUSES":
		if len(r.Statuses) == 0 {
			return errors.New("SOME_STATUSES needs statuses")
		}
		for _, st := range r.Statuses {
			if st == string(desk.StatusClosed) || desk.StatusRank(st) < 0 {
				return fmt.Errorf("status %q is not valid", st)
			}
		}
	default:
		return errors.New("required_on_statuses type must be NO_STATUSES, ALL_STATUSES or SOME_STATUSES")
	}
	return nil
}

// hasCycle reports whether the parent→child graph has a cycle.
func hasCycle(edges map[int64][]int64) bool {
	const (
		visiting = 1
		done     = 2
	)
	state := map[int64]int{}
	var visit func(int64) bool
	visit = func(n int64) bool {
		switch state[n] {
		case visiting:
			return true
		case done:
			return false
		}
		state[n] = visiting
		for _, m := range edges[n] {
			if visit(m) {
				return true
			}
		}
		state[n] = done
		return false
	}
	for n := range edges {
		if visit(n) {
			return true
		}
	}
	return false
}

// settleDefault keeps exactly one default form: the first form is the
// default; a form made default takes it from the others; the default stays
// active and cannot give the role up except to another form.
func settleDefault(ctx context.Context, tx *store.Tx, f *desk.TicketForm) error {
	var cur sql.NullInt64
	if err := tx.QueryRow(ctx, `SELECT MIN(id) FROM ticket_forms WHERE is_default = ?`, true).Scan(&cur); err != nil {
		return err
	}
	wasDefault := f.ID != 0 && cur.Valid && cur.Int64 == f.ID
	switch {
	case !cur.Valid:
		f.Default = true
	case wasDefault && !f.Default:
		return desk.Invalid("default", "make another form the default instead")
	}
	if f.Default && !f.Active {
		return desk.Invalid("active", "the default form cannot be inactive")
	}
	if f.Default && cur.Valid && !wasDefault {
		_, err := tx.Exec(ctx, `UPDATE ticket_forms SET is_default = ? WHERE is_default = ?`, false, true)
		return err
	}
	return nil
}

// writeForm inserts f (ID 0) or updates it.
func writeForm(ctx context.Context, tx *store.Tx, f *desk.TicketForm, now int64) error {
	fields, _ := json.Marshal(f.TicketFieldIDs)
	agent, _ := json.Marshal(f.AgentConditions)
	endUser, _ := json.Marshal(f.EndUserConditions)
	display := f.DisplayName
	if display == f.Name {
		display = ""
	}
	finishForm(f)
	f.UpdatedAt = desk.TimeFromMicros(now)
	if f.ID == 0 {
		f.CreatedAt = f.UpdatedAt
		id, err := tx.InsertID(ctx, `INSERT INTO ticket_forms (name, display_name, position, active, end_user_visible, is_default, in_all_brands,
			field_ids, agent_conditions, end_user_conditions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.Name, display, f.Position, f.Active, f.EndUserVisible, f.Default, f.InAllBrands, string(fields), string(agent), string(endUser), now, now)
		f.ID = id
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE ticket_forms SET name = ?, display_name = ?, position = ?, active = ?, end_user_visible = ?, is_default = ?,
		in_all_brands = ?, field_ids = ?, agent_conditions = ?, end_user_conditions = ?, updated_at = ? WHERE id = ?`,
		f.Name, display, f.Position, f.Active, f.EndUserVisible, f.Default, f.InAllBrands, string(fields), string(agent), string(endUser), now, f.ID)
	return err
}

func formTx(ctx context.Context, q store.Querier, id int64) (*desk.TicketForm, error) {
	f, err := scanForm(q.QueryRow(ctx, `SELECT `+formColumns+` FROM ticket_forms WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	return f, err
}

// systemFieldIDs are the ids of the system fields, a new form's fields.
func systemFieldIDs(ctx context.Context, q store.Querier) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT id FROM ticket_fields WHERE type IN ('subject', 'description', 'status', 'tickettype', 'priority', 'group', 'assignee')`+fieldOrder)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// DeleteForm removes a form other than the default. Tickets raised with it
// keep its id, as in Zendesk.
func (s *Service) DeleteForm(ctx context.Context, id int64) error {
	if err := requireFieldAdmin(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		f, err := formTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if f.Default {
			return desk.Invalid("default", "the default form cannot be deleted")
		}
		_, err = tx.Exec(ctx, `DELETE FROM ticket_forms WHERE id = ?`, id)
		return err
	})
	return wrapf(err, "ticket: delete form %d", id)
}

// ReorderForms sets positions in the order of ids, which must name every
// form once (Zendesk's PUT /ticket_forms/reorder).
func (s *Service) ReorderForms(ctx context.Context, ids []int64) error {
	if err := requireFieldAdmin(ctx); err != nil {
		return err
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM ticket_forms`).Scan(&n); err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, id := range ids {
			seen[id] = true
		}
		if len(ids) != n || len(seen) != n {
			return desk.Invalid("ticket_form_ids", "must list every ticket form once")
		}
		now := store.Now()
		for pos, id := range ids {
			res, err := tx.Exec(ctx, `UPDATE ticket_forms SET position = ?, updated_at = ? WHERE id = ?`, pos+1, now, id)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return desk.Invalid("ticket_form_ids", fmt.Sprintf("form %d does not exist", id))
			}
		}
		return nil
	})
	return wrapf(err, "ticket: reorder forms")
}

// CloneForm copies a form under the name "<name> (clone)"; the copy is not
// the default.
func (s *Service) CloneForm(ctx context.Context, id int64) (*desk.TicketForm, error) {
	if err := requireFieldAdmin(ctx); err != nil {
		return nil, err
	}
	var out *desk.TicketForm
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		f, err := formTx(ctx, tx, id)
		if err != nil {
			return err
		}
		f.ID, f.Default = 0, false
		f.Name = trimFor(f.Name) + " (clone)"
		if err := writeForm(ctx, tx, f, store.Now()); err != nil {
			return err
		}
		out = f
		return nil
	})
	if err != nil {
		return nil, wrapf(err, "ticket: clone form %d", id)
	}
	return out, nil
}

// PortalForm is a form as the portal's web form shows it: the custom fields
// end-users fill in, in the form's order, and its end-user conditions.
type PortalForm struct {
	Form   *desk.TicketForm // nil while there are no forms
	Fields []*desk.TicketField
}

// PortalForms lists what the portal's new-request page offers: the active
// end-user-visible forms with their portal fields (or, when none is
// visible, the default form; with no forms at all, one entry without a
// form listing every portal field). The page is public, so this needs no
// principal and shows only what end-users may see.
func (s *Service) PortalForms(ctx context.Context) ([]PortalForm, error) {
	fields, err := portalCustomFields(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+formColumns+` FROM ticket_forms WHERE active = ? AND (end_user_visible = ? OR is_default = ?)`+formOrder, true, true, true)
	if err != nil {
		return nil, wrapf(err, "ticket: portal forms")
	}
	defer rows.Close()
	var visible []*desk.TicketForm
	var def *desk.TicketForm
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, err
		}
		if f.EndUserVisible {
			visible = append(visible, f)
		} else {
			def = f
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(visible) == 0 && def != nil {
		visible = []*desk.TicketForm{def}
	}
	if len(visible) == 0 {
		return []PortalForm{{Fields: fields}}, nil
	}
	byID := map[int64]*desk.TicketField{}
	for _, f := range fields {
		byID[f.ID] = f
	}
	out := make([]PortalForm, 0, len(visible))
	for _, form := range visible {
		pf := PortalForm{Form: form, Fields: []*desk.TicketField{}}
		for _, id := range form.TicketFieldIDs {
			if f := byID[id]; f != nil {
				pf.Fields = append(pf.Fields, f)
			}
		}
		form.AgentConditions = []desk.FormCondition{}
		out = append(out, pf)
	}
	return out, nil
}

// portalCustomFields are the active custom fields end-users see and fill in.
func portalCustomFields(ctx context.Context, q store.Querier) ([]*desk.TicketField, error) {
	rows, err := q.Query(ctx, `SELECT `+fieldColumns+` FROM ticket_fields WHERE active = ? AND visible_in_portal = ? AND editable_in_portal = ?`+fieldOrder, true, true, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*desk.TicketField{}
	for rows.Next() {
		f, err := scanField(rows)
		if err != nil {
			return nil, err
		}
		if !desk.IsSystemField(f.Type) {
			out = append(out, f)
		}
	}
	return out, rows.Err()
}
