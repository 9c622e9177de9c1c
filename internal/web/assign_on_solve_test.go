package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The admin settings page holds "assign tickets upon solve" (on by default):
// on, an agent solving an unassigned ticket from the ticket page becomes its
// assignee; off, the page refuses the solve and names the assignee. The
// portal offers "mark as solved" only on requests that have an assignee.
func TestAssignOnSolveSetting(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			if r := ad.get("/agent/admin/settings"); !strings.Contains(r.Body, `name="assign_on_solve" value="1" aria-describedby="st-assign-hint" checked`) {
				t.Fatalf("assign on solve is not shown on by default: %s", r.Body)
			}

			// The customer cannot solve an unassigned request in the portal.
			tk := e.ticketFor(e.customer, "Printer", "It jams")
			cu := e.client()
			cu.signIn("/signin", e.customer.Email)
			portal := fmt.Sprintf("/requests/%d", tk.ID)
			if r := cu.get(portal); r.Status != http.StatusOK || strings.Contains(r.Body, portal+"/solve") {
				t.Fatalf("portal offers to solve an unassigned request: %d", r.Status)
			}

			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			path := fmt.Sprintf("/agent/tickets/%d", tk.ID)
			ag.get(path)
			if r := ag.post(path, url.Values{"body": {"Cleared the jam"}, "public": {"1"}, "status": {"solved"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("solve: %d %s", r.Status, r.Body)
			}
			got, err := e.app.Tickets.Get(e.sys, tk.ID)
			if err != nil || got.Status != "solved" || got.AssigneeID == nil || *got.AssigneeID != e.agent.ID {
				t.Fatalf("after solving: %+v %v", got, err)
			}

			// Turned off in Polish, the page shows it off and solving needs an assignee.
			ad.get("/agent/admin/settings")
			r := ad.post("/agent/admin/settings", url.Values{"helpdesk_name": {""}, "default_locale": {"pl"}, "default_time_zone": {"UTC"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("save settings: %d %s", r.Status, r.Body)
			}
			r = ad.get("/agent/admin/settings")
			if strings.Contains(r.Body, `aria-describedby="st-assign-hint" checked`) || !strings.Contains(r.Body, "Przypisuj zgłoszenia przy rozwiązaniu") {
				t.Fatalf("the setting is not shown off (in Polish): %s", r.Body)
			}
			tk2 := e.ticketFor(e.customer, "Scanner", "It is slow")
			path = fmt.Sprintf("/agent/tickets/%d", tk2.ID)
			ag.get(path)
			r = ag.post(path, url.Values{"status": {"solved"}})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Assignee: is required when solving a ticket") {
				t.Fatalf("solve unassigned with the setting off: %d %s", r.Status, r.Body)
			}
			if got, _ := e.app.Tickets.Get(e.sys, tk2.ID); got.Status == "solved" || got.AssigneeID != nil {
				t.Fatalf("refused solve changed the ticket: %+v", got)
			}
			r = ag.post(path, url.Values{"status": {"solved"}, "assignee_id": {fmt.Sprint(e.agent2.ID)}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("solve with an assignee: %d %s", r.Status, r.Body)
			}
			// Back on.
			r = ad.post("/agent/admin/settings", url.Values{"helpdesk_name": {""}, "default_locale": {"en"}, "default_time_zone": {"UTC"}, "assign_on_solve": {"1"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("save settings: %d %s", r.Status, r.Body)
			}
			if r := ad.get("/agent/admin/settings"); !strings.Contains(r.Body, `aria-describedby="st-assign-hint" checked`) {
				t.Fatal("the setting is not shown on again")
			}
		})
	}
}
