package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// xssCorpus are hostile strings: every one would set window.__xss or open a
// dialog if a page let it run.
var xssCorpus = []string{
	`<script>window.__xss=1;alert(1)</script>`,
	`<img src=x onerror="window.__xss=1;alert(1)">`,
	`<svg onload="window.__xss=1;alert(1)">`,
	`<svg><script>window.__xss=1</script></svg>`,
	`"><script>window.__xss=1</script>`,
	`'><img src=x onerror=window.__xss=1>`,
	`<a href="javascript:window.__xss=1;alert(1)">click me</a>`,
	`javascript:window.__xss=1;alert(1)`,
	`<iframe src="javascript:window.__xss=1"></iframe>`,
	`<body onload=window.__xss=1>`,
	`<div style="background:url(javascript:window.__xss=1)">styled</div>`,
	`&lt;script&gt;window.__xss=1&lt;/script&gt;`,
	`%3Cscript%3Ewindow.__xss=1%3C/script%3E`,
	`<scr<script>ipt>window.__xss=1</scr</script>ipt>`,
	`<img src="x" onerror="&#119;indow.__xss=1">`,
	`<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>`,
	`<details open ontoggle=window.__xss=1>`,
	`</textarea><script>window.__xss=1</script>`,
	`</title><script>window.__xss=1</script>`,
	`<input autofocus onfocus=window.__xss=1>`,
	`<a href="jav&#x09;ascript:window.__xss=1">tab</a>`,
	`<object data="javascript:window.__xss=1"></object>`,
	`{{.}}<script>window.__xss=1</script>`,
	`<<img src=x onerror=window.__xss=1>`,
}

// Flow 5: tickets whose subject, body (plain and HTML), requester name and
// tags carry the corpus; no script may run on the views page, the ticket
// page, search, the user page or the portal request page.
func TestBrowserXSSCorpus(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	name := `<img src=x onerror=window.__xss=1>"Mallory" <script>window.__xss=1</script>`
	email := "mallory@example.com"
	role := desk.RoleEndUser
	pw := password
	mal, err := e.app.People.CreateUser(e.sys, people.UserInput{Name: &name, Email: &email, Role: &role, Password: &pw})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, payload := range xssCorpus {
		subject := payload
		in := ticket.Input{Subject: &subject, RequesterID: desk.SetID(mal.ID), Tags: &[]string{strings.ReplaceAll(payload, ",", "")}}
		if i%2 == 0 {
			in.Comment = &ticket.CommentInput{HTMLBody: "<p>html " + payload + "</p>"}
		} else {
			in.Comment = &ticket.CommentInput{Body: "plain " + payload}
		}
		tk, _, err := e.app.Tickets.Create(as(e.agent), in)
		if err != nil {
			// A payload the service rejects as input cannot reach a page.
			t.Logf("payload %d rejected: %v", i, err)
			continue
		}
		ids = append(ids, tk.ID)
		pub := true
		if _, _, err := e.app.Tickets.Update(as(e.agent), tk.ID, ticket.Input{Comment: &ticket.CommentInput{HTMLBody: "reply " + payload, Public: &pub}}); err != nil {
			t.Fatalf("reply with payload %d: %v", i, err)
		}
	}
	if len(ids) < len(xssCorpus)-2 {
		t.Fatalf("only %d of %d payloads were stored", len(ids), len(xssCorpus))
	}

	ag := b.tab("agent")
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	visit := func(tb *tab, path, mustSee string) {
		t.Helper()
		tb.open(e.base + path)
		tb.waitText(mustSee)
		time.Sleep(300 * time.Millisecond) // let image errors and the like fire
		tb.noScriptRan(path)
		if bad := tb.eval(`(function () {
			var out = [];
			document.querySelectorAll("*").forEach(function (el) {
				for (var i = 0; i < el.attributes.length; i++) {
					var a = el.attributes[i];
					if (/^on/i.test(a.name)) { out.push(el.tagName + " " + a.name); }
					if (/^(href|src|action|formaction|data)$/i.test(a.name) && /^\s*javascript:/i.test(a.value)) { out.push(el.tagName + " " + a.name + "=" + a.value); }
				}
			});
			document.querySelectorAll("iframe, object, embed, main script, main svg, main math").forEach(function (el) { out.push("element " + el.tagName); });
			if (document.scripts.length !== 1) { out.push(document.scripts.length + " scripts"); }
			return out.join("; ");
		})()`); bad != "" {
			t.Errorf("%s: dangerous markup on %s: %s", tb.name, path, bad)
		}
	}
	visit(ag, "/agent/views/unsolved", "All unsolved tickets")
	ag.shot("views")
	visit(ag, "/agent/views/unsolved?page=2", "All unsolved tickets")
	for _, id := range ids {
		visit(ag, "/agent/tickets/"+itoa(id), "Ticket #"+itoa(id))
	}
	ag.shot("ticket")
	visit(ag, "/agent/users/"+itoa(mal.ID), "Mallory")
	visit(ag, "/agent/search?q=window", "Search")

	cu := b.tab("mallory")
	cu.signIn(e.base, "/signin", email)
	visit(cu, "/requests", "My requests")
	for _, id := range ids {
		visit(cu, "/requests/"+itoa(id), "#"+itoa(id))
	}
	cu.shot("request")
}

func itoa(n int64) string { return id(n) }

// The harness itself notices scripts that run: a page that does run the
// payloads must be caught (so the XSS test cannot pass by being blind).
func TestBrowserHarnessDetectsScripts(t *testing.T) {
	b := newBrowser(t)
	tb := b.tab("canary")
	tb.open(`data:text/html,<title>canary</title><script>window.__xss=1;alert(1)</script>`)
	tb.waitJS(`window.__xss === 1`, "the canary script")
	deadline := time.Now().Add(5 * time.Second)
	for tb.dialogs.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if tb.dialogs.Load() == 0 {
		t.Fatal("the dialog listener saw no alert")
	}
}
