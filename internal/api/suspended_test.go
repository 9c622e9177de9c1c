package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestSuspendedTickets covers /api/v2/suspended_tickets over mail really
// suspended by the ingest service: shapes, paging, recover, destroy, bad
// input.
func TestSuspendedTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		addr := "help@example.com"
		if _, err := a.srv.Mailboxes.Create(sys, mailboxInput(addr)); err != nil {
			t.Fatal(err)
		}
		if err := settings.BlockedSenders.Set(sys, settings.Or(nil, db, nil), "blocked.example"); err != nil {
			t.Fatal(err)
		}
		for i, subj := range []string{"First", "Second", "Third"} {
			raw := "From: Spam <s@blocked.example>\r\nTo: help@example.com\r\nSubject: " + subj + "\r\nMessage-ID: <s" + itoa(int64(i)) + "@blocked.example>\r\n\r\nBody " + subj + "\r\n"
			res, err := a.srv.Inbound.Ingest(context.Background(), ingest.Delivery{}, strings.NewReader(raw))
			if err != nil || res.Outcome != ingest.Suspended {
				t.Fatalf("ingest %+v %v", res, err)
			}
		}
		code, body := a.do(t, a.Agent, "GET", "/api/v2/suspended_tickets?page[size]=2", nil)
		pStatus(t, "list", code, body, http.StatusOK)
		list := body["suspended_tickets"].([]any)
		first := list[0].(map[string]any)
		if len(list) != 2 || first["subject"] != "Third" || first["cause_id"] != float64(13) || first["content"] != "Body Third" ||
			first["author"].(map[string]any)["email"] != "s@blocked.example" || first["recipient"] != addr ||
			!strings.HasSuffix(first["url"].(string), "/api/v2/suspended_tickets/"+itoa(pNum(first, "id"))+".json") ||
			body["meta"].(map[string]any)["has_more"] != true {
			t.Fatalf("list %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/suspended_tickets?page=2&per_page=2", nil)
		pStatus(t, "page 2", code, body, http.StatusOK)
		if l := body["suspended_tickets"].([]any); len(l) != 1 || body["count"] != float64(3) {
			t.Fatalf("page 2 %v", body)
		}
		id := itoa(pNum(first, "id"))
		code, body = a.do(t, a.Agent, "GET", "/api/v2/suspended_tickets/"+id+".json", nil)
		pStatus(t, "show", code, body, http.StatusOK)
		code, body = a.do(t, a.Agent, "PUT", "/api/v2/suspended_tickets/"+id+"/recover", nil)
		pStatus(t, "recover", code, body, http.StatusOK)
		tk := pObj(t, body, "ticket")
		if tk["subject"] != "Third" || tk["via"].(map[string]any)["channel"] != "email" {
			t.Fatalf("recovered %v", tk)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/suspended_tickets/"+id, nil)
		pStatus(t, "gone after recovery", code, body, http.StatusNotFound)
		code, body = a.do(t, a.Agent, "DELETE", "/api/v2/suspended_tickets/destroy_many?ids=abc", nil)
		pStatus(t, "bad ids", code, body, http.StatusBadRequest)
		code, body = a.do(t, a.Agent, "DELETE", "/api/v2/suspended_tickets/999999", nil)
		pStatus(t, "unknown", code, body, http.StatusNotFound)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/suspended_tickets?page[before]=abc", nil)
		if code != http.StatusBadRequest {
			t.Fatalf("bad cursor: %d %v", code, body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/suspended_tickets", nil)
		pStatus(t, "list", code, body, http.StatusOK)
		var ids []string
		for _, v := range body["suspended_tickets"].([]any) {
			ids = append(ids, itoa(pNum(v.(map[string]any), "id")))
		}
		code, body = a.do(t, a.Agent, "DELETE", "/api/v2/suspended_tickets/destroy_many?ids="+strings.Join(ids, ","), nil)
		pStatus(t, "destroy many", code, body, http.StatusNoContent)
		if n, _ := a.srv.Inbound.CountSuspended(sys); n != 0 {
			t.Fatalf("%d left", n)
		}
	})
}

func mailboxInput(addr string) mailbox.Input { return mailbox.Input{Address: &addr} }
