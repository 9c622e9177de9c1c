package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/views"
)

// Macros, as in https://developer.zendesk.com/api-reference/ticketing/business-rules/macros/.

func (s *Server) registerMacros(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/macros", s.listMacros)
	s.handle(mux, "POST /api/v2/macros", s.createMacro)
	s.handle(mux, "GET /api/v2/macros/active", s.listMacros)
	s.handle(mux, "GET /api/v2/macros/search", s.listMacros)
	s.handle(mux, "GET /api/v2/macros/categories", s.macroCategories)
	s.handle(mux, "GET /api/v2/macros/show_many", s.showManyMacros)
	s.handle(mux, "PUT /api/v2/macros/update_many", s.updateManyMacros)
	s.handle(mux, "GET /api/v2/macros/{id}", s.showMacro)
	s.handle(mux, "PUT /api/v2/macros/{id}", s.updateMacro)
	s.handle(mux, "DELETE /api/v2/macros/{id}", deleteByID(s.Macros.Delete))
	s.handle(mux, "GET /api/v2/macros/{id}/apply", s.macroChanges)
	s.handle(mux, "GET /api/v2/tickets/{ticket_id}/macros/{id}/apply", s.applyMacroPreview)
}

func withMacroURLs(r *http.Request, ms ...*macros.Macro) {
	base := baseURL(r)
	for _, m := range ms {
		m.URL = base + "/api/v2/macros/" + itoa(m.ID) + ".json"
	}
}

// withUsage fills usage counts when include= names any usage_* window.
func (s *Server) withUsage(r *http.Request, ms []*macros.Macro) error {
	inc := strings.Split(r.URL.Query().Get("include"), ",")
	if !slices.ContainsFunc(inc, func(x string) bool { return strings.HasPrefix(strings.TrimSpace(x), "usage_") }) {
		return nil
	}
	return s.Macros.Usage(r.Context(), ms)
}

// listMacros serves /macros, /macros/active and /macros/search?query=.
func (s *Server) listMacros(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	active, err := boolParam(r, "active")
	if err != nil {
		return err
	}
	f := macros.Filter{Active: active, Access: q.Get("access"), Category: q.Get("category")}
	switch r.Pattern {
	case "GET /api/v2/macros/active":
		t := true
		f.Active, f.Usable = &t, true
	case "GET /api/v2/macros/search":
		f.Query = strings.TrimSpace(q.Get("query"))
		if f.Query == "" {
			return desk.Invalid("query", "is required")
		}
	}
	ms, err := s.Macros.List(r.Context(), f)
	if err != nil {
		return err
	}
	if err := s.withUsage(r, ms); err != nil {
		return err
	}
	withMacroURLs(r, ms...)
	return writeJSON(w, http.StatusOK, map[string]any{"macros": ms, "next_page": nil, "previous_page": nil, "count": len(ms)})
}

func (s *Server) macroCategories(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Macros.Categories(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"categories": cs})
}

func (s *Server) showManyMacros(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	ms, err := s.Macros.List(r.Context(), macros.Filter{IDs: ids})
	if err != nil {
		return err
	}
	withMacroURLs(r, ms...)
	return writeJSON(w, http.StatusOK, map[string]any{"macros": ms, "next_page": nil, "previous_page": nil, "count": len(ms)})
}

func (s *Server) showMacro(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.Macros.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.withUsage(r, []*macros.Macro{m}); err != nil {
		return err
	}
	withMacroURLs(r, m)
	return writeJSON(w, http.StatusOK, map[string]any{"macro": m})
}

func decodeMacro(r *http.Request) (macros.Input, error) {
	var env struct {
		Macro *macros.Input `json:"macro"`
	}
	if err := decode(r, &env); err != nil {
		return macros.Input{}, err
	}
	if env.Macro == nil {
		return macros.Input{}, desk.Invalid("macro", "is required")
	}
	return *env.Macro, nil
}

func (s *Server) createMacro(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeMacro(r)
	if err != nil {
		return err
	}
	m, err := s.Macros.Create(r.Context(), in)
	if err != nil {
		return err
	}
	withMacroURLs(r, m)
	return created(w, m.URL, map[string]any{"macro": m})
}

func (s *Server) updateMacro(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeMacro(r)
	if err != nil {
		return err
	}
	m, err := s.Macros.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	withMacroURLs(r, m)
	return writeJSON(w, http.StatusOK, map[string]any{"macro": m})
}

func (s *Server) updateManyMacros(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		Macros []views.Placement `json:"macros"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	ms, err := s.Macros.UpdateMany(r.Context(), env.Macros)
	if err != nil {
		return err
	}
	withMacroURLs(r, ms...)
	return writeJSON(w, http.StatusOK, map[string]any{"macros": ms})
}

// macroChanges is GET /macros/{id}/apply: what the macro sets, without a
// ticket.
func (s *Server) macroChanges(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.Macros.Changes(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"result": res})
}

// applyMacroPreview is GET /tickets/{ticket_id}/macros/{id}/apply: the
// ticket and comment the macro would make, saving nothing.
func (s *Server) applyMacroPreview(w http.ResponseWriter, r *http.Request) error {
	tid, err := pathID(r, "ticket_id")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.Macros.Preview(r.Context(), id, tid)
	if err != nil {
		return err
	}
	withTicketURLs(r, res.Ticket)
	return writeJSON(w, http.StatusOK, map[string]any{"result": res})
}
