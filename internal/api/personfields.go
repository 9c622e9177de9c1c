package api

import (
	"context"
	"net/http"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
)

// personFieldFamily is one of Zendesk's people field resources: user
// fields or organization fields, which share their shape and rules.
type personFieldFamily struct {
	scope  desk.FieldScope
	plural string // user_fields: the path and the list key
	single string // user_field: the record key
}

var personFieldFamilies = []personFieldFamily{
	{scope: desk.ScopeUser, plural: "user_fields", single: "user_field"},
	{scope: desk.ScopeOrganization, plural: "organization_fields", single: "organization_field"},
}

// registerPersonFields mounts /user_fields and /organization_fields with
// their reorder and dropdown option routes.
func (s *Server) registerPersonFields(mux *http.ServeMux) {
	for _, f := range personFieldFamilies {
		base := "/api/v2/" + f.plural
		s.handle(mux, "GET "+base, s.listPersonFields(f))
		s.handle(mux, "POST "+base, s.savePersonField(f))
		s.handle(mux, "PUT "+base+"/reorder", s.reorderPersonFields(f))
		s.handle(mux, "GET "+base+"/{id}", s.showPersonField(f))
		s.handle(mux, "PUT "+base+"/{id}", s.savePersonField(f))
		s.handle(mux, "DELETE "+base+"/{id}", deleteByID(func(ctx context.Context, id int64) error {
			return s.People.DeletePersonField(ctx, f.scope, id)
		}))
		s.handle(mux, "GET "+base+"/{id}/options", s.listFieldOptions(f))
		s.handle(mux, "POST "+base+"/{id}/options", s.saveFieldOption(f))
		s.handle(mux, "GET "+base+"/{id}/options/{option_id}", s.showFieldOption(f))
		s.handle(mux, "DELETE "+base+"/{id}/options/{option_id}", s.deleteFieldOption(f))
	}
}

func (f personFieldFamily) url(r *http.Request, id int64) string {
	return baseURL(r) + "/api/v2/" + f.plural + "/" + itoa(id) + ".json"
}

func (s *Server) listPersonFields(f personFieldFamily) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.People.PersonFields(r.Context(), f.scope)
		if err != nil {
			return err
		}
		for _, pf := range list {
			pf.URL = f.url(r, pf.ID)
		}
		return writeJSON(w, http.StatusOK, map[string]any{f.plural: list, "next_page": nil, "previous_page": nil, "count": len(list)})
	}
}

func (s *Server) showPersonField(f personFieldFamily) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		pf, err := s.People.PersonField(r.Context(), f.scope, id)
		if err != nil {
			return err
		}
		pf.URL = f.url(r, pf.ID)
		return writeJSON(w, http.StatusOK, map[string]any{f.single: pf})
	}
}

// savePersonField creates (POST) or updates (PUT …/{id}) a field.
func (s *Server) savePersonField(f personFieldFamily) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := optionalPathID(r, "id")
		if err != nil {
			return err
		}
		var env map[string]*people.PersonFieldInput
		if err := decode(r, &env); err != nil {
			return err
		}
		in := env[f.single]
		if in == nil {
			return desk.Invalid(f.single, "is required")
		}
		pf, err := s.People.SavePersonField(r.Context(), f.scope, id, *in)
		if err != nil {
			return err
		}
		pf.URL = f.url(r, pf.ID)
		if id == 0 {
			return created(w, pf.URL, map[string]any{f.single: pf})
		}
		return writeJSON(w, http.StatusOK, map[string]any{f.single: pf})
	}
}

// reorderPersonFields takes {"user_field_ids": [3, 1, 2]} and answers 200
// with an empty body, as Zendesk does.
func (s *Server) reorderPersonFields(f personFieldFamily) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var env map[string][]int64
		if err := decode(r, &env); err != nil {
			return err
		}
		if err := s.People.ReorderPersonFields(r.Context(), f.scope, env[f.single+"_ids"]); err != nil {
			return err
		}
		// Zendesk documents no body: an empty object keeps it valid JSON.
		return writeJSON(w, http.StatusOK, map[string]any{})
	}
}

// fieldOptionJSON is a dropdown option as Zendesk's options endpoints
// show it.
type fieldOptionJSON struct {
	ID       int64  `json:"id"`
	URL      string `json:"url"`
	Name     string `json:"name"`
	RawName  string `json:"raw_name"`
	Value    string `json:"value"`
	Position int    `json:"position"`
}

func (f personFieldFamily) option(r *http.Request, fieldID int64, o desk.FieldOption, pos int) fieldOptionJSON {
	return fieldOptionJSON{ID: o.ID, Name: o.Name, RawName: o.Name, Value: o.Value, Position: pos,
		URL: baseURL(r) + "/api/v2/" + f.plural + "/" + itoa(fieldID) + "/options/" + itoa(o.ID) + ".json"}
}

// fieldOptions loads the options of the field in the path.
func (s *Server) fieldOptions(r *http.Request, f personFieldFamily) (int64, []desk.FieldOption, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	opts, err := s.People.FieldOptions(r.Context(), f.scope, id)
	return id, opts, err
}

func (s *Server) listFieldOptions(f personFieldFamily) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, opts, err := s.fieldOptions(r, f)
		if err != nil {
			return err
		}
		out := make([]fieldOptionJSON, 0, len(opts))
		for i, o := range opts {
			out = append(out, f.option(r, id, o, i))
		}
		return writeJSON(w, http.StatusOK, map[string]any{"custom_field_options": out, "next_page": nil, "previous_page": nil, "count": len(out)})
	}
}

func (s *Server) showFieldOption(f personFieldFamily) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, opts, err := s.fieldOptions(r, f)
		if err != nil {
			return err
		}
		oid, err := pathID(r, "option_id")
		if err != nil {
			return err
		}
		for i, o := range opts {
			if o.ID == oid {
				return writeJSON(w, http.StatusOK, map[string]any{"custom_field_option": f.option(r, id, o, i)})
			}
		}
		return desk.NotFound()
	}
}

// saveFieldOption creates an option (201), or updates the one whose id the
// body gives (200), as Zendesk's POST …/options does.
func (s *Server) saveFieldOption(f personFieldFamily) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var env struct {
			Option *desk.FieldOption `json:"custom_field_option"`
		}
		if err := decode(r, &env); err != nil {
			return err
		}
		if env.Option == nil {
			return desk.Invalid("custom_field_option", "is required")
		}
		o, isNew, err := s.People.SaveFieldOption(r.Context(), f.scope, id, *env.Option)
		if err != nil {
			return err
		}
		opts, err := s.People.FieldOptions(r.Context(), f.scope, id)
		if err != nil {
			return err
		}
		pos := 0
		for i, x := range opts {
			if x.ID == o.ID {
				pos = i
			}
		}
		body := f.option(r, id, *o, pos)
		if isNew {
			return created(w, body.URL, map[string]any{"custom_field_option": body})
		}
		return writeJSON(w, http.StatusOK, map[string]any{"custom_field_option": body})
	}
}

func (s *Server) deleteFieldOption(f personFieldFamily) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		oid, err := pathID(r, "option_id")
		if err != nil {
			return err
		}
		if err := s.People.DeleteFieldOption(r.Context(), f.scope, id, oid); err != nil {
			return err
		}
		return noContent(w)
	}
}
