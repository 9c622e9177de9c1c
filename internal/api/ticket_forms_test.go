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
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Tests of system ticket fields, field options and ticket forms (fixtures:
// testdata/ticket_forms, from Zendesk's reference; see its README).

func tfFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "ticket_forms", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// customFieldIDs lists the ids of the removable (custom) fields of a
// ticket_fields list.
func customFieldIDs(t *testing.T, body map[string]any) []int64 {
	t.Helper()
	var out []int64
	for _, f := range pList(t, body, "ticket_fields") {
		if f["removable"] == true {
			out = append(out, pID(t, f))
		}
	}
	return out
}

// systemFieldID is the id of the system field of type typ.
func (a *testAPI) systemFieldID(t *testing.T, typ string) int64 {
	t.Helper()
	_, body := a.do(t, a.Admin, "GET", "/api/v2/ticket_fields", nil)
	for _, f := range pList(t, body, "ticket_fields") {
		if f["type"] == typ {
			return pID(t, f)
		}
	}
	t.Fatalf("no system field %s", typ)
	return 0
}

func TestSystemTicketFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "text", "title": "Serial"}})
		pStatus(t, "create custom", code, body, http.StatusCreated)
		customID := pID(t, pObj(t, body, "ticket_field"))

		// Agents read the system fields first, in Zendesk's order, not removable.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/ticket_fields.json", nil)
		pStatus(t, "agent list", code, body, http.StatusOK)
		var types []string
		for _, f := range pList(t, body, "ticket_fields") {
			types = append(types, f["type"].(string))
			if f["type"] != "text" && f["removable"] != false {
				t.Errorf("system field %v is removable", f["type"])
			}
		}
		if want := append(slices.Clone(desk.SystemFieldTypes), "text"); !slices.Equal(types, want) {
			t.Fatalf("types = %v, want %v", types, want)
		}
		for _, f := range pList(t, body, "ticket_fields") {
			opts, _ := f["system_field_options"].([]any)
			switch f["type"] {
			case "status", "priority", "tickettype":
				if len(opts) != 4 {
					t.Errorf("%v system_field_options = %v", f["type"], opts)
				}
			default:
				if opts != nil {
					t.Errorf("%v has system_field_options %v", f["type"], opts)
				}
			}
		}
		subject := a.systemFieldID(t, "subject")
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/ticket_fields/%d", subject), nil)
		pStatus(t, "show subject", code, body, http.StatusOK)
		rqSameShape(t, "subject field", pObj(t, body, "ticket_field"), pObj(t, tfFixture(t, "show_system_field_response.json"), "ticket_field"))

		// End-users see subject and description (visible in the portal).
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/ticket_fields", nil)
		pStatus(t, "end-user list", code, body, http.StatusOK)
		types = nil
		for _, f := range pList(t, body, "ticket_fields") {
			types = append(types, f["type"].(string))
		}
		if !slices.Equal(types, []string{"subject", "description"}) {
			t.Errorf("end-user sees %v", types)
		}

		// Not deletable; only the documented properties change.
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/ticket_fields/%d", subject), nil)
		pStatus(t, "delete system", code, body, http.StatusForbidden)
		put := func(id int64, f map[string]any) (int, map[string]any) {
			return a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/ticket_fields/%d", id), map[string]any{"ticket_field": f})
		}
		code, body = put(subject, map[string]any{"title_in_portal": "What is it about?", "required_in_portal": true})
		pStatus(t, "portal title", code, body, http.StatusOK)
		if f := pObj(t, body, "ticket_field"); f["title_in_portal"] != "What is it about?" || f["title"] != "Subject" || f["required_in_portal"] != true || f["removable"] != false {
			t.Errorf("updated subject = %v", f)
		}
		code, body = put(subject, map[string]any{"type": "text"})
		pInvalid(t, "change type", code, body, "type")
		code, body = put(subject, map[string]any{"visible_in_portal": false})
		pInvalid(t, "hide subject", code, body, "visible_in_portal")
		code, body = put(a.systemFieldID(t, "status"), map[string]any{"active": false})
		pInvalid(t, "deactivate status", code, body, "active")
		code, body = put(a.systemFieldID(t, "priority"), map[string]any{"tag": "x"})
		pInvalid(t, "tag on system", code, body, "base")
		code, body = put(a.systemFieldID(t, "priority"), map[string]any{"active": false})
		pStatus(t, "deactivate priority", code, body, http.StatusOK)
		code, body = a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "subject", "title": "Another"}})
		pInvalid(t, "create system type", code, body, "type")
		// A system field is not a custom field of a ticket.
		code, body = a.do(t, a.Agent, "POST", "/api/v2/tickets", tkBody(map[string]any{
			"subject": "s", "comment": map[string]any{"body": "b"}, "custom_fields": []any{map[string]any{"id": subject, "value": "x"}},
		}))
		pInvalid(t, "system as custom", code, body, "custom_fields")

		// A required subject is enforced on end-users' requests.
		code, body = a.do(t, a.EndUser, "POST", "/api/v2/requests", map[string]any{"request": map[string]any{"comment": map[string]any{"body": "no subject"}}})
		pInvalid(t, "request without subject", code, body, "subject")
		code, body = a.do(t, a.EndUser, "POST", "/api/v2/requests", map[string]any{"request": map[string]any{"subject": "Hi", "comment": map[string]any{"body": "b"}}})
		pStatus(t, "request with subject", code, body, http.StatusCreated)
		_ = customID
	})
}

func TestTicketFieldOptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{
			"type": "tagger", "title": "Pie", "custom_field_options": []any{
				map[string]any{"name": "Apple Pie", "value": "apple"}, map[string]any{"name": "Banana Pie", "value": "banana"}},
		}})
		pStatus(t, "create dropdown", code, body, http.StatusCreated)
		field := pID(t, pObj(t, body, "ticket_field"))
		base := fmt.Sprintf("/api/v2/ticket_fields/%d/options", field)

		code, body = a.do(t, a.Agent, "GET", base+".json", nil)
		pStatus(t, "list", code, body, http.StatusOK)
		want := tfFixture(t, "list_options_response.json")
		rqSameShape(t, "options list", body, want)
		opts := pList(t, body, "custom_field_options")
		if len(opts) != 2 || opts[0]["value"] != "apple" || opts[1]["position"] != float64(1) ||
			opts[0]["url"] != fmt.Sprintf("%s%s/%d.json", a.URL, base, pID(t, opts[0])) {
			t.Fatalf("options = %v", opts)
		}
		rqSameShape(t, "option", opts[0], pList(t, want, "custom_field_options")[0])

		// Create (201 with Location), then update by id through the same POST (200).
		resp, raw := a.request(t, a.Admin, "POST", base, tfFixture(t, "create_option.json"))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create option: %d %s", resp.StatusCode, raw)
		}
		var created map[string]any
		tkJSON(t, raw, &created)
		grape := pObj(t, created, "custom_field_option")
		rqSameShape(t, "created option", grape, pObj(t, tfFixture(t, "create_option_response.json"), "custom_field_option"))
		grapeID := pID(t, grape)
		if grape["value"] != "grape" || grape["position"] != float64(2) || resp.Header.Get("Location") != grape["url"] {
			t.Errorf("created = %v (Location %q)", grape, resp.Header.Get("Location"))
		}
		code, body = a.do(t, a.Admin, "POST", base, map[string]any{"custom_field_option": map[string]any{"id": grapeID, "name": "Green grapes", "value": "Green_Grape"}})
		pStatus(t, "update option", code, body, http.StatusOK)
		if o := pObj(t, body, "custom_field_option"); pID(t, o) != grapeID || o["name"] != "Green grapes" || o["value"] != "green_grape" {
			t.Errorf("updated = %v", o)
		}
		code, body = a.do(t, a.Admin, "POST", base, map[string]any{"custom_field_option": map[string]any{"name": "Dup", "value": "apple"}})
		pInvalid(t, "duplicate tag", code, body, "custom_field_option")
		code, body = a.do(t, a.Admin, "POST", base, map[string]any{"custom_field_option": map[string]any{"id": 999, "name": "X", "value": "x"}})
		pNotFound(t, "update unknown option", code, body)
		code, body = a.do(t, a.Agent, "POST", base, map[string]any{"custom_field_option": map[string]any{"name": "Agent", "value": "agent"}})
		pStatus(t, "agent create", code, body, http.StatusForbidden)

		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("%s/%d", base, grapeID), nil)
		pStatus(t, "show", code, body, http.StatusOK)

		// Delete, and the id is not given again.
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("%s/%d", base, grapeID), nil)
		pStatus(t, "delete", code, body, http.StatusNoContent)
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("%s/%d", base, grapeID), nil)
		pNotFound(t, "deleted option", code, body)
		code, body = a.do(t, a.Admin, "POST", base, map[string]any{"custom_field_option": map[string]any{"name": "Cherry", "value": "cherry"}})
		pStatus(t, "create after delete", code, body, http.StatusCreated)
		if id := pID(t, pObj(t, body, "custom_field_option")); id <= grapeID {
			t.Errorf("new option id %d reuses a deleted one (%d)", id, grapeID)
		}

		// Changing a tag leaves tickets with the old tag, as in Zendesk.
		tk := a.tkCreate(t, a.Agent, map[string]any{"subject": "pie", "comment": map[string]any{"body": "b"},
			"custom_fields": []any{map[string]any{"id": field, "value": "apple"}}})
		code, body = a.do(t, a.Admin, "POST", base, map[string]any{"custom_field_option": map[string]any{"id": 1, "name": "Apple Pie", "value": "apple_pie"}})
		pStatus(t, "retag", code, body, http.StatusOK)
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d", pID(t, tk)), nil)
		pStatus(t, "ticket after retag", code, body, http.StatusOK)
		if tags := pObj(t, body, "ticket")["tags"].([]any); !slices.Contains(tags, any("apple")) {
			t.Errorf("tags after retag = %v", tags)
		}

		// Only dropdowns and multiselects have options.
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/ticket_fields/%d/options", a.systemFieldID(t, "subject")), nil)
		pNotFound(t, "options of subject", code, body)

		// A multiselect's value is a list of tags, each one a ticket tag.
		code, body = a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{
			"type": "multiselect", "title": "Toppings", "custom_field_options": []any{
				map[string]any{"name": "Cream", "value": "cream"}, map[string]any{"name": "Nuts", "value": "nuts"}},
		}})
		pStatus(t, "create multiselect", code, body, http.StatusCreated)
		multi := pID(t, pObj(t, body, "ticket_field"))
		tk = a.tkCreate(t, a.Agent, map[string]any{"subject": "toppings", "comment": map[string]any{"body": "b"},
			"custom_fields": []any{map[string]any{"id": multi, "value": []any{"nuts", "cream"}}}})
		if tags := tk["tags"].([]any); !slices.Contains(tags, any("nuts")) || !slices.Contains(tags, any("cream")) {
			t.Errorf("multiselect tags = %v", tags)
		}
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d", pID(t, tk)), tkBody(map[string]any{
			"custom_fields": []any{map[string]any{"id": multi, "value": []any{"cream"}}}}))
		pStatus(t, "multiselect update", code, body, http.StatusOK)
		if tags := pObj(t, body, "ticket")["tags"].([]any); slices.Contains(tags, any("nuts")) || !slices.Contains(tags, any("cream")) {
			t.Errorf("multiselect tags after update = %v", tags)
		}
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d", pID(t, tk)), tkBody(map[string]any{
			"custom_fields": []any{map[string]any{"id": multi, "value": []any{"sprinkles"}}}}))
		pInvalid(t, "multiselect unknown option", code, body, "custom_fields")
	})
}

// tfForm creates a ticket form as admin and returns it.
func (a *testAPI) tfForm(t *testing.T, form map[string]any) map[string]any {
	t.Helper()
	code, body := a.do(t, a.Admin, "POST", "/api/v2/ticket_forms", map[string]any{"ticket_form": form})
	pStatus(t, "create form", code, body, http.StatusCreated)
	return pObj(t, body, "ticket_form")
}

// tfPortalFields makes a portal dropdown (printer/scanner) and a portal
// text field, the parent and child of the forms' conditions.
func (a *testAPI) tfPortalFields(t *testing.T) (product, serial int64) {
	t.Helper()
	code, body := a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{
		"type": "tagger", "title": "Product", "visible_in_portal": true, "editable_in_portal": true,
		"custom_field_options": []any{map[string]any{"name": "Printer", "value": "printer"}, map[string]any{"name": "Scanner", "value": "scanner"}},
	}})
	pStatus(t, "product field", code, body, http.StatusCreated)
	product = pID(t, pObj(t, body, "ticket_field"))
	code, body = a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{
		"type": "text", "title": "Serial number", "visible_in_portal": true, "editable_in_portal": true,
	}})
	pStatus(t, "serial field", code, body, http.StatusCreated)
	return product, pID(t, pObj(t, body, "ticket_field"))
}

func TestTicketFormsCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		product, serial := a.tfPortalFields(t)
		code, body := a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "text", "title": "Agent notes"}})
		pStatus(t, "agent-only field", code, body, http.StatusCreated)
		agentOnly := pID(t, pObj(t, body, "ticket_field"))
		subject, description := a.systemFieldID(t, "subject"), a.systemFieldID(t, "description")
		fieldIDs := []any{subject, description, product, serial, agentOnly}

		// Zendesk's documented create body; one brand here, so the brand
		// restriction is refused and the rest is accepted.
		req := tfFixture(t, "create_ticket_form.json")
		code, body = a.do(t, a.Admin, "POST", "/api/v2/ticket_forms.json", req)
		pInvalid(t, "restricted brands", code, body, "restricted_brand_ids")
		form := req["ticket_form"].(map[string]any)
		form["in_all_brands"], form["restricted_brand_ids"], form["ticket_field_ids"] = true, []any{}, fieldIDs
		resp, raw := a.request(t, a.Admin, "POST", "/api/v2/ticket_forms.json", req)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, raw)
		}
		var created map[string]any
		tkJSON(t, raw, &created)
		first := pObj(t, created, "ticket_form")
		firstID := pID(t, first)
		if first["default"] != true || first["display_name"] != "Snowboard Damage" || first["name"] != "Snowboard Problem" ||
			resp.Header.Get("Location") != first["url"] || len(first["ticket_field_ids"].([]any)) != 5 {
			t.Errorf("created = %v", first)
		}

		// Conditions, as the documented show response has them.
		doc := pObj(t, tfFixture(t, "show_ticket_form_response.json"), "ticket_form")
		agentConds := []any{map[string]any{"parent_field_id": product, "value": "printer", "child_fields": []any{
			map[string]any{"id": serial, "is_required": false, "required_on_statuses": map[string]any{"type": "SOME_STATUSES", "statuses": []any{"new", "open", "pending", "hold"}}},
			map[string]any{"id": agentOnly, "is_required": true, "required_on_statuses": map[string]any{"type": "ALL_STATUSES"}},
		}}}
		endUserConds := []any{map[string]any{"parent_field_id": product, "value": "printer", "child_fields": []any{map[string]any{"id": serial, "is_required": true}}}}
		put := func(id int64, f map[string]any) (int, map[string]any) {
			return a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/ticket_forms/%d", id), map[string]any{"ticket_form": f})
		}
		code, body = put(firstID, map[string]any{"agent_conditions": agentConds, "end_user_conditions": endUserConds})
		pStatus(t, "set conditions", code, body, http.StatusOK)
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/ticket_forms/%d.json", firstID), nil)
		pStatus(t, "show", code, body, http.StatusOK)
		got := pObj(t, body, "ticket_form")
		rqSameShape(t, "form", got, doc)
		ac := got["agent_conditions"].([]any)[0].(map[string]any)
		rqSameShape(t, "agent condition", ac, doc["agent_conditions"].([]any)[0].(map[string]any))
		kid := ac["child_fields"].([]any)[0].(map[string]any)
		rqSameShape(t, "child field", kid, doc["agent_conditions"].([]any)[0].(map[string]any)["child_fields"].([]any)[0].(map[string]any))

		// Conditions are validated.
		bad := map[string][]any{
			"parent not on the form": {map[string]any{"parent_field_id": 999999, "value": "printer", "child_fields": []any{map[string]any{"id": serial}}}},
			"not an option":          {map[string]any{"parent_field_id": product, "value": "fax", "child_fields": []any{map[string]any{"id": serial}}}},
			"child is parent":        {map[string]any{"parent_field_id": product, "value": "printer", "child_fields": []any{map[string]any{"id": product}}}},
			"text parent":            {map[string]any{"parent_field_id": serial, "value": "x", "child_fields": []any{map[string]any{"id": product}}}},
			"no children":            {map[string]any{"parent_field_id": product, "value": "printer", "child_fields": []any{}}},
			"agent-only child":       {map[string]any{"parent_field_id": product, "value": "printer", "child_fields": []any{map[string]any{"id": agentOnly}}}},
			"statuses for end-users": {map[string]any{"parent_field_id": product, "value": "printer", "child_fields": []any{map[string]any{"id": serial, "required_on_statuses": map[string]any{"type": "ALL_STATUSES"}}}}},
		}
		for what, conds := range bad {
			code, body = put(firstID, map[string]any{"end_user_conditions": conds})
			pInvalid(t, what, code, body, "end_user_conditions")
		}
		code, body = put(firstID, map[string]any{"agent_conditions": []any{map[string]any{"parent_field_id": product, "value": "printer",
			"child_fields": []any{map[string]any{"id": serial, "required_on_statuses": map[string]any{"type": "SOME_STATUSES", "statuses": []any{"closed"}}}}}}})
		pInvalid(t, "closed status", code, body, "agent_conditions")
		code, body = put(firstID, map[string]any{"ticket_field_ids": []any{subject, 999999}})
		pInvalid(t, "unknown field", code, body, "ticket_field_ids")
		code, body = put(firstID, map[string]any{"ticket_field_ids": []any{subject, subject}})
		pInvalid(t, "repeated field", code, body, "ticket_field_ids")

		// A cycle through two checkbox parents.
		boxes := make([]int64, 2)
		for i := range boxes {
			code, body = a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "checkbox", "title": fmt.Sprint("Box ", i)}})
			pStatus(t, "checkbox", code, body, http.StatusCreated)
			boxes[i] = pID(t, pObj(t, body, "ticket_field"))
		}
		code, body = put(firstID, map[string]any{"ticket_field_ids": append(slices.Clone(fieldIDs), boxes[0], boxes[1]), "agent_conditions": []any{
			map[string]any{"parent_field_id": boxes[0], "value": true, "child_fields": []any{map[string]any{"id": boxes[1]}}},
			map[string]any{"parent_field_id": boxes[1], "value": true, "child_fields": []any{map[string]any{"id": boxes[0]}}},
		}})
		pInvalid(t, "cycle", code, body, "agent_conditions")

		// A second, agent-only form; filters; show_many.
		second := a.tfForm(t, map[string]any{"name": "Internal", "end_user_visible": false, "ticket_field_ids": []any{subject, description, agentOnly}})
		secondID := pID(t, second)
		if second["default"] != false || second["display_name"] != "Internal" {
			t.Errorf("second = %v", second)
		}
		inactive := a.tfForm(t, map[string]any{"name": "Old", "active": false})
		inactiveID := pID(t, inactive)
		if ids := inactive["ticket_field_ids"].([]any); len(ids) != len(desk.SystemFieldTypes) {
			t.Errorf("a new form's fields = %v, want the system fields", ids)
		}
		for q, want := range map[string][]int64{
			"":                                   {firstID, secondID, inactiveID},
			"?active=true":                       {firstID, secondID},
			"?active=false":                      {inactiveID},
			"?end_user_visible=true&active=true": {firstID},
			"/show_many?ids=" + itoa(secondID) + ",999": {secondID},
		} {
			code, body = a.do(t, a.Agent, "GET", "/api/v2/ticket_forms"+q, nil)
			pStatus(t, "list "+q, code, body, http.StatusOK)
			ids := pIDs(t, body, "ticket_forms")
			slices.Sort(ids)
			if !slices.Equal(ids, want) {
				t.Errorf("list %q = %v, want %v", q, ids, want)
			}
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/ticket_forms?active=maybe", nil)
		pStatus(t, "bad filter", code, body, http.StatusBadRequest)

		// End-users see the visible active form, its portal fields and no agent conditions.
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/ticket_forms", nil)
		pStatus(t, "end-user list", code, body, http.StatusOK)
		eu := pList(t, body, "ticket_forms")
		if len(eu) != 1 || pID(t, eu[0]) != firstID || len(eu[0]["agent_conditions"].([]any)) != 0 ||
			len(eu[0]["end_user_conditions"].([]any)) != 1 || len(eu[0]["ticket_field_ids"].([]any)) != 4 {
			t.Errorf("end-user forms = %v", eu)
		}
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/ticket_forms/%d", secondID), nil)
		pNotFound(t, "end-user hidden form", code, body)

		// The default moves; the default can be neither deleted, nor inactive, nor dropped.
		code, body = put(firstID, map[string]any{"default": false})
		pInvalid(t, "drop default", code, body, "default")
		code, body = put(secondID, map[string]any{"default": true})
		pStatus(t, "move default", code, body, http.StatusOK)
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/ticket_forms/%d", firstID), nil)
		if pObj(t, body, "ticket_form")["default"] != false {
			t.Errorf("old default still default")
		}
		code, body = put(secondID, map[string]any{"active": false})
		pInvalid(t, "inactive default", code, body, "active")
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/ticket_forms/%d", secondID), nil)
		pInvalid(t, "delete default", code, body, "default")

		// Clone and reorder (Zendesk's body), then delete.
		code, body = a.do(t, a.Admin, "POST", fmt.Sprintf("/api/v2/ticket_forms/%d/clone", firstID), nil)
		pStatus(t, "clone", code, body, http.StatusOK)
		clone := pObj(t, body, "ticket_form")
		cloneID := pID(t, clone)
		if clone["name"] != "Snowboard Problem (clone)" || clone["default"] != false || len(clone["end_user_conditions"].([]any)) != 1 {
			t.Errorf("clone = %v", clone)
		}
		order := []any{cloneID, inactiveID, secondID, firstID}
		reorder := tfFixture(t, "reorder_ticket_forms.json")
		reorder["ticket_form_ids"] = order
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/ticket_forms/reorder", reorder)
		pStatus(t, "reorder", code, body, http.StatusOK)
		if ids := pIDs(t, body, "ticket_forms"); !slices.Equal(ids, []int64{cloneID, inactiveID, secondID, firstID}) {
			t.Errorf("reordered = %v", ids)
		}
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/ticket_forms/reorder", map[string]any{"ticket_form_ids": []any{cloneID}})
		pInvalid(t, "partial reorder", code, body, "ticket_form_ids")
		code, body = a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/ticket_forms/%d", cloneID), nil)
		pStatus(t, "delete", code, body, http.StatusNoContent)
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/ticket_forms/%d", cloneID), nil)
		pNotFound(t, "deleted form", code, body)
		code, body = a.do(t, a.Admin, "POST", "/api/v2/ticket_forms", map[string]any{"ticket_form": map[string]any{"name": " "}})
		pInvalid(t, "blank name", code, body, "name")
	})
}

func TestTicketFormOnTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		product, serial := a.tfPortalFields(t)
		newTicket := func(u testUser, extra map[string]any) (int, map[string]any) {
			f := map[string]any{"subject": "s", "comment": map[string]any{"body": "b"}}
			for k, v := range extra {
				f[k] = v
			}
			return a.do(t, u, "POST", "/api/v2/tickets", tkBody(f))
		}
		// No forms yet: no form on tickets.
		code, body := newTicket(a.Agent, nil)
		pStatus(t, "no forms", code, body, http.StatusCreated)
		if f := pObj(t, body, "ticket")["ticket_form_id"]; f != nil {
			t.Errorf("ticket_form_id = %v with no forms", f)
		}
		subject, description := a.systemFieldID(t, "subject"), a.systemFieldID(t, "description")
		def := pID(t, a.tfForm(t, map[string]any{"name": "General", "ticket_field_ids": []any{subject, description}}))
		hw := pID(t, a.tfForm(t, map[string]any{"name": "Hardware", "ticket_field_ids": []any{subject, description, product, serial},
			"end_user_conditions": []any{map[string]any{"parent_field_id": product, "value": "printer", "child_fields": []any{map[string]any{"id": serial, "is_required": true}}}}}))
		internal := pID(t, a.tfForm(t, map[string]any{"name": "Internal", "end_user_visible": false}))
		old := pID(t, a.tfForm(t, map[string]any{"name": "Old", "active": false}))

		code, body = newTicket(a.Agent, nil)
		pStatus(t, "default form", code, body, http.StatusCreated)
		tk := pObj(t, body, "ticket")
		if pNum(tk, "ticket_form_id") != def {
			t.Errorf("ticket_form_id = %v, want the default %d", tk["ticket_form_id"], def)
		}
		code, body = newTicket(a.Agent, map[string]any{"ticket_form_id": old})
		pInvalid(t, "inactive form", code, body, "ticket_form_id")
		code, body = newTicket(a.Agent, map[string]any{"ticket_form_id": 999999})
		pInvalid(t, "unknown form", code, body, "ticket_form_id")

		// Agents change the form; the change is audited.
		id := pID(t, tk)
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), tkBody(map[string]any{"ticket_form_id": internal}))
		pStatus(t, "change form", code, body, http.StatusOK)
		if pNum(pObj(t, body, "ticket"), "ticket_form_id") != internal {
			t.Errorf("changed form = %v", pObj(t, body, "ticket")["ticket_form_id"])
		}
		audit := pObj(t, body, "audit")
		found := false
		for _, e := range audit["events"].([]any) {
			if e.(map[string]any)["field_name"] == "ticket_form_id" {
				found = true
			}
		}
		if !found {
			t.Errorf("no ticket_form_id event in %v", audit)
		}

		// End-users: only visible forms, and the form's conditions hold.
		request := func(extra map[string]any) (int, map[string]any) {
			r := map[string]any{"subject": "Broken", "comment": map[string]any{"body": "It broke"}}
			for k, v := range extra {
				r[k] = v
			}
			return a.do(t, a.EndUser, "POST", "/api/v2/requests", map[string]any{"request": r})
		}
		code, body = request(map[string]any{"ticket_form_id": internal})
		pInvalid(t, "agent-only form", code, body, "ticket_form_id")
		printer := []any{map[string]any{"id": product, "value": "printer"}}
		code, body = request(map[string]any{"ticket_form_id": hw, "custom_fields": printer})
		pInvalid(t, "condition requires serial", code, body, "custom_fields")
		if !strings.Contains(fmt.Sprint(body), "Serial number is required") {
			t.Errorf("error does not name the field: %v", body)
		}
		code, body = request(map[string]any{"ticket_form_id": hw, "custom_fields": append(slices.Clone(printer), map[string]any{"id": serial, "value": "SN-1"})})
		pStatus(t, "condition met", code, body, http.StatusCreated)
		rq := pObj(t, body, "request")
		if pNum(rq, "ticket_form_id") != hw || len(rq["custom_fields"].([]any)) != 2 {
			t.Errorf("request = %v", rq)
		}
		// A scanner hides the serial number: its value is dropped.
		code, body = request(map[string]any{"ticket_form_id": hw, "custom_fields": []any{
			map[string]any{"id": product, "value": "scanner"}, map[string]any{"id": serial, "value": "SN-2"}}})
		pStatus(t, "hidden child", code, body, http.StatusCreated)
		cfs := pObj(t, body, "request")["custom_fields"].([]any)
		if len(cfs) != 1 || pNum(cfs[0].(map[string]any), "id") != product {
			t.Errorf("custom_fields with a hidden child = %v", cfs)
		}
		// Agents are not held to the portal's rules.
		code, body = newTicket(a.Agent, map[string]any{"ticket_form_id": hw, "custom_fields": printer})
		pStatus(t, "agent skips portal rules", code, body, http.StatusCreated)
		// End-users cannot change a request's form afterwards.
		code, body = a.do(t, a.EndUser, "PUT", fmt.Sprintf("/api/v2/requests/%d", pID(t, rq)), map[string]any{"request": map[string]any{"ticket_form_id": def}})
		pStatus(t, "end-user changes form", code, body, http.StatusForbidden)

		// required_in_portal holds without conditions too.
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/ticket_fields/%d", product), map[string]any{"ticket_field": map[string]any{"required_in_portal": true}})
		pStatus(t, "require product", code, body, http.StatusOK)
		code, body = request(map[string]any{"ticket_form_id": hw})
		pInvalid(t, "required in portal", code, body, "custom_fields")
		code, body = request(map[string]any{"ticket_form_id": def})
		pStatus(t, "not on this form", code, body, http.StatusCreated)
	})
}

// Malformed bodies get a 400 or 422 and change nothing.
func TestTicketFormsBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		product, serial := a.tfPortalFields(t)
		form := pID(t, a.tfForm(t, map[string]any{"name": "F", "ticket_field_ids": []any{product, serial}}))
		fp := fmt.Sprintf("/api/v2/ticket_forms/%d", form)
		op := fmt.Sprintf("/api/v2/ticket_fields/%d/options", product)
		_, before := a.do(t, a.Admin, "GET", fp, nil)
		for _, c := range []struct{ method, path, body string }{
			{"POST", "/api/v2/ticket_forms", `{"ticket_form": {"name": 5}}`},
			{"POST", "/api/v2/ticket_forms", `{"ticket_form": []}`},
			{"POST", "/api/v2/ticket_forms", `{}`},
			{"PUT", fp, `{"ticket_form": {"ticket_field_ids": "all"}}`},
			{"PUT", fp, `{"ticket_form": {"ticket_field_ids": [-1]}}`},
			{"PUT", fp, `{"ticket_form": {"end_user_conditions": [{"parent_field_id": ` + itoa(product) + `, "value": {"a": 1}, "child_fields": [{"id": ` + itoa(serial) + `}]}]}}`},
			{"PUT", fp, `{"ticket_form": {"end_user_conditions": [{"parent_field_id": ` + itoa(product) + `, "value": null, "child_fields": [{"id": ` + itoa(serial) + `}]}]}}`},
			{"PUT", fp, `{"ticket_form": {"agent_conditions": [{"parent_field_id": ` + itoa(product) + `, "value": "printer", "child_fields": "x"}]}}`},
			{"PUT", fp, `{"ticket_form": {"agent_conditions": [{"parent_field_id": ` + itoa(product) + `, "value": "printer", "child_fields": [{"id": ` + itoa(serial) + `, "required_on_statuses": {"type": "SOME"}}]}]}}`},
			{"PUT", fp, `{"ticket_form": {"position": -1}}`},
			{"PUT", fp, `{"ticket_form": {"name": "a\u0000b"}}`},
			{"PUT", "/api/v2/ticket_forms/reorder", `{"ticket_form_ids": [1, 1]}`},
			{"PUT", "/api/v2/ticket_forms/reorder", `{"ticket_form_ids": "1"}`},
			{"GET", "/api/v2/ticket_forms/show_many?ids=x", ``},
			{"POST", op, `{"custom_field_option": {"name": "", "value": "x"}}`},
			{"POST", op, `{"custom_field_option": {"name": "X", "value": "has space"}}`},
			{"POST", op, `{"custom_field_option": {"name": "X", "value": 3}}`},
			{"POST", op, `{"custom_field_option": "x"}`},
			{"DELETE", op + "/abc", ``},
		} {
			var body any
			if c.body != "" {
				body = c.body
			}
			code, resp := a.do(t, a.Admin, c.method, c.path, body)
			if code < 400 || code >= 500 {
				t.Errorf("%s %s %s: %d %v", c.method, c.path, c.body, code, resp)
			}
		}
		if _, after := a.do(t, a.Admin, "GET", fp, nil); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("bad input changed the form:\n%v\n%v", before, after)
		}
		_, opts := a.do(t, a.Admin, "GET", op, nil)
		if len(pList(t, opts, "custom_field_options")) != 2 {
			t.Errorf("bad input changed the options: %v", opts)
		}
	})
}

// GET /ticket_fields/count answers Zendesk's {"count": {"value",
// "refreshed_at"}} for agents, system fields included (node-zendesk's
// ticketfields.count); end-users are refused, as in Zendesk.
func TestCountTicketFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		count := func() float64 {
			t.Helper()
			code, body := a.do(t, a.Agent, "GET", "/api/v2/ticket_fields/count.json", nil)
			pStatus(t, "count", code, body, http.StatusOK)
			c := pObj(t, body, "count")
			if _, err := time.Parse(time.RFC3339, fmt.Sprint(c["refreshed_at"])); err != nil {
				t.Fatalf("refreshed_at in %v: %v", body, err)
			}
			return c["value"].(float64)
		}
		if got := count(); got != float64(len(desk.SystemFieldTypes)) {
			t.Fatalf("count of the system fields = %v, want %d", got, len(desk.SystemFieldTypes))
		}
		code, body := a.do(t, a.Admin, "POST", "/api/v2/ticket_fields", map[string]any{"ticket_field": map[string]any{"type": "text", "title": "Serial"}})
		pStatus(t, "create", code, body, http.StatusCreated)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/ticket_fields", nil)
		pStatus(t, "list", code, body, http.StatusOK)
		if got, listed := count(), len(pList(t, body, "ticket_fields")); got != float64(listed) {
			t.Fatalf("count = %v, the list has %d", got, listed)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/ticket_fields/count", nil)
		pStatus(t, "end-user count", code, body, http.StatusForbidden)
	})
}
