package api

import (
	"net/http"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// The export walks every match through links.next with page[size] pages,
// in Zendesk's shape, and refuses requests Zendesk refuses.
func TestSearchExportPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		ids := a.tkCreateN(t, 5)
		a.tkRunJobs(t)

		path := "/api/v2/search/export.json?query=type:ticket&filter[type]=ticket&page[size]=2"
		var got []int64
		for pages := 0; path != ""; pages++ {
			if pages > 5 {
				t.Fatal("export did not end")
			}
			code, body := a.do(t, a.Agent, "GET", path, nil)
			pStatus(t, "export", code, body, http.StatusOK)
			results, _ := body["results"].([]any)
			for _, r := range results {
				rec := r.(map[string]any)
				if rec["result_type"] != "ticket" {
					t.Fatalf("result_type %v", rec["result_type"])
				}
				got = append(got, pNum(rec, "id"))
			}
			meta, _ := body["meta"].(map[string]any)
			links, _ := body["links"].(map[string]any)
			if meta == nil || links == nil || body["facets"] != nil {
				t.Fatalf("shape: %v", body)
			}
			if (links["next"] != nil) != (meta["has_more"] == true) {
				t.Fatalf("links.next %v with has_more %v", links["next"], meta["has_more"])
			}
			if len(results) > 0 && meta["after_cursor"] == nil {
				t.Fatalf("no after_cursor: %v", meta)
			}
			path = ""
			if links["next"] != nil {
				path = a.pPath(t, links["next"])
			}
		}
		if len(got) != len(ids) {
			t.Fatalf("exported %v, want %v", got, ids)
		}
		for i := range ids {
			if got[i] != ids[i] {
				t.Fatalf("exported %v, want %v (ascending)", got, ids)
			}
		}

		// page[size] above 100 is honoured (up to 1000), unlike list endpoints.
		code, body := a.do(t, a.Agent, "GET", "/api/v2/search/export?query=type:ticket&filter[type]=ticket&page[size]=1000", nil)
		pStatus(t, "export 1000", code, body, http.StatusOK)
		if n := len(body["results"].([]any)); n != len(ids) {
			t.Errorf("page of 1000: %d results", n)
		}

		for _, bad := range []string{
			"/api/v2/search/export?query=type:ticket",
			"/api/v2/search/export?query=type:ticket&filter[type]=group",
			"/api/v2/search/export?query=type:ticket&filter[type]=ticket&page[size]=0",
			"/api/v2/search/export?query=type:ticket&filter[type]=ticket&page[size]=x",
			"/api/v2/search/export?query=type:ticket&filter[type]=ticket&page[after]=notacursor",
			"/api/v2/search/export?query=type:ticket&filter[type]=ticket&page[before]=aWQ6MQ",
		} {
			if code, body := a.do(t, a.Agent, "GET", bad, nil); code != http.StatusBadRequest {
				t.Errorf("%s: %d %v, want 400", bad, code, body)
			}
		}
		if code, body := a.do(t, a.Agent, "GET", "/api/v2/search/export?query=status%3Cbogus&filter[type]=ticket", nil); code < 400 || code >= 500 {
			t.Errorf("bad query: %d %v", code, body)
		}
	})
}
