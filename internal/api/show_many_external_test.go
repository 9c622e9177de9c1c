package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func smIDs(t *testing.T, body map[string]any, key string) []int64 {
	t.Helper()
	list, ok := body[key].([]any)
	if !ok {
		t.Fatalf("no %s list: %v", key, body)
	}
	var out []int64
	for _, v := range list {
		out = append(out, pNum(v.(map[string]any), "id"))
	}
	if n := pNum(body, "count"); n != int64(len(out)) {
		t.Errorf("count %d for %d %s", n, len(out), key)
	}
	return out
}

// show_many takes external_ids=a,b instead of ids for tickets, users and
// organizations, as in Zendesk.
func TestShowManyByExternalIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		t1 := pID(t, a.tkCreate(t, a.Agent, map[string]any{"subject": "one", "external_id": "crm-1", "requester_id": a.EndUser.ID, "comment": map[string]any{"body": "x"}}))
		t2 := pID(t, a.tkCreate(t, a.Agent, map[string]any{"subject": "two", "external_id": "crm-2", "requester_id": a.EndUser.ID, "comment": map[string]any{"body": "x"}}))
		// Several tickets may share an external id: all are shown.
		t3 := pID(t, a.tkCreate(t, a.Agent, map[string]any{"subject": "three", "external_id": "crm-1", "requester_id": a.EndUser.ID, "comment": map[string]any{"body": "x"}}))
		a.tkCreate(t, a.Agent, map[string]any{"subject": "other", "external_id": "crm-9", "requester_id": a.EndUser.ID, "comment": map[string]any{"body": "x"}})

		code, body := a.do(t, a.Agent, "GET", "/api/v2/tickets/show_many.json?external_ids=crm-1,%20crm-2,,crm-1,missing", nil)
		pStatus(t, "tickets by external ids", code, body, http.StatusOK)
		if got, want := smIDs(t, body, "tickets"), []int64{t1, t2, t3}; !slices.Equal(got, want) {
			t.Errorf("tickets %v, want %v", got, want)
		}
		tk := body["tickets"].([]any)[0].(map[string]any)
		if tk["url"] == nil || tk["external_id"] != "crm-1" {
			t.Errorf("ticket shape: %v", tk)
		}

		code, body = a.do(t, a.Admin, "PUT", "/api/v2/users/"+itoa(a.EndUser.ID)+".json", map[string]any{"user": map[string]any{"external_id": "u-ext"}})
		pStatus(t, "set user external id", code, body, http.StatusOK)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/users/show_many.json?external_ids=u-ext,nope", nil)
		pStatus(t, "users by external ids", code, body, http.StatusOK)
		if got := smIDs(t, body, "users"); !slices.Equal(got, []int64{a.EndUser.ID}) {
			t.Errorf("users %v, want [%d]", got, a.EndUser.ID)
		}

		code, body = a.do(t, a.Admin, "POST", "/api/v2/organizations.json", map[string]any{"organization": map[string]any{"name": "Ext Org", "external_id": "o-ext"}})
		pStatus(t, "create organization", code, body, http.StatusCreated)
		org := pID(t, pObj(t, body, "organization"))
		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations/show_many.json?external_ids=o-ext", nil)
		pStatus(t, "organizations by external ids", code, body, http.StatusOK)
		if got := smIDs(t, body, "organizations"); !slices.Equal(got, []int64{org}) {
			t.Errorf("organizations %v, want [%d]", got, org)
		}
		// End-users see only their own organization.
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/organizations/show_many.json?external_ids=o-ext", nil)
		pStatus(t, "end-user organizations", code, body, http.StatusOK)
		if got := smIDs(t, body, "organizations"); len(got) != 0 {
			t.Errorf("end-user sees organizations %v", got)
		}

		many := strings.Repeat("x,", 101)
		for _, kind := range []string{"tickets", "users", "organizations"} {
			for _, bad := range []string{"external_ids=", "external_ids=,,", "external_ids=a&ids=1", "external_ids=" + many} {
				p := "/api/v2/" + kind + "/show_many.json?" + bad
				if code, body := a.do(t, a.Agent, "GET", p, nil); code != http.StatusBadRequest {
					t.Errorf("%s: %d %v, want 400", p, code, body)
				}
			}
			p := "/api/v2/" + kind + "/show_many.json?external_ids=" + strings.Repeat("y", 300)
			if code, body := a.do(t, a.Agent, "GET", p, nil); code < 400 || code >= 500 {
				t.Errorf("%s: %d %v, want 4xx", kind, code, body)
			}
			p = "/api/v2/" + kind + "/show_many.json?external_ids=a%00b"
			if code, body := a.do(t, a.Agent, "GET", p, nil); code < 400 || code >= 500 {
				t.Errorf("%s NUL: %d %v, want 4xx", kind, code, body)
			}
		}
	})
}
