package ticket_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// lastComment returns a ticket's newest comment as staff see it.
func lastComment(t *testing.T, f *fixture, id int64) *desk.Comment {
	t.Helper()
	cs, _, err := f.svc.Comments(as(f.admin), id, 0, 100, false)
	if err != nil || len(cs) == 0 {
		t.Fatalf("comments of %d: %v %v", id, cs, err)
	}
	return cs[len(cs)-1]
}

// TestMergeCallerTextKeepsCallerRights: a merge raises rights only for its
// own fixed notes. Text the caller writes (target_comment, source_comment)
// is posted with the caller's rights, so a role without public_comments
// gets internal notes however public it asks them to be, while the system
// notes of the same role's merge stay public.
func TestMergeCallerTextKeepsCallerRights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		merger := roleAgent(t, f, "merger@desk.test", `{"ticket_access": "all", "merge_tickets": true}`)
		mk := func() int64 {
			return mustCreate(t, f, f.alice, ticket.Input{Comment: &ticket.CommentInput{Body: "x"}}).ID
		}
		yes := true

		target, source := mk(), mk()
		if err := f.svc.Merge(as(merger), target, ticket.MergeInput{IDs: []int64{source},
			TargetComment: "caller text on the target", SourceComment: "caller text on the source",
			TargetCommentIsPublic: &yes, SourceCommentIsPublic: &yes}); err != nil {
			t.Fatal(err)
		}
		for id, body := range map[int64]string{target: "caller text on the target", source: "caller text on the source"} {
			if c := lastComment(t, f, id); c.Body != body || c.Public || c.AuthorID != merger.UserID {
				t.Errorf("ticket %d: caller's merge text %+v, want an internal note by the caller", id, c)
			}
		}
		// The customer does not see the caller's text.
		cs, _, err := f.svc.Comments(as(f.alice), target, 0, 100, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Body == "caller text on the target" {
				t.Fatal("the requester sees a merge note its author may not make public")
			}
		}

		// Without caller text, the fixed system notes are public.
		target, source = mk(), mk()
		if err := f.svc.Merge(as(merger), target, ticket.MergeInput{IDs: []int64{source}}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{target, source} {
			if c := lastComment(t, f, id); !c.Public {
				t.Errorf("ticket %d: system merge note %+v is not public", id, c)
			}
		}

		// An agent with public_comments gets what it asks for.
		target, source = mk(), mk()
		if err := f.svc.Merge(as(f.agent), target, ticket.MergeInput{IDs: []int64{source}, TargetComment: "public note", TargetCommentIsPublic: &yes}); err != nil {
			t.Fatal(err)
		}
		if c := lastComment(t, f, target); c.Body != "public note" || !c.Public {
			t.Errorf("agent's merge text %+v, want public", c)
		}
	})
}

// TestTagsOnlyFromVisibleTickets: the tag list counts only tickets the
// caller may see — not a private group's (unless a member or the owner),
// not outside a groups-only role's groups, not beyond an assigned-only
// role's tickets.
func TestTagsOnlyFromVisibleTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sys := desk.SystemContext(context.Background())
		name, private := "VIP", false
		vip, err := f.ppl.CreateGroup(sys, people.GroupInput{Name: &name, IsPublic: &private})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.ppl.AddMembership(sys, f.agent.UserID, vip.ID, false); err != nil {
			t.Fatal(err)
		}
		groupsOnly := roleAgent(t, f, "groups@desk.test", `{"ticket_access": "groups", "edit_ticket_properties": true}`, f.support)
		assignedOnly := roleAgent(t, f, "assigned@desk.test", `{"ticket_access": "assigned", "edit_ticket_properties": true}`, f.support)
		light := roleAgent(t, f, "light@desk.test", "light", f.support)
		tag := func(group int64, tags ...string) {
			in := ticket.Input{Comment: &ticket.CommentInput{Body: "x"}, Requester: &ticket.RequesterInput{Email: "c@example.com"}, Tags: &tags}
			if group != 0 {
				in.GroupID = desk.SetID(group)
			}
			if _, _, err := f.svc.Create(sys, in); err != nil {
				t.Fatal(err)
			}
		}
		tag(vip.ID, "secretproject", "shared")
		tag(f.support, "supportonly", "shared")
		tag(0, "nogroup")
		mine := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "x"}, Requester: &ticket.RequesterInput{Email: "c@example.com"},
			AssigneeID: desk.SetID(assignedOnly.UserID), Tags: &[]string{"assignedtag"}})
		_ = mine

		tagsOf := func(p *desk.Principal) map[string]int {
			t.Helper()
			list, err := f.svc.Tags(as(p), 100)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]int{}
			for _, tc := range list {
				out[tc.Name] = tc.Count
			}
			return out
		}
		for _, tc := range []struct {
			who  string
			p    *desk.Principal
			want []string // tags seen, with "shared" counted once per visible ticket
		}{
			{"owner", f.admin, []string{"assignedtag", "nogroup", "secretproject", "shared", "supportonly"}},
			{"member of the private group", f.agent, []string{"assignedtag", "nogroup", "secretproject", "shared", "supportonly"}},
			{"agent outside the private group", f.outsider, []string{"assignedtag", "nogroup", "shared", "supportonly"}},
			{"light agent", light, []string{"assignedtag", "nogroup", "shared", "supportonly"}},
			{"groups-only role", groupsOnly, []string{"assignedtag", "shared", "supportonly"}},
			{"assigned-only role", assignedOnly, []string{"assignedtag"}},
		} {
			got := tagsOf(tc.p)
			var names []string
			for n := range got {
				names = append(names, n)
			}
			slices.Sort(names)
			if !slices.Equal(names, tc.want) {
				t.Errorf("%s sees tags %v, want %v", tc.who, names, tc.want)
			}
			wantShared := 1
			if slices.Contains(tc.want, "secretproject") {
				wantShared = 2
			}
			if slices.Contains(tc.want, "shared") && got["shared"] != wantShared {
				t.Errorf("%s: shared counted %d, want %d", tc.who, got["shared"], wantShared)
			}
		}
	})
}

// TestVisibilityErrorIsNotNotFound: when the visibility check itself fails
// (here: a table it reads is gone), the caller gets an error, not a
// "not found" that would hide the failure.
func TestVisibilityErrorIsNotNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tk := mustCreate(t, f, f.agent, ticket.Input{Comment: &ticket.CommentInput{Body: "x"}, Requester: &ticket.RequesterInput{Email: "c@example.com"},
			GroupID: desk.SetID(f.support)})
		if _, err := db.Exec(context.Background(), `ALTER TABLE agent_groups RENAME TO agent_groups_gone`); err != nil {
			t.Fatal(err)
		}
		for name, call := range map[string]func() error{
			"get": func() error { _, err := f.svc.Get(as(f.agent), tk.ID); return err },
			"update": func() error {
				_, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Priority: desk.NullString{Set: true, Value: "low"}})
				return err
			},
		} {
			if err := call(); err == nil || code(err) != desk.EINTERNAL {
				t.Errorf("%s with a failing visibility check: %v (code %q), want an internal error", name, err, code(err))
			} else if !strings.Contains(err.Error(), fmt.Sprintf("ticket: %s %d: ", name, tk.ID)) {
				t.Errorf("%s: error %q lacks the service's context", name, err)
			}
		}
	})
}
