package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// TestOutboxHidesSecrets: no admin — the owner or a second admin — sees a
// reset or verification link on the outbox page; it says a reset email
// went to the owner, and the link the delivery path gets still works
// (issue 7 item 3).
func TestOutboxHidesSecrets(t *testing.T) {
	for name, dbURL := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, dbURL)
			second := e.mustUser("Second Admin", "second@example.com", desk.RoleAdmin)
			anon := e.client()
			anon.get("/password/forgot")
			if r := anon.post("/password/forgot", url.Values{"email": {e.admin.Email}}); r.Status != http.StatusSeeOther {
				t.Fatalf("forgot: %d", r.Status)
			}
			msg, err := e.app.Outbox.Latest(e.sys, e.admin.Email)
			if err != nil {
				t.Fatal(err)
			}
			link := linkRE.FindString(msg.Text)
			token := link[strings.Index(link, "token=")+len("token="):]
			if link == "" || len(token) < 20 {
				t.Fatalf("no reset link in the deliverable message: %q", msg.Text)
			}
			for _, u := range []*desk.User{second, e.admin} {
				c := e.client()
				c.signIn("/agent/signin", u.Email)
				r := c.get("/agent/admin/outbox")
				if r.Status != http.StatusOK {
					t.Fatalf("%s: outbox page %d", u.Email, r.Status)
				}
				if strings.Contains(r.Body, token) || strings.Contains(r.Body, "token=") {
					t.Fatalf("%s sees the owner's reset link on the outbox page", u.Email)
				}
				if !strings.Contains(r.Body, e.admin.Email) || !strings.Contains(r.Body, "password_reset") {
					t.Errorf("%s: the outbox page does not say a reset email went to the owner", u.Email)
				}
			}
			// Delivered, the link sets the owner's password.
			c := e.client()
			c.get("/password/reset?token=" + token)
			newPW := "a brand new Tuesday 1984 lighthouse"
			if r := c.post("/password/reset", url.Values{"token": {token}, "password": {newPW}, "password_confirm": {newPW}}); r.Status != http.StatusSeeOther {
				t.Fatalf("reset with the delivered link: %d %s", r.Status, r.Body)
			}
		})
	}
}
