package people_test

import (
	"context"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestTokenCache: a token read once is not read again while it is fresh,
// and every change made through the people service that could change what
// it grants — revocation, suspension, a role, a custom role's permissions,
// deletion — is seen by the very next request. A change the service never
// hears of (another process without a relay) lasts until the TTL.
func TestTokenCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		agent, _ := mkRoleAgent(t, s, db, "Team", "team@example.com", `{"ticket_access": "all"}`)
		tok, err := s.CreateToken(as(admin), agent.ID, "laptop")
		if err != nil {
			t.Fatal(err)
		}
		auth := func() (*desk.Principal, []string, error) {
			t.Helper()
			var stmts []string
			ctx := store.TraceStatements(bg, func(q string) { stmts = append(stmts, q) })
			p, err := s.AuthenticateToken(ctx, "", tok.Token, "192.0.2.7")
			return p, stmts, err
		}
		if _, stmts, err := auth(); err != nil || len(stmts) == 0 {
			t.Fatalf("first use: %d statements, %v", len(stmts), err)
		}
		p, stmts, err := auth()
		if err != nil || len(stmts) != 0 {
			t.Fatalf("second use: %d statements %q, %v; want none", len(stmts), stmts, err)
		}
		if p.UserID != agent.ID || p.Perms == nil || p.Perms.TicketAccess != desk.TicketAccessAll || p.Perms.ViewEndUsers {
			t.Fatalf("principal %+v perms %+v", p, p.Perms)
		}
		// Each principal is the caller's own: changing one changes no other.
		p.Role, p.Perms.ViewEndUsers = desk.RoleAdmin, true
		if p2, _, _ := auth(); p2.Role != desk.RoleAgent || p2.Perms.ViewEndUsers {
			t.Fatalf("a caller's change leaked into the cache: %+v %+v", p2, p2.Perms)
		}

		// The custom role's permissions change: the next request has them.
		if _, err := s.UpdateCustomRole(as(admin), *agent.CustomRoleID, people.CustomRoleInput{
			Configuration: conf(t, `{"ticket_access": "all", "view_end_users": true}`)}); err != nil {
			t.Fatal(err)
		}
		if p, _, err := auth(); err != nil || !p.Perms.ViewEndUsers {
			t.Fatalf("after the role changed: %+v, %v", p, err)
		}
		// Demotion to a plain agent.
		if _, err := s.UpdateUser(sysCtx(), agent.ID, people.UserInput{CustomRoleID: ptr(int64(0))}); err != nil {
			t.Fatal(err)
		}
		if p, _, err := auth(); err != nil || p.Perms != nil {
			t.Fatalf("after the custom role was taken away: %+v, %v", p, err)
		}
		// Suspension, and back.
		if _, err := s.UpdateUser(sysCtx(), agent.ID, people.UserInput{Suspended: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := auth(); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("suspended: %v", err)
		}
		if _, err := s.UpdateUser(sysCtx(), agent.ID, people.UserInput{Suspended: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := auth(); err != nil {
			t.Fatal(err)
		}

		// A change this service never hears of: another process's, with
		// no relay (the CLI on SQLite). It is seen once the TTL runs out.
		s.TokenCacheTTL = time.Hour
		if _, _, err := auth(); err != nil {
			t.Fatal(err)
		}
		other := wire(people.New(db, nil))
		if _, err := other.UpdateUser(sysCtx(), agent.ID, people.UserInput{Suspended: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := auth(); err != nil {
			t.Fatalf("within the TTL a change not heard of is not seen yet, but: %v", err)
		}
		s.TokenCacheTTL = time.Nanosecond
		if _, _, err := auth(); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("after the TTL, suspended elsewhere: %v", err)
		}
		if _, err := other.UpdateUser(sysCtx(), agent.ID, people.UserInput{Suspended: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := auth(); err != nil {
			t.Fatalf("after the TTL, restored elsewhere: %v", err)
		}
		s.TokenCacheTTL = 0

		// Revocation, then the same token again: unknown tokens are never
		// remembered, so nothing can bring it back.
		if err := s.DeleteToken(as(admin), tok.ID); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, _, err := auth(); code(err) != desk.EUNAUTHORIZED {
				t.Fatalf("revoked: %v", err)
			}
		}

		// Deleting the user ends a fresh token's use at once too.
		tok2, err := s.CreateToken(as(admin), agent.ID, "second")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateToken(bg, "", tok2.Token, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteUser(as(admin), agent.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateToken(bg, "", tok2.Token, ""); code(err) != desk.EUNAUTHORIZED {
			t.Fatalf("deleted user's token: %v", err)
		}
	})
}

// TestTokenCacheNoCache: a negative TTL reads the store on every request.
func TestTokenCacheNoCache(t *testing.T) {
	db := storetest.SQLite(t)
	s := newSvc(db)
	s.TokenCacheTTL = -1
	u := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
	tok, err := s.CreateToken(sysCtx(), u.ID, "x")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		n := 0
		ctx := store.TraceStatements(context.Background(), func(string) { n++ })
		if _, err := s.AuthenticateToken(ctx, "", tok.Token, ""); err != nil || n == 0 {
			t.Fatalf("use %d: %d statements, %v", i, n, err)
		}
	}
}

// TestTokenCacheWithoutBus: a service with no event bus (the CLI's) still
// drops its own cache when its own changes commit.
func TestTokenCacheWithoutBus(t *testing.T) {
	db := storetest.SQLite(t)
	s := wire(people.New(db, nil))
	s.TokenCacheTTL = time.Hour
	u := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
	tok, err := s.CreateToken(sysCtx(), u.ID, "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(bg, "", tok.Token, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateUser(sysCtx(), u.ID, people.UserInput{Suspended: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(bg, "", tok.Token, ""); code(err) != desk.EUNAUTHORIZED {
		t.Fatalf("suspended: %v", err)
	}
	if _, err := s.UpdateUser(sysCtx(), u.ID, people.UserInput{Suspended: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(bg, "", tok.Token, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteToken(sysCtx(), tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(bg, "", tok.Token, ""); code(err) != desk.EUNAUTHORIZED {
		t.Fatalf("revoked: %v", err)
	}
}

// TestTokenCacheDroppedOnRelayReconnect: the relay's "re-read everything"
// (a settings event without a key, after it reconnected and may have
// missed events) drops the tokens too; a single setting's change does not.
func TestTokenCacheDroppedOnRelayReconnect(t *testing.T) {
	db := storetest.SQLite(t)
	s := newSvc(db)
	s.TokenCacheTTL = time.Hour
	u := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
	tok, err := s.CreateToken(sysCtx(), u.ID, "x")
	if err != nil {
		t.Fatal(err)
	}
	statements := func() int {
		n := 0
		ctx := store.TraceStatements(context.Background(), func(string) { n++ })
		if _, err := s.AuthenticateToken(ctx, "", tok.Token, ""); err != nil {
			t.Fatal(err)
		}
		return n
	}
	statements()
	s.Events.Publish(events.Event{Type: events.SettingsChanged, Data: map[string]string{"key": "brand_name"}})
	if n := statements(); n != 0 {
		t.Fatalf("a setting's change dropped the tokens: %d statements", n)
	}
	s.Events.Publish(events.Event{Type: events.SettingsChanged, Data: map[string]string{"reason": "relay reconnected"}})
	if n := statements(); n == 0 {
		t.Fatal("the relay's reconnect did not drop the tokens")
	}
}
