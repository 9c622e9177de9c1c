package web_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/views"
)

// Configured views in the workspace: an admin builds a shared view in the
// editor; agents see it in the sidebar with its count and open it with its
// own columns; an agent's own view is personal.
func TestConfiguredViewsInWorkspace(t *testing.T) {
	e := newEnv(t, "")
	urgent := e.ticketFor(e.customer, "Server down", "help")
	if _, _, err := e.app.Tickets.Update(e.sys, urgent.ID, ticketPriority("urgent")); err != nil {
		t.Fatal(err)
	}
	e.ticketFor(e.customer, "Question", "hi")

	admin := e.client()
	admin.signIn("/agent/signin", e.admin.Email)
	if r := admin.get("/agent/manage/views/new"); r.Status != 200 || !strings.Contains(r.Body, `name="all_0_field"`) {
		t.Fatalf("editor: %d", r.Status)
	}
	r := admin.post("/agent/manage/views/new", url.Values{"title": {"Urgent <now>"}, "active": {"1"}, "restrict": {"all"},
		"all_rows": {"2"}, "all_0_field": {"priority"}, "all_0_op": {"is"}, "all_0_value": {"urgent"}, "all_1_field": {""},
		"any_rows": {"0"}, "columns": {"nice_id", "subject", "priority", "group"}, "sort_by": {"updated"}, "sort_desc": {"1"}, "group_by": {""}})
	if r.Status != 303 {
		t.Fatalf("save view: %d %s", r.Status, r.Body)
	}
	vs, err := e.app.Views.List(e.sys, views.Filter{})
	if err != nil || len(vs) != 1 {
		t.Fatalf("views %v %v", vs, err)
	}
	v := vs[0]
	if v.Personal() || !slices.Equal(v.Columns(), []string{"nice_id", "subject", "priority", "group"}) {
		t.Fatalf("stored view: %+v %v", v.Restriction, v.Columns())
	}

	agent := e.client()
	agent.signIn("/agent/signin", e.agent.Email)
	home := agent.get("/agent")
	link := fmt.Sprintf(`href="/agent/views/%d"`, v.ID)
	if !strings.Contains(home.Body, link) || !strings.Contains(home.Body, "Urgent &lt;now&gt;") {
		t.Fatalf("the sidebar lacks the configured view: %s", home.Body)
	}
	page := agent.get(fmt.Sprintf("/agent/views/%d", v.ID))
	if page.Status != 200 || !strings.Contains(page.Body, "Server down") || strings.Contains(page.Body, "Question") {
		t.Fatalf("view page: %d", page.Status)
	}
	if !strings.Contains(page.Body, `id="custom-view-table"`) || !strings.Contains(page.Body, ">Priority<") {
		t.Fatalf("view page lacks its columns")
	}

	// Bad conditions are shown on the form, nothing is stored.
	r = admin.post("/agent/manage/views/new", url.Values{"title": {"Broken"}, "restrict": {"all"},
		"all_rows": {"1"}, "all_0_field": {"priority"}, "all_0_op": {"is"}, "all_0_value": {"whenever"}, "columns": {"subject"}, "sort_by": {"updated"}})
	if r.Status != 422 || !strings.Contains(r.Body, "whenever") {
		t.Fatalf("invalid view: %d", r.Status)
	}

	// An agent's view is personal, whatever the form says.
	r = agent.post("/agent/manage/views/new", url.Values{"title": {"Mine"}, "restrict": {"all"},
		"all_rows": {"1"}, "all_0_field": {"status"}, "all_0_op": {"less_than"}, "all_0_value": {"solved"}, "columns": {"subject"}, "sort_by": {"updated"}})
	if r.Status != 303 {
		t.Fatalf("agent's view: %d %s", r.Status, r.Body)
	}
	mine, err := e.app.Views.List(as(e.agent), views.Filter{Access: "personal"})
	if err != nil || len(mine) != 1 || mine[0].Restriction.ID != e.agent.ID {
		t.Fatalf("agent's personal views %v %v", mine, err)
	}
	if r := agent.get("/agent/manage/views"); !strings.Contains(r.Body, "Mine") || strings.Contains(r.Body, "Urgent &lt;now&gt;") {
		t.Fatalf("an agent manages only their own views")
	}
	if r := agent.post(fmt.Sprintf("/agent/manage/views/%d/delete", v.ID), url.Values{}); r.Status != 403 {
		t.Fatalf("agent deleted a shared view: %d", r.Status)
	}
	if r := admin.post(fmt.Sprintf("/agent/manage/views/%d/toggle", v.ID), url.Values{}); r.Status != 303 {
		t.Fatalf("toggle: %d", r.Status)
	}
	if r := agent.get("/agent"); strings.Contains(r.Body, link) {
		t.Fatalf("an inactive view stays in the sidebar")
	}
}

func ticketPriority(p string) ticket.Input {
	return ticket.Input{Priority: desk.NullString{Set: true, Value: p}}
}

// A macro applied from the ticket page changes the ticket in one audit that
// names it; in bulk it is applied to every selected ticket.
func TestMacroFromTicketPageAndBulk(t *testing.T) {
	e := newEnv(t, "")
	tk := e.ticketFor(e.customer, "Refund please", "money back")
	other := e.ticketFor(e.customer, "Refund too", "same")
	m, err := e.app.Macros.Create(e.sys, macros.Input{Title: ptr("Billing::Refund"), Actions: []byte(`[
		{"field":"priority","value":"high"},{"field":"current_tags","value":"refund"},
		{"field":"comment_value","value":"Dear {{ticket.requester.first_name}}, we refund you."},{"field":"comment_mode_is_public","value":true}]`)})
	if err != nil {
		t.Fatal(err)
	}
	agent := e.client()
	agent.signIn("/agent/signin", e.agent.Email)
	path := fmt.Sprintf("/agent/tickets/%d", tk.ID)
	page := agent.get(path)
	if !strings.Contains(page.Body, `id="macro-form"`) || !strings.Contains(page.Body, "Billing::Refund") {
		t.Fatalf("ticket page lacks the macro picker")
	}
	r := agent.post(path+"/macro", url.Values{"macro_id": {fmt.Sprint(m.ID)}})
	if r.Status != 303 || !strings.Contains(r.Header.Get("Location"), "m=macro") {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	got, _ := e.app.Tickets.Get(e.sys, tk.ID)
	if got.Priority == nil || *got.Priority != "high" || !slices.Contains(got.Tags, "refund") {
		t.Fatalf("ticket after macro: %v %v", got.Priority, got.Tags)
	}
	page = agent.get(path + "?m=macro")
	if !strings.Contains(page.Body, "Applied the macro “Billing::Refund”") || !strings.Contains(page.Body, "Dear Carol, we refund you.") {
		t.Fatalf("ticket page lacks the macro's audit line or comment")
	}
	if r := agent.post(path+"/macro", url.Values{"macro_id": {"999999"}}); r.Status != 404 {
		t.Fatalf("unknown macro: %d", r.Status)
	}

	// Bulk: the second ticket gets the macro.
	r = agent.post("/agent/bulk", url.Values{"ids": {fmt.Sprint(other.ID)}, "macro_id": {fmt.Sprint(m.ID)}, "return": {"/agent/views/unsolved"}})
	if r.Status != 303 {
		t.Fatalf("bulk: %d %s", r.Status, r.Body)
	}
	got, _ = e.app.Tickets.Get(e.sys, other.ID)
	if got.Priority == nil || *got.Priority != "high" {
		t.Fatalf("bulk macro not applied: %v", got.Priority)
	}
	ms, _ := e.app.Macros.List(e.sys, macros.Filter{IDs: []int64{m.ID}})
	if ms[0].UsageTotal != 2 {
		t.Fatalf("usage %d, want 2", ms[0].UsageTotal)
	}
	if r := agent.get("/agent/manage/macros"); r.Status != 200 {
		t.Fatalf("manage macros: %d", r.Status)
	}
}
