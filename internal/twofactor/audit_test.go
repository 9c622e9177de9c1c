package twofactor_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/twofactor"
)

// Turning 2FA on and off, new recovery codes and a wrong code are each in
// the audit log, naming the user.
func TestTwoFactorChangesAreAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		id := e.mkUser(t, desk.RoleAgent)
		ctx := as(id, desk.RoleAgent)
		en, err := e.svc.Begin(ctx, id, "Jane <jane@example.com>")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Confirm(ctx, id, codeAt(t, en.Secret, e.clock.Now())); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "wrong code", e.svc.Verify(sys(), id, "000000"), desk.EUNAUTHORIZED)
		if _, err := e.svc.RegenerateRecoveryCodes(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Disable(ctx, id); err != nil {
			t.Fatal(err)
		}
		es, err := audit.List(sys(), db, audit.Filter{TargetType: "user", TargetID: id, Asc: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, e.Action)
		}
		want := []string{twofactor.AuditEnabled, twofactor.AuditFailed, twofactor.AuditCodesRegenerated, twofactor.AuditDisabled}
		if len(got) != len(want) {
			t.Fatalf("entries %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("entries %v, want %v", got, want)
			}
		}
		if es[0].ActorID != id || es[1].Data["failures"] != float64(1) {
			t.Errorf("entries %+v", es)
		}
	})
}
