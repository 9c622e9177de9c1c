package people_test

import (
	"context"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestAuthorizationMatrix checks who may do what; "" means allowed.
func TestAuthorizationMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		org := mkOrg(t, s, "Acme")
		grp, _ := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr("G")})
		admin := mkUser(t, s, "Admin", "admin@example.com", desk.RoleAdmin)
		agent := mkUser(t, s, "Agent", "agent@example.com", desk.RoleAgent)
		agent2 := mkUser(t, s, "Agent2", "agent2@example.com", desk.RoleAgent)
		end, _ := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("End"), Email: ptr("end@example.com"), OrganizationID: &org.ID})
		end2 := mkUser(t, s, "End2", "end2@example.com", desk.RoleEndUser)

		anon := bg
		type action struct {
			name string
			do   func(ctx context.Context) error
		}
		n := 0
		uniq := func() string { n++; return strings.Repeat("z", n) + "@example.com" }
		actions := []action{
			{"list users", func(ctx context.Context) error { _, err := s.ListUsers(ctx, people.UserFilter{}); return err }},
			{"count users", func(ctx context.Context) error { _, err := s.CountUsers(ctx, people.UserFilter{}); return err }},
			{"search users", func(ctx context.Context) error { _, err := s.SearchUsers(ctx, "end", 10); return err }},
			{"get other end-user", func(ctx context.Context) error { _, err := s.GetUser(ctx, end2.ID); return err }},
			{"get agent", func(ctx context.Context) error { _, err := s.GetUser(ctx, agent2.ID); return err }},
			{"create end-user", func(ctx context.Context) error {
				_, err := s.CreateUser(ctx, people.UserInput{Name: ptr("N"), Email: ptr(uniq())})
				return err
			}},
			{"create agent", func(ctx context.Context) error {
				_, err := s.CreateUser(ctx, people.UserInput{Name: ptr("N"), Role: ptr(desk.RoleAgent)})
				return err
			}},
			{"create admin", func(ctx context.Context) error {
				_, err := s.CreateUser(ctx, people.UserInput{Name: ptr("N"), Role: ptr(desk.RoleAdmin)})
				return err
			}},
			{"update end-user notes", func(ctx context.Context) error {
				_, err := s.UpdateUser(ctx, end2.ID, people.UserInput{Notes: ptr(uniq())})
				return err
			}},
			{"promote end-user", func(ctx context.Context) error {
				_, err := s.UpdateUser(ctx, end2.ID, people.UserInput{Role: ptr(desk.RoleAgent)})
				if err == nil {
					_, err = s.UpdateUser(sysCtx(), end2.ID, people.UserInput{Role: ptr(desk.RoleEndUser)})
				}
				return err
			}},
			{"rename agent", func(ctx context.Context) error {
				_, err := s.UpdateUser(ctx, agent2.ID, people.UserInput{Name: ptr(uniq())})
				return err
			}},
			{"delete end-user", func(ctx context.Context) error {
				u, err := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("Victim")})
				if err != nil {
					return err
				}
				_, err = s.DeleteUser(ctx, u.ID)
				return err
			}},
			{"create org", func(ctx context.Context) error {
				_, err := s.CreateOrganization(ctx, people.OrganizationInput{Name: ptr(uniq())})
				return err
			}},
			{"get org", func(ctx context.Context) error { _, err := s.GetOrganization(ctx, org.ID); return err }},
			{"create group", func(ctx context.Context) error {
				_, err := s.CreateGroup(ctx, people.GroupInput{Name: ptr("G2")})
				return err
			}},
			{"get group", func(ctx context.Context) error { _, err := s.GetGroup(ctx, grp.ID); return err }},
			{"add membership", func(ctx context.Context) error {
				m, err := s.AddMembership(ctx, agent2.ID, grp.ID, false)
				if err == nil {
					err = s.RemoveMembership(sysCtx(), m.ID)
				}
				return err
			}},
			{"create own token", func(ctx context.Context) error { _, err := s.CreateToken(ctx, 0, "t"); return err }},
			{"create token for agent2", func(ctx context.Context) error { _, err := s.CreateToken(ctx, agent2.ID, "t"); return err }},
			{"identities of end2", func(ctx context.Context) error { _, err := s.Identities(ctx, end2.ID); return err }},
			{"default group", func(ctx context.Context) error { _, err := s.DefaultGroupID(ctx); return err }},
		}
		const (
			ok  = ""
			nf  = desk.ENOTFOUND
			fb  = desk.EFORBIDDEN
			una = desk.EUNAUTHORIZED
		)
		// Columns: anonymous, end-user (in org), agent, admin.
		want := map[string][4]string{
			"list users":              {una, fb, ok, ok},
			"count users":             {una, fb, ok, ok},
			"search users":            {una, fb, ok, ok},
			"get other end-user":      {una, nf, ok, ok},
			"get agent":               {una, nf, ok, ok},
			"create end-user":         {una, fb, ok, ok},
			"create agent":            {una, fb, fb, ok},
			"create admin":            {una, fb, fb, ok},
			"update end-user notes":   {una, nf, ok, ok},
			"promote end-user":        {una, nf, fb, ok},
			"rename agent":            {una, nf, fb, ok},
			"delete end-user":         {una, nf, fb, ok},
			"create org":              {una, fb, fb, ok},
			"get org":                 {una, ok, ok, ok},
			"create group":            {una, fb, fb, ok},
			"get group":               {una, nf, ok, ok},
			"add membership":          {una, fb, fb, ok},
			"create own token":        {una, fb, ok, ok},
			"create token for agent2": {una, fb, fb, ok},
			"identities of end2":      {una, nf, ok, ok},
			"default group":           {una, ok, ok, ok},
		}
		actors := []struct {
			name string
			ctx  context.Context
		}{{"anonymous", anon}, {"end-user", as(end)}, {"agent", as(agent)}, {"admin", as(admin)}}
		for _, a := range actions {
			w, found := want[a.name]
			if !found {
				t.Fatalf("no expectations for %q", a.name)
			}
			for i, actor := range actors {
				t.Run(a.name+"/"+actor.name, func(t *testing.T) {
					wantCode(t, a.do(actor.ctx), w[i])
				})
			}
		}
	})
}

func TestSQLMetacharactersStayData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		nasty := []string{
			`Robert'); DROP TABLE users;--`,
			`100% _real_ name`,
			`what? $1 :name @p1`,
			`back\slash "quoted" 'single'`,
			`*) OR 1=1 --`,
		}
		var made []*desk.User
		for i, name := range nasty {
			email := []string{"o'brien@example.com", "percent%sign@example.com", "under_score@example.com",
				"q?mark@example.com", "star*@example.com"}[i]
			u, err := s.CreateUser(sysCtx(), people.UserInput{Name: ptr(name), Email: ptr(email), Notes: ptr(name), Tags: &[]string{name}})
			if err != nil {
				t.Fatalf("%q: %v", name, err)
			}
			if u.Name != name || u.Email != email {
				t.Fatalf("stored %q %q", u.Name, u.Email)
			}
			made = append(made, u)
			o, err := s.CreateOrganization(sysCtx(), people.OrganizationInput{Name: ptr(name), Details: ptr(name)})
			if err != nil || o.Name != name {
				t.Fatalf("%+v %v", o, err)
			}
			if got, err := s.OrganizationByName(sysCtx(), name); err != nil || got.ID != o.ID {
				t.Fatalf("%+v %v", got, err)
			}
			if got, err := s.UserByEmail(bg, email); err != nil || got.ID != u.ID {
				t.Fatalf("%+v %v", got, err)
			}
			g, err := s.CreateGroup(sysCtx(), people.GroupInput{Name: ptr(name), Description: ptr(name)})
			if err != nil || g.Name != name {
				t.Fatalf("%+v %v", g, err)
			}
		}
		// Searching with metacharacters neither errors nor matches everything.
		queries := map[string][]int64{
			`robert'); drop`:           {made[0].ID},
			`' OR '1'='1`:              {made[4].ID}, // the words "or" and "1" are in its name
			`%`:                        {},
			`_`:                        {},
			`"unbalanced`:              {},
			`* NEAR AND OR NOT ( ) :`:  {},
			`o'brien@example.com`:      {made[0].ID},
			`percent%sign@example.com`: {made[1].ID},
			`real name`:                {made[1].ID},
			`1=1`:                      {made[1].ID, made[2].ID, made[4].ID}, // "100", "$1", "1=1"
		}
		for q, want := range queries {
			t.Run(q, func(t *testing.T) {
				got, err := s.SearchUsers(sysCtx(), q, 50)
				if err != nil || !equalIDs(ids(got), want) {
					t.Fatalf("got %v, %v; want %v", ids(got), err, want)
				}
			})
		}
		var n int
		if err := db.QueryRow(bg, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil || n != len(nasty) {
			t.Fatalf("users table: %d %v", n, err)
		}
	})
}

func TestSearchUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSvc(db)
		zofia := mkUser(t, s, "Zofia Łukasiewicz", "zofia@kraków.example", desk.RoleEndUser)
		muller, _ := s.CreateUser(sysCtx(), people.UserInput{Name: ptr("Jürgen Müller"), Email: ptr("jm@example.de"),
			Phone: ptr("+49 555-1234"), Tags: &[]string{"Premium"}, Notes: ptr("Prefers phone calls")})
		bob := mkUser(t, s, "Bob Smith", "bob.smith@example.com", desk.RoleAgent)
		gone := mkUser(t, s, "Muller Gone", "gone@example.com", desk.RoleEndUser)
		s.DeleteUser(sysCtx(), gone.ID)
		if _, err := s.AddIdentity(sysCtx(), bob.ID, "email", "robert@corp.example"); err != nil {
			t.Fatal(err)
		}
		cases := map[string][]int64{
			"zofia":                 {zofia.ID},
			"LUKASIEWICZ":           {zofia.ID},
			"łuk":                   {zofia.ID},
			"muller":                {muller.ID},
			"jur mul":               {muller.ID},
			"müller jürgen":         {muller.ID},
			"premium":               {muller.ID},
			"1234":                  {muller.ID},
			"prefers":               {muller.ID},
			"example":               {zofia.ID, muller.ID, bob.ID},
			"smith":                 {bob.ID},
			"robert":                {bob.ID},
			"corp":                  {bob.ID},
			"ROBERT@corp.example":   {bob.ID},
			"bob.smith@example.com": {bob.ID},
			"nobody":                {},
			"":                      {},
			"   ":                   {},
		}
		for q, want := range cases {
			t.Run(q, func(t *testing.T) {
				got, err := s.SearchUsers(sysCtx(), q, 0)
				if err != nil || !equalIDs(ids(got), want) {
					t.Fatalf("got %v, %v; want %v", ids(got), err, want)
				}
			})
		}
		// Updates refresh the document in the same transaction.
		if _, err := s.UpdateUser(sysCtx(), zofia.ID, people.UserInput{Name: ptr("Zofia Nowak")}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SearchUsers(sysCtx(), "nowak", 10); !equalIDs(ids(got), []int64{zofia.ID}) {
			t.Fatalf("%v", ids(got))
		}
		if got, _ := s.SearchUsers(sysCtx(), "lukasiewicz", 10); len(got) != 0 {
			t.Fatalf("stale doc: %v", ids(got))
		}
		if got, _ := s.SearchUsers(sysCtx(), "example", 1); len(got) != 1 {
			t.Fatalf("limit ignored: %v", ids(got))
		}
	})
}
