package helpcenter_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

type fixture struct {
	svc                        *helpcenter.Service
	sys                        context.Context
	admin, groupAgent, agent   *desk.Principal
	orgUser, user, hcAgent     *desk.Principal
	group, org, section, catID int64
	byVis                      map[helpcenter.Visibility]int64
	ppl                        *people.Service
}

func ptr[T any](v T) *T { return &v }

func as(p *desk.Principal) context.Context {
	if p == nil {
		return context.Background()
	}
	return desk.WithPrincipal(context.Background(), p)
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{svc: helpcenter.New(db), sys: desk.SystemContext(context.Background()), byVis: map[helpcenter.Visibility]int64{}}
	f.ppl = people.New(db, events.New())
	mk := func(name, email string, role desk.Role) *desk.Principal {
		u, err := f.ppl.CreateUser(f.sys, people.UserInput{Name: &name, Email: &email, Role: &role})
		if err != nil {
			t.Fatal(err)
		}
		return &desk.Principal{UserID: u.ID, Role: role, Email: email, Via: "web"}
	}
	f.admin = mk("Ada Admin", "ada@desk.test", desk.RoleAdmin)
	f.groupAgent = mk("Gus Group", "gus@desk.test", desk.RoleAgent)
	f.agent = mk("Al Agent", "al@desk.test", desk.RoleAgent)
	f.hcAgent = mk("Hela Writer", "hela@desk.test", desk.RoleAgent)
	perms := desk.AgentPermissions()
	perms.ManageHelpCenter = true
	f.hcAgent.Perms = &perms
	f.orgUser = mk("Olga Org", "olga@example.com", desk.RoleEndUser)
	f.user = mk("Uma User", "uma@example.com", desk.RoleEndUser)
	g, err := f.ppl.CreateGroup(f.sys, people.GroupInput{Name: ptr("Tier 2")})
	if err != nil {
		t.Fatal(err)
	}
	f.group = g.ID
	if _, err := f.ppl.AddMembership(f.sys, f.groupAgent.UserID, g.ID, true); err != nil {
		t.Fatal(err)
	}
	o, err := f.ppl.CreateOrganization(f.sys, people.OrganizationInput{Name: ptr("Acme")})
	if err != nil {
		t.Fatal(err)
	}
	f.org = o.ID
	if _, err := f.ppl.CreateOrgMembership(f.sys, f.orgUser.UserID, o.ID, true); err != nil {
		t.Fatal(err)
	}
	cat, err := f.svc.CreateCategory(as(f.admin), helpcenter.GroupInput{Locale: "en", Name: ptr("Accounts"), Description: ptr("Your account")})
	if err != nil {
		t.Fatal(err)
	}
	f.catID = cat.ID
	sec, err := f.svc.CreateSection(as(f.admin), helpcenter.GroupInput{Locale: "en", Name: ptr("Passwords"), CategoryID: &cat.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.section = sec.ID
	for i, vis := range []helpcenter.Visibility{helpcenter.VisEveryone, helpcenter.VisSignedIn, helpcenter.VisAgents, helpcenter.VisGroup, helpcenter.VisOrganization} {
		in := helpcenter.ArticleInput{SectionID: &sec.ID, Locale: "en", Title: ptr("Reset your password " + string(vis)),
			Body: ptr("## Steps\n\nOpen settings and reset the password (" + string(vis) + ")."), Visibility: ptr(vis), Position: ptr(i)}
		switch vis {
		case helpcenter.VisGroup:
			in.SegmentID = &f.group
		case helpcenter.VisOrganization:
			in.SegmentID = &f.org
		}
		a, err := f.svc.CreateArticle(as(f.admin), in)
		if err != nil {
			t.Fatalf("%s: %v", vis, err)
		}
		if _, err := f.svc.SaveTranslation(as(f.admin), helpcenter.KindArticle, a.ID, helpcenter.TranslationInput{Locale: "pl",
			Title: ptr("Jak zresetować hasło " + string(vis)), Body: ptr("Otwórz ustawienia i zmień hasło (" + string(vis) + ").")}); err != nil {
			t.Fatal(err)
		}
		f.byVis[vis] = a.ID
	}
	return f
}

func code(err error) string { return desk.ErrorCode(err) }

// TestVisibilityMatrix: every segment × every principal × list, show,
// search, suggestions, translations, votes, incremental export and the
// sitemap agree with one rule.
func TestVisibilityMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		all := []helpcenter.Visibility{helpcenter.VisEveryone, helpcenter.VisSignedIn, helpcenter.VisAgents, helpcenter.VisGroup, helpcenter.VisOrganization}
		cases := []struct {
			name string
			p    *desk.Principal
			sees []helpcenter.Visibility
		}{
			{"anonymous", nil, []helpcenter.Visibility{helpcenter.VisEveryone}},
			{"end-user", f.user, []helpcenter.Visibility{helpcenter.VisEveryone, helpcenter.VisSignedIn}},
			{"org member", f.orgUser, []helpcenter.Visibility{helpcenter.VisEveryone, helpcenter.VisSignedIn, helpcenter.VisOrganization}},
			{"agent", f.agent, []helpcenter.Visibility{helpcenter.VisEveryone, helpcenter.VisSignedIn, helpcenter.VisAgents, helpcenter.VisOrganization}},
			{"group agent", f.groupAgent, all},
			{"help-center manager", f.hcAgent, all},
			{"admin", f.admin, all},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx := as(c.p)
				var want []int64
				for _, v := range c.sees {
					want = append(want, f.byVis[v])
				}
				slices.Sort(want)
				for _, loc := range []string{"en", "pl"} {
					list, total, err := f.svc.Articles(ctx, helpcenter.ArticleFilter{Locale: loc})
					if err != nil {
						t.Fatal(err)
					}
					if got := articleIDs(list); !slices.Equal(got, want) || total != len(want) {
						t.Errorf("list %s = %v (count %d), want %v", loc, got, total, want)
					}
					query := map[string]string{"en": "password", "pl": "haslo"}[loc]
					res, n, err := f.svc.Search(ctx, loc, query, 1, 100)
					if err != nil {
						t.Fatal(err)
					}
					var got []int64
					for _, r := range res {
						got = append(got, r.ID)
						if r.Locale != loc {
							t.Errorf("search %s returned a %s translation", loc, r.Locale)
						}
					}
					slices.Sort(got)
					if !slices.Equal(got, want) || n != len(want) {
						t.Errorf("search %s %q = %v (count %d), want %v", loc, query, got, n, want)
					}
					sug, err := f.svc.Suggest(ctx, loc, query, 10)
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range sug {
						if !slices.Contains(want, r.ID) {
							t.Errorf("suggestion %d leaked to %s", r.ID, c.name)
						}
					}
				}
				exp, _, err := f.svc.Incremental(ctx, 0, "en")
				if err != nil {
					t.Fatal(err)
				}
				if got := articleIDs(exp); !slices.Equal(got, want) {
					t.Errorf("incremental = %v, want %v", got, want)
				}
				for _, v := range all {
					id := f.byVis[v]
					visible := slices.Contains(c.sees, v)
					_, err := f.svc.Article(ctx, id, "pl")
					if visible && err != nil || !visible && code(err) != desk.ENOTFOUND {
						t.Errorf("show %s: err %v, visible %v", v, err, visible)
					}
					_, err = f.svc.Translations(ctx, helpcenter.KindArticle, id)
					if visible && err != nil || !visible && code(err) != desk.ENOTFOUND {
						t.Errorf("translations %s: err %v, visible %v", v, err, visible)
					}
					_, err = f.svc.Vote(ctx, id, "en", helpcenter.VoteUp, "visitor-"+c.name)
					if visible && err != nil || !visible && code(err) != desk.ENOTFOUND {
						t.Errorf("vote %s: err %v, visible %v", v, err, visible)
					}
					err = f.svc.Deflect(ctx, id, "password")
					if visible && err != nil || !visible && code(err) != desk.ENOTFOUND {
						t.Errorf("deflect %s: err %v, visible %v", v, err, visible)
					}
					_, mine, err := f.svc.MyVote(ctx, id, "visitor-"+c.name)
					if visible && (err != nil || !mine) || !visible && code(err) != desk.ENOTFOUND {
						t.Errorf("own vote %s: %v %v, visible %v", v, mine, err, visible)
					}
					err = f.svc.Unvote(ctx, id, "visitor-"+c.name)
					if visible && err != nil || !visible && code(err) != desk.ENOTFOUND {
						t.Errorf("withdraw vote %s: err %v, visible %v", v, err, visible)
					}
					// A manager's vote on the article is shown (to staff)
					// only where the article may be read.
					mgr, err := f.svc.Vote(as(f.admin), id, "en", helpcenter.VoteUp, "")
					if err != nil {
						t.Fatal(err)
					}
					votes, _ := f.svc.ArticleVotes(as(f.admin), mgr.ID)
					if len(votes) == 0 {
						t.Fatalf("no manager vote on %s", v)
					}
					_, err = f.svc.GetVote(ctx, votes[0].ID)
					staffSees := c.p != nil && c.p.IsStaff() && visible
					if staffSees && err != nil || !staffSees && code(err) != desk.ENOTFOUND {
						t.Errorf("manager's vote on %s: err %v, staff reader %v", v, err, staffSees)
					}
				}
			})
		}
		// The sitemap is the public set, whoever asks.
		for _, p := range []*desk.Principal{nil, f.admin, f.groupAgent} {
			sm, err := f.svc.Sitemap(as(p))
			if err != nil {
				t.Fatal(err)
			}
			if len(sm) != 2 || sm[0].ArticleID != f.byVis[helpcenter.VisEveryone] || sm[1].ArticleID != f.byVis[helpcenter.VisEveryone] {
				t.Errorf("sitemap = %+v, want the public article in en and pl", sm)
			}
		}
	})
}

func articleIDs(as []helpcenter.Article) []int64 {
	var out []int64
	for _, a := range as {
		out = append(out, a.ID)
	}
	slices.Sort(out)
	return out
}

// TestEditingNeedsManageHelpCenter: only holders of manage_help_center
// (and not through a read-only token) change the help center.
func TestEditingNeedsManageHelpCenter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ro := *f.hcAgent
		ro.ReadOnly = true
		for _, p := range []*desk.Principal{nil, f.user, f.agent, f.groupAgent, &ro} {
			_, err := f.svc.CreateArticle(as(p), helpcenter.ArticleInput{SectionID: &f.section, Title: ptr("x")})
			if c := code(err); c != desk.EFORBIDDEN && c != desk.EUNAUTHORIZED {
				t.Errorf("create by %+v: %v", p, err)
			}
			_, err = f.svc.UpdateArticle(as(p), f.byVis[helpcenter.VisEveryone], helpcenter.ArticleInput{Title: ptr("changed")})
			if c := code(err); c != desk.EFORBIDDEN && c != desk.EUNAUTHORIZED {
				t.Errorf("update by %+v: %v", p, err)
			}
			if err := f.svc.DeleteCategory(as(p), f.catID); code(err) != desk.EFORBIDDEN && code(err) != desk.EUNAUTHORIZED {
				t.Errorf("delete category by %+v: %v", p, err)
			}
		}
		a, err := f.svc.Article(context.Background(), f.byVis[helpcenter.VisEveryone], "en")
		if err != nil || a.Title != "Reset your password everyone" {
			t.Fatalf("article changed by a refused caller: %+v %v", a, err)
		}
		if _, err := f.svc.CreateArticle(as(f.hcAgent), helpcenter.ArticleInput{SectionID: &f.section, Title: ptr("By the writer")}); err != nil {
			t.Errorf("manage_help_center agent: %v", err)
		}
	})
}

// TestTranslationsFallbackOutdatedRevisions covers the life of a
// translation: fallback to the source, drafts unseen by readers, the
// outdated flag, revisions and restore.
func TestTranslationsFallbackOutdatedRevisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := as(f.admin)
		a, err := f.svc.CreateArticle(ctx, helpcenter.ArticleInput{SectionID: &f.section, Locale: "en", Title: ptr("Two-factor sign-in"), Body: ptr("Use an app.")})
		if err != nil {
			t.Fatal(err)
		}
		// No Polish translation: a Polish reader gets the English source.
		got, err := f.svc.Article(context.Background(), a.ID, "pl")
		if err != nil || got.Locale != "en" || got.Title != "Two-factor sign-in" {
			t.Fatalf("fallback: %+v %v", got, err)
		}
		// A Polish draft is not shown to readers, only to managers.
		if _, err := f.svc.SaveTranslation(ctx, helpcenter.KindArticle, a.ID, helpcenter.TranslationInput{Locale: "pl", Title: ptr("Logowanie dwuetapowe"), Body: ptr("Użyj aplikacji."), Draft: true}); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Article(context.Background(), a.ID, "pl"); got.Locale != "en" {
			t.Errorf("a draft translation reached a reader: %+v", got)
		}
		if res, _, _ := f.svc.Search(context.Background(), "pl", "aplikacji", 1, 10); len(res) != 0 {
			t.Errorf("a draft translation is searchable: %+v", res)
		}
		if got, _ := f.svc.Article(ctx, a.ID, "pl"); got.Locale != "pl" || !got.Draft {
			t.Errorf("manager should see the draft: %+v", got)
		}
		// Publish it.
		if _, err := f.svc.SaveTranslation(ctx, helpcenter.KindArticle, a.ID, helpcenter.TranslationInput{Locale: "pl"}); err != nil {
			t.Fatal(err)
		}
		pl, err := f.svc.Article(context.Background(), a.ID, "pl")
		if err != nil || pl.Locale != "pl" || pl.Title != "Logowanie dwuetapowe" || pl.Outdated || !slices.Equal(pl.Locales, []string{"en", "pl"}) {
			t.Fatalf("published pl: %+v %v", pl, err)
		}
		// Changing the source flags the translation outdated; republishing it clears the flag.
		if _, err := f.svc.UpdateArticle(ctx, a.ID, helpcenter.ArticleInput{Body: ptr("Use an authenticator app.")}); err != nil {
			t.Fatal(err)
		}
		if pl, _ = f.svc.Article(context.Background(), a.ID, "pl"); !pl.Outdated {
			t.Errorf("pl should be outdated after the source changed")
		}
		if en, _ := f.svc.Article(context.Background(), a.ID, "en"); en.Outdated {
			t.Errorf("the source itself is never outdated")
		}
		// Saving the source unchanged flags nothing.
		if _, err := f.svc.SaveTranslation(ctx, helpcenter.KindArticle, a.ID, helpcenter.TranslationInput{Locale: "pl", Body: ptr("Użyj aplikacji uwierzytelniającej.")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UpdateArticle(ctx, a.ID, helpcenter.ArticleInput{Body: ptr("Use an authenticator app.")}); err != nil {
			t.Fatal(err)
		}
		if pl, _ = f.svc.Article(context.Background(), a.ID, "pl"); pl.Outdated {
			t.Errorf("an unchanged source save marked pl outdated")
		}
		// Revisions: newest first; restore brings back the first body.
		revs, err := f.svc.Revisions(ctx, helpcenter.KindArticle, a.ID, "en")
		if err != nil || len(revs) != 2 || revs[1].Body != "Use an app." {
			t.Fatalf("revisions: %+v %v", revs, err)
		}
		if _, err := f.svc.Revisions(as(f.agent), helpcenter.KindArticle, a.ID, "en"); code(err) != desk.EFORBIDDEN {
			t.Errorf("agent reads revisions: %v", err)
		}
		if _, err := f.svc.RestoreRevision(ctx, helpcenter.KindArticle, a.ID, revs[1].ID); err != nil {
			t.Fatal(err)
		}
		en, _ := f.svc.Article(context.Background(), a.ID, "en")
		if !strings.Contains(en.Body, "Use an app.") {
			t.Errorf("restore: body %q", en.Body)
		}
		if revs, _ = f.svc.Revisions(ctx, helpcenter.KindArticle, a.ID, "en"); len(revs) != 3 {
			t.Errorf("restore should add a revision, have %d", len(revs))
		}
		if _, err := f.svc.RestoreRevision(ctx, helpcenter.KindArticle, a.ID+1000, revs[0].ID); code(err) != desk.ENOTFOUND {
			t.Errorf("restore onto another article: %v", err)
		}
		// Categories and sections fall back too.
		cats, err := f.svc.Categories(context.Background(), "pl")
		if err != nil || len(cats) != 1 || cats[0].Locale != "en" {
			t.Fatalf("category fallback: %+v %v", cats, err)
		}
		if _, err := f.svc.SaveTranslation(ctx, helpcenter.KindCategory, f.catID, helpcenter.TranslationInput{Locale: "pl", Title: ptr("Konta")}); err != nil {
			t.Fatal(err)
		}
		if cats, _ = f.svc.Categories(context.Background(), "pl"); cats[0].Name != "Konta" {
			t.Errorf("category pl: %+v", cats)
		}
		// The source translation cannot be deleted; another can.
		if err := f.svc.DeleteTranslation(ctx, helpcenter.KindArticle, a.ID, "en"); code(err) != desk.EINVALID {
			t.Errorf("delete source: %v", err)
		}
		if err := f.svc.DeleteTranslation(ctx, helpcenter.KindArticle, a.ID, "pl"); err != nil {
			t.Fatal(err)
		}
		if res, _, _ := f.svc.Search(context.Background(), "pl", "uwierzytelniajacej", 1, 10); len(res) != 0 {
			t.Errorf("deleted translation still found: %+v", res)
		}
	})
}

// TestSearchFoldingRankingSnippets: diacritics fold, title hits rank
// first, snippets escape the text around <em>.
func TestSearchFoldingRankingSnippets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := as(f.admin)
		body, err := f.svc.CreateArticle(ctx, helpcenter.ArticleInput{SectionID: &f.section, Locale: "pl", Title: ptr("Faktury"),
			Body: ptr("Jeśli zapomnisz hasła, <script>alert(1)</script> kliknij <b>Nie pamiętam hasła</b> & gotowe.")})
		if err != nil {
			t.Fatal(err)
		}
		res, n, err := f.svc.Search(context.Background(), "pl", "HASLA", 1, 10)
		if err != nil || n != 1 || res[0].ID != body.ID {
			t.Fatalf("folded search: %+v %d %v", res, n, err)
		}
		sn := res[0].SnippetHTML
		if !strings.Contains(sn, "<em>hasła</em>") || strings.Contains(sn, "<script") || strings.Contains(sn, "<b>") || !strings.Contains(sn, "&amp; gotowe") {
			t.Errorf("snippet %q", sn)
		}
		if strings.Contains(res[0].Body, "<script") {
			t.Errorf("body not sanitised: %q", res[0].Body)
		}
		// "haslo" hits the titles of the public article and this body only for the stem "hasła"? No: words must match; prefix on the last word.
		res, _, err = f.svc.Search(context.Background(), "pl", "zresetowac has", 1, 10)
		if err != nil || len(res) != 1 || res[0].ID != f.byVis[helpcenter.VisEveryone] {
			t.Fatalf("prefix search: %+v %v", res, err)
		}
		// Ranking: a title match outranks a body-only match.
		title, err := f.svc.CreateArticle(ctx, helpcenter.ArticleInput{SectionID: &f.section, Locale: "en", Title: ptr("Invoices and receipts"), Body: ptr("Download them.")})
		if err != nil {
			t.Fatal(err)
		}
		bodyOnly, err := f.svc.CreateArticle(ctx, helpcenter.ArticleInput{SectionID: &f.section, Locale: "en", Title: ptr("Billing"),
			Body: ptr("Long text about many things. " + strings.Repeat("Lorem ipsum dolor sit amet. ", 30) + "Invoices are mailed.")})
		if err != nil {
			t.Fatal(err)
		}
		res, _, err = f.svc.Search(context.Background(), "en", "invoices", 1, 10)
		if err != nil || len(res) != 2 || res[0].ID != title.ID || res[1].ID != bodyOnly.ID {
			t.Fatalf("ranking: %+v %v", res, err)
		}
		if !strings.HasPrefix(res[1].SnippetHTML, "…") || !strings.Contains(res[1].SnippetHTML, "<em>Invoices</em>") {
			t.Errorf("long snippet %q", res[1].SnippetHTML)
		}
		// Hostile query text is just words.
		for _, q := range []string{`" OR 1=1 --`, `title:* NEAR(a b)`, `'; DROP TABLE hc_articles; --`, "\x00\xff", `hasło*"`} {
			if _, _, err := f.svc.Search(context.Background(), "pl", q, 1, 10); err != nil {
				t.Errorf("query %q: %v", q, err)
			}
		}
		if _, _, err := f.svc.Search(context.Background(), "../etc", "x", 1, 10); err != nil {
			t.Errorf("bad locale: %v", err)
		}
	})
}

// TestArticleValidationAndVotes: bad input changes nothing; one vote per
// visitor; deflections are counted.
func TestArticleValidationAndVotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := as(f.admin)
		bad := []helpcenter.ArticleInput{
			{SectionID: &f.section},
			{SectionID: ptr(int64(99999)), Title: ptr("x")},
			{SectionID: &f.section, Title: ptr("x"), Locale: "../../etc"},
			{SectionID: &f.section, Title: ptr("x"), Visibility: ptr(helpcenter.Visibility("secret"))},
			{SectionID: &f.section, Title: ptr("x"), Visibility: ptr(helpcenter.VisGroup)},
			{SectionID: &f.section, Title: ptr("x"), Visibility: ptr(helpcenter.VisOrganization), SegmentID: ptr(int64(424242))},
			{SectionID: &f.section, Title: ptr("x"), Labels: &[]string{"<img src=x>"}},
			{SectionID: &f.section, Title: ptr(strings.Repeat("x", helpcenter.MaxTitle+1))},
			{SectionID: &f.section, Title: ptr("bad \xff utf8")},
		}
		before, n0, _ := f.svc.Articles(ctx, helpcenter.ArticleFilter{})
		for i, in := range bad {
			if _, err := f.svc.CreateArticle(ctx, in); code(err) != desk.EINVALID {
				t.Errorf("bad input %d: %v", i, err)
			}
		}
		if _, n1, _ := f.svc.Articles(ctx, helpcenter.ArticleFilter{}); n1 != n0 {
			t.Errorf("bad input created articles: %d → %d", n0, n1)
		}
		id := before[0].ID
		for _, v := range []helpcenter.VoteValue{helpcenter.VoteUp, helpcenter.VoteUp, helpcenter.VoteDown} {
			if _, err := f.svc.Vote(as(f.user), id, "en", v, ""); err != nil {
				t.Fatal(err)
			}
		}
		a, err := f.svc.Vote(context.Background(), id, "en", helpcenter.VoteUp, "cookie-1")
		if err != nil {
			t.Fatal(err)
		}
		if a.VoteCount != 2 || a.VoteSum != 0 {
			t.Errorf("votes: count %d sum %d, want 2 and 0", a.VoteCount, a.VoteSum)
		}
		if _, err := f.svc.Vote(context.Background(), id, "en", helpcenter.VoteUp, ""); code(err) != desk.EUNAUTHORIZED {
			t.Errorf("anonymous vote without a key: %v", err)
		}
		if _, err := f.svc.Vote(as(f.user), id, "en", 5, ""); code(err) != desk.EINVALID {
			t.Errorf("vote 5: %v", err)
		}
		for range 2 {
			if err := f.svc.Deflect(context.Background(), id, "password reset"); err != nil {
				t.Fatal(err)
			}
		}
		counts, err := f.svc.Deflections(ctx)
		if err != nil || counts[id] != 2 {
			t.Errorf("deflections: %v %v", counts, err)
		}
		if _, err := f.svc.Deflections(as(f.agent)); code(err) != desk.EFORBIDDEN {
			t.Errorf("agent reads deflections: %v", err)
		}
		// Deleting the category removes everything under it.
		if err := f.svc.DeleteCategory(ctx, f.catID); err != nil {
			t.Fatal(err)
		}
		if _, n, _ := f.svc.Articles(ctx, helpcenter.ArticleFilter{}); n != 0 {
			t.Errorf("%d articles left after deleting their category", n)
		}
		if res, _, _ := f.svc.Search(ctx, "pl", "haslo", 1, 10); len(res) != 0 {
			t.Errorf("search finds deleted articles: %+v", res)
		}
	})
}

func TestSlugAndTOC(t *testing.T) {
	if s := helpcenter.Slug("Jak zresetować hasło?"); s != "jak-zresetowac-haslo" {
		t.Errorf("slug %q", s)
	}
	if s := helpcenter.Slug("../../<script>"); s != "script" {
		t.Errorf("slug %q", s)
	}
	html := helpcenter.RenderMarkdown("# Title\n\n## First <b>step</b>\n\ntext\n\n### Detail\n\n<script>alert(1)</script><a href=\"javascript:x()\">x</a>")
	if strings.Contains(html, "<script") || strings.Contains(html, "javascript:") {
		t.Errorf("unsafe html: %s", html)
	}
	toc := helpcenter.TableOfContents(html)
	if len(toc) != 2 || toc[0].Level != 2 || toc[0].Text != "First step" || toc[1].Level != 3 || toc[1].ID == "" {
		t.Errorf("toc %+v from %s", toc, html)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"haslo", `" OR 1=1`, "zażółć gęślą jaźń", "a*b:c^d", strings.Repeat("x", 300), "\xff\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := helpcenter.ParseQuery(s)
		if len(q.Words) > helpcenter.MaxQueryWord {
			t.Fatalf("%d words", len(q.Words))
		}
		for _, w := range q.Words {
			if w == "" || strings.ContainsAny(w, "\"'*:()&|!\\ \x00") || len(w) > 64 {
				t.Fatalf("word %q from %q", w, s)
			}
		}
		sn := helpcenter.Snippet(s, q, 40)
		if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(sn, "<em>", ""), "</em>", ""), "<") {
			t.Fatalf("unescaped snippet %q from %q", sn, s)
		}
	})
}

var _ = fmt.Sprintf

// TestSearchDocsFollowWrites: a search finds a translation in its own
// locale only, a deleted translation or article leaves no search document
// behind (on SQLite, none of its locale rows either), and every write
// moves the generation page caches key on while reads do not.
func TestSearchDocsFollowWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := as(f.admin)
		docs := func() int {
			var n int
			q := `SELECT COUNT(*) FROM hc_article_search`
			if db.Dialect == store.SQLite {
				q = `SELECT (SELECT COUNT(*) FROM hc_article_search) + (SELECT COUNT(*) FROM hc_article_docs)`
			}
			if err := db.QueryRow(context.Background(), q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := docs()
		g0 := f.svc.Generation()
		a, err := f.svc.CreateArticle(ctx, helpcenter.ArticleInput{SectionID: &f.section, Locale: "en", Title: ptr("Quokka care"), Body: ptr("Feed the quokka.")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveTranslation(ctx, helpcenter.KindArticle, a.ID, helpcenter.TranslationInput{Locale: "pl", Title: ptr("Opieka nad quokką"), Body: ptr("Nakarm quokkę.")}); err != nil {
			t.Fatal(err)
		}
		g1 := f.svc.Generation()
		if g1 <= g0 {
			t.Errorf("writes did not move the generation: %d → %d", g0, g1)
		}
		for loc, title := range map[string]string{"en": "Quokka care", "pl": "Opieka nad quokką"} {
			res, n, err := f.svc.Search(context.Background(), loc, "quokk", 1, 10)
			if err != nil || n != 1 || len(res) != 1 || res[0].Title != title {
				t.Errorf("%s search: %+v %d %v", loc, res, n, err)
			}
		}
		if f.svc.Generation() != g1 {
			t.Errorf("reads moved the generation")
		}
		if err := f.svc.DeleteTranslation(ctx, helpcenter.KindArticle, a.ID, "pl"); err != nil {
			t.Fatal(err)
		}
		if _, n, _ := f.svc.Search(context.Background(), "pl", "quokk", 1, 10); n != 0 {
			t.Errorf("deleted translation still found: %d", n)
		}
		if err := f.svc.DeleteArticle(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if n := docs(); n != before {
			t.Errorf("search documents after deleting: %d, want %d", n, before)
		}
	})
}

// TestVoteWithdrawal: a vote is withdrawn by its voter or an agent, never
// by another customer or anonymously; read-only tokens change nothing.
func TestVoteWithdrawal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.byVis[helpcenter.VisEveryone]
		vote := func(p *desk.Principal) int64 {
			if _, err := f.svc.Vote(as(p), id, "en", helpcenter.VoteDown, ""); err != nil {
				t.Fatal(err)
			}
			x, ok, err := f.svc.MyVote(as(p), id, "")
			if err != nil || !ok || x.Value != helpcenter.VoteDown || x.UserID != p.UserID {
				t.Fatalf("own vote %+v %v %v", x, ok, err)
			}
			return x.ID
		}
		uv := vote(f.user)
		for _, c := range []struct {
			p    *desk.Principal
			want string
		}{{nil, desk.ENOTFOUND}, {f.orgUser, desk.ENOTFOUND}} {
			if err := f.svc.DeleteVote(as(c.p), uv); code(err) != c.want {
				t.Errorf("delete by %v: %v", c.p, err)
			}
		}
		ro := *f.user
		ro.ReadOnly = true
		if err := f.svc.DeleteVote(as(&ro), uv); code(err) != desk.EFORBIDDEN {
			t.Errorf("read-only token deletes a vote: %v", err)
		}
		if _, err := f.svc.UserVotes(as(f.orgUser), f.user.UserID); code(err) != desk.EFORBIDDEN {
			t.Errorf("another customer lists the votes: %v", err)
		}
		if err := f.svc.DeleteVote(as(f.user), uv); err != nil {
			t.Errorf("the voter withdraws: %v", err)
		}
		if err := f.svc.DeleteVote(as(f.user), uv); code(err) != desk.ENOTFOUND {
			t.Errorf("withdrawn twice: %v", err)
		}
		av := vote(f.orgUser)
		if err := f.svc.DeleteVote(as(f.agent), av); err != nil {
			t.Errorf("an agent removes a vote: %v", err)
		}
		if a, _ := f.svc.Article(as(f.admin), id, "en"); a.VoteCount != 0 {
			t.Errorf("votes left: %d", a.VoteCount)
		}
		if err := f.svc.Unvote(context.Background(), id, ""); code(err) != desk.EUNAUTHORIZED {
			t.Errorf("anonymous withdrawal without a visitor key: %v", err)
		}
		if _, err := f.svc.Vote(context.Background(), id, "en", helpcenter.VoteUp, "cookie"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Unvote(context.Background(), id, "other-cookie"); err != nil {
			t.Fatal(err)
		}
		if a, _ := f.svc.Article(as(f.admin), id, "en"); a.VoteCount != 1 {
			t.Errorf("another visitor's withdrawal removed a vote: %d", a.VoteCount)
		}
		if err := f.svc.Unvote(context.Background(), id, "cookie"); err != nil {
			t.Fatal(err)
		}
		if a, _ := f.svc.Article(as(f.admin), id, "en"); a.VoteCount != 0 {
			t.Errorf("the visitor's withdrawal left the vote: %d", a.VoteCount)
		}
	})
}

// TestNormalizeLocale: Zendesk's regional forms map to the catalogue
// locale; nothing but a strict language[-region] form is looked at.
func TestNormalizeLocale(t *testing.T) {
	s := &helpcenter.Service{Locales: []string{"en", "pl"}}
	for in, want := range map[string]string{"en": "en", "pl": "pl", "PL": "pl", "en-us": "en", "en-US": "en", "pl_PL": "pl", "pl-pl": "pl",
		"zh-hant": "", "de": "", "de-de": "", "": "", "en-": "", "en-../../x": "", "en-us-x": "", "e": "", "en/us": "", "en-u": "",
		"pl-\u0142\u0142": "", "en\x00": "", "<en>": "", "pl-123456789": ""} {
		if got := s.NormalizeLocale(in); got != want {
			t.Errorf("NormalizeLocale(%q) = %q, want %q", in, got, want)
		}
	}
}
