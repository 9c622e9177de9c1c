package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Tests of user fields and organization fields (fixtures:
// testdata/person_fields, from Zendesk's reference; see its README).

func pfFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "person_fields", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// pfInvalid checks a 422 RecordInvalid naming field in its details.
func pfInvalid(t *testing.T, what string, code int, body map[string]any, field string) {
	t.Helper()
	pStatus(t, what, code, body, http.StatusUnprocessableEntity)
	if body["error"] != "RecordInvalid" {
		t.Fatalf("%s: error %v, want RecordInvalid", what, body["error"])
	}
	if _, ok := pObj(t, body, "details")[field]; !ok {
		t.Fatalf("%s: details do not name %s: %v", what, field, body["details"])
	}
}

func TestPersonFieldsZendeskBodies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		shape := pObj(t, pfFixture(t, "show_user_field_response.json"), "user_field")

		resp, data := a.request(t, a.Admin, "POST", "/api/v2/user_fields.json", pfFixture(t, "create_user_field.json"))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create user field: %d %s", resp.StatusCode, data)
		}
		var body map[string]any
		if err := json.Unmarshal(data, &body); err != nil {
			t.Fatal(err)
		}
		uf := pObj(t, body, "user_field")
		rqSameShape(t, "user field", uf, shape)
		if uf["key"] != "support_description" || uf["type"] != "text" || uf["title"] != "Support description" || uf["active"] != true {
			t.Fatalf("created field: %v", uf)
		}
		id := pID(t, uf)
		if loc := resp.Header.Get("Location"); loc != uf["url"] {
			t.Fatalf("Location %q, url %v", loc, uf["url"])
		}

		code, body := a.do(t, a.Agent, "GET", "/api/v2/user_fields", nil)
		pStatus(t, "list as agent", code, body, http.StatusOK)
		if ids := pIDs(t, body, "user_fields"); !slices.Equal(ids, []int64{id}) || body["count"] != 1.0 {
			t.Fatalf("list: %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/user_fields/%d.json", id), nil)
		pStatus(t, "show", code, body, http.StatusOK)
		rqSameShape(t, "show", pObj(t, body, "user_field"), shape)

		// The key is set once; the type too; the title must be there.
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/user_fields/%d", id), map[string]any{"user_field": map[string]any{"key": "other"}})
		pfInvalid(t, "change key", code, body, "key")
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/user_fields/%d", id), map[string]any{"user_field": map[string]any{"type": "integer"}})
		pfInvalid(t, "change type", code, body, "type")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/user_fields", pfFixture(t, "create_user_field.json"))
		pfInvalid(t, "duplicate key", code, body, "key")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/user_fields", map[string]any{"user_field": map[string]any{"key": "bad key", "title": "x"}})
		pfInvalid(t, "bad key", code, body, "key")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/user_fields", map[string]any{"user_field": map[string]any{"key": "k2", "title": "x", "type": "lookup"}})
		pfInvalid(t, "unsupported type", code, body, "type")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/user_fields", map[string]any{"user_field": map[string]any{"key": "k3", "title": "x", "type": "regexp", "regexp_for_validation": "("}})
		pfInvalid(t, "bad pattern", code, body, "regexp_for_validation")
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/user_fields/%d", id), map[string]any{"user_field": map[string]any{"title": "Plan notes"}})
		pStatus(t, "rename", code, body, http.StatusOK)
		if f := pObj(t, body, "user_field"); f["title"] != "Plan notes" || f["raw_title"] != "Plan notes" || f["key"] != "support_description" {
			t.Fatalf("renamed: %v", f)
		}

		// Organization fields: the same family under their own names.
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organization_fields", pfFixture(t, "create_organization_field.json"))
		pStatus(t, "create organization field", code, body, http.StatusCreated)
		of := pObj(t, body, "organization_field")
		rqSameShape(t, "organization field", of, shape)
		if of["key"] != "support_description" { // keys are unique per family, not across them
			t.Fatalf("organization field: %v", of)
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/organization_fields/%d", id), nil)
		pStatus(t, "a user field is no organization field", code, body, http.StatusNotFound)

		// A dropdown and its options.
		code, body = a.do(t, a.Admin, "POST", "/api/v2/user_fields", map[string]any{"user_field": map[string]any{
			"type": "dropdown", "key": "fruit", "title": "Fruit",
			"custom_field_options": []any{map[string]any{"name": "Apples", "value": "apple"}, map[string]any{"name": "Pears", "value": "pear"}},
		}})
		pStatus(t, "create dropdown", code, body, http.StatusCreated)
		dd := pID(t, pObj(t, body, "user_field"))
		opts := pList(t, pObj(t, body, "user_field"), "custom_field_options")
		if len(opts) != 2 || opts[0]["value"] != "apple" || opts[1]["name"] != "Pears" {
			t.Fatalf("options: %v", opts)
		}
		resp, data = a.request(t, a.Admin, "POST", fmt.Sprintf("/api/v2/user_fields/%d/options", dd), pfFixture(t, "create_option.json"))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create option: %d %s", resp.StatusCode, data)
		}
		if err := json.Unmarshal(data, &body); err != nil {
			t.Fatal(err)
		}
		opt := pObj(t, body, "custom_field_option")
		rqSameShape(t, "option", opt, pObj(t, pfFixture(t, "option_response.json"), "custom_field_option"))
		if opt["value"] != "grape" || opt["name"] != "Grapes" || resp.Header.Get("Location") != opt["url"] {
			t.Fatalf("option: %v", opt)
		}
		grape := pID(t, opt)
		code, body = a.do(t, a.Admin, "POST", fmt.Sprintf("/api/v2/user_fields/%d/options", dd),
			map[string]any{"custom_field_option": map[string]any{"id": grape, "name": "Green grapes", "value": "grape"}})
		pStatus(t, "update option", code, body, http.StatusOK)
		if o := pObj(t, body, "custom_field_option"); o["name"] != "Green grapes" || pID(t, o) != grape {
			t.Fatalf("updated option: %v", o)
		}
		code, body = a.do(t, a.Admin, "POST", fmt.Sprintf("/api/v2/user_fields/%d/options", dd),
			map[string]any{"custom_field_option": map[string]any{"name": "Dup", "value": "apple"}})
		pfInvalid(t, "duplicate option value", code, body, "custom_field_options")
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/user_fields/%d/options", dd), nil)
		pStatus(t, "list options", code, body, http.StatusOK)
		if got := pList(t, body, "custom_field_options"); len(got) != 3 || got[2]["name"] != "Green grapes" || got[2]["position"] != 2.0 {
			t.Fatalf("options: %v", got)
		}
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/user_fields/%d/options/%d", dd, grape), nil)
		pStatus(t, "delete option", code, body, http.StatusNoContent)
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/user_fields/%d/options/%d", dd, grape), nil)
		pStatus(t, "deleted option", code, body, http.StatusNotFound)
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/user_fields/%d/options", id), nil)
		pStatus(t, "a text field has no options", code, body, http.StatusNotFound)

		// Reorder: the listed ids take positions 0, 1, … Zendesk documents
		// no body; the answer is still valid JSON, as its Content-Type says
		// (node-zendesk parses every application/json answer).
		resp, data = a.request(t, a.Admin, "PUT", "/api/v2/user_fields/reorder", map[string]any{"user_field_ids": []int64{dd, id}})
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(data)) != "{}" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("reorder: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), data)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/user_fields", nil)
		pStatus(t, "list", code, body, http.StatusOK)
		if ids := pIDs(t, body, "user_fields"); !slices.Equal(ids, []int64{dd, id}) {
			t.Fatalf("order after reorder: %v", ids)
		}
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/user_fields/reorder", map[string]any{"user_field_ids": []int64{dd, pID(t, of)}})
		pfInvalid(t, "reorder with an organization field", code, body, "user_field_ids")
		code, body = a.do(t, a.Admin, "GET", "/api/v2/user_fields", nil)
		if ids := pIDs(t, body, "user_fields"); !slices.Equal(ids, []int64{dd, id}) {
			t.Fatalf("a refused reorder changed the order: %v", ids)
		}

		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/user_fields/%d", dd), nil)
		pStatus(t, "delete", code, body, http.StatusNoContent)
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/user_fields/%d", dd), nil)
		pStatus(t, "deleted", code, body, http.StatusNotFound)
	})
}

func TestPersonFieldValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		for _, f := range []map[string]any{
			pObj(t, pfFixture(t, "create_user_field.json"), "user_field"),
			{"key": "plan", "title": "Plan", "type": "dropdown", "custom_field_options": []any{
				map[string]any{"name": "Gold", "value": "gold"}, map[string]any{"name": "Silver", "value": "silver"}}},
			{"key": "seats", "title": "Seats", "type": "integer"},
			{"key": "vip", "title": "VIP", "type": "checkbox"},
			{"key": "renewal", "title": "Renewal", "type": "date"},
			{"key": "account_no", "title": "Account", "type": "regexp", "regexp_for_validation": `^AC-\d+$`},
		} {
			code, body := a.do(t, a.Admin, "POST", "/api/v2/user_fields", map[string]any{"user_field": f})
			pStatus(t, "create "+f["key"].(string), code, body, http.StatusCreated)
		}
		code, body := a.do(t, a.Admin, "POST", "/api/v2/organization_fields", map[string]any{"organization_field": map[string]any{
			"key": "tier", "title": "Tier", "type": "dropdown", "custom_field_options": []any{map[string]any{"name": "Enterprise", "value": "enterprise"}}}})
		pStatus(t, "create tier", code, body, http.StatusCreated)

		// Zendesk's documented update body.
		path := fmt.Sprintf("/api/v2/users/%d", a.EndUser.ID)
		code, body = a.do(t, a.Agent, "PUT", path, pfFixture(t, "update_user.json"))
		pStatus(t, "update user", code, body, http.StatusOK)
		if v := pObj(t, pObj(t, body, "user"), "user_fields"); v["support_description"] != "Premium plan, 24/7" {
			t.Fatalf("user_fields: %v", v)
		}
		code, body = a.do(t, a.Agent, "PUT", path, map[string]any{"user": map[string]any{"user_fields": map[string]any{
			"plan": "gold", "seats": "12", "vip": true, "renewal": "2027-01-31", "account_no": "AC-42"}}})
		pStatus(t, "set values", code, body, http.StatusOK)
		want := map[string]any{"support_description": "Premium plan, 24/7", "plan": "gold", "seats": 12.0, "vip": true,
			"renewal": "2027-01-31", "account_no": "AC-42"}
		code, body = a.do(t, a.Agent, "GET", path, nil)
		pStatus(t, "show", code, body, http.StatusOK)
		if got := pObj(t, pObj(t, body, "user"), "user_fields"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("user_fields %v, want %v", got, want)
		}

		// Bad values: 422 naming user_fields, and nothing changes.
		for _, bad := range []map[string]any{
			{"plan": "platinum"}, {"seats": 1.5}, {"vip": "maybe"}, {"renewal": "31/01/2027"},
			{"account_no": "42"}, {"no_such_field": "x"}, {"support_description": 5}, {"seats": 3, "plan": "bronze"},
		} {
			code, body = a.do(t, a.Agent, "PUT", path, map[string]any{"user": map[string]any{"user_fields": bad}})
			pfInvalid(t, fmt.Sprint("bad ", bad), code, body, "user_fields")
		}
		code, body = a.do(t, a.Agent, "GET", path, nil)
		if got := pObj(t, pObj(t, body, "user"), "user_fields"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("a refused update changed user_fields: %v", got)
		}

		// null clears one value and leaves the others.
		code, body = a.do(t, a.Agent, "PUT", path, map[string]any{"user": map[string]any{"user_fields": map[string]any{"seats": nil}}})
		pStatus(t, "clear", code, body, http.StatusOK)
		if got := pObj(t, pObj(t, body, "user"), "user_fields"); got["seats"] != nil || got["plan"] != "gold" {
			t.Fatalf("after clearing seats: %v", got)
		}

		// End-users may not set their own values.
		code, body = a.do(t, a.EndUser, "PUT", path, map[string]any{"user": map[string]any{"user_fields": map[string]any{"plan": "silver"}}})
		pStatus(t, "end-user sets own field", code, body, http.StatusForbidden)

		// Create and create_or_update carry values too.
		code, body = a.do(t, a.Agent, "POST", "/api/v2/users", map[string]any{"user": map[string]any{
			"name": "Fay Fields", "email": "fay@fields.test", "user_fields": map[string]any{"plan": "silver"}}})
		pStatus(t, "create with values", code, body, http.StatusCreated)
		fay := pID(t, pObj(t, body, "user"))
		if v := pObj(t, pObj(t, body, "user"), "user_fields"); v["plan"] != "silver" {
			t.Fatalf("created user_fields: %v", v)
		}
		code, body = a.do(t, a.Agent, "POST", "/api/v2/users", map[string]any{"user": map[string]any{
			"name": "Bad Values", "email": "bad@fields.test", "user_fields": map[string]any{"plan": "tin"}}})
		pfInvalid(t, "create with a bad value", code, body, "user_fields")
		code, body = a.do(t, a.Agent, "GET", "/api/v2/users/search?query=bad@fields.test", nil)
		if n := len(pList(t, body, "users")); n != 0 {
			t.Fatalf("a refused create made a user")
		}
		code, body = a.do(t, a.Agent, "POST", "/api/v2/users/create_or_update", map[string]any{"user": map[string]any{
			"email": "fay@fields.test", "user_fields": map[string]any{"vip": true}}})
		pStatus(t, "create_or_update", code, body, http.StatusOK)
		if v := pObj(t, pObj(t, body, "user"), "user_fields"); v["vip"] != true || v["plan"] != "silver" {
			t.Fatalf("create_or_update user_fields: %v", v)
		}

		// Organizations: organization_fields, same rules.
		code, body = a.do(t, a.Admin, "POST", "/api/v2/organizations", map[string]any{"organization": map[string]any{
			"name": "Fields Ltd", "organization_fields": map[string]any{"tier": "enterprise"}}})
		pStatus(t, "create organization", code, body, http.StatusCreated)
		org := pID(t, pObj(t, body, "organization"))
		if v := pObj(t, pObj(t, body, "organization"), "organization_fields"); v["tier"] != "enterprise" {
			t.Fatalf("organization_fields: %v", v)
		}
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/organizations/%d", org), map[string]any{"organization": map[string]any{
			"organization_fields": map[string]any{"tier": "startup"}}})
		pfInvalid(t, "bad organization value", code, body, "organization_fields")

		// Search by key.
		for q, wantIDs := range map[string][]int64{
			"type:user plan:gold":               {a.EndUser.ID},
			"type:user plan:silver":             {fay},
			"type:user vip:true":                {a.EndUser.ID, fay},
			"type:user -plan:gold vip:true":     {fay},
			"type:user account_no:ac-4*":        {a.EndUser.ID},
			"type:user renewal:2027-01-31":      {a.EndUser.ID},
			"type:organization tier:enterprise": {org},
		} {
			code, body = a.do(t, a.Agent, "GET", "/api/v2/search?query="+url.QueryEscape(q), nil)
			pStatus(t, q, code, body, http.StatusOK)
			got := pIDs(t, body, "results")
			slices.Sort(got)
			if !slices.Equal(got, wantIDs) {
				t.Errorf("%s: %v, want %v", q, got, wantIDs)
			}
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/users/search?query=premium", nil)
		pStatus(t, "users/search", code, body, http.StatusOK)
		if ids := pIDs(t, body, "users"); !slices.Equal(ids, []int64{a.EndUser.ID}) {
			t.Fatalf("users/search by a text value: %v", ids)
		}

		// Deleting a field removes its values everywhere.
		code, body = a.do(t, a.Admin, "GET", "/api/v2/user_fields", nil)
		var planID int64
		for _, f := range pList(t, body, "user_fields") {
			if f["key"] == "plan" {
				planID = pID(t, f)
			}
		}
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/user_fields/%d", planID), nil)
		pStatus(t, "delete plan", code, body, http.StatusNoContent)
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d", fay), nil)
		if v := pObj(t, pObj(t, body, "user"), "user_fields"); v["plan"] != nil || v["vip"] != true {
			t.Fatalf("after deleting the field: %v", v)
		}
	})
}

func TestPersonFieldsAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		body := map[string]any{"user_field": map[string]any{"key": "k", "title": "K"}}
		code, resp := a.do(t, a.Agent, "POST", "/api/v2/user_fields", body)
		pStatus(t, "agent creates", code, resp, http.StatusForbidden)
		code, resp = a.do(t, a.EndUser, "GET", "/api/v2/organization_fields", nil)
		pStatus(t, "end-user lists", code, resp, http.StatusForbidden)
		f, err := a.srv.People.SavePersonField(desk.SystemContext(context.Background()), desk.ScopeUser, 0, people.PersonFieldInput{Key: ptrTo("k"), Title: ptrTo("K")})
		if err != nil {
			t.Fatal(err)
		}
		code, resp = a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/user_fields/%d", f.ID), nil)
		pStatus(t, "agent deletes", code, resp, http.StatusForbidden)
		code, resp = a.do(t, a.Agent, "PUT", "/api/v2/user_fields/reorder", map[string]any{"user_field_ids": []int64{f.ID}})
		pStatus(t, "agent reorders", code, resp, http.StatusForbidden)
		code, resp = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/user_fields/%d", f.ID), nil)
		if pObj(t, resp, "user_field")["title"] != "K" {
			t.Fatalf("a refused request changed the field: %v", resp)
		}
	})
}

// The permission matrix rows for the person field families (appended so
// this family's rows live with its tests).
func init() {
	for _, fam := range personFieldFamilies {
		base := "/api/v2/" + fam.plural
		single := fam.single
		scope := fam.scope
		newField := fresh(func(m *mx, t *testing.T) int64 { return m.newPersonField(t, scope, "text") })
		newDropdown := fresh(func(m *mx, t *testing.T) int64 { return m.newPersonField(t, scope, "dropdown") })
		matrix = append(matrix,
			mcase{route: "GET " + base, want: staffOK, req: path(base)},
			mcase{route: "POST " + base, want: adminCreate, req: func(_ *testing.T, m *mx, _ string) (string, any) {
				return base, map[string]any{single: map[string]any{"key": m.uniq("matrix_"), "title": "Matrix"}}
			}},
			mcase{route: "PUT " + base + "/reorder", want: adminOnly, req: func(t *testing.T, m *mx, _ string) (string, any) {
				return base + "/reorder", map[string]any{single + "_ids": []int64{newField(t, m)}}
			}},
			mcase{route: "GET " + base + "/{id}", want: staffOK, req: idPath(base+"/%d", newField, nil)},
			mcase{route: "PUT " + base + "/{id}", want: adminOnly, req: idPath(base+"/%d", newField, map[string]any{single: map[string]any{"title": "T"}})},
			mcase{route: "DELETE " + base + "/{id}", want: adminDelete, req: idPath(base+"/%d", newField, nil)},
			mcase{route: "GET " + base + "/{id}/options", want: staffOK, req: idPath(base+"/%d/options", newDropdown, nil)},
			mcase{route: "POST " + base + "/{id}/options", want: adminCreate, req: idPath(base+"/%d/options", newDropdown,
				map[string]any{"custom_field_option": map[string]any{"name": "New", "value": "new"}})},
			mcase{route: "GET " + base + "/{id}/options/{option_id}", want: staffOK, req: idPath(base+"/%d/options/1", newDropdown, nil)},
			mcase{route: "DELETE " + base + "/{id}/options/{option_id}", want: adminDelete, req: idPath(base+"/%d/options/1", newDropdown, nil)},
		)
	}
}

// newPersonField makes a user or organization field (a dropdown has the
// options 1 "one" and 2 "two").
func (m *mx) newPersonField(t *testing.T, scope desk.FieldScope, typ string) int64 {
	t.Helper()
	in := people.PersonFieldInput{Key: ptrTo(m.uniq("mx_")), Title: ptrTo("Matrix field"), Type: &typ}
	if typ == "dropdown" {
		in.CustomFieldOptions = &[]desk.FieldOption{{Name: "One", Value: "one"}, {Name: "Two", Value: "two"}}
	}
	f, err := m.a.srv.People.SavePersonField(m.sys, scope, 0, in)
	if err != nil {
		t.Fatal(err)
	}
	return f.ID
}
