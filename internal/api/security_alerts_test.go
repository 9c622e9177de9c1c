package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// The security alerts' rows of the permission matrix: reading needs
// manage_security (admins here; no custom role of the fixture holds it).
func init() { matrix = append(matrix, securityAlertMatrix...) }

var freshAlert = fresh(func(m *mx, t *testing.T) int64 {
	return insertAlert(t, m.a.DB, m.a.Agent.ID, "new_device", time.Now())
})

var securityAlertMatrix = []mcase{
	{route: "GET /api/v2/security_alerts", note: "manage_security", want: adminOnly, req: path("/api/v2/security_alerts")},
	{route: "GET /api/v2/security_alerts/{id}", note: "manage_security", want: adminOnly, req: idPath("/api/v2/security_alerts/%d", freshAlert, nil)},
}

// insertAlert writes an alert row as the account service's sign-in check
// would (a fixture: alerts are raised by sign-ins, covered in package
// account), and returns its id.
func insertAlert(t *testing.T, db *store.DB, userID int64, reasons string, at time.Time) int64 {
	t.Helper()
	var id int64
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		id, err = tx.InsertID(context.Background(), `INSERT INTO security_alerts (user_id, reasons, ip, network, user_agent, created_at, token_hash, token_expires_at)
			VALUES (?, ?, '203.0.113.5', '203.0.113.0/24', 'test-agent', ?, ?, ?)`, userID, reasons, at.UnixMicro(),
			fmt.Sprintf("h-%d-%s-%d", userID, reasons, at.UnixNano()), at.Add(time.Hour).UnixMicro())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSecurityAlertsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		day := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		a1 := insertAlert(t, db, a.Agent.ID, "new_device", day)
		a2 := insertAlert(t, db, a.Agent.ID, "new_network,concurrent_session", day.Add(24*time.Hour))
		a3 := insertAlert(t, db, a.Admin.ID, "failures_then_success", day.Add(48*time.Hour))

		code, body := a.do(t, a.Admin, "GET", "/api/v2/security_alerts.json", nil)
		if code != http.StatusOK {
			t.Fatalf("list: %d %v", code, body)
		}
		list := body["security_alerts"].([]any)
		if len(list) != 3 || pNum(list[0].(map[string]any), "id") != a3 || pNum(body, "count") != 3 {
			t.Fatalf("newest first: %v", body)
		}
		second := list[1].(map[string]any)
		if second["user_email"] != a.Agent.Email || second["ip_address"] != "203.0.113.5" || second["network"] != "203.0.113.0/24" ||
			fmt.Sprint(second["kinds"]) != "[new_network concurrent_session]" || second["disowned_at"] != nil ||
			second["created_at"] != day.Add(24*time.Hour).Format(time.RFC3339) ||
			!strings.HasSuffix(second["url"].(string), "/api/v2/security_alerts/"+itoa(a2)+".json") {
			t.Errorf("alert %v", second)
		}
		for q, want := range map[string][]int64{
			"?filter[user_id]=" + itoa(a.Agent.ID):                             {a2, a1},
			"?user_id=" + itoa(a.Admin.ID):                                     {a3},
			"?filter[kind]=concurrent_session":                                 {a2},
			"?filter[kind]=new_network":                                        {a2},
			"?filter[kind]=new_device&filter[user_id]=" + itoa(a.Agent.ID):     {a1},
			"?filter[created_at][]=2026-03-02&filter[created_at][]=2026-03-03": {a3, a2},
			"?filter[created_at][]=2026-03-01&filter[created_at][]=2026-03-01": {a1},
			"?filter[created_at][]=2000-01-01&filter[created_at][]=2000-01-02": {},
		} {
			code, body := a.do(t, a.Admin, "GET", "/api/v2/security_alerts"+q, nil)
			if code != http.StatusOK {
				t.Fatalf("%s: %d %v", q, code, body)
			}
			var got []int64
			for _, l := range body["security_alerts"].([]any) {
				got = append(got, pNum(l.(map[string]any), "id"))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s: %v, want %v", q, got, want)
			}
		}
		// Cursor pages.
		code, body = a.do(t, a.Admin, "GET", "/api/v2/security_alerts?page[size]=2", nil)
		if code != http.StatusOK || len(body["security_alerts"].([]any)) != 2 || body["meta"].(map[string]any)["has_more"] != true {
			t.Fatalf("cursor page: %d %v", code, body)
		}
		next := body["links"].(map[string]any)["next"].(string)
		code, body = a.do(t, a.Admin, "GET", next[strings.Index(next, "/api/v2/"):], nil)
		if code != http.StatusOK || len(body["security_alerts"].([]any)) != 1 || pNum(body["security_alerts"].([]any)[0].(map[string]any), "id") != a1 ||
			body["meta"].(map[string]any)["has_more"] != false {
			t.Fatalf("next page: %d %v", code, body)
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/security_alerts?per_page=1&page=3", nil)
		if code != http.StatusOK || pNum(body["security_alerts"].([]any)[0].(map[string]any), "id") != a1 {
			t.Fatalf("offset page: %d %v", code, body)
		}
		// Show.
		code, body = a.do(t, a.Admin, "GET", "/api/v2/security_alerts/"+itoa(a2), nil)
		if code != http.StatusOK || pNum(body["security_alert"].(map[string]any), "id") != a2 {
			t.Fatalf("show: %d %v", code, body)
		}
		if code, _ := a.do(t, a.Admin, "GET", "/api/v2/security_alerts/999999", nil); code != http.StatusNotFound {
			t.Errorf("missing alert: %d", code)
		}
		// Bad input is a 4xx, and nothing edits or deletes alerts.
		for _, q := range []string{"?filter[user_id]=x", "?filter[user_id]=-3", "?filter[kind]=nope", "?filter[kind]=%25",
			"?filter[kind]=new_device'%20OR%201=1--", "?filter[created_at][]=2020-01-01", "?filter[created_at][]=2020-02-01&filter[created_at][]=2020-01-01",
			"?filter[created_at][]=yesterday&filter[created_at][]=2020-01-01", "?page[before]=abc"} {
			if code, body := a.do(t, a.Admin, "GET", "/api/v2/security_alerts"+q, nil); code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
				t.Errorf("%s: %d %v", q, code, body)
			}
		}
		for _, m := range []string{"PUT", "DELETE", "POST"} {
			if code, _ := a.do(t, a.Admin, m, "/api/v2/security_alerts/"+itoa(a1), map[string]any{}); code < 400 {
				t.Errorf("%s security alert: %d", m, code)
			}
		}
		// Agents without manage_security see nothing, not even the count.
		if code, body := a.do(t, a.Agent, "GET", "/api/v2/security_alerts", nil); code != http.StatusForbidden || strings.Contains(fmt.Sprint(body), "203.0.113") {
			t.Errorf("agent: %d %v", code, body)
		}
	})
}

// FuzzAlertFilter: any query string either gives a filter the service
// accepts or a typed 4xx error, never a panic or an internal error.
func FuzzAlertFilter(f *testing.F) {
	for _, s := range []string{"filter[user_id]=3&filter[kind]=new_device", "filter[created_at][]=2026-01-01&filter[created_at][]=2026-01-02",
		"user_id=%00", "filter[kind]=%25%27", "filter[created_at]=x&filter[created_at]=y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r, err := http.NewRequest("GET", "/api/v2/security_alerts", nil)
		if err != nil {
			t.Skip()
		}
		r.URL.RawQuery = q
		if _, err := alertFilter(r); err != nil && desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("%q: %v", q, err)
		}
	})
}
