package people_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// personalRows counts, per table, the rows other packages keep about
// userID that a permanent deletion must erase.
func personalRows(t *testing.T, db *store.DB, userID int64) map[string]int {
	t.Helper()
	queries := map[string]string{
		"password_history":    `SELECT COUNT(*) FROM password_history WHERE user_id = ?`,
		"user_totp":           `SELECT COUNT(*) FROM user_totp WHERE user_id = ?`,
		"recovery_codes":      `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?`,
		"password_resets":     `SELECT COUNT(*) FROM password_resets WHERE user_id = ?`,
		"email_verifications": `SELECT COUNT(*) FROM email_verifications WHERE user_id = ?`,
		"known_devices":       `SELECT COUNT(*) FROM known_devices WHERE user_id = ?`,
		"login_failures":      `SELECT COUNT(*) FROM login_failures WHERE subject = 'u:' || ?`,
		"sessions":            `SELECT COUNT(*) FROM sessions WHERE user_id = ?`,
	}
	got := map[string]int{}
	for table, q := range queries {
		arg := any(userID)
		if table == "login_failures" {
			arg = fmt.Sprint(userID)
		}
		var n int
		if err := db.QueryRow(bg, q, arg).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		got[table] = n
	}
	return got
}

// seedPersonalRows gives userID a row in every table personalRows counts
// (the password history through the people service itself).
func seedPersonalRows(t *testing.T, db *store.DB, s *people.Service, userID int64) {
	t.Helper()
	pw := fmt.Sprintf("Correct-horse-%d-battery", userID)
	if _, err := s.UpdateUser(sysCtx(), userID, people.UserInput{Password: &pw}); err != nil {
		t.Fatalf("set password: %v", err)
	}
	id := fmt.Sprint(userID)
	for _, q := range []string{
		`INSERT INTO user_totp (user_id, secret_sealed, enabled, created_at, updated_at) VALUES (` + id + `, 'sealed', TRUE, 1, 1)`,
		`INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (` + id + `, 'code-` + id + `', 1)`,
		`INSERT INTO password_resets (user_id, email, token_hash, created_at, expires_at) VALUES (` + id + `, 'x@example.test', 'reset-` + id + `', 1, 9999999999999999)`,
		`INSERT INTO email_verifications (user_id, email, token_hash, created_at, expires_at) VALUES (` + id + `, 'x@example.test', 'verify-` + id + `', 1, 9999999999999999)`,
		`INSERT INTO known_devices (token_hash, user_id, created_at, last_used_at, expires_at) VALUES ('device-` + id + `', ` + id + `, 1, 1, 9999999999999999)`,
		`INSERT INTO login_failures (subject, failures) VALUES ('u:` + id + `', 2)`,
	} {
		if _, err := db.Exec(bg, q); err != nil {
			t.Fatalf("seed: %v\n%s", err, q)
		}
	}
	for table, n := range personalRows(t, db, userID) {
		if n == 0 && table != "sessions" {
			t.Fatalf("seeding left %s empty for user %d", table, userID)
		}
	}
}

// TestPurgeUserErasesOtherPackagesRows: a permanent deletion leaves no
// password history, two-factor secret, recovery code, pending reset or
// verification, remembered device or failure counter of the user, and
// touches no one else's.
func TestPurgeUserErasesOtherPackagesRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		mkUser(t, s, "Admin", "admin@example.test", desk.RoleAdmin) // the owner
		admin := mkUser(t, s, "Second Admin", "admin2@example.test", desk.RoleAdmin)
		gone := mkUser(t, s, "Gone", "gone@example.test", desk.RoleEndUser)
		kept := mkUser(t, s, "Kept", "kept@example.test", desk.RoleEndUser)
		seedPersonalRows(t, db, s, gone.ID)
		seedPersonalRows(t, db, s, kept.ID)
		before := personalRows(t, db, kept.ID)

		if _, err := s.DeleteUser(as(admin), gone.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PurgeUser(as(admin), gone.ID); err != nil {
			t.Fatal(err)
		}
		for table, n := range personalRows(t, db, gone.ID) {
			if n != 0 {
				t.Errorf("%s: %d rows of the purged user remain", table, n)
			}
		}
		after := personalRows(t, db, kept.ID)
		for table, n := range before {
			if after[table] != n {
				t.Errorf("%s: another user's rows went from %d to %d", table, n, after[table])
			}
		}
	})
}

// TestPurgeUserRefusedWithoutErasers: a service not wired with the other
// packages' erase functions refuses a permanent deletion (and changes
// nothing) rather than leave their rows behind.
func TestPurgeUserRefusedWithoutErasers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		mkUser(t, s, "Admin", "admin@example.test", desk.RoleAdmin)
		admin := mkUser(t, s, "Second Admin", "admin2@example.test", desk.RoleAdmin)
		gone := mkUser(t, s, "Gone", "gone@example.test", desk.RoleEndUser)
		seedPersonalRows(t, db, s, gone.ID)
		if _, err := s.DeleteUser(as(admin), gone.ID); err != nil {
			t.Fatal(err)
		}
		for name, unset := range map[string]func(*people.Service){
			"two-factor": func(s *people.Service) { s.EraseTwoFactorTx = nil },
			"outbox":     func(s *people.Service) { s.EraseOutboxTx = nil },
			"webhooks":   func(s *people.Service) { s.EraseWebhooksTx = nil },
			"ratings":    func(s *people.Service) { s.EraseRatingsTx = nil },
		} {
			s := newSvc(db)
			unset(s)
			if _, err := s.PurgeUser(as(admin), gone.ID); err == nil {
				t.Fatalf("purge without the %s eraser succeeded", name)
			}
			if u, err := s.GetUser(sysCtx(), gone.ID); err != nil || u.Purged || u.Email == "" {
				t.Errorf("user after a purge refused for want of the %s eraser: %+v %v", name, u, err)
			}
			if n := personalRows(t, db, gone.ID)["password_history"]; n == 0 {
				t.Errorf("a purge refused for want of the %s eraser erased the password history", name)
			}
		}
	})
}

// TestPurgeUserErasesTheirAuditData: the audit entries about a user read
// back with their name and email until a permanent deletion, then as
// "erased user #id"; the deletion's own entry names no one; the chain
// verifies throughout.
func TestPurgeUserErasesTheirAuditData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		mkUser(t, s, "Admin", "admin@example.test", desk.RoleAdmin)
		admin := mkUser(t, s, "Second Admin", "admin2@example.test", desk.RoleAdmin)
		gone := mkUser(t, s, "Ottoline Vexmoor", "ottoline.vexmoor@example.test", desk.RoleEndUser)
		kept := mkUser(t, s, "Kept Person", "kept.person@example.test", desk.RoleEndUser)
		about := func(id int64) []audit.Entry {
			t.Helper()
			es, err := audit.List(sysCtx(), db, audit.Filter{TargetType: "user", TargetID: id, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return es
		}
		created := func(id int64) audit.Entry {
			t.Helper()
			for _, e := range about(id) {
				if e.Action == people.AuditUserCreated {
					return e
				}
			}
			t.Fatalf("no user.created entry for %d", id)
			return audit.Entry{}
		}
		if e := created(gone.ID); e.Data["email"] != "ottoline.vexmoor@example.test" || e.Data["name"] != "Ottoline Vexmoor" {
			t.Fatalf("before: %+v", e.Data)
		}
		if _, err := s.DeleteUser(as(admin), gone.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PurgeUser(as(admin), gone.ID); err != nil {
			t.Fatal(err)
		}
		erased := fmt.Sprintf("erased user #%d", gone.ID)
		if e := created(gone.ID); e.Data["email"] != erased || e.Data["name"] != erased || e.Data["role"] != "end-user" {
			t.Errorf("after: %+v", e.Data)
		}
		if e := created(kept.ID); e.Data["email"] != "kept.person@example.test" {
			t.Errorf("another user's entry: %+v", e.Data)
		}
		for _, e := range about(gone.ID) {
			b, _ := json.Marshal(e)
			if strings.Contains(strings.ToLower(string(b)), "vexmoor") {
				t.Errorf("entry %s still names them: %s", e.Action, b)
			}
			if e.Action == people.AuditUserPurged && e.Data["audit_entries_erased"] == nil {
				t.Errorf("the erasure entry does not say how many entries it erased: %s", b)
			}
		}
		if rep, err := audit.Verify(sysCtx(), db); err != nil || !rep.OK {
			t.Fatalf("chain after the erasure: %+v %v", rep, err)
		}
	})
}
