package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Admins may override each built-in template per kind and language (table
// email_templates, written only here). An override is parsed and rendered
// against sample tickets before it is saved, and should it still fail when
// a notification is sent, that mail falls back to the built-in text: a
// template can never stop mail.

// Limits on what admins write.
const (
	maxSubjectSource = 500
	maxBodySource    = 32 << 10
)

// Templates is the admins' side of the notification templates.
type Templates struct {
	DB *store.DB
}

// TemplateInfo is one template as the admin list shows it.
type TemplateInfo struct {
	Kind   Kind
	Locale string
	// Custom is true when an admin's text replaces the built-in one.
	Custom    bool
	UpdatedAt time.Time
}

// Template is one template with its built-in default.
type Template struct {
	TemplateInfo
	Source  Source // what is in force
	Default Source // the built-in text
}

// Rendered is a template filled with a sample ticket.
type Rendered struct {
	Subject, Text, HTML string
}

// Kinds lists the template kinds, in the order admins see them.
func Kinds() []Kind {
	kinds := make([]Kind, 0, len(templates["en"]))
	for k := range templates["en"] {
		kinds = append(kinds, k)
	}
	order := map[Kind]int{KindPublicReply: 0, KindCustomerReply: 1, KindAssigned: 2, KindReceived: 3}
	slices.SortFunc(kinds, func(a, b Kind) int {
		oa, oka := order[a]
		ob, okb := order[b]
		switch {
		case oka && okb:
			return oa - ob
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		}
		return strings.Compare(string(a), string(b))
	})
	return kinds
}

// Locales lists the languages templates exist in.
func Locales() []string {
	out := make([]string, 0, len(templates))
	for l := range templates {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

func requireAdmin(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsAdmin() {
		return desk.Forbidden("Only admins can manage email templates")
	}
	return nil
}

// builtin returns the built-in template, or desk.NotFound.
func builtin(kind Kind, locale string) (tmpl, error) {
	t, ok := templates[locale][kind]
	if !ok {
		return tmpl{}, desk.NotFound()
	}
	return t, nil
}

// List returns every template of every language (admins only).
func (s *Templates) List(ctx context.Context) ([]TemplateInfo, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT kind, locale, updated_at FROM email_templates`)
	if err != nil {
		return nil, fmt.Errorf("email templates: list: %w", err)
	}
	defer rows.Close()
	custom := map[[2]string]time.Time{}
	for rows.Next() {
		var kind, locale string
		var at int64
		if err := rows.Scan(&kind, &locale, &at); err != nil {
			return nil, fmt.Errorf("email templates: list: %w", err)
		}
		custom[[2]string{kind, locale}] = time.UnixMicro(at).UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []TemplateInfo
	for _, k := range Kinds() {
		for _, l := range Locales() {
			at, ok := custom[[2]string{string(k), l}]
			out = append(out, TemplateInfo{Kind: k, Locale: l, Custom: ok, UpdatedAt: at})
		}
	}
	return out, nil
}

// Get returns template kind in locale (admins only).
func (s *Templates) Get(ctx context.Context, kind Kind, locale string) (*Template, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	b, err := builtin(kind, locale)
	if err != nil {
		return nil, err
	}
	t := &Template{TemplateInfo: TemplateInfo{Kind: kind, Locale: locale}, Source: b.src, Default: b.src}
	src, at, ok, err := loadOverride(ctx, s.DB, kind, locale)
	if err != nil {
		return nil, err
	}
	if ok {
		t.Source, t.Custom, t.UpdatedAt = src, true, time.UnixMicro(at).UTC()
	}
	return t, nil
}

type rowQuerier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

func loadOverride(ctx context.Context, q rowQuerier, kind Kind, locale string) (src Source, updatedAt int64, ok bool, err error) {
	err = q.QueryRow(ctx, `SELECT subject, text_body, html_body, updated_at FROM email_templates WHERE kind = ? AND locale = ?`, string(kind), locale).
		Scan(&src.Subject, &src.Text, &src.HTML, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return src, 0, false, nil
	}
	if err != nil {
		return src, 0, false, fmt.Errorf("email template %s/%s: %w", kind, locale, err)
	}
	return src, updatedAt, true, nil
}

// Preview checks src as template kind in locale would be checked on
// saving, and returns it filled with a sample ticket (admins only). A
// template that does not parse or render is desk.Invalid naming the part
// (subject, text_body, html_body) and the template's own error.
func (s *Templates) Preview(ctx context.Context, kind Kind, locale string, src Source) (*Rendered, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	if _, err := builtin(kind, locale); err != nil {
		return nil, err
	}
	return check(kind, locale, src)
}

// check parses src and renders it against every sample, returning the
// first sample's rendering.
func check(kind Kind, locale string, src Source) (*Rendered, error) {
	src = normalize(src)
	for _, f := range []struct {
		part Part
		v    string
		max  int
	}{{PartSubject, src.Subject, maxSubjectSource}, {PartText, src.Text, maxBodySource}, {PartHTML, src.HTML, maxBodySource}} {
		switch {
		case strings.TrimSpace(f.v) == "":
			return nil, desk.Invalid(string(f.part), "is required")
		case len(f.v) > f.max || !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0):
			return nil, desk.Invalid(string(f.part), fmt.Sprintf("must be text of at most %d bytes", f.max))
		}
	}
	if strings.ContainsAny(src.Subject, "\r\n") {
		return nil, desk.Invalid(string(PartSubject), "must be one line")
	}
	t, err := compile(string(kind)+"."+locale, src)
	if err != nil {
		return nil, invalid(err)
	}
	if err := noDefinitions(t); err != nil {
		return nil, err
	}
	var first *Rendered
	for _, d := range samples(locale) {
		subject, text, html, err := t.execute(d)
		if err != nil {
			return nil, invalid(err)
		}
		if strings.TrimSpace(subject) == "" {
			return nil, desk.Invalid(string(PartSubject), "is empty once filled in")
		}
		if first == nil {
			first = &Rendered{Subject: subject, Text: text, HTML: html}
		}
	}
	return first, nil
}

// noDefinitions refuses {{define}} and {{block}}: a template that calls
// itself could only fail, and one text per part is all a mail needs.
func noDefinitions(t tmpl) error {
	if len(t.subject.Templates()) > 1 {
		return desk.Invalid(string(PartSubject), "must not define templates ({{define}}, {{block}})")
	}
	if len(t.text.Templates()) > 1 {
		return desk.Invalid(string(PartText), "must not define templates ({{define}}, {{block}})")
	}
	if len(t.html.Templates()) > 1 {
		return desk.Invalid(string(PartHTML), "must not define templates ({{define}}, {{block}})")
	}
	return nil
}

// invalid turns a template error into a field error of its part.
func invalid(err error) error {
	var pe partError
	if errors.As(err, &pe) {
		return desk.Invalid(string(pe.part), pe.err.Error())
	}
	return desk.Invalid("template", err.Error())
}

// normalize makes line ends \n and trims the subject.
func normalize(src Source) Source {
	nl := strings.NewReplacer("\r\n", "\n", "\r", "\n")
	return Source{Subject: strings.TrimSpace(src.Subject), Text: nl.Replace(src.Text), HTML: nl.Replace(src.HTML)}
}

// Save replaces template kind in locale with src once it has passed check
// (admins only; audited).
func (s *Templates) Save(ctx context.Context, kind Kind, locale string, src Source) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if err := requireAdmin(ctx); err != nil {
		return err
	}
	if _, err := builtin(kind, locale); err != nil {
		return err
	}
	if _, err := check(kind, locale, src); err != nil {
		return err
	}
	src = normalize(src)
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO email_templates (kind, locale, subject, text_body, html_body, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (kind, locale) DO UPDATE SET subject = excluded.subject, text_body = excluded.text_body,
				html_body = excluded.html_body, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			string(kind), locale, src.Subject, src.Text, src.HTML, p.UserID, store.Now())
		if err != nil {
			return fmt.Errorf("email template %s/%s: save: %w", kind, locale, err)
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "email_template.updated", TargetType: "email_template",
			Data: map[string]any{"kind": string(kind), "locale": locale}})
	})
}

// Reset goes back to the built-in text of template kind in locale (admins
// only; audited). Resetting a template that is not overridden does
// nothing.
func (s *Templates) Reset(ctx context.Context, kind Kind, locale string) error {
	if err := requireAdmin(ctx); err != nil {
		return err
	}
	if _, err := builtin(kind, locale); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM email_templates WHERE kind = ? AND locale = ?`, string(kind), locale)
		if err != nil {
			return fmt.Errorf("email template %s/%s: reset: %w", kind, locale, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: "email_template.reset", TargetType: "email_template",
			Data: map[string]any{"kind": string(kind), "locale": locale}})
	})
}

// samples are the tickets a template is tried on before it is saved: with
// and without a link, with and without earlier conversation.
func samples(locale string) []Data {
	d := Data{TicketID: 1234, Subject: "Printer on fire", RequesterName: "Jane Doe", RecipientName: "Jane Doe",
		AuthorName: "Alex Agent", Body: "Thanks for writing in.\nWe're on it.", Link: "https://help.example.com/requests/1234",
		Brand:   "Example Ltd",
		History: []Entry{{Author: "Jane Doe", When: "2026-01-05 09:14 UTC", Body: "My printer is on fire."}},
		Suggestions: []Suggestion{{Title: "Printer safety", URL: "https://help.example.com/hc/en/articles/7-printer-safety",
			AnsweredURL: "https://help.example.com/answered/sample"}}}
	if locale == "pl" {
		d.Subject, d.RequesterName, d.RecipientName, d.AuthorName = "Drukarka się pali", "Zofia Żółć", "Zofia Żółć", "Adam Agent"
		d.Body, d.History[0].Author, d.History[0].Body = "Dziękujemy za wiadomość.\nZajmujemy się tym.", "Zofia Żółć", "Moja drukarka się pali."
	}
	bare := d
	bare.Link, bare.History, bare.Brand, bare.Suggestions = "", nil, "", nil
	return []Data{d, bare}
}

// overrides caches parsed overrides by kind, locale and update time, so
// a notification parses an admin's template once, not once per mail.
type overrides struct {
	mu     sync.Mutex
	parsed map[overrideKey]tmpl
}

type overrideKey struct {
	kind      Kind
	locale    string
	updatedAt int64
}

// template returns the template in force for kind in locale inside tx:
// the admin's override when there is one that parses, else the built-in.
func (o *overrides) template(ctx context.Context, tx *store.Tx, kind Kind, locale string) (t tmpl, custom bool, err error) {
	src, at, ok, err := loadOverride(ctx, tx, kind, locale)
	if err != nil || !ok {
		return templates[locale][kind], false, err
	}
	key := overrideKey{kind, locale, at}
	o.mu.Lock()
	defer o.mu.Unlock()
	if t, ok := o.parsed[key]; ok {
		return t, true, nil
	}
	t, err = compile(string(kind)+"."+locale, src)
	if err != nil {
		return templates[locale][kind], false, nil // checked on saving; never let it stop mail
	}
	if o.parsed == nil || len(o.parsed) > 100 {
		o.parsed = map[overrideKey]tmpl{}
	}
	o.parsed[key] = t
	return t, true, nil
}
