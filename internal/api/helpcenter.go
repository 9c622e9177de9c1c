package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/locale"
)

// registerHelpCenter mounts Zendesk's Help Center API: categories,
// sections, articles (with and without a locale in the path), their
// translations, search, votes, locales and the incremental article export.
// Package helpcenter decides who reads what (its one visibility rule) and
// who edits (manage_help_center). The reads Zendesk serves without signing
// in are open to anonymous callers, who see only what everyone may read.
func (s *Server) registerHelpCenter(mux *http.ServeMux) {
	h := func(f handlerFunc) handlerFunc { return s.needs(s.HelpCenter != nil, f) }
	const base = "/api/v2/help_center"
	s.handleOpen(mux, "GET "+base+"/locales", h(s.hcLocales))
	// The locale variants are mounted per locale (a {locale} wildcard
	// would overlap /help_center/articles/{id}/… ambiguously); each sets
	// the path value the handlers read.
	locales := locale.Default().Locales()
	if s.HelpCenter != nil {
		locales = s.HelpCenter.Locales
	}
	for _, loc := range append([]string{""}, locales...) {
		pre := base
		if loc != "" {
			pre += "/" + loc
		}
		l := func(f handlerFunc) handlerFunc {
			return h(func(w http.ResponseWriter, r *http.Request) error {
				if loc != "" {
					r.SetPathValue("locale", loc)
				}
				return f(w, r)
			})
		}
		s.handleOpen(mux, "GET "+pre+"/categories", l(s.hcListCategories))
		s.handleOpen(mux, "GET "+pre+"/categories/{id}", l(s.hcShow(helpcenter.KindCategory, "category", s.hcGroupByID)))
		s.handleOpen(mux, "GET "+pre+"/sections", l(s.hcListSections))
		s.handleOpen(mux, "GET "+pre+"/sections/{id}", l(s.hcShow(helpcenter.KindSection, "section", s.hcGroupByID)))
		s.handleOpen(mux, "GET "+pre+"/categories/{id}/sections", l(s.hcListSections))
		s.handleOpen(mux, "GET "+pre+"/articles", l(s.hcListArticles))
		s.handleOpen(mux, "GET "+pre+"/articles/{id}", l(s.hcShow(helpcenter.KindArticle, "article", s.hcArticleByID)))
		s.handleOpen(mux, "GET "+pre+"/sections/{id}/articles", l(s.hcListArticles))
		s.handleOpen(mux, "GET "+pre+"/categories/{id}/articles", l(s.hcListArticles))
		s.handle(mux, "POST "+pre+"/categories", l(s.hcSaveGroup(helpcenter.KindCategory, true)))
		s.handle(mux, "POST "+pre+"/categories/{id}/sections", l(s.hcSaveGroup(helpcenter.KindSection, true)))
		s.handle(mux, "POST "+pre+"/sections/{id}/articles", l(s.hcCreateArticle))
	}
	// Zendesk's regional locales ("en-us", "pl-pl") in the path name the
	// catalogue locale of their language: the request is served as if it
	// named that one. Anything that is not a locale form is a 404.
	if s.HelpCenter != nil {
		mux.Handle(base+"/{loc}/{rest...}", s.public(func(w http.ResponseWriter, r *http.Request) error {
			loc := r.PathValue("loc")
			n := s.HelpCenter.NormalizeLocale(loc)
			if n == "" || n == loc {
				return &desk.Error{Code: desk.ENOTFOUND, Message: "No route matches " + r.Method + " " + r.URL.Path}
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = base+"/"+n+"/"+r.PathValue("rest"), ""
			mux.ServeHTTP(w, r2)
			return nil
		}))
	}
	s.handle(mux, "PUT "+base+"/categories/{id}", h(s.hcSaveGroup(helpcenter.KindCategory, false)))
	s.handle(mux, "DELETE "+base+"/categories/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.HelpCenter.DeleteCategory)(w, r)
	}))
	s.handle(mux, "PUT "+base+"/sections/{id}", h(s.hcSaveGroup(helpcenter.KindSection, false)))
	s.handle(mux, "DELETE "+base+"/sections/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.HelpCenter.DeleteSection)(w, r)
	}))
	s.handle(mux, "PUT "+base+"/articles/{id}", h(s.hcUpdateArticle))
	s.handle(mux, "DELETE "+base+"/articles/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.HelpCenter.DeleteArticle)(w, r)
	}))
	for _, k := range hcTranslatable {
		p := base + "/" + k.path + "/{id}/translations"
		s.handleOpen(mux, "GET "+p, h(s.hcListTranslations(k)))
		s.handleOpen(mux, "GET "+p+"/missing", h(s.hcMissingTranslations(k)))
		s.handleOpen(mux, "GET "+p+"/{tl}", h(s.hcShowTranslation(k)))
		s.handle(mux, "POST "+p, h(s.hcCreateTranslation(k)))
		s.handle(mux, "PUT "+p+"/{tl}", h(s.hcUpdateTranslation(k)))
		s.handle(mux, "DELETE "+p+"/{tl}", h(s.hcDeleteTranslation(k)))
	}
	s.handle(mux, "DELETE "+base+"/translations/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.HelpCenter.DeleteTranslationByID)(w, r)
	}))
	s.handleOpen(mux, "GET "+base+"/articles/search", h(s.hcSearch))
	s.handle(mux, "POST "+base+"/articles/{id}/up", h(s.hcVote(helpcenter.VoteUp)))
	s.handle(mux, "POST "+base+"/articles/{id}/down", h(s.hcVote(helpcenter.VoteDown)))
	s.handle(mux, "GET "+base+"/articles/{id}/votes", h(s.hcListVotes(func(r *http.Request, id int64) ([]helpcenter.ArticleVote, error) {
		return s.HelpCenter.ArticleVotes(r.Context(), id)
	})))
	s.handle(mux, "GET "+base+"/users/{id}/votes", h(s.hcListVotes(func(r *http.Request, id int64) ([]helpcenter.ArticleVote, error) {
		return s.HelpCenter.UserVotes(r.Context(), id)
	})))
	s.handle(mux, "GET "+base+"/votes/{id}", h(s.hcShowVote))
	s.handle(mux, "DELETE "+base+"/votes/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.HelpCenter.DeleteVote)(w, r)
	}))
	s.handle(mux, "GET "+base+"/incremental/articles", h(s.hcIncremental))
	// Article attachments: multipart upload (file, inline), the list and
	// one attachment (both open to whoever may read the article) and
	// deletion by attachment id. Zendesk's two reads,
	// articles/{article_id}/attachments and articles/attachments/{id},
	// overlap as patterns (articles/attachments/attachments matches both),
	// so one route takes both shapes and tells them apart.
	s.handle(mux, "POST "+base+"/articles/{id}/attachments", h(s.hcAddAttachment))
	s.handleOpen(mux, "GET "+base+"/articles/{a}/{b}", h(s.hcAttachmentReads))
	s.handle(mux, "DELETE "+base+"/articles/attachments/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.HelpCenter.DeleteAttachment)(w, r)
	}))
}

func hcAttachmentJSON(r *http.Request, a helpcenter.ArticleAttachment) map[string]any {
	b := baseURL(r)
	return map[string]any{"id": a.ID, "url": b + "/api/v2/help_center/articles/attachments/" + itoa(a.ID) + ".json",
		"article_id": a.ArticleID, "file_name": a.FileName, "content_url": b + a.Path(), "content_type": a.ContentType,
		"size": a.Size, "inline": a.Inline, "created_at": a.CreatedAt, "updated_at": a.CreatedAt}
}

// hcAddAttachment is POST articles/{id}/attachments: a multipart form with
// the file in "file" and "inline" true for an image shown in the body.
func (s *Server) hcAddAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.HelpCenter.CanEdit(r.Context()); err != nil {
		return err // before a byte of the upload is read
	}
	limit := s.MaxUpload
	if s.HelpCenter.Blobs != nil {
		limit = s.HelpCenter.Blobs.MaxSize
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return desk.Invalid("file", fmt.Sprintf("is too large (at most %d bytes)", limit))
		}
		return desk.Invalid("file", "send a multipart/form-data body with the file in \"file\"")
	}
	defer r.MultipartForm.RemoveAll()
	f, fh, err := r.FormFile("file")
	if err != nil {
		return desk.Invalid("file", "is required")
	}
	defer f.Close()
	inline := r.FormValue("inline") == "true" || r.FormValue("inline") == "1"
	a, err := s.HelpCenter.AddAttachment(r.Context(), id, fh.Filename, inline, f)
	if err != nil {
		return err
	}
	return created(w, baseURL(r)+"/api/v2/help_center/articles/attachments/"+itoa(a.ID)+".json", map[string]any{"article_attachment": hcAttachmentJSON(r, a)})
}

// hcAttachmentReads is GET articles/{article_id}/attachments (the list)
// and GET articles/attachments/{id} (one); any other two-part path under
// articles is not a route.
func (s *Server) hcAttachmentReads(w http.ResponseWriter, r *http.Request) error {
	switch {
	case r.PathValue("b") == "attachments":
		return s.hcListAttachments(w, r, "a")
	case r.PathValue("a") == "attachments":
		id, err := pathID(r, "b")
		if err != nil {
			return err
		}
		a, err := s.HelpCenter.Attachment(r.Context(), id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"article_attachment": hcAttachmentJSON(r, a)})
	}
	return &desk.Error{Code: desk.ENOTFOUND, Message: "No route matches " + r.Method + " " + r.URL.Path}
}

func (s *Server) hcListAttachments(w http.ResponseWriter, r *http.Request, param string) error {
	id, err := pathID(r, param)
	if err != nil {
		return err
	}
	as, err := s.HelpCenter.Attachments(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(as))
	for i, a := range as {
		out[i] = hcAttachmentJSON(r, a)
	}
	return writeJSON(w, http.StatusOK, hcList(r, "article_attachments", out, 1, max(len(out), 1), len(out)))
}

// hcKind is a translatable help-center item as the API names it.
type hcKind struct {
	kind       helpcenter.Kind
	path       string // the collection in paths: "articles"
	sourceType string // Zendesk's source_type: "Article"
}

var hcTranslatable = []hcKind{
	{helpcenter.KindArticle, "articles", "Article"},
	{helpcenter.KindSection, "sections", "Section"},
	{helpcenter.KindCategory, "categories", "Category"},
}

// hcLocale is the locale of the path, or of ?locale=, or "" (the
// service's fallback decides). An unknown locale is a 404, as in Zendesk.
func (s *Server) hcLocale(r *http.Request) (string, error) {
	loc := r.PathValue("locale")
	if loc == "" {
		loc = r.URL.Query().Get("locale")
		if loc == "" {
			return s.HelpCenter.DefaultLocale(), nil
		}
	}
	n := s.HelpCenter.NormalizeLocale(loc)
	if n == "" {
		return "", desk.NotFound()
	}
	return n, nil
}

func (s *Server) hcLocales(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{"locales": s.HelpCenter.Locales, "default_locale": s.HelpCenter.DefaultLocale()})
}

// hcPage reads Zendesk's offset paging (page, per_page ≤ 100).
func hcPage(r *http.Request) (int, int, error) {
	q := r.URL.Query()
	page, per := 1, 30
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return 0, 0, desk.Invalid("page", "must be a positive number")
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, desk.Invalid("per_page", "must be a positive number")
		}
		per = min(n, 100)
	}
	return page, per, nil
}

func hcList(r *http.Request, key string, items any, page, per, total int) map[string]any {
	env := map[string]any{key: items, "count": total, "page": page, "per_page": per,
		"page_count": max(1, (total+per-1)/per), "next_page": nil, "previous_page": nil}
	if page*per < total {
		env["next_page"] = pageURL(r, map[string]string{"page": strconv.Itoa(page + 1), "per_page": strconv.Itoa(per)})
	}
	if page > 1 {
		env["previous_page"] = pageURL(r, map[string]string{"page": strconv.Itoa(page - 1), "per_page": strconv.Itoa(per)})
	}
	return env
}

// hcArticleJSON is an article in Zendesk's shape, with its URLs.
func hcArticleJSON(r *http.Request, a helpcenter.Article) map[string]any {
	b := baseURL(r)
	return map[string]any{
		"id": a.ID, "url": b + "/api/v2/help_center/" + a.Locale + "/articles/" + itoa(a.ID) + ".json",
		"html_url": b + "/hc/" + a.Locale + "/articles/" + itoa(a.ID) + "-" + a.Slug(),
		"title":    a.Title, "body": a.Body, "author_id": a.AuthorID, "section_id": a.SectionID, "locale": a.Locale,
		"source_locale": a.SourceLocale, "draft": a.Draft, "outdated": a.Outdated, "promoted": a.Promoted,
		"comments_disabled": a.CommentsDisabled, "label_names": a.Labels, "position": a.Position, "vote_sum": a.VoteSum,
		"vote_count": a.VoteCount, "user_segment_id": nullID(a.SegmentID), "visibility": a.Visibility,
		"created_at": a.CreatedAt, "updated_at": a.UpdatedAt, "edited_at": a.EditedAt,
	}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func hcGroupJSON(r *http.Request, kind string, id int64, name, desc, loc, src string, outdated bool, pos int, created, updated desk.Time, extra map[string]any) map[string]any {
	b := baseURL(r)
	m := map[string]any{"id": id, "url": b + "/api/v2/help_center/" + loc + "/" + kind + "/" + itoa(id) + ".json",
		"html_url": b + "/hc/" + loc + "/" + kind + "/" + itoa(id) + "-" + helpcenter.Slug(name),
		"name":     name, "description": desc, "locale": loc, "source_locale": src, "outdated": outdated, "position": pos,
		"created_at": created, "updated_at": updated}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func hcCategoryJSON(r *http.Request, c helpcenter.Category) map[string]any {
	return hcGroupJSON(r, "categories", c.ID, c.Name, c.Description, c.Locale, c.SourceLocale, c.Outdated, c.Position, c.CreatedAt, c.UpdatedAt, nil)
}

func hcSectionJSON(r *http.Request, c helpcenter.Section) map[string]any {
	return hcGroupJSON(r, "sections", c.ID, c.Name, c.Description, c.Locale, c.SourceLocale, c.Outdated, c.Position, c.CreatedAt, c.UpdatedAt,
		map[string]any{"category_id": c.CategoryID})
}

// hcGroupByID is one category or section shown in loc, in Zendesk's shape.
func (s *Server) hcGroupByID(r *http.Request, kind helpcenter.Kind, id int64, loc string) (map[string]any, error) {
	if kind == helpcenter.KindSection {
		c, err := s.HelpCenter.Section(r.Context(), id, loc)
		return hcSectionJSON(r, c), err
	}
	c, err := s.HelpCenter.Category(r.Context(), id, loc)
	return hcCategoryJSON(r, c), err
}

// hcArticleByID is one article shown in loc, in Zendesk's shape.
func (s *Server) hcArticleByID(r *http.Request, _ helpcenter.Kind, id int64, loc string) (map[string]any, error) {
	a, err := s.HelpCenter.Article(r.Context(), id, loc)
	return hcArticleJSON(r, a), err
}

// hcShow is GET …/{categories|sections|articles}/{id}: {key: record}.
func (s *Server) hcShow(kind helpcenter.Kind, key string, get func(*http.Request, helpcenter.Kind, int64, string) (map[string]any, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		loc, err := s.hcLocale(r)
		if err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		m, err := get(r, kind, id, loc)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{key: m})
	}
}

func (s *Server) hcListCategories(w http.ResponseWriter, r *http.Request) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	cs, err := s.HelpCenter.Categories(r.Context(), loc)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(cs))
	for i, c := range cs {
		out[i] = hcCategoryJSON(r, c)
	}
	return writeJSON(w, http.StatusOK, hcList(r, "categories", out, 1, max(len(out), 1), len(out)))
}

func (s *Server) hcListSections(w http.ResponseWriter, r *http.Request) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	var cat int64
	if r.PathValue("id") != "" {
		if cat, err = pathID(r, "id"); err != nil {
			return err
		}
		if _, err := s.HelpCenter.Category(r.Context(), cat, loc); err != nil {
			return err
		}
	}
	ss, err := s.HelpCenter.Sections(r.Context(), loc, cat)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(ss))
	for i, c := range ss {
		out[i] = hcSectionJSON(r, c)
	}
	return writeJSON(w, http.StatusOK, hcList(r, "sections", out, 1, max(len(out), 1), len(out)))
}

func (s *Server) hcListArticles(w http.ResponseWriter, r *http.Request) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	page, per, err := hcPage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := helpcenter.ArticleFilter{Locale: loc, Page: page, PerPage: per, Label: q.Get("label_names"), SortBy: q.Get("sort_by"), SortOrder: q.Get("sort_order")}
	if i := strings.IndexByte(f.Label, ','); i >= 0 {
		f.Label = f.Label[:i]
	}
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if strings.Contains(r.URL.Path, "/sections/") {
			if _, err := s.HelpCenter.Section(r.Context(), id, loc); err != nil {
				return err
			}
			f.SectionID = id
		} else {
			if _, err := s.HelpCenter.Category(r.Context(), id, loc); err != nil {
				return err
			}
			f.CategoryID = id
		}
	}
	as, total, err := s.HelpCenter.Articles(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(as))
	for i, a := range as {
		out[i] = hcArticleJSON(r, a)
	}
	return writeJSON(w, http.StatusOK, hcList(r, "articles", out, page, per, total))
}

func (s *Server) hcGroupInput(r *http.Request, key string) (helpcenter.GroupInput, error) {
	env := map[string]*helpcenter.GroupInput{}
	if err := decode(r, &env); err != nil {
		return helpcenter.GroupInput{}, err
	}
	in := env[key]
	if in == nil {
		return helpcenter.GroupInput{}, desk.Invalid(key, "is required")
	}
	if in.Locale == "" && r.PathValue("locale") != "" {
		in.Locale = r.PathValue("locale")
	}
	if in.Locale != "" {
		if n := s.HelpCenter.NormalizeLocale(in.Locale); n != "" {
			in.Locale = n
		}
	}
	return *in, nil
}

// hcSaveGroup creates (POST categories, categories/{id}/sections) or
// updates (PUT categories/{id}, sections/{id}) a category or section.
func (s *Server) hcSaveGroup(kind helpcenter.Kind, creating bool) handlerFunc {
	key, coll := string(kind), map[helpcenter.Kind]string{helpcenter.KindCategory: "categories", helpcenter.KindSection: "sections"}[kind]
	return func(w http.ResponseWriter, r *http.Request) error {
		var id int64
		var err error
		if r.PathValue("id") != "" {
			if id, err = pathID(r, "id"); err != nil {
				return err
			}
		}
		in, err := s.hcGroupInput(r, key)
		if err != nil {
			return err
		}
		ctx := r.Context()
		var m map[string]any
		switch {
		case creating && kind == helpcenter.KindSection:
			in.CategoryID = &id // the category of the path
			var c helpcenter.Section
			c, err = s.HelpCenter.CreateSection(ctx, in)
			id, m = c.ID, hcSectionJSON(r, c)
		case creating:
			var c helpcenter.Category
			c, err = s.HelpCenter.CreateCategory(ctx, in)
			id, m = c.ID, hcCategoryJSON(r, c)
		case kind == helpcenter.KindSection:
			var c helpcenter.Section
			c, err = s.HelpCenter.UpdateSection(ctx, id, in)
			m = hcSectionJSON(r, c)
		default:
			var c helpcenter.Category
			c, err = s.HelpCenter.UpdateCategory(ctx, id, in)
			m = hcCategoryJSON(r, c)
		}
		if err != nil {
			return err
		}
		if creating {
			return created(w, baseURL(r)+"/api/v2/help_center/"+coll+"/"+itoa(id)+".json", map[string]any{key: m})
		}
		return writeJSON(w, http.StatusOK, map[string]any{key: m})
	}
}

// hcArticleInput decodes {"article": {...}}; Zendesk's user_segment_id
// null means everyone.
func (s *Server) hcArticleInput(r *http.Request) (helpcenter.ArticleInput, error) {
	var env struct {
		Article *helpcenter.ArticleInput `json:"article"`
	}
	if err := decode(r, &env); err != nil {
		return helpcenter.ArticleInput{}, err
	}
	if env.Article == nil {
		return helpcenter.ArticleInput{}, desk.Invalid("article", "is required")
	}
	in := *env.Article
	if in.Locale == "" && r.PathValue("locale") != "" {
		in.Locale = r.PathValue("locale")
	}
	if in.Locale != "" {
		if n := s.HelpCenter.NormalizeLocale(in.Locale); n != "" {
			in.Locale = n
		}
	}
	return in, nil
}

func (s *Server) hcCreateArticle(w http.ResponseWriter, r *http.Request) error {
	sec, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := s.hcArticleInput(r)
	if err != nil {
		return err
	}
	in.SectionID = &sec
	a, err := s.HelpCenter.CreateArticle(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, baseURL(r)+"/api/v2/help_center/articles/"+itoa(a.ID)+".json", map[string]any{"article": hcArticleJSON(r, a)})
}

func (s *Server) hcUpdateArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := s.hcArticleInput(r)
	if err != nil {
		return err
	}
	a, err := s.HelpCenter.UpdateArticle(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"article": hcArticleJSON(r, a)})
}

func hcTranslationJSON(r *http.Request, k hcKind, tr helpcenter.Translation) map[string]any {
	b := baseURL(r)
	return map[string]any{"id": tr.ID, "url": b + "/api/v2/help_center/" + k.path + "/" + itoa(tr.ItemID) + "/translations/" + tr.Locale + ".json",
		"html_url":  b + "/hc/" + tr.Locale + "/" + k.path + "/" + itoa(tr.ItemID) + "-" + helpcenter.Slug(tr.Title),
		"source_id": tr.ItemID, "source_type": k.sourceType, "locale": tr.Locale, "title": tr.Title, "body": tr.Body,
		"outdated": tr.Outdated, "draft": tr.Draft, "created_by_id": tr.AuthorID, "created_at": tr.CreatedAt, "updated_at": tr.UpdatedAt}
}

func (s *Server) hcListTranslations(k hcKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		trs, err := s.HelpCenter.Translations(r.Context(), k.kind, id)
		if err != nil {
			return err
		}
		out := make([]map[string]any, len(trs))
		for i, tr := range trs {
			out[i] = hcTranslationJSON(r, k, tr)
		}
		return writeJSON(w, http.StatusOK, hcList(r, "translations", out, 1, max(len(out), 1), len(out)))
	}
}

// hcMissingTranslations is GET …/translations/missing: the supported
// locales the item has no translation in, as {"locales": [...]}.
func (s *Server) hcMissingTranslations(k hcKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		ls, err := s.HelpCenter.MissingLocales(r.Context(), k.kind, id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"locales": ls})
	}
}

func (s *Server) hcTranslationLocale(r *http.Request) (int64, string, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, "", err
	}
	loc := s.HelpCenter.NormalizeLocale(r.PathValue("tl"))
	if loc == "" {
		return 0, "", desk.NotFound()
	}
	return id, loc, nil
}

func (s *Server) hcShowTranslation(k hcKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, loc, err := s.hcTranslationLocale(r)
		if err != nil {
			return err
		}
		tr, err := s.HelpCenter.Translation(r.Context(), k.kind, id, loc)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"translation": hcTranslationJSON(r, k, tr)})
	}
}

func decodeTranslation(r *http.Request) (helpcenter.TranslationInput, error) {
	var env struct {
		Translation *helpcenter.TranslationInput `json:"translation"`
	}
	if err := decode(r, &env); err != nil {
		return helpcenter.TranslationInput{}, err
	}
	if env.Translation == nil {
		return helpcenter.TranslationInput{}, desk.Invalid("translation", "is required")
	}
	return *env.Translation, nil
}

func (s *Server) hcCreateTranslation(k hcKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		in, err := decodeTranslation(r)
		if err != nil {
			return err
		}
		if n := s.HelpCenter.NormalizeLocale(in.Locale); n != "" {
			in.Locale = n
		}
		if _, err := s.HelpCenter.Translation(r.Context(), k.kind, id, in.Locale); err == nil {
			return desk.Invalid("locale", "already has a translation; update it instead")
		}
		tr, err := s.HelpCenter.SaveTranslation(r.Context(), k.kind, id, in)
		if err != nil {
			return err
		}
		return created(w, baseURL(r)+"/api/v2/help_center/"+k.path+"/"+itoa(id)+"/translations/"+tr.Locale+".json", map[string]any{"translation": hcTranslationJSON(r, k, tr)})
	}
}

func (s *Server) hcUpdateTranslation(k hcKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, loc, err := s.hcTranslationLocale(r)
		if err != nil {
			return err
		}
		in, err := decodeTranslation(r)
		if err != nil {
			return err
		}
		in.Locale = loc
		tr, err := s.HelpCenter.SaveTranslation(r.Context(), k.kind, id, in)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"translation": hcTranslationJSON(r, k, tr)})
	}
}

func (s *Server) hcDeleteTranslation(k hcKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, loc, err := s.hcTranslationLocale(r)
		if err != nil {
			return err
		}
		if err := s.HelpCenter.DeleteTranslation(r.Context(), k.kind, id, loc); err != nil {
			return err
		}
		return noContent(w)
	}
}

// hcSearch is GET /help_center/articles/search?query=&locale=: results
// are the articles the caller may read, with a highlighted snippet.
func (s *Server) hcSearch(w http.ResponseWriter, r *http.Request) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	page, per, err := hcPage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("query")
	if len(q) > helpcenter.MaxQuery {
		return desk.Invalid("query", "is too long")
	}
	res, total, err := s.HelpCenter.Search(r.Context(), loc, q, page, per)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(res))
	for i, x := range res {
		m := hcArticleJSON(r, x.Article)
		m["snippet"] = x.SnippetHTML
		m["result_type"] = "article"
		out[i] = m
	}
	return writeJSON(w, http.StatusOK, hcList(r, "results", out, page, per, total))
}

func hcVoteJSON(r *http.Request, v helpcenter.ArticleVote) map[string]any {
	b := baseURL(r)
	return map[string]any{"id": v.ID, "url": b + "/api/v2/help_center/votes/" + itoa(v.ID) + ".json", "user_id": nullID(v.UserID),
		"value": int(v.Value), "item_id": v.ArticleID, "item_type": "Article", "created_at": v.CreatedAt, "updated_at": v.CreatedAt}
}

// hcVote is POST articles/{id}/up|down: the caller's one vote, replacing
// an earlier one (200 with the vote).
func (s *Server) hcVote(v helpcenter.VoteValue) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if _, err := s.HelpCenter.Vote(r.Context(), id, "", v, ""); err != nil {
			return err
		}
		vote, _, err := s.HelpCenter.MyVote(r.Context(), id, "")
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"vote": hcVoteJSON(r, vote)})
	}
}

func (s *Server) hcListVotes(list func(*http.Request, int64) ([]helpcenter.ArticleVote, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		vs, err := list(r, id)
		if err != nil {
			return err
		}
		out := make([]map[string]any, len(vs))
		for i, v := range vs {
			out[i] = hcVoteJSON(r, v)
		}
		return writeJSON(w, http.StatusOK, hcList(r, "votes", out, 1, max(len(out), 1), len(out)))
	}
}

func (s *Server) hcShowVote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.HelpCenter.GetVote(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"vote": hcVoteJSON(r, v)})
}

// hcIncremental is the incremental article export: articles changed at or
// after start_time (Unix seconds), oldest first, 100 a page.
func (s *Server) hcIncremental(w http.ResponseWriter, r *http.Request) error {
	st, err := strconv.ParseInt(r.URL.Query().Get("start_time"), 10, 64)
	if err != nil || st < 0 || st > 1<<40 {
		return desk.Invalid("start_time", "must be a Unix time in seconds")
	}
	as, end, err := s.HelpCenter.Incremental(r.Context(), st*1_000_000, "")
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(as))
	for i, a := range as {
		out[i] = hcArticleJSON(r, a)
	}
	endSec := end / 1_000_000
	env := map[string]any{"articles": out, "count": len(out), "end_time": endSec, "next_page": nil}
	if len(as) == 100 {
		next := endSec
		if next == st { // a full page within one second: step past it
			next++
		}
		env["next_page"] = pageURL(r, map[string]string{"start_time": strconv.FormatInt(next, 10)})
	}
	return writeJSON(w, http.StatusOK, env)
}
