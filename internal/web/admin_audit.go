package web

// The audit log page (issue P9): entries with filters (actor, action,
// target, address, date range) and pages, a check of the hash chain, and a
// CSV or JSON export after a recent re-authentication. Staff holding
// manage_security read it (the audit service decides); exporting also
// needs export_data. Nothing here changes an entry.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
)

func (s *Server) registerAudit(h func(string, access, handlerFunc)) {
	h("GET /agent/admin/audit", staff, s.auditPage)
	h("POST /agent/admin/audit/verify", staff, s.auditVerify)
	h("POST /agent/admin/audit/export", staff, s.auditExport)
}

// auditPerPage is the page size of the audit log page.
const auditPerPage = 50

type auditRow struct {
	E           audit.Entry
	Actor       string
	Label       string
	Description string
}

type auditData struct {
	Rows      []auditRow
	Actions   []string
	Pager     pager
	Query     string // the filters, for the export form
	Filters   url.Values
	Verified  *audit.Report
	Reauth    reauthBox
	CanExport bool
}

// auditFilterFrom reads the page's filters from v; problems come back as
// field errors.
func auditFilterFrom(v url.Values, tz *time.Location) (audit.Filter, map[string][]string) {
	var f audit.Filter
	fe := map[string][]string{}
	if tz == nil {
		tz = time.UTC
	}
	if s := strings.TrimSpace(v.Get("actor")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			fe["actor"] = append(fe["actor"], "audit.bad_actor")
		} else {
			f.ActorID = &n
		}
	}
	f.Action = strings.TrimSpace(v.Get("action"))
	f.TargetType = strings.TrimSpace(v.Get("target_type"))
	if s := strings.TrimSpace(v.Get("target_id")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			fe["target_id"] = append(fe["target_id"], "audit.bad_target")
		} else {
			f.TargetID = n
		}
	}
	f.IP = strings.TrimSpace(v.Get("ip"))
	for _, d := range []struct {
		key string
		dst *time.Time
		end bool
	}{{"from", &f.Since, false}, {"to", &f.Until, true}} {
		s := strings.TrimSpace(v.Get(d.key))
		if s == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", s, tz)
		if err != nil {
			fe[d.key] = append(fe[d.key], "audit.bad_date")
			continue
		}
		if d.end {
			t = t.AddDate(0, 0, 1).Add(-time.Microsecond)
		}
		*d.dst = t
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		fe["to"] = append(fe["to"], "audit.bad_range")
	}
	if len(fe) == 0 {
		return f, nil
	}
	return f, fe
}

// auditFilterKeys are the filter fields, kept across pages and exports.
var auditFilterKeys = []string{"actor", "action", "target_type", "target_id", "ip", "from", "to"}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	return s.showAudit(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAudit(w http.ResponseWriter, r *http.Request, status int, msg string, verified *audit.Report) error {
	rc := rcFrom(r)
	ctx := r.Context()
	pg := s.adminPage(r, "audit.title", "audit")
	pg.Error = msg
	q := r.URL.Query()
	d := auditData{Filters: url.Values{}, Verified: verified}
	for _, k := range auditFilterKeys {
		if v := q.Get(k); v != "" {
			pg.Form.Set(k, v)
			d.Filters.Set(k, v)
		}
	}
	d.Query = d.Filters.Encode()
	f, fe := auditFilterFrom(q, rc.tz)
	if fe != nil {
		for k, keys := range fe {
			for i := range keys {
				fe[k][i] = rc.T(keys[i])
			}
		}
		pg.FieldErrors = fe
		if status == http.StatusOK {
			status = http.StatusUnprocessableEntity
		}
		pg.Error = rc.T("errors.validation")
		f = audit.Filter{}
	}
	var err error
	if d.Actions, err = audit.Actions(ctx, s.d.DB); err != nil {
		return err
	}
	n, err := audit.Count(ctx, s.d.DB, f)
	if err != nil {
		return err
	}
	d.Pager = newPager(r, n, auditPerPage)
	f.Limit, f.Offset = auditPerPage, (d.Pager.Page-1)*auditPerPage
	es, _, err := audit.Page(ctx, s.d.DB, f)
	if err != nil {
		return err
	}
	names, err := audit.Resolve(ctx, s.d.DB, es)
	if err != nil {
		return err
	}
	for _, e := range es {
		actor := names.Actor(e.ActorID)
		if e.ActorID == 0 {
			actor = rc.T("audit.system")
		} else if actor == "" {
			actor = "#" + strconv.FormatInt(e.ActorID, 10)
		}
		d.Rows = append(d.Rows, auditRow{E: e, Actor: actor, Label: names.Label(e), Description: audit.Describe(e)})
	}
	d.CanExport = audit.RequireExport(ctx) == nil
	if d.Reauth, err = s.reauthBoxFor(r, "/agent/admin/audit"+queryPart(d.Query)); err != nil {
		return err
	}
	pg.Data = d
	return s.render(w, status, "admin_audit", pg)
}

func queryPart(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
}

// auditVerify checks the hash chain and shows the outcome above the list.
func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request) error {
	rep, err := audit.VerifyAndRecord(r.Context(), s.d.DB)
	if err != nil {
		return err
	}
	return s.showAudit(w, r, http.StatusOK, "", rep)
}

// auditExport downloads the filtered entries as CSV or JSON, after a
// recent re-authentication.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	// The form posts the filters; the page re-shown on a problem reads
	// them from the URL.
	r.URL.RawQuery = filterValues(r.PostForm).Encode()
	if err := audit.RequireExport(r.Context()); err != nil {
		return err
	}
	if ok, err := s.freshOr(r, func(st int, msg string) error { return s.showAudit(w, r, st, msg, nil) }); !ok {
		return err
	}
	f, fe := auditFilterFrom(r.PostForm, rc.tz)
	if fe != nil {
		return s.showAudit(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation"), nil)
	}
	format := r.PostFormValue("format")
	if format != audit.FormatCSV && format != audit.FormatJSON {
		return desk.Invalid("format", "must be csv or json")
	}
	ct := "text/csv; charset=utf-8"
	if format == audit.FormatJSON {
		ct = "application/json; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", "attachment; filename=audit-log-"+s.now().UTC().Format("20060102-150405")+"."+format)
	return audit.Export(r.Context(), s.d.DB, f, format, w)
}

// filterValues keeps only the filter fields of v.
func filterValues(v url.Values) url.Values {
	out := url.Values{}
	for _, k := range auditFilterKeys {
		if s := v.Get(k); s != "" {
			out.Set(k, s)
		}
	}
	return out
}
