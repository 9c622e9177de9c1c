package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
)

// User and organization fields on the agent workspace: shown, labelled
// and editable on the user and organization pages; bad values are refused
// and change nothing.
func TestAgentPersonFields(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			dropdown := "dropdown"
			checkbox := "checkbox"
			integer := "integer"
			for _, in := range []people.PersonFieldInput{
				{Key: ptr("plan"), Title: ptr("Support plan"), Type: &dropdown,
					CustomFieldOptions: &[]desk.FieldOption{{Name: "Gold", Value: "gold"}, {Name: "Silver", Value: "silver"}}},
				{Key: ptr("vip"), Title: ptr("VIP customer"), Type: &checkbox},
				{Key: ptr("seats"), Title: ptr("Seats"), Type: &integer},
			} {
				if _, err := e.app.People.SavePersonField(e.sys, desk.ScopeUser, 0, in); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.app.People.SavePersonField(e.sys, desk.ScopeOrganization, 0,
				people.PersonFieldInput{Key: ptr("region"), Title: ptr("Sales region")}); err != nil {
				t.Fatal(err)
			}
			org, err := e.app.People.CreateOrganization(e.sys, people.OrganizationInput{Name: ptr("Fieldco")})
			if err != nil {
				t.Fatal(err)
			}

			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			page := fmt.Sprintf("/agent/users/%d", e.customer.ID)
			r := ag.get(page)
			for _, want := range []string{`<label for="pf-plan">Support plan</label>`, `name="field.vip"`, `<label for="pf-seats">Seats</label>`} {
				if !strings.Contains(r.Body, want) {
					t.Fatalf("user page lacks %s:\n%s", want, r.Body)
				}
			}
			r = ag.post(page+"/notes", url.Values{"notes": {""}, "details": {""}, "field.plan": {"gold"}, "field.vip": {"true"}, "field.seats": {"7"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("save fields: %d %s", r.Status, r.Body)
			}
			u, err := e.app.People.GetUser(e.sys, e.customer.ID)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(u.UserFields) != "map[plan:gold seats:7 vip:true]" {
				t.Fatalf("user_fields = %v", u.UserFields)
			}
			r = ag.get(page)
			if !strings.Contains(r.Body, `<option value="gold" selected>Gold</option>`) || !strings.Contains(r.Body, `value="7"`) {
				t.Fatalf("saved values not shown:\n%s", r.Body)
			}
			r = ag.post(page+"/notes", url.Values{"notes": {"x"}, "details": {""}, "field.plan": {"gold"}, "field.seats": {"many"}})
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("bad value: %d", r.Status)
			}
			if u, _ := e.app.People.GetUser(e.sys, e.customer.ID); u.Notes != "" || u.UserFields["seats"] != 7.0 {
				t.Fatalf("a refused form changed the user: notes %q, fields %v", u.Notes, u.UserFields)
			}
			// Unticking and emptying clear values.
			r = ag.post(page+"/notes", url.Values{"notes": {""}, "details": {""}, "field.plan": {""}, "field.seats": {""}})
			if u, _ := e.app.People.GetUser(e.sys, e.customer.ID); r.Status != http.StatusSeeOther || len(u.UserFields) != 0 {
				t.Fatalf("clearing: %d, fields %v", r.Status, u.UserFields)
			}

			// Organizations: admins edit, agents read.
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			opage := fmt.Sprintf("/agent/organizations/%d", org.ID)
			if r := ad.post(opage+"/notes", url.Values{"notes": {""}, "details": {""}, "field.region": {"EMEA"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("save organization field: %d %s", r.Status, r.Body)
			}
			r = ag.get(opage)
			if !strings.Contains(r.Body, "<dt>Sales region</dt><dd>EMEA</dd>") {
				t.Fatalf("organization page as agent:\n%s", r.Body)
			}
			if r := ag.get("/agent/search?type=user&q=" + url.QueryEscape("vip:true")); r.Status != http.StatusOK {
				t.Fatalf("search by a field key in the workspace: %d", r.Status)
			}
		})
	}
}

// The admin pages that manage user and organization fields.
func TestAdminPersonFieldPages(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			r := ad.get("/agent/admin/user-fields")
			if r.Status != http.StatusOK || !strings.Contains(r.Body, `<label for="npf-key">`) {
				t.Fatalf("user fields page: %d\n%s", r.Status, r.Body)
			}
			r = ad.post("/agent/admin/user-fields", url.Values{"key": {"plan"}, "title": {"Plan"}, "type": {"dropdown"}, "options": {"Gold\nSilver"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			fields, err := e.app.People.PersonFields(e.sys, desk.ScopeUser)
			if err != nil || len(fields) != 1 || fields[0].Key != "plan" || len(fields[0].CustomFieldOptions) != 2 {
				t.Fatalf("fields after create: %v %v", fields, err)
			}
			r = ad.post("/agent/admin/user-fields", url.Values{"key": {"plan"}, "title": {"Again"}, "type": {"text"}})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `value="Again"`) {
				t.Fatalf("duplicate key: %d", r.Status)
			}
			id := fields[0].ID
			if r := ad.post(fmt.Sprintf("/agent/admin/user-fields/%d", id), url.Values{"title": {"Support plan"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("rename: %d %s", r.Status, r.Body)
			}
			if f, _ := e.app.People.PersonField(e.sys, desk.ScopeUser, id); f.Title != "Support plan" || f.Active {
				t.Fatalf("after rename (active unticked): %+v", f)
			}
			if r := ad.post("/agent/admin/organization-fields", url.Values{"key": {"region"}, "title": {"Region"}, "type": {"text"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("create organization field: %d %s", r.Status, r.Body)
			}
			if r := ad.get("/agent/admin/organization-fields", "Accept-Language", "pl"); !strings.Contains(r.Body, "Pola organizacji") || !strings.Contains(r.Body, "region") {
				t.Fatalf("organization fields page in Polish:\n%s", r.Body)
			}
			if r := ad.post(fmt.Sprintf("/agent/admin/user-fields/%d/delete", id), nil); r.Status != http.StatusSeeOther {
				t.Fatalf("delete: %d %s", r.Status, r.Body)
			}
			if fields, _ := e.app.People.PersonFields(e.sys, desk.ScopeUser); len(fields) != 0 {
				t.Fatalf("fields after delete: %v", fields)
			}

			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			if r := ag.get("/agent/admin/user-fields"); r.Status == http.StatusOK {
				t.Fatalf("an agent opened the admin page")
			}
			if r := ag.post("/agent/admin/organization-fields", url.Values{"key": {"x"}, "title": {"X"}}); r.Status == http.StatusSeeOther {
				t.Fatalf("an agent created a field")
			}
			if fields, _ := e.app.People.PersonFields(e.sys, desk.ScopeOrganization); len(fields) != 1 {
				t.Fatalf("organization fields: %v", fields)
			}
		})
	}
}
