package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// maxListStatements is what one page of the ticket list sends through the
// API, from the token's check to the sideloads, on either store, once the
// token has been used (it is then remembered: people.TokenCacheTTL): the
// page, its tickets' collaborators and incidents; then the users
// sideloaded. (The satisfaction ratings are read only for tickets ever
// solved, none here; the test server has no API rate limit, as in the
// list benchmark, where on PostgreSQL the shared limit adds its window's
// statement.) Each statement is a round trip on PostgreSQL, about a tenth
// of the server's CPU in a page of the list benchmark (BENCHMARKS.md "P12:
// statements of a page"), so the count must not grow unnoticed; lower it
// here when a change removes one.
var maxListStatements = map[string]int{"page": 2, "page+users": 3}

func TestListStatements(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			app, _, cancel, _ := start(t, u)
			defer cancel()
			sys := desk.SystemContext(context.Background())
			user := func(email string, role desk.Role) *desk.User {
				name := "User " + email
				u, err := app.People.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role})
				if err != nil {
					t.Fatal(err)
				}
				return u
			}
			email := "lister@desk.test"
			admin := user(email, desk.RoleAdmin)
			tok, err := app.People.CreateToken(sys, admin.ID, "lists")
			if err != nil {
				t.Fatal(err)
			}
			// A customer CC'd, and an agent (followers are agents).
			cc, follower := user("cc@customer.test", desk.RoleEndUser).ID, user("follower@desk.test", desk.RoleAgent).ID
			ctx := desk.WithPrincipal(context.Background(), &desk.Principal{UserID: admin.ID, Role: desk.RoleAdmin, Email: email, Via: "api"})
			// Three tickets: a problem with a CC and a follower who is
			// also CC'd (one collaborator, listed once), one with a
			// follower, and an incident of the first with neither.
			var ids []int64
			for i, in := range []struct {
				ccs, followers []int64
				typ            string
			}{
				{[]int64{cc, follower}, []int64{follower}, "problem"},
				{nil, []int64{follower}, "question"},
				{nil, nil, "incident"},
			} {
				subj := "Printer " + string(rune('A'+i))
				var problem desk.NullID
				if in.typ == "incident" {
					problem = desk.SetID(ids[0])
				}
				tk, _, err := app.Tickets.Create(ctx, ticket.Input{Subject: &subj,
					Comment:    &ticket.CommentInput{Body: "It started smoking."},
					Requester:  &ticket.RequesterInput{Name: "Customer", Email: "known@customer.test"},
					EmailCCIDs: &in.ccs, FollowerIDs: &in.followers,
					Type: desk.NullString{Set: true, Value: in.typ}, ProblemID: problem})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, tk.ID)
			}
			h := app.Handler(prometheus.NewRegistry())
			get := func(ctx context.Context, path string) map[string]json.RawMessage {
				req := httptest.NewRequestWithContext(ctx, "GET", path, nil)
				req.SetBasicAuth(email+"/token", tok.Token)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
				}
				var body map[string]json.RawMessage
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
					t.Fatal(err)
				}
				return body
			}
			for _, c := range []struct{ name, path string }{
				{"page", "/api/v2/tickets.json?page[size]=100"},
				{"page+users", "/api/v2/tickets.json?sort=-id&page[size]=25&include=users"},
			} {
				get(context.Background(), c.path) // caches warm, the token's use noted
				traced, heard := recordStatements(t, context.Background())
				body := get(traced, c.path)
				stmts := heard(c.name)
				// A tracer that heard nothing would pass any bound.
				if !slices.ContainsFunc(stmts, func(q string) bool { return strings.Contains(q, "FROM tickets t") }) {
					t.Errorf("%s: the tracer did not hear the page's statement: %q", c.name, stmts)
				}
				if want := maxListStatements[c.name]; len(stmts) > want {
					t.Errorf("%s: a page sent %d statements, want at most %d", c.name, len(stmts), want)
				}
				var ts []struct {
					ID              int64   `json:"id"`
					HasIncidents    bool    `json:"has_incidents"`
					CollaboratorIDs []int64 `json:"collaborator_ids"`
					FollowerIDs     []int64 `json:"follower_ids"`
					EmailCCIDs      []int64 `json:"email_cc_ids"`
				}
				if err := json.Unmarshal(body["tickets"], &ts); err != nil {
					t.Fatal(err)
				}
				got := map[int64][3][]int64{}
				for _, tk := range ts {
					got[tk.ID] = [3][]int64{tk.CollaboratorIDs, tk.FollowerIDs, tk.EmailCCIDs}
					if tk.HasIncidents != (tk.ID == ids[0]) {
						t.Errorf("%s: ticket %d has has_incidents %v", c.name, tk.ID, tk.HasIncidents)
					}
				}
				want := map[int64][3][]int64{
					ids[0]: {{cc, follower}, {follower}, {cc, follower}},
					ids[1]: {{follower}, {follower}, {}},
					ids[2]: {{}, {}, {}},
				}
				for id, w := range want {
					if !reflect.DeepEqual(got[id], w) {
						t.Errorf("%s: ticket %d has [collaborators, followers, CCs] %v, want %v", c.name, id, got[id], w)
					}
				}
			}
		})
	}
}
