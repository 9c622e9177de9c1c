package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Zendesk's time-based incremental exports
// (https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/):
// items changed at or after start_time, up to a minute before the request
// (the services' export horizon), ordered by change time then id, at most
// 1,000 a page. Each page carries end_time and a next_page link that
// resumes from it; end_of_stream is true on the page that reached the
// horizon. next_page also carries the exact position ("cursor"), so pages
// neither repeat nor skip items that share a second; a client that keeps
// only end_time and asks again with start_time=end_time gets the items of
// that second again (as with Zendesk, which documents duplicates).
func (s *Server) registerIncremental(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/incremental/tickets", s.incrementalTicketsTime)
	s.handle(mux, "GET /api/v2/incremental/ticket_events", s.incrementalTicketEvents)
	s.handle(mux, "GET /api/v2/incremental/users", s.incrementalUsersTime)
	s.handle(mux, "GET /api/v2/incremental/users/cursor", s.incrementalUsersCursor)
	s.handle(mux, "GET /api/v2/incremental/organizations", s.incrementalOrganizationsTime)
}

// exportStart reads the required start_time (Unix seconds, not in the
// future) as microseconds.
func exportStart(r *http.Request) (int64, error) {
	st, err := strconv.ParseInt(r.URL.Query().Get("start_time"), 10, 64)
	if err != nil || st < 0 || st > 1<<40 {
		return 0, errBadRequest("start_time must be a Unix timestamp")
	}
	if st > time.Now().Unix() {
		return 0, errBadRequest("start_time is in the future")
	}
	return st * 1_000_000, nil
}

// exportPerPage is per_page, capped at 1,000 (the default).
func exportPerPage(r *http.Request) int {
	if n, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && n > 0 {
		return min(n, 1000)
	}
	return 1000
}

// excludeDeleted is Zendesk's exclude_deleted parameter of the ticket
// exports.
func excludeDeleted(r *http.Request) bool {
	v, _ := strconv.ParseBool(r.URL.Query().Get("exclude_deleted"))
	return v
}

// timePosition is the position a time-based export request asks for:
// start_time, and the exact position a next_page link adds.
func timePosition(r *http.Request) (since, afterStamp, afterID int64, err error) {
	if since, err = exportStart(r); err != nil {
		return 0, 0, 0, err
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		if afterStamp, afterID, err = decodeIncCursor(c); err != nil {
			return 0, 0, 0, err
		}
	}
	return since, afterStamp, afterID, nil
}

// timePage is the envelope of one time-based export page. lastStamp and
// lastID are the last item's change time (micros) and id; horizon is where
// the service cut the export (micros, exclusive).
func timePage(r *http.Request, key string, items any, count int, since, lastStamp, lastID int64, more bool, horizon int64) map[string]any {
	// end_time: where the next export starts. Mid-stream that is the last
	// item's second; at the end it is the horizon, so the next export
	// starts where this one stopped looking (never before start_time).
	end := since / 1_000_000
	switch {
	case more:
		end = lastStamp / 1_000_000
	case horizon/1_000_000 > end:
		end = horizon / 1_000_000
	}
	q := url.Values{}
	q.Set("start_time", strconv.FormatInt(end, 10))
	if count > 0 {
		q.Set("cursor", encodeIncCursor(lastStamp, lastID))
	} else if c := r.URL.Query().Get("cursor"); c != "" {
		q.Set("cursor", c)
	}
	for _, k := range []string{"per_page", "include", "exclude_deleted"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return map[string]any{
		key: items, "count": count, "end_time": end, "end_of_stream": !more,
		"next_page": baseURL(r) + r.URL.Path + ".json?" + q.Encode(),
	}
}

// exportTickets prepares tickets for an incremental export: urls, and the
// status "deleted" for those in the deleted list (generated_timestamp comes
// with every ticket, from the one serializer).
func exportTickets(r *http.Request, ts []*desk.Ticket) []*desk.Ticket {
	withTicketURLs(r, ts...)
	for _, t := range ts {
		if !t.DeletedAt.IsZero() {
			t.Status = "deleted"
		}
	}
	return ts
}

func (s *Server) incrementalTicketsTime(w http.ResponseWriter, r *http.Request) error {
	since, afterU, afterID, err := timePosition(r)
	if err != nil {
		return err
	}
	ts, more, horizon, err := s.Tickets.ExportTickets(r.Context(), ticket.ExportQuery{
		Since: since, AfterUpdated: afterU, AfterID: afterID, Limit: exportPerPage(r), ExcludeDeleted: excludeDeleted(r)})
	if err != nil {
		return err
	}
	var lastU, lastID int64
	if len(ts) > 0 {
		lastU, lastID = ts[len(ts)-1].UpdatedAt.Micros(), ts[len(ts)-1].ID
	}
	body := timePage(r, "tickets", exportTickets(r, ts), len(ts), since, lastU, lastID, more, horizon)
	if err := s.sideload(r, body, ts); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

// incrementalTicketEvents exports audits as Zendesk's ticket events: one
// "Audit" event per change with its field changes as child_events, and
// the comment among them when include=comment_events.
func (s *Server) incrementalTicketEvents(w http.ResponseWriter, r *http.Request) error {
	since, afterC, afterID, err := timePosition(r)
	if err != nil {
		return err
	}
	withComments := false
	if inc := r.URL.Query().Get("include"); inc != "" {
		if inc != "comment_events" {
			return errBadRequest("include supports comment_events")
		}
		withComments = true
	}
	as, more, horizon, err := s.Tickets.ExportAudits(r.Context(), ticket.ExportQuery{
		Since: since, AfterUpdated: afterC, AfterID: afterID, Limit: exportPerPage(r)})
	if err != nil {
		return err
	}
	evs := make([]map[string]any, len(as))
	for i, a := range as {
		evs[i] = ticketEvent(a, withComments)
	}
	var lastC, lastID int64
	if len(as) > 0 {
		lastC, lastID = as[len(as)-1].CreatedAt.Micros(), as[len(as)-1].ID
	}
	return writeJSON(w, http.StatusOK, timePage(r, "ticket_events", evs, len(evs), since, lastC, lastID, more, horizon))
}

// ticketEvent renders one audit in the ticket events export's shape.
func ticketEvent(a *desk.Audit, withComments bool) map[string]any {
	via := a.Via.Channel
	children := []map[string]any{}
	for _, e := range a.Events {
		c := map[string]any{"id": e.ID, "via": via, "via_reference_id": nil, "event_type": e.Type}
		switch e.Type {
		case "Comment":
			if !withComments {
				continue
			}
			public := e.Public != nil && *e.Public
			c["body"], c["html_body"], c["public"], c["author_id"] = e.Body, e.HTMLBody, public, e.AuthorID
			c["attachments"] = []any{}
		case "Create", "Change":
			if e.FieldName != "" {
				c[e.FieldName] = e.Value
			}
			if e.Type == "Change" {
				c["previous_value"] = e.PreviousValue
			}
		default:
			if e.Value != nil {
				c["value"] = e.Value
			}
		}
		children = append(children, c)
	}
	meta := a.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	system, _ := meta["system"].(map[string]any)
	if system == nil {
		system = map[string]any{}
	}
	return map[string]any{
		"id": a.ID, "ticket_id": a.TicketID, "timestamp": a.CreatedAt.Micros() / 1_000_000, "created_at": a.CreatedAt,
		"updater_id": a.AuthorID, "via": via, "system": system, "metadata": meta, "event_type": "Audit",
		"child_events": children, "merged_ticket_ids": []int64{},
	}
}

func (s *Server) incrementalUsersTime(w http.ResponseWriter, r *http.Request) error {
	since, afterU, afterID, err := timePosition(r)
	if err != nil {
		return err
	}
	us, more, horizon, err := s.People.ExportUsers(r.Context(), people.ExportQuery{
		Since: since, AfterUpdated: afterU, AfterID: afterID, Limit: exportPerPage(r)})
	if err != nil {
		return err
	}
	withUserURLs(r, us...)
	var lastU, lastID int64
	if len(us) > 0 {
		lastU, lastID = us[len(us)-1].UpdatedAt.Micros(), us[len(us)-1].ID
	}
	return writeJSON(w, http.StatusOK, timePage(r, "users", us, len(us), since, lastU, lastID, more, horizon))
}

func (s *Server) incrementalOrganizationsTime(w http.ResponseWriter, r *http.Request) error {
	since, afterU, afterID, err := timePosition(r)
	if err != nil {
		return err
	}
	os, more, horizon, err := s.People.ExportOrganizations(r.Context(), people.ExportQuery{
		Since: since, AfterUpdated: afterU, AfterID: afterID, Limit: exportPerPage(r)})
	if err != nil {
		return err
	}
	withOrgURLs(r, os...)
	var lastU, lastID int64
	if len(os) > 0 {
		lastU, lastID = os[len(os)-1].UpdatedAt.Micros(), os[len(os)-1].ID
	}
	return writeJSON(w, http.StatusOK, timePage(r, "organizations", os, len(os), since, lastU, lastID, more, horizon))
}

// incrementalUsersCursor is the cursor-based user export, shaped as the
// ticket one (incrementalTickets).
func (s *Server) incrementalUsersCursor(w http.ResponseWriter, r *http.Request) error {
	since, afterUpdated, afterID, err := cursorPosition(r)
	if err != nil {
		return err
	}
	us, more, _, err := s.People.ExportUsers(r.Context(), people.ExportQuery{Since: since, AfterUpdated: afterUpdated,
		AfterID: afterID, Limit: exportPerPage(r)})
	if err != nil {
		return err
	}
	withUserURLs(r, us...)
	var lastU, lastID int64
	if len(us) > 0 {
		lastU, lastID = us[len(us)-1].UpdatedAt.Micros(), us[len(us)-1].ID
	}
	return writeJSON(w, http.StatusOK, cursorPage(r, "users", "/api/v2/incremental/users/cursor.json", us, since, afterUpdated, afterID, lastU, lastID, more))
}

// cursorPosition is where a cursor-based export request starts: after the
// position its cursor= names, else at start_time.
func cursorPosition(r *http.Request) (since, afterUpdated, afterID int64, err error) {
	if c := r.URL.Query().Get("cursor"); c != "" {
		afterUpdated, afterID, err = decodeIncCursor(c)
		return 0, afterUpdated, afterID, err
	}
	since, err = exportStart(r)
	return since, 0, 0, err
}

// cursorPage is the envelope of one cursor-based export page of n items
// under key; lastUpdated and lastID place its last item (0 when empty).
// An empty page still hands out a cursor (where the request started), so a
// sync client can resume from after_url as Zendesk's do.
func cursorPage(r *http.Request, key, path string, items any, since, afterUpdated, afterID, lastUpdated, lastID int64, more bool) map[string]any {
	var after string
	switch {
	case lastID != 0:
		after = encodeIncCursor(lastUpdated, lastID)
	case afterUpdated != 0 || afterID != 0:
		after = encodeIncCursor(afterUpdated, afterID)
	default:
		after = encodeIncCursor(since, 0)
	}
	return map[string]any{
		key: items, "after_cursor": after, "after_url": baseURL(r) + path + "?cursor=" + after,
		"before_cursor": nil, "before_url": nil, "end_of_stream": !more,
	}
}
