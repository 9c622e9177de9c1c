package api

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/frontdesk/frontdesk/internal/answerbot"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/account"
	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/auth"
	"github.com/frontdesk/frontdesk/internal/bulk"
	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/thread"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/csat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/oauth"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/privacy"
	"github.com/frontdesk/frontdesk/internal/retention"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/search"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/sla"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/testkit"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/twofactor"
	"github.com/frontdesk/frontdesk/internal/views"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

func TestMain(m *testing.M) {
	// No flow tested here depends on the cost of a password hash.
	testkit.CheapPasswordHashes()
	os.Exit(m.Run())
}

// testUser is a seeded user and the API token that authenticates as them.
type testUser struct {
	ID    int64
	Email string
	Token string
}

// testAPI is a complete API server over db, served by httptest, with three
// seeded users: an admin, an agent (member of the "Support" group) and an
// end-user.
type testAPI struct {
	URL                   string
	Admin, Agent, EndUser testUser
	SupportGroupID        int64
	DB                    *store.DB
	srv                   *Server
}

// newTestAPI builds the server the way internal/server does and seeds it.
func newTestAPI(t *testing.T, db *store.DB) *testAPI {
	t.Helper()
	return newTestAPIWith(t, db, nil)
}

// newTestAPIWith is newTestAPI with a hook that may change the Server (a
// Limiter, a throttle) before its routes are registered.
func newTestAPIWith(t *testing.T, db *store.DB, configure func(*Server)) *testAPI {
	t.Helper()
	a, h := newTestHandler(t, db, configure)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	a.URL = hs.URL
	return a
}

// newTestHandler builds the seeded server and returns its handler without
// listening (a.URL is empty), for fuzz targets that call it directly.
func newTestHandler(t testing.TB, db *store.DB, configure func(*Server)) (*testAPI, http.Handler) {
	t.Helper()
	bus := events.New()
	blobs, err := attach.New(t.TempDir(), 10<<20)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	tickets := ticket.New(db, bus, blobs)
	ppl := people.New(db, bus)
	ppl.EraseTwoFactorTx = twofactor.EraseUserTx // as the server wires it
	ppl.MoveTicketsTx = tickets.MoveUserTx
	ppl.EraseTicketsTx = tickets.EraseUserTx
	// Exports leave out the last minute; API tests look at what they just
	// wrote (TestIncrementalCompleteUnderConcurrentWrites sets its own lag).
	tickets.ExportLag, ppl.ExportLag = time.Microsecond, time.Microsecond
	key := make([]byte, secrets.KeySize) // all zero: a test key
	box, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{
		DB:           db,
		Tickets:      tickets,
		People:       ppl,
		Search:       &search.Service{DB: db, Tickets: tickets, People: ppl, Now: time.Now},
		Bulk:         &bulk.Service{DB: db, Tickets: tickets, People: ppl},
		Jobs:         jobs.NewRunner(db, logger),
		Account:      account.New(db, ppl, outbox.New(db, box)),
		OAuth:        oauth.New(db),
		Logger:       logger,
		Limiter:      NewLimiter(0),
		AuthFailures: NewAuthThrottle(),
		MaxUpload:    10 << 20,
		Mailboxes:    mailbox.New(db, testBox(t)),
	}
	srv.Inbound = &ingest.Service{DB: db, Tickets: tickets, Threads: thread.New(db, testBox(t)), Mailboxes: srv.Mailboxes}
	// p8-sla: SLAs over a rules registry, their timers a ticket hook, as
	// internal/server wires them.
	reg := rules.NewRegistry()
	srv.SLA = sla.New(db, bus, reg)
	srv.SLA.RegisterRules(reg)
	tickets.AddHook("sla", srv.SLA.Hook)
	srv.Rules = rules.NewService(db, tickets, reg, logger)
	srv.Rules.Register() // as internal/server does: triggers run on every change
	// Webhooks as internal/server wires them (event hook, delivery jobs).
	srv.Webhooks = webhook.New(db, testBox(t), settings.New(db, bus), logger)
	ppl.EraseWebhooksTx = srv.Webhooks.EraseTx
	ppl.EraseOutboxTx = outbox.New(db, box).EraseTx
	tickets.AddHook("webhook.events", srv.Webhooks.Hook)
	srv.Jobs.Handle(webhook.JobDeliver, srv.Webhooks.HandleJob)
	srv.Webhooks.RegisterRules(srv.Rules.Rules, "")
	csatSettings := settings.New(db, bus) // p8-assign, wired as internal/server does
	srv.Assign = assign.New(db, tickets, csatSettings)
	srv.Assign.Install()
	srv.CSAT = &csat.Service{DB: db, Tickets: tickets, Outbox: outbox.New(db, box), Settings: csatSettings}
	ppl.EraseRatingsTx = srv.CSAT.EraseTx
	srv.Assign.RegisterRules(reg)
	srv.CSAT.RegisterRules(reg)
	srv.Views = views.New(db, tickets, reg, bus) // p8-views
	srv.Macros = &macros.Service{DB: db, Tickets: tickets, Rules: reg}
	srv.Retention = &retention.Service{DB: db, Tickets: tickets, People: ppl, Suspended: srv.Inbound} // p9-retention
	srv.Privacy = privacy.New(db, tickets, ppl)                                                       // p9-export
	srv.Privacy.TempDir = t.TempDir()
	// The community (p10-community); its rate limits are tested in its
	// package, so the matrix's many posts by one user are not limited.
	srv.Community = community.New(db, tickets, outbox.New(db, box), "")
	srv.Community.Limits = community.Limits{}
	srv.HelpCenter = helpcenter.New(db) // p10-hc
	srv.HelpCenter.Blobs = blobs
	srv.AnswerBot = answerbot.New(db, srv.HelpCenter, tickets, nil)   // p11-bot
	srv.Chat = chat.New(db, tickets, bus, box, settings.New(db, bus)) // p11-keys
	// As internal/server does, so bulk jobs can be driven with Jobs.RunOnce.
	srv.Bulk.Register(srv.Jobs)
	if configure != nil {
		configure(srv)
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	h := StripJSON(mux)

	a := &testAPI{DB: db, srv: srv}
	sys := desk.SystemContext(context.Background())
	group, err := ppl.CreateGroup(sys, people.GroupInput{Name: ptrTo("Support")})
	if err != nil {
		t.Fatalf("create group: %v", err)
	}
	a.SupportGroupID = group.ID
	mk := func(name, email string, role desk.Role) testUser { return a.addUser(t, name, email, role) }
	a.Admin = mk("Ada Admin", "admin@example.com", desk.RoleAdmin)
	a.Agent = mk("Alan Agent", "agent@example.com", desk.RoleAgent)
	a.EndUser = mk("Erin Enduser", "erin@customer.test", desk.RoleEndUser)
	if _, err := ppl.AddMembership(sys, a.Agent.ID, group.ID, true); err != nil {
		t.Fatalf("add agent to Support: %v", err)
	}
	return a, h
}

// addUser creates a verified user with an API token that authenticates as
// them (for example a second customer).
func (a *testAPI) addUser(t testing.TB, name, email string, role desk.Role) testUser {
	t.Helper()
	sys := desk.SystemContext(context.Background())
	ppl, db := a.srv.People, a.DB
	u, err := ppl.CreateUser(sys, people.UserInput{Name: &name, Email: &email, Role: &role, Verified: ptrTo(true)})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	tu := testUser{ID: u.ID, Email: u.Email}
	if role.Staff() {
		tok, err := ppl.CreateToken(sys, u.ID, "test")
		if err != nil {
			t.Fatalf("token for %s: %v", name, err)
		}
		tu.Token = tok.Token
	} else {
		// The people service issues API tokens to staff only; an
		// end-user's token is written directly so tests can act as one
		// (as an OAuth or portal session would).
		secret, hash := auth.NewToken()
		if _, err := db.Exec(context.Background(), `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`,
			u.ID, "test", hash, store.Now()); err != nil {
			t.Fatalf("token for %s: %v", name, err)
		}
		tu.Token = secret
	}
	return tu
}

func ptrTo[T any](v T) *T { return &v }

// request sends body as JSON (a string or []byte is sent verbatim) with
// Basic "email/token:TOKEN" auth unless u has no token, and returns the
// response with its body read.
func (a *testAPI) request(t *testing.T, u testUser, method, path string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, a.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if u.Token != "" {
		req.SetBasicAuth(u.Email+"/token", u.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// do sends a request and decodes the JSON answer (nil for an empty body,
// such as a 204).
func (a *testAPI) do(t *testing.T, u testUser, method, path string, body any) (int, map[string]any) {
	t.Helper()
	resp, data := a.request(t, u, method, path, body)
	if len(bytes.TrimSpace(data)) == 0 {
		return resp.StatusCode, nil
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s %s: %d, body is not a JSON object: %v\n%s", method, path, resp.StatusCode, err, data)
	}
	return resp.StatusCode, m
}
