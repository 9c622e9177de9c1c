package webhook_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

func TestCheckActionValue(t *testing.T) {
	for _, v := range []any{[]any{"12", `{"a":1}`}, []any{float64(3), ""}, []any{json.Number("7"), "x"}} {
		if err := webhook.CheckActionValue(v); err != nil {
			t.Errorf("%v refused: %v", v, err)
		}
	}
	for _, v := range []any{nil, "12", []any{"12"}, []any{"abc", "b"}, []any{"0", "b"}, []any{"-4", "b"}, []any{"1", 5},
		[]any{"1", strings.Repeat("x", webhook.MaxBody+1)}, []any{"1", "b", "c"}} {
		if err := webhook.CheckActionValue(v); err == nil {
			t.Errorf("%v accepted", v)
		}
	}
}

func TestNotificationWebhookAction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, true)
		rc := &receiver{statuses: []int{200}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		w, err := f.s.Create(adminCtx, webhook.Input{Name: ptr("Rules"), Endpoint: ptr(srv.URL), Subscriptions: &[]string{webhook.SubConditional}})
		if err != nil {
			t.Fatal(err)
		}
		events, err := f.s.Create(adminCtx, webhook.Input{Name: ptr("Events only"), Endpoint: ptr(srv.URL), Subscriptions: &[]string{webhook.EventTicketCreated}})
		if err != nil {
			t.Fatal(err)
		}
		reg := rules.NewRegistry()
		f.s.RegisterRules(reg, "https://help.example.com/")
		if err := reg.Validate(context.Background(), rules.KindTrigger, rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "open"}}},
			[]rules.Action{{Field: webhook.ActionField, Value: []any{"1", "{}"}}}); err != nil {
			t.Fatalf("trigger with the action: %v", err)
		}
		if err := reg.Validate(context.Background(), rules.KindMacro, rules.Conditions{}, []rules.Action{{Field: webhook.ActionField, Value: []any{"1", "{}"}}}); err == nil {
			t.Fatal("a macro may call a webhook")
		}
		tk := &desk.Ticket{ID: 77, Subject: `He said "hi" \ <b>`, Status: desk.Status("open"), RequesterID: 999}
		change := &desk.TicketChange{Kind: desk.ChangeUpdate, TicketID: 77, Before: tk, After: tk}
		fire := func(id int64, body string) {
			t.Helper()
			var later []rules.SideEffect
			ac := &rules.ActionContext{Ctx: context.Background(), Rule: rules.Ref{Kind: rules.KindTrigger, ID: 5},
				Later: func(e rules.SideEffect) { later = append(later, e) }}
			if err := reg.Apply(ac, []rules.Action{{Field: webhook.ActionField, Value: []any{json.Number(itoa(id)), body}}}); err != nil {
				t.Fatal(err)
			}
			if len(later) != 1 {
				t.Fatalf("%d side effects queued", len(later))
			}
			if err := db.InTx(context.Background(), func(tx *store.Tx) error { return later[0](context.Background(), tx, change) }); err != nil {
				t.Fatal(err)
			}
		}
		fire(w.ID, `{"id": {{ticket.id}}, "title": "{{ticket.title}}", "unknown": "{{nope}}"}`)
		fire(events.ID, `{}`) // not a conditional webhook: skipped
		fire(123456, `{}`)    // gone: skipped
		f.drain(t)
		if len(rc.bodies) != 1 {
			t.Fatalf("%d deliveries, want 1", len(rc.bodies))
		}
		var got map[string]any
		if err := json.Unmarshal(rc.bodies[0], &got); err != nil {
			t.Fatalf("body is not JSON (placeholders unescaped?): %s", rc.bodies[0])
		}
		if got["id"] != float64(77) || got["title"] != tk.Subject || got["unknown"] != "{{nope}}" {
			t.Fatalf("rendered %s", rc.bodies[0])
		}
		invs, _, _ := f.s.Invocations(adminCtx, w.ID, 10, 0)
		if len(invs) != 1 || invs[0].Source != "trigger:5" || invs[0].TicketID != 77 || invs[0].EventType != webhook.EventConditional {
			t.Fatalf("log %+v", invs)
		}
	})
}

func TestRenderBodyEscapesPerFormat(t *testing.T) {
	reg := rules.NewRegistry()
	d := &rules.PlaceholderData{Ticket: &desk.Ticket{ID: 1, Subject: `a&b "c" <d>`}}
	for f, want := range map[webhook.Format]string{
		webhook.FormatJSON: `<x>a\u0026b \"c\" \u003cd\u003e</x>`,
		webhook.FormatXML:  `<x>a&amp;b &#34;c&#34; &lt;d&gt;</x>`,
		webhook.FormatForm: `<x>a%26b+%22c%22+%3Cd%3E</x>`,
	} {
		if got := webhook.RenderBody(reg, "<x>{{ticket.title}}</x>", d, f); got != want {
			t.Errorf("%s: %q, want %q", f, got, want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
