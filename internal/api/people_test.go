package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// --- helpers (prefixed so they cannot clash with other test files) -------

func pStatus(t *testing.T, what string, got int, body map[string]any, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d, want %d; body %v", what, got, want, body)
	}
}

func pObj(t *testing.T, body map[string]any, key string) map[string]any {
	t.Helper()
	m, ok := body[key].(map[string]any)
	if !ok {
		t.Fatalf("body has no object %q: %v", key, body)
	}
	return m
}

func pList(t *testing.T, body map[string]any, key string) []map[string]any {
	t.Helper()
	raw, ok := body[key].([]any)
	if !ok {
		t.Fatalf("body has no list %q: %v", key, body)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i] = v.(map[string]any)
	}
	return out
}

func pID(t *testing.T, m map[string]any) int64 {
	t.Helper()
	f, ok := m["id"].(float64)
	if !ok {
		t.Fatalf("record has no numeric id: %v", m)
	}
	return int64(f)
}

func pIDs(t *testing.T, body map[string]any, key string) []int64 {
	t.Helper()
	var out []int64
	for _, m := range pList(t, body, key) {
		out = append(out, pID(t, m))
	}
	return out
}

func pNum(m map[string]any, key string) int64 {
	f, _ := m[key].(float64)
	return int64(f)
}

// pInvalid checks a Zendesk RecordInvalid answer naming field.
func pInvalid(t *testing.T, what string, code int, body map[string]any, field string) {
	t.Helper()
	pStatus(t, what, code, body, http.StatusUnprocessableEntity)
	if body["error"] != "RecordInvalid" {
		t.Fatalf("%s: error = %v, want RecordInvalid", what, body["error"])
	}
	details, _ := body["details"].(map[string]any)
	entries, _ := details[field].([]any)
	if len(entries) == 0 {
		t.Fatalf("%s: details has no %q: %v", what, field, body)
	}
	e := entries[0].(map[string]any)
	if e["description"] == "" || e["error"] == nil {
		t.Fatalf("%s: detail entry incomplete: %v", what, e)
	}
}

func pNotFound(t *testing.T, what string, code int, body map[string]any) {
	t.Helper()
	pStatus(t, what, code, body, http.StatusNotFound)
	if body["error"] != "RecordNotFound" {
		t.Fatalf("%s: error = %v, want RecordNotFound", what, body["error"])
	}
}

// pPath turns an absolute link from the API into a path for a.do.
func (a *testAPI) pPath(t *testing.T, link any) string {
	t.Helper()
	s, ok := link.(string)
	if !ok || !strings.HasPrefix(s, a.URL) {
		t.Fatalf("link %v is not on %s", link, a.URL)
	}
	return strings.TrimPrefix(s, a.URL)
}

func userBody(fields map[string]any) map[string]any { return map[string]any{"user": fields} }

// --- users ---------------------------------------------------------------

func TestUsersCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)

		resp, raw := a.request(t, a.Admin, "POST", "/api/v2/users.json", userBody(map[string]any{
			"name": "Bob Buyer", "email": "Bob@Example.org", "role": "end-user", "tags": []string{"VIP", "north"},
			"external_id": "crm-1", "phone": "+1 555 0100", "notes": "prefers email",
		}))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, raw)
		}
		code, body := a.do(t, a.Admin, "GET", "/api/v2/users/search.json?query=bob", nil)
		pStatus(t, "search", code, body, 200)
		if ids := pIDs(t, body, "users"); len(ids) != 1 {
			t.Fatalf("search bob = %v", ids)
		}
		bob := pList(t, body, "users")[0]
		bobID := pID(t, bob)
		wantURL := fmt.Sprintf("%s/api/v2/users/%d.json", a.URL, bobID)
		if loc := resp.Header.Get("Location"); loc != wantURL {
			t.Errorf("Location = %q, want %q", loc, wantURL)
		}
		if bob["url"] != wantURL || bob["email"] != "bob@example.org" || bob["role"] != "end-user" || bob["active"] != true {
			t.Errorf("created user = %v", bob)
		}
		if tags := fmt.Sprint(bob["tags"]); tags != "[vip north]" {
			t.Errorf("tags = %s", tags)
		}

		for _, path := range []string{fmt.Sprintf("/api/v2/users/%d", bobID), fmt.Sprintf("/api/v2/users/%d.json", bobID)} {
			code, body = a.do(t, a.Agent, "GET", path, nil)
			pStatus(t, "show "+path, code, body, 200)
			if u := pObj(t, body, "user"); pID(t, u) != bobID || u["name"] != "Bob Buyer" || u["url"] != wantURL {
				t.Errorf("show %s = %v", path, u)
			}
		}

		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/users/%d.json", bobID), userBody(map[string]any{
			"name": "Bob B.", "notes": "likes tea", "external_id": nil,
		}))
		pStatus(t, "update", code, body, 200)
		if u := pObj(t, body, "user"); u["name"] != "Bob B." || u["notes"] != "likes tea" || u["external_id"] != nil || u["phone"] != "+1 555 0100" {
			t.Errorf("updated user = %v", u)
		}

		code, body = a.do(t, a.Agent, "GET", "/api/v2/users/me.json", nil)
		pStatus(t, "me", code, body, 200)
		if u := pObj(t, body, "user"); pID(t, u) != a.Agent.ID || u["role"] != "agent" || u["email"] != a.Agent.Email {
			t.Errorf("me = %v", u)
		}

		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/show_many.json?ids=%d,%d,999999", bobID, a.Admin.ID), nil)
		pStatus(t, "show_many", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, []int64{a.Admin.ID, bobID}) || pNum(body, "count") != 2 {
			t.Errorf("show_many = %v", body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/show_many.json", nil)
		pStatus(t, "show_many without ids", code, body, 400)

		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/search.json?query=bob@example.org", nil)
		pStatus(t, "search email", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, []int64{bobID}) || pNum(body, "count") != 1 {
			t.Errorf("search by email = %v", body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/search.json?query=nobodyhere", nil)
		pStatus(t, "search none", code, body, 200)
		if len(pList(t, body, "users")) != 0 {
			t.Errorf("search none = %v", body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/search.json", nil)
		pStatus(t, "search without query", code, body, 400)

		// Identities.
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d/identities.json", bobID), nil)
		pStatus(t, "identities", code, body, 200)
		ids := pList(t, body, "identities")
		if len(ids) != 1 || ids[0]["value"] != "bob@example.org" || ids[0]["primary"] != true || ids[0]["type"] != "email" {
			t.Fatalf("identities = %v", ids)
		}
		resp, raw = a.request(t, a.Agent, "POST", fmt.Sprintf("/api/v2/users/%d/identities", bobID),
			map[string]any{"identity": map[string]any{"type": "email", "value": "bob.other@example.org"}})
		if resp.StatusCode != http.StatusCreated || !strings.Contains(resp.Header.Get("Location"), fmt.Sprintf("/api/v2/users/%d/identities/", bobID)) {
			t.Fatalf("add identity: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), raw)
		}
		code, body = a.do(t, a.Agent, "GET", a.pPath(t, resp.Header.Get("Location")), nil)
		pStatus(t, "show identity", code, body, 200)
		if i := pObj(t, body, "identity"); i["value"] != "bob.other@example.org" || i["primary"] != false || i["url"] != resp.Header.Get("Location") {
			t.Errorf("identity = %v", i)
		}
		code, body = a.do(t, a.Agent, "POST", fmt.Sprintf("/api/v2/users/%d/identities", bobID),
			map[string]any{"identity": map[string]any{"type": "email", "value": "not an email"}})
		pInvalid(t, "bad identity", code, body, "value")
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d/identities/999999", bobID), nil)
		pNotFound(t, "missing identity", code, body)

		// Group memberships of a user.
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d/group_memberships.json", a.Agent.ID), nil)
		pStatus(t, "user memberships", code, body, 200)
		if ms := pList(t, body, "group_memberships"); len(ms) != 1 || pNum(ms[0], "group_id") != a.SupportGroupID || ms[0]["default"] != true {
			t.Errorf("agent memberships = %v", ms)
		}

		// create_or_update: 201 when new, 200 when it matched by email.
		resp, raw = a.request(t, a.Agent, "POST", "/api/v2/users/create_or_update.json",
			userBody(map[string]any{"name": "Carol", "email": "carol@example.org"}))
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") == "" {
			t.Fatalf("create_or_update new: %d %s", resp.StatusCode, raw)
		}
		code, body = a.do(t, a.Agent, "POST", "/api/v2/users/create_or_update", userBody(map[string]any{"name": "Carol C", "email": "CAROL@example.org"}))
		pStatus(t, "create_or_update existing", code, body, 200)
		carol := pObj(t, body, "user")
		if carol["name"] != "Carol C" || !strings.HasSuffix(resp.Header.Get("Location"), fmt.Sprintf("/%d.json", pID(t, carol))) {
			t.Errorf("create_or_update update = %v (first Location %s)", carol, resp.Header.Get("Location"))
		}

		// Delete answers 200 with the inactive user; the list drops it.
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/users/%d.json", bobID), nil)
		pStatus(t, "delete", code, body, 200)
		if u := pObj(t, body, "user"); u["active"] != false || pID(t, u) != bobID {
			t.Errorf("deleted user = %v", u)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users", nil)
		pStatus(t, "list after delete", code, body, 200)
		if slices.Contains(pIDs(t, body, "users"), bobID) {
			t.Errorf("deleted user still listed: %v", body)
		}

		// Not found: missing and non-numeric ids, every method.
		for _, c := range []struct{ method, path string }{
			{"GET", "/api/v2/users/999999"}, {"GET", "/api/v2/users/999999.json"}, {"GET", "/api/v2/users/abc"},
			{"GET", "/api/v2/users/-1"}, {"GET", "/api/v2/users/1e3"}, {"DELETE", "/api/v2/users/999999"},
			{"GET", "/api/v2/users/abc/identities"}, {"GET", "/api/v2/users/999999/identities"},
		} {
			code, body = a.do(t, a.Admin, c.method, c.path, nil)
			pNotFound(t, c.method+" "+c.path, code, body)
		}
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/users/999999", userBody(map[string]any{"name": "x"}))
		pNotFound(t, "PUT missing", code, body)
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/users/abc", userBody(map[string]any{"name": "x"}))
		pNotFound(t, "PUT non-numeric", code, body)
		if body["description"] == nil {
			t.Errorf("404 body has no description: %v", body)
		}
	})
}

func TestUsersExternalIDSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		for _, ext := range []string{"crm-42", `x" OR "1"="1`} {
			code, body := a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": "Ext " + ext, "external_id": ext}))
			pStatus(t, "create", code, body, 201)
			id := pID(t, pObj(t, body, "user"))
			code, body = a.do(t, a.Admin, "GET", "/api/v2/users/search.json?external_id="+url.QueryEscape(ext), nil)
			pStatus(t, "search external_id", code, body, 200)
			if ids := pIDs(t, body, "users"); !slices.Equal(ids, []int64{id}) {
				t.Errorf("external_id %q found %v, want [%d]", ext, ids, id)
			}
		}
		code, body := a.do(t, a.Admin, "GET", "/api/v2/users/search.json?external_id=crm-4", nil)
		pStatus(t, "search partial external_id", code, body, 200)
		if ids := pIDs(t, body, "users"); len(ids) != 0 {
			t.Errorf("partial external_id matched %v", ids)
		}
	})
}

func TestUsersListPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		all := []int64{a.Admin.ID, a.Agent.ID, a.EndUser.ID}
		for i := range 2 {
			code, body := a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": fmt.Sprintf("Extra %d", i)}))
			pStatus(t, "create", code, body, 201)
			all = append(all, pID(t, pObj(t, body, "user")))
		}

		code, body := a.do(t, a.Admin, "GET", "/api/v2/users.json", nil)
		pStatus(t, "list", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, all) || pNum(body, "count") != 5 || body["next_page"] != nil || body["previous_page"] != nil {
			t.Fatalf("list = %v", body)
		}
		for _, u := range pList(t, body, "users") {
			if u["url"] != fmt.Sprintf("%s/api/v2/users/%d.json", a.URL, pID(t, u)) {
				t.Errorf("url = %v", u["url"])
			}
		}

		// Role filters. permission_set is a custom role id (agents only):
		// no end-user holds one.
		for q, want := range map[string][]int64{
			"role=agent":                     {a.Agent.ID},
			"role=admin":                     {a.Admin.ID},
			"role[]=agent&role[]=admin":      {a.Admin.ID, a.Agent.ID},
			"role=end-user":                  {a.EndUser.ID, all[3], all[4]},
			"role=end-user&permission_set=7": {},
		} {
			code, body = a.do(t, a.Agent, "GET", "/api/v2/users?"+q, nil)
			pStatus(t, q, code, body, 200)
			if ids := pIDs(t, body, "users"); !slices.Equal(ids, want) || pNum(body, "count") != int64(len(want)) {
				t.Errorf("%s = %v, want %v", q, ids, want)
			}
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/users?role=superhero", nil)
		pInvalid(t, "bad role filter", code, body, "role")

		// Offset paging.
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users.json?per_page=2", nil)
		pStatus(t, "page 1", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, all[:2]) || pNum(body, "count") != 5 || body["next_page"] == nil || body["previous_page"] != nil {
			t.Fatalf("page 1 = %v", body)
		}
		code, body = a.do(t, a.Admin, "GET", a.pPath(t, body["next_page"]), nil)
		pStatus(t, "page 2", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, all[2:4]) || body["previous_page"] == nil {
			t.Fatalf("page 2 = %v", body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users.json?per_page=2&page=3", nil)
		pStatus(t, "page 3", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, all[4:]) || body["next_page"] != nil {
			t.Fatalf("page 3 = %v", body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users.json?page=0", nil)
		pStatus(t, "page 0", code, body, 400)

		// Cursor paging forwards, then back.
		var seen []int64
		path := "/api/v2/users.json?page[size]=2"
		var last map[string]any
		for range 5 {
			code, body = a.do(t, a.Admin, "GET", path, nil)
			pStatus(t, path, code, body, 200)
			seen = append(seen, pIDs(t, body, "users")...)
			last = body
			meta := pObj(t, body, "meta")
			links := pObj(t, body, "links")
			if meta["has_more"] != true {
				if links["next"] != nil {
					t.Fatalf("last page has a next link: %v", body)
				}
				break
			}
			path = a.pPath(t, links["next"])
		}
		if !slices.Equal(seen, all) {
			t.Fatalf("cursor walk = %v, want %v", seen, all)
		}
		if _, ok := last["count"]; ok {
			t.Errorf("cursor page has a count: %v", last)
		}
		code, body = a.do(t, a.Admin, "GET", a.pPath(t, pObj(t, last, "links")["prev"]), nil)
		pStatus(t, "prev", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, all[2:4]) {
			t.Fatalf("prev page = %v, want %v", ids, all[2:4])
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users.json?page[size]=2&sort=-id", nil)
		pStatus(t, "desc", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, []int64{all[4], all[3]}) {
			t.Fatalf("desc page = %v", ids)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users.json?page[after]=garbage", nil)
		pStatus(t, "bad cursor", code, body, 400)
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users.json?sort=name", nil)
		pStatus(t, "bad sort", code, body, 400)

		// Organization and group member lists.
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/groups/%d/users", a.SupportGroupID), nil)
		pStatus(t, "group users", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, []int64{a.Agent.ID}) {
			t.Errorf("group users = %v", ids)
		}
	})
}

func TestUsersPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		eu := a.EndUser

		code, body := a.do(t, eu, "GET", "/api/v2/users", nil)
		pStatus(t, "end-user list", code, body, 403)
		if body["error"] != "Forbidden" {
			t.Errorf("403 body = %v", body)
		}
		code, body = a.do(t, eu, "GET", "/api/v2/users/search?query=ada", nil)
		pStatus(t, "end-user search", code, body, 403)
		code, body = a.do(t, eu, "GET", fmt.Sprintf("/api/v2/users/%d", a.Admin.ID), nil)
		pNotFound(t, "end-user reads admin", code, body)
		code, body = a.do(t, eu, "GET", fmt.Sprintf("/api/v2/users/%d/identities", a.Agent.ID), nil)
		pNotFound(t, "end-user reads agent identities", code, body)
		code, body = a.do(t, eu, "PUT", fmt.Sprintf("/api/v2/users/%d", a.Agent.ID), userBody(map[string]any{"name": "pwned"}))
		pNotFound(t, "end-user updates agent", code, body)
		code, body = a.do(t, eu, "DELETE", fmt.Sprintf("/api/v2/users/%d", a.Agent.ID), nil)
		pNotFound(t, "end-user deletes agent", code, body)
		code, body = a.do(t, eu, "GET", fmt.Sprintf("/api/v2/users/show_many?ids=%d,%d", a.Admin.ID, eu.ID), nil)
		pStatus(t, "end-user show_many", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, []int64{eu.ID}) {
			t.Errorf("end-user show_many = %v", ids)
		}
		code, body = a.do(t, eu, "POST", "/api/v2/users", userBody(map[string]any{"name": "Sock Puppet"}))
		pStatus(t, "end-user creates", code, body, 403)
		code, body = a.do(t, eu, "POST", "/api/v2/users/create_or_update", userBody(map[string]any{"name": "Sock", "email": "sock@example.org"}))
		pStatus(t, "end-user create_or_update", code, body, 403)

		code, body = a.do(t, eu, "GET", "/api/v2/users/me", nil)
		pStatus(t, "end-user me", code, body, 200)
		if u := pObj(t, body, "user"); pID(t, u) != eu.ID || u["role"] != "end-user" {
			t.Errorf("me = %v", u)
		}
		code, body = a.do(t, eu, "PUT", fmt.Sprintf("/api/v2/users/%d", eu.ID), userBody(map[string]any{"name": "Erin E.", "time_zone": "Europe/Berlin"}))
		pStatus(t, "end-user updates self", code, body, 200)
		if u := pObj(t, body, "user"); u["name"] != "Erin E." || u["time_zone"] != "Europe/Berlin" {
			t.Errorf("self update = %v", u)
		}
		code, body = a.do(t, eu, "PUT", fmt.Sprintf("/api/v2/users/%d", eu.ID), userBody(map[string]any{"role": "admin"}))
		pStatus(t, "end-user promotes self", code, body, 403)
		code, body = a.do(t, eu, "GET", fmt.Sprintf("/api/v2/users/%d/group_memberships", eu.ID), nil)
		pStatus(t, "end-user memberships", code, body, 403)

		// Agents create and edit end-users only.
		code, body = a.do(t, a.Agent, "POST", "/api/v2/users", userBody(map[string]any{"name": "Mallory", "email": "mallory@example.org", "role": "admin"}))
		pStatus(t, "agent creates admin", code, body, 403)
		code, body = a.do(t, a.Agent, "POST", "/api/v2/users", userBody(map[string]any{"name": "Mallory", "role": "agent"}))
		pStatus(t, "agent creates agent", code, body, 403)
		code, body = a.do(t, a.Agent, "POST", "/api/v2/users", userBody(map[string]any{"name": "Pat", "password": "correct horse battery"}))
		pStatus(t, "agent sets password", code, body, 403)
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/users/%d", a.Admin.ID), userBody(map[string]any{"name": "Demoted"}))
		pStatus(t, "agent updates admin", code, body, 403)
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/users/%d", eu.ID), userBody(map[string]any{"role": "admin"}))
		pStatus(t, "agent promotes end-user", code, body, 403)
		code, body = a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/users/%d", eu.ID), nil)
		pStatus(t, "agent deletes", code, body, 403)
		code, body = a.do(t, a.Agent, "POST", "/api/v2/users", userBody(map[string]any{"name": "Pat", "email": "pat@example.org"}))
		pStatus(t, "agent creates end-user", code, body, 201)
		if u := pObj(t, body, "user"); u["role"] != "end-user" {
			t.Errorf("agent-created user = %v", u)
		}

		// Admins may not demote or delete themselves.
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/users/%d", a.Admin.ID), userBody(map[string]any{"role": "agent"}))
		pStatus(t, "admin demotes self", code, body, 403)
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/users/%d", a.Admin.ID), nil)
		pStatus(t, "admin deletes self", code, body, 403)

		// Deleting a user revokes their tokens.
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/users/%d", a.Agent.ID), nil)
		pStatus(t, "admin deletes agent", code, body, 200)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/users/me", nil)
		pStatus(t, "deleted agent's token", code, body, 401)
	})
}

func TestUsersValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)

		code, body := a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": "Bad Mail", "email": "not-an-email"}))
		pInvalid(t, "invalid email", code, body, "email")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": "Bad Mail", "email": "Eve <eve@example.org>"}))
		pInvalid(t, "display-name email", code, body, "email")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": "Dup", "email": a.Agent.Email}))
		pInvalid(t, "duplicate email", code, body, "email")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": "Role", "role": "superuser"}))
		pInvalid(t, "invalid role", code, body, "role")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"email": "noname@example.org"}))
		pInvalid(t, "missing name", code, body, "name")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": 123}))
		pInvalid(t, "numeric name", code, body, "name")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": "Tags", "tags": "vip"}))
		pInvalid(t, "string tags", code, body, "tags")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": "Org", "organization_id": 999999}))
		pInvalid(t, "missing organization", code, body, "organization_id")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": "Org", "organization_id": "abc"}))
		pStatus(t, "non-numeric organization_id", code, body, 422)
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": "TZ", "time_zone": "Mars/Olympus"}))
		pInvalid(t, "bad time zone", code, body, "time_zone")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": "Pw", "password": "short"}))
		pInvalid(t, "short password", code, body, "password")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", map[string]any{"name": "No envelope"})
		pInvalid(t, "no envelope", code, body, "user")
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/users/%d", a.EndUser.ID), userBody(map[string]any{"email": "bad@"}))
		pInvalid(t, "update invalid email", code, body, "email")

		// Malformed and oversize bodies.
		for _, raw := range []string{`{"user": {"name": "x"`, `{"user": }`, `not json`, `{"user": {}} trailing`} {
			code, body = a.do(t, a.Admin, "POST", "/api/v2/users", raw)
			pStatus(t, "malformed "+raw, code, body, 400)
			if body["error"] != "InvalidJSON" {
				t.Errorf("malformed %q: %v", raw, body)
			}
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", "")
		pStatus(t, "empty body", code, body, 400)
		huge := `{"user": {"name": "` + strings.Repeat("a", MaxBody+10) + `"}}`
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", huge)
		pStatus(t, "oversize body", code, body, 413)
		if body["error"] != "RequestTooLarge" {
			t.Errorf("413 body = %v", body)
		}
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/users/%d", a.EndUser.ID), huge)
		pStatus(t, "oversize update", code, body, 413)

		// SQL metacharacters are data, in names, notes and searches.
		evil := `Robert'); DROP TABLE users;-- "%_\`
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", userBody(map[string]any{"name": evil, "notes": "1' OR '1'='1", "external_id": "'; --"}))
		pStatus(t, "evil name", code, body, 201)
		u := pObj(t, body, "user")
		if u["name"] != evil || u["notes"] != "1' OR '1'='1" || u["external_id"] != "'; --" {
			t.Errorf("evil user = %v", u)
		}
		evilID := pID(t, u)
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d", evilID), nil)
		pStatus(t, "evil show", code, body, 200)
		if pObj(t, body, "user")["name"] != evil {
			t.Errorf("evil round trip = %v", body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/search?query=robert", nil)
		pStatus(t, "search robert", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, []int64{evilID}) {
			t.Errorf("search robert = %v", ids)
		}
		for _, q := range []string{"'; DROP TABLE users; --", "%", "_", `"`, `\`, "' OR 1=1 --", "*", "a AND b OR", "NEAR(", "robert*"} {
			code, body = a.do(t, a.Admin, "GET", "/api/v2/users/search?query="+url.QueryEscape(q), nil)
			if q == `"` || q == "*" { // the search syntax refuses these (Invalid search)
				pStatus(t, "search "+q, code, body, 422)
				continue
			}
			pStatus(t, "search "+q, code, body, 200)
			if q == "%" || q == "_" || q == "*" {
				if n := len(pList(t, body, "users")); n != 0 {
					t.Errorf("search %q matched %d users", q, n)
				}
			}
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users", nil)
		pStatus(t, "users still there", code, body, 200)
		if pNum(body, "count") != 4 {
			t.Errorf("count after evil input = %v", body["count"])
		}
	})
}

// --- organizations -----------------------------------------------------

func TestOrganizationsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		name := `Acme'; DROP TABLE organizations; --`
		resp, raw := a.request(t, a.Admin, "POST", "/api/v2/organizations.json", map[string]any{"organization": map[string]any{
			"name": name, "domain_names": []string{"Acme.test"}, "external_id": "org-1", "tags": []string{"gold"}, "details": "HQ",
		}})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create org: %d %s", resp.StatusCode, raw)
		}
		code, body := a.do(t, a.Admin, "GET", a.pPath(t, resp.Header.Get("Location")), nil)
		pStatus(t, "show via Location", code, body, 200)
		org := pObj(t, body, "organization")
		orgID := pID(t, org)
		wantURL := fmt.Sprintf("%s/api/v2/organizations/%d.json", a.URL, orgID)
		if org["url"] != wantURL || resp.Header.Get("Location") != wantURL || org["name"] != name ||
			fmt.Sprint(org["domain_names"]) != "[acme.test]" || org["external_id"] != "org-1" {
			t.Errorf("org = %v", org)
		}

		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/organizations/%d", orgID),
			map[string]any{"organization": map[string]any{"notes": "big", "shared_tickets": true}})
		pStatus(t, "update org", code, body, 200)
		if o := pObj(t, body, "organization"); o["notes"] != "big" || o["shared_tickets"] != true || o["details"] != "HQ" {
			t.Errorf("updated org = %v", o)
		}

		code, body = a.do(t, a.Admin, "POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": "ACME'; drop table organizations; --"}})
		pInvalid(t, "duplicate org name", code, body, "name")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": "Other", "domain_names": []string{"acme.test"}}})
		pInvalid(t, "duplicate domain", code, body, "domain_names")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"details": "no name"}})
		pInvalid(t, "org without name", code, body, "name")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": []int{1}}})
		pInvalid(t, "org name as list", code, body, "name")
		code, body = a.do(t, a.Agent, "POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": "Agents Inc"}})
		pStatus(t, "agent creates org", code, body, 403)
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{"name": "Beta"}})
		pStatus(t, "create second org", code, body, 201)
		betaID := pID(t, pObj(t, body, "organization"))

		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations.json", nil)
		pStatus(t, "list orgs", code, body, 200)
		if ids := pIDs(t, body, "organizations"); !slices.Equal(ids, []int64{orgID, betaID}) || pNum(body, "count") != 2 {
			t.Errorf("orgs = %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations.json?page[size]=1", nil)
		pStatus(t, "org cursor", code, body, 200)
		if ids := pIDs(t, body, "organizations"); !slices.Equal(ids, []int64{orgID}) || pObj(t, body, "meta")["has_more"] != true {
			t.Fatalf("org cursor page 1 = %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", a.pPath(t, pObj(t, body, "links")["next"]), nil)
		pStatus(t, "org cursor 2", code, body, 200)
		if ids := pIDs(t, body, "organizations"); !slices.Equal(ids, []int64{betaID}) || pObj(t, body, "meta")["has_more"] != false {
			t.Fatalf("org cursor page 2 = %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", a.pPath(t, pObj(t, body, "links")["prev"]), nil)
		pStatus(t, "org cursor back", code, body, 200)
		if ids := pIDs(t, body, "organizations"); !slices.Equal(ids, []int64{orgID}) {
			t.Fatalf("org cursor back = %v", body)
		}

		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/organizations/show_many?ids=%d,%d,999999", betaID, orgID), nil)
		pStatus(t, "org show_many", code, body, 200)
		if ids := pIDs(t, body, "organizations"); !slices.Equal(ids, []int64{orgID, betaID}) {
			t.Errorf("org show_many = %v", ids)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations/search?name="+url.QueryEscape("acme'; drop TABLE organizations; --"), nil)
		pStatus(t, "org search name", code, body, 200)
		if ids := pIDs(t, body, "organizations"); !slices.Equal(ids, []int64{orgID}) {
			t.Errorf("org search = %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations/search?name=%25", nil)
		pStatus(t, "org search %", code, body, 200)
		if ids := pIDs(t, body, "organizations"); len(ids) != 0 {
			t.Errorf("org search %% = %v", ids)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations/search?external_id=org-1", nil)
		pStatus(t, "org search external_id", code, body, 200)
		if ids := pIDs(t, body, "organizations"); !slices.Equal(ids, []int64{orgID}) {
			t.Errorf("org search external_id = %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations/search", nil)
		pStatus(t, "org search without terms", code, body, 400)

		// Users of an organization.
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/users/%d", a.EndUser.ID), userBody(map[string]any{"organization_id": orgID}))
		pStatus(t, "put user in org", code, body, 200)
		if got := pNum(pObj(t, body, "user"), "organization_id"); got != orgID {
			t.Errorf("organization_id = %d", got)
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/organizations/%d/users.json", orgID), nil)
		pStatus(t, "org users", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, []int64{a.EndUser.ID}) || pNum(body, "count") != 1 {
			t.Errorf("org users = %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/organizations/999999/users", nil)
		pNotFound(t, "missing org users", code, body)

		// End-users see their own organization only.
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/organizations/%d", orgID), nil)
		pStatus(t, "end-user own org", code, body, 200)
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/organizations/%d", betaID), nil)
		pNotFound(t, "end-user other org", code, body)
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/organizations", nil)
		pStatus(t, "end-user org list", code, body, 200)
		if ids := pIDs(t, body, "organizations"); !slices.Equal(ids, []int64{orgID}) {
			t.Errorf("end-user org list = %v", ids)
		}
		code, body = a.do(t, a.EndUser, "PUT", fmt.Sprintf("/api/v2/organizations/%d", orgID), map[string]any{"organization": map[string]any{"name": "Mine"}})
		pStatus(t, "end-user updates org", code, body, 403)
		code, body = a.do(t, a.EndUser, "DELETE", fmt.Sprintf("/api/v2/organizations/%d", betaID), nil)
		pNotFound(t, "end-user deletes other org", code, body)

		// Delete.
		code, body = a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/organizations/%d", orgID), nil)
		pStatus(t, "agent deletes org", code, body, 403)
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/organizations/%d.json", orgID), nil)
		pStatus(t, "delete org", code, body, 204)
		if body != nil {
			t.Errorf("204 with body %v", body)
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/organizations/%d", orgID), nil)
		pNotFound(t, "deleted org", code, body)
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/organizations/%d", orgID), nil)
		pNotFound(t, "delete again", code, body)
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/organizations/xyz", map[string]any{"organization": map[string]any{"name": "x"}})
		pNotFound(t, "non-numeric org", code, body)
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d", a.EndUser.ID), nil)
		pStatus(t, "user after org delete", code, body, 200)
		if v := pObj(t, body, "user")["organization_id"]; v != nil {
			t.Errorf("organization_id after delete = %v", v)
		}
	})
}

// --- groups and memberships ------------------------------------------

func TestGroupsAndMembershipsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Agent, "GET", "/api/v2/groups.json", nil)
		pStatus(t, "list groups", code, body, 200)
		if ids := pIDs(t, body, "groups"); !slices.Equal(ids, []int64{a.SupportGroupID}) || pNum(body, "count") != 1 {
			t.Fatalf("groups = %v", body)
		}

		resp, raw := a.request(t, a.Admin, "POST", "/api/v2/groups", map[string]any{"group": map[string]any{"name": "Billing; --", "description": "money"}})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create group: %d %s", resp.StatusCode, raw)
		}
		code, body = a.do(t, a.Agent, "GET", a.pPath(t, resp.Header.Get("Location")), nil)
		pStatus(t, "show group", code, body, 200)
		g := pObj(t, body, "group")
		billing := pID(t, g)
		if g["name"] != "Billing; --" || g["description"] != "money" || g["url"] != resp.Header.Get("Location") ||
			g["url"] != fmt.Sprintf("%s/api/v2/groups/%d.json", a.URL, billing) {
			t.Errorf("group = %v", g)
		}
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/groups/%d.json", billing), map[string]any{"group": map[string]any{"name": "Billing"}})
		pStatus(t, "update group", code, body, 200)
		if g := pObj(t, body, "group"); g["name"] != "Billing" || g["description"] != "money" {
			t.Errorf("updated group = %v", g)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/groups/assignable.json", nil)
		pStatus(t, "assignable", code, body, 200)
		if ids := pIDs(t, body, "groups"); !slices.Equal(ids, []int64{a.SupportGroupID, billing}) {
			t.Errorf("assignable = %v", ids)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/groups", map[string]any{"group": map[string]any{"description": "nameless"}})
		pInvalid(t, "group without name", code, body, "name")
		code, body = a.do(t, a.Agent, "POST", "/api/v2/groups", map[string]any{"group": map[string]any{"name": "Rogue"}})
		pStatus(t, "agent creates group", code, body, 403)
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/groups", nil)
		pStatus(t, "end-user lists groups", code, body, 403)
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/groups/%d", billing), nil)
		pNotFound(t, "end-user reads group", code, body)
		code, body = a.do(t, a.Admin, "GET", "/api/v2/groups/999999", nil)
		pNotFound(t, "missing group", code, body)

		// Memberships.
		resp, raw = a.request(t, a.Admin, "POST", "/api/v2/group_memberships.json",
			map[string]any{"group_membership": map[string]any{"user_id": a.Agent.ID, "group_id": billing}})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create membership: %d %s", resp.StatusCode, raw)
		}
		code, body = a.do(t, a.Agent, "GET", a.pPath(t, resp.Header.Get("Location")), nil)
		pStatus(t, "show membership", code, body, 200)
		m := pObj(t, body, "group_membership")
		mID := pID(t, m)
		if pNum(m, "user_id") != a.Agent.ID || pNum(m, "group_id") != billing || m["default"] != false ||
			m["url"] != fmt.Sprintf("%s/api/v2/group_memberships/%d.json", a.URL, mID) {
			t.Errorf("membership = %v", m)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/group_memberships",
			map[string]any{"group_membership": map[string]any{"user_id": a.Agent.ID, "group_id": billing}})
		pInvalid(t, "duplicate membership", code, body, "group_id")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/group_memberships",
			map[string]any{"group_membership": map[string]any{"user_id": a.EndUser.ID, "group_id": billing}})
		pInvalid(t, "end-user membership", code, body, "user_id")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/group_memberships",
			map[string]any{"group_membership": map[string]any{"user_id": a.Admin.ID, "group_id": 999999}})
		pInvalid(t, "missing group membership", code, body, "group_id")
		code, body = a.do(t, a.Agent, "POST", "/api/v2/group_memberships",
			map[string]any{"group_membership": map[string]any{"user_id": a.Agent.ID, "group_id": billing}})
		pStatus(t, "agent adds membership", code, body, 403)
		code, body = a.do(t, a.Admin, "POST", fmt.Sprintf("/api/v2/users/%d/group_memberships", a.Admin.ID),
			map[string]any{"group_membership": map[string]any{"group_id": billing}})
		pStatus(t, "membership via user path", code, body, 201)
		if pNum(pObj(t, body, "group_membership"), "user_id") != a.Admin.ID {
			t.Errorf("membership via user path = %v", body)
		}

		code, body = a.do(t, a.Agent, "GET", "/api/v2/group_memberships", nil)
		pStatus(t, "list memberships", code, body, 200)
		if n := len(pList(t, body, "group_memberships")); n != 3 || pNum(body, "count") != 3 {
			t.Errorf("memberships = %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/groups/%d/memberships.json", billing), nil)
		pStatus(t, "group memberships", code, body, 200)
		if n := len(pList(t, body, "group_memberships")); n != 2 {
			t.Errorf("billing memberships = %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/groups/999999/memberships", nil)
		pNotFound(t, "missing group memberships", code, body)
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/group_memberships", nil)
		pStatus(t, "end-user memberships", code, body, 403)
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/group_memberships/%d", mID), nil)
		pNotFound(t, "end-user reads membership", code, body)

		code, body = a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/group_memberships/%d", mID), nil)
		pStatus(t, "agent removes membership", code, body, 403)
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/group_memberships/%d.json", mID), nil)
		pStatus(t, "remove membership", code, body, 204)
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/group_memberships/%d", mID), nil)
		pNotFound(t, "removed membership", code, body)
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/group_memberships/%d", mID), nil)
		pNotFound(t, "remove again", code, body)

		// Delete the group.
		code, body = a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/groups/%d", billing), nil)
		pStatus(t, "agent deletes group", code, body, 403)
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/groups/%d", billing), nil)
		pStatus(t, "delete group", code, body, 204)
		code, body = a.do(t, a.Admin, "GET", "/api/v2/groups", nil)
		pStatus(t, "groups after delete", code, body, 200)
		if ids := pIDs(t, body, "groups"); !slices.Equal(ids, []int64{a.SupportGroupID}) {
			t.Errorf("groups after delete = %v", ids)
		}
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/groups/%d", billing), nil)
		pNotFound(t, "delete group again", code, body)
	})
}

// --- API tokens ---------------------------------------------------------

func TestAPITokensAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		resp, raw := a.request(t, a.Admin, "POST", "/api/v2/api_tokens.json", map[string]any{"api_token": map[string]any{"description": "CI'; --"}})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create token: %d %s", resp.StatusCode, raw)
		}
		code, body := a.do(t, a.Admin, "GET", a.pPath(t, resp.Header.Get("Location")), nil)
		pStatus(t, "show token", code, body, 200)
		shown := pObj(t, body, "api_token")
		if _, ok := shown["token"]; ok {
			t.Errorf("shown token carries its secret: %v", shown)
		}
		tokID := pID(t, shown)
		if shown["description"] != "CI'; --" || pNum(shown, "user_id") != a.Admin.ID ||
			shown["url"] != fmt.Sprintf("%s/api/v2/api_tokens/%d.json", a.URL, tokID) {
			t.Errorf("token = %v", shown)
		}
		// The secret from the create answer works.
		var createdBody map[string]any
		code, createdBody = a.do(t, a.Admin, "POST", "/api/v2/api_tokens", map[string]any{"api_token": map[string]any{"description": "second"}})
		pStatus(t, "create second token", code, createdBody, 201)
		tok := pObj(t, createdBody, "api_token")
		secret, _ := tok["token"].(string)
		if secret == "" {
			t.Fatalf("created token has no secret: %v", tok)
		}
		second := testUser{ID: a.Admin.ID, Email: a.Admin.Email, Token: secret}
		code, body = a.do(t, second, "GET", "/api/v2/users/me", nil)
		pStatus(t, "new token authenticates", code, body, 200)

		code, body = a.do(t, a.Admin, "GET", "/api/v2/api_tokens", nil)
		pStatus(t, "list tokens", code, body, 200)
		for _, t2 := range pList(t, body, "api_tokens") {
			if _, ok := t2["token"]; ok {
				t.Errorf("listed token carries its secret: %v", t2)
			}
		}
		if n := len(pList(t, body, "api_tokens")); n != 5 { // admin, agent, end-user (seeded) + 2
			t.Errorf("admin sees %d tokens: %v", n, body)
		}

		// Agents: own tokens only.
		code, body = a.do(t, a.Agent, "POST", "/api/v2/api_tokens", map[string]any{"api_token": map[string]any{"description": "x", "user_id": a.Admin.ID}})
		pStatus(t, "agent creates admin token", code, body, 403)
		code, body = a.do(t, a.Agent, "POST", "/api/v2/api_tokens", map[string]any{"api_token": map[string]any{"description": "mine"}})
		pStatus(t, "agent creates own token", code, body, 201)
		if pNum(pObj(t, body, "api_token"), "user_id") != a.Agent.ID {
			t.Errorf("agent token = %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/api_tokens", nil)
		pStatus(t, "agent lists tokens", code, body, 200)
		for _, t2 := range pList(t, body, "api_tokens") {
			if pNum(t2, "user_id") != a.Agent.ID {
				t.Errorf("agent sees foreign token %v", t2)
			}
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/api_tokens/%d", tokID), nil)
		pNotFound(t, "agent reads admin token", code, body)
		code, body = a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/api_tokens/%d", tokID), nil)
		pNotFound(t, "agent revokes admin token", code, body)
		code, body = a.do(t, a.EndUser, "POST", "/api/v2/api_tokens", map[string]any{"api_token": map[string]any{"description": "eu"}})
		pStatus(t, "end-user creates token", code, body, 403)
		code, body = a.do(t, a.Admin, "POST", "/api/v2/api_tokens", map[string]any{"api_token": map[string]any{"user_id": a.EndUser.ID}})
		pInvalid(t, "token for end-user", code, body, "user_id")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/api_tokens", map[string]any{"api_token": map[string]any{"description": 5}})
		pInvalid(t, "numeric description", code, body, "description")

		// Revoke: 204, then the token no longer authenticates.
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/api_tokens/%d.json", pID(t, tok)), nil)
		pStatus(t, "revoke", code, body, 204)
		code, body = a.do(t, second, "GET", "/api/v2/users/me", nil)
		pStatus(t, "revoked token", code, body, 401)
		if body["error"] != "Couldn't authenticate you" {
			t.Errorf("401 body = %v", body)
		}
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/api_tokens/%d", pID(t, tok)), nil)
		pNotFound(t, "revoke again", code, body)
	})
}

// --- authentication and routing ----------------------------------------

func TestPeopleAuthentication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		for _, path := range []string{"/api/v2/users", "/api/v2/users/me.json", "/api/v2/organizations", "/api/v2/groups", "/api/v2/api_tokens"} {
			resp, raw := a.request(t, testUser{}, "GET", path, nil)
			if resp.StatusCode != 401 || strings.TrimSpace(string(raw)) != `{"error":"Couldn't authenticate you"}` {
				t.Errorf("%s without auth: %d %s", path, resp.StatusCode, raw)
			}
			if resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: 401 without WWW-Authenticate", path)
			}
		}
		code, body := a.do(t, testUser{Email: a.Admin.Email, Token: "wrong"}, "GET", "/api/v2/users/me", nil)
		pStatus(t, "wrong token", code, body, 401)
		code, body = a.do(t, testUser{Email: a.Agent.Email, Token: a.Admin.Token}, "GET", "/api/v2/users/me", nil)
		pStatus(t, "token with another user's email", code, body, 401)

		req, _ := http.NewRequest("GET", a.URL+"/api/v2/users/me.json", nil)
		req.Header.Set("Authorization", "Bearer "+a.Agent.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("bearer token: %d", resp.StatusCode)
		}

		// Unknown routes under /api/v2 answer a JSON 404.
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/1/nonsense", nil)
		pNotFound(t, "unknown route", code, body)
	})
}

// TestUsersSearchSyntax: users/search takes Zendesk's search syntax
// (https://developer.zendesk.com/api-reference/ticketing/users/users/#search-users:
// "The query parameter supports the Zendesk search syntax"), so
// "role:agent" finds agents rather than users named "role" or "agent";
// free text and email addresses keep matching as before.
func TestUsersSearchSyntax(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		second := a.addUser(t, "Greta Agent", "greta@example.com", desk.RoleAgent)

		code, body := a.do(t, a.Admin, "GET", "/api/v2/users/search.json?query="+url.QueryEscape("role:agent"), nil)
		pStatus(t, "role:agent", code, body, 200)
		ids := pIDs(t, body, "users")
		slices.Sort(ids)
		if !slices.Equal(ids, []int64{a.Agent.ID, second.ID}) || pNum(body, "count") != 2 {
			t.Errorf("role:agent = %v", body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/search.json?per_page=1&query="+url.QueryEscape("role:agent"), nil)
		pStatus(t, "role:agent page 1", code, body, 200)
		if ids := pIDs(t, body, "users"); len(ids) != 1 || body["next_page"] == nil || pNum(body, "count") != 2 {
			t.Errorf("role:agent page 1 = %v", body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/search.json?query="+url.QueryEscape("role:agent greta"), nil)
		pStatus(t, "role and text", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, []int64{second.ID}) {
			t.Errorf("role:agent greta = %v", body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/search.json?query="+url.QueryEscape("role:end-user"), nil)
		pStatus(t, "role:end-user", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, []int64{a.EndUser.ID}) {
			t.Errorf("role:end-user = %v", body)
		}
		// Free text and an address are not keyword queries.
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/search.json?query=greta@example.com", nil)
		pStatus(t, "email", code, body, 200)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, []int64{second.ID}) {
			t.Errorf("email = %v", body)
		}
		// Another type is refused; end-users still may not search users.
		code, body = a.do(t, a.Admin, "GET", "/api/v2/users/search.json?query="+url.QueryEscape("type:ticket status:open"), nil)
		pInvalid(t, "type:ticket", code, body, "query")
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/users/search.json?query="+url.QueryEscape("role:agent"), nil)
		pStatus(t, "end-user", code, body, 403)
	})
}
