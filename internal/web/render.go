package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
)

type pageTemplate struct {
	name string
	// parsed is the page parsed with the shared layout files, made at the
	// page's first render: each parsed page holds about 0.1 MB and an idle
	// server renders few of its pages (all of them parsed and held made up
	// 13 MB, a fifth of an idle server's memory). parseTemplates still
	// parses every page once at start-up, so a broken one stops the server.
	parsed func() (*template.Template, error)
}

// templateFuncs are the helpers templates may call. None of them turns
// text into trusted HTML except sanitizedHTML, which is used for exactly
// one thing: a comment's html_body, which the ticket service sanitized
// (bluemonday) before storing it.
var templateFuncs = template.FuncMap{
	"sanitizedHTML": func(s string) template.HTML { return template.HTML(s) }, //nolint:gosec // sanitized by the ticket service
	"deref": func(v any) any {
		switch p := v.(type) {
		case *string:
			if p == nil {
				return ""
			}
			return *p
		case *int64:
			if p == nil {
				return int64(0)
			}
			return *p
		}
		return v
	},
	"add":  func(a, b int) int { return a + b },
	"sub":  func(a, b int) int { return a - b },
	"join": strings.Join,
	"hasID": func(list []int64, id int64) bool {
		return slices.Contains(list, id)
	},
	"hasStr": func(list []string, s string) bool { return slices.Contains(list, s) },
	"id":     func(v int64) string { return strconv.FormatInt(v, 10) },
	"bytes": func(n int64) string {
		switch {
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d B", n)
	},
	"fmtValue": fmtValue,
	"pair":     func(p *page, v any) pairData { return pairData{P: p, V: v} },
}

// pairData passes the page along with a value to a shared template.
type pairData struct {
	P *page
	V any
}

// fmtValue shows an audit or custom-field value as text.
func fmtValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		if x == "" {
			return "—"
		}
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmtValue(e)
		}
		return strings.Join(parts, " ")
	case []string:
		return strings.Join(x, " ")
	}
	return fmt.Sprint(v)
}

// embeddedPages are the page templates built into the binary, parsed once
// per process: they cannot change while it runs, a parsed template is safe
// to execute concurrently, and a process that starts many servers (the
// test suite starts hundreds) parsed them for each one.
var embeddedPages = sync.OnceValues(func() (map[string]*pageTemplate, error) { return parseTemplates(templateFS) })

// parseTemplates parses the shared layout files (names starting with "_")
// into every page template.
func parseTemplates(fsys fs.FS) (map[string]*pageTemplate, error) {
	base, err := template.New("").Funcs(templateFuncs).ParseFS(fsys, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*pageTemplate{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		parse := func() (*template.Template, error) { return template.Must(base.Clone()).ParseFS(fsys, f) }
		if _, err := parse(); err != nil {
			return nil, err
		}
		out[name] = &pageTemplate{name: name, parsed: sync.OnceValues(parse)}
	}
	return out, nil
}

// PageNames lists the page templates (for tests).
func (s *Server) PageNames() []string {
	var out []string
	for n := range s.pages {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// RenderedPages lists the page templates executed so far (for tests).
func (s *Server) RenderedPages() []string {
	s.renderedMu.Lock()
	defer s.renderedMu.Unlock()
	var out []string
	for n := range s.rendered {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// page is the data of every template.
type page struct {
	*reqCtx
	Title       string
	Section     string // "agent", "admin" or "portal"
	Nav         string // the active navigation item
	Flash       string
	Error       string
	FieldErrors map[string][]string
	Form        url.Values
	Data        any
	TicketID    int64 // set on ticket pages (for live updates)
	settings    Settings
}

func (s *Server) newPage(r *http.Request, section, title string) *page {
	rc := rcFrom(r)
	pg := &page{reqCtx: rc, Section: section, Title: title, Form: url.Values{}, settings: s.currentSettings(r.Context())}
	if m := r.URL.Query().Get("m"); m != "" {
		if key, ok := flashKeys[m]; ok {
			pg.Flash = rc.T(key)
		}
	}
	return pg
}

// flashKeys are the messages a redirect may ask the next page to show.
var flashKeys = map[string]string{
	"saved":         "ticket.saved",
	"rule_saved":    "rules.saved",
	"settings":      "admin.saved",
	"signedout":     "auth.signed_out",
	"verified":      "auth.verified",
	"pwchanged":     "auth.password_changed",
	"resetsent":     "auth.reset_sent",
	"created":       "web.created",
	"merged":        "web.merged",
	"bulk":          "web.bulk_done",
	"replied":       "web.reply_sent",
	"solved":        "web.request_solved",
	"updated":       "common.saved",
	"verifysent":    "web.verification_check_inbox",
	"reauthed":      "web.reauth_done",
	"sessionended":  "web.session_ended",
	"sessionsended": "web.sessions_ended",
	"2faoff":        "web.2fa_disabled",
	"suspended":     "web.inactive_suspended",
	"recovered":     "suspended.recovered",
	"rejected":      "suspended.rejected",
	"tokenrevoked":  "web.token_revoked",
	"retried":       "outbox.retried",
	"deleted":       "web.deleted",
	"templatereset": "etpl.reset_done",
	"availability":  "availability.saved", // p8-assign
}

// Template helpers on page.

func (p *page) CSRF() string { return p.csrf }

func (p *page) SignedIn() bool { return p.reqCtx.p != nil }

func (p *page) IsStaff() bool { return p.reqCtx.p.IsStaff() }

func (p *page) IsAdmin() bool { return p.reqCtx.p.IsAdmin() }

func (p *page) UserID() int64 {
	if p.reqCtx.p == nil {
		return 0
	}
	return p.reqCtx.p.UserID
}

func (p *page) UserName() string {
	if p.user != nil {
		return p.user.Name
	}
	return ""
}

func (p *page) UserEmail() string {
	if p.user != nil {
		return p.user.Email
	}
	return ""
}

func (p *page) Locale() string { return p.locale }

func (p *page) Locales() []localeOption { return p.s.locales() }

func (p *page) AppName() string {
	if p.settings.HelpdeskName != "" {
		return p.settings.HelpdeskName
	}
	return p.T("app.name")
}

// Path is the current path and query, where the language switcher returns.
func (p *page) Path() string { return p.r.URL.RequestURI() }

func toTime(v any) time.Time {
	switch t := v.(type) {
	case desk.Time:
		return t.Time
	case *desk.Time:
		if t != nil {
			return t.Time
		}
	case time.Time:
		return t
	}
	return time.Time{}
}

func (p *page) Date(v any) string {
	t := toTime(v)
	if t.IsZero() {
		return "—"
	}
	return p.Printer().Date(t)
}

func (p *page) DateTime(v any) string {
	t := toTime(v)
	if t.IsZero() {
		return "—"
	}
	return p.Printer().DateTime(t)
}

// ISO is a machine-readable timestamp for <time datetime>.
func (p *page) ISO(v any) string {
	t := toTime(v)
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (p *page) Rel(v any) string {
	t := toTime(v)
	if t.IsZero() {
		return "—"
	}
	return p.Printer().Relative(t, p.s.now())
}

func (p *page) Num(n int) string { return p.Printer().Number(int64(n)) }

// Status names a status given as a string or a desk.Status.
func (p *page) Status(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case desk.Status:
		s = string(x)
	}
	if s == "" {
		return "—"
	}
	return p.T("status." + s)
}

// Priority names a priority given as a string or *string.
func (p *page) Priority(v any) string {
	if s := optString(v); s != "" {
		return p.T("priority." + s)
	}
	return "—"
}

// TypeName names a ticket type given as a string or *string.
func (p *page) TypeName(v any) string {
	if s := optString(v); s != "" {
		return p.T("type." + s)
	}
	return "—"
}

func optString(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case *string:
		if s != nil {
			return *s
		}
	}
	return ""
}

func (p *page) Role(r desk.Role) string { return p.T("admin.role." + string(r)) }

// FormValue is a submitted value to put back into a re-shown form.
func (p *page) FormValue(k string) string { return p.Form.Get(k) }

// FieldError is the message for one field, or "".
func (p *page) FieldError(k string) string {
	return strings.Join(p.FieldErrors[k], " ")
}

// Statuses etc. are the choices for selects.
func (p *page) Statuses() []string   { return desk.Statuses }
func (p *page) Priorities() []string { return desk.Priorities }
func (p *page) Types() []string      { return desk.Types }

// render executes a page template inside the layout.
func (s *Server) render(w http.ResponseWriter, status int, name string, pg *page) error {
	return s.renderTemplate(w, status, name, "layout", pg)
}

// renderTemplate executes one named template of a page (the layout, or a
// fragment for live updates).
func (s *Server) renderTemplate(w http.ResponseWriter, status int, name, tmpl string, pg *page) error {
	pt := s.pages[name]
	if pt == nil {
		return fmt.Errorf("web: no template %q", name)
	}
	t, err := pt.parsed()
	if err != nil {
		return fmt.Errorf("web: parsing %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, pg); err != nil {
		return fmt.Errorf("web: rendering %s/%s: %w", name, tmpl, err)
	}
	s.renderedMu.Lock()
	s.rendered[name] = true
	s.renderedMu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // a failed write means the client left
	return nil
}

// renderError shows an error page with a message.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	pg := s.newPage(r, "portal", "")
	if strings.HasPrefix(r.URL.Path, "/agent") && pg.IsStaff() {
		pg.Section = "agent"
	}
	pg.Title = pg.T("errors.title")
	pg.Error = msg
	pg.Data = map[string]any{"Status": status, "RequestID": httpx.RequestIDFrom(r.Context())}
	if err := s.render(w, status, "error", pg); err != nil {
		s.log.Error("web: rendering error page", "err", err)
		http.Error(w, http.StatusText(status), status)
	}
}

// fail turns a handler error into the right response.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	rc := rcFrom(r)
	if rc == nil {
		rc, r = s.begin(w, r)
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, errSignIn) || desk.ErrorCode(err) == desk.EUNAUTHORIZED:
		target := "/signin"
		fallback := "/requests"
		if strings.HasPrefix(r.URL.Path, "/agent") {
			target, fallback = "/agent/signin", "/agent"
		}
		ret := fallback
		if r.Method == http.MethodGet {
			ret = r.URL.RequestURI()
		}
		http.Redirect(w, r, target+"?return="+url.QueryEscape(ret), http.StatusSeeOther)
	case errors.As(err, &mbe):
		s.renderError(w, r, http.StatusRequestEntityTooLarge, rc.T("errors.too_large"))
	case errors.Is(err, errNoUploads):
		s.renderError(w, r, http.StatusUnsupportedMediaType, rc.T("web.form_no_files"))
	case errors.Is(err, errBadForm):
		s.renderError(w, r, http.StatusBadRequest, rc.T("web.form_unreadable"))
	case errors.Is(err, errNoLinkBase):
		s.renderError(w, r, http.StatusServiceUnavailable, rc.T("web.link_unavailable"))
	default:
		switch desk.ErrorCode(err) {
		case desk.ENOTFOUND:
			s.renderError(w, r, http.StatusNotFound, rc.T("errors.not_found"))
		case desk.EFORBIDDEN:
			s.renderError(w, r, http.StatusForbidden, rc.T("errors.forbidden"))
		case desk.ETOOMANY:
			s.renderError(w, r, http.StatusTooManyRequests, rc.T("errors.rate_limited"))
		case desk.ETOOLARGE:
			s.renderError(w, r, http.StatusRequestEntityTooLarge, rc.T("errors.too_large"))
		case desk.ECONFLICT:
			s.renderError(w, r, http.StatusConflict, rc.T("errors.conflict"))
		case desk.EINVALID:
			s.renderError(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation")+" "+errorText(err))
		default:
			s.log.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "err", err,
				"request_id", httpx.RequestIDFrom(r.Context()))
			s.renderError(w, r, http.StatusInternalServerError, rc.T("errors.generic"))
		}
	}
}

// errorText is the user-safe text of a service error, with field details.
func errorText(err error) string {
	var de *desk.Error
	if !errors.As(err, &de) {
		return ""
	}
	if len(de.Details) == 0 {
		return de.Message
	}
	var parts []string
	for f, fes := range de.Details {
		for _, fe := range fes {
			parts = append(parts, f+": "+fe.Description)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// fieldErrors maps a validation error onto form fields.
func fieldErrors(err error) map[string][]string {
	var de *desk.Error
	if !errors.As(err, &de) {
		return nil
	}
	out := map[string][]string{}
	for f, fes := range de.Details {
		for _, fe := range fes {
			out[f] = append(out[f], fe.Description)
		}
	}
	return out
}

// formError decides whether err can be shown on a re-rendered form (true) or
// must go to fail.
func formError(err error) bool {
	switch desk.ErrorCode(err) {
	case desk.EINVALID, desk.ECONFLICT, desk.ETOOLARGE:
		return true
	}
	return false
}

// redirect sends the browser on after a POST (Post/Redirect/Get).
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// withMsg adds a flash message key to a local URL.
func withMsg(u, m string) string {
	if strings.Contains(u, "?") {
		return u + "&m=" + m
	}
	return u + "?m=" + m
}

// pathID reads a positive numeric path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, desk.NotFound()
	}
	return id, nil
}

// formID reads an optional numeric form value (0 when absent or bad).
func formID(r *http.Request, name string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}
