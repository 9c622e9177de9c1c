package account_test

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// signInDevice signs in with a device token and returns the result.
func (e *env) signInDevice(email, pw, ip, device string) (*account.SignInResult, error) {
	return e.svc.SignInDevice(bg, email, pw, ip, "test", device)
}

// TestLockIsNoWeapon: an attacker who exhausts an account's attempts locks
// out unfamiliar devices only; the victim's known device still signs in,
// a forged, expired or someone else's device token does not count, and the
// victim and the owner are told once per lock (issue 7 item 8).
func TestLockIsNoWeapon(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.svc.BaseURL = base
		owner := e.mkUser(t, "owner@example.com", desk.RoleAdmin, pw, true)
		victim := e.mkUser(t, "victim@example.com", desk.RoleAgent, pw, true)
		e.mkUser(t, "bystander@example.com", desk.RoleAgent, pw, true)

		// The victim signs in once from their laptop: a known device.
		res, err := e.signInDevice(victim.Email, pw, "192.0.2.10", "")
		if err != nil || res.Device == "" || res.Token == "" {
			t.Fatalf("first sign-in: %+v %v", res, err)
		}
		laptop := res.Device
		other, err := e.signInDevice("bystander@example.com", pw, "192.0.2.11", "")
		if err != nil {
			t.Fatal(err)
		}
		// Signing in again with it keeps the same device token.
		if again, err := e.signInDevice(victim.Email, pw, "192.0.2.10", laptop); err != nil || again.Device != laptop {
			t.Fatalf("known device sign-in: %+v %v", again, err)
		}

		// The attacker, from one address, exhausts the account's attempts.
		const attacker = "203.0.113.9"
		for i := range account.MaxFailures {
			e.guess(t, victim.Email, attacker, i)
		}
		// An unknown device is locked out, even with the right password.
		wantGeneric(t, e.attempt(victim.Email, pw, "192.0.2.20"))
		// So are forged tokens and another user's device.
		for _, bad := range []string{"forged-device-token", strings.Repeat("A", 43), other.Device} {
			if _, err := e.signInDevice(victim.Email, pw, "192.0.2.20", bad); err == nil {
				t.Fatalf("device token %q passed the lock", bad)
			}
		}
		// The victim's laptop signs in as usual.
		if _, err := e.signInDevice(victim.Email, pw, "192.0.2.10", laptop); err != nil {
			t.Fatalf("the known device is locked out: %v", err)
		}
		// And the lock still holds for everyone else.
		wantGeneric(t, e.attempt(victim.Email, pw, "192.0.2.21"))

		// One email per lock, to the victim and to the owner.
		if n := e.countMail(t, victim.Email, account.KindAccountLocked); n != 1 {
			t.Fatalf("%d lock emails to the victim, want 1", n)
		}
		if n := e.countMail(t, owner.Email, account.KindAccountLockedOwner); n != 1 {
			t.Fatalf("%d lock notices to the owner, want 1", n)
		}
		m, err := e.ob.Latest(sysCtx(), owner.Email)
		if err != nil || !strings.Contains(m.Text, victim.Email) || !strings.Contains(m.Text, "15 minutes") {
			t.Fatalf("owner notice: %+v %v", m, err)
		}
		// The owner's own lock mails the owner once, not twice.
		for i := range account.MaxFailures {
			e.guess(t, owner.Email, ipN(i), i)
		}
		if a, o := e.countMail(t, owner.Email, account.KindAccountLocked), e.countMail(t, owner.Email, account.KindAccountLockedOwner); a != 1 || o != 1 {
			t.Fatalf("owner locked: %d lock emails and %d notices, want 1 and 1", a, o)
		}

		// Wrong passwords from the known device count on the device alone:
		// they neither lock the account again nor mail anyone.
		for i := range account.MaxFailures {
			e.clock.Advance(account.MaxBackoff)
			if _, err := e.signInDevice(victim.Email, "wrong from laptop", "192.0.2.10", laptop); err == nil {
				t.Fatalf("wrong password %d accepted", i)
			}
		}
		if _, err := e.signInDevice(victim.Email, pw, "192.0.2.10", laptop); err == nil {
			t.Fatal("the device's own lock does not hold")
		}
		if n := e.countMail(t, victim.Email, account.KindAccountLocked); n != 1 {
			t.Fatalf("device failures sent lock mail: %d", n)
		}

		// An expired device token counts as none.
		e.clock.Advance(account.DeviceTTL + time.Hour)
		for i := range account.MaxFailures {
			e.guess(t, victim.Email, attacker, i)
		}
		if _, err := e.signInDevice(victim.Email, pw, "192.0.2.10", laptop); err == nil {
			t.Fatal("an expired device token passed the lock")
		}
	})
}

// TestKnownDeviceThroughIPBlock: a blocked address blocks unfamiliar
// devices only (an office behind one NAT address keeps working).
func TestKnownDeviceThroughIPBlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.mkUser(t, "office@example.com", desk.RoleAgent, pw, true)
		const shared = "203.0.113.50"
		res, err := e.signInDevice(u.Email, pw, shared, "")
		if err != nil {
			t.Fatal(err)
		}
		for i := range account.IPMaxFailures {
			e.attempt("nobody"+ipN(i)+"@example.com", "wrong", shared)
		}
		if err := e.attempt(u.Email, pw, shared); desk.ErrorCode(err) != desk.ETOOMANY {
			t.Fatalf("unknown device from a blocked address: %v", err)
		}
		if _, err := e.signInDevice(u.Email, pw, shared, "forged"); desk.ErrorCode(err) != desk.ETOOMANY {
			t.Fatalf("forged device from a blocked address: %v", err)
		}
		if _, err := e.signInDevice(u.Email, pw, shared, res.Device); err != nil {
			t.Fatalf("known device from a blocked address: %v", err)
		}
	})
}
