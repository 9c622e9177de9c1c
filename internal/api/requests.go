package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// The Requests API (developer.zendesk.com/api-reference/ticketing/tickets/
// ticket-requests/): an end-user's view of their tickets. The ticket service
// holds every rule (ticket/requests.go); these handlers decode and encode.
func (s *Server) registerRequests(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/requests", s.listRequests(false, nil))
	s.handle(mux, "GET /api/v2/requests/solved", s.listRequests(false, []string{"solved", "closed"}))
	s.handle(mux, "GET /api/v2/requests/ccd", s.listRequests(true, nil))
	s.handle(mux, "GET /api/v2/requests/search", s.searchRequests)
	s.handle(mux, "POST /api/v2/requests", s.createRequest)
	s.handle(mux, "GET /api/v2/requests/{id}", s.showRequest)
	s.handle(mux, "PUT /api/v2/requests/{id}", s.updateRequest)
	s.handle(mux, "GET /api/v2/requests/{id}/comments", s.listRequestComments)
	s.handle(mux, "GET /api/v2/requests/{id}/comments/{comment_id}", s.showRequestComment)
}

func withRequestURLs(r *http.Request, rs ...*ticket.Request) {
	base := baseURL(r)
	for _, rq := range rs {
		rq.URL = base + "/api/v2/requests/" + itoa(rq.ID) + ".json"
	}
}

// requestComment is a comment in the Requests API's shape (with request_id).
type requestComment struct {
	*desk.Comment
	RequestID int64 `json:"request_id"`
	// Metadata shadows the comment's: Zendesk's Requests API comments
	// carry none.
	Metadata map[string]any `json:"metadata,omitempty"`
}

func (s *Server) requestComments(r *http.Request, id int64, cs []*desk.Comment) []requestComment {
	base := baseURL(r)
	out := make([]requestComment, 0, len(cs))
	for _, c := range cs {
		for i := range c.Attachments {
			a := &c.Attachments[i]
			a.URL = base + "/api/v2/attachments/" + itoa(a.ID) + ".json"
			a.ContentURL = base + "/api/v2/attachments/" + itoa(a.ID) + "/content"
		}
		out = append(out, requestComment{Comment: c, RequestID: id})
	}
	return out
}

// listRequests serves /requests (status= filter), /requests/solved and
// /requests/ccd, with offset or cursor paging and sort_by/sort_order.
func (s *Server) listRequests(ccd bool, statuses []string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := parsePaging(r)
		if err != nil {
			return err
		}
		f := ticket.RequestFilter{CCd: ccd, Statuses: statuses, SortBy: p.sortBy, Desc: p.desc, Limit: p.perPage}
		if statuses == nil {
			if v := r.URL.Query().Get("status"); v != "" {
				for _, st := range strings.Split(v, ",") {
					if st = strings.TrimSpace(st); st != "" {
						f.Statuses = append(f.Statuses, st)
					}
				}
			}
		}
		// Requests sort by time, so their cursors carry an offset (in the
		// opaque cursor encoding), not an id.
		if p.cursor {
			if p.before != 0 {
				return errBadRequest("requests support page[after] only")
			}
			if p.after > maxOffsetRecords*100 {
				return errBadRequest("invalid cursor")
			}
			f.Offset = int(p.after)
		} else {
			f.Offset = p.offset()
		}
		rs, n, err := s.Tickets.Requests(r.Context(), f)
		if err != nil {
			return err
		}
		withRequestURLs(r, rs...)
		if !p.cursor {
			body, err := listEnvelope(r, p, "requests", rs, 0, 0, false, func() (int, error) { return n, nil })
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, body)
		}
		end := f.Offset + len(rs)
		more := end < n
		var after, next any
		if len(rs) > 0 {
			after = encodeCursor(int64(end))
		}
		if more {
			next = pageURL(r, map[string]string{"page[after]": after.(string), "page[size]": strconv.Itoa(p.perPage)}, "page[before]")
		}
		return writeJSON(w, http.StatusOK, map[string]any{
			"requests": rs,
			"meta":     map[string]any{"has_more": more, "after_cursor": after, "before_cursor": nil},
			"links":    map[string]any{"next": next, "prev": nil},
		})
	}
}

func (s *Server) showRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rq, err := s.Tickets.Request(r.Context(), id)
	if err != nil {
		return err
	}
	withRequestURLs(r, rq)
	return writeJSON(w, http.StatusOK, map[string]any{"request": rq})
}

type requestEnvelope struct {
	Request *ticket.RequestInput `json:"request"`
}

func (s *Server) createRequest(w http.ResponseWriter, r *http.Request) error {
	var env requestEnvelope
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Request == nil {
		return desk.Invalid("request", "is required")
	}
	rq, err := s.Tickets.CreateRequest(r.Context(), *env.Request)
	if err != nil {
		return err
	}
	withRequestURLs(r, rq)
	return created(w, rq.URL, map[string]any{"request": rq})
}

func (s *Server) updateRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var env requestEnvelope
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Request == nil {
		return desk.Invalid("request", "is required")
	}
	rq, err := s.Tickets.UpdateRequest(r.Context(), id, *env.Request)
	if err != nil {
		return err
	}
	withRequestURLs(r, rq)
	return writeJSON(w, http.StatusOK, map[string]any{"request": rq})
}

func (s *Server) listRequestComments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	if err := p.forwardOnly("comments"); err != nil {
		return err
	}
	desc := strings.EqualFold(r.URL.Query().Get("sort_order"), "desc")
	cs, more, err := s.Tickets.RequestComments(r.Context(), id, p.after, p.perPage, desc)
	if err != nil {
		return err
	}
	out := s.requestComments(r, id, cs)
	var first, last int64
	if len(cs) > 0 {
		first, last = cs[0].ID, cs[len(cs)-1].ID
	}
	return writeForwardPage(w, r, p, "comments", out, len(out), first, last, more)
}

func (s *Server) showRequestComment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "comment_id")
	if err != nil {
		return err
	}
	c, err := s.Tickets.RequestComment(r.Context(), id, cid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"comment": s.requestComments(r, id, []*desk.Comment{c})[0]})
}

// searchRequests runs the search service over the caller's requests.
func (s *Server) searchRequests(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePagingDepth(r, 0)
	if err != nil {
		return err
	}
	if p.cursor {
		return errBadRequest("request search uses offset pagination (page, per_page)")
	}
	query := strings.TrimSpace(r.URL.Query().Get("query"))
	if query == "" {
		return desk.Invalid("query", "cannot be blank")
	}
	// Search as the caller seen as a requester: the one visibility rule's
	// end-user branch, for staff too.
	ctx, err := ticket.AsRequester(r.Context())
	if err != nil {
		return err
	}
	results, count, err := s.Search.Search(ctx, "type:ticket "+query, p.page, p.perPage)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(results))
	for _, res := range results {
		if res.Ticket != nil {
			ids = append(ids, res.Ticket.ID)
		}
	}
	rs, err := s.Tickets.RequestsByIDs(r.Context(), ids)
	if err != nil {
		return err
	}
	withRequestURLs(r, rs...)
	var next, prev any
	if p.page*p.perPage < min(count, 1000) {
		next = pageURL(r, map[string]string{"page": strconv.Itoa(p.page + 1), "per_page": strconv.Itoa(p.perPage)})
	}
	if p.page > 1 {
		prev = pageURL(r, map[string]string{"page": strconv.Itoa(p.page - 1), "per_page": strconv.Itoa(p.perPage)})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"requests": rs, "count": count, "next_page": next, "previous_page": prev, "facets": nil})
}
