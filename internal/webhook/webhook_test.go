package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

func ptr[T any](v T) *T { return &v }

func as(p *desk.Principal) context.Context { return desk.WithPrincipal(context.Background(), p) }

var (
	adminCtx = as(&desk.Principal{UserID: 1, Role: desk.RoleAdmin})
	agentCtx = as(&desk.Principal{UserID: 2, Role: desk.RoleAgent})
	// A custom role that manages business rules and nothing else.
	rulesCtx = as(&desk.Principal{UserID: 3, Role: desk.RoleAgent, Perms: &desk.Permissions{ManageBusinessRules: true}})
	userCtx  = as(&desk.Principal{UserID: 4, Role: desk.RoleEndUser})
	sysCtx   = desk.SystemContext(context.Background())
)

type fixture struct {
	db     *store.DB
	s      *webhook.Service
	st     *settings.Service
	runner *jobs.Runner
}

func newFixture(t *testing.T, db *store.DB, allowPrivate bool) *fixture {
	t.Helper()
	box, err := secrets.NewBox(bytes.Repeat([]byte{9}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := settings.New(db, events.New())
	if err := settings.WebhooksAllowPrivate.Set(context.Background(), st, allowPrivate); err != nil {
		t.Fatal(err)
	}
	s := webhook.New(db, box, st, logger)
	s.Backoff = time.Millisecond
	s.MaxAttempts = 3
	s.DisableAfter = 2
	r := jobs.NewRunner(db, logger)
	r.Handle(webhook.JobDeliver, s.HandleJob)
	return &fixture{db: db, s: s, st: st, runner: r}
}

// drain runs due jobs until none is left (waiting out the short back-off).
func (f *fixture) drain(t *testing.T) int {
	t.Helper()
	n := 0
	for idle := 0; idle < 20; {
		found, err := f.runner.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if found {
			n, idle = n+1, 0
			continue
		}
		var pending int
		if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM jobs WHERE state IN ('available', 'running')`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			return n
		}
		idle++
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("jobs left that never became due")
	return n
}

func TestCRUDAuthorizationAndSealedSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		in := webhook.Input{Name: ptr("Slack"), Endpoint: ptr("https://hooks.example.com/a"), Subscriptions: &[]string{webhook.SubConditional},
			Authentication: &webhook.AuthInput{Type: "basic_auth", Username: ptr("fd"), Password: ptr("hunter2-Zażółć")}}
		for _, ctx := range []context.Context{agentCtx, userCtx, context.Background()} {
			if _, err := f.s.Create(ctx, in); desk.ErrorCode(err) != desk.EFORBIDDEN && desk.ErrorCode(err) != desk.EUNAUTHORIZED {
				t.Fatalf("create without manage_business_rules: %v", err)
			}
		}
		w, err := f.s.Create(rulesCtx, in)
		if err != nil {
			t.Fatal(err)
		}
		if w.Status != webhook.StatusActive || w.HTTPMethod != "POST" || w.RequestFormat != webhook.FormatJSON ||
			w.Authentication.Type != webhook.AuthBasic || !w.Authentication.HasSecret || w.CreatedBy != 3 {
			t.Fatalf("created %+v", w)
		}
		var auth, signing string
		if err := db.QueryRow(context.Background(), `SELECT auth_secret, signing_secret FROM webhooks WHERE id = ?`, w.ID).Scan(&auth, &signing); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{auth, signing} {
			if !strings.HasPrefix(v, "v1:") || strings.Contains(v, "hunter2") || strings.Contains(v, "whsec_") {
				t.Fatalf("secret stored as %q", v)
			}
		}
		sec, err := f.s.SigningSecret(adminCtx, w.ID)
		if err != nil || !strings.HasPrefix(sec, "whsec_") {
			t.Fatalf("signing secret %q %v", sec, err)
		}
		if _, err := f.s.SigningSecret(agentCtx, w.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent read the signing secret: %v", err)
		}
		sec2, err := f.s.ResetSigningSecret(adminCtx, w.ID)
		if err != nil || sec2 == sec {
			t.Fatalf("reset %q %v", sec2, err)
		}
		if got, _ := f.s.SigningSecret(adminCtx, w.ID); got != sec2 {
			t.Fatal("reset secret not stored")
		}
		// An update without a password keeps the stored one.
		w, err = f.s.Update(adminCtx, w.ID, webhook.Input{Description: ptr("Posts to #support"),
			Authentication: &webhook.AuthInput{Type: "basic_auth", Username: ptr("fd2")}})
		if err != nil || w.Authentication.Username != "fd2" || !w.Authentication.HasSecret || w.Description != "Posts to #support" {
			t.Fatalf("update %+v %v", w, err)
		}
		if _, err := f.s.Update(agentCtx, w.ID, webhook.Input{Name: ptr("x")}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent update: %v", err)
		}
		list, err := f.s.List(adminCtx, webhook.ListFilter{NameContains: "sla"})
		if err != nil || len(list) != 1 {
			t.Fatalf("list %v %v", list, err)
		}
		if list, _ := f.s.List(adminCtx, webhook.ListFilter{Status: "inactive"}); len(list) != 0 {
			t.Fatalf("inactive filter %v", list)
		}
		if err := f.s.Delete(agentCtx, w.ID); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent delete: %v", err)
		}
		if err := f.s.Delete(adminCtx, w.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Get(adminCtx, w.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("deleted webhook: %v", err)
		}
	})
}

func TestValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, false)
		base := func() webhook.Input {
			return webhook.Input{Name: ptr("W"), Endpoint: ptr("https://example.com/"), Subscriptions: &[]string{webhook.SubConditional}}
		}
		cases := map[string]func(*webhook.Input){
			"name":           func(in *webhook.Input) { in.Name = ptr("  ") },
			"endpoint":       func(in *webhook.Input) { in.Endpoint = ptr("http://169.254.169.254/") },
			"http_method":    func(in *webhook.Input) { in.HTTPMethod = ptr("TRACE") },
			"request_format": func(in *webhook.Input) { in.RequestFormat = ptr("yaml") },
			"status":         func(in *webhook.Input) { in.Status = ptr("paused") },
			"subscriptions":  func(in *webhook.Input) { in.Subscriptions = &[]string{"zen:event-type:user.created"} },
			"authentication": func(in *webhook.Input) { in.Authentication = &webhook.AuthInput{Type: "bearer_token"} },
			"mixed": func(in *webhook.Input) {
				in.Subscriptions = &[]string{webhook.SubConditional, webhook.EventTicketCreated}
			},
			"events need json": func(in *webhook.Input) {
				in.Subscriptions, in.RequestFormat = &[]string{webhook.EventTicketCreated}, ptr("xml")
			},
			"no subscriptions": func(in *webhook.Input) { in.Subscriptions = &[]string{} },
		}
		for name, mut := range cases {
			in := base()
			mut(&in)
			_, err := f.s.Create(adminCtx, in)
			if desk.ErrorCode(err) != desk.EINVALID {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		// Private endpoints pass once the admin allows them.
		f2 := newFixture(t, db, true)
		in := base()
		in.Endpoint = ptr("http://127.0.0.1:9/")
		if _, err := f2.s.Create(adminCtx, in); err != nil {
			t.Fatalf("private endpoint with the setting on: %v", err)
		}
	})
}

// receiver records what a webhook endpoint receives and answers with the
// statuses given, one per request (the last repeats).
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []*http.Request
	bodies   [][]byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.got, rc.bodies = append(rc.got, r), append(rc.bodies, b)
	st := rc.statuses[min(len(rc.got)-1, len(rc.statuses)-1)]
	w.WriteHeader(st)
	io.WriteString(w, strings.Repeat("x", 5000)) // longer than the log keeps
}

func TestDeliveryRetriesSignsAndDisables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, true)
		rc := &receiver{statuses: []int{503, 200}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		w, err := f.s.Create(adminCtx, webhook.Input{Name: ptr("Ops"), Endpoint: ptr(srv.URL + "/hook"),
			Subscriptions: &[]string{webhook.SubConditional}, Authentication: &webhook.AuthInput{Type: "bearer_token", Token: ptr("tok-123")}})
		if err != nil {
			t.Fatal(err)
		}
		body := `{"ticket":"{{ticket.id}} rendered by the engine"}`
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			return f.s.EnqueueTx(sysCtx, tx, w.ID, 42, body, "trigger:7")
		}); err != nil {
			t.Fatal(err)
		}
		if n := f.drain(t); n != 2 {
			t.Fatalf("%d jobs ran, want 2 (a 503, then a retry)", n)
		}
		if len(rc.got) != 2 {
			t.Fatalf("%d requests", len(rc.got))
		}
		secret, _ := f.s.SigningSecret(adminCtx, w.ID)
		for i, r := range rc.got {
			if !standardVerify(secret, r.Header, rc.bodies[i], time.Now()) {
				t.Errorf("request %d: signature does not verify (%v)", i, r.Header)
			}
			if string(rc.bodies[i]) != body || r.Header.Get("Authorization") != "Bearer tok-123" ||
				!strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Method != "POST" {
				t.Errorf("request %d: %s %v %q", i, r.Method, r.Header, rc.bodies[i])
			}
			zts := r.Header.Get(webhook.HeaderZendeskTimestamp)
			if r.Header.Get(webhook.HeaderZendeskSignature) != webhook.ZendeskSignature(secret, zts, rc.bodies[i]) {
				t.Errorf("request %d: Zendesk signature", i)
			}
		}
		if rc.got[0].Header.Get("webhook-id") != rc.got[1].Header.Get("webhook-id") || rc.got[0].Header.Get("webhook-id") == "" {
			t.Fatal("a retry changed the webhook-id")
		}
		invs, _, err := f.s.Invocations(adminCtx, w.ID, 10, 0)
		if err != nil || len(invs) != 1 || invs[0].Status != webhook.InvSucceeded || invs[0].Attempts != 2 ||
			invs[0].LastStatusCode != 200 || invs[0].TicketID != 42 || invs[0].Source != "trigger:7" {
			t.Fatalf("invocations %+v %v", invs, err)
		}
		atts, err := f.s.Attempts(adminCtx, w.ID, invs[0].ID)
		if err != nil || len(atts) != 2 || atts[0].StatusCode != 503 || atts[0].Success || !atts[1].Success || len(atts[1].Response) != 2048 {
			t.Fatalf("attempts %+v %v", atts, err)
		}
		if _, _, err := f.s.Invocations(agentCtx, w.ID, 10, 0); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent read the log: %v", err)
		}
		// Running an attempt again (a job retried after a crash) sends nothing.
		if err := f.s.Deliver(sysCtx, invs[0].ID, 2); err != nil || len(rc.got) != 2 {
			t.Fatalf("re-run sent again: %v, %d requests", err, len(rc.got))
		}

		// Failing for good: every attempt 500; two such invocations in a
		// row (DisableAfter) deactivate the webhook.
		rc.mu.Lock()
		rc.statuses, rc.got, rc.bodies = []int{500}, nil, nil
		rc.mu.Unlock()
		for i := range 2 {
			if err := db.InTx(context.Background(), func(tx *store.Tx) error {
				return f.s.EnqueueTx(sysCtx, tx, w.ID, int64(i), `{}`, "trigger:7")
			}); err != nil {
				t.Fatal(err)
			}
			f.drain(t)
		}
		if len(rc.got) != 6 {
			t.Fatalf("%d requests, want 2 invocations × 3 attempts", len(rc.got))
		}
		w, _ = f.s.Get(adminCtx, w.ID)
		if w.Status != webhook.StatusInactive || w.ConsecutiveFailures != 2 || !strings.Contains(w.DisabledReason, "HTTP 500") {
			t.Fatalf("after repeated failures: %+v", w)
		}
		// While inactive, rule actions queue nothing.
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			return f.s.EnqueueTx(sysCtx, tx, w.ID, 1, `{}`, "trigger:7")
		}); err != nil {
			t.Fatal(err)
		}
		if f.drain(t) != 0 {
			t.Fatal("an inactive webhook was called")
		}
		// Re-enabling clears the count and the reason.
		w, err = f.s.Update(adminCtx, w.ID, webhook.Input{Status: ptr("active")})
		if err != nil || w.ConsecutiveFailures != 0 || w.DisabledReason != "" {
			t.Fatalf("re-enabled %+v %v", w, err)
		}
		// A 4xx other than 408/429 is not retried.
		rc.mu.Lock()
		rc.statuses, rc.got = []int{400}, nil
		rc.mu.Unlock()
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			return f.s.EnqueueTx(sysCtx, tx, w.ID, 1, `{}`, "trigger:7")
		}); err != nil {
			t.Fatal(err)
		}
		if f.drain(t); len(rc.got) != 1 {
			t.Fatalf("a 400 was retried: %d requests", len(rc.got))
		}
	})
}

func TestRefusedEndpointIsNotRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		on := newFixture(t, db, true)
		rc := &receiver{statuses: []int{200}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		w, err := on.s.Create(adminCtx, webhook.Input{Name: ptr("Local"), Endpoint: ptr(srv.URL), Subscriptions: &[]string{webhook.SubConditional}})
		if err != nil {
			t.Fatal(err)
		}
		// The admin turns private addresses off: the stored endpoint is
		// refused at delivery time, once, with the reason logged.
		if err := settings.WebhooksAllowPrivate.Set(context.Background(), on.st, false); err != nil {
			t.Fatal(err)
		}
		off := newFixture(t, db, false)
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			return off.s.EnqueueTx(sysCtx, tx, w.ID, 1, `{}`, "trigger:1")
		}); err != nil {
			t.Fatal(err)
		}
		off.drain(t)
		if len(rc.got) != 0 {
			t.Fatal("a private endpoint was called with the setting off")
		}
		invs, _, _ := off.s.Invocations(adminCtx, w.ID, 10, 0)
		atts, _ := off.s.Attempts(adminCtx, w.ID, invs[0].ID)
		if invs[0].Status != webhook.InvFailed || len(atts) != 1 || !strings.Contains(atts[0].Error, "public") {
			t.Fatalf("invocation %+v attempts %+v", invs, atts)
		}
	})
}

func TestEventSubscriptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, true)
		rc := &receiver{statuses: []int{200}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		events := []string{webhook.EventTicketCreated, webhook.EventTicketStatusChanged, webhook.EventTicketCommentAdded}
		w, err := f.s.Create(adminCtx, webhook.Input{Name: ptr("Events"), Endpoint: ptr(srv.URL), Subscriptions: &events})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Create(adminCtx, webhook.Input{Name: ptr("Rules only"), Endpoint: ptr(srv.URL),
			Subscriptions: &[]string{webhook.SubConditional}}); err != nil {
			t.Fatal(err)
		}
		before := &desk.Ticket{ID: 5, Subject: "Printer", Status: desk.Status("new"), Tags: []string{"a"}}
		after := &desk.Ticket{ID: 5, Subject: "Printer", Status: desk.Status("open"), Tags: []string{"a", "b"}}
		changes := []*desk.TicketChange{
			{Kind: desk.ChangeCreate, TicketID: 5, After: before, ActorID: 1},
			{Kind: desk.ChangeUpdate, TicketID: 5, Before: before, After: after, ActorID: 2,
				Comment: &desk.Comment{ID: 9, Body: "On it", Public: true, AuthorID: 2}},
			{Kind: desk.ChangeUpdate, TicketID: 5, Before: after, After: after}, // nothing this webhook hears
		}
		for _, c := range changes {
			if err := db.InTx(context.Background(), func(tx *store.Tx) error { return f.s.Hook(context.Background(), tx, c) }); err != nil {
				t.Fatal(err)
			}
		}
		f.drain(t)
		var types []string
		for i, b := range rc.bodies {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			types = append(types, m["type"].(string))
			if m["subject"] != "zen:ticket:5" || m["id"] != rc.got[i].Header.Get("webhook-id") {
				t.Errorf("payload %s", b)
			}
			if m["type"] == webhook.EventTicketStatusChanged {
				ev := m["event"].(map[string]any)
				if ev["previous"] != "new" || ev["current"] != "open" || m["detail"].(map[string]any)["status"] != "OPEN" {
					t.Errorf("status event %s", b)
				}
			}
		}
		want := []string{webhook.EventTicketCreated, webhook.EventTicketStatusChanged, webhook.EventTicketCommentAdded}
		if strings.Join(types, ",") != strings.Join(want, ",") {
			t.Fatalf("events sent %v, want %v", types, want)
		}
		// An inactive webhook hears nothing.
		if _, err := f.s.Update(adminCtx, w.ID, webhook.Input{Status: ptr("inactive")}); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(context.Background(), func(tx *store.Tx) error { return f.s.Hook(context.Background(), tx, changes[0]) }); err != nil {
			t.Fatal(err)
		}
		if f.drain(t) != 0 {
			t.Fatal("an inactive webhook got an event")
		}
	})
}

func TestTestSendsOnceAndRecordsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, true)
		rc := &receiver{statuses: []int{201}}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		res, err := f.s.Test(adminCtx, webhook.TestRequest{Input: &webhook.Input{Endpoint: ptr(srv.URL), HTTPMethod: ptr("PUT")},
			Payload: ptr(`{"hello":"world"}`)})
		if err != nil || res.Status != 201 || len(rc.got) != 1 || rc.got[0].Method != "PUT" || string(rc.bodies[0]) != `{"hello":"world"}` {
			t.Fatalf("test %+v %v", res, err)
		}
		if _, err := f.s.Test(agentCtx, webhook.TestRequest{Input: &webhook.Input{Endpoint: ptr(srv.URL)}}); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("agent test: %v", err)
		}
		off := newFixture(t, db, false)
		res, err = off.s.Test(adminCtx, webhook.TestRequest{Input: &webhook.Input{Endpoint: ptr("http://metadata.google.internal.localhost/")}})
		if desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("test of a refused endpoint: %+v %v", res, err)
		}
		var n int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM webhook_invocations`).Scan(&n)
		if n != 0 {
			t.Fatalf("a test left %d invocations", n)
		}
	})
}

func TestPurgeLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, true)
		srv := httptest.NewServer(&receiver{statuses: []int{200}})
		defer srv.Close()
		w, _ := f.s.Create(adminCtx, webhook.Input{Name: ptr("P"), Endpoint: ptr(srv.URL), Subscriptions: &[]string{webhook.SubConditional}})
		db.InTx(context.Background(), func(tx *store.Tx) error { return f.s.EnqueueTx(sysCtx, tx, w.ID, 1, `{}`, "t") })
		f.drain(t)
		if _, err := f.s.PurgeLog(adminCtx); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("admin purge: %v", err)
		}
		if n, err := f.s.PurgeLog(sysCtx); err != nil || n != 0 {
			t.Fatalf("purged a fresh entry: %d %v", n, err)
		}
		f.s.Now = func() time.Time { return time.Now().Add(31 * 24 * time.Hour) }
		if n, err := f.s.PurgeLog(sysCtx); err != nil || n != 1 {
			t.Fatalf("purge after retention: %d %v", n, err)
		}
		var a int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM webhook_attempts`).Scan(&a)
		if a != 0 {
			t.Fatalf("%d attempts left", a)
		}
	})
}

// Two runs of the same attempt (a job whose lease ran out while its
// worker was still busy) both send, with the same webhook-id, and the log
// records the attempt once; neither run fails.
func TestConcurrentRunsOfOneAttempt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, true)
		release := make(chan struct{})
		rc := &receiver{statuses: []int{200}}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release
			rc.ServeHTTP(w, r)
		}))
		defer srv.Close()
		w, err := f.s.Create(adminCtx, webhook.Input{Name: ptr("Twice"), Endpoint: ptr(srv.URL), Subscriptions: &[]string{webhook.SubConditional}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(context.Background(), func(tx *store.Tx) error {
			return f.s.EnqueueTx(sysCtx, tx, w.ID, 1, `{}`, "trigger:1")
		}); err != nil {
			t.Fatal(err)
		}
		invs, _, _ := f.s.Invocations(adminCtx, w.ID, 1, 0)
		errs := make(chan error, 2)
		for range 2 {
			go func() { errs <- f.s.Deliver(sysCtx, invs[0].ID, 1) }()
		}
		time.Sleep(100 * time.Millisecond) // both runs are waiting on the receiver
		close(release)
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("a run failed: %v", err)
			}
		}
		if len(rc.got) != 2 || rc.got[0].Header.Get("webhook-id") != rc.got[1].Header.Get("webhook-id") {
			t.Fatalf("%d requests, ids %v", len(rc.got), rc.got)
		}
		atts, err := f.s.Attempts(adminCtx, w.ID, invs[0].ID)
		if err != nil || len(atts) != 1 {
			t.Fatalf("attempts %+v %v", atts, err)
		}
	})
}
