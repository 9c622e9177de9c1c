package answerbot_test

import (
	"context"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestEmailSuggestionsNeedOneConnection: a new email ticket's article
// suggestions are searched in the ticket's transaction, on a PostgreSQL
// pool of one connection. The transaction holds a connection; a search
// through the pool inside it would wait for a second one, and as many
// email tickets arriving at once as the pool has connections would wait
// for each other forever.
func TestEmailSuggestionsNeedOneConnection(t *testing.T) {
	db := storetest.PostgresPool(t, 1)
	f := newFixture(t, db)
	tickets := f.withTickets(t)
	up, err := people.PrincipalFor(f.sys, db, f.user)
	if err != nil {
		t.Fatal(err)
	}
	up.Via = "email"
	tk, _, err := tickets.Create(desk.WithPrincipal(context.Background(), up), ticket.Input{Subject: ptr("Cannot reset password"),
		Comment: &ticket.CommentInput{Body: "How do I reset my password?"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		ss, err := f.bot.EmailSuggestions(ctx, tx, "https://help.example.com", tk.ID, f.user, "en", "How do I reset my password?")
		if err == nil && len(ss) == 0 {
			t.Error("no suggestions")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
