package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/people"
)

// The admin pages for ticket forms and field options, and the ticket
// form on the agent's ticket page.
func TestAdminTicketFormsPages(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, u)
			fx := e.ticketForms(t)
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)

			if r := ag.get("/agent/admin/forms"); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
				t.Errorf("agent on the forms page: %d", r.Status)
			}
			r := ad.get("/agent/admin/forms")
			if r.Status != http.StatusOK || !strings.Contains(r.Body, ">General</a>") || !strings.Contains(r.Body, ">Hardware</a>") {
				t.Fatalf("forms page: %d %s", r.Status, r.Body)
			}
			// Create, then edit: fields in order and an end-user condition.
			r = ad.post("/agent/admin/forms", url.Values{"name": {"Billing"}})
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/agent/admin/forms/") {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			formPath := strings.SplitN(r.Location, "?", 2)[0]
			if r = ad.get(formPath); r.Status != http.StatusOK || !strings.Contains(r.Body, `name="ec_rows" value="1"`) {
				t.Fatalf("form page: %d %s", r.Status, r.Body)
			}
			sid := func(n int64) string { return fmt.Sprint(n) }
			edit := url.Values{"name": {"Billing"}, "display_name": {"Billing question"}, "active": {"1"}, "end_user_visible": {"1"},
				"field": {sid(fx.serial), sid(fx.product)}, "pos_" + sid(fx.product): {"1"}, "pos_" + sid(fx.serial): {"2"},
				"ec_rows": {"1"}, "ec_parent_0": {sid(fx.product)}, "ec_value_0": {"scanner"}, "ec_children_0": {sid(fx.serial)}, "ec_required_0": {sid(fx.serial)},
				"ac_rows": {"1"}, "ac_parent_0": {"0"}}
			if r = ad.post(formPath, edit); r.Status != http.StatusSeeOther {
				t.Fatalf("save: %d %s", r.Status, r.Body)
			}
			var formID int64
			fmt.Sscanf(strings.TrimPrefix(formPath, "/agent/admin/forms/"), "%d", &formID)
			f, err := e.app.Tickets.Form(e.sys, formID)
			if err != nil {
				t.Fatal(err)
			}
			if f.DisplayName != "Billing question" || len(f.TicketFieldIDs) != 2 || f.TicketFieldIDs[0] != fx.product ||
				len(f.EndUserConditions) != 1 || f.EndUserConditions[0].Value != "scanner" || !f.EndUserConditions[0].ChildFields[0].IsRequired || len(f.AgentConditions) != 0 {
				t.Errorf("saved form = %+v", f)
			}
			// A bad condition is refused with the service's message; nothing changes.
			bad := url.Values{"name": {"Billing"}, "active": {"1"}, "field": {sid(fx.product)}, "ec_rows": {"1"},
				"ec_parent_0": {sid(fx.product)}, "ec_value_0": {"fax"}, "ec_children_0": {sid(fx.serial)}}
			if r = ad.post(formPath, bad); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not a value of the parent field") {
				t.Errorf("bad condition: %d", r.Status)
			}
			// Clone and delete.
			if r = ad.post(formPath+"/clone", nil); r.Status != http.StatusSeeOther {
				t.Fatalf("clone: %d", r.Status)
			}
			if r = ad.post(formPath+"/delete", nil); r.Status != http.StatusSeeOther {
				t.Fatalf("delete: %d", r.Status)
			}
			if _, err := e.app.Tickets.Form(e.sys, formID); desk.ErrorCode(err) != desk.ENOTFOUND {
				t.Errorf("deleted form still there: %v", err)
			}
			if r = ad.post(fmt.Sprintf("/agent/admin/forms/%d/delete", fx.general), nil); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("deleting the default form: %d", r.Status)
			}

			// Options: add, rename and re-tag, delete.
			optPath := fmt.Sprintf("/agent/admin/fields/%d/options", fx.product)
			if r = ad.get("/agent/admin/fields"); !strings.Contains(r.Body, `href="`+optPath+`"`) {
				t.Errorf("no options link on the fields page")
			}
			if r = ad.post(optPath, url.Values{"name": {"Fax machine"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("add option: %d %s", r.Status, r.Body)
			}
			opts, _ := e.app.Tickets.FieldOptions(e.sys, fx.product)
			if len(opts) != 3 || opts[2].Value != "fax_machine" {
				t.Fatalf("options = %+v", opts)
			}
			if r = ad.post(optPath, url.Values{"option_id": {sid(opts[2].ID)}, "name": {"Fax"}, "value": {"fax"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("edit option: %d", r.Status)
			}
			if r = ad.post(optPath, url.Values{"name": {"Printer again"}, "value": {"printer"}}); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("duplicate tag: %d", r.Status)
			}
			if r = ad.post(fmt.Sprintf("%s/%d/delete", optPath, opts[2].ID), nil); r.Status != http.StatusSeeOther {
				t.Fatalf("delete option: %d", r.Status)
			}
			if opts, _ = e.app.Tickets.FieldOptions(e.sys, fx.product); len(opts) != 2 {
				t.Errorf("options after delete = %+v", opts)
			}

			// The agent's ticket page shows the ticket's form and changes it;
			// the form's fields are the ones shown.
			tk := e.ticketFor(e.customer, "Which form?", "Body")
			path := fmt.Sprintf("/agent/tickets/%d", tk.ID)
			r = ag.get(path)
			if !strings.Contains(r.Body, `id="p-form"`) || !strings.Contains(r.Body, fmt.Sprintf(`<option value="%d" selected>General</option>`, fx.general)) ||
				strings.Contains(r.Body, fmt.Sprintf(`name="field_%d"`, fx.product)) {
				t.Fatalf("ticket page form select: %s", r.Body)
			}
			if r = ag.post(path, url.Values{"ticket_form_id": {sid(fx.hardware)}, "fields_present": {"1"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("change form: %d %s", r.Status, r.Body)
			}
			got, err := e.app.Tickets.Get(e.sys, tk.ID)
			if err != nil || got.TicketFormID == nil || *got.TicketFormID != fx.hardware {
				t.Fatalf("form after change: %v %v", got.TicketFormID, err)
			}
			if r = ag.get(path); !strings.Contains(r.Body, fmt.Sprintf(`name="field_%d"`, fx.product)) {
				t.Errorf("the hardware form's fields are not shown")
			}
		})
	}
}

// The new pages in English and Polish: no missing key, the page's language.
func TestTicketFormsPagesInEveryLanguage(t *testing.T) {
	e := newEnv(t, "")
	fx := e.ticketForms(t)
	tk := e.ticketFor(e.customer, "Form", "Body")
	locale.ResetMissingKeys()
	for _, loc := range []string{"en", "pl"} {
		l := loc
		if _, err := e.app.People.UpdateUser(e.sys, e.admin.ID, people.UserInput{Locale: &l}); err != nil {
			t.Fatal(err)
		}
		ad := e.client()
		ad.signIn("/agent/signin", e.admin.Email)
		anon := e.client()
		pages := map[string]resp{
			"forms":   ad.get("/agent/admin/forms"),
			"form":    ad.get(fmt.Sprintf("/agent/admin/forms/%d", fx.hardware)),
			"options": ad.get(fmt.Sprintf("/agent/admin/fields/%d/options", fx.product)),
			"ticket":  ad.get(fmt.Sprintf("/agent/tickets/%d", tk.ID)),
			"portal":  anon.get(fmt.Sprintf("/requests/new?ticket_form_id=%d", fx.hardware), "Accept-Language", loc),
		}
		for what, r := range pages {
			if r.Status != http.StatusOK || strings.Contains(r.Body, "⟦") || !strings.Contains(r.Body, `lang="`+loc+`"`) {
				i := max(strings.Index(r.Body, "⟦"), 0)
				t.Errorf("%s %s: %d, near %q", loc, what, r.Status, r.Body[i:min(len(r.Body), i+80)])
			}
		}
	}
	if keys := locale.MissingKeys(); len(keys) > 0 {
		t.Errorf("keys missing from a catalogue: %v", keys)
	}
}
