package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

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
