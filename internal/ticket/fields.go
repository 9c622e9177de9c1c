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

// FieldTypes are the custom ticket field types Frontdesk supports, named as
// in Zendesk's ticket_fields API ("tagger" is a dropdown).
var FieldTypes = []string{"text", "textarea", "integer", "decimal", "tagger", "checkbox", "date", "regexp"}

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
	Tag                 *string             `json:"tag"`
	CustomFieldOptions  *[]desk.FieldOption `json:"custom_field_options"`
	RegexpForValidation *string             `json:"regexp_for_validation"`
}

const fieldColumns = `id, type, title, description, position, active, required, visible_in_portal, editable_in_portal, required_in_portal, tag, options, created_at, updated_at`

func scanField(row scanner) (*desk.TicketField, error) {
	var f desk.TicketField
	var tag sql.NullString
	var opts string
	var created, updated int64
	if err := row.Scan(&f.ID, &f.Type, &f.Title, &f.Description, &f.Position, &f.Active, &f.Required, &f.VisibleInPortal,
		&f.EditableInPortal, &f.RequiredInPortal, &tag, &opts, &created, &updated); err != nil {
		return nil, err
	}
	f.Tag = nullStr(tag)
	_ = json.Unmarshal([]byte(opts), &f.CustomFieldOptions)
	f.Removable = true
	f.CreatedAt, f.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &f, nil
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
	q += ` ORDER BY position, id`
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

// SaveField creates (id 0) or updates a ticket field: admins, and roles
// that grant manage_ticket_fields.
func (s *Service) SaveField(ctx context.Context, id int64, in FieldInput) (*desk.TicketField, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() || !p.Can().ManageTicketFields {
		return nil, desk.Forbidden("Your role does not allow managing ticket fields")
	}
	f := &desk.TicketField{Active: true}
	if id != 0 {
		if f, err = s.Field(ctx, id); err != nil {
			return nil, err
		}
	}
	var v desk.Validation
	if in.Type != nil {
		if id != 0 && *in.Type != f.Type {
			v.Add("type", "cannot be changed")
		}
		f.Type = *in.Type
	}
	if !slices.Contains(FieldTypes, f.Type) {
		v.Add("type", "is not valid")
	}
	if in.Title != nil {
		f.Title = strings.TrimSpace(*in.Title)
	}
	if f.Title == "" || len(f.Title) > 255 {
		v.Add("title", "cannot be blank")
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
	for field, val := range map[string]*string{"title": in.Title, "description": in.Description, "tag": in.Tag} {
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
	if f.Type == "tagger" {
		if len(f.CustomFieldOptions) == 0 {
			v.Add("custom_field_options", "a dropdown needs at least one option")
		}
		seen := map[string]bool{}
		for i := range f.CustomFieldOptions {
			o := &f.CustomFieldOptions[i]
			o.Value = strings.ToLower(strings.TrimSpace(o.Value))
			if o.Name == "" || o.Value == "" || strings.ContainsAny(o.Value, " ,") || seen[o.Value] {
				v.Add("custom_field_options", "each option needs a name and a unique value without spaces")
				break
			}
			seen[o.Value] = true
			if o.ID == 0 {
				o.ID = int64(i + 1)
			}
		}
	} else {
		f.CustomFieldOptions = nil
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	opts, _ := json.Marshal(f.CustomFieldOptions)
	now := store.Now()
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if id == 0 {
			f.ID, err = tx.InsertID(ctx, `INSERT INTO ticket_fields (type, title, description, position, active, required, visible_in_portal,
				editable_in_portal, required_in_portal, tag, options, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				f.Type, f.Title, f.Description, f.Position, f.Active, f.Required, f.VisibleInPortal, f.EditableInPortal, f.RequiredInPortal,
				f.Tag, string(opts), now, now)
			f.CreatedAt = desk.TimeFromMicros(now)
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE ticket_fields SET title = ?, description = ?, position = ?, active = ?, required = ?, visible_in_portal = ?,
			editable_in_portal = ?, required_in_portal = ?, tag = ?, options = ?, updated_at = ? WHERE id = ?`,
			f.Title, f.Description, f.Position, f.Active, f.Required, f.VisibleInPortal, f.EditableInPortal, f.RequiredInPortal,
			f.Tag, string(opts), now, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	f.UpdatedAt = desk.TimeFromMicros(now)
	f.Removable = true
	return f, nil
}

// DeleteField removes a ticket field definition (values on tickets stay).
func (s *Service) DeleteField(ctx context.Context, id int64) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsStaff() || !p.Can().ManageTicketFields {
		return desk.Forbidden("Your role does not allow managing ticket fields")
	}
	res, err := s.DB.Exec(ctx, `DELETE FROM ticket_fields WHERE id = ?`, id)
	if err != nil {
		return err
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
		if ferr != nil {
			v.Add("custom_fields", fmt.Sprintf("field %d does not exist", cv.ID))
			continue
		}
		if old, ok := byID[cv.ID].(string); ok && f.Type == "tagger" {
			rmTags = append(rmTags, old)
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
		if f.Type == "tagger" {
			addTags = append(addTags, val.(string))
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
	return desk.CoerceFieldValue(f.Type, f.CustomFieldOptions, raw)
}
