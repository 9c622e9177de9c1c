package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
)

// TestAuditedEvents: the security events the issue lists each leave an
// entry naming the actor, the target and the change, and the chain still
// verifies afterwards. Runs on every store.
func TestAuditedEvents(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, u)
			adminCtx := desk.WithPrincipal(audit.WithClient(e.sys, "203.0.113.1", "admin-browser"), &desk.Principal{UserID: e.admin.ID, Role: desk.RoleAdmin, Via: "web"})
			// entry returns the newest entry of action (failing when none).
			entry := func(action string) audit.Entry {
				t.Helper()
				es, err := audit.List(e.sys, e.app.DB, audit.Filter{Action: action})
				if err != nil {
					t.Fatal(err)
				}
				if len(es) == 0 {
					t.Fatalf("no %s entry", action)
				}
				return es[0]
			}
			count := func(action string) int {
				t.Helper()
				n, err := audit.Count(e.sys, e.app.DB, audit.Filter{Action: action})
				if err != nil {
					t.Fatal(err)
				}
				return n
			}

			// Sign-in: a failure, then a success, then sign-out.
			c := e.client()
			c.get("/agent/signin")
			c.post("/agent/signin", url.Values{"email": {e.agent.Email}, "password": {"wrong password"}})
			if f := entry("session.sign_in_failed"); f.TargetID != e.agent.ID || f.ActorID != 0 || f.Data["reason"] != "bad_credentials" || f.IP == "" {
				t.Errorf("failed sign-in entry %+v", f)
			}
			c.signIn("/agent/signin", e.agent.Email)
			if s := entry("session.signed_in"); s.ActorID != e.agent.ID || s.TargetID != e.agent.ID || s.IP == "" || s.UserAgent == "" {
				t.Errorf("sign-in entry %+v", s)
			}
			c.post("/signout", nil)
			if s := entry("session.signed_out"); s.TargetID != e.agent.ID {
				t.Errorf("sign-out entry %+v", s)
			}
			if err := e.app.Account.RevokeAll(adminCtx, e.agent.ID); err != nil {
				t.Fatal(err)
			}
			if s := entry("session.revoked_all"); s.ActorID != e.admin.ID || s.TargetID != e.agent.ID || s.IP != "203.0.113.1" {
				t.Errorf("revoke entry %+v", s)
			}

			// Users: created, role changed, email changed, suspended, deleted.
			nu, err := e.app.People.CreateUser(adminCtx, people.UserInput{Name: ptr("Newt"), Email: ptr("newt@example.com"), Role: ptrRole(desk.RoleAgent)})
			if err != nil {
				t.Fatal(err)
			}
			if c := entry(people.AuditUserCreated); c.TargetID != nu.ID || c.ActorID != e.admin.ID || c.Data["role"] != "agent" {
				t.Errorf("created entry %+v", c)
			}
			if _, err := e.app.People.UpdateUser(adminCtx, nu.ID, people.UserInput{Role: ptrRole(desk.RoleAdmin), Email: ptr("newt2@example.com")}); err != nil {
				t.Fatal(err)
			}
			if r := entry(people.AuditUserRoleChanged); r.Changes["role"].Before != "agent" || r.Changes["role"].After != "admin" {
				t.Errorf("role entry %+v", r)
			}
			if m := entry(people.AuditUserEmailChanged); m.Changes["email"].After != "newt2@example.com" {
				t.Errorf("email entry %+v", m)
			}
			if _, err := e.app.People.UpdateUser(adminCtx, nu.ID, people.UserInput{Suspended: ptrBool(true)}); err != nil {
				t.Fatal(err)
			}
			entry(people.AuditUserSuspended)
			if _, err := e.app.People.DeleteUser(adminCtx, nu.ID); err != nil {
				t.Fatal(err)
			}
			if d := entry(people.AuditUserDeleted); d.TargetID != nu.ID {
				t.Errorf("deleted entry %+v", d)
			}

			// API tokens: created, first use from an address (once), revoked.
			tok, err := e.app.People.CreateToken(adminCtx, e.admin.ID, "ci")
			if err != nil {
				t.Fatal(err)
			}
			entry(people.AuditTokenCreated)
			for range 3 {
				if _, err := e.app.People.AuthenticateToken(e.sys, e.admin.Email, tok.Token, "198.51.100.77"); err != nil {
					t.Fatal(err)
				}
			}
			if n := count(people.AuditTokenUsedFromNewIP); n != 1 {
				t.Errorf("%d new-address entries, want 1", n)
			}
			if _, err := e.app.People.AuthenticateToken(e.sys, e.admin.Email, tok.Token, "198.51.100.78"); err != nil {
				t.Fatal(err)
			}
			if ni := entry(people.AuditTokenUsedFromNewIP); ni.Data["ip"] != "198.51.100.78" || ni.ActorID != e.admin.ID || ni.TargetID != tok.ID {
				t.Errorf("new address entry %+v", ni)
			}
			if err := e.app.People.DeleteToken(adminCtx, tok.ID); err != nil {
				t.Fatal(err)
			}
			entry(people.AuditTokenRevoked)

			// A setting, with before and after.
			if err := settings.HelpdeskName.Set(adminCtx, e.app.Settings, "Kwiaciarnia"); err != nil {
				t.Fatal(err)
			}
			if s := entry(settings.AuditChanged); s.Changes[settings.KeyHelpdeskName].After != "Kwiaciarnia" {
				t.Errorf("setting entry %+v", s)
			}

			// A mailbox: its password never reaches the log.
			mb, err := e.app.Mailboxes.Create(adminCtx, mailbox.Input{Address: ptr("help@example.com"), IMAPHost: ptr("imap.example.com"),
				IMAPUsername: ptr("help"), IMAPSecret: ptr("Imap-Secret-42")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.app.Mailboxes.Update(adminCtx, mb.ID, mailbox.Input{Name: ptr("Help"), IMAPSecret: ptr("Imap-Secret-43")}); err != nil {
				t.Fatal(err)
			}
			if m := entry(mailbox.AuditUpdated); m.Changes["name"].After != "Help" || m.Changes["imap_password"].After != "[changed]" {
				t.Errorf("mailbox entry %+v", m)
			}
			if err := e.app.Mailboxes.Delete(adminCtx, mb.ID); err != nil {
				t.Fatal(err)
			}
			entry(mailbox.AuditDeleted)

			// A ticket deleted for good.
			tk := e.ticketFor(e.customer, "Delete me", "Body")
			if err := e.app.Tickets.Delete(adminCtx, tk.ID); err != nil {
				t.Fatal(err)
			}
			if err := e.app.Tickets.Destroy(adminCtx, tk.ID); err != nil {
				t.Fatal(err)
			}
			if d := entry("ticket.permanently_deleted"); d.TargetID != tk.ID || d.ActorID != e.admin.ID {
				t.Errorf("ticket entry %+v", d)
			}

			// No secret anywhere in the log, and the chain holds.
			var out strings.Builder
			if err := audit.Export(e.sys, e.app.DB, audit.Filter{}, audit.FormatJSON, &out); err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{"Imap-Secret-42", "Imap-Secret-43", tok.Token, password, "wrong password"} {
				if strings.Contains(out.String(), secret) {
					t.Errorf("the audit log holds a secret %q", secret)
				}
			}
			rep, err := audit.Verify(e.sys, e.app.DB)
			if err != nil || !rep.OK {
				t.Fatalf("chain after the events: %+v %v", rep, err)
			}
		})
	}
}

func ptrRole(r desk.Role) *desk.Role { return &r }
func ptrBool(b bool) *bool           { return &b }
