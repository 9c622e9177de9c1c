package api

import (
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/search"
)

// searchExport is Zendesk's GET /api/v2/search/export: one record type
// (filter[type], required), cursor-paged by page[size] (up to 1000) and
// page[after], with no limit on how far a client may page.
func (s *Server) searchExport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	typ := q.Get("filter[type]")
	switch typ {
	case "ticket", "user", "organization":
	case "":
		return errBadRequest("filter[type] is required: one of ticket, user, organization")
	default:
		return errBadRequest("filter[type] must be one of ticket, user, organization")
	}
	size := 100
	if v := q.Get("page[size]"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errBadRequest("page[size] must be a positive number")
		}
		size = min(n, search.MaxExportPage)
	}
	if q.Has("page[before]") {
		return errBadRequest("search export only pages forwards (page[after])")
	}
	after, err := decodeCursor(q.Get("page[after]"))
	if err != nil {
		return err
	}
	results, more, err := s.Search.Export(r.Context(), q.Get("query"), typ, after, size)
	if err != nil {
		return err
	}
	out, err := s.searchResults(r, results)
	if err != nil {
		return err
	}
	var lastID int64
	if n := len(results); n > 0 {
		lastID = results[n-1].ID
	}
	body, err := listEnvelope(r, paging{cursor: true, perPage: size, after: after}, "results", out, 0, lastID, more, nil)
	if err != nil {
		return err
	}
	body["facets"] = nil
	return writeJSON(w, http.StatusOK, body)
}
