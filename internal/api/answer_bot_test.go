package api

import (
	"net/http"
	"testing"

	"github.com/frontdesk/frontdesk/internal/answerbot"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func init() { matrix = append(matrix, answerBotMatrix...) }

func botFlowBody(name string) map[string]any {
	return map[string]any{"flow": map[string]any{"name": name, "steps": []any{
		map[string]any{"id": "start", "kind": "message", "text": map[string]any{"en": "Hello", "pl": "Dzień dobry"},
			"buttons": []any{map[string]any{"label": map[string]any{"en": "A person"}, "next": "person"}}},
		map[string]any{"id": "person", "kind": "handover"},
	}}}
}

var freshBotFlow = fresh(func(m *mx, t *testing.T) int64 {
	steps := []answerbot.Step{{ID: "a", Kind: answerbot.KindMessage, Text: answerbot.Texts{"en": "hi"}}}
	name := "Flow"
	f, err := m.a.srv.AnswerBot.CreateFlow(m.sys, answerbot.FlowInput{Name: &name, Steps: &steps})
	if err != nil {
		t.Fatal(err)
	}
	return f.ID
})

var answerBotMatrix = []mcase{
	{route: "GET /api/v2/answer_bot/flows", note: "admins", want: adminOnly, req: path("/api/v2/answer_bot/flows")},
	{route: "POST /api/v2/answer_bot/flows", note: "admins", want: adminCreate,
		req: func(_ *testing.T, _ *mx, _ string) (string, any) {
			return "/api/v2/answer_bot/flows", botFlowBody("New")
		}},
	{route: "GET /api/v2/answer_bot/flows/{id}", note: "admins", want: adminOnly, req: idPath("/api/v2/answer_bot/flows/%d", freshBotFlow, nil)},
	{route: "PUT /api/v2/answer_bot/flows/{id}", note: "admins", want: adminOnly, req: idPath("/api/v2/answer_bot/flows/%d", freshBotFlow, botFlowBody("Changed"))},
	{route: "DELETE /api/v2/answer_bot/flows/{id}", note: "admins", want: adminDelete, req: idPath("/api/v2/answer_bot/flows/%d", freshBotFlow, nil)},
	{route: "GET /api/v2/answer_bot/flows/{id}/versions", note: "admins", want: adminOnly, req: idPath("/api/v2/answer_bot/flows/%d/versions", freshBotFlow, nil)},
	{route: "POST /api/v2/answer_bot/flows/{id}/activate", note: "admins", want: adminOnly, req: idPath("/api/v2/answer_bot/flows/%d/activate", freshBotFlow, map[string]any{"active": true})},
	{route: "GET /api/v2/answer_bot/outcomes", note: "admins", want: adminOnly, req: path("/api/v2/answer_bot/outcomes")},
}

// TestAnswerBotFlowsAPI: create, save a new version, list versions,
// activate and delete a flow; invalid flows (dangling next step, cycle,
// hostile ids) are 422 with details and change nothing.
func TestAnswerBotFlowsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Admin, "POST", "/api/v2/answer_bot/flows", botFlowBody("Orders"))
		if code != http.StatusCreated {
			t.Fatalf("create: %d %v", code, body)
		}
		flow := body["flow"].(map[string]any)
		id := int64(pNum(flow, "id"))
		if pNum(flow, "version") != 1 || flow["active"] != false {
			t.Fatalf("created: %v", flow)
		}
		code, body = a.do(t, a.Admin, "PUT", "/api/v2/answer_bot/flows/"+itoa(id), botFlowBody("Orders 2"))
		if code != http.StatusOK || pNum(body["flow"].(map[string]any), "version") != 2 {
			t.Fatalf("update: %d %v", code, body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/answer_bot/flows/"+itoa(id)+"/versions", nil)
		if code != http.StatusOK || pNum(body, "count") != 2 {
			t.Fatalf("versions: %d %v", code, body)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/answer_bot/flows/"+itoa(id)+"/activate", nil)
		if code != http.StatusOK || body["flow"].(map[string]any)["active"] != true {
			t.Fatalf("activate: %d %v", code, body)
		}
		bad := []map[string]any{
			{"flow": map[string]any{"name": "x", "steps": []any{map[string]any{"id": "a", "kind": "message", "text": map[string]any{"en": "hi"},
				"buttons": []any{map[string]any{"label": map[string]any{"en": "go"}, "next": "ghost"}}}}}},
			{"flow": map[string]any{"name": "x", "steps": []any{
				map[string]any{"id": "a", "kind": "message", "text": map[string]any{"en": "hi"}, "buttons": []any{map[string]any{"label": map[string]any{"en": "go"}, "next": "b"}}},
				map[string]any{"id": "b", "kind": "message", "text": map[string]any{"en": "hi"}, "buttons": []any{map[string]any{"label": map[string]any{"en": "go"}, "next": "a"}}}}}},
			{"flow": map[string]any{"name": "x", "steps": []any{map[string]any{"id": "<script>", "kind": "message", "text": map[string]any{"en": "hi"}}}}},
			{"flow": map[string]any{"name": "x", "steps": []any{}}},
			{},
		}
		for i, b := range bad {
			code, body = a.do(t, a.Admin, "PUT", "/api/v2/answer_bot/flows/"+itoa(id), b)
			if code != http.StatusUnprocessableEntity || body["error"] != "RecordInvalid" {
				t.Fatalf("bad %d: %d %v", i, code, body)
			}
			if i < 3 && body["details"] == nil {
				t.Fatalf("bad %d without details: %v", i, body)
			}
		}
		if code, body = a.do(t, a.Admin, "GET", "/api/v2/answer_bot/flows/"+itoa(id), nil); pNum(body["flow"].(map[string]any), "version") != 2 {
			t.Fatalf("a refused save changed the flow: %d %v", code, body)
		}
		if code, _ = a.do(t, a.Admin, "GET", "/api/v2/answer_bot/outcomes?limit=abc", nil); code != http.StatusUnprocessableEntity {
			t.Fatalf("bad limit: %d", code)
		}
		if code, _ = a.do(t, a.Admin, "DELETE", "/api/v2/answer_bot/flows/"+itoa(id), nil); code != http.StatusNoContent {
			t.Fatalf("delete: %d", code)
		}
		if code, _ = a.do(t, a.Admin, "GET", "/api/v2/answer_bot/flows/"+itoa(id), nil); code != http.StatusNotFound {
			t.Fatalf("deleted: %d", code)
		}
	})
}
