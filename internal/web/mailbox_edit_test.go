package web_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/audit"
)

func ed25519PEM(t *testing.T) string {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// mailboxEditForm is the edit form as the page submits it.
func mailboxEditForm(extra url.Values) url.Values {
	f := url.Values{"email": {"help@example.com"}, "name": {"Help"}, "brand_name": {"Kwiaciarnia Róża"}, "enabled": {"1"},
		"imap_security": {"tls"}, "imap_auth": {"password"}, "imap_after_fetch": {"seen"},
		"smtp_host": {"smtp.example.com"}, "smtp_port": {"587"}, "smtp_security": {"starttls"}, "smtp_username": {"help"}}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// TestMailboxEditAndDelete: an admin edits every setting of an address;
// a blank password keeps the stored one, the remove box deletes it; the
// DKIM key is write-only and its DNS record is shown; bad input is a 422
// that changes nothing; deleting needs the confirmation box. Agents can do
// none of it.
func TestMailboxEditAndDelete(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			ad.get("/agent/admin/mailboxes")
			r := ad.post("/agent/admin/mailboxes", url.Values{"email": {"help@example.com"}, "name": {"Help"},
				"smtp_host": {"smtp.example.com"}, "smtp_username": {"help"}, "smtp_password": {"first-secret"}, "default_group_id": {id(e.group.ID)}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			ms, err := e.app.Mailboxes.List(e.sys)
			if err != nil || len(ms) != 1 || ms[0].DefaultGroupID != e.group.ID {
				t.Fatalf("created %+v %v", ms, err)
			}
			m := ms[0]
			path := "/agent/admin/mailboxes/" + strconv.FormatInt(m.ID, 10)
			page := ad.get(path)
			if page.Status != http.StatusOK || !strings.Contains(page.Body, `value="smtp.example.com"`) || strings.Contains(page.Body, "first-secret") {
				t.Fatalf("edit page: %d", page.Status)
			}

			// Every setting, with a blank password (kept) and a DKIM key.
			key := ed25519PEM(t)
			r = ad.post(path, mailboxEditForm(url.Values{"default_group_id": {"0"}, "default": {"1"}, "dkim_selector": {"fd1"}, "dkim_private_key": {key},
				"imap_host": {"imap.example.com"}, "imap_username": {"help"}, "imap_after_fetch": {"move"}, "imap_move_to": {"Done"}}))
			if r.Status != http.StatusSeeOther {
				t.Fatalf("update: %d %s", r.Status, r.Body)
			}
			got, _ := e.app.Mailboxes.Get(e.sys, m.ID)
			if got.BrandName != "Kwiaciarnia Róża" || got.DefaultGroupID != 0 || !got.SMTP.HasSecret || !got.HasDKIMKey || got.DKIMSelector != "fd1" ||
				got.IMAP.Host != "imap.example.com" || got.IMAP.Port != 993 || got.IMAP.MoveTo != "Done" || got.SMTP.Port != 587 || !got.Default {
				t.Fatalf("after update: %+v", got)
			}
			page = ad.get(path)
			if !strings.Contains(page.Body, "fd1._domainkey.example.com") || !strings.Contains(page.Body, "v=DKIM1; k=ed25519; p=") || strings.Contains(page.Body, "PRIVATE KEY") {
				t.Fatal("the DKIM record is missing, or the private key is shown")
			}

			// Bad input: 422, form kept, nothing changed.
			r = ad.post(path, mailboxEditForm(url.Values{"name": {"Changed"}, "smtp_port": {"99999"}}))
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `value="Changed"`) {
				t.Fatalf("bad port: %d", r.Status)
			}
			if got, _ := e.app.Mailboxes.Get(e.sys, m.ID); got.Name != "Help" {
				t.Fatalf("a refused edit changed the name to %q", got.Name)
			}

			// The remove boxes delete the secrets; unchecked "enabled" disables.
			f := mailboxEditForm(url.Values{"smtp_password_clear": {"1"}, "dkim_private_key_clear": {"1"}})
			f.Del("enabled")
			if r = ad.post(path, f); r.Status != http.StatusSeeOther {
				t.Fatalf("clear: %d %s", r.Status, r.Body)
			}
			if got, _ := e.app.Mailboxes.Get(e.sys, m.ID); got.SMTP.HasSecret || got.HasDKIMKey || got.Enabled {
				t.Fatalf("after clearing: %+v", got)
			}

			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			ag.get("/agent")
			for _, p := range []string{path, path + "/delete"} {
				if r := ag.post(p, url.Values{"confirm": {"1"}, "email": {"x@example.com"}}); r.Status != http.StatusForbidden {
					t.Fatalf("agent POST %s: %d", p, r.Status)
				}
			}
			if r := ag.get(path); r.Status != http.StatusForbidden {
				t.Fatalf("agent GET %s: %d", path, r.Status)
			}

			if r = ad.post(path+"/delete", nil); r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("delete without confirmation: %d", r.Status)
			}
			if _, err := e.app.Mailboxes.Get(e.sys, m.ID); err != nil {
				t.Fatal("deleted without confirmation")
			}
			if r = ad.post(path+"/delete", url.Values{"confirm": {"1"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("delete: %d", r.Status)
			}
			if ms, _ := e.app.Mailboxes.List(e.sys); len(ms) != 0 {
				t.Fatal("not deleted")
			}
			if r := ad.get(path); r.Status != http.StatusNotFound {
				t.Fatalf("deleted address page: %d", r.Status)
			}
		})
	}
}

// TestOutboxRetryButton: a failed message has a "Retry now" button for
// admins that queues it again (audited); agents are refused.
func TestOutboxRetryButton(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			due, _ := e.claimTestMail("gone@example.org")
			if err := e.app.Outbox.Fail(e.sys, due[0].ID, time.Now(), "550 5.1.1 mailbox unavailable"); err != nil {
				t.Fatal(err)
			}
			retry := "/agent/admin/outbox/" + strconv.FormatInt(due[0].ID, 10) + "/retry"
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			if body := ad.get("/agent/admin/outbox").Body; !strings.Contains(body, `action="`+retry+`"`) {
				t.Fatal("no retry button on a failed message")
			}
			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			ag.get("/agent")
			if r := ag.post(retry, nil); r.Status != http.StatusForbidden {
				t.Fatalf("agent retried: %d", r.Status)
			}
			if r := ad.post(retry, nil); r.Status != http.StatusSeeOther {
				t.Fatalf("retry: %d %s", r.Status, r.Body)
			}
			body := ad.get("/agent/admin/outbox").Body
			if strings.Contains(body, `action="`+retry+`"`) || strings.Contains(body, "Failed for good") {
				t.Fatal("the message still shows as failed")
			}
			if r := ad.post(retry, nil); r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("retry of a queued message: %d", r.Status)
			}
			entries, err := audit.List(e.sys, e.app.DB, audit.Filter{Action: "outbox.retried"})
			if err != nil || len(entries) != 1 || entries[0].ActorID != e.admin.ID {
				t.Fatalf("audit: %+v %v", entries, err)
			}
		})
	}
}
