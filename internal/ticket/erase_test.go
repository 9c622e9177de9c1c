package ticket_test

import (
	"context"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/search"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// countRowsCI counts rows whose column contains s, ignoring case.
func countRowsCI(t *testing.T, db *store.DB, table, col, s string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table+` WHERE LOWER(`+col+`) LIKE ?`, "%"+strings.ToLower(s)+"%").Scan(&n); err != nil {
		t.Fatalf("count %s.%s: %v", table, col, err)
	}
	return n
}

// Permanently deleting a person redacts them from the tickets they were
// part of (their comments whole; their name, address and phone wherever
// they appear there), deletes their files, and leaves other people's
// tickets and the ticket rows themselves alone.
func TestEraseUserFromTickets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sys := desk.SystemContext(context.Background())
		name, email, phone := "Zofia Quillfeather", "zofia.q@erase.test", "+48 601 222 333"
		role := desk.RoleEndUser
		u, err := f.ppl.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Phone: &phone, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		zofia := &desk.Principal{UserID: u.ID, Role: desk.RoleEndUser, Email: email, Via: "web"}
		up, err := f.svc.CreateUpload(as(zofia), "id-card.png", strings.NewReader("zofia's id card"))
		if err != nil {
			t.Fatal(err)
		}
		tk := mustCreate(t, f, zofia, ticket.Input{Subject: str("Refund for Zofia Quillfeather"), GroupID: desk.SetID(f.support),
			Comment: &ticket.CommentInput{Body: "I am Zofia, call me at +48 601 222 333 or zofia.q@erase.test", Uploads: []string{up.Token}}})
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "Dear ZOFIA QUILLFEATHER, refunded."}}); err != nil {
			t.Fatal(err)
		}
		// Bob's ticket mentions nothing of hers and stays as it is.
		other := mustCreate(t, f, f.bob, ticket.Input{Subject: str("Bob's printer"), Comment: &ticket.CommentInput{Body: "Zofia from accounts said hi"}})

		if err := db.InTx(as(f.admin), func(tx *store.Tx) error {
			return f.svc.EraseUserTx(as(f.admin), tx, u.ID, []string{name, email, phone, "Zo"})
		}); err != nil {
			t.Fatal(err)
		}
		for _, term := range []string{name, email, phone, "Quillfeather", "601 222 333"} {
			for _, tc := range []struct{ table, col string }{{"ticket_comments", "body"}, {"ticket_comments", "html_body"},
				{"ticket_audits", "events"}, {"ticket_audits", "metadata"}, {"tickets", "subject"}, {"tickets", "description"}} {
				if n := countRowsCI(t, db, tc.table, tc.col, term); n != 0 {
					t.Errorf("%q still in %s.%s (%d rows)", term, tc.table, tc.col, n)
				}
			}
		}
		if n := countRowsCI(t, db, "attachments", "file_name", "id-card"); n != 0 {
			t.Errorf("her attachment row is still there")
		}
		cs, _, err := f.svc.Comments(as(f.admin), tk.ID, 0, 10, false)
		if err != nil || len(cs) != 2 {
			t.Fatalf("comments: %v %d", err, len(cs))
		}
		if strings.Trim(cs[0].Body, "▇") != "" || len(cs[0].Attachments) != 0 {
			t.Errorf("her comment: %q, %d files", cs[0].Body, len(cs[0].Attachments))
		}
		if cs[1].Body != "Dear "+strings.Repeat("▇", len([]rune(name)))+", refunded." {
			t.Errorf("agent's reply: %q", cs[1].Body)
		}
		got, err := f.svc.Get(as(f.admin), tk.ID)
		if err != nil || got.RequesterID != u.ID || got.Status != desk.StatusOpen || got.Version != tk.Version+2 {
			t.Fatalf("ticket after erasure: %+v %v", got, err)
		}
		audits := mustAudits(t, f, tk.ID)
		if ev := audits[len(audits)-1].Events; len(ev) != 1 || ev[0].Type != ticket.EventUserErasure {
			t.Errorf("erasure audit: %+v", ev)
		}
		srch := search.New(db, f.svc, f.ppl)
		for _, q := range []string{"Quillfeather", "refund"} {
			// The user row is package people's to erase (not done here).
			res, _, err := srch.Search(as(f.admin), "type:ticket "+q, 1, 10)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if q == "refund" {
				want = 1 // the agent's words stay
			}
			if len(res) != want {
				t.Errorf("search %q: %d results, want %d", q, len(res), want)
			}
		}
		// "Zo" is too short to erase; Bob's ticket is untouched.
		ob, _, _ := f.svc.Comments(as(f.admin), other.ID, 0, 10, false)
		if ob[0].Body != "Zofia from accounts said hi" {
			t.Errorf("other ticket changed: %q", ob[0].Body)
		}
	})
}
