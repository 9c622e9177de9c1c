package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/search"
)

func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, err := parsePagingDepth(r, 0)
	if err != nil {
		return err
	}
	if p.cursor {
		return errBadRequest("search uses offset pagination (page, per_page); use /api/v2/search/export for cursors")
	}
	results, count, err := s.Search.Search(r.Context(), q.Get("query"), p.page, p.perPage)
	if err != nil {
		return err
	}
	out := make([]any, 0, len(results))
	for _, res := range results {
		out = append(out, s.searchResult(r, res))
	}
	var next, prev any
	if p.page*p.perPage < min(count, 1000) {
		next = pageURL(r, map[string]string{"page": strconv.Itoa(p.page + 1), "per_page": strconv.Itoa(p.perPage)})
	}
	if p.page > 1 {
		prev = pageURL(r, map[string]string{"page": strconv.Itoa(p.page - 1), "per_page": strconv.Itoa(p.perPage)})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"results": out, "count": count, "next_page": next, "previous_page": prev, "facets": nil})
}

// searchResult adds result_type to a record's JSON, as Zendesk does.
func (s *Server) searchResult(r *http.Request, res search.Result) any {
	var v any
	typ := "organization"
	switch {
	case res.Ticket != nil:
		withTicketURLs(r, res.Ticket)
		v, typ = res.Ticket, "ticket"
	case res.User != nil:
		withUserURLs(r, res.User)
		v, typ = res.User, "user"
	case res.Organization != nil:
		withOrgURLs(r, res.Organization)
		v = res.Organization
	default:
		v = res.Organization
	}
	b, err := json.Marshal(v)
	if err != nil || len(b) < 2 {
		return v
	}
	out := make([]byte, 0, len(b)+32)
	out = append(out, `{"result_type":"`+typ+`",`...)
	return json.RawMessage(append(out, b[1:]...))
}

func (s *Server) searchCount(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Search.Count(r.Context(), r.URL.Query().Get("query"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"count": n})
}
