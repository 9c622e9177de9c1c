package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/settings"
)

// Topic management and posting limits through the pages: a moderator
// creates (with a Polish name), renames, reorders and deletes topics —
// a topic with posts only once they move; admins set the hourly limits
// (bad values change nothing); agents without manage_help_center and
// customers are refused. On a post page, comments take Markdown and
// votes.
func TestCommunityTopicManagementPages(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) { communityTopicManagementPages(t, u) })
	}
}

func communityTopicManagementPages(t *testing.T, dbURL string) {
	e := newEnv(t, dbURL)
	svc := e.app.Community
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	if r := ad.get("/agent/community/topics"); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="topic-new"`) || !strings.Contains(r.Body, `id="limits-form"`) {
		t.Fatalf("topics page: %d", r.Status)
	}
	mk := func(name, pl string) int64 {
		t.Helper()
		r := ad.post("/agent/community/topics", url.Values{"name": {name}, "description": {"About " + name}, "name_pl": {pl}})
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "m=ctopic") {
			t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
		}
		var id int64
		fmt.Sscanf(r.Header.Get("Location")[strings.Index(r.Header.Get("Location"), "#topic-")+len("#topic-"):], "%d", &id)
		return id
	}
	billing, other := mk("Billing", "Płatności"), mk("Other", "")
	if r := ad.post("/agent/community/topics", url.Values{"name": {""}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("blank topic: %d", r.Status)
	}
	pl, err := svc.Topic(e.sys, billing, "pl")
	if err != nil || pl.Name != "Płatności" || pl.Description != "About Billing" {
		t.Fatalf("polish name: %+v %v", pl, err)
	}
	if r := ad.post(fmt.Sprintf("/agent/community/topics/%d", billing), url.Values{"name": {"Invoices"}, "description": {"Money"}, "name_pl": {"Faktury"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("rename: %d", r.Status)
	}
	if r := ad.post(fmt.Sprintf("/agent/community/topics/%d/move", other), url.Values{"by": {"-1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("move: %d", r.Status)
	}
	if r := ad.post(fmt.Sprintf("/agent/community/topics/%d/move", other), url.Values{"by": {"7; DROP TABLE x"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("hostile move: %d", r.Status)
	}
	ts, err := svc.Topics(e.sys, "pl")
	if err != nil || len(ts) != 2 || ts[0].ID != other || ts[1].Name != "Faktury" {
		t.Fatalf("topics after rename and move: %+v %v", ts, err)
	}
	page := ad.get("/agent/community/topics")
	if strings.Index(page.Body, `id="topic-`+fmt.Sprint(other)+`"`) > strings.Index(page.Body, `id="topic-`+fmt.Sprint(billing)+`"`) {
		t.Fatal("the page does not list topics in their order")
	}

	// A topic with a post: delete refused until the posts move.
	post, err := svc.CreatePost(userCtx(e.admin), community.PostInput{Title: ptr("Where is my invoice?"), Text: ptr("x"), TopicID: &billing})
	if err != nil {
		t.Fatal(err)
	}
	if r := ad.post(fmt.Sprintf("/agent/community/topics/%d/delete", billing), url.Values{"move_posts_to": {""}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "move them to another topic") {
		t.Fatalf("delete with posts: %d", r.Status)
	}
	if r := ad.post(fmt.Sprintf("/agent/community/topics/%d/delete", billing), url.Values{"move_posts_to": {"../1"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("hostile move target: %d", r.Status)
	}
	if r := ad.post(fmt.Sprintf("/agent/community/topics/%d/delete", billing), url.Values{"move_posts_to": {fmt.Sprint(other)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete moving posts: %d %s", r.Status, r.Body)
	}
	if p, err := svc.Post(e.sys, post.ID); err != nil || p.TopicID != other {
		t.Fatalf("moved post: %+v %v", p, err)
	}

	// Limits: admins only, all checked before any is saved.
	st := settings.Uncached(e.app.DB, nil)
	if r := ad.post("/agent/community/limits", url.Values{"posts_per_user": {"5"}, "posts_per_ip": {"x"}, "comments_per_user": {"1"}, "comments_per_ip": {"2"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad limits: %d", r.Status)
	}
	if n, _ := settings.CommunityPostsPerUser.Get(e.sys, st); n != settings.CommunityPostsPerUser.Default() {
		t.Fatalf("a bad form saved a limit: %d", n)
	}
	if r := ad.post("/agent/community/limits", url.Values{"posts_per_user": {"5"}, "posts_per_ip": {"0"}, "comments_per_user": {"1"}, "comments_per_ip": {"2"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("limits: %d %s", r.Status, r.Body)
	}
	if n, _ := settings.CommunityCommentsPerIP.Get(e.sys, st); n != 2 {
		t.Fatalf("comments per ip: %d", n)
	}
	if r := ad.get("/agent/community/topics"); !strings.Contains(r.Body, `id="limit-posts_per_user" name="posts_per_user" type="number" min="0" max="10000" required value="5"`) {
		t.Fatal("the page does not show the saved limit")
	}

	// Others are refused.
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	if r := ag.get("/agent/community/topics"); r.Status != http.StatusForbidden {
		t.Fatalf("agent's topics page: %d", r.Status)
	}
	ag.get("/agent")
	if r := ag.post("/agent/community/topics", url.Values{"name": {"Sneaky"}}); r.Status != http.StatusForbidden {
		t.Fatalf("agent creates a topic: %d", r.Status)
	}
	if r := ag.post("/agent/community/limits", url.Values{"posts_per_user": {"0"}}); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
		t.Fatalf("agent sets limits: %d", r.Status)
	}
	cu := e.client()
	cu.signIn("/signin", e.customer.Email)
	if r := cu.get("/agent/community/topics"); r.Status == http.StatusOK {
		t.Fatal("a customer sees the topics page")
	}

	// Markdown comments and comment votes on the post page.
	if err := svc.Moderate(e.sys, community.TypePost, post.ID, community.Approved); err != nil {
		t.Fatal(err)
	}
	p, _ := svc.Post(e.sys, post.ID)
	cu.get(p.Path("en"))
	if r := cu.post(fmt.Sprintf("/hc/en/community/posts/%d/comments", post.ID), url.Values{"body": {"Try **this** and `a<b`\n<script>alert(1)</script>"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("comment: %d", r.Status)
	}
	cs, _, err := svc.Comments(e.sys, post.ID, 1, 10)
	if err != nil || len(cs) != 1 {
		t.Fatalf("comments: %v %v", cs, err)
	}
	if err := svc.Moderate(e.sys, community.TypeComment, cs[0].ID, community.Approved); err != nil {
		t.Fatal(err)
	}
	r := cu.get(p.Path("en"))
	for _, want := range []string{"<strong>this</strong>", "<code>a&lt;b</code>", "&lt;script&gt;alert(1)&lt;/script&gt;", fmt.Sprintf(`id="comment-%d-votes"`, cs[0].ID)} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("post page lacks %q", want)
		}
	}
	vote := fmt.Sprintf("/hc/en/community/posts/%d/comments/%d/vote", post.ID, cs[0].ID)
	for _, v := range []string{"up", "up", "down"} {
		if r := cu.post(vote, url.Values{"value": {v}}); r.Status != http.StatusSeeOther {
			t.Fatalf("comment vote %s: %d", v, r.Status)
		}
	}
	if c, err := svc.Comment(e.sys, post.ID, cs[0].ID); err != nil || c.VoteSum != -1 || c.VoteCount != 1 {
		t.Fatalf("comment votes: %+v %v", c, err)
	}
	if r := cu.get(p.Path("en")); !strings.Contains(r.Body, `aria-pressed="true" aria-describedby="comment-`) {
		t.Fatal("the visitor's comment vote is not shown as pressed")
	}
	if r := cu.post(vote, url.Values{"value": {"none"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.Status)
	}
	if c, _ := svc.Comment(e.sys, post.ID, cs[0].ID); c.VoteCount != 0 {
		t.Fatalf("withdrawn vote kept: %+v", c)
	}
	if r := cu.post(vote, url.Values{"value": {"sideways"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad vote value: %d", r.Status)
	}
	if r := cu.post(fmt.Sprintf("/hc/en/community/posts/%d/comments/%d/vote", post.ID, cs[0].ID+99), url.Values{"value": {"up"}}); r.Status != http.StatusNotFound {
		t.Fatalf("forged comment id: %d", r.Status)
	}
}
