package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// FieldTypes are the custom ticket field types Frontdesk supports, named as
// in Zendesk's ticket_fields API ("tagger" is a dropdown).
// Multiselect fields hold several of their options.
var FieldTypes = []string{"text", "textarea", "integer", "decimal", "tagger", "multiselect", "checkbox", "date", "regexp"}

// hasOptions says whether fields of type typ take custom_field_options.
func hasOptions(typ string) bool { return typ == "tagger" || typ == "multiselect" }

// systemFieldOptions are the fixed values Zendesk lists for system fields.
var systemFieldOptions = map[string][]desk.SystemFieldOption{
	desk.FieldStatus: {{Name: "Open", Value: "open"}, {Name: "Pending", Value: "pending"}, {Name: "On-hold", Value: "hold"}, {Name: "Solved", Value: "solved"}},
	desk.FieldTicketType: {{Name: "Question", Value: desk.TypeQuestion}, {Name: "Incident", Value: desk.TypeIncident},
		{Name: "Problem", Value: desk.TypeProblem}, {Name: "Task", Value: desk.TypeTask}},
	desk.FieldPriority: {{Name: "Low", Value: desk.PriorityLow}, {Name: "Normal", Value: desk.PriorityNormal},
		{Name: "High", Value: desk.PriorityHigh}, {Name: "Urgent", Value: desk.PriorityUrgent}},
}

// FieldInput creates or changes a ticket field.
type FieldInput struct {
	Type                *string             `json:"type"`
	Title               *string             `json:"title"`
	Description         *string             `json:"description"`
	Position            *int                `json:"position"`
	Active              *bool               `json:"active"`
	Required            *bool               `json:"required"`
	VisibleInPortal     *bool               `json:"visible_in_portal"`
	EditableInPortal    *bool               `json:"editable_in_portal"`
	RequiredInPortal    *bool               `json:"required_in_portal"`
	TitleInPortal       *string             `json:"title_in_portal"`
	Tag                 *string             `json:"tag"`
	CustomFieldOptions  *[]desk.FieldOption `json:"custom_field_options"`
	RegexpForValidation *string             `json:"regexp_for_validation"`
}

const fieldColumns = `id, type, title, description, position, active, required, visible_in_portal, editable_in_portal, required_in_portal, tag, options, title_in_portal, created_at, updated_at`

// fieldOrder lists system fields first (in Zendesk's order), then custom
// fields by position.
const fieldOrder = ` ORDER BY CASE WHEN type IN ('subject', 'description', 'status', 'tickettype', 'priority', 'group', 'assignee') THEN 0 ELSE 1 END, position, id`

func scanField(row scanner) (*desk.TicketField, error) {
	var f desk.TicketField
	var tag sql.NullString
	var opts string
	var created, updated int64
	if err := row.Scan(&f.ID, &f.Type, &f.Title, &f.Description, &f.Position, &f.Active, &f.Required, &f.VisibleInPortal,
		&f.EditableInPortal, &f.RequiredInPortal, &tag, &opts, &f.TitleInPortal, &created, &updated); err != nil {
		return nil, err
	}
	f.Tag = nullStr(tag)
	_ = json.Unmarshal([]byte(opts), &f.CustomFieldOptions)
	finishField(&f)
	f.CreatedAt, f.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &f, nil
}

// finishField fills the properties derived from the stored ones.
func finishField(f *desk.TicketField) {
	if f.TitleInPortal == "" {
		f.TitleInPortal = f.Title
	}
	f.RawTitle, f.RawDescription, f.RawTitleInPortal = f.Title, f.Description, f.TitleInPortal
	f.Removable = !desk.IsSystemField(f.Type)
	f.AgentCanEdit = true
	f.SystemFieldOptions = systemFieldOptions[f.Type]
	for i := range f.CustomFieldOptions {
		o := &f.CustomFieldOptions[i]
		o.RawName, o.Position = o.Name, i
	}
}

// Fields lists ticket fields; end-users see only those visible in the portal.
func (s *Service) Fields(ctx context.Context) ([]*desk.TicketField, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + fieldColumns + ` FROM ticket_fields`
	if !p.IsStaff() {
		q += ` WHERE visible_in_portal = ? AND active = ?`
	}
	q += fieldOrder
	var args []any
	if !p.IsStaff() {
		args = []any{true, true}
	}
	rows, err := s.DB.Query(ctx, q, args...)
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
		out = append(out, f)
	}
	return out, rows.Err()
}

// CountFields counts the ticket fields, system fields included, as
// Zendesk's GET /ticket_fields/count does (for agents only).
func (s *Service) CountFields(ctx context.Context) (int, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	if !p.IsStaff() {
		return 0, desk.Forbidden("only agents can count ticket fields")
	}
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM ticket_fields`).Scan(&n); err != nil {
		return 0, fmt.Errorf("ticket: count fields: %w", err)
	}
	return n, nil
}

// Field returns one ticket field.
func (s *Service) Field(ctx context.Context, id int64) (*desk.TicketField, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	f, err := scanField(s.DB.QueryRow(ctx, `SELECT `+fieldColumns+` FROM ticket_fields WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.IsStaff() && !f.VisibleInPortal) {
		return nil, desk.NotFound()
	}
	return f, err
}

// requireFieldAdmin refuses callers who may not manage ticket fields.
func requireFieldAdmin(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsStaff() || !p.Can().ManageTicketFields {
		return desk.Forbidden("Your role does not allow managing ticket fields")
	}
	return nil
}

// SaveField creates (id 0) or updates a ticket field: admins, and roles
// that grant manage_ticket_fields. Of a system field only the title,
// title_in_portal, description, position and the portal flags change
// (and active, for type and priority); subject and description stay
// visible and editable in the portal.
func (s *Service) SaveField(ctx context.Context, id int64, in FieldInput) (*desk.TicketField, error) {
	if err := requireFieldAdmin(ctx); err != nil {
		return nil, err
	}
	f := &desk.TicketField{Active: true}
	if id != 0 {
		var err error
		if f, err = s.Field(ctx, id); err != nil {
			return nil, err
		}
	}
	var v desk.Validation
	applyFieldInput(f, id, in, &v)
	if desk.IsSystemField(f.Type) {
		checkSystemField(f, in, &v)
	} else if hasOptions(f.Type) {
		if len(f.CustomFieldOptions) == 0 {
			v.Add("custom_field_options", "a dropdown needs at least one option")
		}
	} else {
		f.CustomFieldOptions = nil
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := store.Now()
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		last, err := lastOptionID(ctx, tx, f.ID)
		if err != nil {
			return err
		}
		if msg := normalizeOptions(f.CustomFieldOptions, last); msg != "" {
			return desk.Invalid("custom_field_options", msg)
		}
		return writeField(ctx, tx, f, now)
	})
	if err != nil {
		return nil, wrapf(err, "ticket: save field")
	}
	if id == 0 {
		f.CreatedAt = desk.TimeFromMicros(now)
	}
	f.UpdatedAt = desk.TimeFromMicros(now)
	finishField(f)
	return f, nil
}

// applyFieldInput copies the given properties of in onto f.
func applyFieldInput(f *desk.TicketField, id int64, in FieldInput, v *desk.Validation) {
	if in.Type != nil {
		if id != 0 && *in.Type != f.Type {
			v.Add("type", "cannot be changed")
		}
		if id == 0 && desk.IsSystemField(*in.Type) {
			v.Add("type", "is a system field type")
		}
		f.Type = *in.Type
	}
	if !slices.Contains(FieldTypes, f.Type) && !desk.IsSystemField(f.Type) {
		v.Add("type", "is not valid")
	}
	if in.Title != nil {
		f.Title = strings.TrimSpace(*in.Title)
	}
	if f.Title == "" || len(f.Title) > 255 {
		v.Add("title", "cannot be blank")
	}
	if in.TitleInPortal != nil {
		f.TitleInPortal = strings.TrimSpace(*in.TitleInPortal)
		if len(f.TitleInPortal) > 255 {
			v.Add("title_in_portal", "is too long")
		}
	}
	set := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	set(&f.Active, in.Active)
	set(&f.Required, in.Required)
	set(&f.VisibleInPortal, in.VisibleInPortal)
	set(&f.EditableInPortal, in.EditableInPortal)
	set(&f.RequiredInPortal, in.RequiredInPortal)
	if in.Description != nil {
		f.Description = *in.Description
	}
	for field, val := range map[string]*string{"title": in.Title, "description": in.Description, "tag": in.Tag, "title_in_portal": in.TitleInPortal} {
		if val != nil && (strings.ContainsRune(*val, 0) || len(*val) > 64<<10) {
			v.Add(field, "is not valid text")
		}
	}
	if in.Position != nil && (*in.Position < 0 || *in.Position > 1_000_000) {
		v.Add("position", "must be between 0 and 1000000")
	}
	if in.Position != nil {
		f.Position = *in.Position
	}
	if in.Tag != nil {
		f.Tag = optStr(*in.Tag)
	}
	if in.CustomFieldOptions != nil {
		f.CustomFieldOptions = *in.CustomFieldOptions
	}
}

// checkSystemField refuses the changes Zendesk does not allow on system fields.
func checkSystemField(f *desk.TicketField, in FieldInput, v *desk.Validation) {
	if in.Tag != nil || in.CustomFieldOptions != nil || in.RegexpForValidation != nil {
		v.Add("base", "tag, custom_field_options and regexp_for_validation cannot be set on a system field")
	}
	if in.Active != nil && !*in.Active && f.Type != desk.FieldTicketType && f.Type != desk.FieldPriority {
		v.Add("active", "only the type and priority system fields can be deactivated")
	}
	if (f.Type == desk.FieldSubject || f.Type == desk.FieldDescription) && (!f.VisibleInPortal || !f.EditableInPortal) {
		v.Add("visible_in_portal", "subject and description are always visible and editable in the portal")
	}
	if f.RequiredInPortal && !f.EditableInPortal {
		v.Add("required_in_portal", "needs editable_in_portal")
	}
	f.Tag, f.CustomFieldOptions = nil, nil
}

// normalizeOptions lower-cases option tags, checks they are unique and
// gives new options ids after the highest one the field ever gave (last),
// so an id always names the same option.
func normalizeOptions(opts []desk.FieldOption, last int64) string {
	seen := map[string]bool{}
	ids := map[int64]bool{}
	maxID := last
	for i := range opts {
		o := &opts[i]
		o.Name = strings.TrimSpace(o.Name)
		o.Value = strings.ToLower(strings.TrimSpace(o.Value))
		if o.Name == "" || o.Value == "" || strings.ContainsAny(o.Value, " ,\x00") || seen[o.Value] ||
			len(o.Name) > 255 || utf8.RuneCountInString(o.Value) > maxTagLen || strings.ContainsRune(o.Name, 0) {
			return "each option needs a name and a unique value without spaces"
		}
		if o.ID < 0 || (o.ID != 0 && ids[o.ID]) {
			return "option ids must be unique"
		}
		seen[o.Value], ids[o.ID] = true, true
		maxID = max(maxID, o.ID)
		o.URL, o.RawName, o.Position, o.Default = "", "", 0, false
	}
	for i := range opts {
		if opts[i].ID == 0 {
			maxID++
			opts[i].ID = maxID
		}
	}
	return ""
}

// lastOptionID is the highest option id field id ever gave (0 for a new
// field). On PostgreSQL it locks the row, so concurrent option changes
// apply one after the other.
func lastOptionID(ctx context.Context, tx *store.Tx, id int64) (int64, error) {
	if id == 0 {
		return 0, nil
	}
	q := `SELECT last_option_id FROM ticket_fields WHERE id = ?`
	if tx.Dialect() == store.Postgres {
		q += ` FOR UPDATE`
	}
	var last int64
	err := tx.QueryRow(ctx, q, id).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, desk.NotFound()
	}
	return last, err
}

// writeField inserts f (ID 0) or updates it, remembering its highest
// option id.
func writeField(ctx context.Context, tx *store.Tx, f *desk.TicketField, now int64) error {
	opts := encodeOptions(f.CustomFieldOptions)
	var last int64
	for _, o := range f.CustomFieldOptions {
		last = max(last, o.ID)
	}
	if f.ID == 0 {
		id, err := tx.InsertID(ctx, `INSERT INTO ticket_fields (type, title, description, position, active, required, visible_in_portal,
			editable_in_portal, required_in_portal, tag, options, title_in_portal, last_option_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.Type, f.Title, f.Description, f.Position, f.Active, f.Required, f.VisibleInPortal, f.EditableInPortal, f.RequiredInPortal,
			f.Tag, opts, f.TitleInPortal, last, now, now)
		f.ID = id
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE ticket_fields SET title = ?, description = ?, position = ?, active = ?, required = ?, visible_in_portal = ?,
		editable_in_portal = ?, required_in_portal = ?, tag = ?, options = ?, title_in_portal = ?,
		last_option_id = CASE WHEN last_option_id > ? THEN last_option_id ELSE ? END, updated_at = ? WHERE id = ?`,
		f.Title, f.Description, f.Position, f.Active, f.Required, f.VisibleInPortal, f.EditableInPortal, f.RequiredInPortal,
		f.Tag, opts, f.TitleInPortal, last, last, now, f.ID)
	return err
}

// encodeOptions stores only what defines an option (id, name, value).
func encodeOptions(opts []desk.FieldOption) string {
	type stored struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	out := make([]stored, 0, len(opts))
	for _, o := range opts {
		out = append(out, stored{o.ID, o.Name, o.Value})
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// DeleteField removes a custom ticket field definition (values on tickets
// stay). System fields cannot be deleted.
func (s *Service) DeleteField(ctx context.Context, id int64) error {
	if err := requireFieldAdmin(ctx); err != nil {
		return err
	}
	f, err := s.Field(ctx, id)
	if err != nil {
		return err
	}
	if !f.Removable {
		return desk.Forbidden("System ticket fields cannot be deleted")
	}
	res, err := s.DB.Exec(ctx, `DELETE FROM ticket_fields WHERE id = ?`, id)
	if err != nil {
		return wrapf(err, "ticket: delete field %d", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return desk.NotFound()
	}
	return nil
}

// validateCustomFields checks values against their field definitions and
// merges them into cur. Dropdown values become tags, as in Zendesk.
func validateCustomFields(ctx context.Context, q store.Querier, cur, in []desk.CustomFieldValue) (merged []desk.CustomFieldValue, addTags, rmTags []string, err error) {
	byID := map[int64]any{}
	for _, c := range cur {
		byID[c.ID] = c.Value
	}
	var v desk.Validation
	for _, cv := range in {
		f, ferr := scanField(q.QueryRow(ctx, `SELECT `+fieldColumns+` FROM ticket_fields WHERE id = ?`, cv.ID))
		if ferr != nil || desk.IsSystemField(f.Type) {
			v.Add("custom_fields", fmt.Sprintf("field %d does not exist", cv.ID))
			continue
		}
		if hasOptions(f.Type) {
			rmTags = append(rmTags, optionTags(byID[cv.ID])...)
		}
		val, verr := coerce(f, cv.Value)
		if verr != "" {
			v.Add("custom_fields", fmt.Sprintf("%s: %s", f.Title, verr))
			continue
		}
		if val == nil {
			delete(byID, cv.ID)
			continue
		}
		byID[cv.ID] = val
		if hasOptions(f.Type) {
			addTags = append(addTags, optionTags(val)...)
		}
		if f.Type == "checkbox" && f.Tag != nil && *f.Tag != "" {
			if val.(bool) {
				addTags = append(addTags, *f.Tag)
			} else {
				rmTags = append(rmTags, *f.Tag)
			}
		}
	}
	if err := v.Err(); err != nil {
		return nil, nil, nil, err
	}
	for id, val := range byID {
		merged = append(merged, desk.CustomFieldValue{ID: id, Value: val})
	}
	slices.SortFunc(merged, func(a, b desk.CustomFieldValue) int { return int(a.ID - b.ID) })
	if merged == nil {
		merged = []desk.CustomFieldValue{}
	}
	return merged, addTags, rmTags, nil
}

// coerce returns the stored value for raw, or a message saying what is wrong.
func coerce(f *desk.TicketField, raw any) (any, string) {
	if f.Type == "multiselect" {
		if raw == nil || raw == "" {
			return nil, ""
		}
		return coerceMulti(f, raw)
	}
	return desk.CoerceFieldValue(f.Type, f.CustomFieldOptions, raw)
}

// coerceMulti returns a multiselect value: distinct option tags in the
// field's option order.
func coerceMulti(f *desk.TicketField, raw any) (any, string) {
	list, ok := raw.([]any)
	if !ok {
		return nil, "must be a list of the field's options"
	}
	chosen := map[string]bool{}
	for _, x := range list {
		s, ok := x.(string)
		if !ok || !slices.ContainsFunc(f.CustomFieldOptions, func(o desk.FieldOption) bool { return o.Value == s }) {
			return nil, "must be a list of the field's options"
		}
		chosen[s] = true
	}
	if len(chosen) == 0 {
		return nil, ""
	}
	out := []string{}
	for _, o := range f.CustomFieldOptions {
		if chosen[o.Value] {
			out = append(out, o.Value)
		}
	}
	return out, ""
}

// optionTags are the tags a dropdown or multiselect value stands for (a
// value read back from JSON is a []any).
func optionTags(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
