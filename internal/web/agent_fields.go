package web

import (
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// personFieldRow is one user or organization field on an agent page: its
// definition and the record's value as the form shows it.
type personFieldRow struct {
	F       *desk.PersonField
	Value   string // as text; "" when unset
	Checked bool   // checkbox fields
	Label   string // a dropdown value's option name
}

// InputType is the HTML input type for the field's value.
func (r personFieldRow) InputType() string {
	switch r.F.Type {
	case desk.FieldDate:
		return "date"
	case desk.FieldInteger, desk.FieldDecimal:
		return "number"
	}
	return "text"
}

// personFieldRows pairs the active fields with the values in vals.
func personFieldRows(fields []*desk.PersonField, vals map[string]any) []personFieldRow {
	var rows []personFieldRow
	for _, f := range fields {
		if !f.Active {
			continue
		}
		row := personFieldRow{F: f}
		switch v := vals[f.Key].(type) {
		case nil:
		case bool:
			row.Checked = v
		case float64:
			row.Value = strconv.FormatFloat(v, 'f', -1, 64)
		case string:
			row.Value = v
		}
		row.Label = row.Value
		for _, o := range f.CustomFieldOptions {
			if o.Value == row.Value {
				row.Label = o.Name
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// personFieldFormName is the form control name of a field's value.
func personFieldFormName(key string) string { return "field." + key }

// personFieldsFromForm reads the values of the active fields from a posted
// form: an empty input or an unticked checkbox clears the value. The
// people service validates them.
func personFieldsFromForm(r *http.Request, fields []*desk.PersonField) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		if !f.Active {
			continue
		}
		v := r.PostFormValue(personFieldFormName(f.Key))
		switch {
		case f.Type == desk.FieldCheckbox && v != "":
			out[f.Key] = true
		case v == "":
			out[f.Key] = nil
		default:
			out[f.Key] = v
		}
	}
	return out
}
