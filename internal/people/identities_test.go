package people_test

import (
	"testing"

	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func ensure(t *testing.T, db *store.DB, name, email string) (int64, *int64, bool) {
	t.Helper()
	var id int64
	var org *int64
	var created bool
	err := db.InTx(bg, func(tx *store.Tx) error {
		var err error
		id, org, created, err = people.EnsureRequesterTx(bg, tx, name, email)
		return err
	})
	if err != nil {
		t.Fatalf("ensure %s: %v", email, err)
	}
	return id, org, created
}

func TestIdentitiesAndRequesters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		acme := mkOrg(t, s, "Acme", "acme.test", "ACME.example")
		u := mkUser(t, s, "Dana", "dana@example.com", desk.RoleEndUser)

		second, err := s.AddIdentity(sysCtx(), u.ID, "email", " Dana@Second.Example ")
		if err != nil || second.Value != "dana@second.example" || second.Primary {
			t.Fatalf("%+v %v", second, err)
		}
		if _, err := s.AddIdentity(sysCtx(), u.ID, "phone_number", "+1 (555) 010-0000"); err != nil {
			t.Fatal(err)
		}
		// The second email finds the same user.
		id, _, created := ensure(t, db, "Someone Else", "DANA@second.example")
		if id != u.ID || created {
			t.Fatalf("ensure = %d created=%v, want %d", id, created, u.ID)
		}
		if got, err := s.UserByEmail(bg, "dana@second.example"); err != nil || got.ID != u.ID {
			t.Fatalf("%+v %v", got, err)
		}
		_, err = s.UserByEmail(bg, "nobody@example.com")
		wantCode(t, err, desk.ENOTFOUND)

		// Duplicates and bad values.
		other := mkUser(t, s, "Other", "other@example.com", desk.RoleEndUser)
		for _, c := range []struct{ typ, value, field string }{
			{"email", "dana@second.example", "value"},
			{"email", "DANA@example.com", "value"},
			{"email", "not an email", "value"},
			{"phone_number", "+1 (555) 010-0000", "value"},
			{"phone_number", "call me", "value"},
			{"twitter", "@dana", "type"},
		} {
			_, err := s.AddIdentity(sysCtx(), other.ID, c.typ, c.value)
			wantField(t, err, c.field)
		}
		idents, err := s.Identities(sysCtx(), u.ID)
		if err != nil || len(idents) != 3 || !idents[0].Primary || idents[0].Value != "dana@example.com" {
			t.Fatalf("%+v %v", idents, err)
		}

		// A new requester joins the organization owning its domain.
		nid, org, created := ensure(t, db, "New Person", "new@Acme.Example")
		if !created || org == nil || *org != acme.ID {
			t.Fatalf("created=%v org=%v", created, org)
		}
		nu, err := s.GetUser(sysCtx(), nid)
		if err != nil || nu.Name != "New Person" || nu.Role != desk.RoleEndUser || nu.Email != "new@acme.example" ||
			nu.OrganizationID == nil || *nu.OrganizationID != acme.ID {
			t.Fatalf("%+v %v", nu, err)
		}
		// Subdomains and other domains do not match; a blank name uses the local part.
		nid2, org2, created := ensure(t, db, " \r\n ", "jo@sub.acme.test")
		if !created || org2 != nil {
			t.Fatalf("created=%v org=%v", created, org2)
		}
		if nu2, _ := s.GetUser(sysCtx(), nid2); nu2.Name != "jo" {
			t.Fatalf("name %q", nu2.Name)
		}
		// Repeating finds, not creates.
		if again, _, created := ensure(t, db, "x", "new@acme.example"); again != nid || created {
			t.Fatalf("again=%d created=%v", again, created)
		}
		// Requesters are searchable.
		found, err := s.SearchUsers(sysCtx(), "new person", 10)
		if err != nil || !equalIDs(ids(found), []int64{nid}) {
			t.Fatalf("%v %v", ids(found), err)
		}

		role, orgID, active, err := people.UserRoleTx(bg, db, nid)
		if err != nil || role != desk.RoleEndUser || orgID == nil || *orgID != acme.ID || !active {
			t.Fatalf("%v %v %v %v", role, orgID, active, err)
		}
		if _, err := s.UpdateUser(sysCtx(), nid, people.UserInput{Suspended: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if _, _, active, _ := people.UserRoleTx(bg, db, nid); active {
			t.Fatal("suspended user reported active")
		}
		_, _, _, err = people.UserRoleTx(bg, db, 9999)
		wantCode(t, err, desk.ENOTFOUND)
	})
}

func TestAddIdentityPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		agent2 := mkUser(t, s, "Agent2", "agent2@example.com", desk.RoleAgent)
		end := mkUser(t, s, "End", "", desk.RoleEndUser)
		end2 := mkUser(t, s, "End2", "end2@example.com", desk.RoleEndUser)

		// Staff may add to end-users; the first email becomes primary.
		id, err := s.AddIdentity(as(agent), end.ID, "email", "end@example.com")
		if err != nil || !id.Primary {
			t.Fatalf("%+v %v", id, err)
		}
		if u, _ := s.GetUser(sysCtx(), end.ID); u.Email != "end@example.com" {
			t.Fatalf("email %q", u.Email)
		}
		_, err = s.AddIdentity(as(agent), agent2.ID, "email", "x@example.com")
		wantCode(t, err, desk.EFORBIDDEN)
		_, err = s.AddIdentity(as(end), end.ID, "email", "mine@example.com")
		wantCode(t, err, desk.EFORBIDDEN)
		_, err = s.AddIdentity(as(end), end2.ID, "email", "theirs@example.com")
		wantCode(t, err, desk.ENOTFOUND)
		_, err = s.Identities(as(end), end2.ID)
		wantCode(t, err, desk.ENOTFOUND)
		if _, err := s.Identities(as(end), end.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.AddIdentity(bg, end.ID, "email", "anon@example.com")
		wantCode(t, err, desk.EUNAUTHORIZED)
	})
}

func TestCheckPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		// Hash with weaker parameters first, to see the upgrade at sign-in.
		saved := auth.DefaultParams
		auth.DefaultParams.Time = 1
		u, err := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("Pat"), Email: ptr("pat@example.com"),
			Role: ptr(desk.RoleAgent), Password: ptr("correct horse")})
		auth.DefaultParams = saved
		if err != nil {
			t.Fatal(err)
		}
		var before string
		db.QueryRow(bg, `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&before)
		if before == "" || before == "correct horse" || !auth.NeedsRehash(before) {
			t.Fatalf("stored hash %q", before)
		}
		got, err := s.CheckPassword(bg, " PAT@example.com", "correct horse")
		if err != nil || got.ID != u.ID || got.LastLoginAt.IsZero() {
			t.Fatalf("%+v %v", got, err)
		}
		var after string
		db.QueryRow(bg, `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&after)
		if after == before || auth.NeedsRehash(after) || !auth.CheckPassword(after, "correct horse") {
			t.Fatal("hash not upgraded")
		}
		noPW := mkUser(t, s, "NoPW", "nopw@example.com", desk.RoleEndUser)
		cases := []struct{ name, email, pw string }{
			{"wrong password", "pat@example.com", "wrong horse"},
			{"unknown email", "nobody@example.com", "correct horse"},
			{"invalid email", "not-an-email", "correct horse"},
			{"empty password", "pat@example.com", ""},
			{"no password set", noPW.Email, ""},
			{"no password set 2", noPW.Email, "anything at all"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.CheckPassword(bg, c.email, c.pw)
				wantCode(t, err, desk.EUNAUTHORIZED)
			})
		}
		// A secondary address signs in too.
		if _, err := s.AddIdentity(sysCtx(), u.ID, "email", "pat@alt.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CheckPassword(bg, "pat@alt.example", "correct horse"); err != nil {
			t.Fatal(err)
		}
		// Suspended, then deleted users cannot sign in.
		s.UpdateUser(sysCtx(), u.ID, people.UserInput{Suspended: ptr(true)})
		_, err = s.CheckPassword(bg, "pat@example.com", "correct horse")
		wantCode(t, err, desk.EUNAUTHORIZED)
		s.UpdateUser(sysCtx(), u.ID, people.UserInput{Suspended: ptr(false)})
		if _, err := s.CheckPassword(bg, "pat@example.com", "correct horse"); err != nil {
			t.Fatal(err)
		}
		s.DeleteUser(sysCtx(), u.ID)
		_, err = s.CheckPassword(bg, "pat@example.com", "correct horse")
		wantCode(t, err, desk.EUNAUTHORIZED)
	})
}

func TestEnsureRequesterConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const n = 8
		type result struct {
			id      int64
			created bool
			err     error
		}
		results := make(chan result, n)
		for range n {
			go func() {
				var r result
				r.err = db.InTx(bg, func(tx *store.Tx) error {
					var err error
					r.id, _, r.created, err = people.EnsureRequesterTx(bg, tx, "Racer", "racer@example.com")
					return err
				})
				results <- r
			}()
		}
		var first int64
		created := 0
		for range n {
			r := <-results
			if r.err != nil {
				t.Fatal(r.err)
			}
			if first == 0 {
				first = r.id
			}
			if r.id != first {
				t.Fatalf("two users for one email: %d and %d", first, r.id)
			}
			if r.created {
				created++
			}
		}
		if created != 1 {
			t.Fatalf("created %d times", created)
		}
	})
}
