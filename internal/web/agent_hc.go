package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
)

// The agents' help-center editing pages (/agent/hc). They are thin: every
// change goes through package helpcenter, which requires the
// manage_help_center permission.

func (s *Server) registerHelpCenterEditing(h func(string, access, handlerFunc)) {
	if s.d.HelpCenter == nil {
		return
	}
	h("GET /agent/hc", staff, s.agentHC)
	for _, g := range hcGroupKinds {
		h("POST /agent/hc/"+g.Path, staff, s.agentHCCreateGroup(g))
		h("POST /agent/hc/"+g.Path+"/{id}/delete", staff, s.agentHCDeleteGroup(g))
		h("GET /agent/hc/"+g.Path+"/{id}", staff, s.agentHCGroup(g))
		h("POST /agent/hc/"+g.Path+"/{id}", staff, s.agentHCSaveGroup(g))
	}
	h("POST /agent/hc/articles", staff, s.agentHCCreateArticle)
	h("GET /agent/hc/articles/{id}", staff, s.agentHCArticle)
	h("POST /agent/hc/articles/{id}", staff, s.agentHCSaveArticle)
	h("POST /agent/hc/articles/{id}/restore", staff, s.agentHCRestore)
	h("POST /agent/hc/articles/{id}/delete", staff, s.agentHCDeleteArticle)
	h("POST /agent/hc/articles/{id}/attachments/{aid}/delete", staff, s.agentHCDeleteAttachment)
	h("POST /agent/hc/preview", staff, s.agentHCPreview)
}

// CanManageHelpCenter reports whether the viewer may edit the help center
// (for the navigation link; the service decides every action).
func (p *page) CanManageHelpCenter() bool {
	return p.reqCtx.p != nil && p.reqCtx.p.Can().ManageHelpCenter
}

type agentHCArticleRow struct {
	helpcenter.Article
	Deflections int
}

func (s *Server) agentHC(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	hc := s.d.HelpCenter
	defl, err := hc.Deflections(ctx) // managers only: refuses everyone else
	if err != nil {
		return err
	}
	loc := rcFrom(r).locale
	cats, err := hc.Categories(ctx, loc)
	if err != nil {
		return err
	}
	secs, err := hc.Sections(ctx, loc, 0)
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	const per = 50
	arts, total, err := hc.Articles(ctx, helpcenter.ArticleFilter{Locale: loc, Page: page, PerPage: per, SortBy: "updated_at", SortOrder: "desc"})
	if err != nil {
		return err
	}
	rows := make([]agentHCArticleRow, len(arts))
	for i, a := range arts {
		rows[i] = agentHCArticleRow{Article: a, Deflections: defl[a.ID]}
	}
	pg := s.newPage(r, "agent", "")
	pg.Title = pg.T("hc.manage")
	pg.Nav = "hc"
	pg.Data = map[string]any{"Categories": cats, "Sections": secs, "Articles": rows, "Pager": newPager(r, total, per), "Locales": hc.Locales}
	return s.render(w, http.StatusOK, "agent_hc", pg)
}

func optInt(v string) *int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return nil
	}
	return &n
}

// agentHCCreateGroup adds a category or (with category_id) a section.
func (s *Server) agentHCCreateGroup(g hcGroupKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		name, desc := r.PostFormValue("name"), r.PostFormValue("description")
		in := helpcenter.GroupInput{Locale: r.PostFormValue("locale"), Name: &name, Description: &desc, Position: optInt(r.PostFormValue("position"))}
		var err error
		if g.Kind == helpcenter.KindSection {
			cat, _ := strconv.ParseInt(r.PostFormValue("category_id"), 10, 64)
			in.CategoryID = &cat
			_, err = s.d.HelpCenter.CreateSection(r.Context(), in)
		} else {
			_, err = s.d.HelpCenter.CreateCategory(r.Context(), in)
		}
		if err != nil {
			return err
		}
		return redirect(w, r, withMsg("/agent/hc", "updated"))
	}
}

// agentHCDeleteGroup removes a category or a section with what it holds.
func (s *Server) agentHCDeleteGroup(g hcGroupKind) handlerFunc {
	del := s.d.HelpCenter.DeleteCategory
	if g.Kind == helpcenter.KindSection {
		del = s.d.HelpCenter.DeleteSection
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := del(r.Context(), id); err != nil {
			return err
		}
		return redirect(w, r, withMsg("/agent/hc", "deleted"))
	}
}

func (s *Server) agentHCCreateArticle(w http.ResponseWriter, r *http.Request) error {
	title := r.PostFormValue("title")
	sec, _ := strconv.ParseInt(r.PostFormValue("section_id"), 10, 64)
	body := ""
	a, err := s.d.HelpCenter.CreateArticle(r.Context(), helpcenter.ArticleInput{SectionID: &sec, Locale: r.PostFormValue("locale"),
		Title: &title, Body: &body, Draft: true})
	if err != nil {
		return err
	}
	return redirect(w, r, "/agent/hc/articles/"+strconv.FormatInt(a.ID, 10)+"?locale="+a.Locale)
}

// agentHCArticle is the editor of one article translation.
func (s *Server) agentHCArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderHCEditor(w, r, id, r.URL.Query().Get("locale"), http.StatusOK, nil)
}

func (s *Server) renderHCEditor(w http.ResponseWriter, r *http.Request, id int64, loc string, status int, formErr error) error {
	ctx := r.Context()
	hc := s.d.HelpCenter
	a, err := hc.Article(ctx, id, loc)
	if err != nil {
		return err
	}
	if !hc.ValidLocale(loc) {
		loc = a.SourceLocale
	}
	trs, err := hc.Translations(ctx, helpcenter.KindArticle, id)
	if err != nil {
		return err
	}
	cur := translationIn(trs, loc)
	revs, err := hc.Revisions(ctx, helpcenter.KindArticle, id, loc)
	if err != nil {
		return err
	}
	secs, err := hc.Sections(ctx, rcFrom(r).locale, 0)
	if err != nil {
		return err
	}
	pg := s.newPage(r, "agent", "")
	pg.Nav = "hc"
	pg.Title = pg.T("hc.edit_article")
	title, body := "", ""
	if cur != nil {
		title, body = cur.DraftTitle, cur.DraftBody
	}
	if formErr != nil {
		pg.Error = pg.T("errors.validation") + " " + errorText(formErr)
		pg.FieldErrors = fieldErrors(formErr)
		title, body = r.PostFormValue("title"), r.PostFormValue("body")
	}
	atts, err := hc.Attachments(ctx, id)
	if err != nil {
		return err
	}
	pg.Data = map[string]any{"Article": a, "Locale": loc, "Translations": trs, "Current": cur, "Title": title, "Body": body, "Attachments": atts,
		"Revisions": revs, "Sections": secs, "Locales": hc.Locales, "Labels": strings.Join(a.Labels, ", "),
		"PublicURL": hcPath(loc, "articles", a.ID, a.Title), "EditURL": "/agent/hc/articles/" + strconv.FormatInt(a.ID, 10),
		"Visibilities": []helpcenter.Visibility{helpcenter.VisEveryone, helpcenter.VisSignedIn, helpcenter.VisAgents, helpcenter.VisGroup, helpcenter.VisOrganization}}
	return s.render(w, status, "agent_hc_article", pg)
}

func (s *Server) agentHCSaveArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	loc := r.PostFormValue("locale")
	title, body := r.PostFormValue("title"), r.PostFormValue("body")
	in := helpcenter.ArticleInput{Locale: loc, Title: &title, Body: &body, Draft: r.PostFormValue("action") != "publish"}
	if v := r.PostFormValue("section_id"); v != "" {
		sec, _ := strconv.ParseInt(v, 10, 64)
		in.SectionID = &sec
	}
	if v := r.PostFormValue("visibility"); v != "" {
		vis := helpcenter.Visibility(v)
		in.Visibility = &vis
		seg, _ := strconv.ParseInt(r.PostFormValue("segment_id"), 10, 64)
		in.SegmentID = &seg
	}
	if r.PostForm.Has("properties") {
		promoted, noComments := r.PostFormValue("promoted") == "1", r.PostFormValue("comments_disabled") == "1"
		in.Promoted, in.CommentsDisabled = &promoted, &noComments
		labels := strings.Split(r.PostFormValue("labels"), ",")
		in.Labels = &labels
	}
	if _, err := s.d.HelpCenter.UpdateArticle(r.Context(), id, in); err != nil {
		if formError(err) {
			return s.renderHCEditor(w, r, id, loc, http.StatusUnprocessableEntity, err)
		}
		return err
	}
	return redirect(w, r, withMsg("/agent/hc/articles/"+strconv.FormatInt(id, 10)+"?locale="+loc, "updated"))
}

func (s *Server) agentHCRestore(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rev, _ := strconv.ParseInt(r.PostFormValue("revision_id"), 10, 64)
	tr, err := s.d.HelpCenter.RestoreRevision(r.Context(), helpcenter.KindArticle, id, rev)
	if err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/hc/articles/"+strconv.FormatInt(id, 10)+"?locale="+tr.Locale, "updated"))
}

func (s *Server) agentHCDeleteArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.HelpCenter.DeleteArticle(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/hc", "deleted"))
}

// agentHCPreview renders Markdown as the article page will show it
// (sanitised), for the editor's live preview.
func (s *Server) agentHCPreview(w http.ResponseWriter, r *http.Request) error {
	html, err := s.d.HelpCenter.Preview(r.Context(), r.PostFormValue("body"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	return json.NewEncoder(w).Encode(map[string]string{"html": html})
}

// hcGroupKind is a category or a section as the editing pages treat them:
// the same form (name, description, position and, for sections, the
// category), per locale, saved through the service's one update rule.
type hcGroupKind struct {
	Kind  helpcenter.Kind
	Path  string // "categories"
	Title string // the page title's message key
}

var hcGroupKinds = []hcGroupKind{
	{helpcenter.KindCategory, "categories", "hc.edit_category"},
	{helpcenter.KindSection, "sections", "hc.edit_section"},
}

// hcGroupView is what the group editor shows, whichever the kind.
type hcGroupView struct {
	ID, CategoryID    int64
	Name, Description string
	Position          int
	SourceLocale      string
}

func (s *Server) hcGroupView(r *http.Request, g hcGroupKind, id int64, loc string) (hcGroupView, error) {
	hc := s.d.HelpCenter
	if g.Kind == helpcenter.KindCategory {
		c, err := hc.Category(r.Context(), id, loc)
		return hcGroupView{ID: c.ID, Name: c.Name, Description: c.Description, Position: c.Position, SourceLocale: c.SourceLocale}, err
	}
	c, err := hc.Section(r.Context(), id, loc)
	return hcGroupView{ID: c.ID, CategoryID: c.CategoryID, Name: c.Name, Description: c.Description, Position: c.Position, SourceLocale: c.SourceLocale}, err
}

func (s *Server) agentHCGroup(g hcGroupKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		return s.renderHCGroup(w, r, g, id, r.URL.Query().Get("locale"), http.StatusOK, nil)
	}
}

func (s *Server) renderHCGroup(w http.ResponseWriter, r *http.Request, g hcGroupKind, id int64, loc string, status int, formErr error) error {
	ctx := r.Context()
	hc := s.d.HelpCenter
	if _, err := hc.Deflections(ctx); err != nil { // managers only, as the list page
		return err
	}
	item, err := s.hcGroupView(r, g, id, loc)
	if err != nil {
		return err
	}
	if !hc.ValidLocale(loc) {
		loc = item.SourceLocale
	}
	trs, err := hc.Translations(ctx, g.Kind, id)
	if err != nil {
		return err
	}
	cur := translationIn(trs, loc)
	var cats []helpcenter.Category
	if g.Kind == helpcenter.KindSection {
		if cats, err = hc.Categories(ctx, rcFrom(r).locale); err != nil {
			return err
		}
	}
	pg := s.newPage(r, "agent", "")
	pg.Nav = "hc"
	pg.Title = pg.T(g.Title)
	name, desc, pos := "", "", strconv.Itoa(item.Position)
	if cur != nil {
		name, desc = cur.DraftTitle, cur.DraftBody
	}
	if formErr != nil {
		pg.Error = pg.T("errors.validation") + " " + errorText(formErr)
		pg.FieldErrors = fieldErrors(formErr)
		name, desc, pos = r.PostFormValue("name"), r.PostFormValue("description"), r.PostFormValue("position")
	}
	pg.Data = map[string]any{"Kind": g, "Item": item, "Locale": loc, "Locales": hc.Locales, "Current": cur,
		"Name": name, "Description": desc, "Position": pos, "Categories": cats,
		"PublicURL": hcPath(loc, g.Path, id, item.Name), "EditURL": "/agent/hc/" + g.Path + "/" + strconv.FormatInt(id, 10)}
	return s.render(w, status, "agent_hc_group", pg)
}

func (s *Server) agentHCSaveGroup(g hcGroupKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		loc := r.PostFormValue("locale")
		name, desc := r.PostFormValue("name"), r.PostFormValue("description")
		in := helpcenter.GroupInput{Locale: loc, Name: &name, Description: &desc}
		if v := strings.TrimSpace(r.PostFormValue("position")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 1_000_000 {
				return s.renderHCGroup(w, r, g, id, loc, http.StatusUnprocessableEntity, desk.Invalid("position", "must be a whole number from 0 to 1000000"))
			}
			in.Position = &n
		}
		if g.Kind == helpcenter.KindSection {
			if v := r.PostFormValue("category_id"); v != "" {
				cat, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return s.renderHCGroup(w, r, g, id, loc, http.StatusUnprocessableEntity, desk.Invalid("category_id", "is not a category"))
				}
				in.CategoryID = &cat
			}
			_, err = s.d.HelpCenter.UpdateSection(r.Context(), id, in)
		} else {
			_, err = s.d.HelpCenter.UpdateCategory(r.Context(), id, in)
		}
		if err != nil {
			if formError(err) {
				return s.renderHCGroup(w, r, g, id, loc, http.StatusUnprocessableEntity, err)
			}
			return err
		}
		return redirect(w, r, withMsg("/agent/hc/"+g.Path+"/"+strconv.FormatInt(id, 10)+"?locale="+loc, "updated"))
	}
}

// translationIn is the translation in loc among trs, or nil.
func translationIn(trs []helpcenter.Translation, loc string) *helpcenter.Translation {
	for i := range trs {
		if trs[i].Locale == loc {
			return &trs[i]
		}
	}
	return nil
}

// agentHCUpload attaches a file to an article from the editor (a
// multipart form: file, inline). Mounted as an upload route in web.go.
func (s *Server) agentHCUpload(w http.ResponseWriter, r *http.Request) error {
	if s.d.HelpCenter == nil {
		return desk.NotFound()
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	loc := r.PostFormValue("locale")
	var fail error
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) != 1 {
		fail = desk.Invalid("file", "choose one file")
	} else {
		fh := r.MultipartForm.File["file"][0]
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		_, fail = s.d.HelpCenter.AddAttachment(r.Context(), id, fh.Filename, r.PostFormValue("inline") == "1", f)
	}
	if fail != nil {
		if formError(fail) {
			return s.renderHCEditor(w, r, id, loc, http.StatusUnprocessableEntity, fail)
		}
		return fail
	}
	return redirect(w, r, withMsg("/agent/hc/articles/"+strconv.FormatInt(id, 10)+"?locale="+loc, "updated")+"#hc-files-title")
}

func (s *Server) agentHCDeleteAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	aid, err := pathID(r, "aid")
	if err != nil {
		return err
	}
	a, err := s.d.HelpCenter.Attachment(r.Context(), aid)
	if err != nil {
		return err
	}
	if a.ArticleID != id {
		return desk.NotFound()
	}
	if err := s.d.HelpCenter.DeleteAttachment(r.Context(), aid); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/hc/articles/"+strconv.FormatInt(id, 10)+"?locale="+r.PostFormValue("locale"), "deleted")+"#hc-files-title")
}
