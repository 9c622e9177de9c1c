package account_test

import (
	"fmt"
	"testing"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Sign-in attempts are audited: failures with their reason and address,
// throttled ones at most once a minute per address and account, and
// successes with the user as the actor.
func TestSignInAttemptsAreAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		uid := e.mkUser(t, "a@example.com", desk.RoleEndUser, pw, true).ID
		const attacker = "203.0.113.66"
		for i := range account.IPMaxFailures {
			wantGeneric(t, e.attempt(fmt.Sprintf("spray%d@example.com", i), "Spring2024!!", attacker))
		}
		for range 5 {
			wantCode(t, e.attempt("a@example.com", pw, attacker), desk.ETOOMANY)
		}
		e.signIn(t, "a@example.com", pw)
		sys := desk.SystemContext(bg)
		count := func(f audit.Filter) []audit.Entry {
			t.Helper()
			es, err := audit.List(sys, db, f)
			if err != nil {
				t.Fatal(err)
			}
			return es
		}
		failed := count(audit.Filter{Action: account.AuditSignInFailed, IP: attacker})
		if len(failed) != account.IPMaxFailures || failed[0].Data["reason"] != "bad_credentials" || failed[0].ActorID != 0 {
			t.Errorf("%d failed entries (%+v), want %d", len(failed), failed, account.IPMaxFailures)
		}
		throttled := count(audit.Filter{Action: account.AuditSignInThrottled})
		if len(throttled) != 1 || throttled[0].Data["email"] != "a@example.com" || throttled[0].IP != attacker {
			t.Errorf("throttled entries %+v, want one", throttled)
		}
		ok := count(audit.Filter{Action: account.AuditSignIn})
		if len(ok) != 1 || ok[0].ActorID != uid || ok[0].TargetID != uid {
			t.Errorf("sign-in entries %+v", ok)
		}
		if rep, err := audit.Verify(sys, db); err != nil || !rep.OK {
			t.Errorf("chain: %+v %v", rep, err)
		}
	})
}
