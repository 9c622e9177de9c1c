package ticket_test

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// fixture is a desk with an admin, two agents (one in "Support"), two
// customers of different organizations, and the ticket service.
type fixture struct {
	svc          *ticket.Service
	ppl          *people.Service
	db           *store.DB
	bus          *events.Bus
	admin, agent *desk.Principal
	outsider     *desk.Principal // agent not in Support
	alice, bob   *desk.Principal // end-users
	support      int64
	mu           sync.Mutex
	published    []events.Event
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, bus: events.New()}
	f.bus.Subscribe(func(e events.Event) {
		f.mu.Lock()
		f.published = append(f.published, e)
		f.mu.Unlock()
	})
	f.svc = ticket.New(db, f.bus, blobs)
	f.ppl = people.New(db, f.bus)
	sys := desk.SystemContext(context.Background())
	mk := func(name, email string, role desk.Role) *desk.Principal {
		u, err := f.ppl.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role})
		if err != nil {
			t.Fatalf("create %s: %v", email, err)
		}
		p := &desk.Principal{UserID: u.ID, Role: role, Email: email, Via: "api"}
		if u.OrganizationID != nil {
			p.OrgID = *u.OrganizationID
		}
		return p
	}
	f.admin = mk("Ada Admin", "ada@desk.test", desk.RoleAdmin)
	f.agent = mk("Andrzej Agent", "andrzej@desk.test", desk.RoleAgent)
	f.outsider = mk("Olga Outside", "olga@desk.test", desk.RoleAgent)
	f.alice = mk("Alice Customer", "alice@example.com", desk.RoleEndUser)
	f.bob = mk("Bob Other", "bob@other.test", desk.RoleEndUser)
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

func mustCreate(t *testing.T, f *fixture, p *desk.Principal, in ticket.Input) *desk.Ticket {
	t.Helper()
	tk, _, err := f.svc.Create(as(p), in)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return tk
}

func code(err error) string { return desk.ErrorCode(err) }

func TestCreateFindsOrCreatesRequester(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk, audit, err := f.svc.Create(as(f.agent), ticket.Input{
			Subject:   str("Drukarka nie działa"),
			Comment:   &ticket.CommentInput{Body: "Zgłoszenie od klienta"},
			Requester: &ticket.RequesterInput{Name: "Nowy Klient", Email: "Nowy@Klient.PL"},
			Priority:  desk.NullString{Set: true, Value: "high"},
			Tags:      &[]string{"VIP", "printer vip"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if tk.ID == 0 || tk.Status != "new" || tk.Description != "Zgłoszenie od klienta" || *tk.Priority != "high" {
			t.Fatalf("ticket %+v", tk)
		}
		if !slices.Equal(tk.Tags, []string{"vip", "printer"}) {
			t.Fatalf("tags %v", tk.Tags)
		}
		if tk.Via.Channel != "api" || tk.SubmitterID != f.agent.UserID {
			t.Fatalf("via/submitter %+v", tk)
		}
		if audit == nil || len(audit.Events) == 0 || audit.Events[len(audit.Events)-1].Type != "Comment" {
			t.Fatalf("audit %+v", audit)
		}
		u, err := f.ppl.UserByEmail(as(f.admin), "nowy@klient.pl")
		if err != nil || u.ID != tk.RequesterID || u.Role != desk.RoleEndUser {
			t.Fatalf("requester %v %v", u, err)
		}
		// The same email again finds the same person.
		tk2 := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "again"}, Requester: &ticket.RequesterInput{Email: "nowy@klient.pl"}})
		if tk2.RequesterID != tk.RequesterID {
			t.Fatal("requester duplicated")
		}
		if tk2.Subject != "again" {
			t.Fatalf("subject from description: %q", tk2.Subject)
		}
	})
}

func TestCreateValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		body := &ticket.CommentInput{Body: "x"}
		tests := []struct {
			name  string
			p     *desk.Principal
			in    ticket.Input
			code  string
			field string
		}{
			{"no comment", f.agent, ticket.Input{Subject: str("s")}, desk.EINVALID, "description"},
			{"bad priority", f.agent, ticket.Input{Comment: body, Priority: desk.NullString{Set: true, Value: "extreme"}}, desk.EINVALID, "priority"},
			{"bad type", f.agent, ticket.Input{Comment: body, Type: desk.NullString{Set: true, Value: "bug"}}, desk.EINVALID, "type"},
			{"bad status", f.agent, ticket.Input{Comment: body, Status: str("archived")}, desk.EINVALID, "status"},
			{"closed at birth", f.agent, ticket.Input{Comment: body, Status: str("closed")}, desk.EINVALID, "status"},
			{"end-user as assignee", f.agent, ticket.Input{Comment: body, AssigneeID: desk.SetID(f.alice.UserID)}, desk.EINVALID, "assignee_id"},
			{"assignee outside group", f.agent, ticket.Input{Comment: body, GroupID: desk.SetID(f.support), AssigneeID: desk.SetID(f.outsider.UserID)}, desk.EINVALID, "assignee_id"},
			{"unknown group", f.agent, ticket.Input{Comment: body, GroupID: desk.SetID(999999)}, desk.EINVALID, "group_id"},
			{"requester email invalid", f.agent, ticket.Input{Comment: body, Requester: &ticket.RequesterInput{Email: "not an email"}}, desk.EINVALID, "requester"},
			{"problem link to non-problem", f.agent, ticket.Input{Comment: body, Type: desk.NullString{Set: true, Value: "incident"}, ProblemID: desk.SetID(999999)}, desk.EINVALID, "problem_id"},
			{"due date on question", f.agent, ticket.Input{Comment: body, Type: desk.NullString{Set: true, Value: "question"}, DueAt: &desk.Time{}}, "", ""},
			{"subject too long", f.agent, ticket.Input{Comment: body, Subject: str(strings.Repeat("x", 256))}, desk.EINVALID, "subject"},
			{"end-user for someone else", f.alice, ticket.Input{Comment: body, RequesterID: desk.SetID(f.bob.UserID)}, desk.EFORBIDDEN, ""},
			{"anonymous", nil, ticket.Input{Comment: body}, desk.EUNAUTHORIZED, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				if tt.p != nil {
					ctx = as(tt.p)
				}
				var before int
				db.QueryRow(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&before)
				_, _, err := f.svc.Create(ctx, tt.in)
				if code(err) != tt.code && !(tt.code == "" && err == nil) {
					t.Fatalf("err = %v, want code %q", err, tt.code)
				}
				if tt.field != "" {
					de := err.(*desk.Error)
					if _, ok := de.Details[tt.field]; !ok {
						t.Fatalf("details %v lack %q", de.Details, tt.field)
					}
				}
				if tt.code != "" {
					var after int
					db.QueryRow(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&after)
					if after != before {
						t.Fatal("a rejected create changed the store")
					}
				}
			})
		}
	})
}

func TestStatusRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := mustCreate(t, f, f.alice, ticket.Input{Subject: str("Help"), Comment: &ticket.CommentInput{Body: "I need help"}})
		if tk.RequesterID != f.alice.UserID || tk.Status != "new" {
			t.Fatalf("%+v", tk)
		}
		// An agent's reply opens a new ticket.
		tk, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "On it"}})
		if err != nil || tk.Status != "open" {
			t.Fatalf("after reply: %v %v", tk.Status, err)
		}
		// Pending, then the requester writes back: open again.
		tk, _, _ = f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("pending")})
		tk, _, err = f.svc.Update(as(f.alice), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "Still broken"}})
		if err != nil || tk.Status != "open" {
			t.Fatalf("after requester reply: %v %v", tk.Status, err)
		}
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("new")}); code(err) != desk.EINVALID {
			t.Fatalf("back to new: %v", err)
		}
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("closed")}); code(err) != desk.EINVALID {
			t.Fatalf("open→closed: %v", err)
		}
		// With assign-on-solve off, solving needs an assignee.
		db.Exec(context.Background(), `INSERT INTO settings (key, value) VALUES (?, 'false')`, ticket.SettingAssignOnSolve)
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("solved")}); code(err) != desk.EINVALID {
			t.Fatalf("solve unassigned: %v", err)
		}
		tk, _, err = f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("solved"), AssigneeID: desk.SetID(f.agent.UserID)})
		if err != nil || tk.Status != "solved" || *tk.GroupID != f.support {
			t.Fatalf("solve: %+v %v", tk, err)
		}
		tk, _, err = f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("closed")})
		if err != nil || tk.Status != "closed" {
			t.Fatalf("close: %v", err)
		}
		// Closed is final.
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "late"}}); code(err) != desk.EINVALID {
			t.Fatalf("update closed: %v", err)
		}
		// Every change is in the audit trail.
		audits, _, err := f.svc.Audits(as(f.agent), tk.ID, 0, 100)
		if err != nil || len(audits) != 6 {
			t.Fatalf("audits: %d %v", len(audits), err)
		}
		var statusChanges []string
		for _, a := range audits {
			for _, e := range a.Events {
				if e.Type == "Change" && e.FieldName == "status" {
					statusChanges = append(statusChanges, e.PreviousValue.(string)+"→"+e.Value.(string))
				}
			}
		}
		want := []string{"new→open", "open→pending", "pending→open", "open→solved", "solved→closed"}
		if !slices.Equal(statusChanges, want) {
			t.Fatalf("status changes %v", statusChanges)
		}
		if _, _, err := f.svc.Audits(as(f.alice), tk.ID, 0, 100); code(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user audits: %v", err)
		}
	})
}

func TestEndUserVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		mine := mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "alice's"}})
		theirs := mustCreate(t, f, f.bob, ticket.Input{Comment: &ticket.CommentInput{Body: "bob's"}})
		f.svc.Update(as(f.agent), mine.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "internal: customer is grumpy", Public: new(bool)}})

		if _, err := f.svc.Get(as(f.alice), theirs.ID); code(err) != desk.ENOTFOUND {
			t.Fatalf("alice reads bob's ticket: %v", err)
		}
		if _, _, err := f.svc.Update(as(f.alice), theirs.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "hi"}}); code(err) != desk.ENOTFOUND {
			t.Fatalf("alice comments on bob's ticket: %v", err)
		}
		if _, _, err := f.svc.Comments(as(f.alice), theirs.ID, 0, 10, false); code(err) != desk.ENOTFOUND {
			t.Fatalf("alice lists bob's comments: %v", err)
		}
		list, _, err := f.svc.List(as(f.alice), ticket.ListFilter{})
		if err != nil || len(list) != 1 || list[0].ID != mine.ID {
			t.Fatalf("alice's list: %v %v", list, err)
		}
		if n, _ := f.svc.Count(as(f.alice), ticket.ListFilter{}); n != 1 {
			t.Fatalf("alice's count %d", n)
		}
		cs, _, err := f.svc.Comments(as(f.alice), mine.ID, 0, 10, false)
		if err != nil || len(cs) != 1 {
			t.Fatalf("alice sees %d comments (internal note leaked?) %v", len(cs), err)
		}
		cs, _, _ = f.svc.Comments(as(f.agent), mine.ID, 0, 10, false)
		if len(cs) != 2 || cs[1].Public {
			t.Fatalf("agent comments %+v", cs)
		}
		// End-users cannot change properties or add internal notes.
		if _, _, err := f.svc.Update(as(f.alice), mine.ID, ticket.Input{Priority: desk.NullString{Set: true, Value: "urgent"}}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("alice sets priority: %v", err)
		}
		if _, _, err := f.svc.Update(as(f.alice), mine.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "x", Public: new(bool)}}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("alice adds note: %v", err)
		}
		if err := f.svc.Delete(as(f.alice), mine.ID); code(err) != desk.EFORBIDDEN {
			t.Fatalf("alice deletes: %v", err)
		}
		if err := f.svc.Delete(as(f.alice), theirs.ID); code(err) != desk.ENOTFOUND {
			t.Fatalf("alice deletes bob's: %v", err)
		}
		// A follower (CC) may see the ticket.
		if _, _, err := f.svc.Update(as(f.agent), theirs.ID, ticket.Input{EmailCCIDs: &[]int64{f.alice.UserID}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(as(f.alice), theirs.ID); err != nil {
			t.Fatalf("CC'd alice cannot see: %v", err)
		}
	})
}

func TestOrganizationSharing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sys := desk.SystemContext(context.Background())
		shared := true
		name := "Acme"
		org, err := f.ppl.CreateOrganization(sys, people.OrganizationInput{Name: &name, DomainNames: &[]string{"acme.test"}, SharedTickets: &shared})
		if err != nil {
			t.Fatal(err)
		}
		t1 := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "from carol"}, Requester: &ticket.RequesterInput{Name: "Carol", Email: "carol@acme.test"}})
		if t1.OrganizationID == nil || *t1.OrganizationID != org.ID {
			t.Fatalf("org not auto-assigned: %+v", t1.OrganizationID)
		}
		dave := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "from dave"}, Requester: &ticket.RequesterInput{Name: "Dave", Email: "dave@acme.test"}})
		daveP := &desk.Principal{UserID: dave.RequesterID, Role: desk.RoleEndUser, OrgID: org.ID}
		if _, err := f.svc.Get(as(daveP), t1.ID); err != nil {
			t.Fatalf("shared org ticket hidden: %v", err)
		}
		notShared := false
		f.ppl.UpdateOrganization(sys, org.ID, people.OrganizationInput{SharedTickets: &notShared})
		if _, err := f.svc.Get(as(daveP), t1.ID); code(err) != desk.ENOTFOUND {
			t.Fatalf("unshared org ticket visible: %v", err)
		}
	})
}

func TestSafeUpdateAndConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "x"}, Requester: &ticket.RequesterInput{Email: "c@c.test"}})
		stale := desk.Time{Time: tk.UpdatedAt.Add(-3600e9)}
		_, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{SafeUpdate: true, UpdatedStamp: &stale, Priority: desk.NullString{Set: true, Value: "low"}})
		if code(err) != desk.ECONFLICT {
			t.Fatalf("stale safe_update: %v", err)
		}
		fresh := tk.UpdatedAt
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{SafeUpdate: true, UpdatedStamp: &fresh, Priority: desk.NullString{Set: true, Value: "low"}}); err != nil {
			t.Fatalf("fresh safe_update: %v", err)
		}
		// Concurrent comments are all kept.
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "c" + string(rune('a'+i))}}); err != nil && code(err) != desk.ECONFLICT {
					t.Errorf("concurrent: %v", err)
				}
			})
		}
		wg.Wait()
		cs, _, _ := f.svc.Comments(as(f.agent), tk.ID, 0, 100, false)
		var n int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM ticket_audits WHERE ticket_id = ?`, tk.ID).Scan(&n)
		if len(cs) < 2 || n != len(cs)+1 {
			t.Fatalf("comments %d audits %d", len(cs), n)
		}
	})
}

func TestProblemIncidentAndCustomFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		req := &ticket.RequesterInput{Email: "c@c.test"}
		problem := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "outage"}, Requester: req, Type: desk.NullString{Set: true, Value: "problem"}})
		inc := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "me too"}, Requester: req, Type: desk.NullString{Set: true, Value: "incident"}, ProblemID: desk.SetID(problem.ID)})
		if *inc.ProblemID != problem.ID {
			t.Fatal("not linked")
		}
		p2, _ := f.svc.Get(as(f.agent), problem.ID)
		if !p2.HasIncidents {
			t.Fatal("has_incidents false")
		}
		incs, err := f.svc.Incidents(as(f.agent), problem.ID)
		if err != nil || len(incs) != 1 {
			t.Fatalf("incidents %v %v", incs, err)
		}

		fld := func(typ, title string, opts ...desk.FieldOption) *desk.TicketField {
			in := ticket.FieldInput{Type: &typ, Title: &title}
			if opts != nil {
				in.CustomFieldOptions = &opts
			}
			fl, err := f.svc.SaveField(as(f.admin), 0, in)
			if err != nil {
				t.Fatalf("field %s: %v", typ, err)
			}
			return fl
		}
		if _, err := f.svc.SaveField(as(f.agent), 0, ticket.FieldInput{Type: str("text"), Title: str("x")}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("agent made a field: %v", err)
		}
		num := fld("integer", "Order number")
		drop := fld("tagger", "Plan", desk.FieldOption{Name: "Gold", Value: "plan_gold"}, desk.FieldOption{Name: "Free", Value: "plan_free"})
		box := fld("checkbox", "Urgent?")
		date := fld("date", "Renewal")
		tests := []struct {
			name string
			cf   []desk.CustomFieldValue
			ok   bool
		}{
			{"good values", []desk.CustomFieldValue{{ID: num.ID, Value: float64(42)}, {ID: drop.ID, Value: "plan_gold"}, {ID: box.ID, Value: true}, {ID: date.ID, Value: "2026-01-31"}}, true},
			{"fraction in integer", []desk.CustomFieldValue{{ID: num.ID, Value: 4.5}}, false},
			{"unknown option", []desk.CustomFieldValue{{ID: drop.ID, Value: "plan_platinum"}}, false},
			{"bad date", []desk.CustomFieldValue{{ID: date.ID, Value: "31/01/2026"}}, false},
			{"unknown field", []desk.CustomFieldValue{{ID: 987654, Value: "x"}}, false},
			{"checkbox not bool", []desk.CustomFieldValue{{ID: box.ID, Value: []any{1}}}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tk, _, err := f.svc.Create(as(f.agent), ticket.Input{Comment: &ticket.CommentInput{Body: "cf"}, Requester: req, CustomFields: tt.cf})
				if (err == nil) != tt.ok {
					t.Fatalf("err = %v", err)
				}
				if tt.ok && !slices.Contains(tk.Tags, "plan_gold") {
					t.Fatalf("dropdown value not tagged: %v", tk.Tags)
				}
			})
		}
	})
}

func TestMergeDeleteRestoreDestroy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		target := mustCreate(t, f, f.alice, ticket.Input{Subject: str("Login broken"), Comment: &ticket.CommentInput{Body: "cannot log in"}})
		src := mustCreate(t, f, f.bob, ticket.Input{Subject: str("Login"), Comment: &ticket.CommentInput{Body: "same problem here"}})
		if err := f.svc.Merge(as(f.alice), target.ID, ticket.MergeInput{IDs: []int64{src.ID}}); code(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user merge: %v", err)
		}
		if err := f.svc.Merge(as(f.agent), target.ID, ticket.MergeInput{IDs: []int64{target.ID}}); code(err) != desk.EINVALID {
			t.Fatalf("self merge: %v", err)
		}
		if err := f.svc.Merge(as(f.agent), target.ID, ticket.MergeInput{IDs: []int64{src.ID}}); err != nil {
			t.Fatal(err)
		}
		s2, _ := f.svc.Get(as(f.agent), src.ID)
		if s2.Status != "closed" {
			t.Fatalf("source status %s", s2.Status)
		}
		cs, _, _ := f.svc.Comments(as(f.agent), target.ID, 0, 100, false)
		var bodies []string
		for _, c := range cs {
			bodies = append(bodies, c.Body)
		}
		joined := strings.Join(bodies, "|")
		if !strings.Contains(joined, "same problem here") || !strings.Contains(joined, "merged into this request") {
			t.Fatalf("target comments %q", joined)
		}
		// The merged-in conversation is searchable on the target.
		var doc string
		col := "rowid"
		if db.Dialect == store.Postgres {
			col = "id"
		}
		db.QueryRow(context.Background(), `SELECT doc FROM ticket_search WHERE `+col+` = ?`, target.ID).Scan(&doc)
		if !strings.Contains(doc, "same problem here") {
			t.Fatalf("target's search document lacks the merged comment: %q", doc)
		}
		// Bob (source requester) now follows the target as a CC.
		if _, err := f.svc.Get(as(f.bob), target.ID); err != nil {
			t.Fatalf("source requester lost access: %v", err)
		}

		// Soft delete, restore, delete, destroy.
		if err := f.svc.Delete(as(f.agent), target.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(as(f.agent), target.ID); code(err) != desk.ENOTFOUND {
			t.Fatal("deleted ticket still readable")
		}
		del, _, err := f.svc.List(as(f.agent), ticket.ListFilter{Deleted: true})
		if err != nil || len(del) != 1 {
			t.Fatalf("deleted list %v %v", del, err)
		}
		if err := f.svc.Restore(as(f.agent), target.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(as(f.agent), target.ID); err != nil {
			t.Fatal("restored ticket unreadable")
		}
		if err := f.svc.Destroy(as(f.admin), target.ID); code(err) != desk.ENOTFOUND {
			t.Fatalf("destroy of a live ticket: %v", err)
		}
		f.svc.Delete(as(f.agent), target.ID)
		if err := f.svc.Destroy(as(f.agent), target.ID); code(err) != desk.EFORBIDDEN {
			t.Fatalf("agent destroy: %v", err)
		}
		if err := f.svc.Destroy(as(f.admin), target.ID); err != nil {
			t.Fatal(err)
		}
		var n int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM ticket_comments WHERE ticket_id = ?`, target.ID).Scan(&n)
		if n != 0 {
			t.Fatal("comments survived destroy")
		}
	})
}

func TestHostileHTMLAndAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := mustCreate(t, f, f.alice, ticket.Input{Subject: str(`<script>alert(1)</script>`), Comment: &ticket.CommentInput{
			HTMLBody: `<p>Hello <img src=x onerror=alert(1)><a href="javascript:alert(2)">link</a></p><script>steal()</script>`}})
		cs, _, _ := f.svc.Comments(as(f.agent), tk.ID, 0, 10, false)
		h := strings.ToLower(cs[0].HTMLBody)
		if strings.Contains(h, "onerror") || strings.Contains(h, "javascript:") || strings.Contains(h, "<script") {
			t.Fatalf("unsafe html kept: %s", h)
		}
		if cs[0].Body != "Hello link" {
			t.Fatalf("plain body %q", cs[0].Body)
		}
		// The subject is stored as text; escaping is the renderer's job.
		if tk.Subject != `<script>alert(1)</script>` {
			t.Fatalf("subject changed: %q", tk.Subject)
		}

		// An attachment on an internal note stays with staff.
		up, err := f.svc.CreateUpload(as(f.agent), "../../secret notes.txt", strings.NewReader("agent eyes only"))
		if err != nil {
			t.Fatal(err)
		}
		if up.Attachment.FileName != "secret notes.txt" {
			t.Fatalf("file name %q", up.Attachment.FileName)
		}
		// Someone else's upload token cannot be used.
		if _, _, err := f.svc.Update(as(f.alice), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "steal", Uploads: []string{up.Token}}}); code(err) != desk.EINVALID {
			t.Fatalf("foreign upload token: %v", err)
		}
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "see file", Public: new(bool), Uploads: []string{up.Token}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Attachment(as(f.alice), up.Attachment.ID); code(err) != desk.ENOTFOUND {
			t.Fatalf("end-user reads note attachment: %v", err)
		}
		if _, err := f.svc.Attachment(as(f.bob), up.Attachment.ID); code(err) != desk.ENOTFOUND {
			t.Fatalf("other customer reads attachment: %v", err)
		}
		a, file, err := f.svc.OpenAttachment(as(f.agent), up.Attachment.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(file)
		file.Close()
		if string(b) != "agent eyes only" || a.ContentType != "text/plain; charset=utf-8" {
			t.Fatalf("content %q type %q", b, a.ContentType)
		}
		// A token works once.
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "again", Uploads: []string{up.Token}}}); code(err) != desk.EINVALID {
			t.Fatalf("reused upload token: %v", err)
		}
	})
}

func TestEventsPublishedAfterCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.mu.Lock()
		f.published = nil
		f.mu.Unlock()
		tk := mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "hello"}})
		f.svc.Update(as(f.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "reply"}})
		f.svc.Update(as(f.agent), tk.ID, ticket.Input{Status: str("bogus")}) // rejected: no event
		f.mu.Lock()
		defer f.mu.Unlock()
		var types []string
		var last events.Event
		for _, e := range f.published {
			if e.TicketID == tk.ID {
				types = append(types, e.Type)
				last = e
			}
		}
		// One event per change: a reply is an update whose change carries
		// the comment.
		want := []string{events.TicketCreated, events.TicketUpdated}
		if !slices.Equal(types, want) {
			t.Fatalf("events %v, want %v", types, want)
		}
		if last.Change == nil || last.Change.Comment == nil || last.Change.Comment.Body != "reply" {
			t.Fatalf("update event's change lacks the reply: %+v", last.Change)
		}
	})
}

func TestListPagingAndSorting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var ids []int64
		for i := range 7 {
			prio := []string{"low", "normal", "high", "urgent"}[i%4]
			tk := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "t"}, Requester: &ticket.RequesterInput{Email: "p@p.test"}, Priority: desk.NullString{Set: true, Value: prio}})
			ids = append(ids, tk.ID)
		}
		var got []int64
		var after int64
		for {
			page, more, err := f.svc.List(as(f.agent), ticket.ListFilter{Limit: 3, AfterID: after})
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range page {
				got = append(got, tk.ID)
			}
			if !more {
				break
			}
			after = page[len(page)-1].ID
		}
		if !slices.Equal(got, ids) {
			t.Fatalf("cursor walk %v, want %v", got, ids)
		}
		byPrio, _, _ := f.svc.List(as(f.agent), ticket.ListFilter{SortBy: "priority", Desc: true, Limit: 2})
		if *byPrio[0].Priority != "urgent" {
			t.Fatalf("sort by priority: %v", *byPrio[0].Priority)
		}
		if _, _, err := f.svc.List(as(f.agent), ticket.ListFilter{SortBy: "subject; DROP TABLE tickets"}); code(err) != desk.EINVALID {
			t.Fatalf("bad sort: %v", err)
		}
	})
}

// TestRegressions pins bugs found by the API tests.
func TestRegressions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		req := &ticket.RequesterInput{Email: "r@reg.test"}
		tk := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "first"}, Requester: req})

		// safe_update with the stamp as clients see it (whole seconds).
		seen := desk.Time{Time: tk.UpdatedAt.Truncate(1e9)}
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{SafeUpdate: true, UpdatedStamp: &seen, Priority: desk.NullString{Set: true, Value: "low"}}); err != nil {
			t.Fatalf("safe_update with the visible stamp: %v", err)
		}
		// A recipient-only change is saved and audited.
		got, audit, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Recipient: desk.NullString{Set: true, Value: "support@desk.test"}})
		if err != nil || audit == nil || got.Recipient == nil || *got.Recipient != "support@desk.test" {
			t.Fatalf("recipient update: %+v %v", got.Recipient, err)
		}
		// NUL bytes are refused, not passed to the store.
		for _, in := range []ticket.Input{
			{ExternalID: desk.NullString{Set: true, Value: "a\x00b"}},
			{Recipient: desk.NullString{Set: true, Value: "a\x00b"}},
			{Comment: &ticket.CommentInput{Body: "x", Uploads: []string{"a\x00b"}}},
		} {
			if _, _, err := f.svc.Update(as(f.agent), tk.ID, in); code(err) != desk.EINVALID {
				t.Fatalf("NUL accepted: %v", err)
			}
		}
		// After a merge, walking comments by cursor sees every comment once.
		src := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "source"}, Requester: req})
		if err := f.svc.Merge(as(f.agent), tk.ID, ticket.MergeInput{IDs: []int64{src.ID}}); err != nil {
			t.Fatal(err)
		}
		all, _, _ := f.svc.Comments(as(f.agent), tk.ID, 0, 100, false)
		var walked []int64
		var after int64
		for {
			page, more, err := f.svc.Comments(as(f.agent), tk.ID, after, 1, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				walked = append(walked, c.ID)
			}
			if !more {
				break
			}
			after = page[len(page)-1].ID
		}
		if len(walked) != len(all) {
			t.Fatalf("cursor walk saw %d of %d comments", len(walked), len(all))
		}
		if _, err := f.svc.SaveField(as(f.admin), 0, ticket.FieldInput{Type: str("text"), Title: str("x"), Position: new(int(99999999999))}); code(err) != desk.EINVALID {
			t.Fatalf("huge position: %v", err)
		}
	})
}

func TestAuditEventIDsMatchOnReadBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk, created, err := f.svc.Create(as(f.agent), ticket.Input{Comment: &ticket.CommentInput{Body: "hello"}, Requester: &ticket.RequesterInput{Email: "ids@x.test"}})
		if err != nil {
			t.Fatal(err)
		}
		audits, _, err := f.svc.Audits(as(f.agent), tk.ID, 0, 10)
		if err != nil || len(audits) != 1 {
			t.Fatalf("%v %v", audits, err)
		}
		cs, _, _ := f.svc.Comments(as(f.agent), tk.ID, 0, 10, false)
		got, want := audits[0].Events, created.Events
		if len(got) != len(want) {
			t.Fatalf("events %d vs %d", len(got), len(want))
		}
		seen := map[int64]bool{}
		for i := range got {
			if got[i].ID != want[i].ID || got[i].Type != want[i].Type || seen[got[i].ID] {
				t.Fatalf("event %d: read %+v, created %+v", i, got[i], want[i])
			}
			seen[got[i].ID] = true
			if got[i].Type == "Comment" && got[i].ID != cs[0].ID {
				t.Fatalf("comment event id %d, comment id %d", got[i].ID, cs[0].ID)
			}
		}
	})
}

// TestPrivateGroups: tickets of a private group are visible to its members
// and the account owner only; everyone else gets "not found" everywhere.
func TestPrivateGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sys := desk.SystemContext(context.Background())
		name, private := "VIP desk", false
		g, err := f.ppl.CreateGroup(sys, people.GroupInput{Name: &name, IsPublic: &private})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.ppl.AddMembership(sys, f.agent.UserID, g.ID, false); err != nil {
			t.Fatal(err)
		}
		// The first admin (f.admin) became the account owner; a second
		// admin is not.
		role := desk.RoleAdmin
		u2, err := f.ppl.CreateUser(sys, people.UserInput{Name: str("Second Admin"), Email: str("admin2@desk.test"), Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		admin2 := &desk.Principal{UserID: u2.ID, Role: desk.RoleAdmin, Email: u2.Email, Via: "api"}
		tk := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "secret"}, Requester: &ticket.RequesterInput{Email: "vip@x.test"}})
		other := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "other"}, Requester: &ticket.RequesterInput{Email: "vip@x.test"}})
		// Visible to the outsider until it moves into the private group.
		if _, err := f.svc.Get(as(f.outsider), tk.ID); err != nil {
			t.Fatalf("public ticket hidden: %v", err)
		}
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{GroupID: desk.SetID(g.ID)}); err != nil {
			t.Fatal(err)
		}
		checks := map[string]func(p *desk.Principal) error{
			"get": func(p *desk.Principal) error { _, err := f.svc.Get(as(p), tk.ID); return err },
			"update": func(p *desk.Principal) error {
				_, _, err := f.svc.Update(as(p), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "x"}})
				return err
			},
			"comments": func(p *desk.Principal) error { _, _, err := f.svc.Comments(as(p), tk.ID, 0, 10, false); return err },
			"audits":   func(p *desk.Principal) error { _, _, err := f.svc.Audits(as(p), tk.ID, 0, 10); return err },
			"delete":   func(p *desk.Principal) error { return f.svc.Delete(as(p), tk.ID) },
			"merge into": func(p *desk.Principal) error {
				return f.svc.Merge(as(p), tk.ID, ticket.MergeInput{IDs: []int64{other.ID}})
			},
		}
		for name, check := range checks {
			if err := check(f.outsider); code(err) != desk.ENOTFOUND {
				t.Errorf("outsider %s: %v", name, err)
			}
			if err := check(admin2); code(err) != desk.ENOTFOUND {
				t.Errorf("non-owner admin %s: %v", name, err)
			}
		}
		list, _, _ := f.svc.List(as(f.outsider), ticket.ListFilter{})
		for _, x := range list {
			if x.ID == tk.ID {
				t.Fatal("private ticket listed to an outsider")
			}
		}
		if n, _ := f.svc.Count(as(f.outsider), ticket.ListFilter{}); n != len(list) {
			t.Fatalf("count %d vs list %d", n, len(list))
		}
		if _, err := f.svc.Get(as(f.agent), tk.ID); err != nil {
			t.Fatalf("member cannot see: %v", err)
		}
		// The account owner sees everything.
		var owner string
		if err := db.QueryRow(context.Background(), `SELECT value FROM settings WHERE key = ?`, ticket.SettingOwner).Scan(&owner); err != nil || owner != strconv.FormatInt(f.admin.UserID, 10) {
			t.Fatalf("owner = %q, %v; want the first admin %d", owner, err, f.admin.UserID)
		}
		if _, err := f.svc.Get(as(f.admin), tk.ID); err != nil {
			t.Fatalf("owner cannot see: %v", err)
		}
	})
}
