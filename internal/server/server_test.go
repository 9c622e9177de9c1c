package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/search"
	"github.com/frontdesk/frontdesk/internal/server"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

func start(t *testing.T, dbURL string, mutate ...func(*server.Config)) (*server.App, string, context.CancelFunc, chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: dbURL, ShutdownGrace: 10 * time.Second}
	for _, m := range mutate {
		m(&cfg)
	}
	app, err := server.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, func(a string) { addrc <- a }) }()
	select {
	case a := <-addrc:
		return app, "http://" + a, cancel, done
	case err := <-done:
		t.Fatal(err)
	}
	return nil, "", nil, nil
}

func stores(t *testing.T) map[string]string {
	m := map[string]string{"sqlite": ""}
	if base := storetest.PostgresURL(); base != "" {
		u, _ := storetest.SchemaURL(t, base)
		m["postgres"] = u
	}
	return m
}

func TestHealthMetricsAndRequestIDs(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			app, base, cancel, done := start(t, u, func(c *server.Config) { c.MetricsAddr = "127.0.0.1:0" })
			resp, err := http.Get(base + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(b), `"ok"`) {
				t.Fatalf("healthz %d %s", resp.StatusCode, b)
			}
			if resp.Header.Get("X-Request-Id") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("headers %v", resp.Header)
			}
			// An unauthenticated API call is counted by route in /metrics.
			r2, _ := http.Get(base + "/api/v2/tickets.json")
			r2.Body.Close()
			if r2.StatusCode != 401 {
				t.Fatalf("unauthenticated: %d", r2.StatusCode)
			}
			// /metrics is not on the public listener, only on its own.
			if code, _ := get(t, base+"/metrics", ""); code != http.StatusNotFound {
				t.Errorf("GET /metrics on the main listener: %d, want 404", code)
			}
			code, body := get(t, "http://"+app.MetricsAddr()+"/metrics", "")
			if code != 200 {
				t.Fatalf("GET /metrics on the metrics listener: %d", code)
			}
			b = []byte(body)
			for _, want := range []string{
				`frontdesk_http_requests_total{code="401",method="GET",route="GET /api/v2/tickets"}`,
				"frontdesk_http_request_duration_seconds_bucket",
				"frontdesk_job_queue_depth",
				`frontdesk_answer_bot_drafts_total{result="failed"} 0`,
				"frontdesk_store_open_connections",
			} {
				if !strings.Contains(string(b), want) {
					t.Errorf("metrics lack %s", want)
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

func get(t *testing.T, url, bearer string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetricsEndpoint: /metrics is never public on the main listener. By
// default it is served only on the metrics listener (when one is set); with
// a token, also on the main listener to requests bearing exactly that token.
func TestMetricsEndpoint(t *testing.T) {
	_, base, cancel, done := start(t, "")
	if code, _ := get(t, base+"/metrics", ""); code != http.StatusNotFound {
		t.Errorf("default: GET /metrics = %d, want 404", code)
	}
	cancel()
	<-done

	const tok = "a-long-random-metrics-token-0123456789"
	_, base, cancel, done = start(t, "", func(c *server.Config) { c.MetricsToken = tok })
	for _, bad := range []string{"", "wrong", tok + "x", tok[:20]} {
		if code, body := get(t, base+"/metrics", bad); code != http.StatusUnauthorized || strings.Contains(body, "frontdesk_http") {
			t.Errorf("token %q: %d", bad, code)
		}
	}
	if code, body := get(t, base+"/metrics", tok); code != 200 || !strings.Contains(body, "frontdesk_http_requests_total") {
		t.Errorf("right token: %d", code)
	}
	cancel()
	<-done

	// A short token or a bad public URL stops the start.
	for _, cfg := range []server.Config{{MetricsToken: "short"}, {PublicURL: "ftp://x"}} {
		cfg.DataDir = t.TempDir()
		if _, err := server.Open(context.Background(), cfg, slog.New(slog.DiscardHandler)); err == nil {
			t.Errorf("Open(%+v) accepted", cfg)
		}
	}
}

// TestGracefulShutdown checks that requests in flight when SIGTERM (here:
// context cancellation) arrives still complete, and nothing is half-written.
func TestGracefulShutdown(t *testing.T) {
	app, base, cancel, done := start(t, "")
	sys := desk.SystemContext(context.Background())
	email, name, role := "a@shutdown.test", "A", desk.RoleAdmin
	u, err := app.People.CreateUser(sys, people.UserInput{Email: &email, Name: &name, Role: &role})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := app.People.CreateToken(sys, u.ID, "t")
	var wg sync.WaitGroup
	codes := make(chan int, 40)
	for i := range 40 {
		wg.Go(func() {
			body := `{"ticket":{"subject":"s` + string(rune('a'+i%26)) + `","comment":{"body":"b"},"requester":{"email":"r@shutdown.test"}}}`
			req, _ := http.NewRequest("POST", base+"/api/v2/tickets.json", strings.NewReader(body))
			req.SetBasicAuth(email+"/token", tok.Token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				codes <- 0 // refused after the listener closed: acceptable
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		})
		if i == 20 {
			cancel()
		}
	}
	wg.Wait()
	close(codes)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	created := 0
	for c := range codes {
		if c != 0 && c != 201 {
			t.Fatalf("request in flight got %d", c)
		}
		if c == 201 {
			created++
		}
	}
	var n int
	app.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&n)
	var comments int
	app.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM ticket_comments`).Scan(&comments)
	if n != created || comments != n {
		t.Fatalf("%d answered 201, %d tickets stored, %d comments", created, n, comments)
	}
}

// --search-window reaches the search service, and its default is search's.
func TestSearchWindowReachesSearch(t *testing.T) {
	app, _, cancel, _ := start(t, "", func(c *server.Config) { c.SearchWindow = 1234 })
	defer cancel()
	if app.Search.Window != 1234 {
		t.Fatalf("search window %d, want 1234", app.Search.Window)
	}
	if server.Defaults.SearchWindow != search.DefaultWindow {
		t.Fatalf("default window %d, search's %d", server.Defaults.SearchWindow, search.DefaultWindow)
	}
}
