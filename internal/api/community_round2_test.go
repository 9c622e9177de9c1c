package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// TestCommunityAPILinksVotesAndUsers: html_url follows ?locale=, the
// caller's language, else the help desk's default; comment votes (one per
// user, withdrawn); a user's posts and comments in Zendesk's shape, with
// held content only for its author and staff; a topic with posts is
// deleted only after its posts move.
func TestCommunityAPILinksVotesAndUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		code, body := a.do(t, a.Admin, "POST", "/api/v2/community/topics.json", map[string]any{"topic": map[string]any{"name": "General"}})
		if code != http.StatusCreated {
			t.Fatalf("topic: %d %v", code, body)
		}
		topic := int64(pNum(body["topic"].(map[string]any), "id"))
		code, body = a.do(t, a.Agent, "POST", "/api/v2/community/posts.json", map[string]any{"post": map[string]any{"title": "Jak zresetować hasło", "details": "<p>x</p>", "topic_id": topic}})
		if code != http.StatusCreated {
			t.Fatalf("post: %d %v", code, body)
		}
		post := int64(pNum(body["post"].(map[string]any), "id"))

		postURL := func(u testUser, q string) string {
			t.Helper()
			code, body := a.do(t, u, "GET", fmt.Sprintf("/api/v2/community/posts/%d.json%s", post, q), nil)
			if code != 200 {
				t.Fatalf("show: %d %v", code, body)
			}
			return body["post"].(map[string]any)["html_url"].(string)
		}
		want := func(loc string) string {
			return fmt.Sprintf("/hc/%s/community/posts/%d-jak-zresetowac-haslo", loc, post)
		}
		if got := postURL(a.EndUser, ""); !strings.HasSuffix(got, want("en")) {
			t.Fatalf("default: %s", got)
		}
		if got := postURL(a.EndUser, "?locale=pl"); !strings.HasSuffix(got, want("pl")) {
			t.Fatalf("?locale=pl: %s", got)
		}
		if got := postURL(a.EndUser, "?locale=../x"); !strings.HasSuffix(got, want("en")) {
			t.Fatalf("hostile locale: %s", got)
		}
		pl := "pl"
		if _, err := a.srv.People.UpdateUser(sys, a.EndUser.ID, people.UserInput{Locale: &pl}); err != nil {
			t.Fatal(err)
		}
		if got := postURL(a.EndUser, ""); !strings.HasSuffix(got, want("pl")) {
			t.Fatalf("polish user: %s", got)
		}
		if err := settings.DefaultLocale.Set(sys, a.srv.settings(), "pl"); err != nil {
			t.Fatal(err)
		}
		de := "de"
		if _, err := a.srv.People.UpdateUser(sys, a.Agent.ID, people.UserInput{Locale: &de}); err != nil {
			t.Fatal(err)
		}
		if got := postURL(a.Agent, ""); !strings.HasSuffix(got, want("pl")) {
			t.Fatalf("a German user with a Polish default: %s", got)
		}
		_, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/community/topics/%d.json", topic), nil)
		if got := body["topic"].(map[string]any)["html_url"].(string); !strings.HasSuffix(got, fmt.Sprintf("/hc/pl/community/topics/%d", topic)) {
			t.Fatalf("topic html_url: %s", got)
		}

		// Comment votes.
		code, body = a.do(t, a.Agent, "POST", fmt.Sprintf("/api/v2/community/posts/%d/comments.json", post), map[string]any{"comment": map[string]any{"body": "<p>Answer</p>"}})
		if code != http.StatusCreated {
			t.Fatalf("comment: %d %v", code, body)
		}
		cm := body["comment"].(map[string]any)
		cid := int64(pNum(cm, "id"))
		if !strings.HasSuffix(cm["html_url"].(string), want("pl")+fmt.Sprintf("#comment-%d", cid)) {
			t.Fatalf("comment html_url: %v", cm["html_url"])
		}
		base := fmt.Sprintf("/api/v2/community/posts/%d/comments/%d", post, cid)
		for _, c := range []struct {
			u    testUser
			path string
		}{{a.EndUser, "/up"}, {a.EndUser, "/down"}, {a.Admin, "/up"}, {a.Agent, "/up"}} {
			if code, body := a.do(t, c.u, "POST", base+c.path+".json", nil); code != http.StatusCreated || body["vote"].(map[string]any)["item_type"] != "Comment" {
				t.Fatalf("vote %s: %d %v", c.path, code, body)
			}
		}
		_, body = a.do(t, a.EndUser, "GET", base+".json", nil)
		if c := body["comment"].(map[string]any); c["vote_sum"] != float64(1) || c["vote_count"] != float64(3) {
			t.Fatalf("after votes: %v", c)
		}
		if code, _ := a.do(t, a.EndUser, "DELETE", base+"/votes.json", nil); code != http.StatusNoContent {
			t.Fatalf("withdraw: %d", code)
		}
		_, body = a.do(t, a.EndUser, "GET", base+"/votes.json", nil)
		if body["count"] != float64(0) {
			t.Fatalf("own votes after withdrawing: %v", body)
		}
		_, body = a.do(t, a.Admin, "GET", base+"/votes.json", nil)
		if body["count"] != float64(2) {
			t.Fatalf("all votes: %v", body)
		}
		for _, c := range []struct{ method, path string }{
			{"POST", fmt.Sprintf("/api/v2/community/posts/%d/comments/%d/up", post+999, cid)},
			{"POST", fmt.Sprintf("/api/v2/community/posts/%d/comments/%d/up", post, cid+999)},
			{"POST", fmt.Sprintf("/api/v2/community/posts/%d/comments/0/up", post)},
			{"GET", fmt.Sprintf("/api/v2/community/posts/%d/comments/abc/votes", post)},
		} {
			if code, _ := a.do(t, a.EndUser, c.method, c.path, nil); code != http.StatusNotFound {
				t.Errorf("%s %s: %d, want 404", c.method, c.path, code)
			}
		}

		// A user's posts and comments; the end-user's first post is held.
		code, body = a.do(t, a.EndUser, "POST", "/api/v2/community/posts.json", map[string]any{"post": map[string]any{"title": "Mine", "details": "<p>y</p>", "topic_id": topic}})
		if code != http.StatusCreated || body["post"].(map[string]any)["moderation_state"] != "pending" {
			t.Fatalf("held post: %d %v", code, body)
		}
		other := a.addUser(t, "Olga Other", "olga@customer.test", desk.RoleEndUser)
		for _, c := range []struct {
			u               testUser
			user            int64
			posts, comments float64
		}{
			{a.EndUser, a.EndUser.ID, 1, 0},
			{other, a.EndUser.ID, 0, 0},
			{a.Agent, a.EndUser.ID, 1, 0},
			{other, a.Agent.ID, 1, 1},
		} {
			_, body := a.do(t, c.u, "GET", fmt.Sprintf("/api/v2/community/users/%d/posts.json", c.user), nil)
			if body["count"] != c.posts || len(body["posts"].([]any)) != int(c.posts) {
				t.Errorf("%s: posts of %d: %v", c.u.Email, c.user, body)
			}
			_, body = a.do(t, c.u, "GET", fmt.Sprintf("/api/v2/community/users/%d/comments.json", c.user), nil)
			if body["count"] != c.comments || len(body["comments"].([]any)) != int(c.comments) {
				t.Errorf("%s: comments of %d: %v", c.u.Email, c.user, body)
			}
		}
		if code, _ := a.do(t, other, "GET", "/api/v2/community/users/abc/posts.json", nil); code != http.StatusNotFound {
			t.Errorf("forged user id: %d", code)
		}

		// Deleting a topic with posts: refused, then with the posts moved.
		path := fmt.Sprintf("/api/v2/community/topics/%d.json", topic)
		if code, _ := a.do(t, a.Admin, "DELETE", path, nil); code != http.StatusUnprocessableEntity {
			t.Fatalf("delete with posts: %d", code)
		}
		if code, _ := a.do(t, a.Admin, "DELETE", path+"?move_posts_to=1;DROP", nil); code != http.StatusUnprocessableEntity {
			t.Fatalf("hostile move_posts_to: %d", code)
		}
		_, body = a.do(t, a.Admin, "POST", "/api/v2/community/topics.json", map[string]any{"topic": map[string]any{"name": "Archive"}})
		archive := int64(pNum(body["topic"].(map[string]any), "id"))
		if code, _ := a.do(t, a.Admin, "DELETE", fmt.Sprintf("%s?move_posts_to=%d", path, archive), nil); code != http.StatusNoContent {
			t.Fatalf("delete moving posts: %d", code)
		}
		_, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/community/topics/%d/posts.json", archive), nil)
		if body["count"] != float64(2) {
			t.Fatalf("moved posts: %v", body)
		}
	})
}
