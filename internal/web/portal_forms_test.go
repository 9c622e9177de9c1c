package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// formFixture is two portal fields and two end-user forms: "General" (the
// default, no custom fields) and "Hardware", where choosing the printer
// shows the serial number and requires it.
type formFixture struct {
	product, serial   int64
	general, hardware int64
}

func (e *env) ticketForms(t *testing.T) formFixture {
	t.Helper()
	var fx formFixture
	yes := true
	product, err := e.app.Tickets.SaveField(e.sys, 0, ticket.FieldInput{Type: ptr("tagger"), Title: ptr("Product"),
		VisibleInPortal: &yes, EditableInPortal: &yes,
		CustomFieldOptions: &[]desk.FieldOption{{Name: "Printer", Value: "printer"}, {Name: "Scanner", Value: "scanner"}}})
	if err != nil {
		t.Fatal(err)
	}
	serial, err := e.app.Tickets.SaveField(e.sys, 0, ticket.FieldInput{Type: ptr("text"), Title: ptr("Serial number"),
		Description: ptr("On the label under the tray."), VisibleInPortal: &yes, EditableInPortal: &yes})
	if err != nil {
		t.Fatal(err)
	}
	fx.product, fx.serial = product.ID, serial.ID
	fields, err := e.app.Tickets.Fields(e.sys)
	if err != nil {
		t.Fatal(err)
	}
	var system []int64
	for _, f := range fields {
		if f.Type == desk.FieldSubject || f.Type == desk.FieldDescription {
			system = append(system, f.ID)
		}
	}
	general, err := e.app.Tickets.SaveForm(e.sys, 0, ticket.FormInput{Name: ptr("General"), TicketFieldIDs: &system})
	if err != nil {
		t.Fatal(err)
	}
	hwFields := append(append([]int64{}, system...), fx.product, fx.serial)
	hardware, err := e.app.Tickets.SaveForm(e.sys, 0, ticket.FormInput{Name: ptr("Hardware"), DisplayName: ptr("Hardware problem"),
		TicketFieldIDs: &hwFields, EndUserConditions: &[]desk.FormCondition{{ParentFieldID: fx.product, Value: "printer",
			ChildFields: []desk.ChildField{{ID: fx.serial, IsRequired: true}}}}})
	if err != nil {
		t.Fatal(err)
	}
	fx.general, fx.hardware = general.ID, hardware.ID
	return fx
}

// Without JavaScript: the picker, the chosen form's fields, and the rules
// enforced by the server.
func TestPortalWebFormFollowsTicketForms(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, u)
			// No forms: the page stays as it was.
			anon := e.client()
			if r := anon.get("/requests/new"); r.Status != http.StatusOK || strings.Contains(r.Body, "wf-form-picker") {
				t.Fatalf("page without forms: %d", r.Status)
			}
			fx := e.ticketForms(t)
			r := anon.get("/requests/new")
			if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="wf-form-picker"`) || !strings.Contains(r.Body, ">Hardware problem</option>") {
				t.Fatalf("picker missing: %d %s", r.Status, r.Body)
			}
			if strings.Contains(r.Body, `data-field-id="`) {
				t.Errorf("the default form (no custom fields) shows custom fields")
			}
			r = anon.get("/requests/new?ticket_form_id=" + strconv.FormatInt(fx.hardware, 10))
			p, s := strings.Index(r.Body, fmt.Sprintf(`data-field-id="%d"`, fx.product)), strings.Index(r.Body, fmt.Sprintf(`data-field-id="%d"`, fx.serial))
			if p < 0 || s < p || !strings.Contains(r.Body, `<label for="wf-cf_`) || !strings.Contains(r.Body, "On the label under the tray.") ||
				!strings.Contains(r.Body, fmt.Sprintf(`name="ticket_form_id" value="%d"`, fx.hardware)) || !strings.Contains(r.Body, `parent_field_id`) {
				t.Fatalf("hardware form fields: %s", r.Body)
			}

			form := func(extra url.Values) url.Values {
				v := url.Values{"name": {"Pat"}, "email": {"pat@example.com"}, "subject": {"Printer jam"}, "description": {"It jams."},
					"ticket_form_id": {strconv.FormatInt(fx.hardware, 10)}}
				for k, vals := range extra {
					v[k] = vals
				}
				return v
			}
			cf := func(id int64) string { return "cf_" + strconv.FormatInt(id, 10) }
			r = anon.post("/requests/new", form(url.Values{cf(fx.product): {"printer"}}))
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Serial number is required") ||
				!strings.Contains(r.Body, `<option value="printer" selected>`) {
				t.Fatalf("missing required child: %d %s", r.Status, r.Body)
			}
			r = anon.post("/requests/new", form(url.Values{cf(fx.product): {"printer"}, cf(fx.serial): {"SN-42"}}))
			if r.Status != http.StatusSeeOther {
				t.Fatalf("submit: %d %s", r.Status, r.Body)
			}
			id, _ := strconv.ParseInt(strings.TrimPrefix(r.Location, "/requests/submitted?id="), 10, 64)
			tk, err := e.app.Tickets.Get(e.sys, id)
			if err != nil {
				t.Fatal(err)
			}
			if tk.TicketFormID == nil || *tk.TicketFormID != fx.hardware || len(tk.CustomFields) != 2 {
				t.Errorf("ticket form %v, fields %v", tk.TicketFormID, tk.CustomFields)
			}
			// A scanner hides the serial number: a value sent anyway is dropped.
			r = anon.post("/requests/new", form(url.Values{cf(fx.product): {"scanner"}, cf(fx.serial): {"SN-43"}, "subject": {"Scanner"}}))
			if r.Status != http.StatusSeeOther {
				t.Fatalf("submit scanner: %d %s", r.Status, r.Body)
			}
			id, _ = strconv.ParseInt(strings.TrimPrefix(r.Location, "/requests/submitted?id="), 10, 64)
			if tk, err = e.app.Tickets.Get(e.sys, id); err != nil {
				t.Fatal(err)
			}
			if len(tk.CustomFields) != 1 || tk.CustomFields[0].ID != fx.product {
				t.Errorf("fields with the serial hidden = %v", tk.CustomFields)
			}
			// An agent-only form cannot be chosen on the portal.
			if _, err := e.app.Tickets.SaveForm(e.sys, fx.general, ticket.FormInput{EndUserVisible: ptr(false)}); err != nil {
				t.Fatal(err)
			}
			r = anon.post("/requests/new", form(url.Values{"ticket_form_id": {strconv.FormatInt(fx.general, 10)}, "subject": {"Agent form"}}))
			if r.Status != http.StatusSeeOther {
				t.Fatalf("unknown form falls back to an offered one: %d %s", r.Status, r.Body)
			}
			id, _ = strconv.ParseInt(strings.TrimPrefix(r.Location, "/requests/submitted?id="), 10, 64)
			if tk, err = e.app.Tickets.Get(e.sys, id); err != nil || tk.TicketFormID == nil || *tk.TicketFormID != fx.hardware {
				t.Errorf("agent-only form chosen on the portal: %v %v", tk, err)
			}
		})
	}
}

// With JavaScript: choosing the printer shows the serial number, marks it
// required, and the request is filed with both values.
func TestBrowserWebFormConditions(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			fx := e.ticketForms(t)
			serial := fmt.Sprintf(`document.querySelector('[data-field-id="%d"]')`, fx.serial)
			cu := b.tab("customer")
			cu.open(e.base + "/requests/new")
			cu.do(
				chromedp.WaitVisible(chromedp.CSS(`#wf-form-picker`)),
				chromedp.SetValue(chromedp.CSS(`#wf-form-picker`), strconv.FormatInt(fx.hardware, 10)),
				chromedp.Click(chromedp.CSS(`form.form-picker button[type=submit]`)),
			)
			cu.waitJS(serial+` !== null`, "the hardware form")
			cu.waitJS(serial+`.hidden === true && `+serial+`.querySelector("input").disabled === true`, "the serial number hidden")
			product := fmt.Sprintf(`#wf-cf_%d`, fx.product)
			cu.do(chromedp.SetValue(chromedp.CSS(product), "printer"))
			cu.eval(`document.querySelector("` + product + `").dispatchEvent(new Event("change", {bubbles: true})), "ok"`)
			cu.waitJS(serial+`.hidden === false && `+serial+`.querySelector("input").required === true && !`+serial+`.querySelector("[data-req-marker]").hidden`,
				"the serial number shown and required")
			cu.shot("webform-condition")
			cu.do(
				chromedp.SendKeys(chromedp.CSS(`#wf-name`), "Pat Printer"),
				chromedp.SendKeys(chromedp.CSS(`#wf-email`), "pat@example.com"),
				chromedp.SendKeys(chromedp.CSS(`#wf-subject`), "Printer jam"),
				chromedp.SendKeys(chromedp.CSS(`#wf-description`), "Paper jams in tray 2."),
				chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`#wf-cf_%d`, fx.serial)), "SN-77"),
				chromedp.Click(chromedp.CSS(`form[action="/requests/new"][method="post"] button[type=submit]`)),
			)
			cu.waitText("We have received your request")
			cu.noScriptRan("the web form")
			loc, err := cu.location()
			if err != nil {
				t.Fatal(err)
			}
			at := strings.Index(loc, "id=")
			if at < 0 {
				t.Fatalf("confirmation at %s", loc)
			}
			id, _ := strconv.ParseInt(loc[at+3:], 10, 64)
			tk, err := e.app.Tickets.Get(e.sys, id)
			if err != nil {
				t.Fatal(err)
			}
			if tk.Subject != "Printer jam" || tk.TicketFormID == nil || *tk.TicketFormID != fx.hardware || len(tk.CustomFields) != 2 {
				t.Errorf("filed ticket %q: form %v fields %v", tk.Subject, tk.TicketFormID, tk.CustomFields)
			}
		})
	}
}
