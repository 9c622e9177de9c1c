package web

// Account security: two-step sign-in (TOTP), forced enrolment, the account
// security page (sessions, 2FA, re-authentication), password change and
// expiry, and the admin security settings.
//
// Per-session state lives in session_flags (schema v6), keyed by the hash
// of the session token, like the sessions table: mfa_pending marks a session
// whose password was right but whose second factor is still missing, and
// reauth_at is when the user last proved who they are. The gate in wrap
// looks at it on every request, so a half-signed-in session reaches nothing
// but the code page and sign-out, and a staff member who must use 2FA
// reaches nothing but enrolment.

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/password"
	"github.com/frontdesk/frontdesk/internal/twofactor"
)

// ReauthWindow is how long a re-authentication (or sign-in) allows
// sensitive account actions.
const ReauthWindow = 10 * time.Minute

// sessionFlags is the session_flags row of the current session.
type sessionFlags struct {
	mfaPending bool
	reauthAt   int64 // microseconds; 0 = never
}

func (s *Server) securityOn() bool { return s.d.TwoFactor != nil && s.d.Passwords != nil }

func (s *Server) saveFlags(ctx context.Context, token string, f sessionFlags) error {
	return s.d.Account.SetFlags(ctx, token, f.account())
}

func fromAccountFlags(f account.SessionFlags) sessionFlags {
	out := sessionFlags{mfaPending: f.MFAPending}
	if !f.ReauthAt.IsZero() {
		out.reauthAt = f.ReauthAt.UnixMicro()
	}
	return out
}

func (f sessionFlags) account() account.SessionFlags {
	out := account.SessionFlags{MFAPending: f.mfaPending}
	if f.reauthAt != 0 {
		out.ReauthAt = time.UnixMicro(f.reauthAt).UTC()
	}
	return out
}

// rotate gives the visitor a new session id with flags f and ends the old
// one: at every privilege change (second factor, re-authentication,
// password change, 2FA enrolment), so a cookie copied before it is
// worthless after it.
func (s *Server) rotate(w http.ResponseWriter, rc *reqCtx, f sessionFlags) error {
	tok, err := s.d.Account.Rotate(rc.r.Context(), rc.token, f.account())
	if err != nil {
		return err
	}
	rc.token, rc.flags = tok, f
	rc.csrf = s.csrfToken("session", tok) // for a page rendered by this request
	s.startSession(w, rc, tok)
	return nil
}

func (s *Server) nowMicros() int64 { return s.now().UnixMicro() }

// fresh reports whether the session re-authenticated within ReauthWindow.
func (s *Server) fresh(rc *reqCtx) bool {
	return rc.flags.reauthAt > 0 && s.nowMicros()-rc.flags.reauthAt <= ReauthWindow.Microseconds()
}

// afterPassword is called once SignIn accepted the password: it decides
// whether the new session still needs a second factor, and records that
// before the cookie is handed out. It reports whether a code is needed.
func (s *Server) afterPassword(ctx context.Context, token string, p *desk.Principal) (bool, error) {
	if !s.securityOn() {
		return false, nil
	}
	on, err := s.d.TwoFactor.Enabled(desk.WithPrincipal(ctx, p), p.UserID)
	if err != nil {
		return false, err
	}
	f := sessionFlags{mfaPending: on}
	if !on {
		f.reauthAt = s.nowMicros()
	}
	return on, s.saveFlags(ctx, token, f)
}

func patterns(list ...string) map[string]bool {
	m := map[string]bool{}
	for _, p := range list {
		m[p] = true
	}
	return m
}

// Routes a session may use while each gate holds it.
var (
	always = []string{"POST /signout", "POST /locale", "GET /signin", "POST /signin", "GET /agent/signin", "POST /agent/signin"}
	// 2FA code still missing.
	mfaRoutes = patterns(append([]string{"GET /agent/2fa", "POST /agent/2fa", "GET /2fa", "POST /2fa"}, always...)...)
	// Staff who must enrol first.
	enrolRoutes = patterns(append([]string{"GET /agent/security/2fa/setup", "POST /agent/security/2fa/confirm"}, always...)...)
	// An expired password (enrolment may come first).
	expiredRoutes = patterns(append([]string{"GET /agent/password", "POST /agent/password", "GET /password/change", "POST /password/change",
		"GET /agent/security/2fa/setup", "POST /agent/security/2fa/confirm"}, always...)...)
)

// gate sends a signed-in visitor who is not done signing in (second
// factor, forced enrolment, expired password) to the page that finishes
// it. It returns the target, or "" to go on.
func (s *Server) gate(r *http.Request, rc *reqCtx) (string, error) {
	if rc.p == nil || !s.securityOn() {
		return "", nil
	}
	agentArea := strings.HasPrefix(r.URL.Path, "/agent") || rc.p.IsStaff()
	ctx := r.Context()
	if rc.flags.mfaPending {
		if mfaRoutes[r.Pattern] {
			return "", nil
		}
		if agentArea {
			return "/agent/2fa", nil
		}
		return "/2fa", nil
	}
	if rc.p.IsStaff() {
		req, err := s.d.TwoFactor.RequiredFor(ctx, rc.p.Role)
		if err != nil {
			return "", err
		}
		if req {
			on, err := s.d.TwoFactor.Enabled(ctx, rc.p.UserID)
			if err != nil {
				return "", err
			}
			if !on && !enrolRoutes[r.Pattern] {
				return "/agent/security/2fa/setup", nil
			}
		}
	}
	if expiredRoutes[r.Pattern] {
		return "", nil
	}
	exp, err := s.d.Passwords.Expired(ctx, rc.p.UserID)
	if err != nil {
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			return "", nil
		}
		return "", err
	}
	if exp {
		if rc.p.IsStaff() {
			return "/agent/password", nil
		}
		return "/password/change", nil
	}
	return "", nil
}

// area is where a security page lives: the agent workspace or the portal.
type area struct {
	Agent    bool
	Base     string // the security page
	Password string // the change-password page
	Home     string
	Section  string
}

func areaOf(r *http.Request) area {
	if strings.HasPrefix(r.URL.Path, "/agent") {
		return area{Agent: true, Base: "/agent/security", Password: "/agent/password", Home: "/agent", Section: "agent"}
	}
	return area{Base: "/security", Password: "/password/change", Home: "/requests", Section: "portal"}
}

// registerSecurity mounts the account-security pages of both areas.
func (s *Server) registerSecurity(h func(string, access, handlerFunc)) {
	if !s.securityOn() {
		return
	}
	for _, a := range []struct {
		prefix string
		acc    access
	}{{"/agent", staff}, {"", customer}} {
		p := a.prefix
		h("GET "+p+"/2fa", customer, s.codePage)
		h("POST "+p+"/2fa", customer, s.codeSubmit)
		h("GET "+p+"/security", a.acc, s.securityPage)
		h("POST "+p+"/security/reauth", a.acc, s.reauth)
		h("POST "+p+"/security/sessions/{id}/revoke", a.acc, s.revokeSession)
		h("POST "+p+"/security/sessions/revoke-others", a.acc, s.revokeOthers)
		h("GET "+p+"/security/2fa/setup", a.acc, s.setupPage)
		h("POST "+p+"/security/2fa/confirm", a.acc, s.setupConfirm)
		h("POST "+p+"/security/2fa/disable", a.acc, s.disable2FA)
		h("POST "+p+"/security/2fa/recovery", a.acc, s.regenerateCodes)
	}
	h("GET /agent/password", staff, s.passwordPage)
	h("POST /agent/password", staff, s.passwordChange)
	h("GET /password/change", customer, s.passwordPage)
	h("POST /password/change", customer, s.passwordChange)
	h("GET /agent/admin/security", admin, s.adminSecurity)
	h("POST /agent/admin/security/2fa", admin, s.adminSave2FA)
	h("POST /agent/admin/security/password/{audience}", admin, s.adminSavePolicy)
}

// twoFactorData drives the twofactor template: the code page ("code"),
// enrolment ("setup") and the recovery codes shown once ("codes").
type twoFactorData struct {
	Mode   string
	Area   area
	Return string
	// setup
	Secret string
	URL    string
	QR     template.URL
	Forced bool
	// codes
	Codes []string
}

func (s *Server) codePage(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	a := areaOf(r)
	if !rc.flags.mfaPending {
		return redirect(w, r, a.Home)
	}
	return s.showCode(w, r, http.StatusOK, "")
}

func (s *Server) showCode(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	a := areaOf(r)
	pg := s.newPage(r, a.Section, "")
	pg.Title = pg.T("web.2fa_title")
	pg.Error = msg
	pg.Data = twoFactorData{Mode: "code", Area: a, Return: safeReturn(r.FormValue("return"), a.Home)}
	return s.render(w, status, "twofactor", pg)
}

func (s *Server) codeSubmit(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	a := areaOf(r)
	if !rc.flags.mfaPending {
		return redirect(w, r, a.Home)
	}
	err := s.d.TwoFactor.Verify(r.Context(), rc.p.UserID, r.PostFormValue("code"))
	switch desk.ErrorCode(err) {
	case desk.EUNAUTHORIZED, desk.EINVALID:
		return s.showCode(w, r, http.StatusUnauthorized, rc.T("web.2fa_invalid_code"))
	case desk.ETOOMANY:
		return s.showCode(w, r, http.StatusTooManyRequests, rc.T("web.2fa_locked"))
	}
	if err != nil {
		return err
	}
	if err := s.rotate(w, rc, sessionFlags{reauthAt: s.nowMicros()}); err != nil {
		return err
	}
	ret := safeReturn(r.PostFormValue("return"), a.Home)
	if strings.HasPrefix(ret, "/agent") && !rc.p.IsStaff() {
		ret = "/requests"
	}
	return redirect(w, r, ret)
}

type sessionRow struct {
	account.Session
	Current bool
}

type securityData struct {
	Area      area
	Sessions  []sessionRow
	TwoFA     bool
	Required  bool
	Remaining int
	Fresh     bool
}

func (s *Server) securityPage(w http.ResponseWriter, r *http.Request) error {
	return s.showSecurity(w, r, http.StatusOK, "")
}

func (s *Server) showSecurity(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	rc := rcFrom(r)
	ctx := r.Context()
	a := areaOf(r)
	list, err := s.d.Account.Sessions(ctx, rc.p.UserID)
	if err != nil {
		return err
	}
	d := securityData{Area: a, Fresh: s.fresh(rc)}
	for _, ss := range list {
		d.Sessions = append(d.Sessions, sessionRow{Session: ss, Current: ss.ID == rc.sessionID})
	}
	if d.TwoFA, err = s.d.TwoFactor.Enabled(ctx, rc.p.UserID); err != nil {
		return err
	}
	if d.TwoFA {
		if d.Remaining, err = s.d.TwoFactor.RemainingRecoveryCodes(ctx, rc.p.UserID); err != nil {
			return err
		}
	}
	if d.Required, err = s.d.TwoFactor.RequiredFor(ctx, rc.p.Role); err != nil {
		return err
	}
	pg := s.newPage(r, a.Section, "")
	pg.Title = pg.T("web.security_title")
	pg.Nav = "security"
	if msg != "" {
		pg.Error = msg
	}
	pg.Data = d
	return s.render(w, status, "security", pg)
}

// checkIdentity checks the password (and, with 2FA on, a code) of the
// signed-in user. It returns a message to show when they are wrong.
func (s *Server) checkIdentity(r *http.Request, rc *reqCtx, pw, code string) (string, int, error) {
	ctx := r.Context()
	if ok, _, _, _ := s.reauthRate.Allow("reauth:" + strconv.FormatInt(rc.p.UserID, 10)); !ok {
		return rc.T("errors.rate_limited"), http.StatusTooManyRequests, nil
	}
	if rc.user == nil {
		return "", 0, desk.Forbidden("no user")
	}
	u, err := s.d.People.CheckPassword(ctx, rc.user.Email, pw)
	if desk.ErrorCode(err) == desk.EUNAUTHORIZED || (err == nil && u.ID != rc.p.UserID) {
		return rc.T("web.reauth_wrong"), http.StatusUnauthorized, nil
	}
	if err != nil {
		return "", 0, err
	}
	on, err := s.d.TwoFactor.Enabled(ctx, rc.p.UserID)
	if err != nil || !on {
		return "", 0, err
	}
	return s.checkCode(r, rc, code)
}

// checkCode verifies the user's second-factor code (2FA is on).
func (s *Server) checkCode(r *http.Request, rc *reqCtx, code string) (string, int, error) {
	err := s.d.TwoFactor.Verify(r.Context(), rc.p.UserID, code)
	switch desk.ErrorCode(err) {
	case desk.EUNAUTHORIZED, desk.EINVALID:
		return rc.T("web.2fa_invalid_code"), http.StatusUnauthorized, nil
	case desk.ETOOMANY:
		return rc.T("web.2fa_locked"), http.StatusTooManyRequests, nil
	}
	return "", 0, err
}

func (s *Server) reauth(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	msg, status, err := s.checkIdentity(r, rc, r.PostFormValue("password"), r.PostFormValue("code"))
	if err != nil {
		return err
	}
	if msg != "" {
		return s.showSecurity(w, r, status, msg)
	}
	f := rc.flags
	f.reauthAt = s.nowMicros()
	if err := s.rotate(w, rc, f); err != nil {
		return err
	}
	// Pages that ask for re-authentication inline come back to themselves.
	ret := safeReturn(r.PostFormValue("return"), areaOf(r).Base)
	if strings.HasPrefix(ret, "/agent") != areaOf(r).Agent {
		ret = areaOf(r).Base
	}
	return redirect(w, r, withMsg(ret, "reauthed"))
}

// requireFresh refuses a sensitive action without a recent re-authentication.
func (s *Server) requireFresh(w http.ResponseWriter, r *http.Request) (bool, error) {
	rc := rcFrom(r)
	if s.fresh(rc) {
		return true, nil
	}
	return false, s.showSecurity(w, r, http.StatusForbidden, rc.T("web.reauth_needed"))
}

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return desk.NotFound()
	}
	if err := s.d.Account.RevokeSession(r.Context(), id); err != nil {
		return err
	}
	a := areaOf(r)
	if id == rc.sessionID {
		s.setCookie(w, rc, sessionCookie, "", -1)
		if a.Agent {
			return redirect(w, r, withMsg("/agent/signin", "signedout"))
		}
		return redirect(w, r, withMsg("/signin", "signedout"))
	}
	return redirect(w, r, withMsg(a.Base, "sessionended"))
}

func (s *Server) revokeOthers(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	list, err := s.d.Account.Sessions(ctx, rc.p.UserID)
	if err != nil {
		return err
	}
	for _, ss := range list {
		if ss.ID == rc.sessionID {
			continue
		}
		if err := s.d.Account.RevokeSession(ctx, ss.ID); err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
			return err
		}
	}
	return redirect(w, r, withMsg(areaOf(r).Base, "sessionsended"))
}

// qrDataURL renders an otpauth URL as a PNG data: URL (the CSP allows
// data: images).
func qrDataURL(png []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)) //nolint:gosec // built here from our own PNG
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	a := areaOf(r)
	on, err := s.d.TwoFactor.Enabled(ctx, rc.p.UserID)
	if err != nil {
		return err
	}
	if on {
		return redirect(w, r, a.Base)
	}
	name := ""
	if rc.user != nil {
		name = rc.user.Email
	}
	en, err := s.d.TwoFactor.Begin(ctx, rc.p.UserID, name)
	if err != nil {
		return err
	}
	return s.showSetup(w, r, http.StatusOK, "", en.Secret, en.URL, en.QRPNG)
}

func (s *Server) showSetup(w http.ResponseWriter, r *http.Request, status int, msg, secret, u string, qr []byte) error {
	rc := rcFrom(r)
	a := areaOf(r)
	pg := s.newPage(r, a.Section, "")
	pg.Title = pg.T("web.2fa_setup_title")
	pg.Nav = "security"
	pg.Error = msg
	d := twoFactorData{Mode: "setup", Area: a, Secret: secret, URL: u}
	if len(qr) > 0 {
		d.QR = qrDataURL(qr)
	}
	if rc.p.IsStaff() {
		d.Forced, _ = s.d.TwoFactor.RequiredFor(r.Context(), rc.p.Role)
	}
	pg.Data = d
	return s.render(w, status, "twofactor", pg)
}

func (s *Server) setupConfirm(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	codes, err := s.d.TwoFactor.Confirm(r.Context(), rc.p.UserID, r.PostFormValue("code"))
	if desk.ErrorCode(err) == desk.EINVALID || desk.ErrorCode(err) == desk.EUNAUTHORIZED || desk.ErrorCode(err) == desk.ETOOMANY {
		// Show the same secret again (the pending one on the server is
		// unchanged); the page's own copy is only for display.
		secret, u := r.PostFormValue("secret"), r.PostFormValue("otpauth")
		var qr []byte
		if k, kerr := otp.NewKeyFromURL(u); kerr == nil && k.Type() == "totp" && strings.HasPrefix(u, "otpauth://") {
			if img, ierr := k.Image(twofactor.QRSize, twofactor.QRSize); ierr == nil {
				var buf bytes.Buffer
				if png.Encode(&buf, img) == nil {
					qr = buf.Bytes()
				}
			}
		} else {
			u = ""
		}
		msg := rc.T("web.2fa_invalid_code")
		if desk.ErrorCode(err) == desk.ETOOMANY {
			msg = rc.T("web.2fa_locked")
		}
		return s.showSetup(w, r, http.StatusUnprocessableEntity, msg, secret, u, qr)
	}
	if err != nil {
		return err
	}
	// Enrolment lifts the forced-enrolment gate: a privilege change.
	if err := s.rotate(w, rc, rc.flags); err != nil {
		return err
	}
	return s.showCodes(w, r, codes)
}

func (s *Server) showCodes(w http.ResponseWriter, r *http.Request, codes []string) error {
	a := areaOf(r)
	pg := s.newPage(r, a.Section, "")
	pg.Title = pg.T("web.2fa_codes_title")
	pg.Nav = "security"
	pg.Data = twoFactorData{Mode: "codes", Area: a, Codes: codes}
	return s.render(w, http.StatusOK, "twofactor", pg)
}

func (s *Server) disable2FA(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	if ok, err := s.requireFresh(w, r); !ok {
		return err
	}
	if err := s.d.TwoFactor.Disable(r.Context(), rc.p.UserID); err != nil {
		return err
	}
	return redirect(w, r, withMsg(areaOf(r).Base, "2faoff"))
}

func (s *Server) regenerateCodes(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	if ok, err := s.requireFresh(w, r); !ok {
		return err
	}
	codes, err := s.d.TwoFactor.RegenerateRecoveryCodes(r.Context(), rc.p.UserID)
	if err != nil {
		return err
	}
	return s.showCodes(w, r, codes)
}

// Password change.

type passwordData struct {
	Area      area
	Expired   bool
	NeedsCode bool
	Policy    password.Policy
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request) error {
	return s.showPassword(w, r, http.StatusOK, "", nil)
}

func (s *Server) showPassword(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	rc := rcFrom(r)
	ctx := r.Context()
	a := areaOf(r)
	d := passwordData{Area: a}
	var err error
	if d.Expired, err = s.d.Passwords.Expired(ctx, rc.p.UserID); err != nil {
		return err
	}
	if d.NeedsCode, err = s.needsCode(ctx, rc); err != nil {
		return err
	}
	if d.Policy, err = s.d.Passwords.PolicyFor(ctx, rc.p.Role); err != nil {
		return err
	}
	pg := s.newPage(r, a.Section, "")
	pg.Title = pg.T("web.password_change_title")
	pg.Nav = "security"
	pg.Error = msg
	pg.FieldErrors = fe
	pg.Data = d
	return s.render(w, status, "password_change", pg)
}

// needsCode: a password change asks for a 2FA code too unless the session
// re-authenticated recently.
func (s *Server) needsCode(ctx context.Context, rc *reqCtx) (bool, error) {
	if s.fresh(rc) {
		return false, nil
	}
	return s.d.TwoFactor.Enabled(ctx, rc.p.UserID)
}

func (s *Server) passwordChange(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	pw, pw2 := r.PostFormValue("new_password"), r.PostFormValue("new_password_confirm")
	if pw != pw2 {
		return s.showPassword(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation"),
			map[string][]string{"new_password_confirm": {rc.T("auth.password_mismatch")}})
	}
	needCode, err := s.needsCode(ctx, rc)
	if err != nil {
		return err
	}
	code := r.PostFormValue("code")
	if !needCode {
		code = ""
	}
	// With 2FA on and no recent re-authentication, a code too (the
	// password itself is checked once, by the account service below).
	if needCode {
		if ok, _, _, _ := s.reauthRate.Allow("reauth:" + strconv.FormatInt(rc.p.UserID, 10)); !ok {
			return s.showPassword(w, r, http.StatusTooManyRequests, rc.T("errors.rate_limited"), nil)
		}
		msg, status, err := s.checkCode(r, rc, code)
		if err != nil {
			return err
		}
		if msg != "" {
			return s.showPassword(w, r, status, msg, nil)
		}
	}
	// The account service checks the current password and the policy,
	// and ends the user's other sessions.
	err = s.d.Account.ChangePassword(ctx, r.PostFormValue("current_password"), pw, rc.token)
	if fe := fieldErrors(err); fe["previous_password"] != nil {
		return s.showPassword(w, r, http.StatusUnauthorized, rc.T("web.reauth_wrong"), nil)
	}
	switch desk.ErrorCode(err) {
	case desk.ETOOMANY:
		return s.showPassword(w, r, http.StatusTooManyRequests, rc.T("errors.rate_limited"), nil)
	case desk.EINVALID:
		return s.showPassword(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation"),
			map[string][]string{"new_password": s.passwordErrors(rc, err)})
	}
	if err != nil {
		return err
	}
	f := rc.flags
	f.reauthAt = s.nowMicros()
	if err := s.rotate(w, rc, f); err != nil {
		return err
	}
	return redirect(w, r, withMsg(areaOf(r).Home, "pwchanged"))
}

// passwordErrors translates the policy's error codes.
func (s *Server) passwordErrors(rc *reqCtx, err error) []string {
	var de *desk.Error
	if !errors.As(err, &de) {
		return nil
	}
	var out []string
	for _, fe := range de.Details["password"] {
		switch fe.Error {
		case password.CodeInvalidCharacters, password.CodeTooShort, password.CodeTooLong, password.CodeMissingClass,
			password.CodeContainsPersonalInfo, password.CodeBreached, password.CodeReused:
			out = append(out, rc.T("web.pwerr_"+fe.Error))
		default:
			out = append(out, fe.Description)
		}
	}
	return out
}

// Admin security settings.

type policyForm struct {
	Audience string
	Policy   password.Policy
	Errors   map[string]string
}

type adminSecurityData struct {
	Require2FA bool
	Policies   []policyForm
	Sessions   sessionLimitsForm
	Alerts     alertSettingsForm // security contact and alert rules (admin_alerts.go)
}

func (s *Server) adminSecurity(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminSecurity(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminSecurity(w http.ResponseWriter, r *http.Request, status int, msg string, override *policyForm) error {
	return s.showAdminSecurityWith(w, r, status, msg, override, nil)
}

func (s *Server) showAdminSecurityWith(w http.ResponseWriter, r *http.Request, status int, msg string, override *policyForm, limits *sessionLimitsForm) error {
	return s.showAdminSecurityAll(w, r, status, msg, override, limits, nil)
}

// showAdminSecurityAlerts re-shows the page with the alert settings form
// as posted.
func (s *Server) showAdminSecurityAlerts(w http.ResponseWriter, r *http.Request, status int, msg string, alerts *alertSettingsForm) error {
	return s.showAdminSecurityAll(w, r, status, msg, nil, nil, alerts)
}

func (s *Server) showAdminSecurityAll(w http.ResponseWriter, r *http.Request, status int, msg string, override *policyForm, limits *sessionLimitsForm, alerts *alertSettingsForm) error {
	ctx := r.Context()
	var d adminSecurityData
	if alerts != nil {
		d.Alerts = *alerts
	} else {
		as, err := s.d.Account.AlertSettings(ctx)
		if err != nil {
			return err
		}
		d.Alerts = alertSettingsForm{AlertSettings: as}
	}
	if limits != nil {
		d.Sessions = *limits
	} else {
		d.Sessions = limitsForm(s.d.Account.SessionLimits(ctx))
	}
	var err error
	if d.Require2FA, err = s.d.TwoFactor.RequiredFor(ctx, desk.RoleAgent); err != nil {
		return err
	}
	for _, aud := range []string{password.AudienceStaff, password.AudienceEndUsers} {
		if override != nil && override.Audience == aud {
			d.Policies = append(d.Policies, *override)
			continue
		}
		p, err := s.d.Passwords.AudiencePolicy(ctx, aud)
		if err != nil {
			return err
		}
		d.Policies = append(d.Policies, policyForm{Audience: aud, Policy: p})
	}
	pg := s.newPage(r, "admin", "")
	pg.Title = pg.T("web.admin_security")
	pg.Nav = "security"
	pg.Error = msg
	pg.Data = d
	return s.render(w, status, "admin_security", pg)
}

func (s *Server) adminSave2FA(w http.ResponseWriter, r *http.Request) error {
	if err := s.d.TwoFactor.SetRequired(r.Context(), r.PostFormValue("require_staff") == "1"); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/security", "settings"))
}

func (s *Server) adminSavePolicy(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	aud := r.PathValue("audience")
	if aud != password.AudienceStaff && aud != password.AudienceEndUsers {
		return desk.NotFound()
	}
	f := r.PostForm
	num := func(k string) int {
		n, err := strconv.Atoi(strings.TrimSpace(f.Get(k)))
		if err != nil {
			return -1
		}
		return n
	}
	p := password.Policy{
		Level: f.Get("level"), MinLength: num("min_length"), History: num("history"), ExpiryDays: num("expiry_days"),
		RequireLower: f.Get("require_lowercase") == "1", RequireUpper: f.Get("require_uppercase") == "1",
		RequireDigit: f.Get("require_digit") == "1", RequireSymbol: f.Get("require_symbol") == "1",
	}
	err := s.d.Passwords.SetPolicy(r.Context(), aud, p)
	if desk.ErrorCode(err) == desk.EINVALID {
		pf := policyForm{Audience: aud, Policy: p, Errors: map[string]string{}}
		var de *desk.Error
		if errors.As(err, &de) {
			for field := range de.Details {
				switch field {
				case "level", "min_length", "history", "expiry_days":
					pf.Errors[field] = rc.T("web.policy_err_" + field)
				default:
					pf.Errors[field] = errorText(err)
				}
			}
		}
		return s.showAdminSecurity(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation"), &pf)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/security", "settings")+"#policy-"+url.PathEscape(aud))
}

// TwoFactorForTest is the 2FA service (for tests).
func (s *Server) TwoFactorForTest() *twofactor.Service { return s.d.TwoFactor }
