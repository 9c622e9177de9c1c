package api

import (
	"context"
	"fmt"
	"testing"

	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// The community's rows of the permission matrix (p10-community): everyone
// signed in reads and takes part; authors edit and delete their own;
// moderators (manage_help_center: the admins here) moderate; agents with
// ticket access escalate.

func init() { matrix = append(matrix, communityMatrix...) }

// endUserCtx acts as the fixture's end-user.
func (m *mx) endUserCtx() context.Context {
	return desk.WithPrincipal(context.Background(), &desk.Principal{UserID: m.a.EndUser.ID, Role: desk.RoleEndUser, Via: "api"})
}

func (m *mx) communityTopic(t *testing.T) int64 {
	t.Helper()
	name := m.uniq("Topic ")
	tp, err := m.a.srv.Community.CreateTopic(m.sys, community.TopicInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	return tp.ID
}

// communityPost is a fresh, approved post by the end-user.
func (m *mx) communityPost(t *testing.T) int64 {
	t.Helper()
	topic := m.communityTopic(t)
	title := m.uniq("Post ")
	p, err := m.a.srv.Community.CreatePost(m.endUserCtx(), community.PostInput{Title: &title, Details: ptrTo("<p>Details</p>"), TopicID: &topic})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.a.srv.Community.Moderate(m.sys, community.TypePost, p.ID, community.Approved); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// communityComment is a fresh, approved comment by the end-user on a fresh
// post; it returns the post and the comment.
func (m *mx) communityComment(t *testing.T) (int64, int64) {
	t.Helper()
	post := m.communityPost(t)
	c, err := m.a.srv.Community.CreateComment(m.endUserCtx(), post, community.CommentInput{Body: ptrTo("A comment")})
	if err != nil {
		t.Fatal(err)
	}
	return post, c.ID
}

// communitySub is the end-user's subscription to a fresh post or topic.
func (m *mx) communitySub(t *testing.T, kind string) (int64, int64) {
	t.Helper()
	id := m.communityPost(t)
	if kind == community.TypeTopic {
		id = m.communityTopic(t)
	}
	sub, err := m.a.srv.Community.Follow(m.endUserCtx(), kind, id)
	if err != nil {
		t.Fatal(err)
	}
	return id, sub.ID
}

func (m *mx) bannedUser(t *testing.T) int64 {
	t.Helper()
	id := m.newUser(t, desk.RoleEndUser)
	if err := m.a.srv.Community.Ban(m.sys, id, "spam"); err != nil {
		t.Fatal(err)
	}
	return id
}

const (
	communityRead     = "200 200 200 200 200 200 200 401 200"
	communityJoin     = "201 201 201 201 201 201 201 401 201"
	communityModRead  = "200 200 403 403 403 403 403 401 403"
	communityModMake  = "201 201 403 403 403 403 403 401 403"
	communityModDone  = "204 204 403 403 403 403 403 401 403"
	communityOwnEdit  = "200 200 403 403 403 403 200 401 403"
	communityOwnDel   = "204 204 403 403 403 403 204 401 403"
	communitySubDel   = "204 204 404 404 404 404 204 401 404"
	communityEscalate = "201 201 201 403 201 201 403 401 201"
	communityWithdraw = "204 204 204 204 204 204 204 401 204"
)

// commentPath is a fresh approved comment's path with suffix.
func commentPath(suffix string) func(*testing.T, *mx, string) (string, any) {
	return func(t *testing.T, m *mx, _ string) (string, any) {
		post, c := m.communityComment(t)
		if err := m.a.srv.Community.Moderate(m.sys, community.TypeComment, c, community.Approved); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("/api/v2/community/posts/%d/comments/%d%s", post, c, suffix), nil
	}
}

var (
	freshTopic = fresh((*mx).communityTopic)
	freshPost  = fresh((*mx).communityPost)
)

var communityMatrix = []mcase{
	{route: "GET /api/v2/community/topics", want: communityRead, req: path("/api/v2/community/topics")},
	{route: "POST /api/v2/community/topics", want: communityModMake, req: func(_ *testing.T, m *mx, role string) (string, any) {
		return "/api/v2/community/topics", map[string]any{"topic": map[string]any{"name": m.uniq("Topic " + role)}}
	}},
	{route: "GET /api/v2/community/topics/{id}", want: communityRead, req: idPath("/api/v2/community/topics/%d", freshTopic, nil)},
	{route: "PUT /api/v2/community/topics/{id}", want: communityModRead, req: idPath("/api/v2/community/topics/%d", freshTopic,
		map[string]any{"topic": map[string]any{"description": "changed"}})},
	{route: "DELETE /api/v2/community/topics/{id}", want: adminDelete, req: idPath("/api/v2/community/topics/%d", freshTopic, nil)},
	{route: "GET /api/v2/community/topics/{id}/posts", want: communityRead, req: idPath("/api/v2/community/topics/%d/posts", freshTopic, nil)},
	{route: "GET /api/v2/community/topics/{id}/subscriptions", want: communityRead, req: idPath("/api/v2/community/topics/%d/subscriptions", freshTopic, nil)},
	{route: "POST /api/v2/community/topics/{id}/subscriptions", want: communityJoin, req: idPath("/api/v2/community/topics/%d/subscriptions", freshTopic, nil)},
	{route: "DELETE /api/v2/community/topics/{id}/subscriptions/{sub_id}", want: communitySubDel, req: func(t *testing.T, m *mx, _ string) (string, any) {
		id, sub := m.communitySub(t, community.TypeTopic)
		return fmt.Sprintf("/api/v2/community/topics/%d/subscriptions/%d", id, sub), nil
	}},
	{route: "GET /api/v2/community/posts", want: communityRead, req: path("/api/v2/community/posts")},
	{route: "POST /api/v2/community/posts", want: communityJoin, req: func(t *testing.T, m *mx, role string) (string, any) {
		return "/api/v2/community/posts", map[string]any{"post": map[string]any{"title": m.uniq("Post " + role), "details": "<p>Hi</p>", "topic_id": m.communityTopic(t)}}
	}},
	{route: "GET /api/v2/community/posts/{id}", want: communityRead, req: idPath("/api/v2/community/posts/%d", freshPost, nil)},
	{route: "PUT /api/v2/community/posts/{id}", want: communityOwnEdit, req: idPath("/api/v2/community/posts/%d", freshPost,
		map[string]any{"post": map[string]any{"title": "Edited"}})},
	{route: "DELETE /api/v2/community/posts/{id}", want: communityOwnDel, req: idPath("/api/v2/community/posts/%d", freshPost, nil)},
	{route: "GET /api/v2/community/posts/{id}/comments", want: communityRead, req: idPath("/api/v2/community/posts/%d/comments", freshPost, nil)},
	{route: "POST /api/v2/community/posts/{id}/comments", want: communityJoin, req: idPath("/api/v2/community/posts/%d/comments", freshPost,
		map[string]any{"comment": map[string]any{"body": "<p>Me too</p>"}})},
	{route: "PUT /api/v2/community/posts/{id}/comments/{comment_id}", want: communityOwnEdit, req: func(t *testing.T, m *mx, _ string) (string, any) {
		post, c := m.communityComment(t)
		return fmt.Sprintf("/api/v2/community/posts/%d/comments/%d", post, c), map[string]any{"comment": map[string]any{"body": "edited"}}
	}},
	{route: "DELETE /api/v2/community/posts/{id}/comments/{comment_id}", want: communityOwnDel, req: func(t *testing.T, m *mx, _ string) (string, any) {
		post, c := m.communityComment(t)
		return fmt.Sprintf("/api/v2/community/posts/%d/comments/%d", post, c), nil
	}},
	{route: "GET /api/v2/community/posts/{id}/votes", want: communityRead, req: idPath("/api/v2/community/posts/%d/votes", freshPost, nil)},
	{route: "POST /api/v2/community/posts/{id}/up", want: communityJoin, req: idPath("/api/v2/community/posts/%d/up", freshPost, nil)},
	{route: "POST /api/v2/community/posts/{id}/down", want: communityJoin, req: idPath("/api/v2/community/posts/%d/down", freshPost, nil)},
	{route: "GET /api/v2/community/posts/{id}/subscriptions", want: communityRead, req: idPath("/api/v2/community/posts/%d/subscriptions", freshPost, nil)},
	{route: "POST /api/v2/community/posts/{id}/subscriptions", want: communityJoin, req: idPath("/api/v2/community/posts/%d/subscriptions", freshPost, nil)},
	{route: "DELETE /api/v2/community/posts/{id}/subscriptions/{sub_id}", want: communitySubDel, req: func(t *testing.T, m *mx, _ string) (string, any) {
		id, sub := m.communitySub(t, community.TypePost)
		return fmt.Sprintf("/api/v2/community/posts/%d/subscriptions/%d", id, sub), nil
	}},
	{route: "POST /api/v2/community/posts/{id}/escalate", want: communityEscalate, req: idPath("/api/v2/community/posts/%d/escalate", freshPost, nil)},
	{route: "POST /api/v2/community/posts/{id}/comments/{comment_id}/escalate", want: communityEscalate, req: func(t *testing.T, m *mx, _ string) (string, any) {
		post, c := m.communityComment(t)
		return fmt.Sprintf("/api/v2/community/posts/%d/comments/%d/escalate", post, c), nil
	}},
	{route: "GET /api/v2/community/posts/{id}/comments/{comment_id}", want: communityRead, req: commentPath("")},
	{route: "GET /api/v2/community/posts/{id}/comments/{comment_id}/votes", want: communityRead, req: commentPath("/votes")},
	{route: "POST /api/v2/community/posts/{id}/comments/{comment_id}/up", want: communityJoin, req: commentPath("/up")},
	{route: "POST /api/v2/community/posts/{id}/comments/{comment_id}/down", want: communityJoin, req: commentPath("/down")},
	{route: "DELETE /api/v2/community/posts/{id}/comments/{comment_id}/votes", want: communityWithdraw, req: commentPath("/votes")},
	{route: "DELETE /api/v2/community/posts/{id}/votes", want: communityWithdraw, req: idPath("/api/v2/community/posts/%d/votes", freshPost, nil)},
	{route: "GET /api/v2/community/users/{user_id}/posts", want: communityRead, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/community/users/%d/posts", m.a.EndUser.ID), nil
	}},
	{route: "GET /api/v2/community/users/{user_id}/comments", want: communityRead, req: func(_ *testing.T, m *mx, _ string) (string, any) {
		return fmt.Sprintf("/api/v2/community/users/%d/comments", m.a.EndUser.ID), nil
	}},
	{route: "GET /api/v2/community/moderation", want: communityModRead, req: path("/api/v2/community/moderation")},
	{route: "POST /api/v2/community/moderation/{type}/{id}", want: communityModDone, req: idPath("/api/v2/community/moderation/posts/%d", freshPost,
		map[string]any{"moderation_state": "rejected"})},
	{route: "GET /api/v2/community/bans", want: communityModRead, req: path("/api/v2/community/bans")},
	{route: "POST /api/v2/community/bans", want: communityModMake, req: func(t *testing.T, m *mx, _ string) (string, any) {
		return "/api/v2/community/bans", map[string]any{"ban": map[string]any{"user_id": m.newUser(t, desk.RoleEndUser), "reason": "spam"}}
	}},
	{route: "DELETE /api/v2/community/bans/{id}", want: adminDelete, req: idPath("/api/v2/community/bans/%d", fresh((*mx).bannedUser), nil)},
}
