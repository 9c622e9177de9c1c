package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestCommunityAPI walks the community API as Zendesk clients use it:
// topics, a post with hostile HTML (sanitised), comments, one vote per
// user, subscriptions, the held first post of a new user, escalation into
// exactly one ticket, and bad input answered with 4xx and no change.
func TestCommunityAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Admin, "POST", "/api/v2/community/topics.json", map[string]any{"topic": map[string]any{"name": "General",
			"translations": map[string]any{"pl": map[string]any{"name": "Ogólne"}}}})
		if code != http.StatusCreated {
			t.Fatalf("topic: %d %v", code, body)
		}
		topic := int64(pNum(body["topic"].(map[string]any), "id"))
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/community/topics/%d.json?locale=pl", topic), nil)
		if code != 200 || body["topic"].(map[string]any)["name"] != "Ogólne" {
			t.Fatalf("polish topic: %d %v", code, body)
		}

		// The end-user's first post is held: listed for them, not for
		// another end-user's eyes (checked through the service's rule in
		// its own tests) and shown with its moderation state.
		code, body = a.do(t, a.EndUser, "POST", "/api/v2/community/posts.json", map[string]any{"post": map[string]any{"title": "Help <b>me</b>",
			"details": `<p>Hi</p><script>alert(1)</script><img src=x onerror=alert(1)>`, "topic_id": topic}})
		if code != http.StatusCreated {
			t.Fatalf("post: %d %v", code, body)
		}
		post := body["post"].(map[string]any)
		id := int64(pNum(post, "id"))
		if post["moderation_state"] != "pending" || strings.Contains(post["details"].(string), "script") || strings.Contains(post["details"].(string), "onerror") ||
			post["status"] != "none" || post["vote_sum"] != float64(0) || !strings.HasSuffix(post["html_url"].(string), fmt.Sprintf("/hc/en/community/posts/%d-help-b-me-b", id)) {
			t.Fatalf("post shape: %v", post)
		}
		code, _ = a.do(t, a.Admin, "POST", fmt.Sprintf("/api/v2/community/moderation/posts/%d", id), map[string]any{"moderation_state": "approved"})
		if code != http.StatusNoContent {
			t.Fatalf("approve: %d", code)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/community/posts.json?per_page=1", nil)
		if code != 200 || body["count"] != float64(1) || body["next_page"] != nil {
			t.Fatalf("list: %d %v", code, body)
		}

		// Votes: one per user.
		for range 2 {
			if code, body = a.do(t, a.Agent, "POST", fmt.Sprintf("/api/v2/community/posts/%d/up.json", id), nil); code != http.StatusCreated {
				t.Fatalf("up: %d %v", code, body)
			}
		}
		if code, _ = a.do(t, a.EndUser, "POST", fmt.Sprintf("/api/v2/community/posts/%d/down.json", id), nil); code != http.StatusCreated {
			t.Fatalf("down: %d", code)
		}
		_, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/community/posts/%d.json", id), nil)
		if p := body["post"].(map[string]any); p["vote_sum"] != float64(0) || p["vote_count"] != float64(2) || p["follower_count"] != float64(1) {
			t.Fatalf("after votes: %v", p)
		}

		// Comments; an official answer marks the question answered.
		code, body = a.do(t, a.Agent, "POST", fmt.Sprintf("/api/v2/community/posts/%d/comments.json", id), map[string]any{"comment": map[string]any{"body": "Fixed.", "official": true}})
		if code != http.StatusCreated || body["comment"].(map[string]any)["official"] != true {
			t.Fatalf("comment: %d %v", code, body)
		}
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/community/posts/%d/comments.json", id), nil)
		if code != 200 || body["count"] != float64(1) {
			t.Fatalf("comments: %d %v", code, body)
		}

		// Subscriptions: one may only follow as oneself.
		code, _ = a.do(t, a.EndUser, "POST", fmt.Sprintf("/api/v2/community/topics/%d/subscriptions.json", topic), map[string]any{"subscription": map[string]any{"user_id": a.Agent.ID}})
		if code != http.StatusForbidden {
			t.Fatalf("subscribe someone else: %d", code)
		}

		// Escalation: one ticket, a second attempt is a conflict.
		code, body = a.do(t, a.Agent, "POST", fmt.Sprintf("/api/v2/community/posts/%d/escalate.json", id), nil)
		if code != http.StatusCreated {
			t.Fatalf("escalate: %d %v", code, body)
		}
		tk := body["ticket"].(map[string]any)
		if tk["via"].(map[string]any)["channel"] != "community" || int64(pNum(tk, "requester_id")) != a.EndUser.ID {
			t.Fatalf("ticket: %v", tk)
		}
		if code, _ = a.do(t, a.Agent, "POST", fmt.Sprintf("/api/v2/community/posts/%d/escalate.json", id), nil); code != http.StatusConflict {
			t.Fatalf("second escalation: %d", code)
		}
		_, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/community/posts/%d.json", id), nil)
		if int64(pNum(body["post"].(map[string]any), "ticket_id")) != int64(pNum(tk, "id")) {
			t.Fatalf("post's ticket: %v", body)
		}

		// Bad input: 4xx, nothing changed.
		for _, c := range []struct {
			method, path string
			body         any
			want         int
		}{
			{"POST", "/api/v2/community/posts", `{"post": {"title": `, 400},
			{"POST", "/api/v2/community/posts", map[string]any{"post": map[string]any{"title": "", "topic_id": topic}}, 422},
			{"POST", "/api/v2/community/posts", map[string]any{"post": map[string]any{"title": "x", "topic_id": 987654}}, 422},
			{"POST", "/api/v2/community/posts", map[string]any{"post": map[string]any{"title": "x' OR 1=1 --", "topic_id": "1; DROP TABLE users"}}, 422},
			{"POST", "/api/v2/community/posts", map[string]any{"post": map[string]any{"title": "x", "topic_id": topic, "pinned": true}}, 403},
			{"POST", "/api/v2/community/posts", map[string]any{"post": map[string]any{"title": strings.Repeat("x", 300), "topic_id": topic}}, 422},
			{"POST", "/api/v2/community/posts", map[string]any{"post": map[string]any{"title": "x", "topic_id": topic, "kind": "rant"}}, 422},
			{"POST", fmt.Sprintf("/api/v2/community/posts/%d/comments", id), map[string]any{"comment": map[string]any{"body": "<script></script>"}}, 422},
			{"POST", "/api/v2/community/posts/abc/up", nil, 404},
			{"PUT", fmt.Sprintf("/api/v2/community/posts/%d", id), map[string]any{"post": map[string]any{"status": "planned"}}, 403},
			{"POST", fmt.Sprintf("/api/v2/community/moderation/posts/%d", id), map[string]any{"moderation_state": "approved"}, 403},
			{"POST", "/api/v2/community/topics", map[string]any{"topic": map[string]any{"name": "x"}}, 403},
		} {
			if code, body := a.do(t, a.EndUser, c.method, c.path, c.body); code != c.want {
				t.Errorf("%s %s: %d, want %d (%v)", c.method, c.path, code, c.want, body)
			}
		}
		_, body = a.do(t, a.Admin, "GET", "/api/v2/community/posts.json", nil)
		if body["count"] != float64(1) {
			t.Fatalf("bad input made posts: %v", body["count"])
		}
	})
}
