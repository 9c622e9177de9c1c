package web

import (
	"net/http"
	"net/url"

	"github.com/frontdesk/frontdesk/internal/account"
	"slices"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/people"
)

// deviceCookie holds the device token of account.SignInDevice (HttpOnly,
// __Host- over HTTPS, like the session cookie).
const deviceCookie = "fd_device"

type signInData struct {
	Agent  bool
	Action string
	Return string
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) error {
	return s.showSignIn(w, r, false, http.StatusOK, "")
}

func (s *Server) agentSignInPage(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	if rc.p.IsStaff() {
		return redirect(w, r, safeReturn(r.URL.Query().Get("return"), "/agent"))
	}
	// First run: nobody could sign in here; create the owner instead.
	if open, err := s.firstRunOpen(r); err != nil {
		return err
	} else if open {
		return redirect(w, r, "/agent/setup")
	}
	return s.showSignIn(w, r, true, http.StatusOK, "")
}

func (s *Server) showSignIn(w http.ResponseWriter, r *http.Request, agent bool, status int, msg string) error {
	section, action, ret := "portal", "/signin", "/requests"
	if agent {
		section, action, ret = "agent", "/agent/signin", "/agent"
	}
	pg := s.newPage(r, section, "")
	pg.Title = pg.T("auth.sign_in")
	pg.Nav = "signin"
	pg.Error = msg
	ret = safeReturn(r.FormValue("return"), ret)
	pg.Form.Set("email", r.PostFormValue("email"))
	pg.Data = signInData{Agent: agent, Action: action, Return: ret}
	return s.render(w, status, "signin", pg)
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error { return s.doSignIn(w, r, false) }

func (s *Server) agentSignIn(w http.ResponseWriter, r *http.Request) error {
	return s.doSignIn(w, r, true)
}

func (s *Server) doSignIn(w http.ResponseWriter, r *http.Request, agent bool) error {
	rc := rcFrom(r)
	ip := s.d.IPs.IP(r)
	ctx := r.Context()
	// Links in a suspicious sign-in alert ("this wasn't me") need a
	// trustworthy base; without one the alert goes out without the link
	// (and no warning: signing in is not asking for a link).
	if base, ok := httpx.PublicBase(r, s.site(), httpx.ForEmail); ok {
		ctx = account.WithMailBase(ctx, base)
	}
	res, err := s.d.Account.SignInDevice(ctx, r.PostFormValue("email"), r.PostFormValue("password"), ip, r.UserAgent(),
		readCookie(r, deviceCookie, rc.https))
	switch desk.ErrorCode(err) {
	case desk.EUNAUTHORIZED:
		return s.showSignIn(w, r, agent, http.StatusUnauthorized, rc.T("auth.invalid_credentials"))
	case desk.ETOOMANY:
		return s.showSignIn(w, r, agent, http.StatusTooManyRequests, rc.T("errors.rate_limited"))
	}
	if err != nil {
		return err
	}
	token, p := res.Token, res.Principal
	// The browser is now a known device of this user: an account lock
	// does not keep it out (account.DeviceTTL, renewed at each sign-in).
	s.setCookie(w, rc, deviceCookie, res.Device, int(account.DeviceTTL/time.Second))
	// A new session at every sign-in; the previous one (if any) ends.
	if rc.token != "" {
		_ = s.d.Account.SignOut(r.Context(), rc.token)
	}
	pending, err := s.afterPassword(r.Context(), token, p)
	if err != nil {
		_ = s.d.Account.SignOut(r.Context(), token)
		return err
	}
	s.startSession(w, rc, token)
	fallback := "/requests"
	if p.IsStaff() {
		fallback = "/agent"
	}
	ret := safeReturn(r.PostFormValue("return"), fallback)
	if strings.HasPrefix(ret, "/agent") && !p.IsStaff() {
		ret = "/requests"
	}
	if pending {
		to := "/2fa"
		if agent || p.IsStaff() {
			to = "/agent/2fa"
		}
		return redirect(w, r, to+"?return="+url.QueryEscape(ret))
	}
	return redirect(w, r, ret)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	if rc.token != "" {
		if err := s.d.Account.SignOut(r.Context(), rc.token); err != nil {
			return err
		}
	}
	s.setCookie(w, rc, sessionCookie, "", -1)
	to := "/signin"
	if r.PostFormValue("area") == "agent" {
		to = "/agent/signin"
	}
	return redirect(w, r, withMsg(to, "signedout"))
}

type signUpData struct{ Sent bool }

func (s *Server) signUpPage(w http.ResponseWriter, r *http.Request) error {
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("auth.sign_up")
	pg.Nav = "signup"
	pg.Data = signUpData{}
	return s.render(w, http.StatusOK, "signup", pg)
}

func (s *Server) signUp(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("auth.sign_up")
	pg.Nav = "signup"
	pg.Data = signUpData{}
	name, email := r.PostFormValue("name"), strings.TrimSpace(r.PostFormValue("email"))
	pw, pw2 := r.PostFormValue("password"), r.PostFormValue("password_confirm")
	pg.Form.Set("name", name)
	pg.Form.Set("email", email)
	if ok, _, _, retry := s.formRate.Allow("signup:" + httpx.IPKey(s.d.IPs.IP(r))); !ok {
		httpx.WriteRetryAfter(w, retry)
		pg.Error = rc.T("errors.rate_limited")
		return s.render(w, http.StatusTooManyRequests, "signup", pg)
	}
	if pw != pw2 {
		pg.Error = rc.T("errors.validation")
		pg.FieldErrors = map[string][]string{"password_confirm": {rc.T("auth.password_mismatch")}}
		return s.render(w, http.StatusUnprocessableEntity, "signup", pg)
	}
	base, ok := s.baseURL(rc)
	if !ok {
		return errNoLinkBase // logged, and shown to admins, by baseURL
	}
	ctx := account.WithClientIP(r.Context(), s.d.IPs.IP(r))
	err := s.d.Account.SignUp(ctx, name, email, pw, rc.locale, base)
	if desk.ErrorCode(err) == desk.ETOOMANY {
		pg.Error = rc.T("errors.rate_limited")
		return s.render(w, http.StatusTooManyRequests, "signup", pg)
	}
	if desk.ErrorCode(err) == desk.EINVALID {
		pg.Error = rc.T("errors.validation")
		pg.FieldErrors = fieldErrors(err)
		return s.render(w, http.StatusUnprocessableEntity, "signup", pg)
	}
	if err != nil {
		return err
	}
	pg.Data = signUpData{Sent: true}
	pg.Flash = rc.T("auth.verification_sent", "email", email)
	return s.render(w, http.StatusOK, "signup", pg)
}

type tokenData struct {
	Token   string
	Invalid bool
}

func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) error {
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("auth.verify_email")
	pg.Data = tokenData{Token: r.URL.Query().Get("token")}
	return s.render(w, http.StatusOK, "verify", pg)
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) error {
	_, err := s.d.Account.VerifyEmail(r.Context(), r.PostFormValue("token"))
	if desk.ErrorCode(err) == desk.EINVALID {
		pg := s.newPage(r, "portal", "")
		pg.Title = pg.T("auth.verify_email")
		pg.Error = pg.T("auth.reset_link_invalid")
		pg.Data = tokenData{Invalid: true}
		return s.render(w, http.StatusUnprocessableEntity, "verify", pg)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, withMsg("/signin", "verified"))
}

func (s *Server) forgotPage(w http.ResponseWriter, r *http.Request) error {
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("auth.reset_password")
	return s.render(w, http.StatusOK, "forgot", pg)
}

func (s *Server) forgot(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	if ok, _, _, retry := s.formRate.Allow("forgot:" + httpx.IPKey(s.d.IPs.IP(r))); !ok {
		httpx.WriteRetryAfter(w, retry)
		return desk.Errorf(desk.ETOOMANY, "too many requests")
	}
	base, ok := s.baseURL(rc)
	if !ok {
		return errNoLinkBase // logged, and shown to admins, by baseURL
	}
	ctx := account.WithClientIP(r.Context(), s.d.IPs.IP(r))
	if err := s.d.Account.RequestPasswordReset(ctx, r.PostFormValue("email"), base); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/password/forgot", "resetsent"))
}

func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) error {
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("auth.reset_password")
	pg.Data = tokenData{Token: r.URL.Query().Get("token")}
	return s.render(w, http.StatusOK, "reset", pg)
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	tok := r.PostFormValue("token")
	pg := s.newPage(r, "portal", "")
	pg.Title = pg.T("auth.reset_password")
	pg.Data = tokenData{Token: tok}
	if r.PostFormValue("password") != r.PostFormValue("password_confirm") {
		pg.Error = rc.T("errors.validation")
		pg.FieldErrors = map[string][]string{"password_confirm": {rc.T("auth.password_mismatch")}}
		return s.render(w, http.StatusUnprocessableEntity, "reset", pg)
	}
	err := s.d.Account.ResetPassword(r.Context(), tok, r.PostFormValue("password"))
	if desk.ErrorCode(err) == desk.EINVALID {
		fe := fieldErrors(err)
		if _, bad := fe["token"]; bad {
			pg.Error = rc.T("auth.reset_link_invalid")
			pg.Data = tokenData{Invalid: true}
		} else {
			pg.Error = rc.T("errors.validation")
			pg.FieldErrors = fe
		}
		return s.render(w, http.StatusUnprocessableEntity, "reset", pg)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, withMsg("/signin", "pwchanged"))
}

// setLocale is the language switcher: a cookie for visitors, the user's
// own setting when signed in.
func (s *Server) setLocale(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	loc := r.PostFormValue("locale")
	if !slices.Contains(s.bundle.Locales(), loc) {
		return desk.Invalid("locale", "is not supported")
	}
	s.setCookie(w, rc, localeCookie, loc, 365*24*3600)
	if rc.p != nil {
		if _, err := s.d.People.UpdateUser(r.Context(), rc.p.UserID, people.UserInput{Locale: &loc}); err != nil {
			return err
		}
	}
	return redirect(w, r, hcSwitchLocale(safeReturn(r.PostFormValue("return"), "/"), loc))
}
