package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/community"
)

// TestBrowserCommunityEscalation: an end-user writes a post with a hostile
// title through the form (held for approval, as a new user's first post);
// an agent opens it and turns it into a ticket with one click; the post
// then says an agent is looking into it, links the ticket for the agent,
// and the ticket links back to the post. Every page passes the
// accessibility check, and no injected script runs.
func TestBrowserCommunityEscalation(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	topic, err := e.app.Community.CreateTopic(e.sys, community.TopicInput{Name: ptr("Billing"),
		Translations: map[string]community.TopicText{"pl": {Name: "Płatności"}}})
	if err != nil {
		t.Fatal(err)
	}

	cu := b.tab("customer")
	cu.signIn(e.base, "/signin", e.customer.Email)
	cu.open(e.base + "/hc/en/community/topics")
	cu.waitText("Billing")
	cu.accessible("the community home")
	cu.open(fmt.Sprintf("%s/hc/en/community/topics/%d", e.base, topic.ID))
	cu.waitText("New post")
	cu.accessible("the topic page")
	cu.do(chromedp.Click(chromedp.CSS(`a[href^="/hc/en/community/posts/new"]`)))
	cu.waitJS(`document.querySelector('#new-post-form') !== null`, "new post form")
	cu.accessible("the new post form")
	title := `Invoice <img src=x onerror="window.__xss=1"> is wrong`
	cu.do(
		chromedp.SetValue(chromedp.CSS(`#post-kind`), "question"),
		chromedp.SetValue(chromedp.CSS(`#post-title`), title),
		chromedp.SetValue(chromedp.CSS(`#post-details`), "I was charged twice.\n\n<script>window.__xss=2</script>"),
		chromedp.Click(chromedp.CSS(`#new-post-form button[type=submit]`)),
	)
	cu.waitURL(`location.search.includes("m=cheld")`, "post held")
	cu.waitText("waits for a moderator")
	cu.noScriptRan("the held post")
	cu.accessible("the held post")
	postPath := cu.eval(`location.pathname`)
	posts, _, err := e.app.Community.Posts(e.sys, community.PostFilter{TopicID: topic.ID})
	if err != nil || len(posts) != 1 || posts[0].Title != title || posts[0].Moderation != community.Pending {
		t.Fatalf("posts %+v %v", posts, err)
	}
	post := posts[0]

	ag := b.tab("agent")
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	ag.open(e.base + postPath)
	ag.waitJS(`document.querySelector('#escalate') !== null`, "escalate button")
	ag.accessible("the post as an agent")
	ag.do(chromedp.Click(chromedp.CSS(`#escalate`)))
	ag.waitURL(`location.search.includes("m=cescalated") && document.querySelector('#post-ticket-link') !== null`, "ticket link")
	ag.noScriptRan("the escalated post")
	ag.accessible("the escalated post")
	got, err := e.app.Community.Post(e.sys, post.ID)
	if err != nil || got.TicketID == nil {
		t.Fatalf("post after escalation %+v %v", got, err)
	}
	if href := ag.eval(`document.querySelector('#post-ticket-link').getAttribute('href')`); href != fmt.Sprintf("/agent/tickets/%d", *got.TicketID) {
		t.Fatalf("ticket link %q", href)
	}
	if ag.eval(`String(document.querySelector('#escalate') === null)`) != "true" {
		t.Fatal("the escalate button is still offered")
	}
	tk, err := e.app.Tickets.Get(e.sys, *got.TicketID)
	if err != nil || tk.RequesterID != e.customer.ID || tk.Via.Channel != community.Via || !strings.Contains(tk.Description, postPath) {
		t.Fatalf("ticket %+v %v", tk, err)
	}
	// The agent follows the link to the ticket.
	ag.do(chromedp.Click(chromedp.CSS(`#post-ticket-link`)))
	ag.waitJS(fmt.Sprintf(`location.pathname === "/agent/tickets/%d"`, tk.ID), "ticket page")

	// The author sees that an agent is on it.
	cu.open(e.base + postPath)
	cu.waitText("An agent is looking into this.")
	cu.noScriptRan("the author's view")
	// And the Polish page of the same post.
	cu.open(e.base + strings.Replace(postPath, "/hc/en/", "/hc/pl/", 1))
	cu.waitText("Agent zajmuje się tą sprawą.")
	cu.accessible("the post in Polish")
}

// TestBrowserCommunityXSSCorpus: the XSS corpus and a Markdown corpus
// (javascript: and data: links, reference links, images with onerror,
// raw HTML, code) as topic names, post titles, post details (HTML through
// the API's path and Markdown through the form's) and comments (Markdown),
// by a user whose name is hostile too; no script runs, and no javascript:
// link or event-handler attribute is in the page, on the community home,
// the topic page, each post page (as a visitor and as a moderating admin),
// the moderation queue or the topic management page.
func TestBrowserCommunityXSSCorpus(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	svc := e.app.Community
	svc.Limits = community.Limits{} // one user writes the whole corpus (the limits have their own tests)
	name := `<img src=x onerror=window.__xss=1>"Mallory" <script>window.__xss=1</script>`
	mal := e.mustUser(name, "mallory@example.com", "end-user")
	topic, err := svc.CreateTopic(e.sys, community.TopicInput{Name: ptr(xssCorpus[1]), Description: ptr(xssCorpus[0])})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i, payload := range append(append([]string{}, xssCorpus...), markdownCorpus...) {
		in := community.PostInput{Title: ptr(strings.ReplaceAll(payload, "\n", " ")), TopicID: &topic.ID}
		if i%2 == 0 {
			in.Details = ptr(payload)
		} else {
			in.Text = ptr(payload)
		}
		p, err := svc.CreatePost(userCtx(mal), in)
		if err != nil {
			t.Fatalf("payload %d: %v", i, err)
		}
		if i%3 == 0 {
			// Some stay held, so the queue shows them.
			if err := svc.Moderate(e.sys, community.TypePost, p.ID, community.Approved); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.CreateComment(userCtx(e.admin), p.ID, community.CommentInput{Text: ptr("Reply\n\n" + payload)}); err != nil {
				t.Fatal(err)
			}
		}
		paths = append(paths, p.Path("en"))
	}
	if _, err := svc.CreateTopic(e.sys, community.TopicInput{Name: ptr(markdownCorpus[0]), Description: ptr(markdownCorpus[1]),
		Translations: map[string]community.TopicText{"pl": {Name: markdownCorpus[2], Description: xssCorpus[0]}}}); err != nil {
		t.Fatal(err)
	}
	ad := b.tab("admin")
	ad.signIn(e.base, "/agent/signin", e.admin.Email)
	// The markup check sees a planted script link (it can fail).
	ad.open(e.base + "/hc/en/community/topics")
	ad.waitJS(`document.readyState === "complete"`, "the community home")
	ad.eval(`document.body.insertAdjacentHTML('beforeend', '<a id="probe" href=" java\tscript:void 0">x</a>'), ''`)
	if n := ad.eval(hostileMarkupCount); n != "1" {
		t.Fatalf("the markup check missed a planted javascript: link (%s)", n)
	}
	for _, p := range append([]string{"/hc/en/community/topics", "/hc/en/community/topics/" + itoa(topic.ID), "/agent/community/moderation", "/agent/community/topics"}, paths...) {
		ad.open(e.base + p)
		ad.waitJS(`document.readyState === "complete"`, p)
		ad.noScriptRan(p)
		noHostileMarkup(t, ad, p)
	}
	anon := b.tab("visitor")
	anon.open(e.base + "/hc/en/community/topics/" + itoa(topic.ID))
	anon.waitJS(`document.readyState === "complete"`, "topic page")
	anon.noScriptRan("the topic page as a visitor")
	anon.open(e.base + paths[0])
	anon.waitJS(`document.readyState === "complete"`, "post page")
	anon.noScriptRan("a post page as a visitor")
	anon.open(e.base + paths[len(xssCorpus)])
	anon.waitJS(`document.readyState === "complete"`, "a Markdown post page")
	anon.noScriptRan("a Markdown post page as a visitor")
	noHostileMarkup(t, anon, "a Markdown post page as a visitor")
}

// markdownCorpus is hostile Markdown: links and images whose targets run
// script, raw HTML the renderer would pass through, and code spans and
// blocks that must stay text.
var markdownCorpus = []string{
	"[click me](javascript:window.__xss=1)",
	"[click](JaVaScRiPt:window.__xss=1 \"title\") and [tab](java\tscript:window.__xss=1)",
	"![img](x\" onerror=\"window.__xss=1)",
	"![img](javascript:window.__xss=1)",
	"[ref link][r]\n\n[r]: javascript:window.__xss=1",
	"[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
	"<a href=\"javascript:window.__xss=1\">raw link</a> <img src=x onerror=window.__xss=1>",
	"<details open ontoggle=window.__xss=1><summary>x</summary></details>",
	"**bold <iframe src=\"javascript:window.__xss=1\"></iframe>**",
	"`<script>window.__xss=1</script>` and\n\n```html\n<script>window.__xss=1</script>\n```",
	"<svg><script>window.__xss=1</script></svg>\n<math><mtext><script>window.__xss=1</script></mtext></math>",
	"[x](<javascript:window.__xss=1>) <javascript:window.__xss=1> www.example.com/<script>",
}

// hostileMarkupCount counts the elements with a javascript:, data: or
// vbscript: URL, or an inline event handler attribute.
const hostileMarkupCount = `String(Array.from(document.querySelectorAll('*')).filter(el =>
	Array.from(el.attributes).some(a => /^on/i.test(a.name) ||
		(/^(href|src|action|formaction|xlink:href)$/i.test(a.name) && /^(javascript|data|vbscript):/i.test(a.value.replace(/[\s\u0000-\u001f]/g, ''))))).length)`

// noHostileMarkup fails the test if the page holds a javascript: or data:
// link or image, or an inline event handler attribute.
func noHostileMarkup(t *testing.T, tb *tab, where string) {
	t.Helper()
	if n := tb.eval(hostileMarkupCount); n != "0" {
		t.Errorf("%s: %s elements with a script URL or an event handler", where, n)
	}
}
