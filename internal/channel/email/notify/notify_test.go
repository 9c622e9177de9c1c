package notify_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/channel/email/deliver"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
	"github.com/frontdesk/frontdesk/internal/channel/email/notify"
	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func ptr[T any](v T) *T { return &v }

type fixture struct {
	db       *store.DB
	tickets  *ticket.Service
	people   *people.Service
	threads  *thread.Store
	deliver  *deliver.Deliverer
	smtp     *mailtest.SMTPServer
	sys      context.Context
	group    int64
	agent    *desk.User // in the group, locale en-US
	agent2   *desk.User
	customer *desk.User // locale pl
	cc       *desk.User
	loop     *desk.User // an end-user whose address is the support address
	notifier *notify.Notifier
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	box, _ := secrets.NewBox(bytes.Repeat([]byte{9}, secrets.KeySize))
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	f := &fixture{db: db, tickets: ticket.New(db, bus, blobs), people: people.New(db, bus), threads: thread.New(db, box),
		smtp: mailtest.StartSMTP(t, nil, "", ""), sys: desk.SystemContext(context.Background())}
	mailboxes := mailbox.New(db, box)
	ob := outbox.New(db, box)
	if _, err := mailboxes.Create(f.sys, mailbox.Input{Address: ptr("support@example.com"), Name: ptr("Example Support"),
		SMTPHost: ptr(f.smtp.Host), SMTPPort: ptr(f.smtp.Port), SMTPSecurity: ptr("none")}); err != nil {
		t.Fatal(err)
	}
	f.notifier = &notify.Notifier{Outbox: ob, Mailboxes: mailboxes, Threads: f.threads, PublicURL: "https://help.example.com"}
	f.notifier.Register(f.tickets)
	f.deliver = &deliver.Deliverer{Outbox: ob, Mailboxes: mailboxes, Dial: mailbox.DialOptions{Timeout: 10 * time.Second}}
	g, err := f.people.CreateGroup(f.sys, people.GroupInput{Name: ptr("Support")})
	if err != nil {
		t.Fatal(err)
	}
	f.group = g.ID
	mk := func(name, email, locale string, role desk.Role) *desk.User {
		u, err := f.people.CreateUser(f.sys, people.UserInput{Name: ptr(name), Email: ptr(email), Role: ptr(role), Locale: ptr(locale)})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.agent = mk("Alan Agent", "alan@example.com", "en-US", desk.RoleAgent)
	f.agent2 = mk("Beata Agentka", "beata@example.com", "pl", desk.RoleAgent)
	f.customer = mk("Zofia Żółć", "zofia@klient.example", "pl", desk.RoleEndUser)
	f.cc = mk("Carl CC", "carl@klient.example", "en-US", desk.RoleEndUser)
	f.loop = mk("Loop", "support+x@example.com", "en-US", desk.RoleEndUser)
	if _, err := f.people.AddMembership(f.sys, f.agent.ID, f.group, true); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) as(t *testing.T, u *desk.User) context.Context {
	t.Helper()
	p, err := people.PrincipalFor(context.Background(), f.db, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return desk.WithPrincipal(context.Background(), p)
}

// flush delivers the outbox to the relay and returns the new mails by
// recipient.
func (f *fixture) flush(t *testing.T) map[string]*mail.Message {
	t.Helper()
	before := len(f.smtp.Mails())
	if _, err := f.deliver.DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string]*mail.Message{}
	for _, m := range f.smtp.Mails()[before:] {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[m.To[0]]; dup {
			t.Fatalf("two mails to %s in one round", m.To[0])
		}
		out[m.To[0]] = msg
	}
	return out
}

func textPart(t *testing.T, m *mail.Message) string {
	t.Helper()
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	p, err := multipart.NewReader(m.Body, params["boundary"]).NextRawPart()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(quotedprintable.NewReader(p))
	return string(b)
}

func subject(m *mail.Message) string {
	s, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	return s
}

func TestNotificationsThreadAndGoToTheRightPeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()

		// 1. A customer writes: the group's agent hears of it (nobody assigned).
		tk, _, err := f.tickets.Create(f.as(t, f.customer), ticket.Input{Subject: ptr("Drukarka nie działa"),
			Comment: &ticket.CommentInput{Body: "Dzień dobry, drukarka nie drukuje."}, GroupID: desk.SetID(f.group)})
		if err != nil {
			t.Fatal(err)
		}
		got := f.flush(t)
		if len(got) != 1 || got["alan@example.com"] == nil {
			t.Fatalf("customer reply went to %v", keys(got))
		}
		m := got["alan@example.com"]
		if subject(m) != "New reply: Drukarka nie działa [#"+itoa(tk.ID)+"]" || m.Header.Get("Auto-Submitted") != "auto-replied" ||
			!strings.Contains(textPart(t, m), "https://help.example.com/agent/tickets/"+itoa(tk.ID)) {
			t.Fatalf("agent mail: %q %q\n%s", subject(m), m.Header.Get("Auto-Submitted"), textPart(t, m))
		}
		first := m.Header.Get("Message-ID")

		// 2. Assigning oneself mails nobody; another agent assigning does.
		if _, err := f.people.AddMembership(f.sys, f.agent2.ID, f.group, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.tickets.Update(f.as(t, f.agent), tk.ID, ticket.Input{AssigneeID: desk.SetID(f.agent.ID)}); err != nil {
			t.Fatal(err)
		}
		if got := f.flush(t); len(got) != 0 {
			t.Fatalf("self-assignment mailed %v", keys(got))
		}
		if _, _, err := f.tickets.Update(f.as(t, f.agent), tk.ID, ticket.Input{AssigneeID: desk.SetID(f.agent2.ID)}); err != nil {
			t.Fatal(err)
		}
		got = f.flush(t)
		if m := got["beata@example.com"]; len(got) != 1 || m == nil || !strings.HasPrefix(subject(m), "Przypisano do Ciebie: Drukarka") ||
			m.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Fatalf("assignment mail: %v", keys(got))
		}

		// 3. The agent's public reply reaches the requester (in Polish, with
		// history and the portal link) and the CC, never the support address.
		_, _, err = f.tickets.Update(f.as(t, f.agent2), tk.ID, ticket.Input{EmailCCIDs: &[]int64{f.cc.ID, f.loop.ID},
			Comment: &ticket.CommentInput{Body: "Proszę wyłączyć i włączyć drukarkę."}})
		if err != nil {
			t.Fatal(err)
		}
		got = f.flush(t)
		if len(got) != 2 || got["zofia@klient.example"] == nil || got["carl@klient.example"] == nil {
			t.Fatalf("public reply went to %v", keys(got))
		}
		m = got["zofia@klient.example"]
		body := textPart(t, m)
		for _, want := range []string{"Beata Agentka odpowiada na Twoje zgłoszenie nr " + itoa(tk.ID), "Proszę wyłączyć i włączyć drukarkę.",
			"https://help.example.com/requests/" + itoa(tk.ID), "Zofia Żółć", "Dzień dobry, drukarka nie drukuje."} {
			if !strings.Contains(body, want) {
				t.Errorf("requester mail lacks %q:\n%s", want, body)
			}
		}
		if subject(m) != "Drukarka nie działa [#"+itoa(tk.ID)+"]" || m.Header.Get("Auto-Submitted") != "" {
			t.Errorf("requester mail subject %q auto %q", subject(m), m.Header.Get("Auto-Submitted"))
		}
		if !strings.Contains(m.Header.Get("References"), first) || m.Header.Get("In-Reply-To") == "" {
			t.Errorf("not threaded: References %q In-Reply-To %q", m.Header.Get("References"), m.Header.Get("In-Reply-To"))
		}
		rt, _ := m.Header.AddressList("Reply-To")
		if id, ok := f.threads.TokenFromAddress(rt[0].Address); !ok || id != tk.ID {
			t.Errorf("reply-to %v names ticket %d", rt, id)
		}
		if id, ok, _ := f.threads.Lookup(ctx, m.Header.Get("Message-ID")); !ok || id != tk.ID {
			t.Errorf("Message-ID not recorded: %d %v", id, ok)
		}
		// An HTML part escapes what people typed.
		if strings.Contains(textPart(t, got["carl@klient.example"]), "odpowiada") {
			t.Error("the English CC got Polish")
		}

		// 4. Internal notes mail nobody.
		if _, _, err := f.tickets.Update(f.as(t, f.agent2), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "note", Public: ptr(false)}}); err != nil {
			t.Fatal(err)
		}
		if got := f.flush(t); len(got) != 0 {
			t.Fatalf("internal note mailed %v", keys(got))
		}
	})
}

func TestHTMLPartEscapesTypedText(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	if _, _, err := f.tickets.Create(f.as(t, f.customer), ticket.Input{Subject: ptr(`<img src=x onerror=alert(1)>`),
		Comment: &ticket.CommentInput{Body: "<script>alert(2)</script>"}, GroupID: desk.SetID(f.group)}); err != nil {
		t.Fatal(err)
	}
	got := f.flush(t)
	m := got["alan@example.com"]
	if m == nil {
		t.Fatalf("no mail to the group's agent: %v", keys(got))
	}
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	mr := multipart.NewReader(m.Body, params["boundary"])
	if _, err := mr.NextRawPart(); err != nil { // text
		t.Fatal(err)
	}
	p, err := mr.NextRawPart()
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(quotedprintable.NewReader(p))
	if bytes.Contains(html, []byte("<img src=x")) || bytes.Contains(html, []byte("<script>")) || !bytes.Contains(html, []byte("&lt;script&gt;")) {
		t.Fatalf("typed text not escaped in the HTML part:\n%s", html)
	}
}

func keys(m map[string]*mail.Message) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
