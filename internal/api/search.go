package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/desk"
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
	out, err := s.searchResults(r, results)
	if err != nil {
		return err
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

// searchResults is each result's JSON with its result_type (searchResult).
func (s *Server) searchResults(r *http.Request, results []search.Result) (rawList, error) {
	out := make(rawList, 0, len(results))
	for _, res := range results {
		hit, err := s.searchResult(r, res)
		if err != nil {
			return nil, err
		}
		out = append(out, hit)
	}
	return out, nil
}

// searchResult adds result_type to a record's JSON, as Zendesk does.
// Tickets and users are written by desk's hand encoder straight after the
// result_type key; organizations go through encoding/json.
func (s *Server) searchResult(r *http.Request, res search.Result) (json.RawMessage, error) {
	var (
		out []byte
		err error
	)
	switch {
	case res.Ticket != nil:
		withTicketURLs(r, res.Ticket)
		w := res.Ticket.Wire()
		out, err = spliceResultType("ticket", func(b []byte) ([]byte, error) { return desk.AppendTicketJSON(b, &w) })
	case res.User != nil:
		withUserURLs(r, res.User)
		w := res.User.Wire()
		out, err = spliceResultType("user", func(b []byte) ([]byte, error) { return desk.AppendUserJSON(b, &w) })
	default:
		if res.Organization != nil {
			withOrgURLs(r, res.Organization)
		}
		out, err = spliceResultType("organization", func(b []byte) ([]byte, error) {
			data, err := json.Marshal(res.Organization)
			return append(b, data...), err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("api: encode %s search result: %w", res.Type, err)
	}
	return out, nil
}

// spliceResultType writes {"result_type":"typ", followed by the object
// enc appends, without the object's own opening brace.
func spliceResultType(typ string, enc func([]byte) ([]byte, error)) ([]byte, error) {
	out := make([]byte, 0, 1536)
	out = append(out, `{"result_type":"`+typ+`",`...)
	n := len(out)
	out, err := enc(out)
	if err != nil || len(out) < n+2 || out[n] != '{' {
		return nil, errors.New("api: search result is not a JSON object")
	}
	return append(out[:n], out[n+1:]...), nil
}

func (s *Server) searchCount(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Search.Count(r.Context(), r.URL.Query().Get("query"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"count": n})
}
