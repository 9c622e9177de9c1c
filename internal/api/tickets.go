package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func (s *Server) registerTickets(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/tickets", s.listTickets)
	s.handle(mux, "GET /api/v2/tickets/count", s.countTickets)
	s.handle(mux, "GET /api/v2/tickets/show_many", s.showManyTickets)
	s.handle(mux, "POST /api/v2/tickets", s.createTicket)
	s.handle(mux, "POST /api/v2/tickets/create_many", s.createManyTickets)
	s.handle(mux, "PUT /api/v2/tickets/update_many", s.updateManyTickets)
	s.handle(mux, "DELETE /api/v2/tickets/destroy_many", s.destroyManyTickets)
	s.handle(mux, "GET /api/v2/tickets/{id}", s.showTicket)
	s.handle(mux, "PUT /api/v2/tickets/{id}", s.updateTicket)
	s.handle(mux, "DELETE /api/v2/tickets/{id}", deleteByID(s.Tickets.Delete))
	s.handle(mux, "POST /api/v2/tickets/{id}/merge", s.mergeTickets)
	s.handle(mux, "GET /api/v2/tickets/{id}/comments", s.listComments)
	s.handle(mux, "GET /api/v2/tickets/{id}/audits", s.listAudits)
	s.handle(mux, "GET /api/v2/tickets/{id}/incidents", s.listIncidents)
	s.handle(mux, "GET /api/v2/tickets/{id}/tags", s.ticketTags)
	s.handle(mux, "POST /api/v2/tickets/{id}/tags", s.changeTags("set"))
	s.handle(mux, "PUT /api/v2/tickets/{id}/tags", s.changeTags("add"))
	s.handle(mux, "DELETE /api/v2/tickets/{id}/tags", s.changeTags("remove"))
	s.registerDeletedTickets(mux)
	s.handle(mux, "GET /api/v2/users/{id}/tickets/requested", s.listTicketsBy("requester"))
	s.handle(mux, "GET /api/v2/users/{id}/tickets/assigned", s.listTicketsBy("assignee"))
	s.handle(mux, "GET /api/v2/users/{id}/tickets/ccd", s.listTicketsBy("collaborator"))
	s.handle(mux, "GET /api/v2/organizations/{id}/tickets", s.listTicketsBy("organization"))
	s.handle(mux, "GET /api/v2/groups/{id}/tickets", s.listTicketsBy("group"))
	s.handle(mux, "GET /api/v2/incremental/tickets/cursor", s.incrementalTickets)
	s.handle(mux, "GET /api/v2/ticket_fields", s.listTicketFields)
	s.handle(mux, "POST /api/v2/ticket_fields", s.saveTicketField)
	s.handle(mux, "GET /api/v2/ticket_fields/{id}", s.showTicketField)
	s.handle(mux, "PUT /api/v2/ticket_fields/{id}", s.saveTicketField)
	s.handle(mux, "DELETE /api/v2/ticket_fields/{id}", deleteByID(s.Tickets.DeleteField))
	s.handle(mux, "GET /api/v2/tags", s.listTags)
	s.handle(mux, "POST /api/v2/uploads", s.upload)
	s.handle(mux, "DELETE /api/v2/uploads/{token}", s.deleteUpload)
	s.handle(mux, "GET /api/v2/attachments/{id}", s.showAttachment)
	s.handle(mux, "GET /api/v2/attachments/{id}/content", s.attachmentContent)
	s.registerTicketFamilies(mux)
	s.registerRedaction(mux)
	s.registerTicketForms(mux)
}

// ticketURL fills the url field clients use to re-fetch a ticket.
func withTicketURLs(r *http.Request, ts ...*desk.Ticket) {
	base := baseURL(r)
	for _, t := range ts {
		t.URL = base + "/api/v2/tickets/" + itoa(t.ID) + ".json"
	}
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) error {
	f, err := ticketListFilter(r)
	if err != nil {
		return err
	}
	return s.renderTicketList(w, r, f)
}

// ticketListFilter reads the filter Zendesk's List Tickets documents for
// every ticket list (external_id); other parameters are ignored, as Zendesk
// ignores them. The ticket service applies it.
func ticketListFilter(r *http.Request) (ticket.ListFilter, error) {
	var f ticket.ListFilter
	if q := r.URL.Query(); q.Has("external_id") {
		if f.ExternalID = q.Get("external_id"); f.ExternalID == "" {
			return f, errBadRequest("external_id must not be empty")
		}
	}
	return f, nil
}

func (s *Server) listTicketsBy(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		f, err := ticketListFilter(r)
		if err != nil {
			return err
		}
		switch kind {
		case "requester":
			f.RequesterID = id
		case "assignee":
			f.AssigneeID = id
		case "collaborator":
			f.CollaboratorID = id
		case "organization":
			f.OrganizationID = id
		case "group":
			f.GroupID = id
		}
		return s.renderTicketList(w, r, f)
	}
}

// pagedTicketFilter adds the request's paging to f.
func pagedTicketFilter(r *http.Request, f ticket.ListFilter) (paging, ticket.ListFilter, error) {
	p, err := parsePaging(r)
	if err != nil {
		return p, f, err
	}
	f.Limit, f.Desc, f.SortBy = p.perPage, p.desc, p.sortBy
	if p.cursor {
		if f.SortBy != "" && f.SortBy != "id" {
			return p, f, errBadRequest("cursor pagination sorts by id only")
		}
		f.AfterID, f.BeforeID = p.after, p.before
	} else {
		f.Offset = p.offset()
	}
	return p, f, nil
}

func (s *Server) renderTicketList(w http.ResponseWriter, r *http.Request, f ticket.ListFilter) error {
	p, f, err := pagedTicketFilter(r, f)
	if err != nil {
		return err
	}
	ctx := r.Context()
	ts, more, err := s.Tickets.List(ctx, f)
	if err != nil {
		return err
	}
	withTicketURLs(r, ts...)
	if err := s.withSatisfaction(r, ts...); err != nil { // p8-assign
		return err
	}
	var first, last int64
	if len(ts) > 0 {
		first, last = ts[0].ID, ts[len(ts)-1].ID
	}
	body, err := listEnvelope(r, p, "tickets", ts, first, last, more, func() (int, error) { return s.Tickets.Count(ctx, f) })
	if err != nil {
		return err
	}
	if err := s.sideload(r, body, ts); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) countTickets(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Tickets.Count(r.Context(), ticket.ListFilter{})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"count": map[string]any{"value": n, "refreshed_at": desk.Time{Time: time.Now()}}})
}

func (s *Server) showTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.Tickets.Get(r.Context(), id)
	if err != nil {
		return err
	}
	withTicketURLs(r, t)
	if err := s.withSatisfaction(r, t); err != nil { // p8-assign
		return err
	}
	body := map[string]any{"ticket": t}
	if err := s.sideload(r, body, []*desk.Ticket{t}); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) showManyTickets(w http.ResponseWriter, r *http.Request) error {
	ts, err := showManyOf(r, s.Tickets.GetMany, s.Tickets.GetManyByExternalIDs)
	if err != nil {
		return err
	}
	withTicketURLs(r, ts...)
	if err := s.withSatisfaction(r, ts...); err != nil { // p8-assign
		return err
	}
	body := map[string]any{"tickets": ts, "next_page": nil, "previous_page": nil, "count": len(ts)}
	if err := s.sideload(r, body, ts); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

type ticketEnvelope struct {
	Ticket *ticket.Input `json:"ticket"`
}

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request) error {
	var env ticketEnvelope
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Ticket == nil {
		return desk.Invalid("ticket", "is required")
	}
	t, audit, err := s.Tickets.Create(r.Context(), *env.Ticket)
	if err != nil {
		return err
	}
	withTicketURLs(r, t)
	if err := s.withNewSatisfaction(r, t); err != nil { // p8-assign
		return err
	}
	return created(w, t.URL, map[string]any{"ticket": t, "audit": audit})
}

func (s *Server) updateTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var env ticketEnvelope
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Ticket == nil {
		return desk.Invalid("ticket", "is required")
	}
	t, audit, err := s.Tickets.Update(r.Context(), id, *env.Ticket)
	if err != nil {
		return err
	}
	withTicketURLs(r, t)
	if err := s.withSatisfaction(r, t); err != nil { // p8-assign
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"ticket": t, "audit": audit})
}

func (s *Server) restoreTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Tickets.Restore(r.Context(), id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) mergeTickets(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ticket.MergeInput
	if err := decode(r, &in); err != nil {
		return err
	}
	// Zendesk answers a merge with a job status clients poll; ours
	// completes inline and is recorded completed (see bulk.Merge).
	st, err := s.Bulk.Merge(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.jobStatusBody(r, st))
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	desc := strings.EqualFold(r.URL.Query().Get("sort_order"), "desc") || r.URL.Query().Get("sort") == "-created_at"
	after := p.after
	if err := p.forwardOnly("comments"); err != nil {
		return err
	}
	cs, more, err := s.Tickets.Comments(r.Context(), id, after, p.perPage, desc)
	if err != nil {
		return err
	}
	base := baseURL(r)
	for _, c := range cs {
		for i := range c.Attachments {
			a := &c.Attachments[i]
			a.URL = base + "/api/v2/attachments/" + itoa(a.ID) + ".json"
			a.ContentURL = base + "/api/v2/attachments/" + itoa(a.ID) + "/content"
		}
	}
	var first, last int64
	if len(cs) > 0 {
		first, last = cs[0].ID, cs[len(cs)-1].ID
	}
	return writeForwardPage(w, r, p, "comments", cs, len(cs), first, last, more)
}

// firstPageOnly answers an offset-style request on a list the services page
// with cursors only (comments, audits): the first page, and a next_page that
// continues with a cursor, so clients following next_page get everything.
func firstPageOnly(r *http.Request, p paging, key string, items any, n int, lastID int64, more bool) map[string]any {
	var next any
	if more && lastID != 0 {
		next = pageURL(r, map[string]string{"page[after]": encodeCursor(lastID), "page[size]": strconv.Itoa(p.perPage)}, "page", "per_page")
	}
	return map[string]any{key: items, "next_page": next, "previous_page": nil, "count": n}
}

func (s *Server) listAudits(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	if err := p.forwardOnly("audits"); err != nil {
		return err
	}
	as, more, err := s.Tickets.Audits(r.Context(), id, p.after, p.perPage)
	if err != nil {
		return err
	}
	var first, last int64
	if len(as) > 0 {
		first, last = as[0].ID, as[len(as)-1].ID
	}
	return writeForwardPage(w, r, p, "audits", as, len(as), first, last, more)
}

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Tickets.Get(r.Context(), id); err != nil {
		return err
	}
	ts, err := s.Tickets.Incidents(r.Context(), id)
	if err != nil {
		return err
	}
	withTicketURLs(r, ts...)
	if err := s.withSatisfaction(r, ts...); err != nil { // p8-assign
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tickets": ts, "next_page": nil, "previous_page": nil, "count": len(ts)})
}

func (s *Server) ticketTags(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	tags, err := s.Tickets.TicketTags(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tags": tags})
}

// changeTags serves Zendesk's tag verbs: POST sets the tags (replacing
// them), PUT adds, DELETE removes. safe_update with updated_stamp refuses a
// stale change with 409, as a ticket update does.
func (s *Server) changeTags(op string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var body struct {
			Tags         []string   `json:"tags"`
			SafeUpdate   looseBool  `json:"safe_update"`
			UpdatedStamp *desk.Time `json:"updated_stamp"`
		}
		if err := decode(r, &body); err != nil {
			return err
		}
		in := ticket.Input{SafeUpdate: bool(body.SafeUpdate), UpdatedStamp: body.UpdatedStamp}
		switch op {
		case "set":
			tags := body.Tags
			if tags == nil {
				tags = []string{}
			}
			in.Tags = &tags
		case "add":
			in.AdditionalTags = body.Tags
		default:
			in.RemoveTags = body.Tags
		}
		t, _, err := s.Tickets.Update(r.Context(), id, in)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"tags": t.Tags})
	}
}

func (s *Server) listTags(w http.ResponseWriter, r *http.Request) error {
	tags, err := s.Tickets.Tags(r.Context(), 100)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tags": tags, "next_page": nil, "previous_page": nil, "count": len(tags)})
}

// incrementalTickets follows Zendesk's cursor-based incremental export.
func (s *Server) incrementalTickets(w http.ResponseWriter, r *http.Request) error {
	since, afterUpdated, afterID, err := cursorPosition(r)
	if err != nil {
		return err
	}
	ts, more, _, err := s.Tickets.ExportTickets(r.Context(), ticket.ExportQuery{Since: since, AfterUpdated: afterUpdated,
		AfterID: afterID, Limit: exportPerPage(r), ExcludeDeleted: excludeDeleted(r)})
	if err != nil {
		return err
	}
	exportTickets(r, ts)
	var lastU, lastID int64
	if len(ts) > 0 {
		lastU, lastID = ts[len(ts)-1].UpdatedAt.Micros(), ts[len(ts)-1].ID
	}
	body := cursorPage(r, "tickets", "/api/v2/incremental/tickets/cursor.json", ts, since, afterUpdated, afterID, lastU, lastID, more)
	if err := s.sideload(r, body, ts); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

func encodeIncCursor(updated, id int64) string {
	return b64("inc:" + strconv.FormatInt(updated, 10) + ":" + strconv.FormatInt(id, 10))
}

func decodeIncCursor(s string) (int64, int64, error) {
	raw, ok := unb64(s)
	parts := strings.Split(raw, ":")
	if !ok || len(parts) != 3 || parts[0] != "inc" {
		return 0, 0, errBadRequest("invalid cursor")
	}
	u, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, errBadRequest("invalid cursor")
	}
	return u, id, nil
}

// looseBool is a boolean that also accepts "true" and "false" as strings,
// as Zendesk's own tag examples send safe_update.
type looseBool bool

func (b *looseBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null":
		*b = false
	default:
		return desk.Invalid("safe_update", "must be true or false")
	}
	return nil
}
