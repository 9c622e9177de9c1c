package web_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

const password = "correct horse battery staple"

// env is a running Frontdesk with a few users.
type env struct {
	t    *testing.T
	app  *server.App
	base string
	sys  context.Context

	admin, agent, agent2, customer, customer2 *desk.User
	group                                     *desk.Group
}

// stores lists the stores to run on: SQLite always, PostgreSQL when
// FRONTDESK_TEST_DATABASE_URL is set.
func stores(t *testing.T) map[string]string {
	m := map[string]string{"sqlite": ""}
	if base := storetest.PostgresURL(); base != "" {
		u, _ := storetest.SchemaURL(t, base)
		m["postgres"] = u
	}
	return m
}

func newEnv(t *testing.T, dbURL string, mutate ...func(*server.Config)) *env {
	t.Helper()
	e := newEmptyEnv(t, dbURL, mutate...)
	app := e.app
	e.group = e.mustGroup("Support")
	e.admin = e.mustUser("Ada Admin", "admin@example.com", desk.RoleAdmin)
	e.agent = e.mustUser("Alan Agent", "agent@example.com", desk.RoleAgent)
	e.agent2 = e.mustUser("Grace Agent", "grace@example.com", desk.RoleAgent)
	e.customer = e.mustUser("Carol Customer", "carol@example.org", desk.RoleEndUser)
	e.customer2 = e.mustUser("Dave Customer", "dave@example.net", desk.RoleEndUser)
	for _, u := range []*desk.User{e.admin, e.agent, e.agent2} {
		if _, err := app.People.AddMembership(e.sys, u.ID, e.group.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// newEmptyEnv is a running Frontdesk with no users at all (a first run).
func newEmptyEnv(t *testing.T, dbURL string, mutate ...func(*server.Config)) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: dbURL, ShutdownGrace: 5 * time.Second}
	for _, m := range mutate {
		m(&cfg)
	}
	if cfg.DatabaseURL == "" {
		storetest.SeedSQLite(t, cfg.DataDir)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("FRONTDESK_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	app, err := server.Open(ctx, cfg, logger)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, func(a string) { addrc <- a }) }()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a
	case err := <-done:
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("server did not stop")
		}
		app.Close()
	})
	return &env{t: t, app: app, base: base, sys: desk.SystemContext(context.Background())}
}

func (e *env) mustGroup(name string) *desk.Group {
	g, err := e.app.People.CreateGroup(e.sys, people.GroupInput{Name: &name})
	if err != nil {
		e.t.Fatal(err)
	}
	return g
}

func (e *env) mustUser(name, email string, role desk.Role) *desk.User {
	pw := password
	u, err := e.app.People.CreateUser(e.sys, people.UserInput{Name: &name, Email: &email, Role: &role, Password: &pw})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func as(u *desk.User) context.Context {
	var org int64
	if u.OrganizationID != nil {
		org = *u.OrganizationID
	}
	return desk.WithPrincipal(context.Background(), &desk.Principal{UserID: u.ID, Role: u.Role, OrgID: org, Email: u.Email, Via: "api"})
}

// ticketFor files a ticket requested by u (as the agent) and returns it.
func (e *env) ticketFor(u *desk.User, subject, body string, tags ...string) *desk.Ticket {
	e.t.Helper()
	in := ticket.Input{Subject: &subject, RequesterID: desk.SetID(u.ID), Comment: &ticket.CommentInput{Body: body}}
	if len(tags) > 0 {
		in.Tags = &tags
	}
	t, _, err := e.app.Tickets.Create(as(e.agent), in)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *env) note(id int64, body string) {
	e.t.Helper()
	f := false
	if _, _, err := e.app.Tickets.Update(as(e.agent), id, ticket.Input{Comment: &ticket.CommentInput{Body: body, Public: &f}}); err != nil {
		e.t.Fatal(err)
	}
}

// client is a browser-like HTTP client with cookies that does not follow
// redirects (so tests see them).
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, base: e.base, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	Status   int
	Body     string
	Header   http.Header
	Location string
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

func (c *client) do(req *http.Request) resp {
	c.t.Helper()
	r, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if m := csrfMeta.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return resp{Status: r.StatusCode, Body: string(b), Header: r.Header, Location: r.Header.Get("Location")}
}

func (c *client) get(path string, hdr ...string) resp {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return c.do(req)
}

// post submits a form with the current CSRF token (fetching a page first if
// the client has none yet).
func (c *client) post(path string, form url.Values, hdr ...string) resp {
	c.t.Helper()
	if c.csrf == "" {
		c.get("/signin")
	}
	// A copy: the caller's form must not keep this token (sessions rotate,
	// and with them the token).
	form = maps.Clone(form)
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", c.csrf)
	}
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return c.do(req)
}

func (c *client) signIn(path, email string) {
	c.t.Helper()
	c.get(path)
	r := c.post(path, url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("sign-in as %s: %d %s", email, r.Status, r.Body)
	}
	c.get("/requests/new") // refresh the CSRF token for the new session
}
