package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestSessionsNeedOneConnection: listing a user's sessions holds at most
// one pool connection at a time. A read while its rows held theirs would
// need a second, and as many concurrent callers as the pool has
// connections would wait for each other forever; a pool of one makes that
// wait certain, so the list must still come back.
func TestSessionsNeedOneConnection(t *testing.T) {
	db := storetest.PostgresPool(t, 1)
	e := newEnv(t, db)
	alice := e.mkUser(t, "alice@example.com", desk.RoleEndUser, pw, true)
	e.signIn(t, "alice@example.com", pw)
	e.signIn(t, "alice@example.com", pw)
	ctx, cancel := context.WithTimeout(userCtx(alice), 10*time.Second)
	defer cancel()
	ss, err := e.svc.Sessions(ctx, alice.ID)
	if err != nil || len(ss) != 2 {
		t.Fatalf("sessions %v, %v", ss, err)
	}
}
