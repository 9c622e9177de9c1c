package people_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestCredentialCalls: the writes package account asks of people.
func TestCredentialCalls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		owner := mkUser(t, s, "Owner", "owner@example.com", desk.RoleAdmin)
		u := mkUser(t, s, "Vera", "vera@example.com", desk.RoleEndUser)
		if _, err := s.UpdateUser(sysCtx(), u.ID, people.UserInput{Verified: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		alias, err := s.AddIdentity(sysCtx(), u.ID, people.IdentityEmail, "alias@example.com")
		if err != nil {
			t.Fatal(err)
		}
		hash, _ := auth.HashPassword("a fine Tuesday 1984 lighthouse")
		err = db.InTx(bg, func(tx *store.Tx) error {
			if err := s.SetPasswordTx(bg, tx, u.ID, hash); err != nil {
				return err
			}
			if err := people.SetLocaleTx(bg, tx, u.ID, "pl-PL"); err != nil {
				return err
			}
			// A secondary address: the identity, not the user.
			if ok, err := people.MarkEmailVerifiedTx(bg, tx, u.ID, alias.Value); err != nil || !ok {
				t.Errorf("alias: %v %v", ok, err)
			}
			if ok, err := people.MarkEmailVerifiedTx(bg, tx, u.ID, "nobody@example.com"); err != nil || ok {
				t.Errorf("unknown address: %v %v", ok, err)
			}
			if err := s.SetPasswordTx(bg, tx, 999999, hash); err == nil {
				t.Error("set the password of a user who does not exist")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.CheckPassword(bg, u.Email, "a fine Tuesday 1984 lighthouse")
		if err != nil || got.Locale != "pl-PL" || got.Verified {
			t.Fatalf("after: %+v %v", got, err)
		}
		var hist int
		var changed int64
		db.QueryRow(bg, `SELECT COUNT(*) FROM password_history WHERE user_id = ?`, u.ID).Scan(&hist)
		db.QueryRow(bg, `SELECT password_changed_at FROM users WHERE id = ?`, u.ID).Scan(&changed)
		if hist != 1 || changed == 0 {
			t.Fatalf("history %d, changed at %d", hist, changed)
		}
		// The primary address verifies the user too.
		if err := db.InTx(bg, func(tx *store.Tx) error {
			_, err := people.MarkEmailVerifiedTx(bg, tx, u.ID, " VERA@example.com ")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetUser(sysCtx(), u.ID); !got.Verified {
			t.Fatal("the primary address did not verify the user")
		}
		if id, email, err := people.OwnerContact(bg, db); err != nil || id != owner.ID || email != owner.Email {
			t.Fatalf("owner contact: %d %q %v", id, email, err)
		}
	})
}
