package ticket_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/search"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// countRows counts rows of a table whose text column contains s.
func countRows(t *testing.T, db *store.DB, table, col, s string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table+` WHERE `+col+` LIKE ?`, "%"+s+"%").Scan(&n); err != nil {
		t.Fatalf("count %s.%s: %v", table, col, err)
	}
	return n
}

func TestRedactCommentText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srch := search.New(db, f.svc, f.ppl)
		tk := mustCreate(t, f, f.alice, ticket.Input{Subject: str("Card trouble"), GroupID: desk.SetID(f.support),
			Comment: &ticket.CommentInput{Body: "My card is 4111 1111 1111 1111 & my PIN zebraquartz, thanks"}})
		if _, _, err := f.svc.Update(as(f.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "keep zebraquartz here"}}); err != nil {
			t.Fatal(err)
		}
		cs, _, err := f.svc.Comments(as(f.agent), tk.ID, 0, 10, false)
		if err != nil || len(cs) != 2 {
			t.Fatalf("comments: %v %d", err, len(cs))
		}
		first, second := cs[0].ID, cs[1].ID
		if res, _, err := srch.Search(as(f.admin), "zebraquartz", 1, 10); err != nil || len(res) != 1 {
			t.Fatalf("search before: %v %d", err, len(res))
		}

		// Refused: end-users, other tickets' comments, text not there, blank.
		if _, err := f.svc.RedactCommentText(as(f.alice), tk.ID, first, "zebraquartz"); code(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user redacts: %v", err)
		}
		other := mustCreate(t, f, f.bob, ticket.Input{Subject: str("Other"), Comment: &ticket.CommentInput{Body: "other text"}})
		if _, err := f.svc.RedactCommentText(as(f.admin), other.ID, first, "zebraquartz"); code(err) != desk.ENOTFOUND {
			t.Fatalf("comment of another ticket: %v", err)
		}
		if _, err := f.svc.RedactCommentText(as(f.admin), tk.ID, first, "absent words"); code(err) != desk.EINVALID {
			t.Fatalf("absent text: %v", err)
		}
		if _, err := f.svc.RedactCommentText(as(f.admin), tk.ID, first, "  "); code(err) != desk.EINVALID {
			t.Fatalf("blank text: %v", err)
		}

		c, err := f.svc.RedactCommentText(as(f.agent), tk.ID, first, "4111 1111 1111 1111 & my PIN zebraquartz")
		if err != nil {
			t.Fatal(err)
		}
		want := "My card is " + strings.Repeat("▇", 40) + ", thanks"
		if c.Body != want {
			t.Fatalf("body %q, want %q", c.Body, want)
		}
		if strings.Contains(c.HTMLBody, "zebraquartz") || strings.Contains(c.HTMLBody, "4111") || !strings.Contains(c.HTMLBody, "▇") {
			t.Fatalf("html body %q", c.HTMLBody)
		}
		got, err := f.svc.Get(as(f.agent), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Description != want || got.Version != tk.Version+2 {
			t.Fatalf("description %q version %d (was %d)", got.Description, got.Version, tk.Version)
		}
		// No copy of the text is left in comments, audits or the ticket row
		// (the second comment keeps its own, unredacted, word).
		for _, tc := range []struct{ table, col string }{{"ticket_comments", "body"}, {"ticket_comments", "html_body"}, {"ticket_audits", "events"}, {"tickets", "description"}} {
			if n := countRows(t, db, tc.table, tc.col, "4111 1111"); n != 0 {
				t.Errorf("%s.%s still has the card number in %d rows", tc.table, tc.col, n)
			}
		}
		if n := countRows(t, db, "ticket_comments", "body", "zebraquartz"); n != 1 {
			t.Errorf("zebraquartz in %d comments, want 1 (the unredacted one)", n)
		}
		// The audit says a redaction happened, not what.
		audits, _, err := f.svc.Audits(as(f.admin), tk.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		last := audits[len(audits)-1]
		if len(last.Events) != 1 || last.Events[0].Type != ticket.EventCommentRedaction || last.Events[0].CommentID != first || last.Events[0].Body != "" {
			t.Fatalf("redaction audit events %+v", last.Events)
		}

		// Text across markup: the HTML is rebuilt from the redacted text.
		html := mustCreate(t, f, f.alice, ticket.Input{Subject: str("Bold"), Comment: &ticket.CommentInput{HTMLBody: "<p>my <b>secret</b> word</p>"}})
		hc, _, _ := f.svc.Comments(as(f.agent), html.ID, 0, 1, false)
		c3, err := f.svc.RedactCommentText(as(f.agent), html.ID, hc[0].ID, "my secret")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c3.HTMLBody, "secret") || c3.Body != "▇▇▇▇▇▇▇▇▇ word" {
			t.Fatalf("redaction across markup: %q / %q", c3.Body, c3.HTMLBody)
		}

		// Whole comment: the second comment; then search finds nothing.
		c2, err := f.svc.RedactComment(as(f.admin), tk.ID, second)
		if err != nil {
			t.Fatal(err)
		}
		if c2.Body != strings.Repeat("▇", len("keep zebraquartz here")) {
			t.Fatalf("whole redaction %q", c2.Body)
		}
		if res, _, err := srch.Search(as(f.admin), "zebraquartz", 1, 10); err != nil || len(res) != 0 {
			t.Fatalf("search after redaction: %v %d", err, len(res))
		}
		if n := countRows(t, db, "ticket_audits", "events", "zebraquartz"); n != 0 {
			t.Errorf("audits keep the redacted word in %d rows", n)
		}
	})
}

func TestRedactAttachment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		up, err := f.svc.CreateUpload(as(f.alice), "passport.png", strings.NewReader("secret passport bytes"))
		if err != nil {
			t.Fatal(err)
		}
		tk := mustCreate(t, f, f.alice, ticket.Input{Subject: str("ID"), GroupID: desk.SetID(f.support),
			Comment: &ticket.CommentInput{Body: "see file", Uploads: []string{up.Token}}})
		cs, _, err := f.svc.Comments(as(f.agent), tk.ID, 0, 10, false)
		if err != nil || len(cs) != 1 || len(cs[0].Attachments) != 1 {
			t.Fatalf("comments: %v %+v", err, cs)
		}
		cid, aid := cs[0].ID, cs[0].Attachments[0].ID
		before, err := f.svc.Attachment(as(f.agent), aid)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RedactAttachment(as(f.alice), tk.ID, cid, aid); code(err) != desk.EFORBIDDEN {
			t.Fatalf("end-user redacts: %v", err)
		}
		if _, err := f.svc.RedactAttachment(as(f.agent), tk.ID, cid+1, aid); code(err) != desk.ENOTFOUND {
			t.Fatalf("wrong comment: %v", err)
		}
		a, err := f.svc.RedactAttachment(as(f.agent), tk.ID, cid, aid)
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != aid || a.FileName != ticket.RedactedFileName || a.Size != 0 {
			t.Fatalf("placeholder %+v", a)
		}
		_, r, err := f.svc.OpenAttachment(as(f.alice), aid)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if len(b) != 0 {
			t.Fatalf("placeholder bytes %q", b)
		}
		// The old bytes are gone from the attachment store.
		if rc, err := f.svc.Blobs.Open(context.Background(), before.StorageKey); err == nil {
			rc.Close()
			t.Fatal("redacted bytes still stored")
		}
		// Again: no change, no audit.
		n := len(mustAudits(t, f, tk.ID))
		if _, err := f.svc.RedactAttachment(as(f.agent), tk.ID, cid, aid); err != nil {
			t.Fatal(err)
		}
		evs := mustAudits(t, f, tk.ID)
		if len(evs) != n {
			t.Fatalf("audits %d → %d", n, len(evs))
		}
	})
}

func mustAudits(t *testing.T, f *fixture, id int64) []*desk.Audit {
	t.Helper()
	list, _, err := f.svc.Audits(as(f.admin), id, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestRedactIncomingCardNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		card := "4111 1111 1111 1111"
		body := func(tk *desk.Ticket) []string {
			cs, _, err := f.svc.Comments(as(f.agent), tk.ID, 0, 10, false)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range cs {
				out = append(out, c.Body+" | "+c.HTMLBody)
			}
			return out
		}
		// Off by default: stored as written.
		off := mustCreate(t, f, f.alice, ticket.Input{Subject: str("Pay"), Comment: &ticket.CommentInput{Body: "card " + card}})
		if b := body(off); !strings.Contains(b[0], card) {
			t.Fatalf("setting off, body %q", b)
		}
		if err := settings.RedactCardNumbers.Set(context.Background(), settings.Or(f.svc.Settings, db, f.bus), true); err != nil {
			t.Fatal(err)
		}
		on := mustCreate(t, f, f.alice, ticket.Input{Subject: str("Pay"), Comment: &ticket.CommentInput{
			HTMLBody: "<p>card <b>4111 1111</b> 1111 1111 and order 123456</p>"}})
		b := body(on)
		if strings.Contains(b[0], "4111") || !strings.Contains(b[0], "order 123456") || !strings.Contains(b[0], "▇") {
			t.Fatalf("setting on, end-user comment %q", b)
		}
		got, err := f.svc.Get(as(f.agent), on.ID)
		if err != nil || strings.Contains(got.Description, "4111") {
			t.Fatalf("description %q %v", got.Description, err)
		}
		// An agent's own comment is theirs to write; a comment the agent
		// enters on the customer's behalf is the customer's.
		if _, _, err := f.svc.Update(as(f.agent), on.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "test card " + card}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Update(as(f.agent), on.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "from phone: " + card, AuthorID: desk.SetID(f.alice.UserID)}}); err != nil {
			t.Fatal(err)
		}
		b = body(on)
		if !strings.Contains(b[1], card) || strings.Contains(b[2], card) {
			t.Fatalf("agent and on-behalf comments %q", b[1:])
		}
	})
}
