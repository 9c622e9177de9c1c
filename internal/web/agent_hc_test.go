package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/helpcenter"
)

// TestAgentHelpCenterGroupEditing: a manager renames a category and a
// section, writes their Polish translation, moves the section and changes
// positions; bad input is a form error; an agent without
// manage_help_center is refused.
func TestAgentHelpCenterGroupEditing(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, u)
			c := hcFixture(t, e)
			other, err := e.app.HelpCenter.CreateCategory(e.sys, helpcenter.GroupInput{Name: ptr("Billing")})
			if err != nil {
				t.Fatal(err)
			}
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			catURL, secURL := fmt.Sprintf("/agent/hc/categories/%d", c.catID), fmt.Sprintf("/agent/hc/sections/%d", c.secID)
			if r := ad.get("/agent/hc"); !strings.Contains(r.Body, `href="`+catURL+`?locale=en"`) || !strings.Contains(r.Body, `href="`+secURL+`?locale=en"`) {
				t.Errorf("structure lacks edit links")
			}
			if r := ad.get(catURL + "?locale=pl"); r.Status != 200 || !strings.Contains(r.Body, `value="Konta"`) {
				t.Fatalf("category editor (pl): %d", r.Status)
			}
			if r := ad.post(catURL, url.Values{"locale": {"en"}, "name": {"Your account"}, "description": {"Signing <b>in</b>"}, "position": {"5"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("rename category: %d %s", r.Status, between(r.Body, "", ""))
			}
			if r := ad.post(catURL, url.Values{"locale": {"pl"}, "name": {"Twoje konto"}, "description": {"Logowanie"}, "position": {"5"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("translate category: %d", r.Status)
			}
			cat, err := e.app.HelpCenter.Category(e.sys, c.catID, "en")
			if err != nil || cat.Name != "Your account" || cat.Description != "Signing <b>in</b>" || cat.Position != 5 {
				t.Errorf("category after edit: %+v %v", cat, err)
			}
			if pl, _ := e.app.HelpCenter.Category(e.sys, c.catID, "pl"); pl.Name != "Twoje konto" || pl.Outdated {
				t.Errorf("Polish category: %+v", pl)
			}
			anon := e.client()
			if r := anon.get("/hc/en"); !strings.Contains(r.Body, ">Your account</a>") || strings.Contains(r.Body, "<b>in</b>") {
				t.Errorf("public home after rename: %s", between(r.Body, "", ""))
			}
			// The section moves to another category and gets a new name.
			if r := ad.post(secURL, url.Values{"locale": {"en"}, "name": {"Invoices"}, "position": {"2"}, "category_id": {id(other.ID)}}); r.Status != http.StatusSeeOther {
				t.Fatalf("edit section: %d %s", r.Status, between(r.Body, "", ""))
			}
			sec, err := e.app.HelpCenter.Section(e.sys, c.secID, "en")
			if err != nil || sec.Name != "Invoices" || sec.CategoryID != other.ID || sec.Position != 2 {
				t.Errorf("section after edit: %+v %v", sec, err)
			}
			if pl, _ := e.app.HelpCenter.Section(e.sys, c.secID, "pl"); !pl.Outdated {
				t.Errorf("the Polish section name is not flagged outdated after the source changed: %+v", pl)
			}
			// Bad input: a form error, nothing changed.
			for _, f := range []url.Values{
				{"locale": {"en"}, "name": {""}},
				{"locale": {"en"}, "name": {"x"}, "position": {"-1"}},
				{"locale": {"en"}, "name": {"x"}, "position": {"1e9"}},
				{"locale": {"en"}, "name": {"x"}, "category_id": {"999999"}},
				{"locale": {"en"}, "name": {"x"}, "category_id": {"1 OR 1=1"}},
				{"locale": {"xx"}, "name": {"x"}},
				{"locale": {"en"}, "name": {strings.Repeat("x", 300)}},
			} {
				if r := ad.post(secURL, f); r.Status != http.StatusUnprocessableEntity {
					t.Errorf("bad section edit %v: %d", f, r.Status)
				}
			}
			if sec2, _ := e.app.HelpCenter.Section(e.sys, c.secID, "en"); sec2.Name != "Invoices" || sec2.CategoryID != other.ID {
				t.Errorf("bad input changed the section: %+v", sec2)
			}
			for _, p := range []string{"/agent/hc/sections/999999", "/agent/hc/categories/abc"} {
				if r := ad.get(p); r.Status != http.StatusNotFound {
					t.Errorf("%s: %d", p, r.Status)
				}
			}
			// Agents without manage_help_center may not edit.
			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			if r := ag.get(catURL); r.Status != http.StatusForbidden {
				t.Errorf("agent opens the category editor: %d", r.Status)
			}
			ag.get("/agent")
			if r := ag.post(catURL, url.Values{"locale": {"en"}, "name": {"Hijacked"}}); r.Status != http.StatusForbidden {
				t.Errorf("agent renames a category: %d", r.Status)
			}
		})
	}
}

// TestAgentHelpCenterEditing: a manager builds the structure, writes a
// draft, publishes, translates, restores a revision; an agent without
// manage_help_center is refused everywhere.
func TestAgentHelpCenterEditing(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, u)
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			ad.get("/agent/hc")
			if r := ad.post("/agent/hc/categories", url.Values{"name": {"Billing"}, "locale": {"en"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("create category: %d", r.Status)
			}
			cats, _ := e.app.HelpCenter.Categories(e.sys, "en")
			if len(cats) != 1 {
				t.Fatalf("categories %+v", cats)
			}
			if r := ad.post("/agent/hc/sections", url.Values{"name": {"Invoices"}, "locale": {"en"}, "category_id": {id(cats[0].ID)}}); r.Status != http.StatusSeeOther {
				t.Fatalf("create section: %d", r.Status)
			}
			secs, _ := e.app.HelpCenter.Sections(e.sys, "en", 0)
			r := ad.post("/agent/hc/articles", url.Values{"title": {"Where is my invoice"}, "locale": {"en"}, "section_id": {id(secs[0].ID)}})
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/agent/hc/articles/") {
				t.Fatalf("create article: %d %s", r.Status, r.Location)
			}
			edit := strings.SplitN(r.Location, "?", 2)[0]
			var aid int64
			fmt.Sscanf(strings.TrimPrefix(edit, "/agent/hc/articles/"), "%d", &aid)
			// A draft is not public yet.
			anon := e.client()
			if r := follow(anon, fmt.Sprintf("/hc/en/articles/%d", aid)); r.Status != http.StatusNotFound {
				t.Errorf("a draft is public: %d", r.Status)
			}
			if r := ad.get(edit + "?locale=en"); r.Status != 200 || !strings.Contains(r.Body, "Where is my invoice") {
				t.Fatalf("editor: %d", r.Status)
			}
			form := url.Values{"locale": {"en"}, "title": {"Where is my invoice"}, "body": {"First **version**."}, "action": {"publish"},
				"properties": {"1"}, "visibility": {"everyone"}, "section_id": {id(secs[0].ID)}, "labels": {"billing"}}
			if r := ad.post(edit, form); r.Status != http.StatusSeeOther {
				t.Fatalf("publish: %d %s", r.Status, between(r.Body, "", ""))
			}
			form.Set("body", "Second version.")
			ad.post(edit, form)
			if r := follow(anon, fmt.Sprintf("/hc/en/articles/%d", aid)); !strings.Contains(r.Body, "Second version.") {
				t.Errorf("published text missing")
			}
			// Invalid input re-renders the form with the error and keeps the text.
			bad := url.Values{"locale": {"en"}, "title": {"Where is my invoice"}, "body": {"Kept text"}, "action": {"publish"},
				"properties": {"1"}, "visibility": {"group"}, "segment_id": {"0"}}
			if r := ad.post(edit, bad); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Kept text") {
				t.Errorf("invalid save: %d", r.Status)
			}
			// A Polish translation from the editor.
			ad.get(edit + "?locale=pl")
			if r := ad.post(edit, url.Values{"locale": {"pl"}, "title": {"Gdzie jest moja faktura"}, "body": {"Tekst."}, "action": {"publish"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("translate: %d", r.Status)
			}
			if r := follow(anon, fmt.Sprintf("/hc/pl/articles/%d", aid)); !strings.Contains(r.Body, "Gdzie jest moja faktura") {
				t.Errorf("Polish translation not public")
			}
			// Revisions and restore.
			revs, err := e.app.HelpCenter.Revisions(e.sys, helpcenter.KindArticle, aid, "en")
			if err != nil || len(revs) != 2 {
				t.Fatalf("revisions %+v %v", revs, err)
			}
			ad.get(edit + "?locale=en")
			if r := ad.post(edit+"/restore", url.Values{"revision_id": {id(revs[1].ID)}}); r.Status != http.StatusSeeOther {
				t.Fatalf("restore: %d", r.Status)
			}
			if r := follow(anon, fmt.Sprintf("/hc/en/articles/%d", aid)); !strings.Contains(r.Body, "First <strong>version</strong>.") {
				t.Errorf("restored text missing")
			}
			// The preview endpoint renders sanitised Markdown.
			r = ad.post("/agent/hc/preview", url.Values{"body": {"# Hi\n\n<script>alert(1)</script>"}})
			var pv map[string]string
			if err := json.Unmarshal([]byte(r.Body), &pv); err != nil || !strings.Contains(pv["html"], "<h1 id=\"hi\">Hi</h1>") || strings.Contains(pv["html"], "<script") {
				t.Errorf("preview: %d %s", r.Status, r.Body)
			}
			// An agent without manage_help_center: refused.
			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			for _, p := range []string{"/agent/hc", edit} {
				if r := ag.get(p); r.Status != http.StatusForbidden {
					t.Errorf("agent GET %s: %d", p, r.Status)
				}
			}
			for _, p := range []string{"/agent/hc/categories", "/agent/hc/preview", edit, edit + "/delete"} {
				if r := ag.post(p, url.Values{"name": {"x"}, "title": {"x"}, "locale": {"en"}}); r.Status != http.StatusForbidden {
					t.Errorf("agent POST %s: %d", p, r.Status)
				}
			}
			// A customer is sent to the agent sign-in.
			cu := e.client()
			cu.signIn("/signin", e.customer.Email)
			if r := cu.get("/agent/hc"); r.Status < 300 || r.Status == 200 {
				t.Errorf("customer /agent/hc: %d", r.Status)
			}
			if r := ad.post(edit+"/delete", nil); r.Status != http.StatusSeeOther {
				t.Errorf("delete: %d", r.Status)
			}
			if r := follow(anon, fmt.Sprintf("/hc/en/articles/%d", aid)); r.Status != http.StatusNotFound {
				t.Errorf("deleted article: %d", r.Status)
			}
		})
	}
}

// TestBrowserHelpCenterEditor: the live preview follows what is typed.
func TestBrowserHelpCenterEditor(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	c := hcFixture(t, e)
	ad := b.tab("editor")
	ad.signIn(e.base, "/agent/signin", e.admin.Email)
	ad.open(e.base + fmt.Sprintf("/agent/hc/articles/%d?locale=en", c.public.ID))
	ad.waitJS(`document.querySelector("#hc-preview h2") !== null`, "the first preview")
	ad.accessible("the article editor")
	ad.eval(`(() => { const t = document.querySelector("#hc-body"); t.value = ""; t.focus(); return ""; })()`)
	ad.do(chromedp.SendKeys(chromedp.CSS(`#hc-body`), "## Live heading\n\n<img src=x onerror=window.__xss=1>"))
	ad.waitJS(`document.querySelector("#hc-preview h2") && document.querySelector("#hc-preview h2").textContent === "Live heading"`, "the live preview")
	ad.noScriptRan("the article editor")
	ad.open(e.base + "/agent/hc")
	ad.waitText("How to reset your password")
	ad.accessible("the help-center management page")
}

// hcUploadForm posts the editor's attachment form (file in "file").
func hcUploadForm(c *client, article int64, name string, data []byte, inline bool) resp {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", c.csrf)
	_ = mw.WriteField("locale", "en")
	if inline {
		_ = mw.WriteField("inline", "1")
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/agent/hc/articles/%d/attachments", c.base, article), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

var pngPixel = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

var hcAttachmentRE = regexp.MustCompile(`/hc-files/(\d+)/[^"\s)]+`)

// TestAgentHelpCenterAttachments: a manager uploads an image from the
// editor, inserts it into the Markdown and publishes; the article shows
// it; files of restricted articles reach only their readers; hostile files
// are harmless; agents without manage_help_center cannot upload.
func TestAgentHelpCenterAttachments(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, u)
			c := hcFixture(t, e)
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			edit := fmt.Sprintf("/agent/hc/articles/%d", c.public.ID)
			ad.get(edit + "?locale=en")
			if r := hcUploadForm(ad, c.public.ID, "screen.png", pngPixel, true); r.Status != http.StatusSeeOther {
				t.Fatalf("upload: %d %s", r.Status, between(r.Body, "", ""))
			}
			r := ad.get(edit + "?locale=en")
			m := hcAttachmentRE.FindString(r.Body)
			if m == "" || !strings.Contains(r.Body, "![screen.png]("+m+")") {
				t.Fatalf("editor lacks the image's Markdown: %s", between(r.Body, "", ""))
			}
			form := url.Values{"locale": {"en"}, "title": {"How to reset your password"}, "body": {"Look:\n\n![screen.png](" + m + ")"}, "action": {"publish"}}
			if r := ad.post(edit, form); r.Status != http.StatusSeeOther {
				t.Fatalf("publish: %d", r.Status)
			}
			anon := e.client()
			if r := follow(anon, fmt.Sprintf("/hc/en/articles/%d", c.public.ID)); !strings.Contains(r.Body, `<img src="`+m+`"`) {
				t.Errorf("the article does not show the image: %s", between(r.Body, "", ""))
			}
			img := anon.get(m)
			if img.Status != 200 || img.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(img.Header.Get("Content-Disposition"), "attachment") ||
				img.Header.Get("X-Content-Type-Options") != "nosniff" || img.Body != string(pngPixel) {
				t.Errorf("image: %d %v", img.Status, img.Header)
			}
			// Hostile files.
			ad.get(edit + "?locale=en")
			if r := hcUploadForm(ad, c.public.ID, `..\..\<b>x</b>.html`, []byte("<html><script>alert(1)</script>"), false); r.Status != http.StatusSeeOther {
				t.Fatalf("html upload: %d", r.Status)
			}
			r = ad.get(edit + "?locale=en")
			if strings.Contains(r.Body, "<b>x</b>") {
				t.Errorf("a file name renders as HTML")
			}
			var htmlURL string
			for _, mm := range hcAttachmentRE.FindAllString(r.Body, -1) {
				if strings.HasSuffix(mm, ".html") {
					htmlURL = mm
				}
			}
			if h := anon.get(htmlURL); h.Status != 200 || !strings.HasPrefix(h.Header.Get("Content-Type"), "text/plain") || !strings.HasPrefix(h.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("html file served as %d %v", h.Status, h.Header)
			}
			if r := hcUploadForm(ad, c.public.ID, "x.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), true); r.Status != http.StatusUnprocessableEntity ||
				!strings.Contains(r.Body, "PNG, JPEG, GIF") {
				t.Errorf("inline svg: %d", r.Status)
			}
			// A restricted article's file reaches its readers only.
			ad.get(fmt.Sprintf("/agent/hc/articles/%d?locale=en", c.signedIn.ID))
			if r := hcUploadForm(ad, c.signedIn.ID, "policy.txt", []byte("members only"), false); r.Status != http.StatusSeeOther {
				t.Fatalf("restricted upload: %d", r.Status)
			}
			atts, err := e.app.HelpCenter.Attachments(e.sys, c.signedIn.ID)
			if err != nil || len(atts) != 1 {
				t.Fatalf("attachments %v %v", atts, err)
			}
			if r := anon.get(atts[0].Path()); r.Status != http.StatusNotFound || strings.Contains(r.Body, "members only") {
				t.Errorf("anonymous fetches a restricted file: %d", r.Status)
			}
			cu := e.client()
			cu.signIn("/signin", e.customer.Email)
			if r := cu.get(atts[0].Path()); r.Status != 200 || r.Body != "members only" {
				t.Errorf("customer fetches the file: %d", r.Status)
			}
			for _, p := range []string{"/hc-files/abc/x", "/hc-files/99999999/x", "/hc-files/-1/x"} {
				if r := anon.get(p); r.Status != http.StatusNotFound {
					t.Errorf("%s: %d", p, r.Status)
				}
			}
			// Agents without manage_help_center cannot upload or delete.
			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			ag.get("/agent")
			if r := hcUploadForm(ag, c.public.ID, "x.png", pngPixel, false); r.Status != http.StatusForbidden {
				t.Errorf("agent upload: %d", r.Status)
			}
			if r := ag.post(fmt.Sprintf("/agent/hc/articles/%d/attachments/%d/delete", c.signedIn.ID, atts[0].ID), nil); r.Status != http.StatusForbidden {
				t.Errorf("agent delete: %d", r.Status)
			}
			// A forged pair (another article's file) is not found; the real one goes.
			if r := ad.post(fmt.Sprintf("/agent/hc/articles/%d/attachments/%d/delete", c.public.ID, atts[0].ID), nil); r.Status != http.StatusNotFound {
				t.Errorf("delete through another article: %d", r.Status)
			}
			if r := ad.post(fmt.Sprintf("/agent/hc/articles/%d/attachments/%d/delete", c.signedIn.ID, atts[0].ID), url.Values{"locale": {"en"}}); r.Status != http.StatusSeeOther {
				t.Errorf("delete: %d", r.Status)
			}
			if r := cu.get(atts[0].Path()); r.Status != http.StatusNotFound {
				t.Errorf("deleted file still served: %d", r.Status)
			}
		})
	}
}
