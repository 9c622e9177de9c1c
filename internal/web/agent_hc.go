package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

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
	h("POST /agent/hc/categories", staff, s.agentHCCreateCategory)
	h("POST /agent/hc/categories/{id}/delete", staff, s.agentHCDeleteCategory)
	h("POST /agent/hc/sections", staff, s.agentHCCreateSection)
	h("POST /agent/hc/sections/{id}/delete", staff, s.agentHCDeleteSection)
	h("POST /agent/hc/articles", staff, s.agentHCCreateArticle)
	h("GET /agent/hc/articles/{id}", staff, s.agentHCArticle)
	h("POST /agent/hc/articles/{id}", staff, s.agentHCSaveArticle)
	h("POST /agent/hc/articles/{id}/restore", staff, s.agentHCRestore)
	h("POST /agent/hc/articles/{id}/delete", staff, s.agentHCDeleteArticle)
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

func (s *Server) agentHCCreateCategory(w http.ResponseWriter, r *http.Request) error {
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	if _, err := s.d.HelpCenter.CreateCategory(r.Context(), helpcenter.GroupInput{Locale: r.PostFormValue("locale"), Name: &name,
		Description: &desc, Position: optInt(r.PostFormValue("position"))}); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/hc", "updated"))
}

func (s *Server) agentHCDeleteCategory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.HelpCenter.DeleteCategory(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/hc", "deleted"))
}

func (s *Server) agentHCCreateSection(w http.ResponseWriter, r *http.Request) error {
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	cat, _ := strconv.ParseInt(r.PostFormValue("category_id"), 10, 64)
	if _, err := s.d.HelpCenter.CreateSection(r.Context(), helpcenter.GroupInput{Locale: r.PostFormValue("locale"), Name: &name,
		Description: &desc, CategoryID: &cat, Position: optInt(r.PostFormValue("position"))}); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/hc", "updated"))
}

func (s *Server) agentHCDeleteSection(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.HelpCenter.DeleteSection(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/hc", "deleted"))
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
	var cur *helpcenter.Translation
	for i := range trs {
		if trs[i].Locale == loc {
			cur = &trs[i]
		}
	}
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
	pg.Data = map[string]any{"Article": a, "Locale": loc, "Translations": trs, "Current": cur, "Title": title, "Body": body,
		"Revisions": revs, "Sections": secs, "Locales": hc.Locales, "Labels": strings.Join(a.Labels, ", "),
		"PublicURL":    hcPath(loc, "articles", a.ID, a.Title),
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
