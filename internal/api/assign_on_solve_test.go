package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// solveRefused checks Zendesk's refusal to solve without an assignee: 422
// RecordInvalid with the description under details.base, naming
// FieldAssignee, as recorded Zendesk traffic shows.
func solveRefused(t *testing.T, what string, code int, body map[string]any) {
	t.Helper()
	pStatus(t, what, code, body, http.StatusUnprocessableEntity)
	details, _ := body["details"].(map[string]any)
	list, _ := details["base"].([]any)
	if body["error"] != "RecordInvalid" || len(list) != 1 {
		t.Fatalf("%s: %v", what, body)
	}
	if d, _ := list[0].(map[string]any); d["description"] != "Assignee: is required when solving a ticket" || d["error"] != "InvalidValue" || d["ticket_field_type"] != "FieldAssignee" {
		t.Fatalf("%s: detail %v", what, d)
	}
}

// Assign tickets upon solve (on by default): an agent solving an unassigned
// ticket through the API, alone or with update_many, becomes its assignee;
// an admin's API token works the same; an end-user's Requests API solve of
// an unassigned request is refused and can_be_solved_by_me says so; with
// the setting off every unassigned solve is refused.
func TestAPIAssignOnSolve(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		newTicket := func() int64 {
			return pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Broken", "comment": map[string]any{"body": "Help"}}))
		}
		assigneeOf := func(body map[string]any) any { return pObj(t, body, "ticket")["assignee_id"] }

		id := newTicket()
		code, body := a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), tkBody(map[string]any{"status": "solved"}))
		pStatus(t, "agent solve", code, body, http.StatusOK)
		if assigneeOf(body) != float64(a.Agent.ID) || pObj(t, body, "ticket")["group_id"] != float64(a.SupportGroupID) {
			t.Fatalf("agent solve: %v", body)
		}
		// The same audit records the status and the assignee.
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d/audits", id), nil)
		pStatus(t, "audits", code, body, http.StatusOK)
		audits, _ := body["audits"].([]any)
		last, _ := audits[len(audits)-1].(map[string]any)
		changed := map[any]any{}
		for _, ev := range last["events"].([]any) {
			ev := ev.(map[string]any)
			changed[ev["field_name"]] = ev["value"]
		}
		if changed["status"] != "solved" || changed["assignee_id"] == nil {
			t.Fatalf("solve audit: %v", last)
		}

		// An admin's API token.
		id = newTicket()
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), tkBody(map[string]any{"status": "solved"}))
		pStatus(t, "admin solve", code, body, http.StatusOK)
		if assigneeOf(body) != float64(a.Admin.ID) {
			t.Fatalf("admin solve: %v", body)
		}

		// update_many: every ticket gets the agent.
		ids := []int64{newTicket(), newTicket()}
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/update_many?ids=%d,%d", ids[0], ids[1]),
			map[string]any{"ticket": map[string]any{"status": "solved"}})
		pStatus(t, "update_many", code, body, http.StatusOK)
		a.jobDone(t, a.Agent, pObj(t, body, "job_status"))
		for _, id := range ids {
			code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d", id), nil)
			pStatus(t, "show", code, body, http.StatusOK)
			if tk := pObj(t, body, "ticket"); tk["status"] != "solved" || tk["assignee_id"] != float64(a.Agent.ID) {
				t.Fatalf("bulk solved %d: %v", id, tk)
			}
		}

		// The requester cannot solve an unassigned request.
		id = newTicket()
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/requests/%d", id), nil)
		pStatus(t, "request", code, body, http.StatusOK)
		if pObj(t, body, "request")["can_be_solved_by_me"] != false {
			t.Fatalf("can_be_solved_by_me: %v", body)
		}
		code, body = a.do(t, a.EndUser, "PUT", fmt.Sprintf("/api/v2/requests/%d", id), map[string]any{"request": map[string]any{"solved": true}})
		solveRefused(t, "requester solve", code, body)

		// Off: the agent is refused too, and nothing changes.
		sys := desk.SystemContext(context.Background())
		if err := settings.AssignOnSolve.Set(sys, settings.Uncached(db, nil), false); err != nil {
			t.Fatal(err)
		}
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), tkBody(map[string]any{"status": "solved", "comment": map[string]any{"body": "Done"}}))
		solveRefused(t, "solve with the setting off", code, body)
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d", id), nil)
		pStatus(t, "show", code, body, http.StatusOK)
		if tk := pObj(t, body, "ticket"); tk["status"] == "solved" || tk["assignee_id"] != nil {
			t.Fatalf("refused solve changed the ticket: %v", tk)
		}
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), tkBody(map[string]any{"status": "solved", "assignee_id": a.Agent.ID}))
		pStatus(t, "solve with an assignee", code, body, http.StatusOK)
	})
}
