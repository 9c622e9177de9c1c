package web

import (
	"net/http"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// The first-run page: while the account has no administrator, the agent
// sign-in page sends visitors here to create the owner account with the
// one-time setup code from the server log (account.SetupOwner holds the
// rules). Once an admin exists the page is gone (404).

func (s *Server) firstRunOpen(r *http.Request) (bool, error) {
	return s.d.Account.SetupOpen(r.Context())
}

func (s *Server) firstRunPage(w http.ResponseWriter, r *http.Request) error {
	open, err := s.firstRunOpen(r)
	if err != nil {
		return err
	}
	if !open {
		return desk.NotFound()
	}
	return s.showFirstRun(w, r, http.StatusOK, "", nil)
}

func (s *Server) showFirstRun(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	pg := s.newPage(r, "agent", "")
	pg.Title = pg.T("web.setup_title")
	pg.Nav = "signin"
	pg.Error = msg
	pg.FieldErrors = fe
	pg.Form.Set("name", r.PostFormValue("name"))
	pg.Form.Set("email", r.PostFormValue("email"))
	return s.render(w, status, "first_run", pg)
}

func (s *Server) firstRun(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	if r.PostFormValue("password") != r.PostFormValue("password_confirm") {
		return s.showFirstRun(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation"),
			map[string][]string{"password_confirm": {rc.T("auth.password_mismatch")}})
	}
	res, err := s.d.Account.SetupOwner(r.Context(), r.PostFormValue("code"), r.PostFormValue("name"),
		r.PostFormValue("email"), r.PostFormValue("password"), s.d.IPs.IP(r), r.UserAgent())
	switch desk.ErrorCode(err) {
	case desk.ETOOMANY:
		return s.showFirstRun(w, r, http.StatusTooManyRequests, rc.T("errors.rate_limited"), nil)
	case desk.EINVALID:
		fe := fieldErrors(err)
		if _, bad := fe["code"]; bad {
			fe["code"] = []string{rc.T("web.setup_wrong_code")}
		}
		return s.showFirstRun(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation"), fe)
	}
	if err != nil {
		return err
	}
	s.setCookie(w, rc, deviceCookie, res.Device, int(account.DeviceTTL/time.Second))
	if rc.token != "" {
		_ = s.d.Account.SignOut(r.Context(), rc.token)
	}
	s.startSession(w, rc, res.Token)
	return redirect(w, r, "/agent")
}
