package answerbot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/answerbot"
	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestEmailSuggestionLinks: a new ticket's suggestions come from its text,
// in the requester's language and visibility (never an agents-only
// article), each with a signed link; the link's page shows the article; the
// link solves the unassigned ticket as its requester once and records an
// email resolution; a second use, another link of the same mail, a forged,
// tampered or expired token are refused; the setting turns it off.
func TestEmailSuggestionLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tickets := f.withTickets(t)
		sec := int64(0)
		if a, err := f.hc.Article(f.admin, f.public, "en"); err == nil {
			sec = a.SectionID
		}
		if _, err := f.hc.CreateArticle(f.admin, helpcenter.ArticleInput{SectionID: &sec, Locale: "en", Title: ptr("Password vault for agents"),
			Body: ptr("Agents reset password here."), Visibility: ptr(helpcenter.VisAgents)}); err != nil {
			t.Fatal(err)
		}
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
		suggest := func(loc, text string) []answerbot.EmailSuggestion {
			t.Helper()
			var out []answerbot.EmailSuggestion
			if err := db.InTx(context.Background(), func(tx *store.Tx) error {
				var err error
				out, err = f.bot.EmailSuggestions(context.Background(), tx, "https://help.example.com", tk.ID, f.user, loc, text)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		ss := suggest("en", tk.Subject+"\nHow do I reset my password?")
		if len(ss) == 0 || len(ss) > 3 {
			t.Fatalf("suggestions: %+v", ss)
		}
		for _, s := range ss {
			if strings.Contains(s.Title, "vault") {
				t.Fatalf("agents-only article suggested to a requester: %+v", ss)
			}
			if !strings.HasPrefix(s.URL, "https://help.example.com/hc/en/articles/") || !strings.HasPrefix(s.AnsweredURL, "https://help.example.com"+answerbot.LinkPath) {
				t.Fatalf("links: %+v", s)
			}
		}
		if pl := suggest("pl", "zresetować hasło"); len(pl) == 0 || pl[0].Title != "Jak zresetować hasło" || !strings.Contains(pl[0].URL, "/hc/pl/") {
			t.Fatalf("polish: %+v", pl)
		}
		tok := strings.TrimPrefix(ss[0].AnsweredURL, "https://help.example.com"+answerbot.LinkPath)
		other := strings.TrimPrefix(suggest("en", "password")[0].AnsweredURL, "https://help.example.com"+answerbot.LinkPath)
		bg := context.Background()

		// Forged and tampered tokens.
		parts := strings.Split(tok, ".")
		tampered := append([]string{"999999"}, parts[1:]...)
		for _, bad := range []string{"x", tok + "x", strings.Join(tampered, "."), strings.Repeat("1.", 5) + "abc", "<script>"} {
			if _, err := f.bot.LinkFor(bg, bad); desk.ErrorCode(err) != desk.ENOTFOUND {
				t.Fatalf("forged %q shown: %v", bad, err)
			}
			if _, err := f.bot.ResolveByLink(bg, bad); desk.ErrorCode(err) != desk.ENOTFOUND {
				t.Fatalf("forged %q used: %v", bad, err)
			}
		}
		l, err := f.bot.LinkFor(bg, tok)
		if err != nil || l.TicketID != tk.ID || l.Article == "" {
			t.Fatalf("link page: %+v %v", l, err)
		}
		// Expired.
		old := store.Clock()
		store.SetClock(func() int64 { return time.Now().Add(answerbot.LinkTTL + time.Hour).UnixMicro() })
		_, err = f.bot.ResolveByLink(bg, tok)
		store.SetClock(old)
		if desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("expired: %v", err)
		}
		id, err := f.bot.ResolveByLink(bg, tok)
		if err != nil || id != tk.ID {
			t.Fatalf("resolve: %d %v", id, err)
		}
		got, err := tickets.Get(f.sys, tk.ID)
		if err != nil || got.Status != desk.StatusSolved || got.AssigneeID != nil {
			t.Fatalf("ticket after the link: %+v %v", got, err)
		}
		for _, again := range []string{tok, other} {
			if _, err := f.bot.ResolveByLink(bg, again); desk.ErrorCode(err) != desk.ECONFLICT {
				t.Fatalf("second use: %v", err)
			}
			if _, err := f.bot.LinkFor(bg, again); desk.ErrorCode(err) != desk.ECONFLICT {
				t.Fatalf("used link page: %v", err)
			}
		}
		os := f.outcomes(t)
		if len(os) != 1 || os[0].Channel != answerbot.ChannelEmail || os[0].Result != answerbot.Resolved || os[0].TicketID != tk.ID || os[0].ArticleID == 0 {
			t.Fatalf("outcomes: %+v", os)
		}
		// A request an agent already solved is not the bot's to solve.
		tk2, _, err := tickets.Create(desk.WithPrincipal(context.Background(), up), ticket.Input{Subject: ptr("Password again"),
			Comment: &ticket.CommentInput{Body: "reset password"}})
		if err != nil {
			t.Fatal(err)
		}
		agentLink, err := f.bot.LinkToken(f.sys, db, tk2.ID, f.user, f.public)
		if err != nil {
			t.Fatal(err)
		}
		solved := string(desk.StatusSolved)
		if _, _, err := tickets.Update(f.admin, tk2.ID, ticket.Input{Status: &solved}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.bot.ResolveByLink(bg, agentLink); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("already solved: %v", err)
		}
		if n := len(f.outcomes(t)); n != 1 {
			t.Fatalf("%d outcomes after refusals", n)
		}
		// Off: no suggestions.
		if err := settings.AnswerBotEmail.Set(f.sys, settings.New(db, nil), false); err != nil {
			t.Fatal(err)
		}
		if off := suggest("en", "password"); len(off) != 0 {
			t.Fatalf("setting off: %+v", off)
		}
	})
}

// withTickets gives the fixture's bot a ticket service over its store
// (attachments in a temporary directory) and returns it.
func (f *fixture) withTickets(t *testing.T) *ticket.Service {
	t.Helper()
	blobs, err := attach.New(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	tickets := ticket.New(f.db, events.New(), blobs)
	f.bot.Tickets = tickets
	return tickets
}
