package rules_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/testkit"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

type fixture struct {
	db      *store.DB
	tickets *ticket.Service
	ppl     *people.Service
	reg     *rules.Registry
	svc     *rules.Service
	mail    *fakeMailer
	clock   *testkit.Clock
	admin   *desk.Principal
	agent   *desk.Principal
	limited *desk.Principal // an agent without manage_business_rules
	alice   *desk.Principal // end-user, locale pl
	support int64
}

type fakeMailer struct {
	mu   sync.Mutex
	sent []rules.Mail
}

func (m *fakeMailer) QueueRuleMailTx(ctx context.Context, tx *store.Tx, mail rules.Mail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, mail)
	return nil
}

func (m *fakeMailer) all() []rules.Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]rules.Mail(nil), m.sent...)
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	f := &fixture{db: db, tickets: ticket.New(db, bus, blobs), ppl: people.New(db, bus), reg: rules.NewRegistry(), mail: &fakeMailer{},
		clock: testkit.NewClock(time.Now())}
	f.reg.SetMailer(f.mail)
	f.reg.SetBaseURL("https://desk.example")
	f.svc = rules.NewService(db, f.tickets, f.reg, nil)
	f.svc.Now = f.clock.Now
	f.svc.Register()
	sys := desk.SystemContext(context.Background())
	mk := func(name, email string, role desk.Role, locale string) *desk.Principal {
		in := people.UserInput{Name: &name, Email: &email, Role: &role}
		if locale != "" {
			in.Locale = &locale
		}
		u, err := f.ppl.CreateUser(sys, in)
		if err != nil {
			t.Fatalf("create %s: %v", email, err)
		}
		return &desk.Principal{UserID: u.ID, Role: role, Email: email, Via: "api"}
	}
	f.admin = mk("Ada Admin", "ada@desk.test", desk.RoleAdmin, "")
	f.agent = mk("Andrzej Agent", "andrzej@desk.test", desk.RoleAgent, "")
	f.limited = mk("Lena Limited", "lena@desk.test", desk.RoleAgent, "")
	perms := desk.RolePermissions(desk.RoleAgent)
	perms.ManageBusinessRules = false
	f.limited.Perms = &perms
	f.alice = mk("Alicja Kowalska", "alicja@example.com", desk.RoleEndUser, "pl")
	name := "Support"
	g, err := f.ppl.CreateGroup(sys, people.GroupInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	f.support = g.ID
	if _, err := f.ppl.AddMembership(sys, f.agent.UserID, g.ID, true); err != nil {
		t.Fatal(err)
	}
	return f
}

func as(p *desk.Principal) context.Context { return desk.WithPrincipal(context.Background(), p) }

func str(s string) *string { return &s }

func conds(all ...rules.Condition) *rules.Conditions { return &rules.Conditions{All: all} }

func acts(a ...rules.Action) *[]rules.Action { return &a }

func (f *fixture) trigger(t testing.TB, title string, c *rules.Conditions, a *[]rules.Action) *rules.Trigger {
	t.Helper()
	tr, err := f.svc.CreateTrigger(as(f.admin), rules.TriggerInput{Title: &title, Conditions: c, Actions: a})
	if err != nil {
		t.Fatalf("create trigger %s: %v", title, err)
	}
	return tr
}

func (f *fixture) newTicket(t testing.TB, by *desk.Principal, subject string) (*desk.Ticket, *desk.Audit) {
	t.Helper()
	tk, audit, err := f.tickets.Create(as(by), ticket.Input{Subject: &subject, Comment: &ticket.CommentInput{Body: "Help: " + subject}})
	if err != nil {
		t.Fatalf("create ticket: %v", err)
	}
	return tk, audit
}
