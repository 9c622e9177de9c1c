package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// registerAuditLogs mounts Zendesk's audit logs
// (https://developer.zendesk.com/api-reference/ticketing/account-configuration/audit_logs/):
// a read-only list and show (nothing edits or deletes entries) and an
// export, for staff holding manage_security (the export also export_data).
func (s *Server) registerAuditLogs(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/audit_logs", s.listAuditLogs)
	s.handle(mux, "GET /api/v2/audit_logs/export", s.exportAuditLogs)
	s.handle(mux, "GET /api/v2/audit_logs/{id}", s.showAuditLog)
}

// auditLogJSON is Zendesk's audit log record, with Frontdesk's extras
// (user agent, via, acting-as, the changes themselves, the chain link).
type auditLogJSON struct {
	ID                int64                   `json:"id"`
	URL               string                  `json:"url"`
	Action            string                  `json:"action"`
	ActorID           int64                   `json:"actor_id"`
	ActorName         string                  `json:"actor_name"`
	ActingAs          *int64                  `json:"acting_as_id"`
	SourceID          int64                   `json:"source_id"`
	SourceType        string                  `json:"source_type"`
	SourceLabel       string                  `json:"source_label"`
	ChangeDescription string                  `json:"change_description"`
	IPAddress         string                  `json:"ip_address"`
	UserAgent         string                  `json:"user_agent"`
	Via               string                  `json:"via"`
	Changes           map[string]audit.Change `json:"changes,omitempty"`
	CreatedAt         desk.Time               `json:"created_at"`
	Seq               int64                   `json:"seq,omitempty"`
	Hash              string                  `json:"hash,omitempty"`
}

func auditLogBody(r *http.Request, e audit.Entry, n audit.Names) auditLogJSON {
	var actingAs *int64
	if id := audit.ActingAs(e); id != 0 {
		actingAs = &id
	}
	return auditLogJSON{ID: e.ID, URL: baseURL(r) + "/api/v2/audit_logs/" + strconv.FormatInt(e.ID, 10) + ".json",
		Action: e.Action, ActorID: e.ActorID, ActorName: n.Actor(e.ActorID), ActingAs: actingAs,
		SourceID: e.TargetID, SourceType: e.TargetType, SourceLabel: n.Label(e), ChangeDescription: audit.Describe(e),
		IPAddress: e.IP, UserAgent: e.UserAgent, Via: e.Via, Changes: e.Changes, CreatedAt: e.CreatedAt, Seq: e.Seq, Hash: e.Hash}
}

// auditFilter reads Zendesk's filter[…] parameters and sort.
func auditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	var f audit.Filter
	f.Action = q.Get("filter[action]")
	f.TargetType = q.Get("filter[source_type]")
	f.IP = q.Get("filter[ip_address]")
	for name, dst := range map[string]*int64{"filter[source_id]": &f.TargetID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return f, desk.Invalid(name, "must be a record id")
			}
			*dst = n
		}
	}
	if v := q.Get("filter[actor_id]"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return f, desk.Invalid("filter[actor_id]", "must be a user id (0 for the system)")
		}
		f.ActorID = &n
	}
	var err error
	if f.Since, f.Until, err = createdAtRange(q); err != nil {
		return f, err
	}
	switch sort := q.Get("sort"); sort {
	case "", "-created_at":
	case "created_at":
		f.Asc = true
	default:
		return f, desk.Invalid("sort", "must be created_at or -created_at")
	}
	if sb := q.Get("sort_by"); sb != "" {
		if sb != "created_at" {
			return f, desk.Invalid("sort_by", "must be created_at")
		}
		f.Asc = !strings.EqualFold(q.Get("sort_order"), "desc")
	}
	return f, nil
}

// parseAuditTime reads an ISO 8601 timestamp or a date (a date ending a
// range means its whole day).
func parseAuditTime(s string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return t, desk.Invalid("filter[created_at]", fmt.Sprintf("%q is not an ISO 8601 timestamp", s))
	}
	if end {
		t = t.Add(24*time.Hour - time.Microsecond)
	}
	return t, nil
}

// createdAtRange reads filter[created_at][]=FROM&filter[created_at][]=TO
// (Zendesk), or the same key without [] twice: zero times when absent.
func createdAtRange(q url.Values) (since, until time.Time, err error) {
	dates := append(q["filter[created_at][]"], q["filter[created_at]"]...)
	switch len(dates) {
	case 0:
		return since, until, nil
	case 2:
		if since, err = parseAuditTime(dates[0], false); err != nil {
			return since, until, err
		}
		until, err = parseAuditTime(dates[1], true)
		return since, until, err
	default:
		return since, until, desk.Invalid("filter[created_at]", "give two timestamps: the start and the end of the range")
	}
}

// forwardPaging reads the paging of a list read forwards only: page[after]
// cursors or offset pages; page[before] is refused, naming what.
func forwardPaging(r *http.Request, what string) (paging, error) {
	p, err := parsePaging(r)
	if err == nil && p.before != 0 {
		err = errBadRequest("%s support page[after] only", what)
	}
	return p, err
}

// listAuditLogs answers {"audit_logs": […]} with offset or cursor pages
// (page[after] only: the list is read forwards in its sort order).
func (s *Server) listAuditLogs(w http.ResponseWriter, r *http.Request) error {
	p, err := forwardPaging(r, "audit logs")
	if err != nil {
		return err
	}
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	f.Limit, f.After = p.perPage, p.after
	if !p.cursor {
		f.Offset = p.offset()
	}
	ctx := r.Context()
	es, more, err := audit.Page(ctx, s.DB, f)
	if err != nil {
		return err
	}
	n, err := audit.Resolve(ctx, s.DB, es)
	if err != nil {
		return err
	}
	items := make([]auditLogJSON, 0, len(es))
	for _, e := range es {
		items = append(items, auditLogBody(r, e, n))
	}
	var first, last int64
	if len(es) > 0 {
		first, last = es[0].ID, es[len(es)-1].ID
	}
	body, err := listEnvelope(r, p, "audit_logs", items, first, last, more, func() (int, error) { return audit.Count(ctx, s.DB, f) })
	if err != nil {
		return err
	}
	if p.cursor {
		body["links"].(map[string]any)["prev"] = nil // read forwards only
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) showAuditLog(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	e, err := audit.Get(ctx, s.DB, id)
	if err != nil {
		return err
	}
	n, err := audit.Resolve(ctx, s.DB, []audit.Entry{e})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"audit_log": auditLogBody(r, e, n)})
}

// exportAuditLogs streams the entries matching the filters as CSV
// (?format=csv, the default) or JSON, as a download.
func (s *Server) exportAuditLogs(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = audit.FormatCSV
	}
	if format != audit.FormatCSV && format != audit.FormatJSON {
		return desk.Invalid("format", "must be csv or json")
	}
	if err := audit.RequireExport(r.Context()); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	ct := "text/csv; charset=utf-8"
	if format == audit.FormatJSON {
		ct = "application/json; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", "attachment; filename="+url.PathEscape("audit-log."+format))
	// Once the body has started an error can only cut it short; the
	// checks above answer every foreseeable one with a clean status.
	return audit.Export(r.Context(), s.DB, f, format, w)
}
