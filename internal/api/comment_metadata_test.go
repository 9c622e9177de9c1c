package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Comments and audits carry Zendesk's metadata: the API records the
// client's user agent and IP address with the audit; agents see them on
// the comment and the audit; the requester sees an empty system object on
// the tickets API and no metadata at all on the Requests API (Zendesk's
// request comments have none).
func TestCommentMetadataAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		id := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Meta", "comment": map[string]any{"body": "Hello"}}))

		body, _ := json.Marshal(tkBody(map[string]any{"comment": map[string]any{"body": "Answer", "public": true}}))
		req, err := http.NewRequest("PUT", a.URL+tkTicketPath(id, ""), bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "node-zendesk/6.0.1")
		req.SetBasicAuth(a.Agent.Email+"/token", a.Agent.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("update: %d", resp.StatusCode)
		}
		want := map[string]any{"system": map[string]any{"client": "node-zendesk/6.0.1", "ip_address": "127.0.0.1",
			"location": nil, "latitude": nil, "longitude": nil}, "custom": map[string]any{}}

		code, got := a.do(t, a.Agent, "GET", tkTicketPath(id, "/comments"), nil)
		pStatus(t, "comments", code, got, http.StatusOK)
		cs := pList(t, got, "comments")
		if len(cs) != 2 || !reflect.DeepEqual(cs[1]["metadata"], want) {
			t.Fatalf("agent's view of the comment metadata: %v", cs)
		}
		if via, _ := cs[1]["via"].(map[string]any); via["channel"] != "api" {
			t.Errorf("comment via %v", cs[1]["via"])
		}
		code, got = a.do(t, a.Agent, "GET", tkTicketPath(id, "/audits"), nil)
		pStatus(t, "audits", code, got, http.StatusOK)
		if as := pList(t, got, "audits"); len(as) != 2 || !reflect.DeepEqual(as[1]["metadata"], want) {
			t.Errorf("audit metadata %v", as)
		}

		// The requester learns no one's address.
		code, got = a.do(t, a.EndUser, "GET", tkTicketPath(id, "/comments"), nil)
		pStatus(t, "requester's comments", code, got, http.StatusOK)
		for _, c := range pList(t, got, "comments") {
			if m, _ := c["metadata"].(map[string]any); len(m["system"].(map[string]any)) != 0 {
				t.Errorf("end-user sees metadata %v", m)
			}
		}
		code, got = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/requests/%d/comments", id), nil)
		pStatus(t, "request comments", code, got, http.StatusOK)
		for _, c := range pList(t, got, "comments") {
			if _, ok := c["metadata"]; ok {
				t.Errorf("request comment has metadata: %v", c)
			}
		}
	})
}
