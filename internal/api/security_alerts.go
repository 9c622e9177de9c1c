package api

import (
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// registerSecurityAlerts mounts Frontdesk's suspicious sign-in alerts (Zendesk
// has no such resource): a read-only list, filtered and paged like
// /audit_logs, and a show. The account service decides who may read them
// (manage_security).
func (s *Server) registerSecurityAlerts(mux *http.ServeMux) {
	h := func(f handlerFunc) handlerFunc { return s.needs(s.Account != nil, f) }
	s.handle(mux, "GET /api/v2/security_alerts", h(s.listSecurityAlerts))
	s.handle(mux, "GET /api/v2/security_alerts/{id}", h(s.showSecurityAlert))
}

// securityAlertJSON is one alert.
type securityAlertJSON struct {
	ID         int64     `json:"id"`
	URL        string    `json:"url"`
	UserID     int64     `json:"user_id"`
	UserName   string    `json:"user_name"`
	UserEmail  string    `json:"user_email"`
	Kinds      []string  `json:"kinds"`
	IPAddress  string    `json:"ip_address"`
	Network    string    `json:"network"`
	UserAgent  string    `json:"user_agent"`
	CreatedAt  desk.Time `json:"created_at"`
	DisownedAt desk.Time `json:"disowned_at"` // null unless the user disowned the sign-in
}

func securityAlertBody(r *http.Request, a account.Alert) securityAlertJSON {
	var disowned desk.Time
	if !a.DisownedAt.IsZero() {
		disowned = desk.Time{Time: a.DisownedAt}
	}
	return securityAlertJSON{ID: a.ID, URL: baseURL(r) + "/api/v2/security_alerts/" + strconv.FormatInt(a.ID, 10) + ".json",
		UserID: a.UserID, UserName: a.UserName, UserEmail: a.UserEmail, Kinds: a.Reasons, IPAddress: a.IP, Network: a.Network,
		UserAgent: a.UserAgent, CreatedAt: desk.Time{Time: a.CreatedAt}, DisownedAt: disowned}
}

// alertFilter reads filter[user_id], filter[kind] and filter[created_at]
// (two timestamps, as /audit_logs), or the same without filter[…].
func alertFilter(r *http.Request) (account.AlertFilter, error) {
	q := r.URL.Query()
	get := func(name string) string {
		if v := q.Get("filter[" + name + "]"); v != "" {
			return v
		}
		return q.Get(name)
	}
	var f account.AlertFilter
	if v := get("user_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return f, desk.Invalid("filter[user_id]", "must be a user id")
		}
		f.UserID = n
	}
	f.Kind = get("kind")
	var err error
	if f.Since, f.Until, err = createdAtRange(q); err != nil {
		return f, err
	}
	return f, nil
}

// listSecurityAlerts answers {"security_alerts": […]}, newest first, with
// offset or cursor pages (page[after] only).
func (s *Server) listSecurityAlerts(w http.ResponseWriter, r *http.Request) error {
	p, err := forwardPaging(r, "security alerts")
	if err != nil {
		return err
	}
	f, err := alertFilter(r)
	if err != nil {
		return err
	}
	f.Limit, f.After = p.perPage, p.after
	if !p.cursor {
		f.Offset = p.offset()
	}
	ctx := r.Context()
	as, more, err := s.Account.ListAlerts(ctx, f)
	if err != nil {
		return err
	}
	items := make([]securityAlertJSON, 0, len(as))
	for _, a := range as {
		items = append(items, securityAlertBody(r, a))
	}
	var first, last int64
	if len(as) > 0 {
		first, last = as[0].ID, as[len(as)-1].ID
	}
	body, err := listEnvelope(r, p, "security_alerts", items, first, last, more, func() (int, error) { return s.Account.CountAlerts(ctx, f) })
	if err != nil {
		return err
	}
	if p.cursor {
		body["links"].(map[string]any)["prev"] = nil // read forwards only
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) showSecurityAlert(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Account.Alert(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"security_alert": securityAlertBody(r, a)})
}
