package csat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/csat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

type fixture struct {
	db            *store.DB
	svc           *csat.Service
	tickets       *ticket.Service
	sys           context.Context
	agent, alice  *desk.Principal
	bob, reporter *desk.Principal
	clock         time.Time
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	ppl := people.New(db, bus)
	st := settings.New(db, bus)
	f := &fixture{db: db, tickets: ticket.New(db, bus, blobs), sys: desk.SystemContext(context.Background()), clock: time.Now()}
	f.svc = &csat.Service{DB: db, Tickets: f.tickets, Settings: st, Outbox: outbox.New(db, box), PublicURL: "https://help.example.com",
		Now: func() time.Time { return f.clock }}
	mk := func(name, email string, role desk.Role) *desk.Principal {
		u, err := ppl.CreateUser(f.sys, people.UserInput{Name: &name, Email: &email, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		return &desk.Principal{UserID: u.ID, Role: role, Email: email, Via: "api"}
	}
	f.agent = mk("Andrzej Agent", "andrzej@desk.test", desk.RoleAgent)
	f.alice = mk("Alice", "alice@example.com", desk.RoleEndUser)
	f.bob = mk("Bob", "bob@example.com", desk.RoleEndUser)
	if err := settings.CSATEnabled.Set(f.sys, st, true); err != nil {
		t.Fatal(err)
	}
	return f
}

func as(p *desk.Principal) context.Context { return desk.WithPrincipal(context.Background(), p) }
func str(s string) *string                 { return &s }

func (f *fixture) solved(t *testing.T) *desk.Ticket {
	t.Helper()
	tk, _, err := f.tickets.Create(as(f.alice), ticket.Input{Subject: str("Printer"), Comment: &ticket.CommentInput{Body: "Broken"}})
	if err != nil {
		t.Fatal(err)
	}
	tk, _, err = f.tickets.Update(as(f.agent), tk.ID, ticket.Input{Status: str("solved"), Comment: &ticket.CommentInput{Body: "Fixed"}})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// ratings is ForTickets, read by the agent, for the tickets of ids as
// they are stored now.
func (f *fixture) ratings(t *testing.T, ids ...int64) map[int64]map[string]any {
	t.Helper()
	ts := make([]*desk.Ticket, len(ids))
	for i, id := range ids {
		tk, err := f.tickets.Get(as(f.agent), id)
		if err != nil {
			t.Fatal(err)
		}
		ts[i] = tk
	}
	m, err := f.svc.ForTickets(as(f.agent), ts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *fixture) events(t *testing.T, id int64) []desk.AuditEvent {
	t.Helper()
	audits, _, err := f.tickets.Audits(as(f.agent), id, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []desk.AuditEvent
	for _, a := range audits {
		for _, e := range a.Events {
			if e.Type == ticket.SatisfactionEvent {
				out = append(out, e)
			}
		}
	}
	return out
}

// The requester rates a solved ticket, changes the rating, and the
// rating is final once the ticket closes; each rating is an audit event;
// only the requester rates; unsolved tickets cannot be rated.
func TestRate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		open, _, err := f.tickets.Create(as(f.alice), ticket.Input{Subject: str("Q"), Comment: &ticket.CommentInput{Body: "?"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Rate(as(f.alice), open.ID, csat.Input{Score: csat.Good}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("rating an open ticket: %v", err)
		}
		tk := f.solved(t)
		if _, err := f.svc.Rate(as(f.bob), tk.ID, csat.Input{Score: csat.Good}); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("another end-user rates: %v", err)
		}
		if _, err := f.svc.Rate(as(f.agent), tk.ID, csat.Input{Score: csat.Good}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("an agent rates: %v", err)
		}
		if _, err := f.svc.Rate(as(f.alice), tk.ID, csat.Input{Score: "meh"}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("bad score: %v", err)
		}
		if _, err := f.svc.Rate(as(f.alice), tk.ID, csat.Input{Score: csat.Good, Comment: strings.Repeat("x", csat.MaxComment+1)}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("long comment: %v", err)
		}
		r, err := f.svc.Rate(as(f.alice), tk.ID, csat.Input{Score: csat.Bad, Comment: " Slow "})
		if err != nil || r.Score != csat.Bad || r.Comment != "Slow" || r.RequesterID != f.alice.UserID || r.AssigneeID == nil || *r.AssigneeID != f.agent.UserID {
			t.Fatalf("rate: %+v %v", r, err)
		}
		r2, err := f.svc.Rate(as(f.alice), tk.ID, csat.Input{Score: csat.Good, Comment: "Fine after all"})
		if err != nil || r2.ID != r.ID || r2.Score != csat.Good {
			t.Fatalf("change: %+v %v", r2, err)
		}
		evs := f.events(t, tk.ID)
		if len(evs) != 2 || evs[0].Value != "bad" || evs[0].Body != "Slow" || evs[1].Value != "good" || evs[1].PreviousValue != "bad" {
			t.Fatalf("audit events: %+v", evs)
		}
		m := f.ratings(t, tk.ID, open.ID)
		if m[tk.ID]["score"] != "good" || m[tk.ID]["id"] != r.ID || m[open.ID]["score"] != "unoffered" {
			t.Fatalf("ticket JSON ratings: %v", m)
		}
		// One rating per solve: reopened and solved again, a new one.
		if _, _, err := f.tickets.Update(as(f.alice), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "It broke again"}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.tickets.Update(as(f.agent), tk.ID, ticket.Input{Status: str("solved")}); err != nil {
			t.Fatal(err)
		}
		if m := f.ratings(t, tk.ID); m[tk.ID]["score"] != "unoffered" {
			t.Fatalf("after a new solve: %v", m)
		}
		r3, err := f.svc.Rate(as(f.alice), tk.ID, csat.Input{Score: csat.Bad})
		if err != nil || r3.ID == r.ID {
			t.Fatalf("second solve's rating: %+v %v", r3, err)
		}
		list, more, err := f.svc.List(as(&desk.Principal{System: true}), csat.ListQuery{Score: "received"})
		if err != nil || more || len(list) != 2 {
			t.Fatalf("list: %+v %v %v", list, more, err)
		}
		if _, _, err := f.svc.List(as(f.alice), csat.ListQuery{}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user lists: %v", err)
		}
		// Closed: final.
		if _, _, err := f.tickets.Update(as(f.agent), tk.ID, ticket.Input{Status: str("closed")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Rate(as(f.alice), tk.ID, csat.Input{Score: csat.Good}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("rating a closed ticket: %v", err)
		}
		// Off: refused.
		if err := settings.CSATEnabled.Set(f.sys, f.svc.Settings, false); err != nil {
			t.Fatal(err)
		}
		tk2 := f.solved(t)
		if _, err := f.svc.Rate(as(f.alice), tk2.ID, csat.Input{Score: csat.Good}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("rating with CSAT off: %v", err)
		}
	})
}

// Signed links: bound to the ticket and its solve, forged or stale ones
// refused; the survey goes out once per solve after the delay, recording
// the offer.
func TestLinksAndSurvey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := f.solved(t)
		if n, err := f.svc.SendSurveys(f.sys); err != nil || n != 0 {
			t.Fatalf("survey before the delay: %d %v", n, err)
		}
		f.clock = f.clock.Add(25 * time.Hour)
		if n, err := f.svc.SendSurveys(f.sys); err != nil || n != 1 {
			t.Fatalf("survey: %d %v", n, err)
		}
		if n, err := f.svc.SendSurveys(f.sys); err != nil || n != 0 {
			t.Fatalf("survey sent twice: %d %v", n, err)
		}
		if m := f.ratings(t, tk.ID); m[tk.ID]["score"] != "offered" {
			t.Fatalf("offered: %v", m)
		}
		if evs := f.events(t, tk.ID); len(evs) != 1 || evs[0].Value != "offered" {
			t.Fatalf("offer event: %+v", evs)
		}
		msgs, err := f.svc.Outbox.Pending(f.sys, 10)
		if err != nil || len(msgs) != 1 || msgs[0].To != "alice@example.com" || !strings.Contains(msgs[0].Text, "https://help.example.com/satisfaction/") {
			t.Fatalf("survey mail: %+v %v", msgs, err)
		}
		url, err := f.svc.RatingURL(f.sys, db, tk.ID)
		if err != nil || !strings.Contains(msgs[0].Text, url+"?score=good") {
			t.Fatalf("rating url %q not in the mail: %v", url, err)
		}
		token := url[strings.LastIndex(url, "/")+1:]
		for _, bad := range []string{"", "x", token + "x", strings.Replace(token, ".", ".1", 1), "1.2.3"} {
			if _, err := f.svc.SurveyFor(context.Background(), bad); desk.ErrorCode(err) != desk.ENOTFOUND {
				t.Fatalf("token %q: %v", bad, err)
			}
		}
		sv, err := f.svc.SurveyFor(context.Background(), token)
		if err != nil || !sv.Open || sv.TicketID != tk.ID || sv.Rating == nil || sv.Rating.Score != csat.Offered {
			t.Fatalf("survey: %+v %v", sv, err)
		}
		r, err := f.svc.RateWithToken(context.Background(), token, csat.Input{Score: csat.Good, Comment: "Thanks"})
		if err != nil || r.Score != csat.Good || r.Comment != "Thanks" {
			t.Fatalf("rate by link: %+v %v", r, err)
		}
		// Reopened: the old link no longer rates.
		if _, _, err := f.tickets.Update(as(f.agent), tk.ID, ticket.Input{Status: str("open")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RateWithToken(context.Background(), token, csat.Input{Score: csat.Bad}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("stale link: %v", err)
		}
	})
}

// ScoreSQL selects tickets by the score of their current solve.
func TestScoreSQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		good, bad, none := f.solved(t), f.solved(t), f.solved(t)
		if _, err := f.svc.Rate(as(f.alice), good.ID, csat.Input{Score: csat.Good}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Rate(as(f.alice), bad.ID, csat.Input{Score: csat.Bad}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			scores []csat.Score
			want   []int64
		}{
			{[]csat.Score{csat.Good}, []int64{good.ID}},
			{[]csat.Score{csat.Bad, csat.Unoffered}, []int64{bad.ID, none.ID}},
			{nil, nil},
		} {
			cond, args := csat.ScoreSQL(tc.scores)
			rows, err := db.Query(context.Background(), `SELECT t.id FROM tickets t WHERE `+cond+` ORDER BY t.id`, args...)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				got = append(got, id)
			}
			rows.Close()
			if len(got) != len(tc.want) || (len(got) > 0 && (got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1])) {
				t.Fatalf("%v: %v, want %v", tc.scores, got, tc.want)
			}
		}
	})
}
