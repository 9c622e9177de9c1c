package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/settings"
)

// registerCommunity mounts Zendesk's community API (/community/topics,
// /posts, /posts/{id}/comments, votes at /posts/{id}/up|down and
// /posts/{id}/comments/{comment_id}/up|down, subscriptions of posts and
// topics, and /community/users/{id}/posts|comments), and Frontdesk's
// moderation (approve/reject, bans), withdrawing one's vote, and
// escalation of a post into a ticket. The community service decides who
// may do what.
func (s *Server) registerCommunity(mux *http.ServeMux) {
	h := func(f handlerFunc) handlerFunc { return s.needs(s.Community != nil, f) }
	s.handle(mux, "GET /api/v2/community/topics", h(s.listTopics))
	s.handle(mux, "POST /api/v2/community/topics", h(s.createTopic))
	s.handle(mux, "GET /api/v2/community/topics/{id}", h(s.showTopic))
	s.handle(mux, "PUT /api/v2/community/topics/{id}", h(s.updateTopic))
	s.handle(mux, "DELETE /api/v2/community/topics/{id}", h(s.deleteTopic))
	s.handle(mux, "GET /api/v2/community/topics/{id}/posts", h(s.listPosts))
	s.handle(mux, "GET /api/v2/community/topics/{id}/subscriptions", h(s.listSubscriptions(community.TypeTopic)))
	s.handle(mux, "POST /api/v2/community/topics/{id}/subscriptions", h(s.createSubscription(community.TypeTopic)))
	s.handle(mux, "DELETE /api/v2/community/topics/{id}/subscriptions/{sub_id}", h(s.deleteSubscription(community.TypeTopic)))

	s.handle(mux, "GET /api/v2/community/posts", h(s.listPosts))
	s.handle(mux, "POST /api/v2/community/posts", h(s.createPost))
	s.handle(mux, "GET /api/v2/community/posts/{id}", h(s.showPost))
	s.handle(mux, "PUT /api/v2/community/posts/{id}", h(s.updatePost))
	s.handle(mux, "DELETE /api/v2/community/posts/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.Community.DeletePost)(w, r)
	}))
	s.handle(mux, "GET /api/v2/community/posts/{id}/comments", h(s.listPostComments))
	s.handle(mux, "POST /api/v2/community/posts/{id}/comments", h(s.createPostComment))
	s.handle(mux, "GET /api/v2/community/posts/{id}/comments/{comment_id}", h(s.showPostComment))
	s.handle(mux, "PUT /api/v2/community/posts/{id}/comments/{comment_id}", h(s.updatePostComment))
	s.handle(mux, "DELETE /api/v2/community/posts/{id}/comments/{comment_id}", h(s.deletePostComment))
	s.handle(mux, "GET /api/v2/community/posts/{id}/votes", h(s.listVotes))
	s.handle(mux, "POST /api/v2/community/posts/{id}/up", h(s.castVote(1)))
	s.handle(mux, "POST /api/v2/community/posts/{id}/down", h(s.castVote(-1)))
	s.handle(mux, "DELETE /api/v2/community/posts/{id}/votes", h(s.withdrawVote))
	s.handle(mux, "GET /api/v2/community/posts/{id}/comments/{comment_id}/votes", h(s.listVotes))
	s.handle(mux, "POST /api/v2/community/posts/{id}/comments/{comment_id}/up", h(s.castVote(1)))
	s.handle(mux, "POST /api/v2/community/posts/{id}/comments/{comment_id}/down", h(s.castVote(-1)))
	s.handle(mux, "DELETE /api/v2/community/posts/{id}/comments/{comment_id}/votes", h(s.withdrawVote))
	s.handle(mux, "GET /api/v2/community/posts/{id}/subscriptions", h(s.listSubscriptions(community.TypePost)))
	s.handle(mux, "POST /api/v2/community/posts/{id}/subscriptions", h(s.createSubscription(community.TypePost)))
	s.handle(mux, "DELETE /api/v2/community/posts/{id}/subscriptions/{sub_id}", h(s.deleteSubscription(community.TypePost)))
	s.handle(mux, "POST /api/v2/community/posts/{id}/escalate", h(s.escalate))
	s.handle(mux, "POST /api/v2/community/posts/{id}/comments/{comment_id}/escalate", h(s.escalate))

	s.handle(mux, "GET /api/v2/community/users/{user_id}/posts", h(s.listUserPosts))
	s.handle(mux, "GET /api/v2/community/users/{user_id}/comments", h(s.listUserComments))

	s.handle(mux, "GET /api/v2/community/moderation", h(s.moderationQueue))
	s.handle(mux, "POST /api/v2/community/moderation/{type}/{id}", h(s.moderate))
	s.handle(mux, "GET /api/v2/community/bans", h(s.listBans))
	s.handle(mux, "POST /api/v2/community/bans", h(s.createBan))
	s.handle(mux, "DELETE /api/v2/community/bans/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.Community.Unban)(w, r)
	}))
}

// communityLinks makes the url and html_url of community records for one
// request. Pages live under /hc/{locale}/: html_url takes ?locale= when it
// names a language with a catalogue, else the caller's own language, else
// the help desk's default.
type communityLinks struct {
	base, loc string
}

func (s *Server) communityLinks(r *http.Request) (communityLinks, error) {
	l := communityLinks{base: baseURL(r)}
	if q := r.URL.Query().Get("locale"); q != "" && slices.Contains(locale.Default().Locales(), q) {
		l.loc = q
		return l, nil
	}
	want := []string{}
	if p := desk.PrincipalFrom(r.Context()); p != nil && p.UserID != 0 {
		u, err := s.People.GetUser(r.Context(), p.UserID)
		if err != nil {
			return l, err
		}
		want = append(want, u.Locale)
	}
	def, err := settings.DefaultLocale.Get(r.Context(), s.settings())
	if err != nil {
		return l, err
	}
	l.loc = locale.Default().Match(append(want, def)...)
	return l, nil
}

func (l communityLinks) topic(t *community.Topic) {
	t.URL = l.base + "/api/v2/community/topics/" + itoa(t.ID) + ".json"
	t.HTMLURL = l.base + "/hc/" + l.loc + "/community/topics/" + itoa(t.ID)
}

func (l communityLinks) post(p *community.Post) {
	p.URL = l.base + "/api/v2/community/posts/" + itoa(p.ID) + ".json"
	p.HTMLURL = l.base + p.Path(l.loc)
}

// comment links c; post (when known) is its post, for html_url.
func (l communityLinks) comment(c *community.Comment, post *community.Post) {
	c.URL = l.base + "/api/v2/community/posts/" + itoa(c.PostID) + "/comments/" + itoa(c.ID) + ".json"
	if post != nil {
		c.HTMLURL = l.base + post.Path(l.loc) + "#comment-" + itoa(c.ID)
	}
}

func (l communityLinks) vote(v *community.Vote) {
	v.URL = l.base + "/api/v2/votes/" + itoa(v.ID) + ".json"
}

// communityLocale is the locale topics are named in: ?locale=, else none
// (the source names).
func communityLocale(r *http.Request) string { return r.URL.Query().Get("locale") }

// decodeEnvelope reads Zendesk's one-record body {"<key>": {...}}.
func decodeEnvelope[T any](r *http.Request, key string) (T, error) {
	var env map[string]*T
	var zero T
	if err := decode(r, &env); err != nil {
		return zero, err
	}
	if env[key] == nil {
		return zero, desk.Invalid(key, "is required")
	}
	return *env[key], nil
}

// idAndEnvelope reads {id} and the body {"<key>": {...}}.
func idAndEnvelope[T any](r *http.Request, key string) (int64, T, error) {
	id, err := pathID(r, "id")
	if err != nil {
		var zero T
		return 0, zero, err
	}
	in, err := decodeEnvelope[T](r, key)
	return id, in, err
}

// writeRecord links v (with link, given this request's links) and writes
// it as {"<key>": v} with status; 201 also sets Location to its url.
func writeRecord[T any](s *Server, w http.ResponseWriter, r *http.Request, status int, key string, v *T, err error, link func(communityLinks, *T) string) error {
	if err != nil {
		return err
	}
	l, err := s.communityLinks(r)
	if err != nil {
		return err
	}
	u := link(l, v)
	if status == http.StatusCreated {
		return created(w, u, map[string]any{key: v})
	}
	return writeJSON(w, status, map[string]any{key: v})
}

func (s *Server) writeTopic(w http.ResponseWriter, r *http.Request, status int, t *community.Topic, err error) error {
	return writeRecord(s, w, r, status, "topic", t, err, func(l communityLinks, t *community.Topic) string { l.topic(t); return t.URL })
}

func (s *Server) writePost(w http.ResponseWriter, r *http.Request, status int, p *community.Post, err error) error {
	return writeRecord(s, w, r, status, "post", p, err, func(l communityLinks, p *community.Post) string { l.post(p); return p.URL })
}

func (s *Server) listTopics(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.Community.Topics(r.Context(), communityLocale(r))
	if err != nil {
		return err
	}
	l, err := s.communityLinks(r)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []*community.Topic{}
	}
	for _, t := range ts {
		l.topic(t)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"topics": ts, "count": len(ts), "next_page": nil, "previous_page": nil})
}

func (s *Server) createTopic(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeEnvelope[community.TopicInput](r, "topic")
	if err != nil {
		return err
	}
	t, err := s.Community.CreateTopic(r.Context(), in)
	return s.writeTopic(w, r, http.StatusCreated, t, err)
}

func (s *Server) showTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.Community.Topic(r.Context(), id, communityLocale(r))
	return s.writeTopic(w, r, http.StatusOK, t, err)
}

func (s *Server) updateTopic(w http.ResponseWriter, r *http.Request) error {
	id, in, err := idAndEnvelope[community.TopicInput](r, "topic")
	if err != nil {
		return err
	}
	t, err := s.Community.UpdateTopic(r.Context(), id, in)
	return s.writeTopic(w, r, http.StatusOK, t, err)
}

// deleteTopic deletes a topic: 204. A topic with posts is refused (422)
// unless ?move_posts_to= names the topic they move to first (Frontdesk's
// extension; Zendesk deletes the posts with the topic).
func (s *Server) deleteTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var to int64
	if v := r.URL.Query().Get("move_posts_to"); v != "" {
		if to, err = strconv.ParseInt(v, 10, 64); err != nil || to <= 0 {
			return desk.Invalid("move_posts_to", "must be a topic id")
		}
	}
	if err := s.Community.DeleteTopic(r.Context(), id, to); err != nil {
		return err
	}
	return noContent(w)
}

// offsetPage writes Zendesk's offset list envelope.
func offsetPage(w http.ResponseWriter, r *http.Request, p paging, key string, items any, total int) error {
	body, err := listEnvelope(r, paging{page: p.page, perPage: p.perPage}, key, items, 0, 0, false, func() (int, error) { return total, nil })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

// offsetPaging reads page and per_page (a cursor request starts at page 1).
func offsetPaging(r *http.Request) (paging, error) {
	p, err := parsePaging(r)
	if p.cursor {
		p.page = 1
	}
	return p, err
}

// listPosts serves /community/posts and /community/topics/{id}/posts;
// ?sort_by=created_at|updated_at|votes|comments.
func (s *Server) listPosts(w http.ResponseWriter, r *http.Request) error {
	f := community.PostFilter{SortBy: r.URL.Query().Get("sort_by")}
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if _, err := s.Community.Topic(r.Context(), id, ""); err != nil {
			return err
		}
		f.TopicID = id
	}
	return s.writePosts(w, r, f)
}

// listUserPosts lists the posts user_id wrote that the caller may read,
// newest first (GET /community/users/{id}/posts).
func (s *Server) listUserPosts(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	return s.writePosts(w, r, community.PostFilter{AuthorID: id, SortBy: r.URL.Query().Get("sort_by")})
}

func (s *Server) writePosts(w http.ResponseWriter, r *http.Request, f community.PostFilter) error {
	p, err := offsetPaging(r)
	if err != nil {
		return err
	}
	f.Page, f.PerPage = p.page, p.perPage
	posts, total, err := s.Community.Posts(r.Context(), f)
	if err != nil {
		return err
	}
	l, err := s.communityLinks(r)
	if err != nil {
		return err
	}
	if posts == nil {
		posts = []*community.Post{}
	}
	for _, post := range posts {
		l.post(post)
	}
	return offsetPage(w, r, p, "posts", posts, total)
}

func (s *Server) createPost(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeEnvelope[community.PostInput](r, "post")
	if err != nil {
		return err
	}
	p, err := s.Community.CreatePost(r.Context(), in)
	return s.writePost(w, r, http.StatusCreated, p, err)
}

func (s *Server) showPost(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.Community.Post(r.Context(), id)
	return s.writePost(w, r, http.StatusOK, p, err)
}

func (s *Server) updatePost(w http.ResponseWriter, r *http.Request) error {
	id, in, err := idAndEnvelope[community.PostInput](r, "post")
	if err != nil {
		return err
	}
	p, err := s.Community.UpdatePost(r.Context(), id, in)
	return s.writePost(w, r, http.StatusOK, p, err)
}

// postAndComment reads {id} and, when the route has one, {comment_id}
// (0 otherwise).
func postAndComment(r *http.Request) (int64, int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	if r.PathValue("comment_id") == "" {
		return id, 0, nil
	}
	cid, err := pathID(r, "comment_id")
	return id, cid, err
}

// writeComments links the comments (their posts looked up once each) and
// writes the offset page.
func (s *Server) writeComments(w http.ResponseWriter, r *http.Request, p paging, cs []*community.Comment, total int) error {
	l, err := s.communityLinks(r)
	if err != nil {
		return err
	}
	posts := map[int64]*community.Post{}
	for _, c := range cs {
		post, ok := posts[c.PostID]
		if !ok {
			if post, err = s.Community.Post(r.Context(), c.PostID); err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
				return err
			}
			posts[c.PostID] = post
		}
		l.comment(c, post)
	}
	return offsetPage(w, r, p, "comments", cs, total)
}

func (s *Server) listPostComments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := offsetPaging(r)
	if err != nil {
		return err
	}
	cs, total, err := s.Community.Comments(r.Context(), id, p.page, p.perPage)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []*community.Comment{}
	}
	return s.writeComments(w, r, p, cs, total)
}

// listUserComments lists the comments user_id wrote that the caller may
// read, newest first (GET /community/users/{id}/comments).
func (s *Server) listUserComments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	p, err := offsetPaging(r)
	if err != nil {
		return err
	}
	cs, total, err := s.Community.CommentsBy(r.Context(), id, p.page, p.perPage)
	if err != nil {
		return err
	}
	return s.writeComments(w, r, p, cs, total)
}

func (s *Server) writeCommunityComment(w http.ResponseWriter, r *http.Request, status int, c *community.Comment, err error) error {
	return writeRecord(s, w, r, status, "comment", c, err, func(l communityLinks, c *community.Comment) string {
		post, _ := s.Community.Post(r.Context(), c.PostID)
		l.comment(c, post)
		return c.URL
	})
}

func (s *Server) createPostComment(w http.ResponseWriter, r *http.Request) error {
	id, in, err := idAndEnvelope[community.CommentInput](r, "comment")
	if err != nil {
		return err
	}
	c, err := s.Community.CreateComment(r.Context(), id, in)
	return s.writeCommunityComment(w, r, http.StatusCreated, c, err)
}

func (s *Server) showPostComment(w http.ResponseWriter, r *http.Request) error {
	id, cid, err := postAndComment(r)
	if err != nil {
		return err
	}
	c, err := s.Community.Comment(r.Context(), id, cid)
	return s.writeCommunityComment(w, r, http.StatusOK, c, err)
}

func (s *Server) updatePostComment(w http.ResponseWriter, r *http.Request) error {
	id, cid, err := postAndComment(r)
	if err != nil {
		return err
	}
	in, err := decodeEnvelope[community.CommentInput](r, "comment")
	if err != nil {
		return err
	}
	c, err := s.Community.UpdateComment(r.Context(), id, cid, in)
	return s.writeCommunityComment(w, r, http.StatusOK, c, err)
}

func (s *Server) deletePostComment(w http.ResponseWriter, r *http.Request) error {
	id, cid, err := postAndComment(r)
	if err != nil {
		return err
	}
	if err := s.Community.DeleteComment(r.Context(), id, cid); err != nil {
		return err
	}
	return noContent(w)
}

// listVotes lists the votes on a post or a comment: everyone's for staff,
// the caller's own for others.
func (s *Server) listVotes(w http.ResponseWriter, r *http.Request) error {
	id, cid, err := postAndComment(r)
	if err != nil {
		return err
	}
	var vs []*community.Vote
	if cid != 0 {
		vs, err = s.Community.CommentVotes(r.Context(), id, cid)
	} else {
		vs, err = s.Community.Votes(r.Context(), id)
	}
	if err != nil {
		return err
	}
	l, err := s.communityLinks(r)
	if err != nil {
		return err
	}
	for _, v := range vs {
		l.vote(v)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"votes": vs, "count": len(vs), "next_page": nil, "previous_page": nil})
}

// castVote records an up (1) or down (-1) vote on a post or a comment:
// 201 with the vote.
func (s *Server) castVote(value int) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, cid, err := postAndComment(r)
		if err != nil {
			return err
		}
		var v *community.Vote
		if cid != 0 {
			v, err = s.Community.VoteComment(r.Context(), id, cid, value)
		} else {
			v, err = s.Community.Vote(r.Context(), id, value)
		}
		if err != nil {
			return err
		}
		l, err := s.communityLinks(r)
		if err != nil {
			return err
		}
		l.vote(v)
		return created(w, v.URL, map[string]any{"vote": v})
	}
}

// withdrawVote removes the caller's vote on a post or comment: 204 (also
// when there was none).
func (s *Server) withdrawVote(w http.ResponseWriter, r *http.Request) error {
	id, cid, err := postAndComment(r)
	if err != nil {
		return err
	}
	if cid != 0 {
		err = s.Community.UnvoteComment(r.Context(), id, cid)
	} else {
		err = s.Community.Unvote(r.Context(), id)
	}
	if err != nil {
		return err
	}
	return noContent(w)
}

func subURL(r *http.Request, kind string, id int64, sub *community.Subscription) {
	sub.URL = baseURL(r) + "/api/v2/community/" + kind + "s/" + itoa(id) + "/subscriptions/" + itoa(sub.ID) + ".json"
}

func (s *Server) listSubscriptions(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		subs, err := s.Community.Subscriptions(r.Context(), kind, id)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			subURL(r, kind, id, sub)
		}
		return writeJSON(w, http.StatusOK, map[string]any{"subscriptions": subs, "count": len(subs), "next_page": nil, "previous_page": nil})
	}
}

// createSubscription follows a post or topic as the caller (Zendesk's body
// {"subscription": {...}} is optional: one may only follow as oneself).
func (s *Server) createSubscription(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if r.ContentLength != 0 {
			var env struct {
				Subscription *struct {
					UserID *int64 `json:"user_id"`
				} `json:"subscription"`
			}
			if err := decode(r, &env); err != nil {
				return err
			}
			if env.Subscription != nil && env.Subscription.UserID != nil {
				if p := desk.PrincipalFrom(r.Context()); p == nil || *env.Subscription.UserID != p.UserID {
					return desk.Forbidden("Users follow content only for themselves")
				}
			}
		}
		sub, err := s.Community.Follow(r.Context(), kind, id)
		if err != nil {
			return err
		}
		subURL(r, kind, id, sub)
		return created(w, sub.URL, map[string]any{"subscription": sub})
	}
}

func (s *Server) deleteSubscription(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		sid, err := pathID(r, "sub_id")
		if err != nil {
			return err
		}
		if err := s.Community.DeleteSubscription(r.Context(), kind, id, sid); err != nil {
			return err
		}
		return noContent(w)
	}
}

// escalate turns a post, or a comment of it, into a ticket: 201 with the
// ticket, which links back to the post's page.
func (s *Server) escalate(w http.ResponseWriter, r *http.Request) error {
	id, cid, err := postAndComment(r)
	if err != nil {
		return err
	}
	post, err := s.Community.Post(r.Context(), id)
	if err != nil {
		return err
	}
	l, err := s.communityLinks(r)
	if err != nil {
		return err
	}
	link := l.base + post.Path(l.loc)
	var t *desk.Ticket
	if cid != 0 {
		t, err = s.Community.EscalateComment(r.Context(), id, cid, link+"#comment-"+itoa(cid))
	} else {
		t, err = s.Community.Escalate(r.Context(), id, link)
	}
	if err != nil {
		return err
	}
	return created(w, baseURL(r)+"/api/v2/tickets/"+itoa(t.ID)+".json", map[string]any{"ticket": t})
}

func (s *Server) moderationQueue(w http.ResponseWriter, r *http.Request) error {
	q, err := s.Community.ModerationQueue(r.Context())
	if err != nil {
		return err
	}
	l, err := s.communityLinks(r)
	if err != nil {
		return err
	}
	for _, p := range q.Posts {
		l.post(p)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"moderation_queue": q})
}

// moderate sets a post's or comment's moderation state:
// {"moderation_state": "approved"|"rejected"|"pending"}; 204.
func (s *Server) moderate(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("type")
	switch kind {
	case "posts":
		kind = community.TypePost
	case "comments":
		kind = community.TypeComment
	default:
		return desk.NotFound()
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		State *community.Moderation `json:"moderation_state"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.State == nil {
		return desk.Invalid("moderation_state", "is required")
	}
	if err := s.Community.Moderate(r.Context(), kind, id, *body.State); err != nil {
		return err
	}
	return noContent(w)
}

func (s *Server) listBans(w http.ResponseWriter, r *http.Request) error {
	bans, err := s.Community.Bans(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"bans": bans, "count": len(bans), "next_page": nil, "previous_page": nil})
}

// createBan bans {"ban": {"user_id", "reason"}}; 201.
func (s *Server) createBan(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		Ban *struct {
			UserID int64  `json:"user_id"`
			Reason string `json:"reason"`
		} `json:"ban"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Ban == nil || env.Ban.UserID <= 0 {
		return desk.Invalid("user_id", "is required")
	}
	if err := s.Community.Ban(r.Context(), env.Ban.UserID, env.Ban.Reason); err != nil {
		return err
	}
	return created(w, baseURL(r)+"/api/v2/community/bans/"+strconv.FormatInt(env.Ban.UserID, 10), map[string]any{"ban": map[string]any{"user_id": env.Ban.UserID, "reason": env.Ban.Reason}})
}
