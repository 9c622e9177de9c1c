package api

import (
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// registerCommunity mounts Zendesk's community API (/community/topics,
// /posts, /posts/{id}/comments, votes at /posts/{id}/up|down, and
// subscriptions of posts and topics), and Frontdesk's moderation
// (approve/reject, bans) and escalation of a post into a ticket. The
// community service decides who may do what.
func (s *Server) registerCommunity(mux *http.ServeMux) {
	h := func(f handlerFunc) handlerFunc { return s.needs(s.Community != nil, f) }
	s.handle(mux, "GET /api/v2/community/topics", h(s.listTopics))
	s.handle(mux, "POST /api/v2/community/topics", h(s.createTopic))
	s.handle(mux, "GET /api/v2/community/topics/{id}", h(s.showTopic))
	s.handle(mux, "PUT /api/v2/community/topics/{id}", h(s.updateTopic))
	s.handle(mux, "DELETE /api/v2/community/topics/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.Community.DeleteTopic)(w, r)
	}))
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
	s.handle(mux, "PUT /api/v2/community/posts/{id}/comments/{comment_id}", h(s.updatePostComment))
	s.handle(mux, "DELETE /api/v2/community/posts/{id}/comments/{comment_id}", h(s.deletePostComment))
	s.handle(mux, "GET /api/v2/community/posts/{id}/votes", h(s.listPostVotes))
	s.handle(mux, "POST /api/v2/community/posts/{id}/up", h(s.votePost(1)))
	s.handle(mux, "POST /api/v2/community/posts/{id}/down", h(s.votePost(-1)))
	s.handle(mux, "GET /api/v2/community/posts/{id}/subscriptions", h(s.listSubscriptions(community.TypePost)))
	s.handle(mux, "POST /api/v2/community/posts/{id}/subscriptions", h(s.createSubscription(community.TypePost)))
	s.handle(mux, "DELETE /api/v2/community/posts/{id}/subscriptions/{sub_id}", h(s.deleteSubscription(community.TypePost)))
	s.handle(mux, "POST /api/v2/community/posts/{id}/escalate", h(s.escalatePost))
	s.handle(mux, "POST /api/v2/community/posts/{id}/comments/{comment_id}/escalate", h(s.escalateComment))

	s.handle(mux, "GET /api/v2/community/moderation", h(s.moderationQueue))
	s.handle(mux, "POST /api/v2/community/moderation/{type}/{id}", h(s.moderate))
	s.handle(mux, "GET /api/v2/community/bans", h(s.listBans))
	s.handle(mux, "POST /api/v2/community/bans", h(s.createBan))
	s.handle(mux, "DELETE /api/v2/community/bans/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.Community.Unban)(w, r)
	}))
}

// communityLocale is the locale topics are named in: ?locale=, else none
// (the source names).
func communityLocale(r *http.Request) string { return r.URL.Query().Get("locale") }

func (s *Server) topicURLs(r *http.Request, t *community.Topic) {
	t.URL = baseURL(r) + "/api/v2/community/topics/" + itoa(t.ID) + ".json"
	t.HTMLURL = baseURL(r) + "/hc/en/community/topics/" + itoa(t.ID)
}

func (s *Server) postURLs(r *http.Request, p *community.Post) {
	p.URL = baseURL(r) + "/api/v2/community/posts/" + itoa(p.ID) + ".json"
	p.HTMLURL = baseURL(r) + p.Path("en")
}

func (s *Server) listTopics(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.Community.Topics(r.Context(), communityLocale(r))
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []*community.Topic{}
	}
	for _, t := range ts {
		s.topicURLs(r, t)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"topics": ts, "count": len(ts), "next_page": nil, "previous_page": nil})
}

func decodeTopic(r *http.Request) (community.TopicInput, error) {
	var env struct {
		Topic *community.TopicInput `json:"topic"`
	}
	if err := decode(r, &env); err != nil {
		return community.TopicInput{}, err
	}
	if env.Topic == nil {
		return community.TopicInput{}, desk.Invalid("topic", "is required")
	}
	return *env.Topic, nil
}

func (s *Server) createTopic(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeTopic(r)
	if err != nil {
		return err
	}
	t, err := s.Community.CreateTopic(r.Context(), in)
	if err != nil {
		return err
	}
	s.topicURLs(r, t)
	return created(w, t.URL, map[string]any{"topic": t})
}

func (s *Server) showTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.Community.Topic(r.Context(), id, communityLocale(r))
	if err != nil {
		return err
	}
	s.topicURLs(r, t)
	return writeJSON(w, http.StatusOK, map[string]any{"topic": t})
}

func (s *Server) updateTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeTopic(r)
	if err != nil {
		return err
	}
	t, err := s.Community.UpdateTopic(r.Context(), id, in)
	if err != nil {
		return err
	}
	s.topicURLs(r, t)
	return writeJSON(w, http.StatusOK, map[string]any{"topic": t})
}

// offsetPage writes Zendesk's offset list envelope.
func offsetPage(w http.ResponseWriter, r *http.Request, p paging, key string, items any, total int) error {
	body, err := listEnvelope(r, paging{page: p.page, perPage: p.perPage}, key, items, 0, 0, false, func() (int, error) { return total, nil })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
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
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	if p.cursor {
		p.page = 1
	}
	f.Page, f.PerPage = p.page, p.perPage
	posts, total, err := s.Community.Posts(r.Context(), f)
	if err != nil {
		return err
	}
	if posts == nil {
		posts = []*community.Post{}
	}
	for _, post := range posts {
		s.postURLs(r, post)
	}
	return offsetPage(w, r, p, "posts", posts, total)
}

func decodePost(r *http.Request) (community.PostInput, error) {
	var env struct {
		Post *community.PostInput `json:"post"`
	}
	if err := decode(r, &env); err != nil {
		return community.PostInput{}, err
	}
	if env.Post == nil {
		return community.PostInput{}, desk.Invalid("post", "is required")
	}
	return *env.Post, nil
}

func (s *Server) createPost(w http.ResponseWriter, r *http.Request) error {
	in, err := decodePost(r)
	if err != nil {
		return err
	}
	p, err := s.Community.CreatePost(r.Context(), in)
	if err != nil {
		return err
	}
	s.postURLs(r, p)
	return created(w, p.URL, map[string]any{"post": p})
}

func (s *Server) showPost(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.Community.Post(r.Context(), id)
	if err != nil {
		return err
	}
	s.postURLs(r, p)
	return writeJSON(w, http.StatusOK, map[string]any{"post": p})
}

func (s *Server) updatePost(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodePost(r)
	if err != nil {
		return err
	}
	p, err := s.Community.UpdatePost(r.Context(), id, in)
	if err != nil {
		return err
	}
	s.postURLs(r, p)
	return writeJSON(w, http.StatusOK, map[string]any{"post": p})
}

func commentURLs(r *http.Request, c *community.Comment, post *community.Post) {
	c.URL = baseURL(r) + "/api/v2/community/posts/" + itoa(c.PostID) + "/comments/" + itoa(c.ID) + ".json"
	if post != nil {
		c.HTMLURL = baseURL(r) + post.Path("en") + "#comment-" + itoa(c.ID)
	}
}

func (s *Server) listPostComments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	if p.cursor {
		p.page = 1
	}
	cs, total, err := s.Community.Comments(r.Context(), id, p.page, p.perPage)
	if err != nil {
		return err
	}
	post, err := s.Community.Post(r.Context(), id)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []*community.Comment{}
	}
	for _, c := range cs {
		commentURLs(r, c, post)
	}
	return offsetPage(w, r, p, "comments", cs, total)
}

func decodeComment(r *http.Request) (community.CommentInput, error) {
	var env struct {
		Comment *community.CommentInput `json:"comment"`
	}
	if err := decode(r, &env); err != nil {
		return community.CommentInput{}, err
	}
	if env.Comment == nil {
		return community.CommentInput{}, desk.Invalid("comment", "is required")
	}
	return *env.Comment, nil
}

func (s *Server) createPostComment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeComment(r)
	if err != nil {
		return err
	}
	c, err := s.Community.CreateComment(r.Context(), id, in)
	if err != nil {
		return err
	}
	post, _ := s.Community.Post(r.Context(), id)
	commentURLs(r, c, post)
	return created(w, c.URL, map[string]any{"comment": c})
}

func (s *Server) updatePostComment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "comment_id")
	if err != nil {
		return err
	}
	in, err := decodeComment(r)
	if err != nil {
		return err
	}
	c, err := s.Community.UpdateComment(r.Context(), id, cid, in)
	if err != nil {
		return err
	}
	post, _ := s.Community.Post(r.Context(), id)
	commentURLs(r, c, post)
	return writeJSON(w, http.StatusOK, map[string]any{"comment": c})
}

func (s *Server) deletePostComment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "comment_id")
	if err != nil {
		return err
	}
	if err := s.Community.DeleteComment(r.Context(), id, cid); err != nil {
		return err
	}
	return noContent(w)
}

func (s *Server) listPostVotes(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vs, err := s.Community.Votes(r.Context(), id)
	if err != nil {
		return err
	}
	for _, v := range vs {
		v.URL = baseURL(r) + "/api/v2/votes/" + itoa(v.ID) + ".json"
	}
	return writeJSON(w, http.StatusOK, map[string]any{"votes": vs, "count": len(vs), "next_page": nil, "previous_page": nil})
}

// votePost records an up (1) or down (-1) vote: 201 with the vote.
func (s *Server) votePost(value int) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		v, err := s.Community.Vote(r.Context(), id, value)
		if err != nil {
			return err
		}
		v.URL = baseURL(r) + "/api/v2/votes/" + itoa(v.ID) + ".json"
		return created(w, v.URL, map[string]any{"vote": v})
	}
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

// escalatePost turns a post into a ticket: 201 with the ticket.
func (s *Server) escalatePost(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	post, err := s.Community.Post(r.Context(), id)
	if err != nil {
		return err
	}
	t, err := s.Community.Escalate(r.Context(), id, baseURL(r)+post.Path("en"))
	if err != nil {
		return err
	}
	return created(w, baseURL(r)+"/api/v2/tickets/"+itoa(t.ID)+".json", map[string]any{"ticket": t})
}

// escalateComment turns a comment into a ticket: 201 with the ticket.
func (s *Server) escalateComment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "comment_id")
	if err != nil {
		return err
	}
	post, err := s.Community.Post(r.Context(), id)
	if err != nil {
		return err
	}
	t, err := s.Community.EscalateComment(r.Context(), id, cid, baseURL(r)+post.Path("en")+"#comment-"+itoa(cid))
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
	for _, p := range q.Posts {
		s.postURLs(r, p)
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
