package rules

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// PlaceholderData is what placeholders read. Ctx and Tx allow lazy lookups
// (group and organization names, extensions such as a satisfaction link).
type PlaceholderData struct {
	Ctx                              context.Context
	Tx                               *store.Tx
	Ticket                           *desk.Ticket
	Requester, Assignee, CurrentUser *Person
	// Recipient is who the text is for (nil when not a mail).
	Recipient *Person
	// Locale is the language to render in (dates, names of statuses).
	Locale string
	// Staff says whether the reader works tickets (links to the workspace).
	Staff bool
	// BaseURL is the site's public address ("" gives no links).
	BaseURL string
	// Values carries extension data.
	Values map[string]any
}

// PlaceholderFunc renders one placeholder as plain text (Render escapes it
// for HTML).
type PlaceholderFunc func(d *PlaceholderData) string

// AddPlaceholder adds (or replaces) a placeholder, named without braces
// (e.g. "satisfaction.rating_url").
func (r *Registry) AddPlaceholder(name string, fn PlaceholderFunc) {
	r.mu.Lock()
	r.placeholders[name] = fn
	r.mu.Unlock()
}

// Placeholders lists the placeholder names the registry knows.
func (r *Registry) Placeholders() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.placeholders))
	for n := range r.placeholders {
		out = append(out, n)
	}
	return out
}

func (r *Registry) placeholder(name string) (PlaceholderFunc, bool) {
	r.mu.RLock()
	fn, ok := r.placeholders[name]
	r.mu.RUnlock()
	if ok {
		return fn, true
	}
	if id := strings.TrimPrefix(name, "ticket.ticket_field_"); id != name {
		if n, ok := Int(id); ok {
			return func(d *PlaceholderData) string { return customValue(d.Ticket, n) }, true
		}
	}
	return nil, false
}

// Render replaces {{placeholders}} in tmpl. With escapeHTML the whole
// result (the template's own text and every value) is HTML-escaped, for
// HTML output; otherwise it is plain text. Unknown placeholders stay as
// written.
func (r *Registry) Render(tmpl string, d *PlaceholderData, escapeHTML bool) string {
	var b strings.Builder
	out := func(s string) {
		if escapeHTML {
			s = html.EscapeString(s)
		}
		b.WriteString(s)
	}
	for {
		i := strings.Index(tmpl, "{{")
		if i < 0 {
			out(tmpl)
			break
		}
		j := strings.Index(tmpl[i+2:], "}}")
		if j < 0 {
			out(tmpl)
			break
		}
		out(tmpl[:i])
		name := strings.TrimSpace(tmpl[i+2 : i+2+j])
		if fn, ok := r.placeholder(name); ok && d != nil && d.Ticket != nil {
			out(fn(d))
		} else {
			out(tmpl[i : i+4+j])
		}
		tmpl = tmpl[i+4+j:]
	}
	return b.String()
}

func person(get func(d *PlaceholderData) *Person, field func(p *Person) string) PlaceholderFunc {
	return func(d *PlaceholderData) string {
		p := get(d)
		if p == nil {
			return ""
		}
		return field(p)
	}
}

func registerPlaceholders(r *Registry) {
	t := func(fn func(t *desk.Ticket) string) PlaceholderFunc {
		return func(d *PlaceholderData) string { return fn(d.Ticket) }
	}
	r.AddPlaceholder("ticket.id", t(func(t *desk.Ticket) string { return strconv.FormatInt(t.ID, 10) }))
	r.AddPlaceholder("ticket.title", t(func(t *desk.Ticket) string { return t.Subject }))
	r.AddPlaceholder("ticket.description", t(func(t *desk.Ticket) string { return t.Description }))
	r.AddPlaceholder("ticket.status", func(d *PlaceholderData) string { return statusName(string(d.Ticket.Status), d.Locale) })
	r.AddPlaceholder("ticket.priority", t(func(t *desk.Ticket) string { return ptrStr(t.Priority) }))
	r.AddPlaceholder("ticket.ticket_type", t(func(t *desk.Ticket) string { return ptrStr(t.Type) }))
	r.AddPlaceholder("ticket.tags", t(func(t *desk.Ticket) string { return strings.Join(t.Tags, " ") }))
	r.AddPlaceholder("ticket.via", t(func(t *desk.Ticket) string { return t.Via.Channel }))
	r.AddPlaceholder("ticket.created_at", func(d *PlaceholderData) string { return FormatDate(d.Ticket.CreatedAt.Time, d.Locale) })
	r.AddPlaceholder("ticket.updated_at", func(d *PlaceholderData) string { return FormatDate(d.Ticket.UpdatedAt.Time, d.Locale) })
	r.AddPlaceholder("ticket.due_date", func(d *PlaceholderData) string { return FormatDate(d.Ticket.DueAt.Time, d.Locale) })
	link := func(d *PlaceholderData) string {
		if d.BaseURL == "" {
			return ""
		}
		id := strconv.FormatInt(d.Ticket.ID, 10)
		if d.Staff {
			return d.BaseURL + "/agent/tickets/" + id
		}
		return d.BaseURL + "/requests/" + id
	}
	r.AddPlaceholder("ticket.url", link)
	r.AddPlaceholder("ticket.link", link)
	for prefix, get := range map[string]func(d *PlaceholderData) *Person{
		"ticket.requester": func(d *PlaceholderData) *Person { return d.Requester },
		"ticket.assignee":  func(d *PlaceholderData) *Person { return d.Assignee },
		"current_user":     func(d *PlaceholderData) *Person { return d.CurrentUser },
	} {
		r.AddPlaceholder(prefix+".name", person(get, func(p *Person) string { return p.Name }))
		r.AddPlaceholder(prefix+".first_name", person(get, func(p *Person) string { return p.FirstName() }))
		r.AddPlaceholder(prefix+".last_name", person(get, func(p *Person) string { return p.LastName() }))
		r.AddPlaceholder(prefix+".email", person(get, func(p *Person) string { return p.Email }))
	}
	r.AddPlaceholder("ticket.group.name", func(d *PlaceholderData) string {
		return lookupName(d, "SELECT name FROM agent_groups WHERE id = ?", d.Ticket.GroupID)
	})
	r.AddPlaceholder("ticket.organization.name", func(d *PlaceholderData) string {
		return lookupName(d, "SELECT name FROM organizations WHERE id = ?", d.Ticket.OrganizationID)
	})
}

func lookupName(d *PlaceholderData, q string, id *int64) string {
	if id == nil || d.Tx == nil {
		return ""
	}
	var name string
	if err := d.Tx.QueryRow(d.Ctx, q, *id).Scan(&name); err != nil {
		return ""
	}
	return name
}

var (
	monthsPL = []string{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"}
	statusPL = map[string]string{"new": "nowe", "open": "otwarte", "pending": "oczekujące", "hold": "wstrzymane", "solved": "rozwiązane", "closed": "zamknięte"}
)

func lang(locale string) string {
	l := strings.ToLower(locale)
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	return l
}

// FormatDate writes t (UTC) as the locale writes dates ("" for zero).
func FormatDate(t time.Time, locale string) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	if lang(locale) == "pl" {
		return fmt.Sprintf("%d %s %d, %02d:%02d UTC", t.Day(), monthsPL[t.Month()-1], t.Year(), t.Hour(), t.Minute())
	}
	return t.Format("January 2, 2006, 15:04 UTC")
}

func statusName(s, locale string) string {
	if lang(locale) == "pl" {
		if n, ok := statusPL[s]; ok {
			return n
		}
	}
	return s
}
