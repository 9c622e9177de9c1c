package web

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/sanitize"
)

// The community forums (p10-community): public pages under
// /hc/{locale}/community in the portal's layout, forms for posting,
// commenting, voting and following (plain forms with the CSRF token; no
// script needed), agents' escalate and moderation controls on the post
// page, and the moderation queue under /agent/community. The community
// service decides who may do what; these handlers only translate forms.

func init() {
	flashKeys["cposted"] = "community.flash_posted"
	flashKeys["cheld"] = "community.flash_held"
	flashKeys["ccommented"] = "community.flash_commented"
	flashKeys["cvoted"] = "community.flash_voted"
	flashKeys["cfollowed"] = "community.flash_followed"
	flashKeys["cunfollowed"] = "community.flash_unfollowed"
	flashKeys["cescalated"] = "community.flash_escalated"
	flashKeys["cmoderated"] = "community.flash_moderated"
	flashKeys["cbanned"] = "community.flash_banned"
	flashKeys["cunbanned"] = "community.flash_unbanned"
}

func (s *Server) registerCommunity(h func(string, access, handlerFunc)) {
	if s.d.Community == nil {
		return
	}
	h("GET /hc/{locale}/community", public, s.communityHome)
	h("GET /hc/{locale}/community/{$}", public, s.communityHome)
	h("GET /hc/{locale}/community/topics", public, s.communityTopics)
	h("GET /hc/{locale}/community/topics/{id}", public, s.communityTopic)
	h("POST /hc/{locale}/community/topics/{id}/follow", customer, s.communityFollowTopic)
	h("GET /hc/{locale}/community/posts/new", customer, s.communityNewPost)
	h("POST /hc/{locale}/community/posts", customer, s.communityCreatePost)
	h("GET /hc/{locale}/community/posts/{ref}", public, s.communityPost)
	h("POST /hc/{locale}/community/posts/{id}/comments", customer, s.communityComment)
	h("POST /hc/{locale}/community/posts/{id}/vote", customer, s.communityVote)
	h("POST /hc/{locale}/community/posts/{id}/comments/{cid}/vote", customer, s.communityVote)
	h("POST /hc/{locale}/community/posts/{id}/follow", customer, s.communityFollowPost)
	h("POST /hc/{locale}/community/posts/{id}/escalate", staff, s.communityEscalate)
	h("POST /hc/{locale}/community/posts/{id}/moderate", staff, s.communityModeratePost)
	h("POST /hc/{locale}/community/posts/{id}/delete", customer, s.communityDeletePost)
	h("GET /hc/{locale}/community/posts/{id}/edit", customer, s.communityEditPost)
	h("POST /hc/{locale}/community/posts/{id}/edit", customer, s.communityUpdatePost)
	h("POST /hc/{locale}/community/posts/{id}/comments/{cid}/official", staff, s.communityOfficial)
	h("POST /hc/{locale}/community/posts/{id}/comments/{cid}/delete", customer, s.communityDeleteComment)
	h("GET /hc/{locale}/community/posts/{id}/comments/{cid}/edit", customer, s.communityEditComment)
	h("POST /hc/{locale}/community/posts/{id}/comments/{cid}/edit", customer, s.communityUpdateComment)
	h("POST /hc/{locale}/community/posts/{id}/comments/{cid}/escalate", staff, s.communityEscalateComment)
	h("GET /agent/community/moderation", staff, s.communityQueue)
	h("POST /agent/community/moderation/{type}/{id}", staff, s.communityModerate)
	h("POST /agent/community/bans", staff, s.communityBan)
	h("POST /agent/community/bans/{id}/delete", staff, s.communityUnban)
	h("GET /agent/community/topics", staff, s.communityTopicsAdmin)
	h("POST /agent/community/topics", staff, s.communityCreateTopic)
	h("POST /agent/community/topics/{id}", staff, s.communityUpdateTopic)
	h("POST /agent/community/topics/{id}/move", staff, s.communityMoveTopic)
	h("POST /agent/community/topics/{id}/delete", staff, s.communityDeleteTopic)
	h("POST /agent/community/limits", admin, s.communitySetLimits)
}

// hcLocale takes the page's locale from the URL: it must be a locale with
// a catalogue (anything else is not found, so no path trick gets through),
// and the page speaks it whatever the visitor's preference.
func (s *Server) hcLocale(r *http.Request) (string, error) {
	loc := r.PathValue("locale")
	if !slices.Contains(s.bundle.Locales(), loc) {
		return "", desk.NotFound()
	}
	rc := rcFrom(r)
	if rc.locale != loc {
		rc.locale = loc
		rc.tr = s.translator(loc, rc.tz)
	}
	return loc, nil
}

func communityBase(loc string) string { return "/hc/" + loc + "/community" }

// CommunityModerator reports whether the visitor moderates the community
// (the navigation shows the moderation queue).
func (p *page) CommunityModerator() bool {
	return p.s.d.Community != nil && community.CanModerate(p.reqCtx.p)
}

// communityPage is a portal page of the community.
func (s *Server) communityPage(r *http.Request, title string) *page {
	pg := s.newPage(r, "portal", title)
	pg.Nav = "community"
	return pg
}

// cPost is a post as pages show it.
type cPost struct {
	*community.Post
	Href        string
	DetailsHTML template.HTML
}

func viewPost(p *community.Post, loc string) cPost {
	return cPost{Post: p, Href: p.Path(loc), DetailsHTML: template.HTML(sanitize.HTML(p.Details))} //nolint:gosec // sanitized again here
}

type cComment struct {
	*community.Comment
	BodyHTML template.HTML
	MyVote   int // the visitor's vote on it (post pages)
}

func viewComment(c *community.Comment) cComment {
	return cComment{Comment: c, BodyHTML: template.HTML(sanitize.HTML(c.Body))} //nolint:gosec // sanitized again here
}

type communityTopicsData struct {
	Base   string
	Topics []*community.Topic
	Posts  []cPost // the most recent
}

func (s *Server) communityHome(w http.ResponseWriter, r *http.Request) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	return redirect(w, r, communityBase(loc)+"/topics")
}

func (s *Server) communityTopics(w http.ResponseWriter, r *http.Request) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := communityTopicsData{Base: communityBase(loc)}
	if d.Topics, err = s.d.Community.Topics(ctx, loc); err != nil {
		return err
	}
	posts, _, err := s.d.Community.Posts(ctx, community.PostFilter{PerPage: 10})
	if err != nil {
		return err
	}
	for _, p := range posts {
		d.Posts = append(d.Posts, viewPost(p, loc))
	}
	pg := s.communityPage(r, rcFrom(r).T("community.title"))
	pg.Data = d
	return s.render(w, http.StatusOK, "community_topics", pg)
}

type communityTopicData struct {
	Base      string
	Topic     *community.Topic
	Posts     []cPost
	Following bool
	Sort      string
	Sorts     []string
	Pager     pager
}

var communitySorts = []string{"created_at", "updated_at", "votes", "comments"}

// localeAndID reads a community route's locale and {id}.
func (s *Server) localeAndID(r *http.Request) (string, int64, error) {
	loc, err := s.hcLocale(r)
	if err != nil {
		return "", 0, err
	}
	id, err := pathID(r, "id")
	return loc, id, err
}

func (s *Server) communityTopic(w http.ResponseWriter, r *http.Request) error {
	loc, id, err := s.localeAndID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := communityTopicData{Base: communityBase(loc), Sort: r.URL.Query().Get("sort_by"), Sorts: communitySorts}
	if !slices.Contains(communitySorts, d.Sort) {
		d.Sort = "created_at"
	}
	if d.Topic, err = s.d.Community.Topic(ctx, id, loc); err != nil {
		return err
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	posts, total, err := s.d.Community.Posts(ctx, community.PostFilter{TopicID: id, SortBy: d.Sort, Page: max(page, 1), PerPage: community.DefaultPerPage})
	if err != nil {
		return err
	}
	for _, p := range posts {
		d.Posts = append(d.Posts, viewPost(p, loc))
	}
	d.Pager = newPager(r, total, community.DefaultPerPage)
	if d.Following, err = s.d.Community.Following(ctx, community.TypeTopic, id); err != nil {
		return err
	}
	pg := s.communityPage(r, d.Topic.Name)
	pg.Data = d
	return s.render(w, http.StatusOK, "community_topic", pg)
}

type communityPostData struct {
	Base      string
	Post      cPost
	Topic     *community.Topic
	Topics    []*community.Topic
	Comments  []cComment
	MyVote    int
	Following bool
	Banned    bool
	// CanModerate and CanEscalate show the agents' controls.
	CanModerate, CanEscalate bool
	Statuses                 []community.Status
}

func (s *Server) communityPost(w http.ResponseWriter, r *http.Request) error {
	return s.showCommunityPost(w, r, http.StatusOK, "", nil)
}

func (s *Server) showCommunityPost(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	var id int64
	if ref := r.PathValue("ref"); ref != "" {
		var ok bool
		if id, _, ok = community.ParseRef(ref); !ok {
			return desk.NotFound()
		}
	} else if id, err = pathID(r, "id"); err != nil {
		return err
	}
	ctx := r.Context()
	post, err := s.d.Community.Post(ctx, id)
	if err != nil {
		return err
	}
	// One address per post: an old or missing slug redirects to it.
	if r.Method == http.MethodGet && r.PathValue("ref") != strconv.FormatInt(id, 10)+"-"+post.Slug() {
		return redirect(w, r, post.Path(loc))
	}
	rc := rcFrom(r)
	d := communityPostData{Base: communityBase(loc), Post: viewPost(post, loc), CanModerate: community.CanModerate(rc.p),
		CanEscalate: community.CanEscalate(rc.p), Statuses: community.Statuses}
	if d.Topic, err = s.d.Community.Topic(ctx, post.TopicID, loc); err != nil {
		return err
	}
	if d.CanModerate {
		if d.Topics, err = s.d.Community.Topics(ctx, loc); err != nil {
			return err
		}
	}
	comments, _, err := s.d.Community.Comments(ctx, id, 1, community.MaxPerPage)
	if err != nil {
		return err
	}
	mine, err := s.d.Community.MyCommentVotes(ctx, id)
	if err != nil {
		return err
	}
	for _, c := range comments {
		v := viewComment(c)
		v.MyVote = mine[c.ID]
		d.Comments = append(d.Comments, v)
	}
	if d.MyVote, err = s.d.Community.MyVote(ctx, id); err != nil {
		return err
	}
	if d.Following, err = s.d.Community.Following(ctx, community.TypePost, id); err != nil {
		return err
	}
	if d.Banned, err = s.d.Community.Banned(ctx); err != nil {
		return err
	}
	pg := s.communityPage(r, post.Title)
	pg.Error, pg.FieldErrors = msg, fe
	if r.Method == http.MethodPost {
		pg.Form.Set("body", r.PostFormValue("body"))
	}
	pg.Data = d
	return s.render(w, status, "community_post", pg)
}

type communityNewPostData struct {
	Base   string
	Topics []*community.Topic
	Kinds  []community.Kind
	Banned bool
}

// communityEditData is the edit form of a post, or of one of its
// comments (Comment set).
type communityEditData struct {
	Base    string
	Post    *community.Post
	Comment *community.Comment
	Href    string
	Kinds   []community.Kind
}

func (s *Server) communityEditPost(w http.ResponseWriter, r *http.Request) error {
	return s.showCommunityEdit(w, r, http.StatusOK, "", nil)
}

// showCommunityEdit shows the edit form: the post's Markdown (or the text
// of HTML details), or what was just sent with its errors.
func (s *Server) showCommunityEdit(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	loc, id, err := s.localeAndID(r)
	if err != nil {
		return err
	}
	p, text, err := s.d.Community.EditablePost(r.Context(), id)
	if err != nil {
		return err
	}
	return s.renderCommunityEdit(w, r, status, msg, fe, "community.edit_post", "community_edit_post",
		[][2]string{{"title", p.Title}, {"details", text}, {"kind", string(p.Kind)}},
		communityEditData{Base: communityBase(loc), Post: p, Href: p.Path(loc), Kinds: community.Kinds})
}

// renderCommunityEdit renders an edit form (of a post or a comment) with
// msg and fe: its fields hold what was just sent on a POST, the stored
// values otherwise.
func (s *Server) renderCommunityEdit(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string,
	title, tmpl string, stored [][2]string, d communityEditData) error {
	pg := s.communityPage(r, rcFrom(r).T(title))
	pg.Error, pg.FieldErrors = msg, fe
	for _, f := range stored {
		v := f[1]
		if r.Method == http.MethodPost {
			v = r.PostFormValue(f[0])
		}
		pg.Form.Set(f[0], v)
	}
	pg.Data = d
	return s.render(w, status, tmpl, pg)
}

func (s *Server) communityUpdatePost(w http.ResponseWriter, r *http.Request) error {
	loc, id, err := s.localeAndID(r)
	if err != nil {
		return err
	}
	title, text := r.PostFormValue("title"), r.PostFormValue("details")
	kind := community.Kind(r.PostFormValue("kind"))
	p, err := s.d.Community.UpdatePost(r.Context(), id, community.PostInput{Title: &title, Text: &text, Kind: &kind})
	if err != nil {
		return communityFormError(err, func(st int, msg string, fe map[string][]string) error {
			return s.showCommunityEdit(w, r, st, msg, fe)
		}, rcFrom(r))
	}
	return redirect(w, r, withMsg(p.Path(loc), "cmoderated"))
}

func (s *Server) communityNewPost(w http.ResponseWriter, r *http.Request) error {
	return s.showCommunityNewPost(w, r, http.StatusOK, "", nil)
}

func (s *Server) showCommunityNewPost(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := communityNewPostData{Base: communityBase(loc), Kinds: community.Kinds}
	if d.Topics, err = s.d.Community.Topics(ctx, loc); err != nil {
		return err
	}
	if d.Banned, err = s.d.Community.Banned(ctx); err != nil {
		return err
	}
	pg := s.communityPage(r, rcFrom(r).T("community.new_post"))
	pg.Error, pg.FieldErrors = msg, fe
	if r.Method == http.MethodPost {
		for _, k := range []string{"title", "details", "kind", "topic_id"} {
			pg.Form.Set(k, r.PostFormValue(k))
		}
	} else {
		pg.Form.Set("topic_id", r.URL.Query().Get("topic_id"))
	}
	pg.Data = d
	return s.render(w, status, "community_new_post", pg)
}

// communityFormError re-renders a form with the service's validation
// errors, or passes other errors on.
func communityFormError(err error, show func(status int, msg string, fe map[string][]string) error, rc *reqCtx) error {
	if desk.ErrorCode(err) == desk.EINVALID {
		return show(http.StatusUnprocessableEntity, rc.T("errors.validation")+" "+errorText(err), fieldErrors(err))
	}
	return err
}

func (s *Server) communityCreatePost(w http.ResponseWriter, r *http.Request) error {
	loc, err := s.hcLocale(r)
	if err != nil {
		return err
	}
	topic, _ := strconv.ParseInt(r.PostFormValue("topic_id"), 10, 64)
	title, text := r.PostFormValue("title"), r.PostFormValue("details")
	kind := community.Kind(r.PostFormValue("kind"))
	p, err := s.d.Community.CreatePost(r.Context(), community.PostInput{Title: &title, Text: &text, Kind: &kind, TopicID: &topic})
	if err != nil {
		return communityFormError(err, func(st int, msg string, fe map[string][]string) error {
			return s.showCommunityNewPost(w, r, st, msg, fe)
		}, rcFrom(r))
	}
	m := "cposted"
	if p.Moderation == community.Pending {
		m = "cheld"
	}
	return redirect(w, r, withMsg(p.Path(loc), m))
}

// postTarget reads the post id of a POST and returns the post's page.
func (s *Server) postTarget(r *http.Request) (int64, string, error) {
	loc, id, err := s.localeAndID(r)
	if err != nil {
		return 0, "", err
	}
	p, err := s.d.Community.Post(r.Context(), id)
	if err != nil {
		return 0, "", err
	}
	return id, p.Path(loc), nil
}

// commentTarget is postTarget for a comment's path: the post, the
// comment's id and where to go back to.
func (s *Server) commentTarget(r *http.Request) (int64, int64, string, error) {
	id, back, err := s.postTarget(r)
	if err != nil {
		return 0, 0, "", err
	}
	cid, err := pathID(r, "cid")
	return id, cid, back, err
}

func (s *Server) communityComment(w http.ResponseWriter, r *http.Request) error {
	id, back, err := s.postTarget(r)
	if err != nil {
		return err
	}
	text := r.PostFormValue("body")
	in := community.CommentInput{Text: &text}
	if r.PostFormValue("official") == "1" {
		in.Official = ptrBool(true)
	}
	c, err := s.d.Community.CreateComment(r.Context(), id, in)
	if err != nil {
		return communityFormError(err, func(st int, msg string, fe map[string][]string) error {
			return s.showCommunityPost(w, r, st, msg, fe)
		}, rcFrom(r))
	}
	m := "ccommented"
	if c.Moderation == community.Pending {
		m = "cheld"
	}
	return redirect(w, r, withMsg(back, m)+"#comment-"+strconv.FormatInt(c.ID, 10))
}

func ptrBool(b bool) *bool { return &b }

// communityVote records the visitor's vote (up, down or none) on a post,
// or on one of its comments.
func (s *Server) communityVote(w http.ResponseWriter, r *http.Request) error {
	id, back, err := s.postTarget(r)
	if err != nil {
		return err
	}
	var cid int64
	if r.PathValue("cid") != "" {
		if cid, err = pathID(r, "cid"); err != nil {
			return err
		}
	}
	ctx := r.Context()
	value := map[string]int{"up": 1, "down": -1, "none": 0}
	v, ok := value[r.PostFormValue("value")]
	switch {
	case !ok:
		err = desk.Invalid("value", "must be up, down or none")
	case cid != 0 && v == 0:
		err = s.d.Community.UnvoteComment(ctx, id, cid)
	case cid != 0:
		_, err = s.d.Community.VoteComment(ctx, id, cid, v)
	case v == 0:
		err = s.d.Community.Unvote(ctx, id)
	default:
		_, err = s.d.Community.Vote(ctx, id, v)
	}
	if err != nil {
		return err
	}
	if cid != 0 {
		return redirect(w, r, withMsg(back, "cvoted")+"#comment-"+strconv.FormatInt(cid, 10))
	}
	return redirect(w, r, withMsg(back, "cvoted"))
}

func (s *Server) follow(w http.ResponseWriter, r *http.Request, kind string, id int64, back string) error {
	var err error
	m := "cfollowed"
	if r.PostFormValue("follow") == "0" {
		err, m = s.d.Community.Unfollow(r.Context(), kind, id), "cunfollowed"
	} else {
		_, err = s.d.Community.Follow(r.Context(), kind, id)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, withMsg(back, m))
}

func (s *Server) communityFollowPost(w http.ResponseWriter, r *http.Request) error {
	id, back, err := s.postTarget(r)
	if err != nil {
		return err
	}
	return s.follow(w, r, community.TypePost, id, back)
}

func (s *Server) communityFollowTopic(w http.ResponseWriter, r *http.Request) error {
	loc, id, err := s.localeAndID(r)
	if err != nil {
		return err
	}
	return s.follow(w, r, community.TypeTopic, id, communityBase(loc)+"/topics/"+strconv.FormatInt(id, 10))
}

func (s *Server) communityEscalate(w http.ResponseWriter, r *http.Request) error {
	id, back, err := s.postTarget(r)
	if err != nil {
		return err
	}
	if _, err := s.d.Community.Escalate(r.Context(), id, s.absolute(r, back)); err != nil {
		return err
	}
	return redirect(w, r, withMsg(back, "cescalated"))
}

// absolute is path on the site's public address, or "" when that is not
// known (the ticket then carries no link back).
func (s *Server) absolute(r *http.Request, path string) string {
	if base, ok := httpx.PublicBase(r, s.site(), httpx.ForEmail); ok {
		return base + path
	}
	return ""
}

func (s *Server) communityEscalateComment(w http.ResponseWriter, r *http.Request) error {
	id, cid, back, err := s.commentTarget(r)
	if err != nil {
		return err
	}
	anchor := "#comment-" + strconv.FormatInt(cid, 10)
	if _, err := s.d.Community.EscalateComment(r.Context(), id, cid, s.absolute(r, back+anchor)); err != nil {
		return err
	}
	return redirect(w, r, withMsg(back, "cescalated")+anchor)
}

// communityModeratePost applies the moderator's form: status, pinned,
// featured, closed and topic.
func (s *Server) communityModeratePost(w http.ResponseWriter, r *http.Request) error {
	id, _, err := s.postTarget(r)
	if err != nil {
		return err
	}
	st := community.Status(r.PostFormValue("status"))
	pinned, featured, closed := r.PostFormValue("pinned") == "1", r.PostFormValue("featured") == "1", r.PostFormValue("closed") == "1"
	topic, _ := strconv.ParseInt(r.PostFormValue("topic_id"), 10, 64)
	p, err := s.d.Community.UpdatePost(r.Context(), id, community.PostInput{Status: &st, Pinned: &pinned, Featured: &featured, Closed: &closed, TopicID: &topic})
	if err != nil {
		return communityFormError(err, func(st int, msg string, fe map[string][]string) error {
			return s.showCommunityPost(w, r, st, msg, fe)
		}, rcFrom(r))
	}
	loc, _ := s.hcLocale(r)
	return redirect(w, r, withMsg(p.Path(loc), "cmoderated"))
}

func (s *Server) communityDeletePost(w http.ResponseWriter, r *http.Request) error {
	loc, id, err := s.localeAndID(r)
	if err != nil {
		return err
	}
	if err := s.d.Community.DeletePost(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg(communityBase(loc)+"/topics", "deleted"))
}

// communityDeleteComment removes a comment: its author's or a
// moderator's (the service decides).
func (s *Server) communityDeleteComment(w http.ResponseWriter, r *http.Request) error {
	id, cid, back, err := s.commentTarget(r)
	if err != nil {
		return err
	}
	if err := s.d.Community.DeleteComment(r.Context(), id, cid); err != nil {
		return err
	}
	return redirect(w, r, withMsg(back, "deleted")+"#comments-title")
}

func (s *Server) communityEditComment(w http.ResponseWriter, r *http.Request) error {
	return s.showCommentEdit(w, r, http.StatusOK, "", nil)
}

// showCommentEdit shows a comment's edit form: the Markdown it was written
// in (or the text of an HTML body), or what was just sent with its errors.
func (s *Server) showCommentEdit(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	loc, id, err := s.localeAndID(r)
	if err != nil {
		return err
	}
	cid, err := pathID(r, "cid")
	if err != nil {
		return err
	}
	p, err := s.d.Community.Post(r.Context(), id)
	if err != nil {
		return err
	}
	c, text, err := s.d.Community.EditableComment(r.Context(), id, cid)
	if err != nil {
		return err
	}
	return s.renderCommunityEdit(w, r, status, msg, fe, "community.edit_comment", "community_edit_comment",
		[][2]string{{"body", text}}, communityEditData{Base: communityBase(loc), Post: p, Comment: c, Href: p.Path(loc)})
}

// communityUpdateComment saves a comment's new Markdown: its author's or
// a moderator's (the service decides).
func (s *Server) communityUpdateComment(w http.ResponseWriter, r *http.Request) error {
	id, cid, back, err := s.commentTarget(r)
	if err != nil {
		return err
	}
	text := r.PostFormValue("body")
	if _, err := s.d.Community.UpdateComment(r.Context(), id, cid, community.CommentInput{Text: &text}); err != nil {
		return communityFormError(err, func(st int, msg string, fe map[string][]string) error {
			return s.showCommentEdit(w, r, st, msg, fe)
		}, rcFrom(r))
	}
	return redirect(w, r, withMsg(back, "cmoderated")+"#comment-"+strconv.FormatInt(cid, 10))
}

func (s *Server) communityOfficial(w http.ResponseWriter, r *http.Request) error {
	id, cid, back, err := s.commentTarget(r)
	if err != nil {
		return err
	}
	official := r.PostFormValue("official") == "1"
	if _, err := s.d.Community.UpdateComment(r.Context(), id, cid, community.CommentInput{Official: &official}); err != nil {
		return err
	}
	return redirect(w, r, withMsg(back, "cmoderated"))
}

type communityQueueData struct {
	Queues []queueSection // held and rejected posts, then comments
	Bans   []*community.Ban
}

// queueSection is one table of the moderation queue: Kind is the
// moderation route's type (post or comment).
type queueSection struct {
	Kind, Heading string
	Items         []queueItem
}

// queueItem is a held or rejected post (Title and Href) or comment
// (BodyHTML).
type queueItem struct {
	ID                      int64
	AuthorName, Title, Href string
	BodyHTML                template.HTML
	Moderation              community.Moderation
}

func (s *Server) communityQueue(w http.ResponseWriter, r *http.Request) error {
	return s.showCommunityQueue(w, r, http.StatusOK, "", nil)
}

func (s *Server) showCommunityQueue(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	ctx := r.Context()
	q, err := s.d.Community.ModerationQueue(ctx)
	if err != nil {
		return err
	}
	posts := queueSection{Kind: community.TypePost, Heading: "community.queue_posts"}
	loc := rcFrom(r).locale
	for _, p := range q.Posts {
		posts.Items = append(posts.Items, queueItem{ID: p.ID, AuthorName: p.AuthorName, Title: p.Title, Href: p.Path(loc), Moderation: p.Moderation})
	}
	comments := queueSection{Kind: community.TypeComment, Heading: "community.queue_comments"}
	for _, c := range q.Comments {
		comments.Items = append(comments.Items, queueItem{ID: c.ID, AuthorName: c.AuthorName, BodyHTML: viewComment(c).BodyHTML, Moderation: c.Moderation})
	}
	d := communityQueueData{Queues: []queueSection{posts, comments}}
	if d.Bans, err = s.d.Community.Bans(ctx); err != nil {
		return err
	}
	pg := s.newPage(r, "agent", rcFrom(r).T("community.moderation"))
	pg.Nav = "community"
	pg.Error, pg.FieldErrors = msg, fe
	if r.Method == http.MethodPost {
		pg.Form.Set("user", r.PostFormValue("user"))
		pg.Form.Set("reason", r.PostFormValue("reason"))
	}
	pg.Data = d
	return s.render(w, status, "agent_community", pg)
}

func (s *Server) communityModerate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	kind := r.PathValue("type")
	if kind != community.TypePost && kind != community.TypeComment {
		return desk.NotFound()
	}
	to := community.Moderation(r.PostFormValue("to"))
	if err := s.d.Community.Moderate(r.Context(), kind, id, to); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/community/moderation", "cmoderated"))
}

// communityBan bans a user named by id or e-mail address.
func (s *Server) communityBan(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	who := strings.TrimSpace(r.PostFormValue("user"))
	id, err := strconv.ParseInt(who, 10, 64)
	if err != nil || id <= 0 {
		id = 0
		if strings.Contains(who, "@") {
			if u, err := s.d.People.UserByEmail(ctx, who); err == nil && u != nil {
				id = u.ID
			}
		}
	}
	rc := rcFrom(r)
	if id == 0 {
		return s.showCommunityQueue(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation"),
			map[string][]string{"user": {rc.T("community.no_such_user")}})
	}
	if err := s.d.Community.Ban(ctx, id, r.PostFormValue("reason")); err != nil {
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			return s.showCommunityQueue(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation"),
				map[string][]string{"user": {rc.T("community.no_such_user")}})
		}
		return communityFormError(err, func(st int, msg string, fe map[string][]string) error {
			return s.showCommunityQueue(w, r, st, msg, fe)
		}, rc)
	}
	return redirect(w, r, withMsg("/agent/community/moderation", "cbanned"))
}

func (s *Server) communityUnban(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.d.Community.Unban(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/community/moderation", "cunbanned"))
}
