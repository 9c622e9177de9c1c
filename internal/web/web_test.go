package web_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/web"
)

func checkPageHeaders(t *testing.T, path string, r resp) {
	t.Helper()
	if got := r.Header.Get("Content-Security-Policy"); got != web.CSP {
		t.Errorf("%s: Content-Security-Policy = %q", path, got)
	}
	if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options = %q", path, got)
	}
	if got := r.Header.Get("Referrer-Policy"); got != "same-origin" {
		t.Errorf("%s: Referrer-Policy = %q", path, got)
	}
}

var inlineCode = regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>[^<]|\sstyle\s*=|<style|\son[a-z]+\s*=|javascript:`)

func TestSecurityHeadersAndNoInlineCodeOnEveryPage(t *testing.T) {
	e := newEnv(t, "")
	tk := e.ticketFor(e.customer, "Headers", "Check them")
	org, err := e.app.People.CreateOrganization(e.sys, people.OrganizationInput{Name: ptr("Acme")})
	if err != nil {
		t.Fatal(err)
	}
	anon := e.client()
	admin := e.client()
	admin.signIn("/agent/signin", e.admin.Email)
	cust := e.client()
	cust.signIn("/signin", e.customer.Email)
	pages := []struct {
		c    *client
		path string
		want int
	}{
		{anon, "/", 200}, {anon, "/requests/new", 200}, {anon, "/requests/submitted", 200}, {anon, "/signin", 200},
		{anon, "/signup", 200}, {anon, "/verify?token=x", 200}, {anon, "/password/forgot", 200}, {anon, "/password/reset?token=x", 200},
		{anon, "/agent/signin", 200}, {anon, "/no/such/page", 404}, {anon, "/agent", 303}, {anon, "/hc", 302}, {anon, "/hc/en", 200}, {anon, "/hc/pl/search?query=haslo", 200}, {anon, "/hc/xx", 404}, // the help center (p10-hc)
		{admin, "/agent/hc", 200},
		{cust, "/requests", 200}, {cust, fmt.Sprintf("/requests/%d", tk.ID), 200}, {cust, "/agent", 403},
		{admin, "/agent", 200}, {admin, "/agent/views/pending", 200}, {admin, fmt.Sprintf("/agent/tickets/%d", tk.ID), 200},
		{admin, "/agent/tickets/new", 200}, {admin, fmt.Sprintf("/agent/users/%d", e.customer.ID), 200},
		{admin, fmt.Sprintf("/agent/organizations/%d", org.ID), 200}, {admin, "/agent/search?q=headers", 200},
		{admin, "/agent/admin/users", 200}, {admin, fmt.Sprintf("/agent/admin/users/%d", e.agent.ID), 200},
		{admin, "/agent/admin/organizations", 200}, {admin, fmt.Sprintf("/agent/admin/organizations/%d", org.ID), 200},
		{admin, "/agent/admin/groups", 200}, {admin, "/agent/admin/fields", 200}, {admin, "/agent/admin/settings", 200},
		{admin, "/agent/admin/outbox", 200}, {admin, "/agent/tickets/999999", 404},
		{admin, "/agent/chat", 200}, {admin, "/agent/admin/chat", 200}, // p11-chat
	}
	for _, p := range pages {
		r := p.c.get(p.path)
		if r.Status != p.want {
			t.Errorf("GET %s = %d, want %d", p.path, r.Status, p.want)
		}
		checkPageHeaders(t, p.path, r)
		if m := inlineCode.FindString(r.Body); m != "" {
			t.Errorf("%s: inline code %q", p.path, m)
		}
	}
	for _, p := range []string{"/static/app.js", "/static/app.css", "/static/chat.js"} {
		r := anon.get(p)
		if r.Status != 200 {
			t.Errorf("GET %s = %d", p, r.Status)
		}
		checkPageHeaders(t, p, r)
	}
	if r := anon.get("/static/"); r.Status != 404 {
		t.Errorf("static directory listing: %d", r.Status)
	}
}

func ptr[T any](v T) *T { return &v }

func TestCSRF(t *testing.T) {
	e := newEnv(t, "")
	tk := e.ticketFor(e.customer, "CSRF target", "Original")
	c := e.client()
	c.signIn("/agent/signin", e.agent.Email)
	path := fmt.Sprintf("/agent/tickets/%d", tk.ID)
	c.get(path)
	form := func() url.Values {
		return url.Values{"body": {"forged reply"}, "public": {"1"}, "status": {"solved"}}
	}
	cases := []struct {
		name string
		form url.Values
		hdr  []string
	}{
		{"cross-site fetch metadata", form(), []string{"Sec-Fetch-Site", "cross-site"}},
		{"cross-origin Origin header", form(), []string{"Origin", "http://evil.example"}},
		{"missing token", func() url.Values { f := form(); f.Set("csrf_token", ""); return f }(), nil},
		{"wrong token", func() url.Values { f := form(); f.Set("csrf_token", "AAAA"); return f }(), nil},
	}
	other := e.client()
	other.signIn("/agent/signin", e.agent2.Email)
	cases = append(cases, struct {
		name string
		form url.Values
		hdr  []string
	}{"another session's token", func() url.Values { f := form(); f.Set("csrf_token", other.csrf); return f }(), nil})
	for _, tc := range cases {
		r := c.post(path, tc.form, tc.hdr...)
		if r.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", tc.name, r.Status)
		}
		checkPageHeaders(t, tc.name, r)
	}
	got, _ := e.app.Tickets.Get(as(e.agent), tk.ID)
	if got.Status == "solved" {
		t.Fatal("a forged request changed the ticket")
	}
	cs, _, _ := e.app.Tickets.Comments(as(e.agent), tk.ID, 0, 100, false)
	if len(cs) != 1 {
		t.Fatalf("forged comments were added: %d", len(cs))
	}
	// Same-origin with the right token works.
	r := c.post(path, form(), "Sec-Fetch-Site", "same-origin", "Origin", e.base)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("a genuine submit: %d %s", r.Status, r.Body)
	}
	// Anonymous forms need the visitor's token too.
	anon := e.client()
	r = anon.post("/requests/new", url.Values{"email": {"x@example.com"}, "description": {"hi"}, "csrf_token": {"nope"}})
	if r.Status != http.StatusForbidden {
		t.Errorf("anonymous form without its token: %d", r.Status)
	}
	// Sign-in (login CSRF) needs it as well.
	r = anon.post("/signin", url.Values{"email": {e.agent.Email}, "password": {password}, "csrf_token": {""}})
	if r.Status != http.StatusForbidden {
		t.Errorf("sign-in without a token: %d", r.Status)
	}
}

func TestAuthRedirectsAndAccess(t *testing.T) {
	e := newEnv(t, "")
	anon := e.client()
	r := anon.get("/agent/views/my?page=2")
	if r.Status != http.StatusSeeOther || r.Location != "/agent/signin?return="+url.QueryEscape("/agent/views/my?page=2") {
		t.Errorf("/agent anonymous: %d %q", r.Status, r.Location)
	}
	r = anon.get("/requests")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/signin?return=") {
		t.Errorf("/requests anonymous: %d %q", r.Status, r.Location)
	}
	cust := e.client()
	cust.signIn("/signin", e.customer.Email)
	for _, p := range []string{"/agent", "/agent/tickets/1", "/agent/admin/users", "/agent/events"} {
		if r := cust.get(p); r.Status != http.StatusForbidden {
			t.Errorf("end-user on %s: %d", p, r.Status)
		}
	}
	agent := e.client()
	agent.signIn("/agent/signin", e.agent.Email)
	if r := agent.get("/agent/admin/settings"); r.Status != http.StatusForbidden {
		t.Errorf("agent on admin settings: %d", r.Status)
	}
	// An end-user signing in at the agent sign-in lands in the portal.
	c := e.client()
	c.get("/agent/signin")
	r = c.post("/agent/signin", url.Values{"email": {e.customer.Email}, "password": {password}, "return": {"/agent/tickets/1"}})
	if r.Status != http.StatusSeeOther || r.Location != "/requests" {
		t.Errorf("end-user at the agent sign-in: %d %q", r.Status, r.Location)
	}
	// Open redirects are refused.
	for _, ret := range []string{"//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:alert(1)"} {
		c := e.client()
		c.get("/signin")
		r := c.post("/signin", url.Values{"email": {e.customer.Email}, "password": {password}, "return": {ret}})
		if r.Status != http.StatusSeeOther || r.Location != "/requests" {
			t.Errorf("return %q: %d %q", ret, r.Status, r.Location)
		}
	}
	// Wrong password: the same answer, no session.
	c = e.client()
	c.get("/signin")
	r = c.post("/signin", url.Values{"email": {e.customer.Email}, "password": {"wrong password!!"}})
	if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "Incorrect email address or password") {
		t.Errorf("wrong password: %d", r.Status)
	}
}

func sessionCookie(r resp) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if strings.HasSuffix(c.Name, "fd_session") {
			return c
		}
	}
	return nil
}

func TestSessionCookie(t *testing.T) {
	// The test client connects from loopback: that is the trusted proxy.
	e := newEnv(t, "", func(c *server.Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	c := e.client()
	c.get("/signin")
	r := c.post("/signin", url.Values{"email": {e.customer.Email}, "password": {password}})
	ck := sessionCookie(r)
	if ck == nil || ck.Name != "fd_session" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/" {
		t.Fatalf("plain HTTP session cookie: %+v", ck)
	}
	first := ck.Value
	// Signing in again issues a new session and ends the old one.
	c.get("/signin")
	r = c.post("/signin", url.Values{"email": {e.customer.Email}, "password": {password}})
	if ck := sessionCookie(r); ck == nil || ck.Value == first {
		t.Fatal("no new session id at sign-in")
	}
	if _, _, err := e.app.Account.Authenticate(e.sys, first, "127.0.0.1"); err == nil {
		t.Error("the previous session still works")
	}
	// Behind a TLS proxy (trusted): __Host- cookie, Secure.
	h := e.client()
	h.get("/signin", "X-Forwarded-Proto", "https")
	r = h.post("/signin", url.Values{"email": {e.customer.Email}, "password": {password}}, "X-Forwarded-Proto", "https")
	ck = sessionCookie(r)
	if ck == nil || ck.Name != "__Host-fd_session" || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("HTTPS session cookie: %+v", ck)
	}
	// Sign-out ends the session.
	c.get("/requests")
	r = c.post("/signout", nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", r.Status)
	}
	if r := c.get("/requests"); r.Status != http.StatusSeeOther {
		t.Errorf("after sign-out /requests = %d", r.Status)
	}
}

func TestSessionCookieIgnoresUntrustedForwardedProto(t *testing.T) {
	e := newEnv(t, "")
	c := e.client()
	c.get("/signin", "X-Forwarded-Proto", "https")
	r := c.post("/signin", url.Values{"email": {e.customer.Email}, "password": {password}}, "X-Forwarded-Proto", "https")
	if ck := sessionCookie(r); ck == nil || ck.Name != "fd_session" {
		t.Fatalf("untrusted X-Forwarded-Proto changed the cookie: %+v", ck)
	}
}

func TestWebFormHoneypotAndRateLimit(t *testing.T) {
	e := newEnv(t, "")
	c := e.client()
	c.get("/")
	count := func() int {
		n, err := e.app.Tickets.Count(as(e.agent), ticket.ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	r := c.post("/requests/new", url.Values{"name": {"Bot"}, "email": {"bot@example.com"}, "subject": {"Buy now"},
		"description": {"spam"}, "website": {"http://spam.example"}})
	if r.Status != http.StatusSeeOther || r.Location != "/requests/submitted" {
		t.Fatalf("honeypot: %d %q", r.Status, r.Location)
	}
	if n := count(); n != 0 {
		t.Fatalf("the honeypot filed %d tickets", n)
	}
	// Missing email: the form comes back with the error, nothing filed.
	r = c.post("/requests/new", url.Values{"description": {"no email"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `aria-invalid="true"`) {
		t.Fatalf("missing email: %d", r.Status)
	}
	// Every submission counts, before its body is read (route.admit): the
	// honeypot's and the failed one above too, so 8 more make 10.
	for i := range 8 {
		r := c.post("/requests/new", url.Values{"name": {"Pat"}, "email": {"pat@example.com"}, "subject": {fmt.Sprint("Q", i)}, "description": {"question"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/requests/submitted?id=") {
			t.Fatalf("submission %d: %d %q", i, r.Status, r.Location)
		}
	}
	r = c.post("/requests/new", url.Values{"name": {"Pat"}, "email": {"pat@example.com"}, "subject": {"one too many"}, "description": {"question"}})
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d", r.Status)
	}
	if n := count(); n != 8 {
		t.Fatalf("tickets filed: %d, want 8", n)
	}
	ts, _, _ := e.app.Tickets.List(as(e.agent), ticket.ListFilter{Limit: 1})
	if ts[0].Via.Channel != "web" {
		t.Errorf("channel %q, want web", ts[0].Via.Channel)
	}
}

// multipartPost sends a multipart form with one file.
func (c *client) multipartPost(path string, fields map[string]string, fileName, content string) resp {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	_ = mw.WriteField("csrf_token", c.csrf)
	if fileName != "" {
		fw, _ := mw.CreateFormFile("attachments", fileName)
		_, _ = io.WriteString(fw, content)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

var attachmentLink = regexp.MustCompile(`href="/attachments/(\d+)"`)

func TestPortalIsolation(t *testing.T) {
	e := newEnv(t, "")
	mine := e.ticketFor(e.customer, "My printer", "It jams")
	theirs := e.ticketFor(e.customer2, "Dave's secret request", "Dave only")
	e.note(mine.ID, "INTERNAL: customer owes money")

	// The agent adds an internal note with an attachment and a public reply
	// with another one.
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	path := fmt.Sprintf("/agent/tickets/%d", mine.ID)
	ag.get(path)
	r := ag.multipartPost(path, map[string]string{"body": "see the internal file", "public": "0"}, "internal.txt", "internal secret file")
	if r.Status != http.StatusSeeOther {
		t.Fatalf("internal note with file: %d %s", r.Status, r.Body)
	}
	ag.get(path)
	// The agent takes the ticket, so that its requester may later solve
	// it (a request needs an assignee to be solved, as in Zendesk).
	r = ag.multipartPost(path, map[string]string{"body": "Here is the manual", "public": "1", "status": "pending",
		"assignee_id": fmt.Sprint(e.agent.ID)}, "manual.txt", "public manual")
	if r.Status != http.StatusSeeOther {
		t.Fatalf("public reply with file: %d", r.Status)
	}
	page := ag.get(path)
	links := attachmentLink.FindAllStringSubmatch(page.Body, -1)
	if len(links) != 2 {
		t.Fatalf("agent sees %d attachments", len(links))
	}
	internalID, publicID := links[0][1], links[1][1]
	if r := ag.get("/attachments/" + internalID); r.Status != 200 || r.Body != "internal secret file" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("Content-Security-Policy") != "default-src 'none'; sandbox" {
		t.Fatalf("agent download: %d %q %v", r.Status, r.Body, r.Header)
	}

	cust := e.client()
	cust.signIn("/signin", e.customer.Email)
	r = cust.get(fmt.Sprintf("/requests/%d", mine.ID))
	if r.Status != 200 || !strings.Contains(r.Body, "Here is the manual") {
		t.Fatalf("own request: %d", r.Status)
	}
	for _, secret := range []string{"INTERNAL", "owes money", "see the internal file", "internal.txt", "Internal note"} {
		if strings.Contains(r.Body, secret) {
			t.Errorf("the portal shows %q", secret)
		}
	}
	if r := cust.get("/attachments/" + internalID); r.Status != http.StatusNotFound {
		t.Errorf("customer downloads an internal note's file: %d", r.Status)
	}
	if r := cust.get("/attachments/" + publicID); r.Status != 200 || r.Body != "public manual" {
		t.Errorf("customer download of a public file: %d", r.Status)
	}
	// Another customer's request does not exist for them.
	r = cust.get(fmt.Sprintf("/requests/%d", theirs.ID))
	if r.Status != http.StatusNotFound || strings.Contains(r.Body, "Dave") {
		t.Errorf("another customer's request: %d", r.Status)
	}
	cust.get("/requests")
	for _, p := range []string{fmt.Sprintf("/requests/%d/reply", theirs.ID), fmt.Sprintf("/requests/%d/solve", theirs.ID)} {
		if r := cust.post(p, url.Values{"body": {"hijack"}}); r.Status != http.StatusNotFound {
			t.Errorf("POST %s: %d", p, r.Status)
		}
	}
	if r := cust.get("/requests"); strings.Contains(r.Body, "secret request") {
		t.Error("the request list shows another customer's ticket")
	}
	// The customer replies with a file, then marks the request solved.
	cust.get(fmt.Sprintf("/requests/%d", mine.ID))
	r = cust.multipartPost(fmt.Sprintf("/requests/%d/reply", mine.ID), map[string]string{"body": "Thanks, photo attached"}, "photo.txt", "pixels")
	if r.Status != http.StatusSeeOther {
		t.Fatalf("customer reply: %d %s", r.Status, r.Body)
	}
	got, _ := e.app.Tickets.Get(as(e.agent), mine.ID)
	if got.Status != "open" {
		t.Errorf("a customer reply to a pending ticket leaves it %s", got.Status)
	}
	if r := cust.post(fmt.Sprintf("/requests/%d/solve", mine.ID), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("solve: %d", r.Status)
	}
	got, _ = e.app.Tickets.Get(as(e.agent), mine.ID)
	if got.Status != "solved" {
		t.Errorf("status %s after mark solved", got.Status)
	}
}

func TestOrganizationRequests(t *testing.T) {
	e := newEnv(t, "")
	org, err := e.app.People.CreateOrganization(e.sys, people.OrganizationInput{Name: ptr("Acme"), SharedTickets: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []*desk.User{e.customer, e.customer2} {
		if _, err := e.app.People.UpdateUser(e.sys, u.ID, people.UserInput{OrganizationID: &org.ID}); err != nil {
			t.Fatal(err)
		}
	}
	e.ticketFor(e.customer2, "Colleague's request", "shared with the org")
	c := e.client()
	c.signIn("/signin", e.customer.Email)
	if r := c.get("/requests"); strings.Contains(r.Body, "Colleague") || !strings.Contains(r.Body, "Organization requests") {
		t.Errorf("my requests: %d", r.Status)
	}
	if r := c.get("/requests?scope=org"); !strings.Contains(r.Body, "Colleague&#39;s request") {
		t.Errorf("organization requests lack the colleague's ticket: %s", r.Body)
	}
}

func TestAgentPagesWork(t *testing.T) {
	e := newEnv(t, "")
	a := e.ticketFor(e.customer, "First", "one")
	b := e.ticketFor(e.customer2, "Second", "two")
	c := e.ticketFor(e.customer2, "Third", "three")
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	ag.get("/agent")

	// Bulk: assign to me, set priority, add a tag.
	r := ag.post("/agent/bulk", url.Values{"ids": {id(a.ID), id(b.ID)}, "assignee": {"me"}, "priority": {"high"}, "add_tag": {"vip"}, "return": {"/agent/views/unsolved"}})
	if r.Status != http.StatusSeeOther || r.Location != "/agent/views/unsolved?m=bulk" {
		t.Fatalf("bulk: %d %q %s", r.Status, r.Location, r.Body)
	}
	for _, tk := range []*desk.Ticket{a, b} {
		got, _ := e.app.Tickets.Get(as(e.agent), tk.ID)
		if got.AssigneeID == nil || *got.AssigneeID != e.agent.ID || got.Priority == nil || *got.Priority != "high" || !contains(got.Tags, "vip") {
			t.Errorf("bulk result %+v", got)
		}
	}
	if r := ag.get("/agent/views/my"); !strings.Contains(r.Body, "2 tickets") {
		t.Errorf("my view count")
	}
	// Sorting and paging parameters are accepted.
	if r := ag.get("/agent/views/unsolved?sort=priority&dir=asc&page=1"); r.Status != 200 {
		t.Errorf("sorted view: %d", r.Status)
	}
	// Bulk merge.
	r = ag.post("/agent/bulk", url.Values{"ids": {id(b.ID), id(c.ID)}, "merge_into": {id(b.ID)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("merge: %d %s", r.Status, r.Body)
	}
	got, _ := e.app.Tickets.Get(as(e.agent), c.ID)
	if got.Status != "closed" {
		t.Errorf("merged source is %s", got.Status)
	}
	// Properties through the ticket form: type, tags, group; no comment.
	path := fmt.Sprintf("/agent/tickets/%d", a.ID)
	ag.get(path)
	r = ag.post(path, url.Values{"type": {"incident"}, "tags": {"vip billing"}, "group_id": {id(e.group.ID)}, "assignee_id": {id(e.agent.ID)},
		"priority": {"high"}, "followers_present": {"1"}, "follower_ids": {id(e.agent2.ID)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("properties: %d %s", r.Status, r.Body)
	}
	got, _ = e.app.Tickets.Get(as(e.agent), a.ID)
	if got.Type == nil || *got.Type != "incident" || !contains(got.Tags, "billing") || got.GroupID == nil || len(got.FollowerIDs) != 1 {
		t.Errorf("after properties: %+v", got)
	}
	// A stale form (someone changed the ticket meanwhile) is refused with
	// the draft kept.
	page := ag.get(path)
	stamp := regexp.MustCompile(`name="updated_stamp" value="([^"]+)"`).FindStringSubmatch(page.Body)[1]
	if _, _, err := e.app.Tickets.Update(as(e.agent2), a.ID, ticket.Input{AdditionalTags: []string{"meanwhile"}}); err != nil {
		t.Fatal(err)
	}
	r = ag.post(path, url.Values{"updated_stamp": {stamp}, "body": {"my stale draft"}, "public": {"1"}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "my stale draft") {
		t.Errorf("stale submit: %d", r.Status)
	}
	// Merge from the ticket page.
	r = ag.post(path+"/merge", url.Values{"target": {id(b.ID)}})
	if r.Status != http.StatusSeeOther || r.Location != fmt.Sprintf("/agent/tickets/%d?m=merged", b.ID) {
		t.Errorf("merge from the page: %d %q %s", r.Status, r.Location, r.Body)
	}
	// New ticket on behalf of a customer.
	ag.get("/agent/tickets/new")
	r = ag.post("/agent/tickets/new", url.Values{"requester_email": {"newbie@example.com"}, "requester_name": {"New Bie"},
		"subject": {"Phoned in"}, "body": {"Customer called about X"}, "public": {"1"}, "priority": {"low"}, "status": {"open"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/agent/tickets/") {
		t.Fatalf("new ticket: %d %s", r.Status, r.Body)
	}
	// Search by type.
	r = ag.get("/agent/search?q=" + url.QueryEscape("status<solved"))
	if r.Status != 200 || !strings.Contains(r.Body, "Phoned in") {
		t.Errorf("search: %d", r.Status)
	}
	r = ag.get("/agent/search?q=" + url.QueryEscape("carol") + "&type=user")
	if !strings.Contains(r.Body, "Carol Customer") {
		t.Errorf("user search")
	}
	if r := ag.get("/agent/search?q=" + url.QueryEscape("status<bogus")); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("invalid query: %d", r.Status)
	}
	// Notes on a customer.
	ag.get(fmt.Sprintf("/agent/users/%d", e.customer.ID))
	r = ag.post(fmt.Sprintf("/agent/users/%d/notes", e.customer.ID), url.Values{"notes": {"Prefers phone"}, "details": {""}})
	if r.Status != http.StatusSeeOther {
		t.Errorf("notes: %d %s", r.Status, r.Body)
	}
	if u, _ := e.app.People.GetUser(e.sys, e.customer.ID); u.Notes != "Prefers phone" {
		t.Errorf("notes = %q", u.Notes)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestAdminPages(t *testing.T) {
	e := newEnv(t, "")
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	ad.get("/agent/admin/users")
	r := ad.post("/agent/admin/users", url.Values{"name": {"Nina New"}, "email": {"nina@example.com"}, "role": {"agent"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create user: %d %s", r.Status, r.Body)
	}
	nina, err := e.app.People.UserByEmail(e.sys, "nina@example.com")
	if err != nil || nina.Role != desk.RoleAgent {
		t.Fatalf("nina: %+v %v", nina, err)
	}
	r = ad.post(fmt.Sprintf("/agent/admin/users/%d", nina.ID), url.Values{"name": {"Nina New"}, "email": {"nina@example.com"}, "role": {"admin"}, "suspended": {"1"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("edit user: %d %s", r.Status, r.Body)
	}
	nina, _ = e.app.People.GetUser(e.sys, nina.ID)
	if nina.Role != desk.RoleAdmin || !nina.Suspended {
		t.Errorf("nina after edit: %s suspended=%v", nina.Role, nina.Suspended)
	}
	r = ad.post("/agent/admin/users", url.Values{"name": {""}, "email": {"bad"}, "role": {"agent"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Errorf("invalid user: %d", r.Status)
	}
	r = ad.post("/agent/admin/organizations", url.Values{"name": {"Globex"}, "domains": {"globex.example"}, "shared_tickets": {"1"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create org: %d %s", r.Status, r.Body)
	}
	r = ad.post("/agent/admin/groups", url.Values{"name": {"Billing"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create group: %d %s", r.Status, r.Body)
	}
	groups, _ := e.app.People.ListGroups(e.sys, 0, 100, 0)
	billing := groups[len(groups)-1]
	r = ad.post(fmt.Sprintf("/agent/admin/groups/%d/members", billing.ID), url.Values{"user_id": {id(e.agent.ID)}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add member: %d %s", r.Status, r.Body)
	}
	ms, _ := e.app.People.ListMemberships(e.sys, e.agent.ID, billing.ID)
	if len(ms) != 1 {
		t.Fatalf("memberships %d", len(ms))
	}
	r = ad.post(fmt.Sprintf("/agent/admin/memberships/%d/delete", ms[0].ID), nil)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("remove member: %d", r.Status)
	}
	r = ad.post("/agent/admin/fields", url.Values{"title": {"Plan"}, "type": {"tagger"}, "options": {"Free\nPro plan"}, "active": {"1"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create field: %d %s", r.Status, r.Body)
	}
	all, _ := e.app.Tickets.Fields(e.sys)
	var fields []*desk.TicketField
	for _, f := range all {
		if !desk.IsSystemField(f.Type) {
			fields = append(fields, f)
		}
	}
	if len(fields) != 1 || len(fields[0].CustomFieldOptions) != 2 || fields[0].CustomFieldOptions[1].Value != "pro_plan" {
		t.Fatalf("fields %+v", fields)
	}
	// The field shows on tickets and takes a value.
	tk := e.ticketFor(e.customer, "Plan question", "Which plan?")
	path := fmt.Sprintf("/agent/tickets/%d", tk.ID)
	if r := ad.get(path); !strings.Contains(r.Body, "Pro plan") {
		t.Fatal("the custom field is not on the ticket page")
	}
	r = ad.post(path, url.Values{"fields_present": {"1"}, fmt.Sprintf("field_%d", fields[0].ID): {"pro_plan"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("set field: %d %s", r.Status, r.Body)
	}
	got, _ := e.app.Tickets.Get(e.sys, tk.ID)
	if len(got.CustomFields) != 1 || got.CustomFields[0].Value != "pro_plan" {
		t.Errorf("custom fields %+v", got.CustomFields)
	}
	// Settings: name, default locale and time zone.
	r = ad.post("/agent/admin/settings", url.Values{"helpdesk_name": {"Acme Help"}, "default_locale": {"pl"}, "default_time_zone": {"Europe/Warsaw"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	anon := e.client()
	if r := anon.get("/"); !strings.Contains(r.Body, "<title>Wyślij zgłoszenie · Acme Help</title>") && !strings.Contains(r.Body, "Acme Help</title>") {
		t.Errorf("settings not applied: %s", r.Body[:min(len(r.Body), 400)])
	}
	if r := anon.get("/"); !strings.Contains(r.Body, `lang="pl"`) {
		t.Error("the default locale is not used for visitors without preferences")
	}
	if r := anon.get("/", "Accept-Language", "en-GB,en;q=0.9"); !strings.Contains(r.Body, `lang="en"`) {
		t.Error("Accept-Language does not win over the default")
	}
	r = ad.post("/agent/admin/settings", url.Values{"helpdesk_name": {"x"}, "default_locale": {"xx"}, "default_time_zone": {"Mars/Olympus"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad settings: %d", r.Status)
	}
	// The outbox lists emails.
	anon.get("/password/forgot")
	anon.post("/password/forgot", url.Values{"email": {e.customer.Email}})
	if r := ad.get("/agent/admin/outbox"); !strings.Contains(r.Body, e.customer.Email) {
		t.Error("the outbox page does not list the reset email")
	}
}

func TestPasswordResetFlow(t *testing.T) {
	e := newEnv(t, "")
	c := e.client()
	c.get("/password/forgot")
	r := c.post("/password/forgot", url.Values{"email": {e.agent.Email}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("forgot: %d %s", r.Status, r.Body)
	}
	// Unknown addresses get the same answer.
	r2 := c.post("/password/forgot", url.Values{"email": {"nobody@example.com"}})
	if r2.Status != r.Status || r2.Location != r.Location {
		t.Errorf("unknown email answered differently: %d %q vs %q", r2.Status, r2.Location, r.Location)
	}
	msg, err := e.app.Outbox.Latest(e.sys, e.agent.Email)
	if err != nil {
		t.Fatal(err)
	}
	link := linkRE.FindString(msg.Text)
	if !strings.HasPrefix(link, e.base+"/password/reset?token=") {
		t.Fatalf("reset link %q", link)
	}
	tok := strings.TrimPrefix(link, e.base+"/password/reset?token=")
	c.get("/password/reset?token=" + tok)
	newPW := "a brand new passphrase 42"
	r = c.post("/password/reset", url.Values{"token": {tok}, "password": {newPW}, "password_confirm": {newPW}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	c.get("/agent/signin")
	r = c.post("/agent/signin", url.Values{"email": {e.agent.Email}, "password": {newPW}})
	if r.Status != http.StatusSeeOther || r.Location != "/agent" {
		t.Fatalf("sign in with the new password: %d %q", r.Status, r.Location)
	}
	// The link works once.
	c.get("/password/reset?token=" + tok)
	r = c.post("/password/reset", url.Values{"token": {tok}, "password": {newPW}, "password_confirm": {newPW}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Errorf("second use of the link: %d", r.Status)
	}
}

func TestLanguageSwitcher(t *testing.T) {
	e := newEnv(t, "")
	anon := e.client()
	anon.get("/")
	r := anon.post("/locale", url.Values{"locale": {"pl"}, "return": {"/signin"}})
	if r.Status != http.StatusSeeOther || r.Location != "/signin" {
		t.Fatalf("switch: %d %q", r.Status, r.Location)
	}
	if r := anon.get("/signin"); !strings.Contains(r.Body, `lang="pl"`) {
		t.Error("the cookie choice is not used")
	}
	if r := anon.post("/locale", url.Values{"locale": {"xx"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown locale: %d", r.Status)
	}
	// Signed in: the choice becomes the user's setting.
	c := e.client()
	c.signIn("/signin", e.customer.Email)
	c.post("/locale", url.Values{"locale": {"pl"}, "return": {"/requests"}})
	u, _ := e.app.People.GetUser(e.sys, e.customer.ID)
	if u.Locale != "pl" {
		t.Errorf("user locale %q", u.Locale)
	}
	if r := c.get("/requests", "Accept-Language", "en"); !strings.Contains(r.Body, `lang="pl"`) || !strings.Contains(r.Body, "Moje zgłoszenia") {
		t.Error("the user's setting does not win over Accept-Language")
	}
}

// A form submitted after its session ended sends the user to sign in again
// (not to a CSRF error), and changes nothing.
func TestExpiredSessionPost(t *testing.T) {
	e := newEnv(t, "")
	tk := e.ticketFor(e.customer, "Expiring", "body")
	c := e.client()
	c.signIn("/agent/signin", e.agent.Email)
	path := fmt.Sprintf("/agent/tickets/%d", tk.ID)
	c.get(path)
	if err := e.app.Account.RevokeAll(as(e.agent), e.agent.ID); err != nil {
		t.Fatal(err)
	}
	r := c.post(path, url.Values{"body": {"late reply"}, "public": {"1"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/agent/signin?return=") {
		t.Fatalf("stale session POST: %d %q", r.Status, r.Location)
	}
	cs, _, _ := e.app.Tickets.Comments(as(e.agent), tk.ID, 0, 10, false)
	if len(cs) != 1 {
		t.Fatal("a stale session added a comment")
	}
}
