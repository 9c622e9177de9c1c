package api

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/privacy"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// The data-subject export's rows of the permission matrix: export_data
// (admins and built-in agents here; no fixture custom role holds it);
// staff targets and internal notes need an admin; end-users export nobody,
// themselves included.
func init() { matrix = append(matrix, privacyMatrix...) }

var privacyMatrix = []mcase{
	{route: "GET /api/v2/users/{id}/export", note: "end-user target", want: "200 200 200 403 403 403 403 401 200",
		req: idPath("/api/v2/users/%d/export", endUserID, nil)},
	{route: "GET /api/v2/users/{id}/export", note: "end-user target with internal notes", want: "200 200 403 403 403 403 403 401 403",
		req: idPath("/api/v2/users/%d/export?include_internal=true", endUserID, nil)},
	{route: "GET /api/v2/users/{id}/export", note: "agent target", want: "200 200 403 403 403 403 403 401 403",
		req: idPath("/api/v2/users/%d/export", agentID, nil)},
	{route: "GET /api/v2/users/{id}/export", note: "no such user", want: "404 404 404 403 403 403 403 401 404",
		req: path("/api/v2/users/987654321/export")},
}

// TestUserExportAPI: the ZIP comes as a download with the person's ticket
// and no one else's; refusals and bad input are JSON errors; the export is
// in the audit log.
func TestUserExportAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Agent, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{"subject": "Erin's lost parcel",
			"requester_id": a.EndUser.ID, "comment": map[string]any{"body": "where is it"}}})
		if code != http.StatusCreated {
			t.Fatalf("ticket: %d %v", code, body)
		}
		code, body = a.do(t, a.Agent, "POST", "/api/v2/tickets", map[string]any{"ticket": map[string]any{"subject": "Someone else's ticket",
			"requester": map[string]any{"name": "Other Person", "email": "other@customer.test"}, "comment": map[string]any{"body": "not Erin's"}}})
		if code != http.StatusCreated {
			t.Fatalf("ticket: %d %v", code, body)
		}

		resp, data := a.request(t, a.Agent, "GET", "/api/v2/users/"+itoa(a.EndUser.ID)+"/export.json", nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename=frontdesk-user-`+itoa(a.EndUser.ID)+`-export-`) {
			t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		names := map[string]bool{}
		for _, f := range zr.File {
			names[f.Name] = true
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r)
			r.Close()
			text.Write(b)
		}
		if !names[privacy.ManifestFile] || !names["profile.json"] || !strings.Contains(text.String(), "Erin's lost parcel") ||
			!strings.Contains(text.String(), "erin@customer.test") {
			t.Fatalf("archive %v lacks Erin's data", names)
		}
		if strings.Contains(text.String(), "Someone else's ticket") || strings.Contains(text.String(), "other@customer.test") {
			t.Fatal("archive holds another person's ticket")
		}

		// Refusals and bad input are JSON, not a broken download.
		for _, c := range []struct {
			u    testUser
			path string
			code int
		}{
			{a.EndUser, "/api/v2/users/" + itoa(a.EndUser.ID) + "/export", http.StatusForbidden},
			{a.Agent, "/api/v2/users/" + itoa(a.EndUser.ID) + "/export?include_internal=yes-please", http.StatusUnprocessableEntity},
			{a.Agent, "/api/v2/users/" + itoa(a.EndUser.ID) + "/export?include_internal=true", http.StatusForbidden},
			{a.Agent, "/api/v2/users/not-a-number/export", http.StatusNotFound},
			{a.Agent, "/api/v2/users/1%27%20OR%201=1/export", http.StatusNotFound},
		} {
			code, body := a.do(t, c.u, "GET", c.path, nil)
			if code != c.code || body["error"] == nil {
				t.Errorf("%s: %d %v, want %d", c.path, code, body, c.code)
			}
		}

		es, err := audit.List(desk.SystemContext(context.Background()), db, audit.Filter{Action: privacy.ActionDataExported})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].ActorID != a.Agent.ID || es[0].TargetID != a.EndUser.ID || es[0].Via != "api" {
			t.Fatalf("audit: %+v", es)
		}
	})
}
