package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/people"
)

// The user page lists the user's organizations and lets staff who may edit
// the user add one, choose the default and remove one; the organization
// page lists every member (not only those for whom it is the default). An
// agent cannot change an admin's organizations; the service says no.
func TestAgentUserPageOrganizations(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			acme, err := e.app.People.CreateOrganization(e.sys, people.OrganizationInput{Name: ptr("Acme Ltd")})
			if err != nil {
				t.Fatal(err)
			}
			beta, err := e.app.People.CreateOrganization(e.sys, people.OrganizationInput{Name: ptr("Beta Corp")})
			if err != nil {
				t.Fatal(err)
			}
			c := e.client()
			c.signIn("/agent/signin", e.agent.Email)
			page := fmt.Sprintf("/agent/users/%d", e.customer.ID)
			if r := c.get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, `<label for="u-add-org">`) {
				t.Fatalf("user page: %d", r.Status)
			}
			add := page + "/organizations"
			if r := c.post(add, url.Values{"organization_id": {id(acme.ID)}}); r.Status != http.StatusSeeOther {
				t.Fatalf("add Acme: %d %s", r.Status, r.Body)
			}
			if r := c.post(add, url.Values{"organization_id": {id(beta.ID)}}); r.Status != http.StatusSeeOther {
				t.Fatalf("add Beta: %d", r.Status)
			}
			if r := c.post(fmt.Sprintf("%s/organizations/%d/default", page, beta.ID), nil); r.Status != http.StatusSeeOther {
				t.Fatalf("make Beta the default: %d", r.Status)
			}
			r := c.get(page)
			if i, j := strings.Index(r.Body, "Beta Corp"), strings.Index(r.Body, "Acme Ltd"); i < 0 || j < 0 || i > j {
				t.Errorf("organizations not listed default first (Beta %d, Acme %d)", i, j)
			}
			u, err := e.app.People.GetUser(e.sys, e.customer.ID)
			if err != nil || u.OrganizationID == nil || *u.OrganizationID != beta.ID {
				t.Fatalf("customer's default organization %v (%v), want Beta", u.OrganizationID, err)
			}
			// Acme's page lists the customer, for whom Acme is not the default.
			if r := c.get(fmt.Sprintf("/agent/organizations/%d", acme.ID)); !strings.Contains(r.Body, e.customer.Name) {
				t.Errorf("Acme's page does not list its member")
			}
			if r := c.post(fmt.Sprintf("%s/organizations/%d/remove", page, acme.ID), nil); r.Status != http.StatusSeeOther {
				t.Fatalf("remove Acme: %d", r.Status)
			}
			ms, err := e.app.People.ListOrgMemberships(e.sys, people.OrgMembershipFilter{UserID: e.customer.ID})
			if err != nil || len(ms) != 1 || ms[0].OrganizationID != beta.ID || !ms[0].Default {
				t.Fatalf("memberships after removal: %+v %v", ms, err)
			}
			// Not for an agent to change an admin's organizations.
			if r := c.post(fmt.Sprintf("/agent/users/%d/organizations", e.admin.ID), url.Values{"organization_id": {id(acme.ID)}}); r.Status != http.StatusForbidden {
				t.Errorf("agent adds the admin to an organization: %d, want 403", r.Status)
			}
			if r := c.post(add, url.Values{"organization_id": {"nope"}}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("bad organization id: %d, want 422", r.Status)
			}
			// Customers have no way in.
			cu := e.client()
			cu.signIn("/signin", e.customer.Email)
			if r := cu.post(add, url.Values{"organization_id": {id(acme.ID)}}); r.Status < 300 || r.Status == http.StatusSeeOther && !strings.Contains(r.Location, "signin") {
				t.Errorf("customer posts to the agent form: %d %s", r.Status, r.Location)
			}
			if ms, _ := e.app.People.ListOrgMemberships(e.sys, people.OrgMembershipFilter{UserID: e.customer.ID}); len(ms) != 1 {
				t.Errorf("customer changed their memberships: %+v", ms)
			}
		})
	}
}

// In a browser, with the keyboard only: the add form is labelled, works
// from the keyboard, and every control on the section has an accessible
// name; in Polish too.
func TestBrowserUserOrganizations(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	if _, err := e.app.People.CreateOrganization(e.sys, people.OrganizationInput{Name: ptr("Keyboard Org")}); err != nil {
		t.Fatal(err)
	}
	pl := "pl"
	if _, err := e.app.People.UpdateUser(e.sys, e.agent.ID, people.UserInput{Locale: &pl}); err != nil {
		t.Fatal(err)
	}
	ag := b.tab("agent")
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	ag.open(fmt.Sprintf("%s/agent/users/%d", e.base, e.customer.ID))
	ag.waitText("Dodaj do organizacji")
	ag.do(chromedp.Focus(chromedp.CSS(`form.inline-form button[type="submit"]`)), chromedp.KeyEvent("\r"))
	ag.waitJS(`document.querySelector(".badge") !== null && document.body.innerText.indexOf("Keyboard Org") >= 0`, "membership added")
	unnamed := ag.eval(`(function () {
		var bad = [];
		document.querySelectorAll("main form button, main form select, main form input:not([type=hidden])").forEach(function (el) {
			var name = el.getAttribute("aria-label") || (el.labels && el.labels.length ? el.labels[0].innerText : "") || el.innerText;
			if (!name || !name.trim()) { bad.push(el.outerHTML.slice(0, 80)); }
		});
		return bad.join("\n");
	})()`)
	if unnamed != "" {
		t.Errorf("controls without an accessible name:\n%s", unnamed)
	}
	ag.shot("user-organizations-pl")
	ms, err := e.app.People.ListOrgMemberships(e.sys, people.OrgMembershipFilter{UserID: e.customer.ID})
	if err != nil || len(ms) != 1 || !ms[0].Default {
		t.Fatalf("memberships %+v %v", ms, err)
	}
	ag.noScriptRan("user organizations")
}
