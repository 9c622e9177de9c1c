package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/httpx"
)

// The help center's public pages (/hc). Every read goes through package
// helpcenter with the visitor's principal, so what a page shows is what
// the service's one visibility rule allows. The locale is part of the URL
// and only a supported one passes; ids come with a slug, and a wrong or
// missing slug redirects to the canonical address.

func init() {
	// Article bodies are rendered from Markdown and sanitised by package
	// helpcenter (the comment policy) before they are stored; snippets
	// escape everything but their <em> marks.
	templateFuncs["hcHTML"] = func(s string) template.HTML { return template.HTML(s) } //nolint:gosec // sanitised by package helpcenter
}

func (s *Server) registerHelpCenter(h func(string, access, handlerFunc)) {
	if s.d.HelpCenter == nil {
		return
	}
	h("GET /hc", public, s.hcRedirect)
	h("GET /hc/{$}", public, s.hcRedirect)
	h("GET /hc/sitemap.xml", public, s.hcSitemap)
	if s.d.HelpCenter.LocalWrites() {
		s.hcPages = newHCCache()
	}
	h("GET /hc-files/{id}/{name}", public, s.hcAttachment)
	// Regional addresses redirect before the cache: a cached page is
	// always the catalogue locale's.
	l, c := s.hcRegionalLocale, s.hcCached
	h("GET /hc/{locale}", public, l(c(s.hcHome)))
	h("GET /hc/{locale}/{$}", public, l(c(s.hcHome)))
	h("GET /hc/{locale}/categories/{ref}", public, l(c(s.hcGroupPage(hcGroupKinds[0]))))
	h("GET /hc/{locale}/sections/{ref}", public, l(c(s.hcGroupPage(hcGroupKinds[1]))))
	h("GET /hc/{locale}/articles/{ref}", public, l(c(s.hcArticle)))
	h("POST /hc/{locale}/articles/{ref}/vote", public, l(s.hcVote))
	h("GET /hc/{locale}/search", public, l(s.hcSearch))
	h("GET /hc/{locale}/suggestions.json", public, l(s.hcSuggestions))
	h("POST /hc/{locale}/articles/{ref}/answered", public, l(s.hcAnswered))
}

// hcRegionalLocale sends Zendesk-style regional addresses ("/hc/en-us/…",
// "/hc/pl-pl/…") to the catalogue locale's address, so old links keep
// working and the canonical link names one form. Only a strict
// language[-region] form is mapped (package helpcenter checks it); the
// rest is left to the handler, which answers an unknown locale with 404.
func (s *Server) hcRegionalLocale(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		loc := r.PathValue("locale")
		hc := s.d.HelpCenter
		if hc.ValidLocale(loc) {
			return next(w, r)
		}
		n := hc.NormalizeLocale(loc)
		if n == "" {
			return next(w, r)
		}
		target := "/hc/" + n + strings.TrimPrefix(r.URL.EscapedPath(), "/hc/"+loc)
		if q := r.URL.RawQuery; q != "" {
			target += "?" + q
		}
		code := http.StatusMovedPermanently
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			code = http.StatusPermanentRedirect // keeps the method and the form
		}
		http.Redirect(w, r, target, code)
		return nil
	}
}

// hcRef parses "{id}-{slug}" (or a bare id).
func hcRef(r *http.Request) (int64, string, error) {
	ref := r.PathValue("ref")
	idPart, slug, _ := strings.Cut(ref, "-")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if err != nil || id <= 0 || len(ref) > 300 {
		return 0, "", desk.NotFound()
	}
	return id, slug, nil
}

func hcPath(loc, kind string, id int64, title string) string {
	p := "/hc/" + loc + "/" + kind + "/" + strconv.FormatInt(id, 10)
	if slug := helpcenter.Slug(title); slug != "" {
		p += "-" + slug
	}
	return p
}

// canonical redirects to the canonical path when the request's slug is not
// it (old titles, typed ids); it reports whether it did.
func canonical(w http.ResponseWriter, r *http.Request, path string) bool {
	if r.URL.EscapedPath() == (&url.URL{Path: path}).EscapedPath() {
		return false
	}
	target := path
	if q := r.URL.RawQuery; q != "" {
		target += "?" + q
	}
	http.Redirect(w, r, target, http.StatusMovedPermanently)
	return true
}

func (s *Server) hcRedirect(w http.ResponseWriter, r *http.Request) error {
	loc := rcFrom(r).locale
	if !s.d.HelpCenter.ValidLocale(loc) {
		loc = s.d.HelpCenter.DefaultLocale()
	}
	http.Redirect(w, r, "/hc/"+loc, http.StatusFound)
	return nil
}

// hcLink is an entry of a list on a help-center page.
type hcLink struct {
	Title, URL string
}

type hcAlternate struct {
	Locale, URL string
}

// hcPage is what every help-center page carries besides its own data.
type hcPage struct {
	Locale     string
	Query      string
	Crumbs     []hcLink
	Canonical  string
	Alternates []hcAlternate
	NoIndex    bool
	Data       any
}

func (s *Server) absURL(p string) string {
	if s.d.PublicURL != "" {
		return strings.TrimSuffix(s.d.PublicURL, "/") + p
	}
	return p
}

func (s *Server) hcNewPage(r *http.Request, loc, title string) (*page, *hcPage) {
	pg := s.newPage(r, "portal", title)
	pg.Nav = "hc"
	hp := &hcPage{Locale: loc, Crumbs: []hcLink{{Title: pg.T("hc.title"), URL: "/hc/" + loc}}}
	pg.Data = hp
	return pg, hp
}

type hcCategoryBlock struct {
	helpcenter.Category
	URL      string
	Sections []hcSectionBlock
}

type hcSectionBlock struct {
	helpcenter.Section
	URL      string
	Articles []hcLink
}

func (s *Server) hcHome(w http.ResponseWriter, r *http.Request) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	hc := s.d.HelpCenter
	cats, err := hc.Categories(ctx, loc)
	if err != nil {
		return err
	}
	secs, err := hc.Sections(ctx, loc, 0)
	if err != nil {
		return err
	}
	promoted, _, err := hc.Articles(ctx, helpcenter.ArticleFilter{Locale: loc, Promoted: true, PerPage: 10})
	if err != nil {
		return err
	}
	pg, hp := s.hcNewPage(r, loc, "")
	pg.Title = pg.T("hc.title")
	hp.Crumbs = nil
	hp.Canonical = s.absURL("/hc/" + loc)
	for _, l := range hc.Locales {
		hp.Alternates = append(hp.Alternates, hcAlternate{Locale: l, URL: s.absURL("/hc/" + l)})
	}
	var blocks []hcCategoryBlock
	for _, c := range cats {
		b := hcCategoryBlock{Category: c, URL: hcPath(loc, "categories", c.ID, c.Name)}
		for _, sec := range secs {
			if sec.CategoryID == c.ID {
				b.Sections = append(b.Sections, hcSectionBlock{Section: sec, URL: hcPath(loc, "sections", sec.ID, sec.Name)})
			}
		}
		blocks = append(blocks, b)
	}
	var prom []hcLink
	for _, a := range promoted {
		prom = append(prom, hcLink{Title: a.Title, URL: hcPath(loc, "articles", a.ID, a.Title)})
	}
	hp.Data = map[string]any{"Categories": blocks, "Promoted": prom}
	return s.render(w, http.StatusOK, "hc_home", pg)
}

func (s *Server) sectionArticles(r *http.Request, loc string, sectionID int64, per int) ([]hcLink, error) {
	as, _, err := s.d.HelpCenter.Articles(r.Context(), helpcenter.ArticleFilter{Locale: loc, SectionID: sectionID, PerPage: per})
	if err != nil {
		return nil, err
	}
	out := make([]hcLink, 0, len(as))
	for _, a := range as {
		out = append(out, hcLink{Title: a.Title, URL: hcPath(loc, "articles", a.ID, a.Title)})
	}
	return out, nil
}

// hcGroupPage is a category's or a section's public page: its name,
// description and what it holds (a category: its sections with their first
// articles; a section: its articles), at its canonical address.
func (s *Server) hcGroupPage(g hcGroupKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		loc, err := s.hcLocale(r)
		if err != nil {
			return err
		}
		id, _, err := hcRef(r)
		if err != nil {
			return err
		}
		hc := s.d.HelpCenter
		item, err := s.hcGroupView(r, g, id, loc)
		if err != nil {
			return err
		}
		path := hcPath(loc, g.Path, item.ID, item.Name)
		if canonical(w, r, path) {
			return nil
		}
		pg, hp := s.hcNewPage(r, loc, item.Name)
		hp.Canonical = s.absURL(path)
		data := map[string]any{"Item": item}
		hp.Data = data
		if g.Kind == helpcenter.KindSection {
			c, err := hc.Category(r.Context(), item.CategoryID, loc)
			if err != nil {
				return err
			}
			hp.Crumbs = append(hp.Crumbs, hcLink{Title: c.Name, URL: hcPath(loc, "categories", c.ID, c.Name)})
			if data["Articles"], err = s.sectionArticles(r, loc, item.ID, 100); err != nil {
				return err
			}
			return s.render(w, http.StatusOK, "hc_section", pg)
		}
		secs, err := hc.Sections(r.Context(), loc, item.ID)
		if err != nil {
			return err
		}
		var blocks []hcSectionBlock
		for _, sec := range secs {
			arts, err := s.sectionArticles(r, loc, sec.ID, 10)
			if err != nil {
				return err
			}
			blocks = append(blocks, hcSectionBlock{Section: sec, URL: hcPath(loc, "sections", sec.ID, sec.Name), Articles: arts})
		}
		data["Sections"] = blocks
		return s.render(w, http.StatusOK, "hc_category", pg)
	}
}

func (s *Server) hcArticle(w http.ResponseWriter, r *http.Request) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	id, _, err := hcRef(r)
	if err != nil {
		return err
	}
	hc := s.d.HelpCenter
	ctx := r.Context()
	a, err := hc.Article(ctx, id, loc)
	if err != nil {
		return err
	}
	path := hcPath(loc, "articles", a.ID, a.Title)
	if canonical(w, r, path) {
		return nil
	}
	sec, err := hc.Section(ctx, a.SectionID, loc)
	if err != nil {
		return err
	}
	c, err := hc.Category(ctx, sec.CategoryID, loc)
	if err != nil {
		return err
	}
	related, err := hc.Related(ctx, a, loc, 5)
	if err != nil {
		return err
	}
	pg, hp := s.hcNewPage(r, loc, a.Title)
	// The canonical address is the one in the locale the text is in.
	hp.Canonical = s.absURL(hcPath(a.Locale, "articles", a.ID, a.Title))
	hp.NoIndex = !a.Public() || a.Draft
	for _, l := range a.Locales {
		hp.Alternates = append(hp.Alternates, hcAlternate{Locale: l, URL: s.absURL(hcPath(l, "articles", a.ID, a.Titles[l]))})
	}
	hp.Crumbs = append(hp.Crumbs, hcLink{Title: c.Name, URL: hcPath(loc, "categories", c.ID, c.Name)},
		hcLink{Title: sec.Name, URL: hcPath(loc, "sections", sec.ID, sec.Name)})
	var rel []hcLink
	for _, x := range related {
		rel = append(rel, hcLink{Title: x.Title, URL: hcPath(loc, "articles", x.ID, x.Title)})
	}
	toc := helpcenter.TableOfContents(a.Body)
	if len(toc) < 3 {
		toc = nil // short articles need no table of contents
	}
	mine, voted, err := hc.MyVote(ctx, a.ID, voterKey(rcFrom(r)))
	if err != nil {
		return err
	}
	myVote := ""
	if voted {
		myVote = map[helpcenter.VoteValue]string{helpcenter.VoteUp: "up", helpcenter.VoteDown: "down"}[mine.Value]
	}
	msg := r.URL.Query().Get("m")
	hp.Data = map[string]any{"Article": a, "URL": path, "TOC": toc, "Related": rel, "Fallback": a.Locale != loc,
		"Voted": msg == "voted", "Unvoted": msg == "unvoted", "MyVote": myVote, "Up": (a.VoteCount + a.VoteSum) / 2}
	return s.render(w, http.StatusOK, "hc_article", pg)
}

// voterKey identifies a signed-out visitor for one-vote-per-visitor: a
// hash of the visitor's anonymous cookie token (never stored as is).
func voterKey(rc *reqCtx) string {
	if rc.p != nil {
		return ""
	}
	sum := sha256.Sum256([]byte("hc-vote\x00" + rc.csrf))
	return hex.EncodeToString(sum[:16])
}

func (s *Server) hcVote(w http.ResponseWriter, r *http.Request) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	id, _, err := hcRef(r)
	if err != nil {
		return err
	}
	rc := rcFrom(r)
	if rc.p == nil {
		if ok, _, _, retry := s.hcVoteRate.Allow("hcvote:" + httpx.IPKey(s.d.IPs.IP(r))); !ok {
			httpx.WriteRetryAfter(w, retry)
			return desk.Errorf(desk.ETOOMANY, "too many votes")
		}
	}
	var v helpcenter.VoteValue
	switch r.PostFormValue("value") {
	case "up":
		v = helpcenter.VoteUp
	case "down":
		v = helpcenter.VoteDown
	case "withdraw":
		if err := s.d.HelpCenter.Unvote(r.Context(), id, voterKey(rc)); err != nil {
			return err
		}
		a, err := s.d.HelpCenter.Article(r.Context(), id, loc)
		if err != nil {
			return err
		}
		return redirect(w, r, withMsg(hcPath(loc, "articles", a.ID, a.Title), "unvoted")+"#vote")
	default:
		return desk.Invalid("value", "must be up, down or withdraw")
	}
	a, err := s.d.HelpCenter.Vote(r.Context(), id, loc, v, voterKey(rc))
	if err != nil {
		return err
	}
	if rc.p == nil {
		markHCVoter(w)
	}
	return redirect(w, r, withMsg(hcPath(loc, "articles", a.ID, a.Title), "voted")+"#vote")
}

type hcResult struct {
	Title   template.HTML
	URL     string
	Snippet template.HTML
}

func (s *Server) hcSearch(w http.ResponseWriter, r *http.Request) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("query"))
	if len(q) > helpcenter.MaxQuery {
		q = q[:helpcenter.MaxQuery]
	}
	const per = 20
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	res, total, err := s.d.HelpCenter.Search(r.Context(), loc, q, max(page, 1), per)
	if err != nil {
		return err
	}
	pg, hp := s.hcNewPage(r, loc, "")
	pg.Title = pg.T("hc.search_results")
	hp.Query = q
	hp.NoIndex = true
	var out []hcResult
	for _, x := range res {
		out = append(out, hcResult{Title: template.HTML(x.TitleHTML), URL: hcPath(loc, "articles", x.ID, x.Title), Snippet: template.HTML(x.SnippetHTML)}) //nolint:gosec // escaped by helpcenter.Snippet
	}
	hp.Data = map[string]any{"Results": out, "Count": total, "Pager": newPager(r, total, per)}
	return s.render(w, http.StatusOK, "hc_search", pg)
}

// hcSuggestions answers the web form's "maybe this helps" box: up to three
// articles the visitor may read, as JSON.
func (s *Server) hcSuggestions(w http.ResponseWriter, r *http.Request) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	res, err := s.d.HelpCenter.Suggest(r.Context(), loc, r.URL.Query().Get("query"), 3)
	if err != nil {
		return err
	}
	type item struct {
		ID      int64  `json:"id"`
		Title   string `json:"title"`
		URL     string `json:"html_url"`
		Snippet string `json:"snippet"`
	}
	out := struct {
		Results []item `json:"results"`
	}{Results: []item{}}
	for _, x := range res {
		out.Results = append(out.Results, item{ID: x.ID, Title: x.Title, URL: hcPath(loc, "articles", x.ID, x.Title), Snippet: x.SnippetHTML})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(w).Encode(out)
}

// hcAnswered records "this answered my question" from the web form: a
// deflection, no ticket.
func (s *Server) hcAnswered(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.hcLocale(r); err != nil {
		return err
	}
	id, _, err := hcRef(r)
	if err != nil {
		return err
	}
	if rc := rcFrom(r); rc.p == nil {
		if ok, _, _, retry := s.hcVoteRate.Allow("hcvote:" + httpx.IPKey(s.d.IPs.IP(r))); !ok {
			httpx.WriteRetryAfter(w, retry)
			return desk.Errorf(desk.ETOOMANY, "too many requests")
		}
	}
	if err := s.d.HelpCenter.Deflect(r.Context(), id, r.PostFormValue("query")); err != nil {
		return err
	}
	if r.Header.Get("Accept") == "application/json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, err := w.Write([]byte(`{"recorded":true}` + "\n"))
		return err
	}
	return redirect(w, r, "/requests/submitted?answered=1")
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod"`
}

type sitemapSet struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	URLs    []sitemapURL `xml:"url"`
}

// hcSitemap lists the public articles (only those anyone may read).
func (s *Server) hcSitemap(w http.ResponseWriter, r *http.Request) error {
	es, err := s.d.HelpCenter.Sitemap(r.Context())
	if err != nil {
		return err
	}
	set := sitemapSet{NS: "http://www.sitemaps.org/schemas/sitemap/0.9"}
	for _, e := range es {
		set.URLs = append(set.URLs, sitemapURL{Loc: s.absURL(hcPath(e.Locale, "articles", e.ArticleID, e.Title)), LastMod: e.UpdatedAt.UTC().Format("2006-01-02")})
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	if _, err := w.Write([]byte(xml.Header)); err != nil {
		return nil
	}
	return xml.NewEncoder(w).Encode(set)
}

// relatedArticles are up to three articles the agent may read that match
// a ticket's subject, in the agent's language (the ticket page's panel).
func (s *Server) relatedArticles(r *http.Request, subject string) ([]hcLink, error) {
	if s.d.HelpCenter == nil || strings.TrimSpace(subject) == "" {
		return nil, nil
	}
	loc := rcFrom(r).locale
	res, err := s.d.HelpCenter.Suggest(r.Context(), loc, subject, 3)
	if err != nil {
		return nil, err
	}
	if len(res) == 0 && loc != s.d.HelpCenter.DefaultLocale() {
		if res, err = s.d.HelpCenter.Suggest(r.Context(), s.d.HelpCenter.DefaultLocale(), subject, 3); err != nil {
			return nil, err
		}
	}
	out := make([]hcLink, 0, len(res))
	for _, x := range res {
		out = append(out, hcLink{Title: x.Title, URL: hcPath(x.Locale, "articles", x.ID, x.Title)})
	}
	return out, nil
}

// hcSwitchLocale points a help-center address at another locale, so the
// language switcher on /hc/en/… leads to /hc/pl/… (other paths stay).
func hcSwitchLocale(path, loc string) string {
	rest, ok := strings.CutPrefix(path, "/hc/")
	if !ok || rest == "" || strings.HasPrefix(rest, "sitemap.xml") {
		return path
	}
	_, tail, _ := strings.Cut(rest, "/")
	if q := strings.IndexByte(rest, '?'); q >= 0 && (strings.IndexByte(rest, '/') < 0 || q < strings.IndexByte(rest, '/')) {
		return "/hc/" + loc + rest[q:] // "/hc/en?x" keeps its query
	}
	if tail == "" {
		return "/hc/" + loc
	}
	return "/hc/" + loc + "/" + tail
}

// hcAttachment serves an article's file to whoever may read the article
// (others get a 404, as for the article): always as a download with the
// sniffed type (package attach), which <img> in the article still shows.
func (s *Server) hcAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, f, err := s.d.HelpCenter.OpenAttachment(r.Context(), id)
	if err != nil {
		return err
	}
	defer f.Close()
	attach.ServeDownload(w, a.ContentType, a.FileName, a.Size, f)
	return nil
}
