package account_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/password"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// attempt signs in from ip and returns the error (nil on success).
func (e *env) attempt(email, pw, ip string) error {
	_, _, err := e.svc.SignIn(bg, email, pw, ip, "test")
	return err
}

// wantGeneric fails unless err is the one generic sign-in failure.
func wantGeneric(t testing.TB, err error) {
	t.Helper()
	var de *desk.Error
	if !errors.As(err, &de) || de.Code != desk.EUNAUTHORIZED || de.Message != "Invalid email or password" || de.Details != nil {
		t.Fatalf("got %v, want the generic sign-in failure", err)
	}
}

// countMail counts emails of kind to addr.
func (e *env) countMail(t testing.TB, addr, kind string) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(bg, `SELECT COUNT(*) FROM outbox WHERE to_addr = ? AND kind = ?`, addr, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// guess makes a wrong attempt that is admitted: it first waits out any
// back-off, as a patient attacker would.
func (e *env) guess(t testing.TB, email, ip string, i int) {
	t.Helper()
	e.clock.Advance(account.MaxBackoff)
	wantGeneric(t, e.attempt(email, fmt.Sprintf("wrong guess %d", i), ip))
}

func ipN(i int) string { return fmt.Sprintf("198.51.100.%d", i%250+1) }

func TestBruteForceLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.svc.BaseURL = base
		e.mkUser(t, "victim@example.com", desk.RoleAgent, pw, true)
		e.mkUser(t, "bystander@example.com", desk.RoleAgent, pw, true)

		// MaxFailures wrong guesses from as many addresses (so no per-IP
		// limit helps) lock the account.
		for i := range account.MaxFailures {
			if n := e.countMail(t, "victim@example.com", account.KindAccountLocked); n != 0 {
				t.Fatalf("locked after %d failures", i)
			}
			e.guess(t, "victim@example.com", ipN(i), i)
		}
		if n := e.countMail(t, "victim@example.com", account.KindAccountLocked); n != 1 {
			t.Fatalf("%d lock emails, want 1", n)
		}
		m, err := e.ob.Latest(sysCtx(), "victim@example.com")
		if err != nil || !strings.Contains(m.Text, "15 minutes") || !strings.Contains(m.Text, base) || strings.Contains(m.Text, "wrong guess") {
			t.Fatalf("lock email %+v %v", m, err)
		}

		// While locked nothing gets in, not even the right password, and the
		// answer is the generic one. Attempts during the lock send no mail.
		for i := range 28 { // 14 minutes
			e.clock.Advance(30 * time.Second)
			wantGeneric(t, e.attempt("victim@example.com", pw, ipN(100+i)))
			wantGeneric(t, e.attempt("victim@example.com", "another wrong one", ipN(150+i)))
		}
		if n := e.countMail(t, "victim@example.com", account.KindAccountLocked); n != 1 {
			t.Fatalf("%d lock emails, want 1 per lock", n)
		}
		// Other accounts are unaffected.
		e.signIn(t, "bystander@example.com", pw)

		// Once the lock has passed, the owner signs in.
		e.clock.Advance(account.LockDuration)
		e.signIn(t, "victim@example.com", pw)

	})
}

func TestLockDoubles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "victim@example.com", desk.RoleEndUser, pw, true)
		lock := func() {
			t.Helper()
			for i := range account.MaxFailures {
				e.guess(t, "victim@example.com", ipN(i), i)
			}
		}
		lock()
		// The attacker comes back as soon as the first lock ends.
		e.clock.Advance(account.LockDuration)
		lock()
		if n := e.countMail(t, "victim@example.com", account.KindAccountLocked); n != 2 {
			t.Fatalf("%d lock emails, want 2", n)
		}
		m, _ := e.ob.Latest(sysCtx(), "victim@example.com")
		if !strings.Contains(m.Text, "30 minutes") {
			t.Fatalf("second lock email:\n%s", m.Text)
		}
		e.clock.Advance(2*account.LockDuration - time.Second)
		wantGeneric(t, e.attempt("victim@example.com", pw, "192.0.2.1"))
		e.clock.Advance(time.Second)
		e.signIn(t, "victim@example.com", pw)
	})
}

func TestBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "slow@example.com", desk.RoleEndUser, pw, true)
		for i := range account.BackoffAfter {
			wantGeneric(t, e.attempt("slow@example.com", "nope nope nope", ipN(i)))
		}
		// Straight after BackoffAfter failures even the right password is
		// refused, without being checked …
		wantGeneric(t, e.attempt("slow@example.com", pw, ipN(10)))
		// … and the wait doubles with each further failure.
		waits := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
		for i, w := range waits {
			e.clock.Advance(w - time.Millisecond)
			wantGeneric(t, e.attempt("slow@example.com", pw, ipN(20+i))) // too early
			e.clock.Advance(time.Millisecond)
			if i == len(waits)-1 {
				break
			}
			wantGeneric(t, e.attempt("slow@example.com", "still wrong!", ipN(30+i))) // admitted, wrong
		}
		e.signIn(t, "slow@example.com", pw)
		// Success forgives: the next mistake costs no wait.
		wantGeneric(t, e.attempt("slow@example.com", "typo typo typo", "192.0.2.1"))
		e.signIn(t, "slow@example.com", pw)
		// Failures older than FailureWindow are forgotten.
		for i := range account.BackoffAfter {
			wantGeneric(t, e.attempt("slow@example.com", "nope nope nope", ipN(i)))
		}
		e.clock.Advance(account.FailureWindow)
		e.signIn(t, "slow@example.com", pw)
	})
}

func TestParallelGuesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.mkUser(t, "target@example.com", desk.RoleAgent, pw, true)
		// Attempts are counted before their password is checked: of a burst
		// of parallel guesses only BackoffAfter get checked at all.
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Go(func() { errs <- e.attempt("target@example.com", fmt.Sprintf("parallel guess %d", i), ipN(i)) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			wantGeneric(t, err)
		}
		var failures int
		if err := db.QueryRow(bg, `SELECT failures FROM login_failures WHERE subject = ?`, fmt.Sprintf("u:%d", u.ID)).Scan(&failures); err != nil {
			t.Fatal(err)
		}
		if failures != account.BackoffAfter {
			t.Fatalf("%d attempts were checked, want %d", failures, account.BackoffAfter)
		}
	})
}

func TestSameAnswerForUnknownEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "known@example.com", desk.RoleEndUser, pw, true)
		var known, unknown []error
		for i := range account.MaxFailures + 3 {
			e.clock.Advance(account.MaxBackoff)
			known = append(known, e.attempt("known@example.com", "wrong password!", ipN(i)))
			unknown = append(unknown, e.attempt("nobody@example.com", "wrong password!", ipN(i+100)))
		}
		// Same errors, attempt by attempt, before, at and after the lock.
		if !reflect.DeepEqual(known, unknown) {
			t.Fatalf("known %v\nunknown %v", known, unknown)
		}
		for _, err := range known {
			wantGeneric(t, err)
		}
		// Addresses nobody owns are throttled like accounts, and not stored in clear.
		var n int
		db.QueryRow(bg, `SELECT COUNT(*) FROM login_failures WHERE subject LIKE ?`, "%nobody%").Scan(&n)
		if n != 0 {
			t.Fatal("an unknown address is stored in clear")
		}
		db.QueryRow(bg, `SELECT COUNT(*) FROM login_failures WHERE locked_until > ?`, e.clock.Now().UnixMicro()).Scan(&n)
		if n != 2 {
			t.Fatalf("%d locked subjects, want 2 (the account and the unknown address)", n)
		}
		if c := e.countOutbox(t); c != 1 {
			t.Fatalf("%d emails, want only the owner's lock email", c)
		}
	})
}

func TestIPThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "a@example.com", desk.RoleEndUser, pw, true)
		const attacker = "203.0.113.66"
		// Spread over many addresses, so no account locks: only the IP limit bites.
		for i := range account.IPMaxFailures {
			wantGeneric(t, e.attempt(fmt.Sprintf("spray%d@example.com", i), "Spring2024!!", attacker))
		}
		err := e.attempt("a@example.com", pw, attacker)
		wantCode(t, err, desk.ETOOMANY)
		if err.Error() != account.ErrThrottled.Error() {
			t.Fatalf("message %q", err)
		}
		e.signIn(t, "a@example.com", pw) // from elsewhere (192.0.2.1)
		e.clock.Advance(account.FailureWindow - time.Second)
		wantCode(t, e.attempt("a@example.com", pw, attacker), desk.ETOOMANY)
		e.clock.Advance(time.Second)
		if err := e.attempt("a@example.com", pw, attacker); err != nil {
			t.Fatalf("after the block: %v", err)
		}
	})
}

func TestThrottleSurvivesRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "victim@example.com", desk.RoleEndUser, pw, true)
		for i := range account.MaxFailures {
			e.guess(t, "victim@example.com", ipN(i), i)
		}
		// Another instance (or this one restarted) shares the counters.
		e2 := newEnv(t, db)
		e2.clock.Set(e.clock.Now())
		wantGeneric(t, e2.attempt("victim@example.com", pw, "192.0.2.1"))
		e2.clock.Advance(account.LockDuration)
		e2.signIn(t, "victim@example.com", pw)
	})
}

func TestResetLiftsLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "victim@example.com", desk.RoleEndUser, pw, true)
		for i := range account.MaxFailures {
			e.guess(t, "victim@example.com", ipN(i), i)
		}
		if err := e.svc.RequestPasswordReset(bg, "victim@example.com", base); err != nil {
			t.Fatal(err)
		}
		_, tok := e.mailLink(t, "victim@example.com", account.KindPasswordReset, "/password/reset")
		if err := e.svc.ResetPassword(bg, tok, newPW); err != nil {
			t.Fatal(err)
		}
		e.signIn(t, "victim@example.com", newPW)
	})
}

func TestPerIPLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "r@example.com", desk.RoleEndUser, pw, true)
		from := func(ip string) context.Context { return account.WithClientIP(bg, ip) }
		t.Run("reset requests", func(t *testing.T) {
			for i := range account.MaxResetRequestsPerIP {
				if err := e.svc.RequestPasswordReset(from("203.0.113.1"), fmt.Sprintf("x%d@example.com", i), base); err != nil {
					t.Fatal(err)
				}
			}
			// Over the limit, whatever the address: known or not.
			wantCode(t, e.svc.RequestPasswordReset(from("203.0.113.1"), "r@example.com", base), desk.ETOOMANY)
			wantCode(t, e.svc.RequestPasswordReset(from("203.0.113.1"), "nobody@example.com", base), desk.ETOOMANY)
			if err := e.svc.RequestPasswordReset(from("203.0.113.2"), "r@example.com", base); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.RequestPasswordReset(bg, "r@example.com", base); err != nil { // no IP known
				t.Fatal(err)
			}
			e.clock.Advance(time.Hour)
			if err := e.svc.RequestPasswordReset(from("203.0.113.1"), "r@example.com", base); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("sign-ups", func(t *testing.T) {
			// Refused input does not count.
			for range 3 {
				wantField(t, e.svc.SignUp(from("203.0.113.3"), "Sam", "sam@example.com", "short", "", base), "password")
			}
			for i := range account.MaxSignUpsPerIP {
				if err := e.svc.SignUp(from("203.0.113.3"), "Sam", fmt.Sprintf("sam%d@example.com", i), pw, "", base); err != nil {
					t.Fatal(err)
				}
			}
			wantCode(t, e.svc.SignUp(from("203.0.113.3"), "Sam", "sam-more@example.com", pw, "", base), desk.ETOOMANY)
			if err := e.svc.SignUp(from("203.0.113.4"), "Sam", "sam-more@example.com", pw, "", base); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestPolicyOnResetAndSignUp(t *testing.T) {
	fieldCodes := func(t *testing.T, err error) []string {
		t.Helper()
		var de *desk.Error
		if !errors.As(err, &de) || de.Code != desk.EINVALID {
			t.Fatalf("want invalid, got %v", err)
		}
		var out []string
		for _, fe := range de.Details["password"] {
			out = append(out, fe.Error)
		}
		return out
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tests := []struct {
			name, uname, email, pw string
			want                   []string
		}{
			{"breached", "Carol", "carol@example.com", "qwertyuiop123", []string{password.CodeBreached}},
			{"breached, short", "Carol", "carol@example.com", "iloveyou", []string{password.CodeTooShort, password.CodeBreached}},
			{"name", "Carolina Herrera", "ch@example.com", "herrera perfumes 2024", []string{password.CodeContainsPersonalInfo}},
			{"email local part", "C", "mrcarrot@example.com", "MrCarrot forever!", []string{password.CodeContainsPersonalInfo}},
		}
		for _, tt := range tests {
			t.Run("sign-up "+tt.name, func(t *testing.T) {
				users := countUsers(t, e)
				if got := fieldCodes(t, e.svc.SignUp(bg, tt.uname, tt.email, tt.pw, "", base)); !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("codes %v, want %v", got, tt.want)
				}
				if countUsers(t, e) != users {
					t.Fatal("a refused sign-up created a user")
				}
			})
		}

		// The end-user policy applies to sign-ups, the staff one to agents' resets.
		if err := e.ppl.Passwords.SetPolicy(sysCtx(), password.AudienceEndUsers,
			password.Policy{Level: "custom", MinLength: 8, RequireDigit: true, History: 2}); err != nil {
			t.Fatal(err)
		}
		if got := fieldCodes(t, e.svc.SignUp(bg, "Dee", "dee@example.com", "no digits here", "", base)); !reflect.DeepEqual(got, []string{password.CodeMissingClass}) {
			t.Fatalf("codes %v", got)
		}
		if err := e.svc.SignUp(bg, "Dee", "dee@example.com", "d1g1ts!!", "", base); err != nil {
			t.Fatal(err)
		}
		dee, _ := e.ppl.UserByEmail(bg, "dee@example.com")
		var hist int
		db.QueryRow(bg, `SELECT COUNT(*) FROM password_history WHERE user_id = ?`, dee.ID).Scan(&hist)
		if hist != 1 {
			t.Fatalf("sign-up recorded %d history entries", hist)
		}

		agent := e.mkUser(t, "agent@example.com", desk.RoleAgent, pw, true)
		reset := func(email string) string {
			t.Helper()
			e.clock.Advance(time.Hour) // past the per-user reset cap
			if err := e.svc.RequestPasswordReset(bg, email, base); err != nil {
				t.Fatal(err)
			}
			_, tok := e.mailLink(t, email, account.KindPasswordReset, "/password/reset")
			return tok
		}
		tok := reset("agent@example.com")
		if got := fieldCodes(t, e.svc.ResetPassword(bg, tok, "d1g1ts!!")); !reflect.DeepEqual(got, []string{password.CodeTooShort}) {
			t.Fatalf("agent reset codes %v", got)
		}
		if got := fieldCodes(t, e.svc.ResetPassword(bg, tok, "1q2w3e4r5t6y")); !reflect.DeepEqual(got, []string{password.CodeBreached}) {
			t.Fatalf("agent reset codes %v", got)
		}
		if err := e.svc.ResetPassword(bg, tok, newPW); err != nil { // the token survived the refusals
			t.Fatal(err)
		}
		db.QueryRow(bg, `SELECT COUNT(*) FROM password_history WHERE user_id = ?`, agent.ID).Scan(&hist)
		if hist != 2 {
			t.Fatalf("agent has %d history entries, want 2 (creation and reset)", hist)
		}

		// Reuse: the end-user policy remembers two passwords.
		e.mkUser(t, "eve@example.com", desk.RoleEndUser, "first pass 1", true)
		tok = reset("eve@example.com")
		if got := fieldCodes(t, e.svc.ResetPassword(bg, tok, "first pass 1")); !reflect.DeepEqual(got, []string{password.CodeReused}) {
			t.Fatalf("reuse codes %v", got)
		}
		if err := e.svc.ResetPassword(bg, tok, "second pass 2"); err != nil {
			t.Fatal(err)
		}
		tok = reset("eve@example.com")
		if got := fieldCodes(t, e.svc.ResetPassword(bg, tok, "first pass 1")); !reflect.DeepEqual(got, []string{password.CodeReused}) {
			t.Fatalf("reuse codes %v", got)
		}
		if err := e.svc.ResetPassword(bg, tok, "third pass 3"); err != nil {
			t.Fatal(err)
		}
		tok = reset("eve@example.com")
		if err := e.svc.ResetPassword(bg, tok, "first pass 1"); err != nil { // three passwords ago: allowed
			t.Fatal(err)
		}
		e.signIn(t, "eve@example.com", "first pass 1")
	})
}

func TestPurgeFailureCounters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mkUser(t, "victim@example.com", desk.RoleEndUser, pw, true)
		for i := range account.MaxFailures {
			e.guess(t, "victim@example.com", ipN(i), i)
		}
		wantGeneric(t, e.attempt("ghost@example.com", "boo boo boo", "192.0.2.1"))
		rows := func() int {
			var n int
			db.QueryRow(bg, `SELECT COUNT(*) FROM login_failures`).Scan(&n)
			return n
		}
		purge := func() {
			if _, err := e.svc.PurgeExpired(bg); err != nil {
				t.Fatal(err)
			}
		}
		purge()
		if rows() != 2 {
			t.Fatalf("%d counters after an early purge, want 2", rows())
		}
		e.clock.Advance(account.LockMemory + account.FailureWindow + time.Minute)
		purge()
		if rows() != 0 {
			t.Fatalf("%d stale counters survived the purge", rows())
		}
	})
}
