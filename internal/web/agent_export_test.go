package web_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/privacy"
)

// TestUserExportPage: the agent user page's "Export data" box, behind a
// recent re-authentication, downloads the person's ZIP; the internal-notes
// choice is for admins; staff targets are for admins; each download is in
// the audit log.
func TestUserExportPage(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			ad, ag := e.client(), e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			ag.signIn("/agent/signin", e.agent.Email)
			carol := fmt.Sprintf("/agent/users/%d", e.customer.ID)

			r := ad.get(carol)
			wantStatus(t, "admin's user page", r, http.StatusOK)
			if !strings.Contains(r.Body, `id="u-export"`) || !strings.Contains(r.Body, `id="export-form"`) || !strings.Contains(r.Body, `id="export-internal"`) {
				t.Fatalf("admin's page lacks the export form")
			}
			r = ag.get(carol)
			if !strings.Contains(r.Body, `id="export-form"`) || strings.Contains(r.Body, `id="export-internal"`) {
				t.Fatalf("agent's page: export form without the internal choice expected")
			}
			// Agents do not export staff: no box on an admin's page, and a
			// post is refused.
			admin := fmt.Sprintf("/agent/users/%d", e.admin.ID)
			if r = ag.get(admin); strings.Contains(r.Body, `id="u-export"`) {
				t.Fatal("agent offered an admin's export")
			}
			wantStatus(t, "agent exports an admin", ag.post(admin+"/export", nil), http.StatusForbidden)
			wantStatus(t, "agent asks for internal notes", ag.post(carol+"/export", url.Values{"include_internal": {"1"}}), http.StatusForbidden)

			// A stale session confirms its password first.
			e.stale()
			r = ad.get(carol)
			if strings.Contains(r.Body, `id="export-form"`) || !strings.Contains(r.Body, `id="reauth-box"`) {
				t.Fatal("stale session offered the export without re-authentication")
			}
			r = ad.post(carol+"/export", url.Values{"include_internal": {"1"}})
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, `id="reauth-box"`) {
				t.Fatalf("stale export: %d", r.Status)
			}
			ad.reauth(carol + "#u-export")
			r = ad.post(carol+"/export", url.Values{"include_internal": {"1"}})
			if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/zip" ||
				!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment; filename=frontdesk-user-") {
				t.Fatalf("export: %d %v", r.Status, r.Header)
			}
			zr, err := zip.NewReader(bytes.NewReader([]byte(r.Body)), int64(len(r.Body)))
			if err != nil {
				t.Fatal(err)
			}
			var profile string
			for _, f := range zr.File {
				if f.Name == "profile.json" {
					rd, _ := f.Open()
					b, _ := io.ReadAll(rd)
					rd.Close()
					profile = string(b)
				}
			}
			if !strings.Contains(profile, e.customer.Email) || strings.Contains(profile, e.customer2.Email) {
				t.Fatalf("profile.json: %s", profile)
			}
			es, err := audit.List(e.sys, e.app.DB, audit.Filter{Action: privacy.ActionDataExported})
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 1 || es[0].ActorID != e.admin.ID || es[0].TargetID != e.customer.ID || es[0].Data["include_internal"] != true {
				t.Fatalf("audit: %+v", es)
			}
		})
	}
}
