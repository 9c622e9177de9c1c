package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
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

// --- admin pages: user fields and organization fields -----------------

// personFieldAdmin is one of the two admin pages managing people fields.
type personFieldAdmin struct {
	scope    desk.FieldScope
	path     string // /agent/admin/user-fields
	titleKey string
	nav      string
}

var personFieldAdmins = []personFieldAdmin{
	{scope: desk.ScopeUser, path: "/agent/admin/user-fields", titleKey: "admin.user_fields", nav: "user-fields"},
	{scope: desk.ScopeOrganization, path: "/agent/admin/organization-fields", titleKey: "admin.organization_fields", nav: "organization-fields"},
}

type adminPersonFieldsData struct {
	Path   string
	Fields []*desk.PersonField
	Types  []string
}

// registerPersonFieldAdmin mounts the list, create, update and delete
// routes of both pages (admins; the people service decides again).
func (s *Server) registerPersonFieldAdmin(h func(pattern string, a access, f handlerFunc)) {
	for _, a := range personFieldAdmins {
		h("GET "+a.path, admin, func(w http.ResponseWriter, r *http.Request) error {
			return s.showPersonFieldAdmin(w, r, a, http.StatusOK, "", nil)
		})
		h("POST "+a.path, admin, s.adminSavePersonField(a))
		h("POST "+a.path+"/{id}", admin, s.adminSavePersonField(a))
		h("POST "+a.path+"/{id}/delete", admin, s.adminDeletePersonField(a))
	}
}

func (s *Server) showPersonFieldAdmin(w http.ResponseWriter, r *http.Request, a personFieldAdmin, status int, msg string, fe map[string][]string) error {
	fields, err := s.d.People.PersonFields(r.Context(), a.scope)
	if err != nil {
		return err
	}
	pg := s.adminPage(r, a.titleKey, a.nav)
	pg.Error, pg.FieldErrors = msg, fe
	for _, k := range []string{"key", "title", "type", "options", "regexp_for_validation"} {
		pg.Form.Set(k, r.PostFormValue(k))
	}
	pg.Data = adminPersonFieldsData{Path: a.path, Fields: fields, Types: people.PersonFieldTypes}
	return s.render(w, status, "admin_person_fields", pg)
}

// adminSavePersonField creates a field (POST path) or changes one's title
// and active flag (POST path/{id}).
func (s *Server) adminSavePersonField(a personFieldAdmin) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var id int64
		if r.PathValue("id") != "" {
			var err error
			if id, err = pathID(r, "id"); err != nil {
				return err
			}
		}
		f := r.PostForm
		title := strings.TrimSpace(f.Get("title"))
		active := id == 0 || f.Get("active") == "1"
		in := people.PersonFieldInput{Title: &title, Active: &active}
		if id == 0 {
			key, typ, desc := strings.TrimSpace(f.Get("key")), f.Get("type"), f.Get("description")
			in.Key, in.Type, in.Description = &key, &typ, &desc
			if re := f.Get("regexp_for_validation"); typ == desk.FieldRegexp {
				in.RegexpForValidation = &re
			}
			if typ == desk.FieldDropdown {
				opts := optionsFromLines(f.Get("options"))
				in.CustomFieldOptions = &opts
			}
		}
		if _, err := s.d.People.SavePersonField(r.Context(), a.scope, id, in); err != nil {
			return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
				return s.showPersonFieldAdmin(w, r, a, st, msg, fe)
			})
		}
		return redirect(w, r, withMsg(a.path, "updated"))
	}
}

func (s *Server) adminDeletePersonField(a personFieldAdmin) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := s.d.People.DeletePersonField(r.Context(), a.scope, id); err != nil {
			return err
		}
		return redirect(w, r, withMsg(a.path, "updated"))
	}
}

// optionsFromLines makes dropdown options from one name per line.
func optionsFromLines(text string) []desk.FieldOption {
	var opts []desk.FieldOption
	for _, line := range strings.Split(text, "\n") {
		if name := strings.TrimSpace(line); name != "" {
			opts = append(opts, desk.FieldOption{Name: name, Value: optionValue(name)})
		}
	}
	return opts
}
