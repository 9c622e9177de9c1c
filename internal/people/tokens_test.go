package people_test

import (
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		org := mkOrg(t, s, "Acme")
		agent, _ := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("Agent"), Email: ptr("agent@example.com"),
			Role: ptr(desk.RoleAgent), OrganizationID: &org.ID})
		other := mkUser(t, s, "Other", "other@example.com", desk.RoleAgent)
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		end := mkUser(t, s, "End", "end@example.com", desk.RoleEndUser)

		tok, err := s.CreateToken(as(agent), 0, "laptop")
		if err != nil || tok.Token == "" || tok.UserID != agent.ID || tok.Name != "laptop" {
			t.Fatalf("%+v %v", tok, err)
		}
		var stored string
		db.QueryRow(bg, `SELECT token_hash FROM api_tokens WHERE id = ?`, tok.ID).Scan(&stored)
		if stored == tok.Token || strings.Contains(stored, tok.Token) {
			t.Fatal("token stored in clear")
		}

		p, err := s.AuthenticateToken(bg, "Agent@Example.com", tok.Token, "192.0.2.1")
		if err != nil || p.UserID != agent.ID || p.Role != desk.RoleAgent || p.OrgID != org.ID || p.Email != "agent@example.com" || p.System {
			t.Fatalf("%+v %v", p, err)
		}
		if _, err := s.AuthenticateToken(bg, "", tok.Token, ""); err != nil {
			t.Fatal(err)
		}
		// last_used is recorded once, not on every request.
		var used1, used2 int64
		var ip string
		db.QueryRow(bg, `SELECT last_used_at, last_used_ip FROM api_tokens WHERE id = ?`, tok.ID).Scan(&used1, &ip)
		if used1 == 0 || ip != "192.0.2.1" {
			t.Fatalf("last used %d %q", used1, ip)
		}
		s.AuthenticateToken(bg, "", tok.Token, "198.51.100.9")
		db.QueryRow(bg, `SELECT last_used_at, last_used_ip FROM api_tokens WHERE id = ?`, tok.ID).Scan(&used2, &ip)
		if used2 != used1 || ip != "192.0.2.1" {
			t.Fatalf("rewritten within a minute: %d %q", used2, ip)
		}
		// ...but again once it is stale: two intervals on (the token, read
		// before, is read again then too).
		real := store.Clock()
		restore := store.SetClock(func() int64 { return real() + 2*people.TokenTouchInterval.Microseconds() })
		s.AuthenticateToken(bg, "", tok.Token, "198.51.100.9")
		restore()
		db.QueryRow(bg, `SELECT last_used_at, last_used_ip FROM api_tokens WHERE id = ?`, tok.ID).Scan(&used2, &ip)
		if used2 < used1+2*people.TokenTouchInterval.Microseconds() || ip != "198.51.100.9" {
			t.Fatalf("not refreshed: %d %q", used2, ip)
		}

		for _, c := range []struct{ name, email, token string }{
			{"wrong email", "other@example.com", tok.Token},
			{"unknown email", "nobody@example.com", tok.Token},
			{"wrong token", "agent@example.com", tok.Token + "x"},
			{"empty token", "agent@example.com", ""},
			{"sql token", "", "' OR '1'='1"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.AuthenticateToken(bg, c.email, c.token, "")
				wantCode(t, err, desk.EUNAUTHORIZED)
			})
		}
		// Secondary addresses of the owner work.
		if _, err := s.AddIdentity(sysCtx(), agent.ID, "email", "agent@alt.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateToken(bg, "agent@alt.example", tok.Token, ""); err != nil {
			t.Fatal(err)
		}

		// Permissions: agents manage their own, admins all.
		_, err = s.CreateToken(as(agent), other.ID, "x")
		wantCode(t, err, desk.EFORBIDDEN)
		_, err = s.CreateToken(as(end), 0, "x")
		wantCode(t, err, desk.EFORBIDDEN)
		_, err = s.CreateToken(as(admin), end.ID, "x")
		wantField(t, err, "user_id")
		otherTok, err := s.CreateToken(as(admin), other.ID, "ops")
		if err != nil {
			t.Fatal(err)
		}
		mine, _ := s.ListTokens(as(agent))
		if len(mine) != 1 || mine[0].ID != tok.ID || mine[0].Token != "" || mine[0].LastUsedAt.IsZero() {
			t.Fatalf("%+v", mine)
		}
		all, _ := s.ListTokens(as(admin))
		if len(all) != 2 {
			t.Fatalf("%+v", all)
		}
		if none, _ := s.ListTokens(as(end)); len(none) != 0 {
			t.Fatalf("%+v", none)
		}
		wantCode(t, s.DeleteToken(as(agent), otherTok.ID), desk.ENOTFOUND)

		// Suspension blocks, un-suspension restores.
		s.UpdateUser(sysCtx(), agent.ID, people.UserInput{Suspended: ptr(true)})
		_, err = s.AuthenticateToken(bg, "", tok.Token, "")
		wantCode(t, err, desk.EUNAUTHORIZED)
		s.UpdateUser(sysCtx(), agent.ID, people.UserInput{Suspended: ptr(false)})
		if _, err := s.AuthenticateToken(bg, "", tok.Token, ""); err != nil {
			t.Fatal(err)
		}
		// Revocation.
		if err := s.DeleteToken(as(agent), tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.AuthenticateToken(bg, "", tok.Token, "")
		wantCode(t, err, desk.EUNAUTHORIZED)
		if err := s.DeleteToken(as(admin), otherTok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.AuthenticateToken(bg, "", otherTok.Token, "")
		wantCode(t, err, desk.EUNAUTHORIZED)
		// Demotion to end-user revokes tokens too.
		t3, _ := s.CreateToken(as(admin), other.ID, "again")
		s.UpdateUser(sysCtx(), other.ID, people.UserInput{Role: ptr(desk.RoleEndUser)})
		_, err = s.AuthenticateToken(bg, "", t3.Token, "")
		wantCode(t, err, desk.EUNAUTHORIZED)
	})
}

func BenchmarkAuthenticateToken(b *testing.B) {
	db := storetest.SQLite(b)
	s := newSvc(db)
	u := mkUser(b, s, "Bench", "bench@example.com", desk.RoleAgent)
	for i := range 100 { // some other tokens, so the lookup is a real index probe
		if _, err := s.CreateToken(sysCtx(), u.ID, strings.Repeat("x", i%7)); err != nil {
			b.Fatal(err)
		}
	}
	tok, err := s.CreateToken(sysCtx(), u.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.AuthenticateToken(bg, "bench@example.com", tok.Token, "127.0.0.1"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
