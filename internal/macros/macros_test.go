package macros_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

type fixture struct {
	tickets               *ticket.Service
	svc                   *macros.Service
	admin, agent, other   *desk.Principal
	light                 *desk.Principal
	customer              *desk.Principal
	support, billing      int64
	sys                   context.Context
	customerName, subject string
}

// The customer's name carries markup, to show placeholders are escaped.
const hostileName = `Eve <img src=x onerror=alert(1)>`

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	bus := events.New()
	f := &fixture{tickets: ticket.New(db, bus, blobs), sys: desk.SystemContext(context.Background())}
	f.svc = &macros.Service{DB: db, Tickets: f.tickets, Rules: rules.NewRegistry(), BaseURL: "https://help.example"}
	ppl := people.New(db, bus)
	mk := func(name, email string, role desk.Role) *desk.Principal {
		u, err := ppl.CreateUser(f.sys, people.UserInput{Name: &name, Email: &email, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		return &desk.Principal{UserID: u.ID, Role: role, Email: email, Via: "web"}
	}
	f.admin = mk("Ada Admin", "ada@desk.test", desk.RoleAdmin)
	f.agent = mk("Andrzej Agent", "andrzej@desk.test", desk.RoleAgent)
	f.other = mk("Olga Other", "olga@desk.test", desk.RoleAgent)
	f.light = mk("Lena Light", "lena@desk.test", desk.RoleAgent)
	l := desk.LightAgentPermissions()
	f.light.Perms = &l
	f.customer = mk(hostileName, "eve@example.com", desk.RoleEndUser)
	group := func(name string, members ...*desk.Principal) int64 {
		g, err := ppl.CreateGroup(f.sys, people.GroupInput{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if _, err := ppl.AddMembership(f.sys, m.UserID, g.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		return g.ID
	}
	f.support = group("Support", f.agent, f.light)
	f.billing = group("Billing", f.other)
	return f
}

func as(p *desk.Principal) context.Context { return desk.WithPrincipal(context.Background(), p) }

func ptr[T any](v T) *T { return &v }

func (f *fixture) ticket(t *testing.T) *desk.Ticket {
	t.Helper()
	tk, _, err := f.tickets.Create(f.sys, ticket.Input{Subject: ptr("Printer on fire"), Comment: &ticket.CommentInput{Body: "help"},
		RequesterID: desk.SetID(f.customer.UserID), GroupID: desk.SetID(f.support), Priority: desk.NullString{Set: true, Value: "low"}})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func (f *fixture) macro(t *testing.T, p *desk.Principal, title, actions string, restriction string) *macros.Macro {
	t.Helper()
	in := macros.Input{Title: &title, Actions: json.RawMessage(actions)}
	if restriction != "" {
		in.Restriction = json.RawMessage(restriction)
	}
	m, err := f.svc.Create(as(p), in)
	if err != nil {
		t.Fatalf("create macro %q: %v", title, err)
	}
	return m
}

func TestApplyChangesExactlyWhatTheMacroSays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := f.ticket(t)
		m := f.macro(t, f.admin, "Support::Escalate", `[
			{"field":"status","value":"pending"},
			{"field":"priority","value":"high"},
			{"field":"assignee_id","value":"current_user"},
			{"field":"current_tags","value":"escalated vip"},
			{"field":"comment_value","value":"Hi {{ticket.requester.first_name}}, ticket {{ticket.id}} by {{current_user.name}}"},
			{"field":"comment_mode_is_public","value":"true"}]`, "")
		if m.Category() != "Support" {
			t.Errorf("category %q", m.Category())
		}
		before, _, _ := f.tickets.Audits(as(f.admin), tk.ID, 0, 100)
		got, audit, err := f.svc.Apply(as(f.agent), m.ID, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != desk.StatusPending || got.Priority == nil || *got.Priority != "high" || got.AssigneeID == nil || *got.AssigneeID != f.agent.UserID {
			t.Fatalf("ticket after macro: status %s priority %v assignee %v", got.Status, got.Priority, got.AssigneeID)
		}
		if !slices.Contains(got.Tags, "escalated") || !slices.Contains(got.Tags, "vip") {
			t.Fatalf("tags %v", got.Tags)
		}
		if got.Subject != tk.Subject || got.GroupID == nil || *got.GroupID != f.support || got.RequesterID != tk.RequesterID || got.Type != nil {
			t.Fatalf("the macro changed something it does not name: %+v", got)
		}
		after, _, _ := f.tickets.Audits(as(f.admin), tk.ID, 0, 100)
		if len(after) != len(before)+1 || audit == nil || after[len(after)-1].ID != audit.ID {
			t.Fatalf("want exactly one new audit: %d → %d", len(before), len(after))
		}
		var fields []string
		var macroRef, comment *desk.AuditEvent
		for i, e := range audit.Events {
			switch e.Type {
			case "Change":
				fields = append(fields, e.FieldName)
			case "AgentMacroReference":
				macroRef = &audit.Events[i]
			case "Comment":
				comment = &audit.Events[i]
			default:
				t.Errorf("unexpected event %+v", e)
			}
		}
		slices.Sort(fields)
		if want := []string{"assignee_id", "priority", "status", "tags"}; !slices.Equal(fields, want) {
			t.Fatalf("changed fields %v, want %v", fields, want)
		}
		if macroRef == nil || macroRef.MacroID != m.ID || macroRef.MacroTitle != m.Title {
			t.Fatalf("audit does not name the macro: %+v", audit.Events)
		}
		if comment == nil || comment.Public == nil || !*comment.Public || comment.AuthorID != f.agent.UserID {
			t.Fatalf("comment event %+v", comment)
		}
		want := "Hi Eve, ticket " + strconv.FormatInt(tk.ID, 10) + " by Andrzej Agent"
		if comment.Body != want {
			t.Fatalf("comment body %q, want %q", comment.Body, want)
		}
		// The usage counts.
		if _, _, err := f.svc.Apply(as(f.agent), m.ID, f.ticket(t).ID); err != nil {
			t.Fatal(err)
		}
		ms, err := f.svc.List(as(f.admin), macros.Filter{IDs: []int64{m.ID}})
		if err != nil || len(ms) != 1 {
			t.Fatal(ms, err)
		}
		if err := f.svc.Usage(as(f.admin), ms); err != nil {
			t.Fatal(err)
		}
		if ms[0].UsageTotal != 2 || *ms[0].Usage1h != 2 || *ms[0].Usage24h != 2 || *ms[0].Usage7d != 2 || *ms[0].Usage30d != 2 {
			t.Fatalf("usage %d %d %d %d %d", ms[0].UsageTotal, *ms[0].Usage1h, *ms[0].Usage24h, *ms[0].Usage7d, *ms[0].Usage30d)
		}
	})
}

func TestPlaceholdersAreEscapedInHTML(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := f.ticket(t)
		m := f.macro(t, f.admin, "Greet", `[{"field":"comment_value_html","value":"<p>Dear <b>{{ticket.requester.name}}</b></p>"},
			{"field":"comment_mode_is_public","value":false}]`, "")
		res, err := f.svc.Preview(as(f.agent), m.ID, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := res.Comment
		if c == nil || c.Public {
			t.Fatalf("comment %+v, want an internal note", c)
		}
		if strings.Contains(c.HTMLBody, "<img") || !strings.Contains(c.HTMLBody, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Fatalf("placeholder value not escaped: %q", c.HTMLBody)
		}
		if !strings.Contains(c.HTMLBody, "<b>Eve") {
			t.Fatalf("the macro's own markup was lost: %q", c.HTMLBody)
		}
		// A plain-text comment keeps the name as text; the ticket service
		// escapes it in the HTML body.
		m2 := f.macro(t, f.admin, "Plain", `[{"field":"comment_value","value":"Dear {{ticket.requester.name}}"}]`, "")
		res, err = f.svc.Preview(as(f.agent), m2.ID, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Comment.Body != "Dear "+hostileName || strings.Contains(res.Comment.HTMLBody, "<img") {
			t.Fatalf("plain comment %+v", res.Comment)
		}
	})
}

func TestPreviewSavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := f.ticket(t)
		m := f.macro(t, f.admin, "Solve", `[{"field":"status","value":"solved"},{"field":"assignee_id","value":"current_user"},
			{"field":"comment_value","value":"Closing {{ticket.id}}"}]`, "")
		res, err := f.svc.Preview(as(f.agent), m.ID, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Ticket.Status != desk.StatusSolved || res.Comment == nil || res.Comment.Body != "Closing "+strconv.FormatInt(tk.ID, 10) {
			t.Fatalf("preview %+v %+v", res.Ticket.Status, res.Comment)
		}
		now, err := f.tickets.Get(as(f.admin), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		audits, _, _ := f.tickets.Audits(as(f.admin), tk.ID, 0, 100)
		if now.Status != tk.Status || now.AssigneeID != nil || !now.UpdatedAt.Equal(tk.UpdatedAt.Time) || len(audits) != 1 {
			t.Fatalf("preview saved something: status %s assignee %v audits %d", now.Status, now.AssigneeID, len(audits))
		}
		ms, _ := f.svc.List(as(f.admin), macros.Filter{IDs: []int64{m.ID}})
		if ms[0].UsageTotal != 0 {
			t.Fatalf("preview counted as a use")
		}
		// What the macro does without a ticket.
		ch, err := f.svc.Changes(as(f.agent), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ch["ticket"].(map[string]any)["status"] != "solved" || ch["comment"].(map[string]any)["body"] != "Closing {{ticket.id}}" {
			t.Fatalf("changes %v", ch)
		}
	})
}

func TestWhoSeesAndAppliesWhichMacro(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := f.ticket(t)
		act := `[{"field":"priority","value":"urgent"}]`
		personal := f.macro(t, f.agent, "Mine", act, "")
		if !personal.Personal() || personal.Restriction.ID != f.agent.UserID {
			t.Fatalf("an agent's macro is personal: %+v", personal.Restriction)
		}
		if _, err := f.svc.Get(as(f.other), personal.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("another agent sees a personal macro: %v", err)
		}
		if _, _, err := f.svc.Apply(as(f.other), personal.ID, tk.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("another agent applied a personal macro: %v", err)
		}
		billing := f.macro(t, f.admin, "Billing only", act, `{"type":"Group","id":`+strconv.FormatInt(f.billing, 10)+`}`)
		if _, _, err := f.svc.Apply(as(f.agent), billing.ID, tk.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("a Support agent applied a Billing macro: %v", err)
		}
		usable, err := f.svc.List(as(f.agent), macros.Filter{Usable: true})
		if err != nil || len(usable) != 1 || usable[0].ID != personal.ID {
			t.Fatalf("agent's usable macros %v %v", usable, err)
		}
		// Admins manage shared macros; they apply only those available to them.
		if _, _, err := f.svc.Apply(as(f.admin), billing.ID, tk.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("admin outside Billing applied the Billing macro: %v", err)
		}
		inactive := f.macro(t, f.admin, "Old", act, "")
		if _, err := f.svc.Update(as(f.admin), inactive.ID, macros.Input{Active: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Apply(as(f.agent), inactive.ID, tk.ID); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("an inactive macro applied: %v", err)
		}
		if _, err := f.svc.Update(as(f.agent), inactive.ID, macros.Input{Active: ptr(true)}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("an agent changed a shared macro: %v", err)
		}
		// A light agent's rights bound the macro: no property changes.
		shared := f.macro(t, f.admin, "Shared", act, "")
		if _, _, err := f.svc.Apply(as(f.light), shared.ID, tk.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("a light agent changed the priority through a macro: %v", err)
		}
		if _, err := f.svc.List(as(f.customer), macros.Filter{}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("an end-user listed macros: %v", err)
		}
		// Bad input.
		for name, acts := range map[string]string{
			"no actions":     `[]`,
			"unknown action": `[{"field":"explode","value":"1"}]`,
			"bad status":     `[{"field":"status","value":"nonsense"}]`,
			"notification":   `[{"field":"notification_user","value":["requester_id","s","b"]}]`,
			"bad comment":    `[{"field":"comment_value","value":{"x":1}}]`,
			"bad public":     `[{"field":"comment_mode_is_public","value":"maybe"}]`,
			"not a list":     `{"field":"status"}`,
		} {
			if _, err := f.svc.Create(as(f.admin), macros.Input{Title: ptr(name), Actions: json.RawMessage(acts)}); desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("%s: %v, want 422", name, err)
			}
		}
	})
}
