package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/desk"
)

func userCtx(u *desk.User) context.Context {
	return desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: u.Role, Email: u.Email, Via: "web"})
}

// communityFixture makes a topic with an approved post (with a comment)
// by the customer, a held post by the second customer, and a banned user;
// it returns the pages to visit in a locale.
func communityFixture(t *testing.T, e *env) func(loc string) []string {
	t.Helper()
	svc := e.app.Community
	topic, err := svc.CreateTopic(e.sys, community.TopicInput{Name: ptr("General"), Description: ptr("Talk"),
		Translations: map[string]community.TopicText{"pl": {Name: "Ogólne", Description: "Rozmowy"}}})
	if err != nil {
		t.Fatal(err)
	}
	q := community.KindQuestion
	post, err := svc.CreatePost(userCtx(e.customer), community.PostInput{Title: ptr("How do I export?"), Text: ptr("Line one\n\nLine two"), TopicID: &topic.ID, Kind: &q})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Moderate(e.sys, community.TypePost, post.ID, community.Approved); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateComment(userCtx(e.customer), post.ID, community.CommentInput{Text: ptr("Still stuck")}); err != nil {
		t.Fatal(err)
	}
	held, err := svc.CreatePost(userCtx(e.customer2), community.PostInput{Title: ptr("Held one"), Text: ptr("x"), TopicID: &topic.ID})
	if err != nil {
		t.Fatal(err)
	}
	return func(loc string) []string {
		return []string{"/hc/" + loc + "/community/topics", fmt.Sprintf("/hc/%s/community/topics/%d", loc, topic.ID),
			fmt.Sprintf("/hc/%s/community/topics/%d?sort_by=votes&page=2", loc, topic.ID),
			post.Path(loc), held.Path(loc), fmt.Sprintf("/hc/%s/community/posts/%d-wrong-slug", loc, post.ID)}
	}
}

// Hostile titles, details and comments render as text; locale and post
// references outside the allowed shapes are not found.
func TestCommunityPagesXSSAndPaths(t *testing.T) {
	e := newEnv(t, "")
	svc := e.app.Community
	topic, err := svc.CreateTopic(e.sys, community.TopicInput{Name: ptr(`<img src=x onerror=alert(1)>Topic`)})
	if err != nil {
		t.Fatal(err)
	}
	evil := `<script>alert("t")</script>"><svg onload=alert(2)>`
	post, err := svc.CreatePost(userCtx(e.admin), community.PostInput{Title: &evil,
		Details: ptr(`<p>ok</p><script>alert(3)</script><a href="javascript:alert(4)">x</a><img src=x onerror=alert(5)>`), TopicID: &topic.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateComment(userCtx(e.admin), post.ID, community.CommentInput{Text: ptr(`<script>alert(6)</script>`)}); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	for _, p := range []string{"/hc/en/community/topics", fmt.Sprintf("/hc/en/community/topics/%d", topic.ID), post.Path("en")} {
		r := c.get(p)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", p, r.Status)
		}
		for _, bad := range []string{"<script>alert", "<img src=x onerror", "<svg", "onerror=\"alert", `href="javascript:`, "onload=\"alert"} {
			if strings.Contains(r.Body, bad) {
				t.Errorf("%s renders %q", p, bad)
			}
		}
	}
	r := c.get(post.Path("en"))
	if !strings.Contains(r.Body, "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;") || !strings.Contains(r.Body, "&lt;script&gt;alert(6)&lt;/script&gt;") {
		t.Errorf("hostile title or comment not shown as text")
	}
	for _, p := range []string{"/hc/xx/community/topics", "/hc/..%2fetc/community/topics", "/hc/EN/community/topics",
		fmt.Sprintf("/hc/en/community/posts/%d-ABC", post.ID), "/hc/en/community/posts/0", "/hc/en/community/posts/1%2f..", "/hc/en/community/posts/99999-x",
		"/hc/en/community/topics/abc"} {
		if r := c.get(p); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, r.Status)
		}
	}
	// An old slug redirects to the canonical address.
	if r := c.get(fmt.Sprintf("/hc/en/community/posts/%d", post.ID)); r.Status != http.StatusSeeOther && r.Status != http.StatusOK {
		t.Errorf("bare id: %d", r.Status)
	}
}

// Pending posts are shown to their author and staff only; the forms need a
// session and the CSRF token; a banned user gets no forms.
func TestCommunityPagesVisibilityAndForms(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) { communityPagesVisibilityAndForms(t, u) })
	}
}

func communityPagesVisibilityAndForms(t *testing.T, dbURL string) {
	e := newEnv(t, dbURL)
	svc := e.app.Community
	topic, err := svc.CreateTopic(e.sys, community.TopicInput{Name: ptr("General")})
	if err != nil {
		t.Fatal(err)
	}
	cu := e.client()
	cu.signIn("/signin", e.customer.Email)
	cu.get("/hc/en/community/posts/new")
	r := cu.post("/hc/en/community/posts", url.Values{"title": {"First post"}, "details": {"Hello"}, "kind": {"question"}, "topic_id": {fmt.Sprint(topic.ID)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("post: %d %s", r.Status, r.Body)
	}
	loc := r.Header.Get("Location")
	if !strings.Contains(loc, "m=cheld") {
		t.Fatalf("first post not held: %s", loc)
	}
	path := strings.SplitN(loc, "?", 2)[0]
	if r := cu.get(path); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="post-held"`) {
		t.Fatalf("author's view of the held post: %d", r.Status)
	}
	if r := e.client().get(path); r.Status != http.StatusNotFound {
		t.Fatalf("anonymous sees a held post: %d", r.Status)
	}
	other := e.client()
	other.signIn("/signin", e.customer2.Email)
	if r := other.get(path); r.Status != http.StatusNotFound {
		t.Fatalf("another customer sees a held post: %d", r.Status)
	}
	// Without the CSRF token nothing happens.
	if r := cu.post("/hc/en/community/posts", url.Values{"csrf_token": {"forged"}, "title": {"x"}, "topic_id": {fmt.Sprint(topic.ID)}}); r.Status != http.StatusForbidden {
		t.Fatalf("forged token: %d", r.Status)
	}
	// Anonymous visitors are sent to sign in.
	anon := e.client()
	anon.get("/hc/en/community/topics")
	if r := anon.post("/hc/en/community/posts", url.Values{"title": {"x"}}); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/signin") {
		t.Fatalf("anonymous post: %d %s", r.Status, r.Header.Get("Location"))
	}
	// The admin approves it in the queue; then everyone sees it.
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	q := ad.get("/agent/community/moderation")
	if q.Status != http.StatusOK || !strings.Contains(q.Body, "First post") {
		t.Fatalf("queue: %d", q.Status)
	}
	var id int64
	fmt.Sscanf(strings.TrimPrefix(path, "/hc/en/community/posts/"), "%d", &id)
	if r := ad.post(fmt.Sprintf("/agent/community/moderation/post/%d", id), url.Values{"to": {"approved"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.Status)
	}
	if r := e.client().get(path); r.Status != http.StatusOK {
		t.Fatalf("approved post: %d", r.Status)
	}
	// A plain agent (no manage_help_center) sees the queue page refused.
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	if r := ag.get("/agent/community/moderation"); r.Status != http.StatusForbidden {
		t.Fatalf("agent's queue: %d", r.Status)
	}
	// Votes: one per user, shown in the sum.
	cu.get(path)
	for range 2 {
		if r := cu.post(fmt.Sprintf("/hc/en/community/posts/%d/vote", id), url.Values{"value": {"up"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("vote: %d", r.Status)
		}
	}
	p, err := svc.Post(e.sys, id)
	if err != nil || p.VoteSum != 1 || p.VoteCount != 1 {
		t.Fatalf("votes: %+v %v", p, err)
	}
	// Editing: the author's form shows the Markdown they wrote; another
	// customer is refused; hostile input is stored as text; a moderator
	// edits too.
	editPath := fmt.Sprintf("/hc/en/community/posts/%d/edit", id)
	if r := cu.get(editPath); r.Status != http.StatusOK || !strings.Contains(r.Body, ">Hello</textarea>") {
		t.Fatalf("author's edit form: %d %s", r.Status, between(r.Body, "<main", "</main>"))
	}
	if r := other.get(editPath); r.Status != http.StatusForbidden {
		t.Errorf("another customer's edit form: %d", r.Status)
	}
	if r := other.post(editPath, url.Values{"title": {"Taken over"}, "details": {"x"}, "kind": {"question"}}); r.Status != http.StatusForbidden {
		t.Errorf("another customer edits: %d", r.Status)
	}
	hostile := `<img src=x onerror=alert(1)> **bold** [x](javascript:alert(2))`
	r = cu.post(editPath, url.Values{"title": {"First post, edited <script>"}, "details": {hostile}, "kind": {"idea"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("author edits: %d %s", r.Status, between(r.Body, "<main", "</main>"))
	}
	edited := strings.SplitN(r.Header.Get("Location"), "?", 2)[0] // the new title's slug
	if r := e.client().get(edited); !strings.Contains(r.Body, "<strong>bold</strong>") || strings.Contains(r.Body, "<img src") ||
		strings.Contains(r.Body, "javascript:") || strings.Contains(r.Body, "edited <script>") {
		t.Errorf("edited post: %s", between(r.Body, "<main", "</main>"))
	}
	if r := cu.get(editPath); !strings.Contains(r.Body, "**bold**") {
		t.Errorf("the edit form does not show the Markdown written")
	}
	if r := ad.post(editPath, url.Values{"title": {"First post"}, "details": {"Hello again"}, "kind": {"question"}}); r.Status != http.StatusSeeOther {
		t.Errorf("moderator edits: %d", r.Status)
	}
	// Comments: the author deletes their own from the page; another
	// customer gets no button and is refused; a moderator deletes anyone's.
	asUser := func(u *desk.User) context.Context {
		return desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: u.Role, Email: u.Email})
	}
	mine, err := svc.CreateComment(asUser(e.customer), id, community.CommentInput{Text: ptr("Mine to delete")})
	if err != nil {
		t.Fatal(err)
	}
	byAdmin, err := svc.CreateComment(asUser(e.admin), id, community.CommentInput{Text: ptr("The admin's answer")})
	if err != nil {
		t.Fatal(err)
	}
	// Editing a comment: the author's form shows the Markdown they wrote;
	// another customer gets no link and is refused; hostile input is made
	// harmless; a moderator edits anyone's; a blank body is refused on the
	// form with the text kept.
	editC := func(cid int64) string { return fmt.Sprintf("/hc/en/community/posts/%d/comments/%d/edit", id, cid) }
	if r := cu.get(editC(mine.ID)); r.Status != http.StatusOK || !strings.Contains(r.Body, ">Mine to delete</textarea>") {
		t.Fatalf("author's comment edit form: %d %s", r.Status, between(r.Body, "<main", "</main>"))
	}
	if r := other.get(path); strings.Contains(r.Body, fmt.Sprintf(`data-edit-comment="%d"`, mine.ID)) {
		t.Errorf("another customer is offered the comment to edit")
	}
	if r := cu.get(path); !strings.Contains(r.Body, fmt.Sprintf(`data-edit-comment="%d"`, mine.ID)) {
		t.Errorf("the author is not offered their comment to edit")
	}
	if r := other.get(editC(mine.ID)); r.Status != http.StatusForbidden {
		t.Errorf("another customer's comment edit form: %d", r.Status)
	}
	if r := other.post(editC(mine.ID), url.Values{"body": {"Taken over"}}); r.Status != http.StatusForbidden {
		t.Errorf("another customer edits a comment: %d", r.Status)
	}
	if r := cu.post(editC(mine.ID), url.Values{"body": {"  "}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `aria-invalid="true"`) {
		t.Errorf("blank comment edit: %d %s", r.Status, between(r.Body, "<main", "</main>"))
	}
	r = cu.post(editC(mine.ID), url.Values{"body": {`Mine, *edited* <img src=x onerror=alert(1)> [x](javascript:alert(2))`}})
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), fmt.Sprintf("#comment-%d", mine.ID)) {
		t.Fatalf("author edits a comment: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := e.client().get(path); !strings.Contains(r.Body, "Mine, <em>edited</em>") || strings.Contains(r.Body, "<img src") || strings.Contains(r.Body, "javascript:") {
		t.Errorf("edited comment: %s", between(r.Body, "<main", "</main>"))
	}
	if r := cu.get(editC(mine.ID)); !strings.Contains(r.Body, "Mine, *edited*") {
		t.Errorf("the comment edit form does not show the Markdown written")
	}
	if r := ad.post(editC(mine.ID), url.Values{"body": {"Mine to delete"}}); r.Status != http.StatusSeeOther {
		t.Errorf("moderator edits a comment: %d", r.Status)
	}
	if r := cu.get(fmt.Sprintf("/hc/en/community/posts/%d/comments/%d/edit", id, byAdmin.ID+1000)); r.Status != http.StatusNotFound {
		t.Errorf("edit form of a comment that does not exist: %d", r.Status)
	}
	delPath := func(cid int64) string { return fmt.Sprintf("/hc/en/community/posts/%d/comments/%d/delete", id, cid) }
	if r := other.get(path); strings.Contains(r.Body, fmt.Sprintf(`data-delete-comment="%d"`, byAdmin.ID)) {
		t.Errorf("another customer is offered the admin's comment to delete")
	}
	if r := other.post(delPath(byAdmin.ID), nil); r.Status != http.StatusForbidden {
		t.Errorf("another customer deletes the admin's comment: %d", r.Status)
	}
	if r := cu.get(path); !strings.Contains(r.Body, fmt.Sprintf(`data-delete-comment="%d"`, mine.ID)) {
		t.Errorf("the author is not offered their comment to delete")
	}
	if r := cu.post(delPath(mine.ID), nil); r.Status != http.StatusSeeOther {
		t.Errorf("the author deletes their comment: %d", r.Status)
	}
	if r := ad.post(delPath(byAdmin.ID), nil); r.Status != http.StatusSeeOther {
		t.Errorf("a moderator deletes a comment: %d", r.Status)
	}
	if r := e.client().get(path); strings.Contains(r.Body, "Mine to delete") || strings.Contains(r.Body, "The admin&#39;s answer") {
		t.Errorf("deleted comments still shown")
	}
	// Banned: the page shows no forms and a post is refused.
	if r := ad.post("/agent/community/bans", url.Values{"user": {e.customer.Email}, "reason": {"spam"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("ban: %d %s", r.Status, r.Body)
	}
	r = cu.get(path)
	if strings.Contains(r.Body, `id="comment-form"`) || !strings.Contains(r.Body, "banned") {
		t.Fatalf("banned user's post page offers the comment form")
	}
	if r := cu.post(fmt.Sprintf("/hc/en/community/posts/%d/comments", id), url.Values{"body": {"hi"}}); r.Status != http.StatusForbidden {
		t.Fatalf("banned comment: %d", r.Status)
	}
}

// communityTopicID is the first topic's id (the fixture's "General").
func communityTopicID(t *testing.T, e *env) int64 {
	t.Helper()
	ts, err := e.app.Community.Topics(e.sys, "")
	if err != nil || len(ts) == 0 {
		t.Fatalf("topics: %v %v", ts, err)
	}
	return ts[0].ID
}
