package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// jobDone runs the queue and returns the polled, completed job status.
func (a *testAPI) jobDone(t *testing.T, u testUser, js map[string]any) map[string]any {
	t.Helper()
	id, _ := js["id"].(string)
	if id == "" || js["url"] != a.URL+"/api/v2/job_statuses/"+id+".json" {
		t.Fatalf("job_status = %v", js)
	}
	a.tkRunJobs(t)
	code, body := a.do(t, u, "GET", "/api/v2/job_statuses/"+id, nil)
	pStatus(t, "poll "+id, code, body, http.StatusOK)
	st := pObj(t, body, "job_status")
	if st["status"] != "completed" {
		t.Fatalf("job not completed: %v", st)
	}
	return st
}

// A queued job status has Zendesk's nulls (progress, message, results);
// the list shows the caller's own jobs (an admin's, all); show_many keeps
// the order asked and leaves out others' and unknown ids.
func TestJobStatusesListAndShowMany(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Agent, "POST", "/api/v2/users/create_many", map[string]any{"users": []map[string]any{{"name": "Q", "email": "q@bulk.test"}}})
		pStatus(t, "create_many", code, body, http.StatusOK)
		mine := pObj(t, body, "job_status")
		for _, k := range []string{"progress", "message", "results"} {
			if v, ok := mine[k]; !ok || v != nil {
				t.Errorf("queued %s = %v (present %v), want null", k, v, ok)
			}
		}
		if mine["job_type"] != "users.create_many" || pNum(mine, "total") != 1 {
			t.Errorf("queued job %v", mine)
		}
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/users/destroy_many?ids=%d", a.EndUser.ID), nil)
		pStatus(t, "destroy_many", code, body, http.StatusOK)
		admins := pObj(t, body, "job_status")
		mineID, adminsID := mine["id"].(string), admins["id"].(string)

		ids := func(body map[string]any) []string {
			var out []string
			for _, js := range pList(t, body, "job_statuses") {
				out = append(out, js["id"].(string))
			}
			return out
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/job_statuses", nil)
		pStatus(t, "agent list", code, body, http.StatusOK)
		if got := ids(body); len(got) != 1 || got[0] != mineID {
			t.Errorf("agent list = %v, want [%s]", got, mineID)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/job_statuses.json", nil)
		pStatus(t, "admin list", code, body, http.StatusOK)
		if got := ids(body); len(got) != 2 {
			t.Errorf("admin list = %v, want both jobs", got)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/job_statuses", nil)
		pStatus(t, "end-user list", code, body, http.StatusOK)
		if got := ids(body); len(got) != 0 {
			t.Errorf("end-user list = %v", got)
		}

		q := "/api/v2/job_statuses/show_many?ids=" + adminsID + ",nosuch," + mineID
		code, body = a.do(t, a.Agent, "GET", q, nil)
		pStatus(t, "agent show_many", code, body, http.StatusOK)
		if got := ids(body); len(got) != 1 || got[0] != mineID {
			t.Errorf("agent show_many = %v", got)
		}
		code, body = a.do(t, a.Admin, "GET", q, nil)
		pStatus(t, "admin show_many", code, body, http.StatusOK)
		if got := ids(body); len(got) != 2 || got[0] != adminsID || got[1] != mineID {
			t.Errorf("admin show_many = %v", got)
		}
		for _, bad := range []string{"", "?ids=", "?ids=a'b"} {
			code, body = a.do(t, a.Admin, "GET", "/api/v2/job_statuses/show_many"+bad, nil)
			if bad == "?ids=a'b" {
				pStatus(t, "odd id", code, body, http.StatusOK)
				continue
			}
			pStatus(t, "show_many "+bad, code, body, http.StatusBadRequest)
		}
		done := a.jobDone(t, a.Agent, mine)
		if done["message"] == nil || pNum(done, "progress") != 1 || len(pList(t, done, "results")) != 1 {
			t.Errorf("completed job %v", done)
		}
	})
}

func TestUsersBulkJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		// An agent creates end-users; the record asking for an admin fails
		// alone, by the rules of POST /users.
		code, body := a.do(t, a.Agent, "POST", "/api/v2/users/create_many", map[string]any{"users": []map[string]any{
			{"name": "One", "email": "one@bulk.test", "external_id": "ext-1"},
			{"name": "Boss", "email": "boss@bulk.test", "role": "admin"},
			{"name": "Two", "email": "two@bulk.test", "external_id": "ext-2"},
		}})
		pStatus(t, "create_many", code, body, http.StatusOK)
		rs := pList(t, a.jobDone(t, a.Agent, pObj(t, body, "job_status")), "results")
		if len(rs) != 3 || rs[0]["success"] != true || rs[0]["status"] != "Created" || rs[1]["success"] != false || rs[2]["success"] != true {
			t.Fatalf("create_many results %v", rs)
		}
		one, two := pNum(rs[0], "id"), pNum(rs[2], "id")
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/search?query=boss@bulk.test", nil)
		if code == http.StatusOK && len(pList(t, body, "users")) != 0 {
			t.Fatalf("agent's create_many made an admin: %v", body)
		}

		// create_or_update_many updates by email and creates the rest.
		code, body = a.do(t, a.Agent, "POST", "/api/v2/users/create_or_update_many", map[string]any{"users": []map[string]any{
			{"name": "One Renamed", "email": "one@bulk.test"},
			{"name": "Three", "email": "three@bulk.test"},
		}})
		pStatus(t, "create_or_update_many", code, body, http.StatusOK)
		rs = pList(t, a.jobDone(t, a.Agent, pObj(t, body, "job_status")), "results")
		if len(rs) != 2 || pNum(rs[0], "id") != one || rs[0]["action"] != "update" || rs[1]["action"] != "create" || rs[1]["success"] != true {
			t.Fatalf("create_or_update_many results %v", rs)
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d", one), nil)
		pStatus(t, "renamed", code, body, http.StatusOK)
		if u := pObj(t, body, "user"); u["name"] != "One Renamed" {
			t.Fatalf("not updated: %v", u)
		}

		// update_many: agents may not; admins by external_ids, and the
		// job id answers at job_statuses (it was "inline-update_many_users",
		// a 404).
		code, body = a.do(t, a.Agent, "PUT", "/api/v2/users/update_many?external_ids=ext-1", map[string]any{"user": map[string]any{"notes": "x"}})
		pStatus(t, "agent update_many", code, body, http.StatusForbidden)
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/users/update_many?external_ids=ext-1,ext-2,nosuch", map[string]any{"user": map[string]any{"notes": "bulk note"}})
		pStatus(t, "update_many external_ids", code, body, http.StatusOK)
		rs = pList(t, a.jobDone(t, a.Admin, pObj(t, body, "job_status")), "results")
		if len(rs) != 3 || pNum(rs[0], "id") != one || pNum(rs[1], "id") != two || rs[0]["success"] != true || rs[2]["success"] != false || rs[2]["external_id"] != "nosuch" {
			t.Fatalf("update_many results %v", rs)
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d", two), nil)
		if u := pObj(t, body, "user"); u["notes"] != "bulk note" {
			t.Fatalf("not updated: %v", u)
		}

		// update_many's list form: each entry its own change.
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/users/update_many", map[string]any{"users": []map[string]any{
			{"id": one, "notes": "own one"}, {"id": two, "notes": "own two"},
		}})
		pStatus(t, "update_many list", code, body, http.StatusOK)
		rs = pList(t, a.jobDone(t, a.Admin, pObj(t, body, "job_status")), "results")
		if len(rs) != 2 || pNum(rs[1], "id") != two || rs[1]["success"] != true {
			t.Fatalf("update_many list results %v", rs)
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d", one), nil)
		if u := pObj(t, body, "user"); u["notes"] != "own one" {
			t.Fatalf("not updated: %v", u)
		}
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/users/update_many", map[string]any{"users": []map[string]any{{"notes": "no id"}}})
		pStatus(t, "entry without id", code, body, http.StatusBadRequest)
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users/create_many", map[string]any{"users": []map[string]any{{"name": "P", "email": "p@bulk.test", "password": "correct horse battery staple 42"}}})
		pStatus(t, "password in bulk", code, body, http.StatusUnprocessableEntity)

		// destroy_many: admins only; the owner is refused per record.
		code, body = a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/users/destroy_many?ids=%d", one), nil)
		pStatus(t, "agent destroy_many", code, body, http.StatusForbidden)
		code, body = a.do(t, a.Admin, "DELETE", "/api/v2/users/destroy_many", nil)
		pStatus(t, "destroy_many without ids", code, body, http.StatusBadRequest)
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/users/destroy_many?ids=%d,%d", one, a.Admin.ID), nil)
		pStatus(t, "destroy_many", code, body, http.StatusOK)
		rs = pList(t, a.jobDone(t, a.Admin, pObj(t, body, "job_status")), "results")
		if len(rs) != 2 || rs[0]["success"] != true || rs[0]["status"] != "Deleted" || rs[1]["success"] != false {
			t.Fatalf("destroy_many results %v", rs)
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d", one), nil)
		if u := pObj(t, body, "user"); u["active"] != false {
			t.Fatalf("not deleted: %v", u)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users/create_many", map[string]any{"users": []map[string]any{}})
		pStatus(t, "empty create_many", code, body, http.StatusUnprocessableEntity)
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users/create_many", map[string]any{"users": []any{nil}})
		pStatus(t, "null user", code, body, http.StatusBadRequest)
	})
}

func TestOrganizationsBulkAndLookups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Agent, "POST", "/api/v2/organizations/create_many", map[string]any{"organizations": []map[string]any{{"name": "Acme"}}})
		pStatus(t, "agent create_many", code, body, http.StatusForbidden)
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organizations/create_many", map[string]any{"organizations": []map[string]any{
			{"name": "Acme Ltd", "external_id": "acme"}, {"name": "acme ltd"}, {"name": "Acorn_Co"},
		}})
		pStatus(t, "create_many", code, body, http.StatusOK)
		js := pObj(t, body, "job_status")
		if js["job_type"] != "organizations.create_many" || pNum(js, "total") != 3 {
			t.Fatalf("queued %v", js)
		}
		rs := pList(t, a.jobDone(t, a.Admin, js), "results")
		if len(rs) != 3 || rs[0]["success"] != true || rs[1]["success"] != false || rs[2]["success"] != true {
			t.Fatalf("create_many results %v (the duplicate name must fail alone)", rs)
		}
		acme, acorn := pNum(rs[0], "id"), pNum(rs[2], "id")

		// count and autocomplete (prefix, case-insensitive, LIKE wildcards literal).
		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations/count.json", nil)
		pStatus(t, "count", code, body, http.StatusOK)
		if c := pObj(t, body, "count"); pNum(c, "value") < 2 || c["refreshed_at"] == nil {
			t.Fatalf("count %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations/autocomplete?name=AC", nil)
		pStatus(t, "autocomplete", code, body, http.StatusOK)
		if ids := pIDs(t, body, "organizations"); len(ids) != 2 || ids[0] != acme || ids[1] != acorn {
			t.Fatalf("autocomplete ac = %v", ids)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations/autocomplete?name=acorn_", nil)
		if ids := pIDs(t, body, "organizations"); len(ids) != 1 || ids[0] != acorn {
			t.Fatalf("autocomplete acorn_ = %v", ids)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations/autocomplete?name=a%25", nil)
		if ids := pIDs(t, body, "organizations"); len(ids) != 0 {
			t.Fatalf("autocomplete a%% = %v", ids)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations/autocomplete?name=a", nil)
		pStatus(t, "one letter", code, body, http.StatusUnprocessableEntity)
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/organizations/autocomplete?name=ac", nil)
		pStatus(t, "end-user autocomplete", code, body, http.StatusForbidden)

		// create_or_update: by external_id updates (200), new creates (201).
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organizations/create_or_update", map[string]any{"organization": map[string]any{"external_id": "acme", "notes": "found"}})
		pStatus(t, "create_or_update existing", code, body, http.StatusOK)
		if o := pObj(t, body, "organization"); pNum(o, "id") != acme || o["notes"] != "found" {
			t.Fatalf("create_or_update %v", o)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organizations/create_or_update", map[string]any{"organization": map[string]any{"name": "Brand New"}})
		pStatus(t, "create_or_update new", code, body, http.StatusCreated)
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organizations/create_or_update", map[string]any{"organization": map[string]any{"id": 999999, "notes": "x"}})
		pNotFound(t, "create_or_update unknown id", code, body)

		// update_many, both forms.
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/organizations/update_many?ids=%d,%d,999999", acme, acorn), map[string]any{"organization": map[string]any{"notes": "same"}})
		pStatus(t, "update_many ids", code, body, http.StatusOK)
		rs = pList(t, a.jobDone(t, a.Admin, pObj(t, body, "job_status")), "results")
		if len(rs) != 3 || rs[0]["success"] != true || rs[1]["success"] != true || rs[2]["success"] != false {
			t.Fatalf("update_many results %v", rs)
		}
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/organizations/update_many", map[string]any{"organizations": []map[string]any{
			{"id": acme, "notes": "own A"}, {"id": acorn, "notes": "own B"},
		}})
		pStatus(t, "update_many each", code, body, http.StatusOK)
		a.jobDone(t, a.Admin, pObj(t, body, "job_status"))
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/organizations/%d", acorn), nil)
		if o := pObj(t, body, "organization"); o["notes"] != "own B" {
			t.Fatalf("not updated: %v", o)
		}
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/organizations/update_many", map[string]any{"organizations": []map[string]any{{"notes": "no id"}}})
		pStatus(t, "entry without id", code, body, http.StatusBadRequest)
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/organizations/update_many?ids=1", map[string]any{})
		pStatus(t, "no change", code, body, http.StatusUnprocessableEntity)

		// destroy_many.
		code, body = a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/organizations/destroy_many?ids=%d", acme), nil)
		pStatus(t, "agent destroy_many", code, body, http.StatusForbidden)
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/organizations/destroy_many?ids=%d", acme), nil)
		pStatus(t, "destroy_many", code, body, http.StatusOK)
		rs = pList(t, a.jobDone(t, a.Admin, pObj(t, body, "job_status")), "results")
		if len(rs) != 1 || rs[0]["success"] != true || rs[0]["status"] != "Deleted" {
			t.Fatalf("destroy_many results %v", rs)
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/organizations/%d", acme), nil)
		pNotFound(t, "destroyed", code, body)
	})
}
