package web

// Suspicious sign-in alerts (issue P9): the admin page of recent alerts
// (staff holding manage_security; the account service decides), the
// security contact and alert rules on the admin security page, and the
// public "this wasn't me" page that the alert email links to (a GET shows
// a confirmation, only the POST acts, so mail scanners that follow links
// change nothing).

import (
	"net/http"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
)

func (s *Server) registerAlerts(h func(string, access, handlerFunc)) {
	h("GET /agent/admin/alerts", staff, s.alertsPage)
	h("POST /agent/admin/security/alerts", admin, s.saveAlertSettings)
	h("GET /security/disown", public, s.disownPage)
	h("POST /security/disown", public, s.disown)
}

// alertsPageSize is how many alerts the page lists.
const alertsPageSize = 100

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) error {
	alerts, err := s.d.Account.RecentAlerts(r.Context(), alertsPageSize)
	if err != nil {
		return err
	}
	pg := s.adminPage(r, "alerts.title", "alerts")
	pg.Data = alerts
	return s.render(w, http.StatusOK, "admin_alerts", pg)
}

func (s *Server) saveAlertSettings(w http.ResponseWriter, r *http.Request) error {
	f := r.PostForm
	in := account.AlertSettings{Contact: f.Get("security_contact"), NewDevice: f.Get("alert_new_device") == "1",
		NewNetwork: f.Get("alert_new_network") == "1", Failures: f.Get("alert_failures") == "1", Concurrent: f.Get("alert_concurrent") == "1"}
	err := s.d.Account.SetAlertSettings(r.Context(), in)
	if desk.ErrorCode(err) == desk.EINVALID {
		rc := rcFrom(r)
		return s.showAdminSecurityAlerts(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation"), &alertSettingsForm{
			AlertSettings: in, Errors: map[string]string{"security_contact": rc.T("alerts.contact_invalid")}})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/security", "settings")+"#alerts")
}

// alertSettingsForm is the security contact and rules form.
type alertSettingsForm struct {
	account.AlertSettings
	Errors map[string]string
}

type disownData struct {
	Token string
	Done  bool
	Bad   bool
}

func (s *Server) disownPage(w http.ResponseWriter, r *http.Request) error {
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("alerts.disown_title")
	tok := r.URL.Query().Get("token")
	pg.Data = disownData{Token: tok, Bad: tok == ""}
	return s.render(w, http.StatusOK, "disown", pg)
}

func (s *Server) disown(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	// The reset link goes out only with a trustworthy base (the public URL
	// or a loopback request), never one from the Host header.
	if base, ok := httpx.PublicBase(r, s.site(), httpx.ForEmail); ok {
		ctx = account.WithMailBase(ctx, base)
	}
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("alerts.disown_title")
	err := s.d.Account.Disown(ctx, r.PostFormValue("token"))
	if desk.ErrorCode(err) == desk.EINVALID {
		pg.Error = rc.T("alerts.disown_invalid")
		pg.Data = disownData{Bad: true}
		return s.render(w, http.StatusUnprocessableEntity, "disown", pg)
	}
	if err != nil {
		return err
	}
	if rc.token != "" {
		s.setCookie(w, rc, sessionCookie, "", -1)
	}
	pg.Data = disownData{Done: true}
	return s.render(w, http.StatusOK, "disown", pg)
}
