package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestTriggersAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		body := map[string]any{"trigger": map[string]any{"title": "Tag VIP mail",
			"conditions": map[string]any{"all": []any{
				map[string]any{"field": "update_type", "operator": "is", "value": "Create"},
				map[string]any{"field": "comment_includes_word", "operator": "includes", "value": "urgent"}}},
			"actions": []any{map[string]any{"field": "priority", "value": "high"}, map[string]any{"field": "current_tags", "value": "vip"}}}}
		resp, raw := a.request(t, a.Admin, http.MethodPost, "/api/v2/triggers.json", body)
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") == "" {
			t.Fatalf("create: %d %s", resp.StatusCode, raw)
		}
		code, got := a.do(t, a.Admin, http.MethodGet, "/api/v2/triggers", nil)
		list := pList(t, got, "triggers")
		if code != 200 || len(list) != 1 {
			t.Fatalf("list: %d %v", code, got)
		}
		tr := list[0]
		id := pNum(tr, "id")
		conds := tr["conditions"].(map[string]any)
		if tr["title"] != "Tag VIP mail" || tr["active"] != true || len(conds["all"].([]any)) != 2 || conds["any"] == nil || !strings.HasSuffix(tr["url"].(string), "/api/v2/triggers/"+itoa(id)+".json") {
			t.Errorf("trigger shape: %v", tr)
		}

		// It runs on a ticket created through the API, in the same audit.
		tk := a.tkCreate(t, a.EndUser, map[string]any{"subject": "Help", "comment": map[string]any{"body": "This is urgent!"}})
		if tk["priority"] != "high" {
			t.Fatalf("trigger did not run: %v", tk)
		}
		_, audits := a.do(t, a.Admin, http.MethodGet, "/api/v2/tickets/"+itoa(pNum(tk, "id"))+"/audits", nil)
		aud := pList(t, audits, "audits")
		if len(aud) != 1 {
			t.Fatalf("%d audits", len(aud))
		}
		found := false
		for _, e := range aud[0]["events"].([]any) {
			ev := e.(map[string]any)
			if ev["field_name"] == "priority" {
				via, _ := ev["via"].(map[string]any)
				src, _ := via["source"].(map[string]any)
				from, _ := src["from"].(map[string]any)
				found = via["channel"] == "rule" && src["rel"] == "trigger" && pNum(from, "id") == id
			}
		}
		if !found {
			t.Errorf("priority event not marked with the trigger: %v", aud[0])
		}

		// Validation errors are 422 with details.
		code, got = a.do(t, a.Admin, http.MethodPost, "/api/v2/triggers", map[string]any{"trigger": map[string]any{"title": "bad",
			"conditions": map[string]any{"all": []any{map[string]any{"field": "status", "operator": "bogus", "value": "open"}}},
			"actions":    []any{map[string]any{"field": "status", "value": "open"}}}})
		if code != 422 || got["error"] != "RecordInvalid" || got["details"].(map[string]any)["conditions"] == nil {
			t.Errorf("bad operator: %d %v", code, got)
		}
		code, got = a.do(t, a.Admin, http.MethodPost, "/api/v2/triggers", map[string]any{"trigger": map[string]any{"title": "bad",
			"conditions": map[string]any{"all": "nope"}}})
		if code != 422 && code != 400 {
			t.Errorf("conditions of the wrong type: %d %v", code, got)
		}

		// Update, active list, search, definitions, dry run, reorder, delete.
		code, got = a.do(t, a.Admin, http.MethodPut, "/api/v2/triggers/"+itoa(id), map[string]any{"trigger": map[string]any{"active": false}})
		if code != 200 || got["trigger"].(map[string]any)["active"] != false {
			t.Errorf("update: %d %v", code, got)
		}
		_, got = a.do(t, a.Admin, http.MethodGet, "/api/v2/triggers/active", nil)
		if n := len(pList(t, got, "triggers")); n != 0 {
			t.Errorf("active lists %d", n)
		}
		_, got = a.do(t, a.Admin, http.MethodGet, "/api/v2/triggers/search?query=vip", nil)
		if n := len(pList(t, got, "triggers")); n != 1 {
			t.Errorf("search finds %d", n)
		}
		_, got = a.do(t, a.Admin, http.MethodGet, "/api/v2/triggers/definitions", nil)
		defs := got["definitions"].(map[string]any)
		if len(defs["conditions_all"].([]any)) < 10 || len(defs["actions"].([]any)) < 10 {
			t.Errorf("definitions: %v", defs)
		}
		a.do(t, a.Admin, http.MethodPut, "/api/v2/triggers/"+itoa(id), map[string]any{"trigger": map[string]any{"active": true}})
		code, got = a.do(t, a.Admin, http.MethodGet, "/api/v2/triggers/dry_run?ticket_id="+itoa(pNum(tk, "id")), nil)
		if code != 200 || pNum(got, "count") != 0 {
			// "update_type is Create" does not hold for a stored ticket.
			t.Errorf("dry run: %d %v", code, got)
		}
		if passes, ok := got["passes"].([]any); !ok || len(passes) != 0 || got["looped"] != false {
			t.Errorf("dry run passes: %v", got)
		}
		if dt, ok := got["ticket"].(map[string]any); !ok || pNum(dt, "id") != pNum(tk, "id") {
			t.Errorf("dry run ticket: %v", got["ticket"])
		}
		if code, _ := a.do(t, a.Admin, http.MethodGet, "/api/v2/triggers/dry_run?ticket_id=abc", nil); code != 422 {
			t.Errorf("dry run with a bad id: %d", code)
		}
		code, got = a.do(t, a.Admin, http.MethodPut, "/api/v2/triggers/reorder", map[string]any{"trigger_ids": []int64{id}})
		if code != 200 || len(pList(t, got, "triggers")) != 1 {
			t.Errorf("reorder: %d %v", code, got)
		}
		if code, _ := a.do(t, a.Admin, http.MethodDelete, "/api/v2/triggers/"+itoa(id), nil); code != 204 {
			t.Errorf("delete: %d", code)
		}
		if code, _ := a.do(t, a.Admin, http.MethodGet, "/api/v2/triggers/"+itoa(id), nil); code != 404 {
			t.Errorf("deleted trigger: %d", code)
		}
	})
}

func TestAutomationsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		resp, raw := a.request(t, a.Admin, http.MethodPost, "/api/v2/automations", automationBody)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, raw)
		}
		code, got := a.do(t, a.Admin, http.MethodGet, "/api/v2/automations/active", nil)
		list := pList(t, got, "automations")
		if code != 200 || len(list) != 1 || list[0]["title"] != "Close solved" {
			t.Fatalf("list: %d %v", code, got)
		}
		id := pNum(list[0], "id")
		// An automation its actions do not nullify is refused.
		code, got = a.do(t, a.Admin, http.MethodPost, "/api/v2/automations", map[string]any{"automation": map[string]any{"title": "forever",
			"conditions": map[string]any{"all": []any{map[string]any{"field": "hours_since_created", "operator": "greater_than", "value": 1}}},
			"actions":    []any{map[string]any{"field": "priority", "value": "high"}}}})
		if code != 422 || !strings.Contains(string(mustJSONBytes(got)), "nullify") {
			t.Errorf("not nullified: %d %v", code, got)
		}
		code, got = a.do(t, a.Admin, http.MethodPut, "/api/v2/automations/"+itoa(id), map[string]any{"automation": map[string]any{"title": "Close solved tickets"}})
		if code != 200 || got["automation"].(map[string]any)["title"] != "Close solved tickets" {
			t.Errorf("update: %d %v", code, got)
		}
		if code, _ := a.do(t, a.Admin, http.MethodDelete, "/api/v2/automations/"+itoa(id), nil); code != 204 {
			t.Errorf("delete: %d", code)
		}
	})
}

func mustJSONBytes(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestTriggerCategoriesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, got := a.do(t, a.Admin, http.MethodPost, "/api/v2/trigger_categories", map[string]any{"trigger_category": map[string]any{"name": "Notifications"}})
		if code != 201 {
			t.Fatalf("create: %d %v", code, got)
		}
		cat := got["trigger_category"].(map[string]any)
		id, _ := cat["id"].(string)
		if id == "" || cat["name"] != "Notifications" {
			t.Fatalf("category %v", cat)
		}
		// A trigger in it; then the category cannot be deleted.
		code, got = a.do(t, a.Admin, http.MethodPost, "/api/v2/triggers", map[string]any{"trigger": map[string]any{"title": "In a category", "category_id": id,
			"conditions": map[string]any{"all": []any{map[string]any{"field": "status", "operator": "is", "value": "new"}}},
			"actions":    []any{map[string]any{"field": "priority", "value": "low"}}}})
		if code != 201 || got["trigger"].(map[string]any)["category_id"] != id {
			t.Fatalf("trigger in category: %d %v", code, got)
		}
		_, got = a.do(t, a.Admin, http.MethodGet, "/api/v2/triggers?category_id="+id, nil)
		if n := len(pList(t, got, "triggers")); n != 1 {
			t.Errorf("triggers in category: %d", n)
		}
		if code, got := a.do(t, a.Admin, http.MethodDelete, "/api/v2/trigger_categories/"+id, nil); code != 422 {
			t.Errorf("delete a category in use: %d %v", code, got)
		}
		code, got = a.do(t, a.Admin, http.MethodPatch, "/api/v2/trigger_categories/"+id, map[string]any{"trigger_category": map[string]any{"name": ""}})
		if code != 422 {
			t.Errorf("blank name: %d %v", code, got)
		}
		_, got = a.do(t, a.Admin, http.MethodGet, "/api/v2/trigger_categories", nil)
		if n := len(pList(t, got, "trigger_categories")); n != 1 {
			t.Errorf("list: %d", n)
		}
	})
}
