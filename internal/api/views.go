package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/views"
)

// Views, as in https://developer.zendesk.com/api-reference/ticketing/business-rules/views/.

func (s *Server) registerViews(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/views", s.listViews)
	s.handle(mux, "POST /api/v2/views", s.createView)
	s.handle(mux, "GET /api/v2/views/active", s.listViews)
	s.handle(mux, "GET /api/v2/views/compact", s.listViews)
	s.handle(mux, "GET /api/v2/views/show_many", s.showManyViews)
	s.handle(mux, "GET /api/v2/views/count_many", s.countManyViews)
	s.handle(mux, "PUT /api/v2/views/update_many", s.updateManyViews)
	s.handle(mux, "POST /api/v2/views/preview", s.previewView)
	s.handle(mux, "POST /api/v2/views/preview/count", s.previewViewCount)
	s.handle(mux, "GET /api/v2/views/{id}", s.showView)
	s.handle(mux, "PUT /api/v2/views/{id}", s.updateView)
	s.handle(mux, "DELETE /api/v2/views/{id}", deleteByID(s.Views.Delete))
	s.handle(mux, "GET /api/v2/views/{id}/execute", s.executeView)
	s.handle(mux, "GET /api/v2/views/{id}/tickets", s.viewTickets)
	s.handle(mux, "GET /api/v2/views/{id}/count", s.countView)
}

func withViewURLs(r *http.Request, vs ...*views.View) {
	base := baseURL(r)
	for _, v := range vs {
		v.URL = base + "/api/v2/views/" + itoa(v.ID) + ".json"
	}
}

// listViews serves /views, /views/active (active ones) and /views/compact
// (the active ones the caller may run, at most 32, as Zendesk's sidebar).
func (s *Server) listViews(w http.ResponseWriter, r *http.Request) error {
	active, err := boolParam(r, "active")
	if err != nil {
		return err
	}
	f := views.Filter{Active: active, Access: r.URL.Query().Get("access")}
	compact := r.Pattern == "GET /api/v2/views/compact"
	if r.Pattern == "GET /api/v2/views/active" || compact {
		t := true
		f.Active = &t
	}
	f.Usable = compact
	vs, err := s.Views.List(r.Context(), f)
	if err != nil {
		return err
	}
	if compact && len(vs) > 32 {
		vs = vs[:32]
	}
	withViewURLs(r, vs...)
	return writeJSON(w, http.StatusOK, map[string]any{"views": vs, "next_page": nil, "previous_page": nil, "count": len(vs)})
}

func (s *Server) showManyViews(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	vs, err := s.Views.List(r.Context(), views.Filter{IDs: ids})
	if err != nil {
		return err
	}
	withViewURLs(r, vs...)
	return writeJSON(w, http.StatusOK, map[string]any{"views": vs, "next_page": nil, "previous_page": nil, "count": len(vs)})
}

func (s *Server) showView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Views.Get(r.Context(), id)
	if err != nil {
		return err
	}
	withViewURLs(r, v)
	return writeJSON(w, http.StatusOK, map[string]any{"view": v})
}

func decodeView(r *http.Request) (views.Input, error) {
	var env struct {
		View *views.Input `json:"view"`
	}
	if err := decode(r, &env); err != nil {
		return views.Input{}, err
	}
	if env.View == nil {
		return views.Input{}, desk.Invalid("view", "is required")
	}
	return *env.View, nil
}

func (s *Server) createView(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeView(r)
	if err != nil {
		return err
	}
	v, err := s.Views.Create(r.Context(), in)
	if err != nil {
		return err
	}
	withViewURLs(r, v)
	return created(w, v.URL, map[string]any{"view": v})
}

func (s *Server) updateView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeView(r)
	if err != nil {
		return err
	}
	v, err := s.Views.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	withViewURLs(r, v)
	return writeJSON(w, http.StatusOK, map[string]any{"view": v})
}

func (s *Server) updateManyViews(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		Views []views.Placement `json:"views"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	vs, err := s.Views.UpdateMany(r.Context(), env.Views)
	if err != nil {
		return err
	}
	withViewURLs(r, vs...)
	return writeJSON(w, http.StatusOK, map[string]any{"views": vs})
}

// viewPage reads the offset paging and sort overrides of execute/tickets.
func viewPage(r *http.Request) (paging, views.Page, error) {
	p, err := parsePaging(r)
	if err != nil {
		return p, views.Page{}, err
	}
	if p.cursor {
		return p, views.Page{}, errBadRequest("views page with page and per_page")
	}
	q := r.URL.Query()
	return p, views.Page{Offset: p.offset(), Limit: p.perPage, SortBy: q.Get("sort_by"), SortOrder: q.Get("sort_order")}, nil
}

// pageLinks adds Zendesk's offset links and count to body.
func pageLinks(r *http.Request, p paging, body map[string]any, n int) {
	var next, prev any
	if p.page*p.perPage < n {
		next = pageURL(r, map[string]string{"page": strconv.Itoa(p.page + 1), "per_page": strconv.Itoa(p.perPage)})
	}
	if p.page > 1 {
		prev = pageURL(r, map[string]string{"page": strconv.Itoa(p.page - 1), "per_page": strconv.Itoa(p.perPage)})
	}
	body["next_page"], body["previous_page"], body["count"] = next, prev, n
}

// executeView is GET /views/{id}/execute: rows with the view's columns.
func (s *Server) executeView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, pg, err := viewPage(r)
	if err != nil {
		return err
	}
	res, err := s.Views.Execute(r.Context(), id, pg)
	if err != nil {
		return err
	}
	return s.writeRows(w, r, p, res)
}

func (s *Server) writeRows(w http.ResponseWriter, r *http.Request, p paging, res *views.Result) error {
	cols := res.View.Columns()
	withTicketURLs(r, res.Tickets...)
	var next map[int64]time.Time
	if s.SLA != nil && slices.Contains(cols, sla.NextBreachColumn) && len(res.Tickets) > 0 {
		ids := make([]int64, len(res.Tickets))
		for i, t := range res.Tickets {
			ids[i] = t.ID
		}
		var err error
		if next, err = s.SLA.NextBreach(r.Context(), ids); err != nil {
			return err
		}
	}
	rows := make([]map[string]any, 0, len(res.Tickets))
	for _, t := range res.Tickets {
		row := views.Row(t, cols)
		if at, ok := next[t.ID]; ok {
			row[sla.NextBreachColumn] = desk.Time{Time: at.UTC()}
		}
		row["ticket"] = t
		rows = append(rows, row)
	}
	if res.View.ID != 0 {
		withViewURLs(r, res.View)
	}
	body := map[string]any{"view": res.View, "rows": rows, "columns": res.View.Execution.Columns, "groups": []any{}}
	pageLinks(r, p, body, res.Count)
	if err := s.sideload(r, body, res.Tickets); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

// viewTickets is GET /views/{id}/tickets: the tickets themselves.
func (s *Server) viewTickets(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, pg, err := viewPage(r)
	if err != nil {
		return err
	}
	res, err := s.Views.Execute(r.Context(), id, pg)
	if err != nil {
		return err
	}
	withTicketURLs(r, res.Tickets...)
	body := map[string]any{"tickets": res.Tickets}
	pageLinks(r, p, body, res.Count)
	if err := s.sideload(r, body, res.Tickets); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

func viewCountBody(r *http.Request, c views.ViewCount) map[string]any {
	return map[string]any{"view_id": c.ViewID, "url": baseURL(r) + "/api/v2/views/" + itoa(c.ViewID) + "/count.json",
		"value": c.Value, "pretty": c.Pretty, "fresh": c.Fresh}
}

func (s *Server) countView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.Views.Count(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"view_count": viewCountBody(r, views.Counted(id, n))})
}

func (s *Server) countManyViews(w http.ResponseWriter, r *http.Request) error {
	ids, err := idList(r.URL.Query().Get("ids"))
	if err != nil {
		return err
	}
	cs, err := s.Views.CountMany(r.Context(), ids)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(cs))
	for _, c := range cs {
		out = append(out, viewCountBody(r, c))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"view_counts": out})
}

func (s *Server) previewView(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeView(r)
	if err != nil {
		return err
	}
	p, pg, err := viewPage(r)
	if err != nil {
		return err
	}
	res, err := s.Views.Preview(r.Context(), in, pg)
	if err != nil {
		return err
	}
	return s.writeRows(w, r, p, res)
}

func (s *Server) previewViewCount(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeView(r)
	if err != nil {
		return err
	}
	n, err := s.Views.PreviewCount(r.Context(), in)
	if err != nil {
		return err
	}
	c := views.Counted(0, n)
	return writeJSON(w, http.StatusOK, map[string]any{"view_count": map[string]any{"value": c.Value, "pretty": c.Pretty, "fresh": c.Fresh,
		"refreshed_at": desk.Time{Time: time.Now()}}})
}
