package outbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestEraseTx: mail to the erased person is deleted; mail to others that
// names them is still delivered, without their name, in the plain columns
// and in the sealed message alike; mail that does not name them is
// untouched.
func TestEraseTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ob := outbox.New(db, newBox(t))
		for _, m := range []outbox.Message{
			{To: "Wendeline.Brackhurst@erase.test", Subject: "Your request", Text: "Hello Wendeline Brackhurst", Kind: "notify"},
			{To: "agent@keep.test", Subject: "New reply from Wendeline Brackhurst", Text: "Wendeline wrote: call +1 555 0199", HTML: "<p>Wendeline Brackhurst</p>", Kind: "notify"},
			{To: "other@keep.test", Subject: "Unrelated", Text: "Nothing about anyone", Kind: "notify"},
		} {
			if err := add(t, db, ob, m); err != nil {
				t.Fatal(err)
			}
		}
		terms := []string{"Wendeline Brackhurst", "Wendeline", "Brackhurst", "wendeline.brackhurst@erase.test", "+1 555 0199"}
		if err := db.InTx(bg, func(tx *store.Tx) error { return ob.EraseTx(bg, tx, 42, terms) }); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow(bg, `SELECT COUNT(*) FROM outbox WHERE to_addr = 'wendeline.brackhurst@erase.test'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("mail to them: %d (%v)", n, err)
		}
		if err := db.QueryRow(bg, `SELECT COUNT(*) FROM outbox WHERE LOWER(subject) LIKE '%brackhurst%' OR LOWER(text_body) LIKE '%wendeline%'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("plain columns naming them: %d (%v)", n, err)
		}
		due, err := ob.Due(sys, time.Now().Add(time.Hour), 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 2 {
			t.Fatalf("%d messages due, want 2", len(due))
		}
		for _, m := range due {
			all := strings.ToLower(m.Subject + m.Text + m.HTML)
			if strings.Contains(all, "wendeline") || strings.Contains(all, "brackhurst") || strings.Contains(all, "555 0199") {
				t.Errorf("message to %s still names them: %+v", m.To, m)
			}
			if m.To == "other@keep.test" && m.Text != "Nothing about anyone" {
				t.Errorf("an unrelated message changed: %+v", m)
			}
			if m.To == "agent@keep.test" && !strings.Contains(m.Subject, "New reply from") {
				t.Errorf("the rest of the message went too: %+v", m)
			}
		}
	})
}
