package people_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

const setupPassword = "a long enough passphrase"

// TestSetupOwner: the first-run code creates the owner once; wrong codes,
// a second use, and use after another path created an admin are refused.
func TestSetupOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		if open, err := s.SetupOpen(bg); err != nil || !open {
			t.Fatalf("fresh account: open = %v, %v", open, err)
		}
		if _, err := s.NewSetupCode(as(&desk.User{ID: 1, Role: desk.RoleAdmin})); code(err) != desk.EFORBIDDEN {
			t.Fatalf("a user made a setup code: %v", err)
		}
		old, err := s.NewSetupCode(sysCtx())
		if err != nil || len(old) < 32 {
			t.Fatalf("code %q, %v", old, err)
		}
		c, err := s.NewSetupCode(sysCtx()) // a restart replaces the code
		if err != nil || c == old {
			t.Fatalf("second code %q, %v", c, err)
		}
		if stored, _ := settings.SetupCode.Read(bg, db); len(stored) != 32 || strings.Contains(string(stored), c) {
			t.Fatalf("stored %x: want the code's hash only", stored)
		}
		// A code with its last character changed (to one it cannot already be).
		last := "X"
		if strings.HasSuffix(c, last) {
			last = "Y"
		}
		for _, bad := range []string{"", old, c[:len(c)-1] + last, strings.Repeat("A", 5000)} {
			if _, err := s.SetupOwner(bg, bad, "Olga Owner", "olga@example.com", setupPassword); code(err) != desk.EINVALID {
				t.Fatalf("code %q: %v", bad, err)
			}
		}
		if _, err := s.SetupOwner(bg, c, "Olga Owner", "olga@example.com", "short"); code(err) != desk.EINVALID {
			t.Fatalf("weak password accepted: %v", err)
		}
		// Case, spaces and dashes as typed do not matter.
		typed := " " + strings.ToLower(strings.ReplaceAll(c, "-", " ")) + " "
		u, err := s.SetupOwner(bg, typed, "Olga Owner", "olga@example.com", setupPassword)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != desk.RoleAdmin || !u.IsOwner || !u.Verified {
			t.Fatalf("owner %+v", u)
		}
		if own, err := s.Owner(sysCtx()); err != nil || own.ID != u.ID {
			t.Fatalf("owner %v, %v", own, err)
		}
		if _, err := s.CheckPassword(bg, "olga@example.com", setupPassword); err != nil {
			t.Fatalf("owner cannot sign in: %v", err)
		}
		if open, err := s.SetupOpen(bg); err != nil || open {
			t.Fatalf("after setup: open = %v, %v", open, err)
		}
		if _, err := s.SetupOwner(bg, c, "Eve", "eve@example.com", setupPassword); code(err) != desk.ENOTFOUND {
			t.Fatalf("code reused: %v", err)
		}
		if c2, err := s.NewSetupCode(sysCtx()); err != nil || c2 != "" {
			t.Fatalf("code made with an owner: %q, %v", c2, err)
		}
		if stored, _ := settings.SetupCode.Read(bg, db); len(stored) != 0 {
			t.Fatalf("code not void: %x", stored)
		}
	})
}

// TestSetupCodeVoidAfterOtherAdmin: the command line (CreateUser as the
// system) creating the first admin voids the code.
func TestSetupCodeVoidAfterOtherAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		c, err := s.NewSetupCode(sysCtx())
		if err != nil || c == "" {
			t.Fatalf("code %q, %v", c, err)
		}
		mkUser(t, s, "Agnes Agent", "agnes@example.com", desk.RoleAgent)
		if stored, _ := settings.SetupCode.Read(bg, db); len(stored) == 0 {
			t.Fatal("an agent voided the code")
		}
		mkUser(t, s, "Ada Admin", "ada@example.com", desk.RoleAdmin)
		if stored, _ := settings.SetupCode.Read(bg, db); len(stored) != 0 {
			t.Fatalf("code not void after the first admin: %x", stored)
		}
		if _, err := s.SetupOwner(bg, c, "Eve", "eve@example.com", setupPassword); code(err) != desk.ENOTFOUND {
			t.Fatalf("void code accepted: %v", err)
		}
	})
}

// TestSetupOwnerConcurrent: simultaneous submissions of the right code
// create exactly one admin, the owner.
func TestSetupOwnerConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		c, err := s.NewSetupCode(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		users := make([]*desk.User, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				email := "owner" + string(rune('a'+i)) + "@example.com"
				users[i], errs[i] = s.SetupOwner(bg, c, "Owner", email, setupPassword)
			}()
		}
		close(start)
		wg.Wait()
		var won *desk.User
		for i, err := range errs {
			switch {
			case err == nil:
				if won != nil {
					t.Fatalf("two owners: %d and %d", won.ID, users[i].ID)
				}
				won = users[i]
			case code(err) != desk.ENOTFOUND:
				t.Errorf("loser %d: %v (want not found)", i, err)
			}
		}
		if won == nil {
			t.Fatalf("nobody won: %v", errs)
		}
		var admins int
		if err := db.QueryRow(bg, `SELECT COUNT(*) FROM users WHERE role = ?`, string(desk.RoleAdmin)).Scan(&admins); err != nil {
			t.Fatal(err)
		}
		if admins != 1 {
			t.Fatalf("%d admins", admins)
		}
		if own, err := s.Owner(sysCtx()); err != nil || own.ID != won.ID {
			t.Fatalf("owner %v, %v; winner %d", own, err, won.ID)
		}
	})
}
