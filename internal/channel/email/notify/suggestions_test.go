package notify_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/answerbot"
	"github.com/frontdesk/frontdesk/internal/channel/email/notify"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestAcknowledgementSuggestsArticles: the acknowledgement of a new email
// ticket lists the answer bot's articles in the requester's language with
// hostile titles escaped in the HTML part; its "this answered my
// question" link solves the ticket once. A reply on the ticket gets none.
func TestAcknowledgementSuggestsArticles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		hc := helpcenter.New(db)
		bot := answerbot.New(db, hc, f.tickets, nil)
		f.notifier.Suggest = func(ctx context.Context, tx *store.Tx, base string, ticketID, requesterID int64, loc, text string) ([]notify.Suggestion, error) {
			ss, err := bot.EmailSuggestions(ctx, tx, base, ticketID, requesterID, loc, text)
			out := make([]notify.Suggestion, len(ss))
			for i, x := range ss {
				out[i] = notify.Suggestion{Title: x.Title, URL: x.URL, AnsweredURL: x.AnsweredURL}
			}
			return out, err
		}
		cat, err := hc.CreateCategory(f.sys, helpcenter.GroupInput{Locale: "en", Name: ptr("Printers")})
		if err != nil {
			t.Fatal(err)
		}
		sec, err := hc.CreateSection(f.sys, helpcenter.GroupInput{Locale: "en", Name: ptr("Fire"), CategoryID: &cat.ID})
		if err != nil {
			t.Fatal(err)
		}
		a, err := hc.CreateArticle(f.sys, helpcenter.ArticleInput{SectionID: &sec.ID, Locale: "en", Title: ptr("Printer fire <script>alert(1)</script>"),
			Body: ptr("Unplug the printer."), Visibility: ptr(helpcenter.VisEveryone)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hc.SaveTranslation(f.sys, helpcenter.KindArticle, a.ID, helpcenter.TranslationInput{Locale: "pl",
			Title: ptr(`Pożar drukarki <img src=x onerror=alert(1)>`), Body: ptr("Odłącz drukarkę.")}); err != nil {
			t.Fatal(err)
		}
		p, err := people.PrincipalFor(context.Background(), db, f.customer.ID)
		if err != nil {
			t.Fatal(err)
		}
		p.Via = "email"
		tk, _, err := f.tickets.Create(desk.WithPrincipal(context.Background(), p), ticket.Input{Subject: ptr("Drukarka"),
			Comment: &ticket.CommentInput{Body: "Pożar drukarki!"}})
		if err != nil {
			t.Fatal(err)
		}
		m := f.flush(t)["zofia@klient.example"]
		if m == nil {
			t.Fatal("no acknowledgement")
		}
		_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
		mr := multipart.NewReader(m.Body, params["boundary"])
		tp, err := mr.NextRawPart()
		if err != nil {
			t.Fatal(err)
		}
		text, _ := io.ReadAll(quotedprintable.NewReader(tp))
		hp, err := mr.NextRawPart()
		if err != nil {
			t.Fatal(err)
		}
		html, _ := io.ReadAll(quotedprintable.NewReader(hp))
		if !bytes.Contains(text, []byte("To odpowiada na moje pytanie: https://help.example.com/answered/")) ||
			!bytes.Contains(text, []byte("https://help.example.com/hc/pl/articles/")) {
			t.Fatalf("text part:\n%s", text)
		}
		if bytes.Contains(html, []byte("<img src=x")) || !bytes.Contains(html, []byte("&lt;img src=x")) {
			t.Fatalf("hostile title not escaped:\n%s", html)
		}
		link := regexp.MustCompile(`https://help\.example\.com/answered/(\S+)`).FindSubmatch(text)
		if link == nil {
			t.Fatalf("no link in:\n%s", text)
		}
		tok := strings.TrimSpace(string(link[1]))
		if id, err := bot.ResolveByLink(context.Background(), tok); err != nil || id != tk.ID {
			t.Fatalf("link: %d %v", id, err)
		}
		got, err := f.tickets.Get(f.sys, tk.ID)
		if err != nil || got.Status != desk.StatusSolved {
			t.Fatalf("ticket: %+v %v", got, err)
		}
		if _, err := bot.ResolveByLink(context.Background(), tok); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("second use: %v", err)
		}
	})
}
