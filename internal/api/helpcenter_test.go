package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/oauth"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// The help-center rows of the permission matrix: every signed-in caller
// reads published content anyone may see; only holders of
// manage_help_center (admins here) write.
func init() { matrix = append(matrix, hcMatrix()...) }

func hcPtr[T any](v T) *T { return &v }

// hcFresh makes a category, a section and a published public article
// (with a Polish translation when pl) and returns their ids.
func hcFresh(t *testing.T, m *mx, pl bool) (cat, sec, art int64) {
	hc := m.a.srv.HelpCenter
	c, err := hc.CreateCategory(m.sys, helpcenter.GroupInput{Name: hcPtr("Cat " + m.uniq(""))})
	if err != nil {
		t.Fatal(err)
	}
	s, err := hc.CreateSection(m.sys, helpcenter.GroupInput{Name: hcPtr("Sec"), CategoryID: &c.ID})
	if err != nil {
		t.Fatal(err)
	}
	a, err := hc.CreateArticle(m.sys, helpcenter.ArticleInput{SectionID: &s.ID, Title: hcPtr("Reset password"), Body: hcPtr("How to reset.")})
	if err != nil {
		t.Fatal(err)
	}
	if pl {
		if _, err := hc.SaveTranslation(m.sys, helpcenter.KindArticle, a.ID, helpcenter.TranslationInput{Locale: "pl", Title: hcPtr("Hasło")}); err != nil {
			t.Fatal(err)
		}
	}
	return c.ID, s.ID, a.ID
}

// hcFreshGroups makes a category and a section, each with a Polish
// translation beside its English source.
func hcFreshGroups(t *testing.T, m *mx) (cat, sec int64) {
	hc := m.a.srv.HelpCenter
	c, _, _ := hcFresh(t, m, false)
	ss, err := hc.Sections(m.sys, "en", c)
	if err != nil || len(ss) != 1 {
		t.Fatalf("sections %v %v", ss, err)
	}
	for _, it := range []struct {
		kind helpcenter.Kind
		id   int64
	}{{helpcenter.KindCategory, c}, {helpcenter.KindSection, ss[0].ID}} {
		if _, err := hc.SaveTranslation(m.sys, it.kind, it.id, helpcenter.TranslationInput{Locale: "pl", Title: hcPtr("Polski"), Body: hcPtr("Opis")}); err != nil {
			t.Fatal(err)
		}
	}
	return c, ss[0].ID
}

// hcEndUserVote is a fresh vote of the end-user on a public article.
func hcEndUserVote(t *testing.T, m *mx) int64 {
	_, _, art := hcFresh(t, m, false)
	code, body := m.a.do(t, m.a.EndUser, "POST", fmt.Sprintf("/api/v2/help_center/articles/%d/up.json", art), nil)
	if code != 200 {
		t.Fatalf("vote: %d %v", code, body)
	}
	return int64(body["vote"].(map[string]any)["id"].(float64))
}

var (
	hcCatPL  = fresh(func(m *mx, t *testing.T) int64 { c, _ := hcFreshGroups(t, m); return c })
	hcSecPL  = fresh(func(m *mx, t *testing.T) int64 { _, s := hcFreshGroups(t, m); return s })
	hcVoteID = fresh(func(m *mx, t *testing.T) int64 { return hcEndUserVote(t, m) })
	hcPLTrID = fresh(func(m *mx, t *testing.T) int64 {
		_, _, a := hcFresh(t, m, true)
		tr, err := m.a.srv.HelpCenter.Translation(m.sys, helpcenter.KindArticle, a, "pl")
		if err != nil {
			t.Fatal(err)
		}
		return tr.ID
	})
	hcAttID = fresh(func(m *mx, t *testing.T) int64 {
		_, _, art := hcFresh(t, m, false)
		a, err := m.a.srv.HelpCenter.AddAttachment(m.sys, art, "note.txt", false, strings.NewReader("a note"))
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	})
	endUserSelf = shared(func(m *mx) int64 { return m.a.EndUser.ID })
)

// Votes: a vote is its voter's; agents moderate them. The suspended agent
// fails authentication.
const hcVoteOwnerOrAgent = "204 204 204 204 204 204 204 401 204"

var (
	hcCat   = fresh(func(m *mx, t *testing.T) int64 { c, _, _ := hcFresh(t, m, false); return c })
	hcSec   = fresh(func(m *mx, t *testing.T) int64 { _, s, _ := hcFresh(t, m, false); return s })
	hcArt   = fresh(func(m *mx, t *testing.T) int64 { _, _, a := hcFresh(t, m, false); return a })
	hcArtPL = fresh(func(m *mx, t *testing.T) int64 { _, _, a := hcFresh(t, m, true); return a })
)

func hcMatrix() []mcase {
	const b = "/api/v2/help_center"
	rows := []mcase{
		{route: "GET " + b + "/locales", want: allOK, req: path(b + "/locales")},
		{route: "PUT " + b + "/categories/{id}", note: "manage_help_center", want: adminOnly, req: idPath(b+"/categories/%d", hcCat, map[string]any{"category": map[string]any{"name": "Renamed"}})},
		{route: "DELETE " + b + "/categories/{id}", note: "manage_help_center", want: adminDelete, req: idPath(b+"/categories/%d", hcCat, nil)},
		{route: "PUT " + b + "/sections/{id}", note: "manage_help_center", want: adminOnly, req: idPath(b+"/sections/%d", hcSec, map[string]any{"section": map[string]any{"name": "Renamed"}})},
		{route: "DELETE " + b + "/sections/{id}", note: "manage_help_center", want: adminDelete, req: idPath(b+"/sections/%d", hcSec, nil)},
		{route: "PUT " + b + "/articles/{id}", note: "manage_help_center", want: adminOnly, req: idPath(b+"/articles/%d", hcArt, map[string]any{"article": map[string]any{"title": "Renamed"}})},
		{route: "DELETE " + b + "/articles/{id}", note: "manage_help_center", want: adminDelete, req: idPath(b+"/articles/%d", hcArt, nil)},
		{route: "GET " + b + "/articles/{id}/votes", want: allOK, req: idPath(b+"/articles/%d/votes", hcArt, nil)},
		{route: "GET " + b + "/users/{id}/votes", note: "own votes; staff any", want: allOK, req: idPath(b+"/users/%d/votes", endUserSelf, nil)},
		{route: "GET " + b + "/votes/{id}", note: "the voter or staff", want: allOK, req: idPath(b+"/votes/%d", hcVoteID, nil)},
		{route: "DELETE " + b + "/votes/{id}", note: "the voter or an agent", want: hcVoteOwnerOrAgent, req: idPath(b+"/votes/%d", hcVoteID, nil)},
		{route: "DELETE " + b + "/translations/{id}", note: "manage_help_center", want: adminDelete, req: idPath(b+"/translations/%d", hcPLTrID, nil)},
		{route: "GET " + b + "/articles/{id}/translations/missing", want: allOK, req: idPath(b+"/articles/%d/translations/missing", hcArt, nil)},
		{route: "GET " + b + "/articles/{id}/translations", want: allOK, req: idPath(b+"/articles/%d/translations", hcArtPL, nil)},
		{route: "GET " + b + "/articles/{id}/translations/{tl}", want: allOK, req: idPath(b+"/articles/%d/translations/pl", hcArtPL, nil)},
		{route: "POST " + b + "/articles/{id}/translations", note: "manage_help_center", want: adminCreate, req: idPath(b+"/articles/%d/translations", hcArt,
			map[string]any{"translation": map[string]any{"locale": "pl", "title": "Tytuł", "body": "Treść"}})},
		{route: "PUT " + b + "/articles/{id}/translations/{tl}", note: "manage_help_center", want: adminOnly, req: idPath(b+"/articles/%d/translations/pl", hcArtPL,
			map[string]any{"translation": map[string]any{"title": "Nowy"}})},
		{route: "DELETE " + b + "/articles/{id}/translations/{tl}", note: "manage_help_center", want: adminDelete, req: idPath(b+"/articles/%d/translations/pl", hcArtPL, nil)},
		{route: "GET " + b + "/articles/search", want: allOK, req: path(b + "/articles/search?query=password")},
		{route: "POST " + b + "/articles/{id}/up", note: "any signed-in reader", want: allOK, req: idPath(b+"/articles/%d/up", hcArt, nil)},
		{route: "POST " + b + "/articles/{id}/down", note: "any signed-in reader", want: allOK, req: idPath(b+"/articles/%d/down", hcArt, nil)},
		{route: "GET " + b + "/incremental/articles", want: allOK, req: path(b + "/incremental/articles?start_time=0")},
	}
	rows = append(rows,
		mcase{route: "POST " + b + "/articles/{id}/attachments", note: "manage_help_center, checked before the body is read (the matrix sends JSON, so managers get 422)", want: "422 422 403 403 403 403 403 401 403",
			req: idPath(b+"/articles/%d/attachments", hcArt, map[string]any{})},
		mcase{route: "GET " + b + "/articles/{a}/{b}", note: "articles/{id}/attachments: whoever may read the article", want: allOK, req: idPath(b+"/articles/%d/attachments", hcArt, nil)},
		mcase{route: "GET " + b + "/articles/{a}/{b}", note: "articles/attachments/{id}: whoever may read the article", want: allOK, req: idPath(b+"/articles/attachments/%d", hcAttID, nil)},
		mcase{route: "DELETE " + b + "/articles/attachments/{id}", note: "manage_help_center", want: adminDelete, req: idPath(b+"/articles/attachments/%d", hcAttID, nil)},
	)
	for _, k := range []struct {
		path string
		id   func(*testing.T, *mx) int64
	}{{"categories", hcCatPL}, {"sections", hcSecPL}} {
		p := b + "/" + k.path + "/{id}/translations"
		f := b + "/" + k.path + "/%d/translations"
		rows = append(rows,
			mcase{route: "GET " + p, want: allOK, req: idPath(f, k.id, nil)},
			mcase{route: "GET " + p + "/missing", want: allOK, req: idPath(f+"/missing", k.id, nil)},
			mcase{route: "GET " + p + "/{tl}", want: allOK, req: idPath(f+"/pl", k.id, nil)},
			mcase{route: "POST " + p, note: "manage_help_center", want: adminCreate, req: idPath(f, map[string]func(*testing.T, *mx) int64{"categories": hcCat, "sections": hcSec}[k.path],
				map[string]any{"translation": map[string]any{"locale": "pl", "title": "Nazwa", "body": "Opis"}})},
			mcase{route: "PUT " + p + "/{tl}", note: "manage_help_center", want: adminOnly, req: idPath(f+"/pl", k.id, map[string]any{"translation": map[string]any{"title": "Nowa"}})},
			mcase{route: "DELETE " + p + "/{tl}", note: "manage_help_center", want: adminDelete, req: idPath(f+"/pl", k.id, nil)},
		)
	}
	for _, loc := range []string{"", "/en", "/pl"} {
		p := b + loc
		rows = append(rows,
			mcase{route: "GET " + p + "/categories", want: allOK, req: path(p + "/categories")},
			mcase{route: "GET " + p + "/categories/{id}", want: allOK, req: idPath(p+"/categories/%d", hcCat, nil)},
			mcase{route: "GET " + p + "/sections", want: allOK, req: path(p + "/sections")},
			mcase{route: "GET " + p + "/sections/{id}", want: allOK, req: idPath(p+"/sections/%d", hcSec, nil)},
			mcase{route: "GET " + p + "/categories/{id}/sections", want: allOK, req: idPath(p+"/categories/%d/sections", hcCat, nil)},
			mcase{route: "GET " + p + "/articles", want: allOK, req: path(p + "/articles")},
			mcase{route: "GET " + p + "/articles/{id}", want: allOK, req: idPath(p+"/articles/%d", hcArt, nil)},
			mcase{route: "GET " + p + "/sections/{id}/articles", want: allOK, req: idPath(p+"/sections/%d/articles", hcSec, nil)},
			mcase{route: "GET " + p + "/categories/{id}/articles", want: allOK, req: idPath(p+"/categories/%d/articles", hcCat, nil)},
			mcase{route: "POST " + p + "/categories", note: "manage_help_center", want: adminCreate, req: path(p + "/categories")},
			mcase{route: "POST " + p + "/categories/{id}/sections", note: "manage_help_center", want: adminCreate, req: idPath(p+"/categories/%d/sections", hcCat, nil)},
			mcase{route: "POST " + p + "/sections/{id}/articles", note: "manage_help_center", want: adminCreate, req: idPath(p+"/sections/%d/articles", hcSec, nil)},
		)
		n := len(rows)
		rows[n-3].req = func(_ *testing.T, _ *mx, _ string) (string, any) {
			return p + "/categories", map[string]any{"category": map[string]any{"name": "New"}}
		}
		rows[n-2].req = idPath(p+"/categories/%d/sections", hcCat, map[string]any{"section": map[string]any{"name": "New"}})
		rows[n-1].req = idPath(p+"/sections/%d/articles", hcSec, map[string]any{"article": map[string]any{"title": "New", "body": "<p>x</p>"}})
	}
	return rows
}

// TestHelpCenterAPI drives the Zendesk Help Center shapes: create,
// translate, list per locale, search, vote, export; restricted articles
// never reach those who may not read them; bad input is a clean 4xx.
func TestHelpCenterAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		admin, agent, user := a.Admin, a.Agent, a.EndUser
		code, body := a.do(t, admin, "POST", "/api/v2/help_center/categories.json", map[string]any{"category": map[string]any{"name": "Accounts", "locale": "en-us"}})
		if code != 201 {
			t.Fatalf("create category: %d %v", code, body)
		}
		cat := int64(body["category"].(map[string]any)["id"].(float64))
		code, body = a.do(t, admin, "POST", fmt.Sprintf("/api/v2/help_center/categories/%d/sections.json", cat), map[string]any{"section": map[string]any{"name": "Passwords"}})
		if code != 201 {
			t.Fatalf("create section: %d %v", code, body)
		}
		sec := int64(body["section"].(map[string]any)["id"].(float64))
		code, body = a.do(t, admin, "POST", fmt.Sprintf("/api/v2/help_center/en/sections/%d/articles.json", sec),
			map[string]any{"article": map[string]any{"title": "Reset your password", "body": "<h2>Steps</h2><script>alert(1)</script><p>Click reset.</p>", "label_names": []string{"password"}, "promoted": true}})
		if code != 201 {
			t.Fatalf("create article: %d %v", code, body)
		}
		art := body["article"].(map[string]any)
		id := int64(art["id"].(float64))
		if strings.Contains(art["body"].(string), "<script") || art["locale"] != "en" || art["draft"] != false || !strings.HasSuffix(art["html_url"].(string), fmt.Sprintf("/hc/en/articles/%d-reset-your-password", id)) {
			t.Errorf("article %v", art)
		}
		if code, body := a.do(t, admin, "POST", fmt.Sprintf("/api/v2/help_center/articles/%d/translations.json", id),
			map[string]any{"translation": map[string]any{"locale": "pl", "title": "Zresetuj hasło", "body": "Kliknij reset."}}); code != 201 {
			t.Fatalf("translation: %d %v", code, body)
		}
		code, body = a.do(t, admin, "POST", fmt.Sprintf("/api/v2/help_center/en/sections/%d/articles.json", sec),
			map[string]any{"article": map[string]any{"title": "Agents only password runbook", "body": "secret", "visibility": "agents"}})
		if code != 201 {
			t.Fatalf("restricted article: %d %v", code, body)
		}
		restricted := int64(body["article"].(map[string]any)["id"].(float64))

		// Per-locale reads.
		if code, body := a.do(t, user, "GET", fmt.Sprintf("/api/v2/help_center/pl/articles/%d.json", id), nil); code != 200 || body["article"].(map[string]any)["title"] != "Zresetuj hasło" {
			t.Errorf("pl article: %d %v", code, body)
		}
		if code, body := a.do(t, user, "GET", "/api/v2/help_center/en/articles.json", nil); code != 200 || body["count"].(float64) != 1 {
			t.Errorf("end-user list: %d %v", code, body)
		}
		if code, body := a.do(t, agent, "GET", "/api/v2/help_center/articles.json", nil); code != 200 || body["count"].(float64) != 2 {
			t.Errorf("agent list: %d %v", code, body)
		}
		if code, _ := a.do(t, user, "GET", fmt.Sprintf("/api/v2/help_center/articles/%d.json", restricted), nil); code != 404 {
			t.Errorf("restricted article for an end-user: %d", code)
		}
		// Search: folded, in the locale; restricted articles not counted.
		code, body = a.do(t, user, "GET", "/api/v2/help_center/articles/search.json?query=haslo&locale=pl", nil)
		if code != 200 || body["count"].(float64) != 1 || !strings.Contains(body["results"].([]any)[0].(map[string]any)["snippet"].(string), "") {
			t.Errorf("search pl: %d %v", code, body)
		}
		if code, body := a.do(t, user, "GET", "/api/v2/help_center/articles/search.json?query=password", nil); code != 200 || body["count"].(float64) != 1 {
			t.Errorf("end-user search: %d %v", code, body)
		}
		if code, body := a.do(t, agent, "GET", "/api/v2/help_center/articles/search.json?query=password", nil); code != 200 || body["count"].(float64) != 2 {
			t.Errorf("agent search: %d %v", code, body)
		}
		// Votes: one per user.
		for range 2 {
			a.do(t, user, "POST", fmt.Sprintf("/api/v2/help_center/articles/%d/up.json", id), nil)
		}
		if _, body := a.do(t, user, "GET", fmt.Sprintf("/api/v2/help_center/articles/%d.json", id), nil); body["article"].(map[string]any)["vote_count"].(float64) != 1 {
			t.Errorf("votes: %v", body)
		}
		// Incremental export.
		if code, body := a.do(t, user, "GET", "/api/v2/help_center/incremental/articles.json?start_time=0", nil); code != 200 || body["count"].(float64) != 1 {
			t.Errorf("incremental: %d %v", code, body)
		}
		// Bad input.
		for _, c := range []struct {
			method, path string
			body         any
			want         int
		}{
			{"GET", "/api/v2/help_center/incremental/articles.json?start_time=x", nil, 422},
			{"GET", "/api/v2/help_center/articles.json?locale=../../etc", nil, 404},
			{"GET", "/api/v2/help_center/articles.json?per_page=x", nil, 422},
			{"POST", fmt.Sprintf("/api/v2/help_center/sections/%d/articles.json", sec), map[string]any{"article": map[string]any{"title": ""}}, 422},
			{"POST", fmt.Sprintf("/api/v2/help_center/sections/%d/articles.json", sec), map[string]any{"article": map[string]any{"title": "x", "visibility": "nope"}}, 422},
			{"POST", "/api/v2/help_center/sections/999999/articles.json", map[string]any{"article": map[string]any{"title": "x"}}, 422},
			{"POST", fmt.Sprintf("/api/v2/help_center/sections/%d/articles.json", sec), "not json", 400},
			{"POST", fmt.Sprintf("/api/v2/help_center/articles/%d/translations.json", id), map[string]any{"translation": map[string]any{"locale": "pl", "title": "dup"}}, 422},
			{"PUT", fmt.Sprintf("/api/v2/help_center/articles/%d/translations/xx.json", id), map[string]any{"translation": map[string]any{"title": "x"}}, 404},
			{"DELETE", fmt.Sprintf("/api/v2/help_center/articles/%d/translations/en.json", id), nil, 422},
		} {
			if code, body := a.do(t, admin, c.method, c.path, c.body); code != c.want {
				t.Errorf("%s %s: %d, want %d (%v)", c.method, c.path, code, c.want, body)
			}
		}
		if code, _ := a.do(t, user, "GET", "/api/v2/help_center/locales.json", nil); code != http.StatusOK {
			t.Errorf("locales: %d", code)
		}
	})
}

// The Help Center API is Zendesk's "hc" OAuth resource (hc:read, hc:write).
func TestHelpCenterOAuthResource(t *testing.T) {
	for _, r := range []string{"GET /api/v2/help_center/articles/{id}", "POST /api/v2/help_center/pl/categories", "GET /api/v2/help_center/incremental/articles"} {
		if got := oauth.ResourceOf(r); got != "hc" {
			t.Errorf("ResourceOf(%q) = %q, want hc", r, got)
		}
	}
}

// TestHelpCenterAPIAnonymousLocalesVotes: the public reads answer without
// credentials and show only what everyone may read; regional locales
// ("en-us", "pl-pl") in paths and parameters name the catalogue locale,
// other forms are a 404; category and section translations have
// Zendesk's routes; a vote is withdrawn by its voter or an agent.
func TestHelpCenterAPIAnonymousLocalesVotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		admin, agent, user := a.Admin, a.Agent, a.EndUser
		var anon testUser
		hc := a.srv.HelpCenter
		sys := desk.SystemContext(t.Context())
		cat, err := hc.CreateCategory(sys, helpcenter.GroupInput{Name: hcPtr("Accounts")})
		if err != nil {
			t.Fatal(err)
		}
		sec, err := hc.CreateSection(sys, helpcenter.GroupInput{Name: hcPtr("Passwords"), CategoryID: &cat.ID})
		if err != nil {
			t.Fatal(err)
		}
		pub, err := hc.CreateArticle(sys, helpcenter.ArticleInput{SectionID: &sec.ID, Title: hcPtr("Reset your password"), Body: hcPtr("Click reset.")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hc.SaveTranslation(sys, helpcenter.KindArticle, pub.ID, helpcenter.TranslationInput{Locale: "pl", Title: hcPtr("Zresetuj hasło"), Body: hcPtr("Kliknij.")}); err != nil {
			t.Fatal(err)
		}
		for _, vis := range []helpcenter.Visibility{helpcenter.VisSignedIn, helpcenter.VisAgents} {
			if _, err := hc.CreateArticle(sys, helpcenter.ArticleInput{SectionID: &sec.ID, Title: hcPtr("Password runbook " + string(vis)), Body: hcPtr("secret"), Visibility: &vis}); err != nil {
				t.Fatal(err)
			}
		}
		restricted, _, err := hc.Articles(sys, helpcenter.ArticleFilter{Locale: "en", Label: ""})
		if err != nil || len(restricted) != 3 {
			t.Fatalf("articles %v %v", restricted, err)
		}
		const b = "/api/v2/help_center"

		// Anonymous reads: only the public article, anywhere.
		for _, c := range []struct {
			path, key string
			want      int
		}{
			{b + "/articles.json", "articles", 1},
			{b + "/en/articles.json", "articles", 1},
			{fmt.Sprintf(b+"/sections/%d/articles.json", sec.ID), "articles", 1},
			{fmt.Sprintf(b+"/categories/%d/articles.json", cat.ID), "articles", 1},
			{b + "/articles/search.json?query=password", "results", 1},
			{b + "/categories.json", "categories", 1},
			{b + "/sections.json", "sections", 1},
			{fmt.Sprintf(b+"/articles/%d/translations.json", pub.ID), "translations", 2},
		} {
			code, body := a.do(t, anon, "GET", c.path, nil)
			if code != 200 || len(body[c.key].([]any)) != c.want || body["count"].(float64) != float64(c.want) {
				t.Errorf("anonymous %s: %d %v", c.path, code, body)
			}
		}
		if code, _ := a.do(t, anon, "GET", fmt.Sprintf(b+"/articles/%d.json", pub.ID), nil); code != 200 {
			t.Errorf("anonymous public article: %d", code)
		}
		for _, x := range restricted {
			if x.Visibility == helpcenter.VisEveryone {
				continue
			}
			for _, p := range []string{"/articles/%d.json", "/articles/%d/translations.json", "/articles/%d/translations/en.json", "/articles/%d/translations/missing.json"} {
				if code, _ := a.do(t, anon, "GET", fmt.Sprintf(b+p, x.ID), nil); code != 404 {
					t.Errorf("anonymous %s of a %s article: %d, want 404", p, x.Visibility, code)
				}
			}
			if code, _ := a.do(t, user, "GET", fmt.Sprintf(b+"/articles/%d.json", x.ID), nil); (code == 200) != (x.Visibility == helpcenter.VisSignedIn) {
				t.Errorf("end-user reads a %s article: %d", x.Visibility, code)
			}
		}
		// Writes, votes and the export still need credentials; bad ones stay a 401.
		for _, c := range []struct{ method, path string }{
			{"POST", b + "/categories.json"},
			{"POST", fmt.Sprintf(b+"/articles/%d/up.json", pub.ID)},
			{"GET", b + "/incremental/articles.json?start_time=0"},
			{"GET", fmt.Sprintf(b+"/articles/%d/votes.json", pub.ID)},
		} {
			if code, _ := a.do(t, anon, c.method, c.path, map[string]any{"category": map[string]any{"name": "x"}}); code != 401 {
				t.Errorf("anonymous %s %s: %d, want 401", c.method, c.path, code)
			}
		}
		if code, _ := a.do(t, testUser{Email: user.Email, Token: "wrong"}, "GET", b+"/articles.json", nil); code != 401 {
			t.Errorf("bad credentials on an open read: %d, want 401", code)
		}

		// Regional locales.
		for _, c := range []struct {
			path, title string
		}{
			{fmt.Sprintf(b+"/pl-pl/articles/%d.json", pub.ID), "Zresetuj hasło"},
			{fmt.Sprintf(b+"/PL-PL/articles/%d.json", pub.ID), "Zresetuj hasło"},
			{fmt.Sprintf(b+"/en-us/articles/%d.json", pub.ID), "Reset your password"},
			{fmt.Sprintf(b+"/articles/%d.json?locale=pl_PL", pub.ID), "Zresetuj hasło"},
		} {
			code, body := a.do(t, anon, "GET", c.path, nil)
			if code != 200 || body["article"].(map[string]any)["title"] != c.title || body["article"].(map[string]any)["locale"] == "pl-pl" {
				t.Errorf("%s: %d %v", c.path, code, body)
			}
			if code == 200 && strings.Contains(body["article"].(map[string]any)["html_url"].(string), "-us/") {
				t.Errorf("%s: html_url not canonical: %v", c.path, body["article"])
			}
		}
		if code, body := a.do(t, admin, "POST", fmt.Sprintf(b+"/en-us/sections/%d/articles.json", sec.ID), map[string]any{"article": map[string]any{"title": "Regional"}}); code != 201 || body["article"].(map[string]any)["locale"] != "en" {
			t.Errorf("create under en-us: %d %v", code, body)
		}
		for _, p := range []string{"/en-../articles.json", "/en-us-x/articles.json", "/e/articles.json", "/xx-yy/articles.json", "/en%2Fus/articles.json", "/pl-%C5%82%C5%82/articles.json"} {
			if code, _ := a.do(t, anon, "GET", b+p, nil); code != 404 {
				t.Errorf("%s: %d, want 404", p, code)
			}
		}
		for _, q := range []string{"en-../../etc", "en-us-x", "pl%00", "<script>"} {
			if code, _ := a.do(t, anon, "GET", b+"/articles.json?locale="+q, nil); code != 404 {
				t.Errorf("?locale=%s: %d, want 404", q, code)
			}
		}

		// Category and section translations.
		for _, k := range []struct {
			path string
			id   int64
		}{{"categories", cat.ID}, {"sections", sec.ID}} {
			p := fmt.Sprintf(b+"/%s/%d/translations", k.path, k.id)
			if code, body := a.do(t, anon, "GET", p+"/missing.json", nil); code != 200 || fmt.Sprint(body["locales"]) != "[pl]" {
				t.Errorf("%s missing: %d %v", k.path, code, body)
			}
			code, body := a.do(t, admin, "POST", p+".json", map[string]any{"translation": map[string]any{"locale": "pl-pl", "title": "Konta <b>", "body": "Opis"}})
			if code != 201 {
				t.Fatalf("%s translation: %d %v", k.path, code, body)
			}
			tr := body["translation"].(map[string]any)
			if tr["locale"] != "pl" || tr["source_type"] == "Article" || !strings.Contains(tr["url"].(string), "/"+k.path+"/") {
				t.Errorf("%s translation %v", k.path, tr)
			}
			if code, _ := a.do(t, admin, "POST", p+".json", map[string]any{"translation": map[string]any{"locale": "pl", "title": "again"}}); code != 422 {
				t.Errorf("%s duplicate translation: %d", k.path, code)
			}
			if code, body := a.do(t, admin, "PUT", p+"/pl.json", map[string]any{"translation": map[string]any{"title": "Konta"}}); code != 200 || body["translation"].(map[string]any)["title"] != "Konta" {
				t.Errorf("%s update: %d %v", k.path, code, body)
			}
			if code, body := a.do(t, anon, "GET", fmt.Sprintf(b+"/pl/%s/%d.json", k.path, k.id), nil); code != 200 || body[map[string]string{"categories": "category", "sections": "section"}[k.path]].(map[string]any)["name"] != "Konta" {
				t.Errorf("%s in pl: %d %v", k.path, code, body)
			}
			if code, body := a.do(t, user, "GET", p+".json", nil); code != 200 || body["count"].(float64) != 2 {
				t.Errorf("%s translations: %d %v", k.path, code, body)
			}
			if code, _ := a.do(t, agent, "DELETE", p+"/pl.json", nil); code != 403 {
				t.Errorf("%s delete by an agent: %d", k.path, code)
			}
			if code, _ := a.do(t, admin, "DELETE", fmt.Sprintf(b+"/translations/%d.json", int64(tr["id"].(float64))), nil); code != 204 {
				t.Errorf("%s delete by id: %d", k.path, code)
			}
			if code, _ := a.do(t, admin, "GET", p+"/pl.json", nil); code != 404 {
				t.Errorf("%s translation after delete: %d", k.path, code)
			}
			if code, _ := a.do(t, admin, "DELETE", p+"/en.json", nil); code != 422 {
				t.Errorf("%s delete source: %d", k.path, code)
			}
		}

		// Votes: shown, listed, withdrawn by the voter or an agent only.
		code, body := a.do(t, user, "POST", fmt.Sprintf(b+"/articles/%d/down.json", pub.ID), nil)
		if code != 200 {
			t.Fatalf("vote: %d %v", code, body)
		}
		vote := body["vote"].(map[string]any)
		vid := int64(vote["id"].(float64))
		if vote["value"].(float64) != -1 || int64(vote["user_id"].(float64)) != user.ID || int64(vote["item_id"].(float64)) != pub.ID {
			t.Errorf("vote %v", vote)
		}
		if code, body := a.do(t, user, "POST", fmt.Sprintf(b+"/articles/%d/up.json", pub.ID), nil); code != 200 || int64(body["vote"].(map[string]any)["id"].(float64)) != vid {
			t.Errorf("changed vote keeps its id: %d %v", code, body)
		}
		if _, body := a.do(t, admin, "POST", fmt.Sprintf(b+"/articles/%d/up.json", pub.ID), nil); body["vote"] == nil {
			t.Fatalf("admin vote %v", body)
		}
		if code, body := a.do(t, user, "GET", fmt.Sprintf(b+"/articles/%d/votes.json", pub.ID), nil); code != 200 || body["count"].(float64) != 1 {
			t.Errorf("end-user sees own votes only: %d %v", code, body)
		}
		if code, body := a.do(t, agent, "GET", fmt.Sprintf(b+"/articles/%d/votes.json", pub.ID), nil); code != 200 || body["count"].(float64) != 2 {
			t.Errorf("agent sees all votes: %d %v", code, body)
		}
		if code, _ := a.do(t, user, "GET", fmt.Sprintf(b+"/users/%d/votes.json", admin.ID), nil); code != 403 {
			t.Errorf("end-user lists another's votes: %d", code)
		}
		if code, body := a.do(t, user, "GET", fmt.Sprintf(b+"/users/%d/votes.json", user.ID), nil); code != 200 || body["count"].(float64) != 1 {
			t.Errorf("own votes: %d %v", code, body)
		}
		_, body = a.do(t, admin, "GET", fmt.Sprintf(b+"/users/%d/votes.json", admin.ID), nil)
		adminVote := int64(body["votes"].([]any)[0].(map[string]any)["id"].(float64))
		for _, c := range []struct {
			who  testUser
			path string
			want int
		}{
			{user, fmt.Sprintf(b+"/votes/%d.json", adminVote), 404},
			{anon, fmt.Sprintf(b+"/votes/%d.json", vid), 401},
			{user, b + "/votes/99999999.json", 404},
			{user, b + "/votes/1x.json", 404},
			{user, fmt.Sprintf(b+"/votes/%d.json", vid), 204},
			{user, fmt.Sprintf(b+"/votes/%d.json", vid), 404},
			{agent, fmt.Sprintf(b+"/votes/%d.json", adminVote), 204},
		} {
			if code, body := a.do(t, c.who, "DELETE", c.path, nil); code != c.want {
				t.Errorf("DELETE %s as %q: %d, want %d (%v)", c.path, c.who.Email, code, c.want, body)
			}
		}
		if _, body := a.do(t, anon, "GET", fmt.Sprintf(b+"/articles/%d.json", pub.ID), nil); body["article"].(map[string]any)["vote_count"].(float64) != 0 {
			t.Errorf("votes left after withdrawal: %v", body)
		}
	})
}

// hcUpload posts a multipart article attachment as u.
func hcUpload(t *testing.T, a *testAPI, u testUser, article int64, name string, data []byte, inline bool) (int, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if inline {
		_ = mw.WriteField("inline", "true")
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v2/help_center/articles/%d/attachments.json", a.URL, article), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if u.Token != "" {
		req.SetBasicAuth(u.Email+"/token", u.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// pngBytes is a 1×1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// TestHelpCenterAttachmentsAPI: managers attach files (inline images
// only when the bytes are an image), readers of the article list them,
// others get 404; hostile files are made harmless; deletion removes the
// file. (Fetching the bytes: TestAgentHelpCenterAttachments in web.)
func TestHelpCenterAttachmentsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		admin, agent, user := a.Admin, a.Agent, a.EndUser
		var anon testUser
		hc := a.srv.HelpCenter
		sys := desk.SystemContext(t.Context())
		cat, err := hc.CreateCategory(sys, helpcenter.GroupInput{Name: hcPtr("Files")})
		if err != nil {
			t.Fatal(err)
		}
		sec, err := hc.CreateSection(sys, helpcenter.GroupInput{Name: hcPtr("Files"), CategoryID: &cat.ID})
		if err != nil {
			t.Fatal(err)
		}
		pub, err := hc.CreateArticle(sys, helpcenter.ArticleInput{SectionID: &sec.ID, Title: hcPtr("Public"), Body: hcPtr("x")})
		if err != nil {
			t.Fatal(err)
		}
		vis := helpcenter.VisAgents
		secret, err := hc.CreateArticle(sys, helpcenter.ArticleInput{SectionID: &sec.ID, Title: hcPtr("Agents"), Body: hcPtr("x"), Visibility: &vis})
		if err != nil {
			t.Fatal(err)
		}
		code, body := hcUpload(t, a, admin, pub.ID, "screen shot.png", pngBytes, true)
		if code != 201 {
			t.Fatalf("upload: %d %v", code, body)
		}
		att := body["article_attachment"].(map[string]any)
		if att["content_type"] != "image/png" || att["inline"] != true || att["file_name"] != "screen shot.png" || !strings.HasSuffix(att["content_url"].(string), "/hc-files/"+fmt.Sprint(att["id"])+"/screen%20shot.png") {
			t.Errorf("attachment %v", att)
		}
		// Hostile files: HTML is stored as text, SVG cannot be inline, a
		// path in the name is dropped, oversize and non-managers refused.
		code, body = hcUpload(t, a, admin, pub.ID, "../../evil.html", []byte("<html><script>alert(1)</script></html>"), false)
		if code != 201 || body["article_attachment"].(map[string]any)["content_type"] != "text/plain; charset=utf-8" || body["article_attachment"].(map[string]any)["file_name"] != "evil.html" {
			t.Errorf("html upload: %d %v", code, body)
		}
		for _, c := range []struct {
			who    testUser
			art    int64
			name   string
			data   []byte
			inline bool
			want   int
		}{
			{admin, pub.ID, "x.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), true, 422},
			{admin, pub.ID, "x.txt", []byte("text"), true, 422},
			{admin, pub.ID, "big.bin", bytes.Repeat([]byte("a"), 10<<20+1), false, 422},
			{admin, pub.ID, "", []byte("x"), false, 422},
			{admin, 99999999, "x.png", pngBytes, false, 404},
			{agent, pub.ID, "x.png", pngBytes, false, 403},
			{user, pub.ID, "x.png", pngBytes, false, 403},
			{anon, pub.ID, "x.png", pngBytes, false, 401},
		} {
			if code, body := hcUpload(t, a, c.who, c.art, c.name, c.data, c.inline); code != c.want {
				t.Errorf("upload %q by %q: %d, want %d (%v)", c.name, c.who.Email, code, c.want, body)
			}
		}
		code, body = hcUpload(t, a, admin, secret.ID, "runbook.txt", []byte("secret runbook"), false)
		if code != 201 {
			t.Fatalf("restricted upload: %d %v", code, body)
		}
		secretAtt := body["article_attachment"].(map[string]any)

		// Lists follow the article's visibility.
		if code, body := a.do(t, anon, "GET", fmt.Sprintf("/api/v2/help_center/articles/%d/attachments.json", pub.ID), nil); code != 200 || body["count"].(float64) != 2 {
			t.Errorf("anonymous list: %d %v", code, body)
		}
		if code, _ := a.do(t, user, "GET", fmt.Sprintf("/api/v2/help_center/articles/%d/attachments.json", secret.ID), nil); code != 404 {
			t.Errorf("end-user lists a restricted article's files: %d", code)
		}
		if code, body := a.do(t, agent, "GET", fmt.Sprintf("/api/v2/help_center/articles/%d/attachments.json", secret.ID), nil); code != 200 || body["count"].(float64) != 1 {
			t.Errorf("agent list: %d %v", code, body)
		}
		// One attachment: its own URL answers, under the article's
		// visibility, and its content_url serves the bytes.
		show := fmt.Sprintf("/api/v2/help_center/articles/attachments/%d.json", int64(secretAtt["id"].(float64)))
		if code, body := a.do(t, agent, "GET", show, nil); code != 200 || body["article_attachment"].(map[string]any)["url"] != a.URL+show {
			t.Errorf("agent shows an attachment: %d %v", code, body)
		}
		for _, who := range []testUser{user, anon} {
			if code, _ := a.do(t, who, "GET", show, nil); code != 404 {
				t.Errorf("%q shows a restricted article's attachment: %d", who.Email, code)
			}
		}
		for _, p := range []string{"/api/v2/help_center/articles/attachments/attachments.json", "/api/v2/help_center/articles/1/nothing.json", "/api/v2/help_center/articles/x/attachments.json"} {
			if code, _ := a.do(t, admin, "GET", p, nil); code != 404 {
				t.Errorf("GET %s: %d, want 404", p, code)
			}
		}
		// Deletion: managers only; the file goes.
		del := fmt.Sprintf("/api/v2/help_center/articles/attachments/%d.json", int64(secretAtt["id"].(float64)))
		if code, _ := a.do(t, agent, "DELETE", del, nil); code != 403 {
			t.Errorf("agent deletes an attachment: %d", code)
		}
		if code, _ := a.do(t, admin, "DELETE", del, nil); code != 204 {
			t.Errorf("delete: %d", code)
		}
		if code, _ := a.do(t, admin, "DELETE", del, nil); code != 404 {
			t.Errorf("delete twice: %d", code)
		}
		if code, body := a.do(t, agent, "GET", fmt.Sprintf("/api/v2/help_center/articles/%d/attachments.json", secret.ID), nil); code != 200 || body["count"].(float64) != 0 {
			t.Errorf("after delete: %d %v", code, body)
		}
	})
}

// TestHelpCenterAnonymousRateLimit: anonymous reads share one per-IP
// budget, separate from each token's.
func TestHelpCenterAnonymousRateLimit(t *testing.T) {
	a := newTestAPIWith(t, storetest.SQLite(t), func(s *Server) { s.Limiter = NewLimiter(2) })
	var anon testUser
	for i, want := range []int{200, 200, 429} {
		resp, _ := a.request(t, anon, "GET", "/api/v2/help_center/articles.json", nil)
		if resp.StatusCode != want || resp.Header.Get("X-Rate-Limit") != "2" {
			t.Errorf("anonymous request %d: %d (limit %q), want %d", i, resp.StatusCode, resp.Header.Get("X-Rate-Limit"), want)
		}
	}
	if code, _ := a.do(t, a.EndUser, "GET", "/api/v2/help_center/articles.json", nil); code != 200 {
		t.Errorf("a signed-in reader shares the anonymous budget: %d", code)
	}
}
