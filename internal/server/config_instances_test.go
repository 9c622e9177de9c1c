package server_test

import (
	"context"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestConfigChangeSeenByOtherInstance: the configuration a create reads
// (triggers, the default form) is cached per instance and kept only while
// the configuration epoch stays the same, so a change made on instance A is
// applied by instance B's very next create — no message has to arrive
// first.
func TestConfigChangeSeenByOtherInstance(t *testing.T) {
	ins := startInstances(t, 2, nil, nil)
	a, b := ins[0].App, ins[1].App
	sys := desk.SystemContext(context.Background())
	nm, email, role := "Config Admin", "config-admin@desk.test", desk.RoleAdmin
	u, err := a.People.CreateUser(sys, people.UserInput{Name: &nm, Email: &email, Role: &role})
	if err != nil {
		t.Fatal(err)
	}
	admin := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: desk.RoleAdmin, Email: email, Via: "api"})
	createOnB := func(subject string) *desk.Ticket {
		t.Helper()
		tk, _, err := b.Tickets.Create(admin, ticketInput(subject))
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	if tk := createOnB("before"); tk.Priority != nil || tk.TicketFormID != nil {
		t.Fatalf("before any configuration: priority %v, form %v", tk.Priority, tk.TicketFormID)
	}
	// A trigger made on A.
	tr, err := a.Rules.CreateTrigger(admin, rules.TriggerInput{Title: ptr("Urgent"),
		Conditions: &rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "new"}}},
		Actions:    &[]rules.Action{{Field: "priority", Value: "urgent"}}})
	if err != nil {
		t.Fatal(err)
	}
	if tk := createOnB("trigger on"); tk.Priority == nil || *tk.Priority != "urgent" {
		t.Fatalf("B's create after A made a trigger: priority %v, want urgent", tk.Priority)
	}
	// Turned off on A.
	if _, err := a.Rules.UpdateTrigger(admin, tr.ID, rules.TriggerInput{Active: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if tk := createOnB("trigger off"); tk.Priority != nil {
		t.Fatalf("B's create after A turned the trigger off: priority %v, want none", *tk.Priority)
	}
	// The first form, made on A, is the default of B's next ticket.
	f, err := a.Tickets.SaveForm(admin, 0, ticket.FormInput{Name: ptr("Support")})
	if err != nil {
		t.Fatal(err)
	}
	if tk := createOnB("form"); tk.TicketFormID == nil || *tk.TicketFormID != f.ID {
		t.Fatalf("B's create after A made the first form: form %v, want %d", tk.TicketFormID, f.ID)
	}
}
