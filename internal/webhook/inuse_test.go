package webhook_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

func newRulesService(t *testing.T, db *store.DB, f *fixture) *rules.Service {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	reg := rules.NewRegistry()
	f.s.RegisterRules(reg, "https://help.example.com/")
	return rules.NewService(db, ticket.New(db, events.New(), blobs), reg, nil)
}

// Saving a rule that calls a webhook that does not exist (or is not for
// rules) is refused; deleting a webhook that a trigger or automation, on
// or off, still calls is refused naming them, and allowed once they let go.
func TestWebhookReferencesAndDeletion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, true)
		rs := newRulesService(t, db, f)
		w, err := f.s.Create(adminCtx, webhook.Input{Name: ptr("Rules"), Endpoint: ptr("https://hooks.example.com/in"), Subscriptions: &[]string{webhook.SubConditional}})
		if err != nil {
			t.Fatal(err)
		}
		spare, err := f.s.Create(adminCtx, webhook.Input{Name: ptr("Spare"), Endpoint: ptr("https://hooks.example.com/spare"), Subscriptions: &[]string{webhook.SubConditional}})
		if err != nil {
			t.Fatal(err)
		}
		events, err := f.s.Create(adminCtx, webhook.Input{Name: ptr("Events"), Endpoint: ptr("https://hooks.example.com/ev"), Subscriptions: &[]string{webhook.EventTicketCreated}})
		if err != nil {
			t.Fatal(err)
		}
		call := func(id int64) rules.Action {
			return rules.Action{Field: webhook.ActionField, Value: []any{itoa(id), `{"id": "{{ticket.id}}"}`}}
		}
		cond := &rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "open"}}}
		off := false
		for _, bad := range []struct {
			id   int64
			want string
		}{{987654, "names no webhook 987654"}, {events.ID, "is not subscribed to conditional_ticket_events"}} {
			_, err := rs.CreateTrigger(adminCtx, rules.TriggerInput{Title: ptr("bad"), Conditions: cond, Actions: &[]rules.Action{call(bad.id)}})
			var de *desk.Error
			if !errors.As(err, &de) || de.Code != desk.EINVALID || len(de.Details["actions"]) != 1 || !strings.Contains(de.Details["actions"][0].Description, bad.want) {
				t.Fatalf("a trigger calling webhook %d: %v %+v", bad.id, err, de)
			}
		}
		tr, err := rs.CreateTrigger(adminCtx, rules.TriggerInput{Title: ptr("Tell the CRM"), Active: &off, Conditions: cond, Actions: &[]rules.Action{call(w.ID)}})
		if err != nil {
			t.Fatal(err)
		}
		au, err := rs.CreateAutomation(adminCtx, rules.AutomationInput{Title: ptr("Close and tell"),
			Conditions: &rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "pending"}, {Field: "hours_since_pending", Operator: "greater_than", Value: "24"}}},
			Actions:    &[]rules.Action{{Field: "status", Value: "solved"}, call(w.ID)}})
		if err != nil {
			t.Fatal(err)
		}
		err = f.s.Delete(adminCtx, w.ID)
		var used *webhook.InUseError
		if !errors.As(err, &used) || desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("delete of a webhook in use: %v", err)
		}
		if got := []int64{used.Rules[0].ID, used.Rules[1].ID}; len(used.Rules) != 2 || used.Rules[0].Kind != rules.KindTrigger || used.Rules[1].Kind != rules.KindAutomation ||
			!slices.Equal(got, []int64{tr.ID, au.ID}) {
			t.Fatalf("rules in use %+v", used.Rules)
		}
		var de *desk.Error
		errors.As(err, &de)
		if len(de.Details["webhook"]) != 2 || !strings.Contains(de.Details["webhook"][0].Description, "Tell the CRM") {
			t.Fatalf("details %+v", de.Details)
		}
		if _, err := f.s.Get(adminCtx, w.ID); err != nil {
			t.Fatalf("the refused delete removed the webhook: %v", err)
		}
		// Another webhook no rule calls goes.
		if err := f.s.Delete(adminCtx, spare.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Delete(adminCtx, 424242); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("delete of a missing webhook: %v", err)
		}
		// Once the trigger calls the other one and the automation is gone,
		// the webhook can be deleted.
		if err := rs.DeleteAutomation(adminCtx, au.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Delete(adminCtx, w.ID); !errors.As(err, &used) || len(used.Rules) != 1 {
			t.Fatalf("delete with the trigger left: %v", err)
		}
		if err := rs.DeleteTrigger(adminCtx, tr.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Delete(adminCtx, w.ID); err != nil {
			t.Fatal(err)
		}
	})
}
