package notify_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/channel/email/notify"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// htmlPart returns m's HTML part, leaving m's body readable again.
func htmlPart(t *testing.T, m *mail.Message) string {
	t.Helper()
	raw, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { m.Body = bytes.NewReader(raw) }()
	m.Body = bytes.NewReader(raw)
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err != nil {
			t.Fatal("no HTML part: ", err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			b, _ := io.ReadAll(quotedprintable.NewReader(p))
			return string(b)
		}
	}
}

func adminCtx() context.Context {
	return desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 1, Role: desk.RoleAdmin})
}

// TestTemplateValidation: a template is parsed and rendered against the
// samples before it is saved; every broken one is refused with the part
// it is wrong in, and nothing is stored. Only admins manage templates.
func TestTemplateValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := &notify.Templates{DB: db}
		ctx := adminCtx()
		good := notify.Source{Subject: "Hi {{.RequesterName}}", Text: "#{{.TicketID}}", HTML: "<p>#{{.TicketID}}</p>"}
		for name, c := range map[string]struct {
			src  notify.Source
			part string
		}{
			"unclosed action":  {notify.Source{Subject: good.Subject, Text: good.Text, HTML: "<p>{{.Subject</p>"}, "html_body"},
			"unknown field":    {notify.Source{Subject: good.Subject, Text: "{{.Nope}}", HTML: good.HTML}, "text_body"},
			"define":           {notify.Source{Subject: good.Subject, Text: `{{define "x"}}{{template "x"}}{{end}}{{template "x"}}`, HTML: good.HTML}, "text_body"},
			"empty subject":    {notify.Source{Subject: "{{if false}}x{{end}}", Text: good.Text, HTML: good.HTML}, "subject"},
			"missing body":     {notify.Source{Subject: good.Subject, Text: "  ", HTML: good.HTML}, "text_body"},
			"two-line subject": {notify.Source{Subject: "a\nb", Text: good.Text, HTML: good.HTML}, "subject"},
			"history index":    {notify.Source{Subject: good.Subject, Text: "{{(index .History 0).Body}}", HTML: good.HTML}, "text_body"},
			"bad function":     {notify.Source{Subject: "{{readFile \"/etc/passwd\"}}", Text: good.Text, HTML: good.HTML}, "subject"},
			"endless output":   {notify.Source{Subject: good.Subject, Text: "{{range 100000000}}xxxxxxxx{{end}}", HTML: good.HTML}, "text_body"},
		} {
			_, err := ts.Preview(ctx, notify.KindAssigned, "en", c.src)
			var de *desk.Error
			if !errors.As(err, &de) || de.Code != desk.EINVALID || len(de.Details[c.part]) == 0 {
				t.Errorf("%s: %v, want an error in %s", name, err, c.part)
			}
			if err := ts.Save(ctx, notify.KindAssigned, "en", c.src); desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("%s: saved (%v)", name, err)
			}
		}
		list, err := ts.List(ctx)
		if err != nil || len(list) != 2*len(notify.Kinds()) { // every kind in English and Polish
			t.Fatalf("list: %v %v", list, err)
		}
		for _, e := range list {
			if e.Custom {
				t.Fatalf("a refused template was stored: %+v", e)
			}
		}
		r, err := ts.Preview(ctx, notify.KindAssigned, "pl", good)
		if err != nil || r.Subject != "Hi Zofia Żółć" || !strings.Contains(r.HTML, "<p>#1234</p>") {
			t.Fatalf("preview: %+v %v", r, err)
		}
		agent := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: 2, Role: desk.RoleAgent})
		if _, err := ts.List(agent); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent listed templates: %v", err)
		}
		if err := ts.Save(agent, notify.KindAssigned, "en", good); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent saved a template: %v", err)
		}
		if _, err := ts.Get(ctx, "ticket.nope", "en"); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("unknown kind: %v", err)
		}
		if _, err := ts.Get(ctx, notify.KindAssigned, "de"); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("unknown locale: %v", err)
		}
	})
}

// TestOverriddenTemplateIsMailed: an admin's Polish assignment template
// is what a Polish agent receives (customer text escaped in HTML), the
// English one stays built-in; a template that breaks on a real ticket
// falls back to the built-in text; reset restores the built-in text.
func TestOverriddenTemplateIsMailed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ts := &notify.Templates{DB: db}
		ctx := adminCtx()
		if _, err := f.people.AddMembership(f.sys, f.agent2.ID, f.group, true); err != nil {
			t.Fatal(err)
		}
		err := ts.Save(ctx, notify.KindAssigned, "pl", notify.Source{Subject: "Dla Ciebie: {{.Subject}}",
			Text: "Zgłoszenie {{.TicketID}} od {{.RequesterName}} czeka.", HTML: `<p>Zgłoszenie <em>{{.Subject}}</em> czeka.</p>`})
		if err != nil {
			t.Fatal(err)
		}
		tk, _, err := f.tickets.Create(f.as(t, f.customer), ticket.Input{Subject: ptr("<script>alert(1)</script> drukarka"),
			Comment: &ticket.CommentInput{Body: "Nie działa."}, GroupID: desk.SetID(f.group)})
		if err != nil {
			t.Fatal(err)
		}
		f.flush(t)
		if _, _, err := f.tickets.Update(f.as(t, f.agent), tk.ID, ticket.Input{AssigneeID: desk.SetID(f.agent2.ID)}); err != nil {
			t.Fatal(err)
		}
		m := f.flush(t)["beata@example.com"]
		if m == nil {
			t.Fatal("no assignment mail")
		}
		h := htmlPart(t, m)
		if !strings.HasPrefix(subject(m), "Dla Ciebie: <script>alert(1)</script> drukarka") ||
			!strings.Contains(textPart(t, m), "Zgłoszenie "+itoa(tk.ID)+" od Zofia Żółć czeka.") {
			t.Fatalf("overridden mail: %q", subject(m))
		}
		if !strings.Contains(h, "<em>&lt;script&gt;alert(1)&lt;/script&gt; drukarka</em>") || strings.Contains(h, "<script>") {
			t.Fatalf("HTML part not escaped:\n%s", h)
		}
		// English stays built-in.
		if _, _, err := f.tickets.Update(f.as(t, f.agent2), tk.ID, ticket.Input{AssigneeID: desk.SetID(f.agent.ID)}); err != nil {
			t.Fatal(err)
		}
		if m := f.flush(t)["alan@example.com"]; m == nil || !strings.HasPrefix(subject(m), "Assigned to you: ") {
			t.Fatalf("English assignment mail: %v", m)
		}

		// Passes the samples (ticket 1234) but breaks on this ticket: the
		// built-in text goes out instead, and the change is not undone.
		err = ts.Save(ctx, notify.KindAssigned, "pl", notify.Source{Subject: "{{if eq .TicketID 1234}}ok{{else}}{{.Nope}}{{end}}",
			Text: "x", HTML: "<p>x</p>"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.tickets.Update(f.as(t, f.agent), tk.ID, ticket.Input{AssigneeID: desk.SetID(f.agent2.ID)}); err != nil {
			t.Fatalf("a broken template stopped the change: %v", err)
		}
		if m := f.flush(t)["beata@example.com"]; m == nil || !strings.HasPrefix(subject(m), "Przypisano do Ciebie: ") {
			t.Fatalf("fallback mail: %v", m)
		}

		if err := ts.Reset(ctx, notify.KindAssigned, "pl"); err != nil {
			t.Fatal(err)
		}
		got, err := ts.Get(ctx, notify.KindAssigned, "pl")
		if err != nil || got.Custom || got.Source != got.Default || !strings.Contains(got.Default.Subject, "Przypisano do Ciebie") {
			t.Fatalf("after reset: %+v %v", got, err)
		}
		entries, err := audit.List(ctx, db, audit.Filter{TargetType: "email_template"})
		if err != nil || len(entries) != 3 {
			t.Fatalf("audit: %d entries, %v", len(entries), err)
		}
	})
}
