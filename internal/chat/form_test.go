package chat_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// newGroup makes a group.
func (f *fixture) newGroup(name string) int64 {
	f.t.Helper()
	g, err := f.ppl.CreateGroup(f.sys, people.GroupInput{Name: &name})
	if err != nil {
		f.t.Fatal(err)
	}
	return g.ID
}

// onlineIn is an online agent with a live session, member of group only.
func (f *fixture) onlineIn(name string, group int64) *desk.Principal {
	f.t.Helper()
	p := f.user(name, desk.RoleAgent)
	if _, err := f.ppl.AddMembership(f.sys, p.UserID, group, true); err != nil {
		f.t.Fatal(err)
	}
	f.seq++
	now := time.Now()
	if _, err := f.db.Exec(context.Background(), `INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		p.UserID, fmt.Sprintf("hash-%d", f.seq), now.UnixMicro(), now.UnixMicro(), now.Add(time.Hour).UnixMicro()); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.av.SetMine(as(p), assign.Online); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// field reports whether err is a 422 naming field name.
func field(err error, name string) bool {
	var de *desk.Error
	if !errors.As(err, &de) || de.Code != desk.EINVALID {
		return false
	}
	_, ok := de.Details[name]
	return ok
}

// TestPreChatForm: a key whose form hides the name, makes the question
// optional and offers two groups. The server holds the form whatever the
// client sends: the hidden name is ignored, a missing group or one not on
// the list is refused, the chosen group routes the chat and its ticket,
// and availability is per group.
func TestPreChatForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		sales, other := f.newGroup("Sales"), f.newGroup("Other")
		hidden, optional := chat.FieldHidden, chat.FieldOptional
		groups := []int64{f.group, sales, sales}
		k, err := f.svc.UpdateKey(as(f.admin), f.key.ID, chat.KeyInput{Form: &chat.FormInput{Name: &hidden, Question: &optional, Groups: &groups}})
		if err != nil {
			t.Fatal(err)
		}
		if k.Form.Name != hidden || k.Form.Question != optional || k.Form.Email != chat.FieldRequired || !slices.Equal(k.Form.Groups, []int64{f.group, sales}) {
			t.Fatalf("form saved as %+v", k.Form)
		}
		key, err := f.svc.KeyForOrigin(ctx, f.key.PublicKey, origin)
		if err != nil {
			t.Fatal(err)
		}
		// Nobody online anywhere: offline, every group offline.
		a, err := f.svc.Available(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if a.Online || len(a.Form.Groups) != 2 || a.Form.Groups[0].Online || a.Form.Groups[1].Online || a.Form.Name != hidden || a.Form.Question != optional {
			t.Fatalf("availability with nobody online: %+v %+v", a, a.Form)
		}
		// An agent of Sales only: Sales is online, Support is not.
		seller := f.onlineIn("Sam Seller", sales)
		if a, err = f.svc.Available(ctx, key); err != nil {
			t.Fatal(err)
		}
		if !a.Online || a.Form.Groups[0].ID != f.group || a.Form.Groups[0].Online || a.Form.Groups[1].Name != "Sales" || !a.Form.Groups[1].Online {
			t.Fatalf("availability with Sales online: %+v", a.Form.Groups)
		}
		// Outside business hours nobody is.
		f.svc.BusinessHours = func(context.Context, time.Time) (bool, error) { return false, nil }
		if a, _ = f.svc.Available(ctx, key); a.Online || a.Form.Groups[1].Online {
			t.Fatalf("outside hours: %+v", a.Form.Groups)
		}
		f.svc.BusinessHours = nil

		// Refused: no group, a group not on the list, a forged id, a bad email.
		for _, c := range []struct {
			in    chat.StartInput
			field string
		}{
			{chat.StartInput{Email: "v@example.com"}, "group_id"},
			{chat.StartInput{Email: "v@example.com", GroupID: other}, "group_id"},
			{chat.StartInput{Email: "v@example.com", GroupID: 999999}, "group_id"},
			{chat.StartInput{Email: "v@example.com", GroupID: -sales}, "group_id"},
			{chat.StartInput{Email: "", GroupID: sales}, "email"},
		} {
			if _, err := f.svc.Start(ctx, key, c.in); !field(err, c.field) {
				t.Errorf("start %+v: %v, want a 422 on %s", c.in, err, c.field)
			}
		}
		// The hidden name is ignored, the optional question may be blank,
		// and the chat goes to Sales.
		st, err := f.svc.Start(ctx, key, chat.StartInput{Name: "Mallory <b>Injected</b>", Email: "vera@example.com", GroupID: sales})
		if err != nil {
			t.Fatal(err)
		}
		c := st.Conversation
		if c.GroupID != sales || c.VisitorName != "vera@example.com" || c.State != chat.StateActive && c.State != chat.StateWaiting {
			t.Fatalf("conversation: %+v", c)
		}
		tk, err := f.tickets.Get(f.sys, c.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.GroupID == nil || *tk.GroupID != sales || tk.Subject != "Chat with vera@example.com" {
			t.Fatalf("ticket: group %v subject %q", tk.GroupID, tk.Subject)
		}
		view, err := f.svc.VisitorView(ctx, f.visitor(st.Token), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(view.Messages) != 0 {
			t.Fatalf("a blank question became a message: %+v", view.Messages)
		}
		// The Sales agent sees it queued; a Support agent does not.
		supporter := f.agent("Pat Support")
		if q := queueIDs(t, f, seller); !slices.Contains(q, c.ID) {
			t.Fatalf("Sales queue %v lacks chat %d", q, c.ID)
		}
		if q := queueIDs(t, f, supporter); slices.Contains(q, c.ID) {
			t.Fatalf("Support queue %v holds Sales' chat %d", q, c.ID)
		}
		// A question given is kept.
		st, err = f.svc.Start(ctx, key, chat.StartInput{Email: "q@example.com", Question: "Price of the blue one?", GroupID: f.group})
		if err != nil || st.Conversation.GroupID != f.group {
			t.Fatalf("start with a question: %+v %v", st, err)
		}
		// A left message needs its text even when the question is optional,
		// and goes to the chosen group.
		if _, err := f.svc.LeaveMessage(ctx, key, chat.StartInput{Email: "m@example.com", GroupID: f.group}); !field(err, "question") {
			t.Errorf("blank left message: %v", err)
		}
		if _, err := f.svc.LeaveMessage(ctx, key, chat.StartInput{Email: "m@example.com", Question: "Call me", GroupID: other}); !field(err, "group_id") {
			t.Errorf("left message to a group not offered: %v", err)
		}
		id, err := f.svc.LeaveMessage(ctx, key, chat.StartInput{Email: "m@example.com", Question: "Call me", GroupID: f.group})
		if err != nil {
			t.Fatal(err)
		}
		if tk, _ := f.tickets.Get(f.sys, id); tk == nil || tk.GroupID == nil || *tk.GroupID != f.group {
			t.Fatalf("left message's ticket: %+v", tk)
		}

		// A deleted group is offered no more.
		if err := f.ppl.DeleteGroup(f.sys, sales); err != nil {
			t.Fatal(err)
		}
		if a, _ = f.svc.Available(ctx, key); len(a.Form.Groups) != 1 || a.Form.Groups[0].ID != f.group {
			t.Fatalf("after deleting Sales: %+v", a.Form.Groups)
		}
		if _, err := f.svc.Start(ctx, key, chat.StartInput{Email: "v@example.com", GroupID: sales}); !field(err, "group_id") {
			t.Errorf("start in a deleted group: %v", err)
		}
	})
}

// TestPreChatFormRequiredAndPlain: the default form (name and question
// required, no choice of group) refuses blanks and a group the client
// makes up; bad form settings are refused when saved.
func TestPreChatFormRequiredAndPlain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		key, _ := f.svc.KeyForOrigin(ctx, f.key.PublicKey, origin)
		if key.Form.Name != chat.FieldRequired || key.Form.Question != chat.FieldRequired || len(key.Form.Groups) != 0 {
			t.Fatalf("default form: %+v", key.Form)
		}
		other := f.newGroup("Other")
		for _, c := range []struct {
			in    chat.StartInput
			field string
		}{
			{chat.StartInput{Email: "v@example.com", Question: "hi"}, "name"},
			{chat.StartInput{Name: "V", Email: "v@example.com", Question: "   "}, "question"},
			{chat.StartInput{Name: "V", Email: "v@example.com", Question: "hi", GroupID: other}, "group_id"},
		} {
			if _, err := f.svc.Start(ctx, key, c.in); !field(err, c.field) {
				t.Errorf("start %+v: %v, want a 422 on %s", c.in, err, c.field)
			}
		}
		st := f.start("Vera", "vera@example.com", "hi")
		if st.Conversation.GroupID != f.group || st.Conversation.VisitorName != "Vera" {
			t.Fatalf("plain start: %+v", st.Conversation)
		}
		bad := []chat.FormInput{
			{Name: ptr("sometimes")},
			{Question: ptr("")},
			{Email: ptr(chat.FieldOptional)},
			{Groups: &[]int64{999999}},
			{Groups: &[]int64{0}},
		}
		for _, in := range bad {
			in := in
			if _, err := f.svc.UpdateKey(as(f.admin), f.key.ID, chat.KeyInput{Form: &in}); code(err) != desk.EINVALID {
				t.Errorf("form %+v saved: %v", in, err)
			}
		}
		many := make([]int64, 0, chat.MaxFormGroups+1)
		for i := 0; i <= chat.MaxFormGroups; i++ {
			many = append(many, f.newGroup(fmt.Sprintf("G%d", i)))
		}
		if _, err := f.svc.UpdateKey(as(f.admin), f.key.ID, chat.KeyInput{Form: &chat.FormInput{Groups: &many}}); code(err) != desk.EINVALID {
			t.Errorf("too many groups saved: %v", err)
		}
		if k, _ := f.svc.Key(as(f.admin), f.key.ID); k.Form.Name != chat.FieldRequired || len(k.Form.Groups) != 0 {
			t.Fatalf("refused saves changed the form: %+v", k.Form)
		}
		agent := f.agent("Alice")
		if _, err := f.svc.UpdateKey(as(agent), f.key.ID, chat.KeyInput{Form: &chat.FormInput{Name: ptr(chat.FieldHidden)}}); code(err) != desk.EFORBIDDEN {
			t.Errorf("agent changed the form: %v", err)
		}
	})
}

func queueIDs(t *testing.T, f *fixture, p *desk.Principal) []int64 {
	t.Helper()
	con, err := f.svc.Console(as(p))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, q := range con.Queue {
		ids = append(ids, q.ID)
	}
	return ids
}
