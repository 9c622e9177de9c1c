package web_test

import (
	"encoding/json"
	"fmt"
	"github.com/frontdesk/frontdesk/internal/answerbot"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/oauth"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/retention"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/views"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

// The overlays must have the same keys, and plural entries the forms their
// language needs.
func TestOverlayCataloguesMatch(t *testing.T) {
	load := func(name string) map[string]json.RawMessage {
		b, err := os.ReadFile("i18n/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	en, pl := load("en"), load("pl")
	for k := range en {
		if _, ok := pl[k]; !ok {
			t.Errorf("pl.json lacks %q", k)
		}
	}
	for k := range pl {
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q", k)
		}
	}
	forms := func(raw json.RawMessage) []string {
		var m map[string]string
		if json.Unmarshal(raw, &m) != nil {
			return nil
		}
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	for k, v := range pl {
		if f := forms(v); f != nil && !slices.Equal(f, []string{"few", "many", "one", "other"}) {
			t.Errorf("pl %q has plural forms %v, want one, few, many, other", k, f)
		}
		if f := forms(en[k]); (f == nil) != (forms(v) == nil) {
			t.Errorf("%q is a plural in one language only", k)
		}
	}
	// An overlay key must not shadow a shared one silently.
	b := locale.Default()
	p := b.Printer("en", nil)
	for k := range en {
		if got := p.T(k); !strings.HasPrefix(got, "⟦") {
			t.Errorf("overlay key %q also exists in the shared catalogue", k)
		}
	}
	locale.ResetMissingKeys()
}

// Every page template is rendered in English and Polish; none may show a
// missing key ("⟦key⟧") or fall back to English for a Polish key.
func TestEveryPageInEveryLanguage(t *testing.T) {
	e := newEnv(t, "")
	org, err := e.app.People.CreateOrganization(e.sys, people.OrganizationInput{Name: ptr("Acme"), SharedTickets: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.People.UpdateUser(e.sys, e.customer.ID, people.UserInput{OrganizationID: &org.ID, Notes: ptr("VIP")}); err != nil {
		t.Fatal(err)
	}
	tk := e.ticketFor(e.customer, "Translated ticket", "Body", "tag1")
	e.note(tk.ID, "a note")
	e.ticketFor(e.customer2, "Other", "Body")
	admin := e.client()
	admin.signIn("/agent/signin", e.admin.Email)
	admin.post("/agent/admin/fields", url.Values{"title": {"Plan"}, "type": {"tagger"}, "options": {"Free\nPro"}, "active": {"1"}})
	admin.post("/agent/admin/fields", url.Values{"title": {"Agreed"}, "type": {"checkbox"}, "active": {"1"}})
	admin.post("/agent/admin/fields", url.Values{"title": {"Notes"}, "type": {"textarea"}, "active": {"1"}})
	admin.post("/agent/admin/fields", url.Values{"title": {"Seats"}, "type": {"integer"}, "active": {"1"}})
	admin.post("/agent/admin/forms", url.Values{"name": {"Web"}})
	forms, err := e.app.Tickets.Forms(e.sys, ticket.FormFilter{})
	if err != nil || len(forms) != 1 {
		t.Fatalf("forms %v %v", forms, err)
	}
	var planID int64
	allFields, _ := e.app.Tickets.Fields(e.sys)
	for _, f := range allFields {
		if f.Title == "Plan" {
			planID = f.ID
		}
	}
	// Some history to describe.
	path := fmt.Sprintf("/agent/tickets/%d", tk.ID)
	admin.get(path)
	admin.post(path, url.Values{"priority": {"high"}, "type": {"task"}, "tags": {"tag2"}, "assignee_id": {id(e.agent.ID)}, "body": {"reply"}, "public": {"1"}, "status": {"pending"}})
	admin.get(path)
	admin.post(path, url.Values{"priority": {""}, "assignee_id": {"0"}})

	// An OAuth app asking for consent (p6-oauth).
	appName, appID := "Translated app", "translated-app"
	if _, err := e.app.OAuth.CreateClient(e.sys, oauth.ClientInput{Name: &appName, Identifier: &appID, Company: ptr("Example"),
		RedirectURI: &[]string{"https://app.example/cb"}}); err != nil {
		t.Fatal(err)
	}
	consent := "/oauth/authorizations/new?" + url.Values{"response_type": {"code"}, "client_id": {appID}, "redirect_uri": {"https://app.example/cb"},
		"scope": {"read write impersonate tickets:read users:write"}}.Encode()

	// A support address with a DKIM key, for its edit page (p7-admin).
	mb, err := e.app.Mailboxes.Create(e.sys, mailbox.Input{Address: ptr("help@example.com"), BrandName: ptr("Brand"), DefaultGroupID: &e.group.ID,
		DKIMSelector: ptr("fd"), DKIMKey: ptr(ed25519PEM(t))})
	if err != nil {
		t.Fatal(err)
	}
	mailboxPage := fmt.Sprintf("/agent/admin/mailboxes/%d", mb.ID)
	// A trigger and an automation, for their edit pages (p8-rules).
	rulePages := ruleFixtures(t, e)

	// Business hours, an SLA policy and a ticket under it, pending so one
	// target runs and one is paused (p8-sla).
	slaPages, slaTicket := slaFixture(t, e)

	// A webhook on a local endpoint that fails, for its page and its test
	// result (p8-webhooks).
	hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) }))
	defer hookSrv.Close()
	if err := e.app.Webhooks.SetAllowPrivate(e.sys, true); err != nil {
		t.Fatal(err)
	}
	wh, err := e.app.Webhooks.Create(e.sys, webhook.Input{Name: ptr("Ops"), Endpoint: ptr(hookSrv.URL),
		Subscriptions: &[]string{webhook.SubConditional}})
	if err != nil {
		t.Fatal(err)
	}
	webhookPage := fmt.Sprintf("/agent/admin/webhooks/%d", wh.ID)

	// A solved ticket's signed rating page, with CSAT on (p8-assign).
	ratingPage := csatPage(t, e)
	// A shareable link's page, with links on (p9-share).
	if err := settings.ShareableLinks.Set(e.sys, e.app.Settings, true); err != nil {
		t.Fatal(err)
	}
	shareToken, _, err := e.app.Tickets.CreateShareLink(as(e.agent), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	sharedPage := "/shared/" + shareToken
	// A configured view with every column, and a macro (p8-views).
	cv, err := e.app.Views.Create(e.sys, views.Input{Title: ptr("Open ones"), All: []byte(`[{"field":"status","operator":"less_than","value":"solved"}]`),
		Output: &views.OutputInput{Columns: []any{"nice_id", "subject", "requester", "assignee", "group", "organization", "status", "priority", "type", "created", "updated", "due_date"}}})
	if err != nil {
		t.Fatal(err)
	}
	mc, err := e.app.Macros.Create(e.sys, macros.Input{Title: ptr("Cat::Macro"), Actions: []byte(`[{"field":"status","value":"open"},{"field":"comment_value","value":"hi"}]`)})
	if err != nil {
		t.Fatal(err)
	}
	vmPages := []string{fmt.Sprintf("/agent/views/%d", cv.ID), "/agent/manage/views", "/agent/manage/views/new", "/agent/manage/macros", "/agent/manage/macros/new",
		fmt.Sprintf("/agent/manage/views/%d", cv.ID), fmt.Sprintf("/agent/manage/macros/%d", mc.ID)}

	// A tag-narrowed retention policy, for the list (p9-retention).
	if _, err := e.app.Retention.Create(e.sys, retention.Input{Kind: ptr(retention.KindClosedTickets), Days: ptr(365), Tag: ptr("old"),
		GroupID: ptr(e.group.ID), Channel: ptr("email")}); err != nil {
		t.Fatal(err)
	}

	// A community topic with a held post, an approved post with a comment,
	// and a ban (p10-community).
	communityPages := communityFixture(t, e)
	// The help center (p10-hc): its pages in the language of their URL.
	hcc := hcFixture(t, e)
	// The answer bot's "this answered my question" link (p11-bot).
	answered, _ := answeredLink(t, e)
	botSteps := []answerbot.Step{
		{ID: "start", Kind: answerbot.KindMessage, Text: answerbot.Texts{"en": "Hi"}, Buttons: []answerbot.FlowButton{{Label: answerbot.Texts{"en": "Go"}, Next: "person"}}},
		{ID: "person", Kind: answerbot.KindHandover},
	}
	botFlow, err := e.app.AnswerBot.CreateFlow(e.sys, answerbot.FlowInput{Name: ptr("Orders"), Steps: &botSteps})
	if err != nil {
		t.Fatal(err)
	}
	botFlowPage := fmt.Sprintf("/agent/admin/answer-bot/%d", botFlow.ID)
	// A waiting live chat, for the console (p11-chat).
	_, chatStarted := chatFixture(t, e, "Vera Visitor", "Where is my order?")
	chatPages := []string{"/agent/chat", fmt.Sprintf("/agent/chat?c=%d", chatStarted.Conversation.ID)}

	locale.ResetMissingKeys()
	for _, loc := range []string{"en", "pl"} {
		t.Run(loc, func(t *testing.T) {
			for _, u := range []int64{e.admin.ID, e.agent.ID, e.customer.ID} {
				l := loc
				if _, err := e.app.People.UpdateUser(e.sys, u, people.UserInput{Locale: &l}); err != nil {
					t.Fatal(err)
				}
			}
			anon := e.client()
			ad := e.client()
			ad.signIn("/agent/signin", e.admin.Email)
			ag := e.client()
			ag.signIn("/agent/signin", e.agent.Email)
			cu := e.client()
			cu.signIn("/signin", e.customer.Email)
			check := func(who, what string, r resp) {
				t.Helper()
				if strings.Contains(r.Body, "⟦") {
					i := strings.Index(r.Body, "⟦")
					t.Errorf("%s %s: missing key near %q", who, what, r.Body[max(0, i-40):min(len(r.Body), i+60)])
				}
				if r.Status >= 500 {
					t.Errorf("%s %s: %d", who, what, r.Status)
				}
				if r.Status < 300 && !strings.HasSuffix(what, "/presence") && r.Header.Get("Content-Type") == "text/html; charset=utf-8" && !strings.Contains(r.Body, `lang="`+loc+`"`) {
					t.Errorf("%s %s: not in %s", who, what, loc)
				}
			}
			al := []string{"Accept-Language", loc}
			for _, p := range []string{"/", "/requests/submitted?id=5", "/requests/submitted", "/signin", "/signup", "/verify?token=x",
				"/password/forgot", "/password/reset?token=x", "/security/disown?token=x", "/security/disown", "/agent/signin", "/nope", ratingPage, ratingPage + "?score=good", sharedPage, "/shared/x", answered, "/answered/x"} {
				check("anonymous", p, anon.get(p, al...))
			}
			// Solved on the first language's pass, "already used" on the next.
			check("anonymous", "answered link", anon.post(answered, nil, al...))
			anon.get("/", al...)
			check("anonymous", "web form errors", anon.post("/requests/new", url.Values{"name": {"X"}}, al...))
			check("anonymous", "sign-up errors", anon.post("/signup", url.Values{"name": {"X"}, "email": {"bad"}, "password": {"a"}, "password_confirm": {"b"}}, al...))
			anon.get("/signup", al...)
			check("anonymous", "sign-up sent", anon.post("/signup", url.Values{"name": {"New"}, "email": {"new-" + loc + "@example.com"}, "password": {password}, "password_confirm": {password}}, al...))
			anon.get("/signin", al...)
			check("anonymous", "bad sign-in", anon.post("/signin", url.Values{"email": {"x@example.com"}, "password": {"nope"}}, al...))
			anon.get("/password/reset?token=x", al...)
			check("anonymous", "bad reset", anon.post("/password/reset", url.Values{"token": {"x"}, "password": {password}, "password_confirm": {password}}, al...))
			anon.get("/verify?token=x", al...)
			check("anonymous", "bad verify", anon.post("/verify", url.Values{"token": {"x"}}, al...))
			check("anonymous", "csrf", anon.post("/signin", url.Values{"csrf_token": {"x"}}, al...))

			for _, p := range []string{"/requests", "/requests?scope=org", fmt.Sprintf("/requests/%d", tk.ID), "/requests/9999", "/agent"} {
				check("customer", p, cu.get(p))
			}
			for _, p := range hcc.pages {
				if strings.HasPrefix(p, "/hc/"+loc) {
					check("anonymous", p, follow(anon, p, al...))
					check("customer", p, follow(cu, p))
				}
			}
			for _, p := range []string{"/agent/hc", fmt.Sprintf("/agent/hc/articles/%d?locale=en", hcc.public.ID),
				fmt.Sprintf("/agent/hc/articles/%d?locale=pl", hcc.signedIn.ID),
				fmt.Sprintf("/agent/hc/categories/%d?locale=en", hcc.catID), fmt.Sprintf("/agent/hc/categories/%d?locale=pl", hcc.catID),
				fmt.Sprintf("/agent/hc/sections/%d?locale=en", hcc.secID), fmt.Sprintf("/agent/hc/sections/%d?locale=pl", hcc.secID)} {
				check("admin", p, ad.get(p))
				check("agent", p, ag.get(p))
			}
			ad.get("/agent/hc")
			check("admin", "invalid article edit", ad.post(fmt.Sprintf("/agent/hc/articles/%d", hcc.public.ID),
				url.Values{"locale": {"en"}, "title": {""}, "properties": {"1"}, "visibility": {"group"}}))
			ad.get(fmt.Sprintf("/agent/hc/sections/%d", hcc.secID))
			check("admin", "invalid section edit", ad.post(fmt.Sprintf("/agent/hc/sections/%d", hcc.secID),
				url.Values{"locale": {"pl"}, "name": {""}, "position": {"x"}}))
			for _, p := range []string{"/agent", "/agent/views/unassigned", "/agent/views/pending", "/agent/views/solved", "/agent/views/updated",
				path, path + "/presence", "/agent/tickets/new", fmt.Sprintf("/agent/users/%d", e.customer.ID),
				fmt.Sprintf("/agent/organizations/%d", org.ID), "/agent/search", "/agent/search?q=translated", "/agent/search?q=nothingmatches",
				"/agent/search?q=status%3Cx", "/agent/search?q=type:user", "/agent/admin/users", "/agent/suspended"} {
				check("agent", p, ag.get(p))
			}
			for _, p := range chatPages {
				check("agent", p, ag.get(p))
				check("admin", p, ad.get(p))
			}
			check("admin", "/agent/admin/chat", ad.get("/agent/admin/chat"))
			ad.get("/agent/admin/chat")
			check("admin", "invalid widget key", ad.post("/agent/admin/chat", url.Values{"name": {""}, "origins": {"ftp://x"}}))
			for _, p := range vmPages {
				check("agent", p, ag.get(p))
				check("admin", p, ad.get(p))
			}
			ad.get("/agent/manage/views/new")
			check("admin", "invalid view", ad.post("/agent/manage/views/new", url.Values{"title": {""}, "all_rows": {"1"}, "all_0_field": {"nope"}}))
			ad.get("/agent/manage/macros/new")
			check("admin", "invalid macro", ad.post("/agent/manage/macros/new", url.Values{"title": {""}}))
			ag.get(path)
			check("agent", "new share link", ag.post(path+"/share-links", nil))
			ag.get(path)
			check("agent", "stale ticket form", ag.post(path, url.Values{"updated_stamp": {"2001-01-01T00:00:00Z"}, "body": {"x"}}))
			ag.get(path)
			check("agent", "invalid ticket form", ag.post(path, url.Values{"assignee_id": {id(e.customer.ID)}}))
			ag.get("/agent/tickets/new")
			check("agent", "invalid new ticket", ag.post("/agent/tickets/new", url.Values{"requester_email": {"bad"}}))
			for _, p := range []string{"/agent/admin/users", fmt.Sprintf("/agent/admin/users/%d", e.agent.ID), "/agent/admin/organizations",
				fmt.Sprintf("/agent/admin/organizations/%d", org.ID), "/agent/admin/groups", "/agent/admin/fields",
				"/agent/admin/settings", "/agent/admin/outbox", "/agent/admin/mailboxes", "/agent/admin/security", "/agent/admin/roles",
				"/agent/admin/inactive", "/agent/admin/inactive?days=0", "/agent/security/tokens",
				"/agent/admin/audit", "/agent/admin/audit?actor=x&from=bad", // p9-audit
				"/agent/admin/alerts",  // p9-alerts
				"/agent/admin/routing", // p8-assign
				"/agent/admin/user-fields", "/agent/admin/organization-fields", mailboxPage,
				"/agent/admin/email-templates", "/agent/admin/email-templates/ticket.public_reply/en", "/agent/admin/email-templates/ticket.assigned/pl",
				"/agent/admin/forms", fmt.Sprintf("/agent/admin/forms/%d", forms[0].ID), fmt.Sprintf("/agent/admin/fields/%d/options", planID),
				"/agent/admin/webhooks", webhookPage,
				"/agent/admin/triggers/dry-run", fmt.Sprintf("/agent/admin/triggers/dry-run?ticket_id=%d", tk.ID), "/agent/admin/triggers/dry-run?ticket_id=x", // p8-engine
				"/agent/admin/retention", "/agent/admin/retention?preview=1", // p9-retention
				"/agent/admin/answer-bot", botFlowPage} { // p11-bot
				check("admin", p, ad.get(p))
			}
			check("admin", "invalid answer bot flow", ad.post(botFlowPage, url.Values{"name": {"Orders"}, "s0.id": {"start"}, "s0.kind": {"message"},
				"s0.text.en": {"Hi"}, "s0.b0.label.en": {"Go"}, "s0.b0.next": {"ghost"}}))
			for _, p := range rulePages {
				check("admin", p, ad.get(p))
			}
			for _, p := range append(slaPages, slaTicket) {
				check("admin", p, ad.get(p))
			}
			check("agent", "SLA ticket", ag.get(slaTicket))
			for _, p := range communityPages(loc) { // p10-community
				check("anonymous", p, anon.get(p, al...))
				check("customer", p, cu.get(p))
				check("agent", p, ag.get(p))
				check("admin", p, ad.get(p))
			}
			check("customer", "new post", cu.get("/hc/"+loc+"/community/posts/new"))
			editPost := "/hc/" + loc + "/community/posts/" + strings.SplitN(strings.TrimPrefix(communityPages(loc)[3], "/hc/"+loc+"/community/posts/"), "-", 2)[0] + "/edit"
			check("customer", "edit post", cu.get(editPost))
			check("customer", "invalid edit", cu.post(editPost, url.Values{"title": {""}, "kind": {"x"}}))
			check("admin", "edit post", ad.get(editPost))
			cid := regexp.MustCompile(`data-edit-comment="(\d+)"`).FindStringSubmatch(cu.get(communityPages(loc)[3]).Body)
			if cid == nil {
				t.Fatalf("%s: the fixture's comment offers its author no edit link", loc)
			}
			editComment := strings.TrimSuffix(editPost, "/edit") + "/comments/" + cid[1] + "/edit"
			check("customer", "edit comment", cu.get(editComment))
			check("customer", "invalid comment edit", cu.post(editComment, url.Values{"body": {""}}))
			check("admin", "edit comment", ad.get(editComment))
			check("customer", "invalid post", cu.post("/hc/"+loc+"/community/posts", url.Values{"title": {""}, "kind": {"x"}}))
			check("agent", "moderation queue", ag.get("/agent/community/moderation"))
			check("admin", "moderation queue", ad.get("/agent/community/moderation"))
			check("admin", "invalid ban", ad.post("/agent/community/bans", url.Values{"user": {"nobody@nowhere.test"}}))
			check("admin", "community topics", ad.get("/agent/community/topics"))
			check("admin", "invalid topic", ad.post("/agent/community/topics", url.Values{"name": {""}}))
			check("admin", "topic with posts", ad.post(fmt.Sprintf("/agent/community/topics/%d/delete", communityTopicID(t, e)), url.Values{}))
			check("admin", "invalid limits", ad.post("/agent/community/limits", url.Values{"posts_per_user": {"-1"}}))
			ad.get("/agent/admin/slas/new")
			check("admin", "invalid SLA policy", ad.post("/agent/admin/slas", url.Values{"title": {""}, "field_all_0": {"nope"}, "t_first_reply_time_low": {"x"}}))
			check("admin", "invalid SLA filter", ad.post("/agent/admin/slas", url.Values{"title": {"X"}, "field_all_0": {"nope"}, "op_all_0": {"is"}}))
			ad.get(slaPages[1])
			check("admin", "invalid schedule", ad.post(slaPages[1], url.Values{"name": {"X"}, "time_zone": {"Nowhere"}, "open_1": {"09:00"}}))
			check("admin", "broken email template", ad.post("/agent/admin/email-templates/ticket.assigned/en", url.Values{"subject": {"{{.X}}"}, "text_body": {"x"}, "html_body": {"x"}}))
			ad.get("/agent/admin/webhooks")
			check("admin", "invalid webhook", ad.post("/agent/admin/webhooks", url.Values{"name": {""}, "endpoint": {"http://127.0.0.1/"}}))
			ad.get(webhookPage)
			check("admin", "webhook test", ad.post(webhookPage+"/test", nil))
			ad.get("/agent/admin/retention")
			check("admin", "invalid retention policy", ad.post("/agent/admin/retention", url.Values{"kind": {"closed_tickets"}, "days": {"x"}, "tag": {"a b"}}))
			check("admin", "retention dry run", ad.post("/agent/admin/retention/dry-run", nil))
			check("admin", "invalid role", ad.post("/agent/admin/roles", url.Values{"name": {""}, "ticket_access": {"x"}}))
			check("admin", "invalid session limits", ad.post("/agent/admin/security/sessions", url.Values{"staff_idle_minutes": {"1"}}))
			ad.get("/agent/security/tokens")
			check("admin", "new token", ad.post("/agent/security/tokens", url.Values{"name": {"T-" + loc}, "expires": {"2999-01-01"}}))
			check("admin", "token list", ad.get("/agent/security/tokens"))
			ad.get("/agent/admin/inactive")
			check("admin", "nothing to suspend", ad.post("/agent/admin/inactive/suspend", nil))
			ad.get("/agent/admin/users")
			check("admin", "invalid user", ad.post("/agent/admin/users", url.Values{"email": {"bad"}}))
			check("admin", "invalid org", ad.post("/agent/admin/organizations", url.Values{"name": {""}}))
			check("admin", "invalid group", ad.post("/agent/admin/groups", url.Values{"name": {""}}))
			ad.get("/agent/admin/triggers/new")
			check("admin", "invalid trigger", ad.post("/agent/admin/triggers/new", url.Values{"title": {"x"}, "all_field": {"status"}, "all_operator": {"is"}, "all_value": {"bogus"}}))
			check("admin", "invalid field", ad.post("/agent/admin/fields", url.Values{"title": {""}, "type": {"nope"}}))
			check("admin", "invalid user field", ad.post("/agent/admin/user-fields", url.Values{"key": {"bad key"}, "title": {""}, "type": {"nope"}}))
			check("admin", "invalid settings", ad.post("/agent/admin/settings", url.Values{"default_locale": {"xx"}}))
			check("admin", "invalid user edit", ad.post(fmt.Sprintf("/agent/admin/users/%d", e.agent.ID), url.Values{"email": {"bad"}}))
			ad.get("/agent/admin/security")
			check("admin", "invalid password policy", ad.post("/agent/admin/security/password/staff", url.Values{"level": {"custom"}, "min_length": {"3"}, "history": {"99"}, "expiry_days": {"-1"}}))
			for _, p := range []string{"/agent/security", "/agent/security/2fa/setup", "/agent/password"} {
				check("agent", p, ag.get(p))
			}
			check("agent", "wrong 2FA setup code", ag.post("/agent/security/2fa/confirm", url.Values{"code": {"000000"}}))
			check("agent", "wrong re-auth", ag.post("/agent/security/reauth", url.Values{"password": {"nope"}}))
			ag.get("/agent/password")
			check("agent", "weak password", ag.post("/agent/password", url.Values{"current_password": {password}, "new_password": {"short"}, "new_password_confirm": {"short"}}))
			for _, p := range []string{"/security", "/password/change", consent, "/oauth/authorizations/new?client_id=nope"} {
				check("customer", p, cu.get(p))
			}
			check("admin", "invalid org edit", ad.post(fmt.Sprintf("/agent/admin/organizations/%d", org.ID), url.Values{"name": {""}}))
		})
	}
	if keys := locale.MissingKeys(); len(keys) > 0 {
		t.Errorf("keys missing from a catalogue: %v", keys)
	}
	// First run (p6-firstrun): the owner page exists only without an admin.
	fr := newEmptyEnv(t, "")
	for _, loc := range []string{"en", "pl"} {
		c := fr.client()
		for what, r := range map[string]func() resp{
			"setup page": func() resp { return c.get("/agent/setup", "Accept-Language", loc) },
			"wrong setup code": func() resp {
				return c.post("/agent/setup", url.Values{"code": {"x"}, "name": {"X"}, "email": {"x@example.com"},
					"password": {password}, "password_confirm": {password}}, "Accept-Language", loc)
			},
		} {
			got := r()
			if strings.Contains(got.Body, "⟦") || !strings.Contains(got.Body, `lang="`+loc+`"`) || got.Status >= 500 {
				t.Errorf("%s %s: %d, missing key or language", loc, what, got.Status)
			}
		}
	}
	rendered := append(e.app.Web.RenderedPages(), fr.app.Web.RenderedPages()...)
	for _, name := range e.app.Web.PageNames() {
		if !slices.Contains(rendered, name) {
			t.Errorf("page template %s was never rendered", name)
		}
	}
}
