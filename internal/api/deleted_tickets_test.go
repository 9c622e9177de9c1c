package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func dtFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "deleted_tickets", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// The deleted-tickets family in Zendesk's shape: the list's entries (id,
// subject, description, actor, deleted_at, previous_state) with sort_by,
// sort_order, offset and cursor pages; restore, restore_many (all or
// none); permanent deletion answered with a job status, destroy_many with
// a result per ticket.
func TestDeletedTicketsZendeskShape(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		var ids []int64
		for _, subj := range []string{"Charlie", "Alpha", "Bravo"} {
			ids = append(ids, pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": subj, "comment": map[string]any{"body": subj + " needs help"}})))
		}
		code, body := a.do(t, a.Agent, "PUT", tkTicketPath(ids[1], ""), tkBody(map[string]any{"status": "pending"}))
		pStatus(t, "pending", code, body, http.StatusOK)
		for i, id := range ids {
			who := a.Agent
			if i == 2 {
				who = a.Admin
			}
			code, _ := a.do(t, who, "DELETE", tkTicketPath(id, ""), nil)
			pStatus(t, "delete", code, nil, http.StatusNoContent)
		}

		// The list: Zendesk's keys and types, oldest first.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets.json", nil)
		pStatus(t, "list", code, body, http.StatusOK)
		doc := dtFixture(t, "list_deleted_tickets_response.json")
		rqSameShape(t, "list", body, doc)
		entries := pList(t, body, "deleted_tickets")
		docEntry := pList(t, doc, "deleted_tickets")[0]
		if len(entries) != 3 || pNum(body, "count") != 3 {
			t.Fatalf("list %v", body)
		}
		for _, e := range entries {
			rqSameShape(t, "entry", e, docEntry)
			if len(e) != len(docEntry) {
				t.Errorf("entry has keys Zendesk does not document: %v", e)
			}
			rqSameShape(t, "actor", pObj(t, e, "actor"), pObj(t, docEntry, "actor"))
		}
		if got := pIDs(t, body, "deleted_tickets"); !slices.Equal(got, ids) {
			t.Errorf("default order %v, want %v", got, ids)
		}
		first, second, third := entries[0], entries[1], entries[2]
		if first["subject"] != "Charlie" || first["description"] != "Charlie needs help" || first["previous_state"] != "new" {
			t.Errorf("first entry %v", first)
		}
		if second["previous_state"] != "pending" {
			t.Errorf("previous_state %v", second)
		}
		if actor := pObj(t, first, "actor"); pNum(actor, "id") != a.Agent.ID || actor["name"] != "Alan Agent" {
			t.Errorf("actor %v", actor)
		}
		if actor := pObj(t, third, "actor"); pNum(actor, "id") != a.Admin.ID || actor["name"] != "Ada Admin" {
			t.Errorf("actor %v", actor)
		}
		if at, _ := first["deleted_at"].(string); len(at) != len("2014-07-04T15:37:04Z") || !strings.HasSuffix(at, "Z") {
			t.Errorf("deleted_at %v", first["deleted_at"])
		}

		// Sorting.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets?sort_by=subject", nil)
		pStatus(t, "by subject", code, body, http.StatusOK)
		if got := pIDs(t, body, "deleted_tickets"); !slices.Equal(got, []int64{ids[1], ids[2], ids[0]}) {
			t.Errorf("by subject %v", got)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets?sort_by=deleted_at&sort_order=desc", nil)
		pStatus(t, "by deleted_at desc", code, body, http.StatusOK)
		if got := pIDs(t, body, "deleted_tickets"); !slices.Equal(got, []int64{ids[2], ids[1], ids[0]}) {
			t.Errorf("by deleted_at desc %v", got)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets?sort_by=priority", nil)
		pStatus(t, "unknown sort", code, body, http.StatusUnprocessableEntity)

		// Offset pages.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets?per_page=2", nil)
		pStatus(t, "page 1", code, body, http.StatusOK)
		if got := pIDs(t, body, "deleted_tickets"); !slices.Equal(got, ids[:2]) || body["next_page"] == nil || pNum(body, "count") != 3 {
			t.Errorf("page 1 %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", a.pPath(t, body["next_page"]), nil)
		pStatus(t, "page 2", code, body, http.StatusOK)
		if got := pIDs(t, body, "deleted_tickets"); !slices.Equal(got, ids[2:]) || body["next_page"] != nil {
			t.Errorf("page 2 %v", body)
		}
		// Cursor pages, by id only.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets?page[size]=2", nil)
		pStatus(t, "cursor 1", code, body, http.StatusOK)
		if got := pIDs(t, body, "deleted_tickets"); !slices.Equal(got, ids[:2]) || pObj(t, body, "meta")["has_more"] != true {
			t.Errorf("cursor 1 %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", a.pPath(t, pObj(t, body, "links")["next"]), nil)
		pStatus(t, "cursor 2", code, body, http.StatusOK)
		if got := pIDs(t, body, "deleted_tickets"); !slices.Equal(got, ids[2:]) || pObj(t, body, "meta")["has_more"] != false ||
			pObj(t, body, "links")["next"] != nil {
			t.Errorf("cursor 2 %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets?page[size]=2&sort_by=subject", nil)
		pStatus(t, "cursor by subject", code, body, http.StatusBadRequest)

		// restore_many: all or none.
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/deleted_tickets/restore_many?ids=%d,%d", ids[0], ids[1]), nil)
		pStatus(t, "restore_many", code, body, http.StatusOK)
		for _, id := range ids[:2] {
			code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, ""), nil)
			pStatus(t, "restored", code, body, http.StatusOK)
		}
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/deleted_tickets/restore_many?ids=%d,%d", ids[2], ids[0]), nil)
		pNotFound(t, "restore_many with a live ticket", code, body)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets", nil)
		pStatus(t, "list after restore", code, body, http.StatusOK)
		if got := pIDs(t, body, "deleted_tickets"); !slices.Equal(got, ids[2:]) {
			t.Errorf("after restores %v", got)
		}
		code, body = a.do(t, a.Agent, "PUT", "/api/v2/deleted_tickets/restore_many?ids="+strings.Repeat("1,", 100)+"1", nil)
		pStatus(t, "restore_many over 100", code, body, http.StatusBadRequest)
		code, body = a.do(t, a.Agent, "PUT", "/api/v2/deleted_tickets/restore_many", nil)
		pStatus(t, "restore_many without ids", code, body, http.StatusBadRequest)

		// destroy_many: admins; a result per ticket; the job can be polled.
		for _, id := range ids[:2] {
			code, _ := a.do(t, a.Agent, "DELETE", tkTicketPath(id, ""), nil)
			pStatus(t, "delete again", code, nil, http.StatusNoContent)
		}
		q := fmt.Sprintf("/api/v2/deleted_tickets/destroy_many?ids=%d,%d,%d", ids[2], ids[1], 999999)
		code, body = a.do(t, a.Agent, "DELETE", q, nil)
		pStatus(t, "agent destroy_many", code, body, http.StatusForbidden)
		code, body = a.do(t, a.Admin, "DELETE", q, nil)
		pStatus(t, "destroy_many", code, body, http.StatusOK)
		rqSameShape(t, "destroy_many", body, dtFixture(t, "destroy_job_status_response.json"))
		st := a.jobDone(t, a.Admin, pObj(t, body, "job_status"))
		results, _ := st["results"].([]any)
		if len(results) != 3 {
			t.Fatalf("results %v", st)
		}
		for i, want := range []bool{true, true, false} {
			if r := results[i].(map[string]any); r["success"] != want {
				t.Errorf("result %d = %v, want success %v", i, r, want)
			}
		}
		// One left: the single permanent delete is a job status too.
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/deleted_tickets/%d", ids[0]), nil)
		pStatus(t, "destroy", code, body, http.StatusOK)
		rqSameShape(t, "destroy", body, dtFixture(t, "destroy_job_status_response.json"))
		a.jobDone(t, a.Admin, pObj(t, body, "job_status"))
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets", nil)
		pStatus(t, "empty list", code, body, http.StatusOK)
		if len(pList(t, body, "deleted_tickets")) != 0 || pNum(body, "count") != 0 {
			t.Errorf("after destroying all %v", body)
		}
	})
}
