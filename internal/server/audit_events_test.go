package server_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/retention"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/twofactor"
)

// TestIssueAuditEventsAreRecorded walks issue 12's audit-log "Records"
// list and its security-contact list (alerts, 2FA requirement changes, new
// admins, API tokens created, retention and erasure runs, audit-chain
// failures) on the server as it is wired: each step triggers one listed
// event through the owning service and must leave its audit entry, and a
// mail to the security contact exactly where the issue lists one. (Data
// exports are audited by the GDPR export work.)
func TestIssueAuditEventsAreRecorded(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sys := desk.SystemContext(ctx)
			t.Setenv(secrets.EnvKey, "")
			// What the server records at start-up, the contact setting and a
			// user happen long ago (the store's clock pinned), for the
			// retention runs: the audit log's is removed from its start.
			real := store.Clock()
			t.Cleanup(func() { store.SetClock(real) })
			longAgo := time.Now().AddDate(0, 0, -800)
			store.SetClock(func() int64 { return longAgo.UnixMicro() })
			cfg := server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: u, ShutdownGrace: time.Second}
			app, err := server.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { app.Close() })
			db := app.DB
			box, err := secrets.Open(cfg.DataDir)
			if err != nil {
				t.Fatal(err)
			}
			tf := twofactor.New(db, box, "Frontdesk")
			const contact = "sec@example.com"
			const pw = "Correct-Horse-Battery-9!"
			if err := settings.SecurityContact.Set(sys, app.Settings, contact); err != nil {
				t.Fatal(err)
			}
			mails := func() int {
				var n int
				if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM outbox WHERE to_addr = ?`, contact).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			as := func(u *desk.User) context.Context {
				return audit.WithClient(desk.WithPrincipal(ctx, &desk.Principal{UserID: u.ID, Role: u.Role, Via: "web"}), "192.0.2.50", "table-test")
			}
			mkUser := func(email string, role desk.Role) *desk.User {
				t.Helper()
				p := pw
				u, err := app.People.CreateUser(sys, people.UserInput{Name: ptr("User " + email), Email: ptr(email), Role: ptr(role), Password: &p, Verified: ptr(true)})
				must(err)
				return u
			}
			stale := mkUser("stale@example.com", desk.RoleEndUser)
			store.SetClock(real)

			owner := mkUser("owner@example.com", desk.RoleAdmin)
			admin := as(owner)
			agent := mkUser("agent@example.com", desk.RoleAgent)
			var session, device, token string
			var target *desk.User
			var tokenID, ticketID, commentID int64

			steps := []struct {
				name   string
				action string
				mail   bool
				do     func() int64 // the target id expected (0: any)
			}{
				{"sign-in", account.AuditSignIn, false, func() int64 {
					res, err := app.Account.SignInDevice(ctx, agent.Email, pw, "192.0.2.10", "table-test", "")
					must(err)
					session, device = res.Token, res.Device
					return agent.ID
				}},
				{"suspicious sign-in (new device and network)", account.AuditSuspiciousSignIn, true, func() int64 {
					_, _, err := app.Account.SignIn(ctx, agent.Email, pw, "198.51.100.20", "other-browser")
					must(err)
					return agent.ID
				}},
				{"sign-in failure", account.AuditSignInFailed, false, func() int64 {
					if _, _, err := app.Account.SignIn(ctx, agent.Email, "wrong password!!", "192.0.2.10", "table-test"); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
						t.Fatalf("wrong password: %v", err)
					}
					return 0
				}},
				{"sign-in throttled", account.AuditSignInThrottled, false, func() int64 {
					for i := range account.IPMaxFailures {
						_, _, _ = app.Account.SignIn(ctx, fmt.Sprintf("spray%d@example.com", i), "Spring2024!!", "203.0.113.66", "spray")
					}
					if _, _, err := app.Account.SignIn(ctx, agent.Email, pw, "203.0.113.66", "spray"); desk.ErrorCode(err) != desk.ETOOMANY {
						t.Fatalf("throttled sign-in: %v", err)
					}
					return 0
				}},
				{"2FA enabled", twofactor.AuditEnabled, false, func() int64 {
					en, err := tf.Begin(as(agent), agent.ID, agent.Email)
					must(err)
					code, err := totp.GenerateCodeCustom(en.Secret, time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
					must(err)
					_, err = tf.Confirm(as(agent), agent.ID, code)
					must(err)
					return agent.ID
				}},
				{"2FA failed", twofactor.AuditFailed, false, func() int64 {
					if err := tf.Verify(sys, agent.ID, "000000"); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
						t.Fatalf("wrong code: %v", err)
					}
					return agent.ID
				}},
				{"2FA disabled", twofactor.AuditDisabled, false, func() int64 {
					must(tf.Disable(as(agent), agent.ID))
					return agent.ID
				}},
				{"password change", account.AuditPasswordChanged, false, func() int64 {
					must(app.Account.ChangePassword(as(agent), pw, pw+"x", ""))
					return agent.ID
				}},
				{"session revoked", account.AuditSessionRevoked, false, func() int64 {
					res, err := app.Account.SignInDevice(ctx, agent.Email, pw+"x", "192.0.2.10", "table-test", device)
					must(err)
					session = res.Token
					ss, err := app.Account.Sessions(as(agent), agent.ID)
					must(err)
					if len(ss) == 0 {
						t.Fatal("no session")
					}
					must(app.Account.RevokeSession(as(agent), ss[len(ss)-1].ID))
					return agent.ID
				}},
				{"sign-out", account.AuditSignOut, false, func() int64 {
					res, err := app.Account.SignInDevice(ctx, agent.Email, pw+"x", "192.0.2.10", "table-test", device)
					must(err)
					must(app.Account.SignOut(ctx, res.Token))
					return agent.ID
				}},
				{"user created", people.AuditUserCreated, false, func() int64 {
					target = mkUser("target@example.com", desk.RoleEndUser)
					return target.ID
				}},
				{"email change", people.AuditUserEmailChanged, false, func() int64 {
					_, err := app.People.UpdateUser(admin, target.ID, people.UserInput{Email: ptr("target2@example.com")})
					must(err)
					return target.ID
				}},
				{"role change to admin (a new admin)", people.AuditUserRoleChanged, true, func() int64 {
					_, err := app.People.UpdateUser(admin, agent.ID, people.UserInput{Role: ptr(desk.RoleAdmin)})
					must(err)
					return agent.ID
				}},
				{"new admin created", people.AuditUserCreated, true, func() int64 {
					return mkUser("admin2@example.com", desk.RoleAdmin).ID
				}},
				{"permission change (custom role)", people.AuditRoleUpdated, false, func() int64 {
					r, err := app.People.CreateCustomRole(admin, people.CustomRoleInput{Name: ptr("Auditors")})
					must(err)
					_, err = app.People.UpdateCustomRole(admin, r.ID, people.CustomRoleInput{Description: ptr("reads the log")})
					must(err)
					return r.ID
				}},
				{"user suspended", people.AuditUserSuspended, false, func() int64 {
					_, err := app.People.UpdateUser(admin, target.ID, people.UserInput{Suspended: ptr(true)})
					must(err)
					return target.ID
				}},
				{"user deleted", people.AuditUserDeleted, false, func() int64 {
					_, err := app.People.DeleteUser(admin, target.ID)
					must(err)
					return target.ID
				}},
				{"erasure (permanent deletion)", people.AuditUserPurged, true, func() int64 {
					_, err := app.People.PurgeUser(admin, target.ID)
					must(err)
					return target.ID
				}},
				{"API token created", people.AuditTokenCreated, true, func() int64 {
					tok, err := app.People.CreateToken(admin, owner.ID, "ci")
					must(err)
					token, tokenID = tok.Token, tok.ID
					return tok.ID
				}},
				{"API token used from a new IP", people.AuditTokenUsedFromNewIP, false, func() int64 {
					_, err := app.People.AuthenticateToken(ctx, owner.Email, token, "198.51.100.99")
					must(err)
					return tokenID
				}},
				{"API token revoked", people.AuditTokenRevoked, false, func() int64 {
					must(app.People.DeleteToken(admin, tokenID))
					return tokenID
				}},
				{"settings change", settings.AuditChanged, false, func() int64 {
					must(settings.HelpdeskName.Set(admin, app.Settings, "Acme Help"))
					return 0
				}},
				{"2FA requirement change", settings.AuditChanged, true, func() int64 {
					must(settings.RequireStaff2FA.Set(admin, app.Settings, true))
					return 0
				}},
				{"business rule change", rules.AuditTriggerCreated, false, func() int64 {
					tr, err := app.Rules.CreateTrigger(admin, rules.TriggerInput{Title: ptr("Escalate"),
						Conditions: &rules.Conditions{All: []rules.Condition{{Field: "status", Operator: "is", Value: "new"}}},
						Actions:    &[]rules.Action{{Field: "priority", Value: "high"}}})
					must(err)
					return tr.ID
				}},
				{"mailbox change", mailbox.AuditCreated, false, func() int64 {
					m, err := app.Mailboxes.Create(admin, mailbox.Input{Address: ptr("help@example.com"), Name: ptr("Help")})
					must(err)
					return m.ID
				}},
				{"redaction", ticket.AuditRedacted, false, func() int64 {
					tk, _, err := app.Tickets.Create(admin, ticket.Input{Subject: ptr("Card"), Comment: &ticket.CommentInput{Body: "my card is 4111 and more"}})
					must(err)
					cs, _, err := app.Tickets.Comments(admin, tk.ID, 0, 10, false)
					must(err)
					ticketID, commentID = tk.ID, cs[0].ID
					_, err = app.Tickets.RedactCommentText(admin, ticketID, commentID, "4111")
					must(err)
					return ticketID
				}},
				{"ticket permanently deleted", ticket.AuditPermanentlyDeleted, false, func() int64 {
					must(app.Tickets.Delete(admin, ticketID))
					must(app.Tickets.Destroy(admin, ticketID))
					return ticketID
				}},
				{"retention run", retention.AuditRun, true, func() int64 {
					_, err := app.Retention.Create(admin, retention.Input{Kind: ptr(retention.KindInactiveEndUsers), Days: ptr(30)})
					must(err)
					rep, err := app.Retention.Run(sys, false)
					must(err)
					if !rep.Deleted() {
						t.Fatalf("retention deleted nothing (stale user %d): %+v", stale.ID, rep)
					}
					return 0
				}},
				{"audit-log retention run", audit.AuditPruned, true, func() int64 {
					must(settings.AuditRetentionDays.Set(admin, app.Settings, 365))
					runJob(t, app, server.JobAuditRetention)
					if rep, err := audit.Verify(sys, db); err != nil || !rep.OK || rep.AnchorSeq <= 1 {
						t.Fatalf("chain after the audit-log retention: %+v %v", rep, err)
					}
					return 0
				}},
				{"audit-chain failure", audit.AuditVerifyFailed, true, func() int64 {
					// Entries at the end of the chain gone: the head is further on.
					if _, err := db.Exec(ctx, `UPDATE audit_chain SET seq = seq + 3, hash = 'x' WHERE id = 1`); err != nil {
						t.Fatal(err)
					}
					runJob(t, app, server.JobAuditVerify)
					return 0
				}},
			}
			_ = session
			for _, s := range steps {
				before, err := audit.List(sys, db, audit.Filter{Action: s.action, Limit: 1})
				must(err)
				var lastID int64
				if len(before) > 0 {
					lastID = before[0].ID
				}
				m0 := mails()
				id := s.do()
				es, err := audit.List(sys, db, audit.Filter{Action: s.action, Asc: true, After: lastID})
				must(err)
				if len(es) == 0 {
					t.Errorf("%s: no %s entry", s.name, s.action)
					continue
				}
				e := es[len(es)-1]
				if id != 0 && e.TargetID != id {
					t.Errorf("%s: %s entry targets %s %d, want %d", s.name, s.action, e.TargetType, e.TargetID, id)
				}
				if got := mails() - m0; (got > 0) != s.mail {
					t.Errorf("%s: %d mails to the security contact, want mail=%v", s.name, got, s.mail)
				}
			}
			// Settings changes hold before and after, secrets masked.
			must(settings.CSRFKey.Set(sys, app.Settings, randBytes(t, 32)))
			es, err := audit.List(sys, db, audit.Filter{Action: settings.AuditChanged, Limit: 10})
			must(err)
			var sawName, sawSecret bool
			for _, e := range es {
				for k, c := range e.Changes {
					if k == settings.KeyHelpdeskName && c.After == "Acme Help" {
						sawName = true
					}
					if k == settings.KeyCSRFKey {
						sawSecret = true
						if c.After != "[secret]" || (c.Before != nil && c.Before != "[secret]") {
							t.Errorf("secret setting logged as %v → %v", c.Before, c.After)
						}
					}
				}
			}
			if !sawName || !sawSecret {
				t.Errorf("settings entries: name %v, secret %v", sawName, sawSecret)
			}
			// The audit-log retention removed the entries from long ago only.
			var old int
			must(db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE created_at < ?`, time.Now().AddDate(-1, 0, 0).UnixMicro()).Scan(&old))
			if old != 0 {
				t.Errorf("%d entries older than a year left after the audit-log retention", old)
			}
		})
	}
}

// runJob enqueues kind and runs the queue until it is empty.
func runJob(t *testing.T, app *server.App, kind string) {
	t.Helper()
	ctx := context.Background()
	if err := app.DB.InTx(ctx, func(tx *store.Tx) error { return jobs.Enqueue(ctx, tx, kind, nil) }); err != nil {
		t.Fatal(err)
	}
	for {
		found, err := app.Jobs.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			return
		}
	}
}

func randBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}
