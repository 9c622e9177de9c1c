package answerbot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/answerbot"
	"github.com/frontdesk/frontdesk/internal/botapi"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

type fixture struct {
	db               *store.DB
	bot              *answerbot.Service
	hc               *helpcenter.Service
	sys, admin       context.Context
	user             int64
	group            int64
	public, signedIn int64
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, hc: helpcenter.New(db), sys: desk.SystemContext(context.Background())}
	f.bot = answerbot.New(db, f.hc, nil, nil)
	ppl := people.New(db, events.New())
	adm, err := ppl.CreateUser(f.sys, people.UserInput{Name: ptr("Ada"), Email: ptr("ada@desk.test"), Role: ptr(desk.RoleAdmin)})
	if err != nil {
		t.Fatal(err)
	}
	f.admin = desk.WithPrincipal(context.Background(), &desk.Principal{UserID: adm.ID, Role: desk.RoleAdmin, Via: "api"})
	u, err := ppl.CreateUser(f.sys, people.UserInput{Name: ptr("Uma"), Email: ptr("uma@example.com"), Role: ptr(desk.RoleEndUser)})
	if err != nil {
		t.Fatal(err)
	}
	f.user = u.ID
	g, err := ppl.CreateGroup(f.sys, people.GroupInput{Name: ptr("Orders")})
	if err != nil {
		t.Fatal(err)
	}
	f.group = g.ID
	cat, err := f.hc.CreateCategory(f.admin, helpcenter.GroupInput{Locale: "en", Name: ptr("Accounts")})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := f.hc.CreateSection(f.admin, helpcenter.GroupInput{Locale: "en", Name: ptr("Passwords"), CategoryID: &cat.ID})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(title, body, plTitle, plBody string, vis helpcenter.Visibility) int64 {
		a, err := f.hc.CreateArticle(f.admin, helpcenter.ArticleInput{SectionID: &sec.ID, Locale: "en", Title: &title, Body: &body, Visibility: &vis})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.hc.SaveTranslation(f.admin, helpcenter.KindArticle, a.ID, helpcenter.TranslationInput{Locale: "pl", Title: &plTitle, Body: &plBody}); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	f.public = mk("Reset your password <script>x</script>", "Open **settings** and reset the password.", "Jak zresetować hasło", "Otwórz ustawienia i zresetuj hasło.", helpcenter.VisEveryone)
	f.signedIn = mk("Password rules for members", "Members' password must be long.", "Zasady haseł dla członków", "Hasło członka musi być długie.", helpcenter.VisSignedIn)
	return f
}

func (f *fixture) turn(t *testing.T, in botapi.Turn) botapi.Reply {
	t.Helper()
	r, err := f.bot.Turn(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func buttonIDs(r botapi.Reply) []string {
	var out []string
	for _, b := range r.Buttons {
		out = append(out, b.ID)
	}
	return out
}

func (f *fixture) outcomes(t *testing.T) []answerbot.Outcome {
	t.Helper()
	os, err := f.bot.Outcomes(f.admin, 0)
	if err != nil {
		t.Fatal(err)
	}
	return os
}

// TestTurnsGreetQuestionResolved: the opening greets (en and pl) with a
// "talk to a person" button; a question offers the matching article in
// the visitor's language with "that answered it"; pressing it resolves
// the chat with that article and records a bot resolution.
func TestTurnsGreetQuestionResolved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.turn(t, botapi.Turn{ConversationID: 7, TicketID: 70, Locale: "en"})
		if !strings.Contains(r.Text, "help center") || len(r.Buttons) != 1 || r.Buttons[0].ID != answerbot.ButtonPerson || r.Handover || r.State == nil {
			t.Fatalf("greeting: %+v", r)
		}
		if pl := f.turn(t, botapi.Turn{Locale: "pl-PL"}); !strings.Contains(pl.Text, "centrum pomocy") || pl.Buttons[0].Label != "Porozmawiaj z konsultantem" {
			t.Fatalf("polish greeting: %+v", pl)
		}
		r = f.turn(t, botapi.Turn{ConversationID: 7, TicketID: 70, Locale: "pl", Text: "hasło zresetować", State: r.State})
		if len(r.Articles) != 1 || r.Articles[0].ID != f.public || r.Articles[0].Title != "Jak zresetować hasło" ||
			!strings.HasPrefix(r.Articles[0].URL, "/hc/pl/articles/") || strings.Contains(r.Articles[0].Snippet, "<") {
			t.Fatalf("question: %+v", r)
		}
		ids := buttonIDs(r)
		if len(ids) != 2 || ids[1] != answerbot.ButtonPerson || r.Buttons[0].Label != "To odpowiada na moje pytanie" {
			t.Fatalf("buttons: %+v", r.Buttons)
		}
		// A forged article id is not offered: refused, nothing recorded.
		forged := f.turn(t, botapi.Turn{ConversationID: 7, TicketID: 70, Locale: "pl", ButtonID: "answered:" + "999", State: r.State})
		if forged.Resolved || len(f.outcomes(t)) != 0 || len(forged.Articles) != 1 {
			t.Fatalf("forged article: %+v", forged)
		}
		done := f.turn(t, botapi.Turn{ConversationID: 7, TicketID: 70, Locale: "pl", ButtonID: ids[0], State: r.State})
		if !done.Resolved || done.ArticleID != f.public || done.Handover {
			t.Fatalf("resolved: %+v", done)
		}
		os := f.outcomes(t)
		if len(os) != 1 || os[0].Result != answerbot.Resolved || os[0].ArticleID != f.public || os[0].ConversationID != 7 || os[0].TicketID != 70 || os[0].Channel != "chat" {
			t.Fatalf("outcomes: %+v", os)
		}
		// Outcomes are for admins.
		if _, err := f.bot.Outcomes(context.Background(), 0); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
			t.Fatalf("anonymous outcomes: %v", err)
		}
	})
}

// TestTurnsHandover: "talk to a person" hands over to the chat's group and
// so does a question nothing answers; both are recorded.
func TestTurnsHandover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.turn(t, botapi.Turn{ConversationID: 1, Locale: "en", GroupID: f.group})
		h := f.turn(t, botapi.Turn{ConversationID: 1, Locale: "en", GroupID: f.group, ButtonID: answerbot.ButtonPerson, State: r.State})
		if !h.Handover || h.GroupID != f.group || h.Resolved || h.State != nil {
			t.Fatalf("person: %+v", h)
		}
		n := f.turn(t, botapi.Turn{ConversationID: 2, Locale: "en", Text: "zebra quantum'; DROP TABLE users; --", State: r.State})
		if !n.Handover || len(n.Articles) != 0 || !strings.Contains(n.Text, "could not find") {
			t.Fatalf("nothing found: %+v", n)
		}
		os := f.outcomes(t)
		if len(os) != 2 || os[0].Result != answerbot.Handover || os[1].Result != answerbot.Handover || os[0].ConversationID != 2 {
			t.Fatalf("outcomes: %+v", os)
		}
		// An unknown button re-prompts; garbage state starts afresh.
		u := f.turn(t, botapi.Turn{Locale: "en", ButtonID: "flow:nope:0", State: []byte("{garbage")})
		if u.Handover || u.Resolved || !strings.Contains(u.Text, "not available") {
			t.Fatalf("unknown: %+v", u)
		}
	})
}

// TestVisibility: an anonymous visitor is never offered an article only
// signed-in users may read; the signed-in visitor is.
func TestVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		// Even when the chat calls in a privileged context, the visitor's
		// visibility decides.
		ctx := f.sys
		anon, err := f.bot.Turn(ctx, botapi.Turn{Locale: "en", Text: "password members", State: []byte(`{"v":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range anon.Articles {
			if a.ID == f.signedIn {
				t.Fatalf("anonymous visitor offered a signed-in article: %+v", anon.Articles)
			}
		}
		if len(anon.Articles) != 1 || anon.Articles[0].ID != f.public {
			t.Fatalf("anonymous: %+v", anon)
		}
		in, err := f.bot.Turn(ctx, botapi.Turn{Locale: "en", Text: "password members", VisitorUserID: f.user, State: []byte(`{"v":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		if len(in.Articles) != 2 || in.Articles[0].ID != f.signedIn {
			t.Fatalf("signed in: %+v", in.Articles)
		}
		// The resolved button of a restricted article is not honoured
		// for a visitor it was never offered to.
		r := f.turn(t, botapi.Turn{Locale: "en", ButtonID: "answered:" + itoa(f.signedIn), State: anon.State})
		if r.Resolved {
			t.Fatalf("restricted article resolved an anonymous chat: %+v", r)
		}
		// A state the bot did not sign (say, one a visitor made up to
		// offer themselves the restricted article) starts afresh.
		forged := []byte(`{"v":1,"o":[` + itoa(f.signedIn) + `]}`)
		if r := f.turn(t, botapi.Turn{Locale: "en", ButtonID: "answered:" + itoa(f.signedIn), State: forged}); r.Resolved {
			t.Fatalf("forged state resolved: %+v", r)
		}
		tampered := append([]byte{}, in.State...)
		tampered[len(tampered)-1] ^= 1
		if r := f.turn(t, botapi.Turn{Locale: "en", ButtonID: "answered:" + itoa(f.signedIn), State: tampered}); r.Resolved {
			t.Fatalf("tampered state resolved: %+v", r)
		}
		// The genuine state of the signed-in visitor resolves.
		if r := f.turn(t, botapi.Turn{Locale: "en", ButtonID: "answered:" + itoa(f.signedIn), State: in.State, VisitorUserID: f.user}); !r.Resolved {
			t.Fatalf("signed-in resolve: %+v", r)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
