package answerbot_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/answerbot"
	"github.com/frontdesk/frontdesk/internal/botapi"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func orderFlow(group int64) []answerbot.Step {
	return []answerbot.Step{
		{ID: "start", Kind: answerbot.KindMessage, Text: answerbot.Texts{"en": "What do you need?", "pl": "W czym pomóc?"},
			Buttons: []answerbot.FlowButton{
				{Label: answerbot.Texts{"en": "Order status", "pl": "Status zamówienia"}, Next: "order"},
				{Label: answerbot.Texts{"en": "Passwords"}, Next: "pw"},
			}},
		{ID: "order", Kind: answerbot.KindAsk, Text: answerbot.Texts{"en": "Your order number?", "pl": "Numer zamówienia?"},
			Label: answerbot.Texts{"en": "Order number", "pl": "Numer zamówienia"}, Next: "orders"},
		{ID: "orders", Kind: answerbot.KindHandover, Text: answerbot.Texts{"en": "Our orders team will help."}, GroupID: group},
		{ID: "pw", Kind: answerbot.KindArticles, Query: answerbot.Texts{"en": "reset password", "pl": "zresetować hasło"}},
	}
}

func details(t *testing.T, err error) map[string][]desk.FieldError {
	t.Helper()
	var de *desk.Error
	if !errors.As(err, &de) || de.Code != desk.EINVALID {
		t.Fatalf("want an invalid error, got %v", err)
	}
	return de.Details
}

// TestFlowValidation: dangling next steps, duplicate and malformed ids,
// cycles that never end, unreachable steps, missing default-language
// texts, unknown languages, unknown groups and oversize flows are refused
// with per-field details; a good flow saves.
func TestFlowValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		save := func(steps []answerbot.Step) error {
			_, err := f.bot.CreateFlow(f.admin, answerbot.FlowInput{Name: ptr("Orders"), Steps: &steps})
			return err
		}
		msg := func(id string, next ...string) answerbot.Step {
			st := answerbot.Step{ID: id, Kind: answerbot.KindMessage, Text: answerbot.Texts{"en": "hi"}}
			for _, n := range next {
				st.Buttons = append(st.Buttons, answerbot.FlowButton{Label: answerbot.Texts{"en": "go"}, Next: n})
			}
			return st
		}
		cases := []struct {
			name  string
			steps []answerbot.Step
			field string
		}{
			{"empty", nil, "steps"},
			{"dangling", []answerbot.Step{msg("a", "ghost")}, "steps[0].buttons[0].next"},
			{"duplicate id", []answerbot.Step{msg("a", "a"), msg("a")}, "steps[1].id"},
			{"bad id", []answerbot.Step{msg("<b>")}, "steps[0].id"},
			{"endless cycle", []answerbot.Step{msg("a", "b"), msg("b", "a")}, "steps[0]"},
			{"unreachable", []answerbot.Step{msg("a"), msg("b")}, "steps[1]"},
			{"no english", []answerbot.Step{{ID: "a", Kind: answerbot.KindMessage, Text: answerbot.Texts{"pl": "cześć"}}}, "steps[0].text"},
			{"unknown language", []answerbot.Step{{ID: "a", Kind: answerbot.KindMessage, Text: answerbot.Texts{"en": "hi", "xx": "?"}}}, "steps[0].text"},
			{"unknown kind", []answerbot.Step{{ID: "a", Kind: "script"}}, "steps[0].kind"},
			{"ask without next", []answerbot.Step{{ID: "a", Kind: answerbot.KindAsk, Text: answerbot.Texts{"en": "?"}, Label: answerbot.Texts{"en": "N"}}}, "steps[0].next"},
			{"unknown group", []answerbot.Step{{ID: "a", Kind: answerbot.KindHandover, GroupID: 987654}}, "steps[0].group_id"},
			{"long text", []answerbot.Step{{ID: "a", Kind: answerbot.KindMessage, Text: answerbot.Texts{"en": strings.Repeat("x", answerbot.MaxText+1)}}}, "steps[0].text"},
			{"too many steps", make([]answerbot.Step, answerbot.MaxSteps+1), "steps"},
		}
		for _, c := range cases {
			d := details(t, save(c.steps))
			if d[c.field] == nil {
				t.Errorf("%s: details %v lack %s", c.name, d, c.field)
			}
		}
		// A cycle with a way out is fine.
		if err := save([]answerbot.Step{msg("a", "b"), msg("b", "a", "c"), msg("c")}); err != nil {
			t.Fatalf("cycle with an exit: %v", err)
		}
		if err := save(orderFlow(f.group)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.bot.CreateFlow(f.admin, answerbot.FlowInput{Name: ptr("  "), Steps: ptr(orderFlow(0))}); details(t, err)["name"] == nil {
			t.Fatal("blank name saved")
		}
		// Only admins manage flows.
		agent := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: f.user, Role: desk.RoleAgent})
		if _, err := f.bot.CreateFlow(agent, answerbot.FlowInput{Name: ptr("x"), Steps: ptr(orderFlow(0))}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent: %v", err)
		}
		if _, err := f.bot.Flows(context.Background()); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			t.Fatalf("anonymous: %v", err)
		}
	})
}

// TestFlowWalk: with a flow active the opening shows its first step's
// buttons (in Polish with English fallback); "Order status" asks for the
// order number, the answer goes into the transcript and the chat is handed
// to the Orders group; "Passwords" offers articles.
func TestFlowWalk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		fl, err := f.bot.CreateFlow(f.admin, answerbot.FlowInput{Name: ptr("Orders"), Steps: ptr(orderFlow(f.group))})
		if err != nil {
			t.Fatal(err)
		}
		// Inactive: a plain greeting.
		if r := f.turn(t, botapi.Turn{Locale: "en"}); len(r.Buttons) != 1 {
			t.Fatalf("inactive flow shown: %+v", r)
		}
		if _, err := f.bot.Activate(f.admin, fl.ID, true); err != nil {
			t.Fatal(err)
		}
		r := f.turn(t, botapi.Turn{ConversationID: 5, Locale: "pl"})
		if !strings.Contains(r.Text, "W czym pomóc?") || len(r.Buttons) != 3 || r.Buttons[0].Label != "Status zamówienia" ||
			r.Buttons[1].Label != "Passwords" || r.Buttons[2].ID != answerbot.ButtonPerson {
			t.Fatalf("opening: %+v", r)
		}
		ask := f.turn(t, botapi.Turn{ConversationID: 5, Locale: "pl", ButtonID: r.Buttons[0].ID, State: r.State})
		if !strings.Contains(ask.Text, "Numer zamówienia?") || ask.Handover {
			t.Fatalf("ask: %+v", ask)
		}
		h := f.turn(t, botapi.Turn{ConversationID: 5, Locale: "pl", Text: "  A-1234\n<b>x</b>", State: ask.State, GroupID: 99})
		if !h.Handover || h.GroupID != f.group || !strings.Contains(h.Text, "Numer zamówienia: A-1234 <b>x</b>") {
			t.Fatalf("handover: %+v", h)
		}
		pw := f.turn(t, botapi.Turn{Locale: "en", ButtonID: r.Buttons[1].ID, State: r.State})
		if len(pw.Articles) != 1 || pw.Articles[0].ID != f.public {
			t.Fatalf("articles step: %+v", pw)
		}
		// A button of another step is refused.
		if x := f.turn(t, botapi.Turn{Locale: "en", ButtonID: "flow:order:0", State: r.State}); x.Handover || !strings.Contains(x.Text, "not available") {
			t.Fatalf("foreign button: %+v", x)
		}
	})
}

// TestFlowVersionPinning: a chat that started on version 1 keeps walking
// version 1 after an admin saves version 2; new chats get version 2; the
// versions list both; deleting the flow hands the running chat over.
func TestFlowVersionPinning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		fl, err := f.bot.CreateFlow(f.admin, answerbot.FlowInput{Name: ptr("Orders"), Steps: ptr(orderFlow(f.group))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.bot.Activate(f.admin, fl.ID, true); err != nil {
			t.Fatal(err)
		}
		old := f.turn(t, botapi.Turn{Locale: "en"})
		v2 := orderFlow(f.group)
		v2[0].Text = answerbot.Texts{"en": "Version two"}
		v2[0].Buttons = v2[0].Buttons[1:] // only "Passwords" now
		v2 = append(v2[:1], v2[3])        // drop the order steps
		up, err := f.bot.UpdateFlow(f.admin, fl.ID, answerbot.FlowInput{Steps: &v2})
		if err != nil {
			t.Fatal(err)
		}
		if up.Version != 2 || !up.Active {
			t.Fatalf("update: %+v", up)
		}
		if n := f.turn(t, botapi.Turn{Locale: "en"}); !strings.Contains(n.Text, "Version two") || len(n.Buttons) != 2 {
			t.Fatalf("new chat: %+v", n)
		}
		// The old chat still has "Order status" → ask.
		ask := f.turn(t, botapi.Turn{Locale: "en", ButtonID: old.Buttons[0].ID, State: old.State})
		if !strings.Contains(ask.Text, "Your order number?") {
			t.Fatalf("pinned chat: %+v", ask)
		}
		vs, err := f.bot.Versions(f.admin, fl.ID)
		if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 || len(vs[1].Steps) != 4 {
			t.Fatalf("versions: %v %+v", err, vs)
		}
		// Only one flow is active at a time.
		other, err := f.bot.CreateFlow(f.admin, answerbot.FlowInput{Name: ptr("Other"), Steps: ptr(orderFlow(0))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.bot.Activate(f.admin, other.ID, true); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.bot.Flow(f.admin, fl.ID); got.Active {
			t.Fatal("two active flows")
		}
		if err := f.bot.DeleteFlow(f.admin, fl.ID); err != nil {
			t.Fatal(err)
		}
		gone := f.turn(t, botapi.Turn{Locale: "en", Text: "A-1", State: ask.State, GroupID: f.group})
		if !gone.Handover || gone.GroupID != f.group {
			t.Fatalf("deleted flow: %+v", gone)
		}
		if _, err := f.bot.Flow(f.admin, fl.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("deleted: %v", err)
		}
		// Every change of the flow is in the audit log, by the admin.
		rows, err := db.Query(context.Background(), `SELECT action FROM audit_log WHERE target_type = 'answer_bot_flow' AND target_id = ? AND actor_id IS NOT NULL ORDER BY id`, fl.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var actions []string
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				t.Fatal(err)
			}
			actions = append(actions, a)
		}
		want := []string{answerbot.AuditFlowCreated, answerbot.AuditFlowActivated, answerbot.AuditFlowUpdated, answerbot.AuditFlowDeleted} // activating another flow is its own entry
		if strings.Join(actions, " ") != strings.Join(want, " ") {
			t.Errorf("audit log: %v, want %v", actions, want)
		}
	})
}
