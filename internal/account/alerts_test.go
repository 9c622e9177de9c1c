package account_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func (e *env) mailCount(t testing.TB, to, kind string) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(bg, `SELECT COUNT(*) FROM outbox WHERE to_addr = ? AND kind = ?`, to, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *env) alertReasons(t testing.TB) []string {
	t.Helper()
	as, err := e.svc.RecentAlerts(sysCtx(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) == 0 {
		return nil
	}
	return as[0].Reasons
}

func (e *env) alertCount(t testing.TB) int {
	t.Helper()
	as, err := e.svc.RecentAlerts(sysCtx(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(as)
}

func auditCount(t testing.TB, db *store.DB, action string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(bg, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var disownRE = regexp.MustCompile(`https://help\.example\.com/security/disown\?token=([A-Za-z0-9_-]+)`)

func TestNetwork(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.77":              "192.0.2.0/24",
		"::ffff:192.0.2.77":       "192.0.2.0/24",
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1::/48",
		"2001:db8:1:ffff::1%eth0": "2001:db8:1::/48",
		"":                        "",
		"not an ip":               "",
	} {
		if got := account.Network(in); got != want {
			t.Errorf("Network(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSuspiciousSignIns drives each rule with a controllable clock and fake
// networks (issue 12, Alerts).
func TestSuspiciousSignIns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.svc.BaseURL = base
		agent := e.mkUser(t, "agent@example.com", desk.RoleAgent, pw, true)
		if err := settings.SecurityContact.Set(sysCtx(), settings.Uncached(db, nil), "sec@example.com"); err != nil {
			t.Fatal(err)
		}
		// First-ever sign-in: no alert, the network and device are learnt.
		res, err := e.signInDevice(agent.Email, pw, "192.0.2.10", "")
		if err != nil {
			t.Fatal(err)
		}
		laptop := res.Device
		if n := e.alertCount(t); n != 0 {
			t.Fatalf("first sign-in raised %d alerts", n)
		}
		// Same device, same /24: nothing.
		e.clock.Advance(time.Minute)
		if _, err := e.signInDevice(agent.Email, pw, "192.0.2.99", laptop); err != nil {
			t.Fatal(err)
		}
		if n := e.alertCount(t); n != 0 {
			t.Fatalf("familiar sign-in raised %d alerts", n)
		}
		// A new device on the known network.
		e.clock.Advance(time.Hour * 13) // earlier sessions have expired
		if _, err := e.signInDevice(agent.Email, pw, "192.0.2.11", ""); err != nil {
			t.Fatal(err)
		}
		if got := e.alertReasons(t); strings.Join(got, ",") != account.ReasonNewDevice {
			t.Fatalf("reasons = %v, want new_device", got)
		}
		// The user is told, in English, with a link; the security contact too
		// (staff), without the link.
		m, err := e.ob.Latest(sysCtx(), agent.Email)
		if err != nil || m.Kind != account.KindSignInAlert || !disownRE.MatchString(m.Text) || !strings.Contains(m.Text, "192.0.2.11") {
			t.Fatalf("user alert mail: %v %+v", err, m)
		}
		c, err := e.ob.Latest(sysCtx(), "sec@example.com")
		if err != nil || c.Kind != account.KindSecurityAlert || strings.Contains(c.Text, "token=") || !strings.Contains(c.Text, agent.Email) {
			t.Fatalf("contact mail: %v %+v", err, c)
		}
		// A known device from a new network, while the previous session is
		// still active from another network.
		e.clock.Advance(time.Minute)
		if _, err := e.signInDevice(agent.Email, pw, "198.51.100.7", laptop); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(e.alertReasons(t), ","); got != account.ReasonNewNetwork+","+account.ReasonConcurrent {
			t.Fatalf("reasons = %v, want new_network,concurrent_session", got)
		}
		// Many failures, then a success from the known device and network.
		e.clock.Advance(13 * time.Hour)
		for i := 0; i < account.AlertFailureThreshold; i++ {
			if _, err := e.signInDevice(agent.Email, "wrong password!", "203.0.113.5", ""); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
				t.Fatalf("wrong password: %v", err)
			}
			e.clock.Advance(time.Minute) // past the back-off
		}
		if _, err := e.signInDevice(agent.Email, pw, "198.51.100.8", laptop); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(e.alertReasons(t), ","); got != account.ReasonFailures {
			t.Fatalf("reasons = %v, want failures_then_success", got)
		}
		if n := auditCount(t, db, account.AuditSuspiciousSignIn); n != 3 {
			t.Fatalf("%d alert audit entries, want 3", n)
		}
		// Each rule can be turned off.
		st := settings.Uncached(db, nil)
		for _, s := range []*settings.Setting[bool]{settings.AlertNewDevice, settings.AlertNewNetwork, settings.AlertFailedThenOK, settings.AlertConcurrentNets} {
			if err := s.Set(sysCtx(), st, false); err != nil {
				t.Fatal(err)
			}
		}
		e.clock.Advance(time.Minute)
		before := e.alertCount(t)
		if _, err := e.signInDevice(agent.Email, pw, "2001:db8:9::1", ""); err != nil {
			t.Fatal(err)
		}
		if n := e.alertCount(t); n != before {
			t.Fatalf("rules off, still %d alerts (was %d)", n, before)
		}
	})
}

// TestDisown: "this wasn't me" ends every session, kills the password,
// mails a reset link, works once, and expires.
func TestDisown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.svc.BaseURL = base
		u := e.mkUser(t, "cust@example.com", desk.RoleEndUser, pw, true)
		if _, err := e.signInDevice(u.Email, pw, "192.0.2.10", ""); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		res, err := e.signInDevice(u.Email, pw, "198.51.100.1", "")
		if err != nil {
			t.Fatal(err)
		}
		m, err := e.ob.Latest(sysCtx(), u.Email)
		if err != nil || m.Kind != account.KindSignInAlert {
			t.Fatalf("alert mail: %v %+v", err, m)
		}
		tok := disownRE.FindStringSubmatch(m.Text)[1]
		wantField(t, e.svc.Disown(bg, tok+"x"), "token")
		if err := e.svc.Disown(bg, tok); err != nil {
			t.Fatal(err)
		}
		if e.alive(t, res.Token) {
			t.Fatal("session survived this wasn't me")
		}
		if _, err := e.signInDevice(u.Email, pw, "192.0.2.10", ""); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			t.Fatalf("old password still works: %v", err)
		}
		_, reset := e.mailLink(t, u.Email, account.KindPasswordReset, "/password/reset")
		if err := e.svc.ResetPassword(bg, reset, "a brand new passphrase 42"); err != nil {
			t.Fatal(err)
		}
		wantField(t, e.svc.Disown(bg, tok), "token") // single use
		if n := auditCount(t, db, account.AuditDisowned); n != 1 {
			t.Fatalf("%d disowned entries", n)
		}
		as, err := e.svc.RecentAlerts(sysCtx(), 10)
		if err != nil || len(as) != 1 || as[0].DisownedAt.IsZero() {
			t.Fatalf("alerts: %+v %v", as, err)
		}
		// A link older than DisownTTL does not work.
		e.clock.Advance(time.Minute)
		if _, err := e.signInDevice(u.Email, "a brand new passphrase 42", "203.0.113.1", ""); err != nil {
			t.Fatal(err)
		}
		m, _ = e.ob.Latest(sysCtx(), u.Email)
		tok2 := disownRE.FindStringSubmatch(m.Text)[1]
		e.clock.Advance(account.DisownTTL + time.Second)
		wantField(t, e.svc.Disown(bg, tok2), "token")
		// Alerts are purged after AlertRetention.
		e.clock.Advance(account.AlertRetention)
		if _, err := e.svc.PurgeExpired(bg); err != nil {
			t.Fatal(err)
		}
		if n := e.alertCount(t); n != 0 {
			t.Fatalf("%d alerts after their retention", n)
		}
		// Only security staff list alerts.
		if _, err := e.svc.RecentAlerts(userCtx(u), 10); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user listed alerts: %v", err)
		}
	})
}

// TestAlertInUserLanguage: the alert mail follows the user's locale.
func TestAlertInUserLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.svc.BaseURL = base
		u := e.mkUser(t, "pl@example.com", desk.RoleEndUser, pw, true)
		if _, err := e.ppl.UpdateUser(sysCtx(), u.ID, people.UserInput{Locale: ptr("pl")}); err != nil {
			t.Fatal(err)
		}
		e.signInDevice(u.Email, pw, "192.0.2.10", "")
		if _, err := e.signInDevice(u.Email, pw, "192.0.2.10", ""); err != nil {
			t.Fatal(err)
		}
		m, err := e.ob.Latest(sysCtx(), u.Email)
		if err != nil || !strings.Contains(m.Subject, "Alert bezpieczeństwa") || !strings.Contains(m.Text, "przeglądarka") {
			t.Fatalf("Polish alert: %v %+v", err, m)
		}
		// End-users' alerts do not go to the security contact.
		if n := e.mailCount(t, "sec@example.com", account.KindSecurityAlert); n != 0 {
			t.Fatalf("%d contact mails", n)
		}
	})
}

// TestSecurityContactNotices: new admins, API tokens, the 2FA requirement
// and a broken audit chain are mailed to the security contact, in the
// causing transaction; without a contact nothing is queued.
func TestSecurityContactNotices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		st := settings.Uncached(db, nil)
		e.mkUser(t, "admin0@example.com", desk.RoleAdmin, pw, true)
		if n := e.mailCount(t, "sec@example.com", account.KindSecurityAlert); n != 0 {
			t.Fatal("mail without a contact")
		}
		if err := settings.SecurityContact.Set(sysCtx(), st, "not an address"); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("bad contact accepted: %v", err)
		}
		if err := settings.SecurityContact.Set(sysCtx(), st, "sec@example.com"); err != nil {
			t.Fatal(err)
		}
		count := func() int { return e.mailCount(t, "sec@example.com", account.KindSecurityAlert) }
		admin := e.mkUser(t, "admin@example.com", desk.RoleAdmin, pw, true)
		if count() != 1 {
			t.Fatalf("new admin: %d mails", count())
		}
		ag := e.mkUser(t, "ag@example.com", desk.RoleAgent, pw, true)
		if count() != 1 {
			t.Fatalf("new agent mailed: %d", count())
		}
		if _, err := e.ppl.UpdateUser(sysCtx(), ag.ID, people.UserInput{Role: ptr(desk.RoleAdmin)}); err != nil {
			t.Fatal(err)
		}
		m, _ := e.ob.Latest(sysCtx(), "sec@example.com")
		if count() != 2 || !strings.Contains(m.Text, "ag@example.com") {
			t.Fatalf("promotion: %d mails, %q", count(), m.Text)
		}
		if err := settings.RequireStaff2FA.Set(sysCtx(), st, true); err != nil {
			t.Fatal(err)
		}
		if count() != 3 {
			t.Fatalf("2FA requirement: %d mails", count())
		}
		if _, err := e.ppl.CreateToken(userCtx(admin), admin.ID, "ci"); err != nil {
			t.Fatal(err)
		}
		if count() != 4 {
			t.Fatalf("token: %d mails", count())
		}
		// A broken chain, found by a verification.
		// (Entries at the end of the chain gone: the head is further on.)
		if _, err := db.Exec(bg, `UPDATE audit_chain SET seq = seq + 5, hash = 'x' WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		rep, err := audit.VerifyAndRecord(sysCtx(), db)
		if err != nil || rep.OK {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		m, _ = e.ob.Latest(sysCtx(), "sec@example.com")
		if count() != 5 || !strings.Contains(m.Text, "hash chain") {
			t.Fatalf("chain: %d mails, %q", count(), m.Text)
		}
	})
}
