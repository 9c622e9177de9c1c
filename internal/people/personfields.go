package people

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/store"
)

// PersonFieldTypes are the types a user or organization field may have, as
// Zendesk names them.
var PersonFieldTypes = []string{desk.FieldText, desk.FieldTextarea, desk.FieldCheckbox, desk.FieldDate,
	desk.FieldInteger, desk.FieldDecimal, desk.FieldRegexp, desk.FieldDropdown}

// PersonFieldInput creates or changes a user or organization field; nil
// pointers leave a value as it is. Key and Type are set once, on create.
type PersonFieldInput struct {
	Key                 *string             `json:"key"`
	Type                *string             `json:"type"`
	Title               *string             `json:"title"`
	Description         *string             `json:"description"`
	Position            *int                `json:"position"`
	Active              *bool               `json:"active"`
	Tag                 *string             `json:"tag"`
	RegexpForValidation *string             `json:"regexp_for_validation"`
	CustomFieldOptions  *[]desk.FieldOption `json:"custom_field_options"`
}

// keyRE is what a field key may look like: Zendesk's keys are letters,
// digits and underscores, starting with a letter.
var keyRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

const (
	maxPersonFields = 200 // per scope
	maxFieldOptions = 1000
	maxPosition     = 1_000_000
)

const personFieldCols = `id, field_key, type, title, description, position, active, tag, regexp_for_validation, options, created_at, updated_at`

func scanPersonField(sc scanner) (*desk.PersonField, error) {
	var (
		f                desk.PersonField
		tag, re          *string
		opts             string
		created, updated int64
	)
	if err := sc.Scan(&f.ID, &f.Key, &f.Type, &f.Title, &f.Description, &f.Position, &f.Active, &tag, &re, &opts,
		&created, &updated); err != nil {
		return nil, err
	}
	f.Tag, f.RegexpForValidation = tag, re
	f.RawTitle, f.RawDescription = f.Title, f.Description
	if f.Type == desk.FieldDropdown {
		if err := json.Unmarshal([]byte(opts), &f.CustomFieldOptions); err != nil {
			return nil, fmt.Errorf("field %d options: %w", f.ID, err)
		}
	}
	f.CreatedAt, f.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &f, nil
}

// loadPersonFields reads every field of scope, in position order.
func loadPersonFields(ctx context.Context, q store.Querier, scope desk.FieldScope) ([]*desk.PersonField, error) {
	rows, err := q.Query(ctx, `SELECT `+personFieldCols+` FROM person_fields WHERE scope = ? ORDER BY position, id`, string(scope))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*desk.PersonField{}
	for rows.Next() {
		f, err := scanPersonField(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func loadPersonField(ctx context.Context, q store.Querier, scope desk.FieldScope, id int64) (*desk.PersonField, error) {
	f, err := scanPersonField(q.QueryRow(ctx, `SELECT `+personFieldCols+` FROM person_fields WHERE scope = ? AND id = ?`, string(scope), id))
	if isNoRows(err) {
		return nil, desk.NotFound()
	}
	return f, err
}

// requireFieldReader lets staff read field definitions (Zendesk: agents).
func requireFieldReader(ctx context.Context, scope desk.FieldScope) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !scope.Valid() {
		return nil, desk.NotFound()
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("You are not allowed to read " + string(scope) + " fields")
	}
	return p, nil
}

// requireFieldAdmin lets admins manage field definitions (as in Zendesk).
func requireFieldAdmin(ctx context.Context, scope desk.FieldScope) error {
	p, err := requireFieldReader(ctx, scope)
	if err != nil {
		return err
	}
	if !p.IsAdmin() {
		return desk.Forbidden("Only admins can manage " + string(scope) + " fields")
	}
	return nil
}

// PersonFields lists the user or organization fields (staff).
func (s *Service) PersonFields(ctx context.Context, scope desk.FieldScope) ([]*desk.PersonField, error) {
	if _, err := requireFieldReader(ctx, scope); err != nil {
		return nil, err
	}
	return loadPersonFields(ctx, s.DB, scope)
}

// PersonField returns one user or organization field (staff).
func (s *Service) PersonField(ctx context.Context, scope desk.FieldScope, id int64) (*desk.PersonField, error) {
	if _, err := requireFieldReader(ctx, scope); err != nil {
		return nil, err
	}
	return loadPersonField(ctx, s.DB, scope, id)
}

// applyFieldInput validates in and applies it to f (id 0: a new field).
func applyFieldInput(f *desk.PersonField, in PersonFieldInput, v *desk.Validation) {
	creating := f.ID == 0
	if in.Key != nil && (creating || *in.Key != f.Key) {
		if !creating {
			v.Add("key", "cannot be changed")
		}
		f.Key = *in.Key
	}
	if creating && !keyRE.MatchString(f.Key) {
		v.Add("key", "must start with a letter and hold only letters, digits and underscores (at most 64)")
	}
	if in.Type != nil && (creating || *in.Type != f.Type) {
		if !creating {
			v.Add("type", "cannot be changed")
		}
		f.Type = *in.Type
	}
	if creating && f.Type == "" {
		f.Type = desk.FieldText // Zendesk's default
	}
	if !slices.Contains(PersonFieldTypes, f.Type) {
		v.Add("type", "is not valid")
	}
	if in.Title != nil {
		f.Title = checkName(v, "title", *in.Title)
	} else if creating {
		v.Add("title", "can't be blank")
	}
	if in.Description != nil {
		f.Description = checkText(v, "description", *in.Description)
	}
	f.RawTitle, f.RawDescription = f.Title, f.Description
	if in.Position != nil {
		if *in.Position < 0 || *in.Position > maxPosition {
			v.Add("position", "must be between 0 and 1000000")
		}
		f.Position = *in.Position
	}
	if in.Active != nil {
		f.Active = *in.Active
	}
	if in.Tag != nil {
		f.Tag = tagOf(v, *in.Tag)
	}
	if in.RegexpForValidation != nil {
		f.RegexpForValidation = optionalText(*in.RegexpForValidation)
	}
	if in.CustomFieldOptions != nil {
		f.CustomFieldOptions = *in.CustomFieldOptions
	}
	checkTypeExtras(f, v)
}

// checkTypeExtras keeps only what f's type uses: options for dropdowns, a
// pattern for regexp fields, a tag for checkboxes.
func checkTypeExtras(f *desk.PersonField, v *desk.Validation) {
	if f.Type != desk.FieldCheckbox {
		f.Tag = nil
	}
	if f.Type == desk.FieldRegexp {
		if f.RegexpForValidation == nil {
			v.Add("regexp_for_validation", "can't be blank")
		} else if _, err := regexp.Compile(*f.RegexpForValidation); err != nil || len(*f.RegexpForValidation) > maxShort*4 {
			v.Add("regexp_for_validation", "is not a valid regular expression")
		}
	} else {
		f.RegexpForValidation = nil
	}
	if f.Type != desk.FieldDropdown {
		f.CustomFieldOptions = nil
		return
	}
	f.CustomFieldOptions = normalizeOptions(v, f.CustomFieldOptions)
	if len(f.CustomFieldOptions) == 0 {
		v.Add("custom_field_options", "a dropdown needs at least one option")
	}
}

// normalizeOptions checks dropdown options (a name, and a value unique in the
// field without spaces) and numbers new ones after the highest id.
func normalizeOptions(v *desk.Validation, opts []desk.FieldOption) []desk.FieldOption {
	if len(opts) > maxFieldOptions {
		v.Add("custom_field_options", "has too many options")
		return opts
	}
	out := make([]desk.FieldOption, 0, len(opts))
	next := int64(1)
	for _, o := range opts {
		next = max(next, o.ID+1)
	}
	seen := map[string]bool{}
	for _, o := range opts {
		o.Name = strings.TrimSpace(o.Name)
		o.Value = strings.ToLower(strings.TrimSpace(o.Value))
		if o.Name == "" || o.Value == "" || !validText(o.Name) || hasControl(o.Name) || len(o.Name) > maxShort ||
			strings.ContainsAny(o.Value, " ,") || !validText(o.Value) || hasControl(o.Value) || len(o.Value) > maxTagLen || seen[o.Value] {
			v.Add("custom_field_options", "each option needs a name and a unique value without spaces")
			return opts
		}
		seen[o.Value] = true
		if o.ID <= 0 {
			o.ID = next
			next++
		}
		out = append(out, o)
	}
	return out
}

func tagOf(v *desk.Validation, s string) *string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return nil
	}
	if !validText(s) || hasControl(s) || strings.ContainsAny(s, " ,") || len(s) > maxTagLen {
		v.Add("tag", "is not a valid tag")
	}
	return &s
}

func optionalText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// SavePersonField creates (id 0) or updates a user or organization field
// (admins).
func (s *Service) SavePersonField(ctx context.Context, scope desk.FieldScope, id int64, in PersonFieldInput) (*desk.PersonField, error) {
	if err := requireFieldAdmin(ctx, scope); err != nil {
		return nil, err
	}
	var f *desk.PersonField
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		f = &desk.PersonField{Active: true}
		if id != 0 {
			var err error
			if f, err = loadPersonField(ctx, tx, scope, id); err != nil {
				return err
			}
		}
		var v desk.Validation
		applyFieldInput(f, in, &v)
		if err := v.Err(); err != nil {
			return err
		}
		return writePersonField(ctx, tx, scope, f)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// writePersonField inserts f (ID 0) or stores its new state.
func writePersonField(ctx context.Context, tx *store.Tx, scope desk.FieldScope, f *desk.PersonField) error {
	opts, err := json.Marshal(orEmptyOptions(f.CustomFieldOptions))
	if err != nil {
		return err
	}
	now := store.Now()
	f.UpdatedAt = desk.TimeFromMicros(now)
	if f.ID != 0 {
		_, err := tx.Exec(ctx, `UPDATE person_fields SET title = ?, description = ?, position = ?, active = ?, tag = ?,
			regexp_for_validation = ?, options = ?, updated_at = ? WHERE scope = ? AND id = ?`,
			f.Title, f.Description, f.Position, f.Active, f.Tag, f.RegexpForValidation, string(opts), now, string(scope), f.ID)
		return err
	}
	var taken, count int
	if err := tx.QueryRow(ctx, `SELECT COUNT(CASE WHEN field_key = ? THEN 1 END), COUNT(*) FROM person_fields WHERE scope = ?`,
		f.Key, string(scope)).Scan(&taken, &count); err != nil {
		return err
	}
	if taken > 0 {
		return desk.Invalid("key", "has already been taken")
	}
	if count >= maxPersonFields {
		return desk.Invalid("base", fmt.Sprintf("at most %d %s fields", maxPersonFields, scope))
	}
	f.CreatedAt = f.UpdatedAt
	f.ID, err = tx.InsertID(ctx, `INSERT INTO person_fields (scope, field_key, type, title, description, position, active, tag,
		regexp_for_validation, options, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(scope), f.Key, f.Type, f.Title, f.Description, f.Position, f.Active, f.Tag, f.RegexpForValidation,
		string(opts), now, now)
	if store.IsUniqueViolation(err) {
		return desk.Invalid("key", "has already been taken")
	}
	return err
}

func orEmptyOptions(o []desk.FieldOption) []desk.FieldOption {
	if o == nil {
		return []desk.FieldOption{}
	}
	return o
}

// DeletePersonField removes a user or organization field and its values on
// every record (admins), so a later field with the same key starts empty.
func (s *Service) DeletePersonField(ctx context.Context, scope desk.FieldScope, id int64) error {
	if err := requireFieldAdmin(ctx, scope); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		f, err := loadPersonField(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM person_fields WHERE scope = ? AND id = ?`, string(scope), id); err != nil {
			return err
		}
		return s.dropFieldValues(ctx, tx, scope, f.Key)
	})
}

// fieldTable names the table and JSON column holding scope's values.
func fieldTable(scope desk.FieldScope) (table, column string) {
	if scope == desk.ScopeOrganization {
		return "organizations", "fields"
	}
	return "users", "user_fields"
}

// dropFieldValues removes key from every record of scope holding it.
func (s *Service) dropFieldValues(ctx context.Context, tx *store.Tx, scope desk.FieldScope, key string) error {
	table, col := fieldTable(scope)
	// The key is letters, digits and underscores, so this LIKE pattern
	// only narrows the scan (an underscore matches any one character);
	// the JSON decides.
	rows, err := tx.Query(ctx, `SELECT id, `+col+` FROM `+table+` WHERE `+col+` LIKE ?`, `%"`+key+`"%`)
	if err != nil {
		return err
	}
	changed := map[int64]string{}
	for rows.Next() {
		var id int64
		var raw string
		if err := rows.Scan(&id, &raw); err != nil {
			rows.Close()
			return err
		}
		vals := decodeFieldValues(raw)
		if _, ok := vals[key]; ok {
			delete(vals, key)
			changed[id] = encodeFieldValues(vals)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for id, raw := range changed {
		if err := s.writeFieldValues(ctx, tx, scope, id, raw); err != nil {
			return err
		}
	}
	return nil
}

// writeFieldValues stores a record's values and refreshes what depends on
// them (search document, change event).
func (s *Service) writeFieldValues(ctx context.Context, tx *store.Tx, scope desk.FieldScope, id int64, raw string) error {
	now := store.Now()
	if scope == desk.ScopeOrganization {
		if _, err := tx.Exec(ctx, `UPDATE organizations SET fields = ?, updated_at = ? WHERE id = ?`, raw, now, id); err != nil {
			return err
		}
		if err := refreshOrgSearch(ctx, tx, id); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.OrganizationUpdated, OrganizationID: id})
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET user_fields = ?, updated_at = ? WHERE id = ?`, raw, now, id); err != nil {
		return err
	}
	if err := refreshUserSearch(ctx, tx, id); err != nil {
		return err
	}
	return s.changedTx(ctx, tx, events.Event{Type: events.UserUpdated, UserID: id})
}

// ReorderPersonFields gives the listed fields positions 0, 1, … in that
// order (admins); every id must be a field of scope.
func (s *Service) ReorderPersonFields(ctx context.Context, scope desk.FieldScope, ids []int64) error {
	if err := requireFieldAdmin(ctx, scope); err != nil {
		return err
	}
	if len(ids) == 0 {
		return desk.Invalid(string(scope)+"_field_ids", "can't be blank")
	}
	if len(ids) > maxPersonFields || len(uniqueIDs(ids)) != len(ids) {
		return desk.Invalid(string(scope)+"_field_ids", "must list each field once")
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		now := store.Now()
		for pos, id := range ids {
			res, err := tx.Exec(ctx, `UPDATE person_fields SET position = ?, updated_at = ? WHERE scope = ? AND id = ?`,
				pos, now, string(scope), id)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				if err != nil {
					return err
				}
				return desk.Invalid(string(scope)+"_field_ids", fmt.Sprintf("field %d does not exist", id))
			}
		}
		return nil
	})
}

// SaveFieldOption adds an option to a dropdown field, or changes the one
// with opt.ID (admins). It reports whether the option is new.
func (s *Service) SaveFieldOption(ctx context.Context, scope desk.FieldScope, fieldID int64, opt desk.FieldOption) (*desk.FieldOption, bool, error) {
	if err := requireFieldAdmin(ctx, scope); err != nil {
		return nil, false, err
	}
	var saved desk.FieldOption
	created := false
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		f, err := loadDropdown(ctx, tx, scope, fieldID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(f.CustomFieldOptions, func(o desk.FieldOption) bool { return opt.ID != 0 && o.ID == opt.ID })
		if opt.ID != 0 && i < 0 {
			return desk.NotFound()
		}
		if i < 0 {
			created = true
			opt.ID = 0
			f.CustomFieldOptions = append(f.CustomFieldOptions, opt)
			i = len(f.CustomFieldOptions) - 1
		} else {
			f.CustomFieldOptions[i] = opt
		}
		var v desk.Validation
		checkTypeExtras(f, &v)
		if err := v.Err(); err != nil {
			return err
		}
		saved = f.CustomFieldOptions[i]
		return writePersonField(ctx, tx, scope, f)
	})
	if err != nil {
		return nil, false, err
	}
	return &saved, created, nil
}

// DeleteFieldOption removes an option from a dropdown field (admins); a
// dropdown keeps at least one option.
func (s *Service) DeleteFieldOption(ctx context.Context, scope desk.FieldScope, fieldID, optionID int64) error {
	if err := requireFieldAdmin(ctx, scope); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		f, err := loadDropdown(ctx, tx, scope, fieldID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(f.CustomFieldOptions, func(o desk.FieldOption) bool { return o.ID == optionID })
		if i < 0 {
			return desk.NotFound()
		}
		f.CustomFieldOptions = slices.Delete(f.CustomFieldOptions, i, i+1)
		var v desk.Validation
		checkTypeExtras(f, &v)
		if err := v.Err(); err != nil {
			return err
		}
		return writePersonField(ctx, tx, scope, f)
	})
}

// loadDropdown loads a dropdown field; other types have no options.
func loadDropdown(ctx context.Context, q store.Querier, scope desk.FieldScope, id int64) (*desk.PersonField, error) {
	f, err := loadPersonField(ctx, q, scope, id)
	if err != nil {
		return nil, err
	}
	if f.Type != desk.FieldDropdown {
		return nil, desk.NotFound()
	}
	return f, nil
}

// FieldOptions lists a dropdown field's options (staff).
func (s *Service) FieldOptions(ctx context.Context, scope desk.FieldScope, fieldID int64) ([]desk.FieldOption, error) {
	if _, err := requireFieldReader(ctx, scope); err != nil {
		return nil, err
	}
	f, err := loadDropdown(ctx, s.DB, scope, fieldID)
	if err != nil {
		return nil, err
	}
	return f.CustomFieldOptions, nil
}

// --- values -------------------------------------------------------------

func decodeFieldValues(raw string) map[string]any {
	vals := map[string]any{}
	if json.Unmarshal([]byte(raw), &vals) != nil || vals == nil {
		return map[string]any{}
	}
	return vals
}

func encodeFieldValues(vals map[string]any) string {
	b, err := json.Marshal(vals)
	if err != nil || len(vals) == 0 {
		return "{}"
	}
	return string(b)
}

// mergeFieldValues validates in (key → value as decoded from JSON; null or
// "" clears) against scope's fields and merges it into the stored values
// cur, returning the new stored JSON. Problems are reported under the
// record's field name (user_fields / organization_fields).
func mergeFieldValues(ctx context.Context, q store.Querier, scope desk.FieldScope, cur string, in map[string]any) (string, error) {
	vals := decodeFieldValues(cur)
	if len(in) == 0 {
		return encodeFieldValues(vals), nil
	}
	fields, err := loadPersonFields(ctx, q, scope)
	if err != nil {
		return "", err
	}
	byKey := make(map[string]*desk.PersonField, len(fields))
	for _, f := range fields {
		byKey[f.Key] = f
	}
	name := string(scope) + "_fields"
	var v desk.Validation
	for _, key := range slices.Sorted(maps.Keys(in)) {
		f := byKey[key]
		if f == nil {
			v.Add(name, fmt.Sprintf("%s is not a %s field", key, scope))
			continue
		}
		val, msg := fieldValue(f, in[key])
		if msg != "" {
			v.Add(name, fmt.Sprintf("%s %s", f.Key, msg))
			continue
		}
		if val == nil {
			delete(vals, key)
		} else {
			vals[key] = val
		}
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	return encodeFieldValues(vals), nil
}

// fieldValue coerces raw with the shared custom-field rules and checks a
// regexp field's pattern.
func fieldValue(f *desk.PersonField, raw any) (any, string) {
	val, msg := desk.CoerceFieldValue(f.Type, f.CustomFieldOptions, raw)
	if msg != "" || val == nil || f.Type != desk.FieldRegexp || f.RegexpForValidation == nil {
		return val, msg
	}
	re, err := regexp.Compile(*f.RegexpForValidation)
	if err != nil || !re.MatchString(val.(string)) {
		return nil, "does not match the field's pattern"
	}
	return val, ""
}

// fieldSearchText is the text of a record's values for its search
// document.
func fieldSearchText(raw string) string {
	vals := decodeFieldValues(raw)
	parts := make([]string, 0, len(vals))
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if s, ok := vals[k].(string); ok {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// refreshOrgSearch rebuilds an organization's search document from its row.
func refreshOrgSearch(ctx context.Context, tx *store.Tx, id int64) error {
	list, err := queryOrgs(ctx, tx, `SELECT `+orgCols+` FROM organizations o WHERE o.id = ?`, id)
	if err != nil || len(list) == 0 {
		return err
	}
	return writeOrgExtras(ctx, tx, id, orgStateOf(list[0]), false)
}
