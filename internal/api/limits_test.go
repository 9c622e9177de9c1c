package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/ratelimit"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// lmRequest sends GET path with the given Authorization header ("" for
// none) and returns the response and its decoded JSON body.
func (a *testAPI) lmRequest(t *testing.T, method, path, authorization string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
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
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s %s: %d, body is not JSON: %s", method, path, resp.StatusCode, data)
	}
	return resp, m
}

func lmBasic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func lmToken(u testUser) string { return lmBasic(u.Email+"/token", u.Token) }

// lmRetryAfter parses Retry-After and checks it is a whole number ≥ 1.
func lmRetryAfter(t *testing.T, what string, resp *http.Response, max int) {
	t.Helper()
	n, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || n < 1 || n > max {
		t.Errorf("%s: Retry-After = %q, want 1…%d", what, resp.Header.Get("Retry-After"), max)
	}
}

// lmClock is a settable clock for limiters.
type lmClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *lmClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *lmClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestRateLimitPerToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// The limiter the server picks for this store: shared in the
		// database on PostgreSQL, in memory on SQLite.
		a := newTestAPIWith(t, db, func(s *Server) { s.Limiter = ratelimit.For(db, 5, nil) })

		for i := 1; i <= 5; i++ {
			resp, body := a.lmRequest(t, "GET", "/api/v2/tickets.json", lmToken(a.Agent))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("request %d: %d %v", i, resp.StatusCode, body)
			}
			if resp.Header.Get("X-Rate-Limit") != "5" || resp.Header.Get("X-Rate-Limit-Remaining") != strconv.Itoa(5-i) {
				t.Errorf("request %d: X-Rate-Limit %q, remaining %q", i, resp.Header.Get("X-Rate-Limit"), resp.Header.Get("X-Rate-Limit-Remaining"))
			}
			if resp.Header.Get("Retry-After") != "" {
				t.Errorf("request %d: Retry-After on an allowed request", i)
			}
		}
		// The sixth within the minute is refused, on any API route and method,
		// and stays refused (denied requests do not consume quota but do
		// not get through either).
		for _, r := range []struct{ method, path string }{
			{"GET", "/api/v2/tickets.json"}, {"GET", "/api/v2/users/me"}, {"DELETE", "/api/v2/tickets/1"},
		} {
			resp, body := a.lmRequest(t, r.method, r.path, lmToken(a.Agent))
			if resp.StatusCode != http.StatusTooManyRequests || body["error"] != "TooManyRequests" {
				t.Fatalf("%s %s over the limit: %d %v", r.method, r.path, resp.StatusCode, body)
			}
			lmRetryAfter(t, "over the limit", resp, 60)
			if resp.Header.Get("X-Rate-Limit") != "5" || resp.Header.Get("X-Rate-Limit-Remaining") != "0" {
				t.Errorf("429 headers: X-Rate-Limit %q, remaining %q", resp.Header.Get("X-Rate-Limit"), resp.Header.Get("X-Rate-Limit-Remaining"))
			}
		}
		// The same user through Bearer shares the quota: it is per user.
		resp, _ := a.lmRequest(t, "GET", "/api/v2/tickets", "Bearer "+a.Agent.Token)
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("same user with Bearer: %d", resp.StatusCode)
		}
		// Another token has its own quota.
		for i := 1; i <= 5; i++ {
			resp, body := a.lmRequest(t, "GET", "/api/v2/tickets", lmToken(a.Admin))
			if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Rate-Limit-Remaining") != strconv.Itoa(5-i) {
				t.Fatalf("admin request %d: %d remaining %q %v", i, resp.StatusCode, resp.Header.Get("X-Rate-Limit-Remaining"), body)
			}
		}
		resp, _ = a.lmRequest(t, "GET", "/api/v2/tickets", lmToken(a.EndUser))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Rate-Limit-Remaining") != "4" {
			t.Errorf("end-user: %d remaining %q", resp.StatusCode, resp.Header.Get("X-Rate-Limit-Remaining"))
		}
		// A request that fails authentication is not counted against, nor
		// blocked by, the agent's quota: it is a 401.
		resp, _ = a.lmRequest(t, "GET", "/api/v2/tickets", lmBasic(a.Agent.Email+"/token", "wrong"))
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("bad token while the agent is limited: %d", resp.StatusCode)
		}
	})
}

func TestRateLimitWindowResets(t *testing.T) {
	for _, kind := range []string{"memory", "shared"} {
		t.Run(kind, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) { testRateLimitWindowResets(t, db, kind) })
		})
	}
}

func testRateLimitWindowResets(t *testing.T, db *store.DB, kind string) {
	clock := &lmClock{now: time.Date(2025, 4, 4, 9, 0, 0, 0, time.UTC)}
	var l ratelimit.Limiter = ratelimit.NewMemory(2, clock.Now)
	if kind == "shared" {
		l = ratelimit.NewShared(db, 2, clock.Now, nil)
	}
	a := newTestAPIWith(t, db, func(s *Server) { s.Limiter = l })
	for i := range 2 {
		if resp, body := a.lmRequest(t, "GET", "/api/v2/tickets", lmToken(a.Agent)); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %v", i+1, resp.StatusCode, body)
		}
	}
	clock.Advance(20 * time.Second)
	resp, _ := a.lmRequest(t, "GET", "/api/v2/tickets", lmToken(a.Agent))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "40" {
		t.Fatalf("limited: %d Retry-After %q, want 429 and 40", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	clock.Advance(40 * time.Second)
	resp, _ = a.lmRequest(t, "GET", "/api/v2/tickets", lmToken(a.Agent))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Rate-Limit-Remaining") != "1" {
		t.Errorf("after the window: %d remaining %q", resp.StatusCode, resp.Header.Get("X-Rate-Limit-Remaining"))
	}
}

func TestUnlimitedHasNoRateHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db) // Limiter 0: unlimited
		for range 10 {
			resp, _ := a.lmRequest(t, "GET", "/api/v2/tickets", lmToken(a.Agent))
			if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Rate-Limit") != "" {
				t.Fatalf("unlimited: %d X-Rate-Limit %q", resp.StatusCode, resp.Header.Get("X-Rate-Limit"))
			}
		}
	})
}

func TestAuthFailureThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPIWith(t, db, func(s *Server) { s.Limiter = NewLimiter(100) })

		// NewAuthThrottle allows 20 failures per IP in 5 minutes; every
		// request here comes from 127.0.0.1.
		for i := 1; i <= 20; i++ {
			resp, body := a.lmRequest(t, "GET", "/api/v2/tickets", lmBasic(a.Agent.Email+"/token", "guess-"+strconv.Itoa(i)))
			if resp.StatusCode != http.StatusUnauthorized || body["error"] != "Couldn't authenticate you" {
				t.Fatalf("bad token %d: %d %v", i, resp.StatusCode, body)
			}
			if resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("bad token %d: no WWW-Authenticate", i)
			}
		}
		resp, body := a.lmRequest(t, "GET", "/api/v2/tickets", lmBasic(a.Agent.Email+"/token", "guess-21"))
		if resp.StatusCode != http.StatusTooManyRequests || body["error"] != "TooManyRequests" {
			t.Fatalf("21st bad token: %d %v", resp.StatusCode, body)
		}
		lmRetryAfter(t, "blocked IP", resp, int((5 * time.Minute).Seconds()))

		// The throttle keys by client IP and is checked before the
		// credentials are looked at (so a blocked guesser cannot even test
		// one), hence a valid token from the same address is blocked too
		// until the block ends. That is what the code does on purpose: the
		// IP is all it knows about the guesser.
		for _, auth := range []string{lmToken(a.Agent), "Bearer " + a.Admin.Token, ""} {
			resp, body := a.lmRequest(t, "GET", "/api/v2/users/me", auth)
			if resp.StatusCode != http.StatusTooManyRequests {
				t.Errorf("valid credentials from the blocked IP (%.12s…): %d %v", auth, resp.StatusCode, body)
			}
			lmRetryAfter(t, "blocked IP, valid token", resp, int((5 * time.Minute).Seconds()))
		}
	})
}

func TestAuthSchemes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		for _, tc := range []struct {
			name   string
			header string
			want   int
		}{
			{"basic token", lmToken(a.Agent), http.StatusOK},
			{"basic token, email in capitals", lmBasic("AGENT@EXAMPLE.COM/token", a.Agent.Token), http.StatusOK},
			{"bearer", "Bearer " + a.Agent.Token, http.StatusOK},
			{"bearer, lower-case scheme", "bearer " + a.Admin.Token, http.StatusOK},
			{"bearer, end-user", "Bearer " + a.EndUser.Token, http.StatusOK},
			{"no header", "", http.StatusUnauthorized},
			{"basic password", lmBasic(a.Agent.Email, "correct horse battery staple"), http.StatusUnauthorized},
			{"basic password that is the token", lmBasic(a.Agent.Email, a.Agent.Token), http.StatusUnauthorized},
			{"basic token of another user", lmBasic(a.Admin.Email+"/token", a.Agent.Token), http.StatusUnauthorized},
			{"basic token, unknown email", lmBasic("nobody@example.com/token", a.Agent.Token), http.StatusUnauthorized},
			{"basic wrong token", lmBasic(a.Agent.Email+"/token", "nope"), http.StatusUnauthorized},
			{"basic empty token", lmBasic(a.Agent.Email+"/token", ""), http.StatusUnauthorized},
			{"basic email with NUL", lmBasic(a.Agent.Email+"\x00/token", a.Agent.Token), http.StatusUnauthorized},
			{"basic email with control", lmBasic("x\x01y/token", a.Agent.Token), http.StatusUnauthorized},
			{"basic email not UTF-8", lmBasic("\xff\xfe/token", a.Agent.Token), http.StatusUnauthorized},
			{"basic not base64", "Basic !!!", http.StatusUnauthorized},
			{"basic without colon", "Basic " + base64.StdEncoding.EncodeToString([]byte(a.Agent.Email+"/token")), http.StatusUnauthorized},
			{"bearer wrong", "Bearer nope", http.StatusUnauthorized},
			{"bearer empty", "Bearer ", http.StatusUnauthorized},
			{"bearer huge", "Bearer " + string(bytesOf('a', 600)), http.StatusUnauthorized},
			{"unknown scheme", "Token " + a.Agent.Token, http.StatusUnauthorized},
			{"raw token", a.Agent.Token, http.StatusUnauthorized},
		} {
			resp, body := a.lmRequest(t, "GET", "/api/v2/users/me.json", tc.header)
			if resp.StatusCode != tc.want {
				t.Errorf("%s: %d, want %d (%v)", tc.name, resp.StatusCode, tc.want, body)
				continue
			}
			if tc.want == http.StatusUnauthorized {
				if body["error"] != "Couldn't authenticate you" || resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s: %v, WWW-Authenticate %q", tc.name, body, resp.Header.Get("WWW-Authenticate"))
				}
				if _, ok := body["user"]; ok {
					t.Errorf("%s: 401 with a user", tc.name)
				}
			}
		}
		// Tokens authenticate as their own user.
		resp, body := a.lmRequest(t, "GET", "/api/v2/users/me", "Bearer "+a.EndUser.Token)
		if resp.StatusCode != http.StatusOK || pID(t, pObj(t, body, "user")) != a.EndUser.ID {
			t.Errorf("me via Bearer = %d %v", resp.StatusCode, body)
		}
		// A revoked token stops working.
		code, list := a.do(t, a.Agent, "GET", "/api/v2/api_tokens", nil)
		pStatus(t, "tokens", code, list, http.StatusOK)
		for _, tok := range pList(t, list, "api_tokens") {
			code, _ := a.do(t, a.Agent, "DELETE", "/api/v2/api_tokens/"+strconv.FormatInt(pID(t, tok), 10), nil)
			pStatus(t, "revoke", code, nil, http.StatusNoContent)
		}
		resp, _ = a.lmRequest(t, "GET", "/api/v2/users/me", "Bearer "+a.Agent.Token)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("revoked token: %d", resp.StatusCode)
		}
	})
}

func bytesOf(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

func TestUploadSizeLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db) // uploads up to 10 MiB
		resp, raw := a.request(t, a.Agent, "POST", "/api/v2/uploads?filename=big.bin", bytesOf('x', 10<<20+1))
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("over the limit: %d %s", resp.StatusCode, raw)
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil || body["error"] != "RequestTooLarge" {
			t.Errorf("over the limit: %s", raw)
		}
		resp, raw = a.request(t, a.Agent, "POST", "/api/v2/uploads?filename=big.bin", bytesOf('x', 10<<20))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("at the limit: %d %s", resp.StatusCode, raw)
		}
	})
}

// TestRateLimitStoreFailureIsNotABypass: when the shared limiter cannot
// count a request (its store fails), the request is not let through
// uncounted; it gets the generic 500 and no rate headers.
func TestRateLimitStoreFailureIsNotABypass(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		broken := storetest.SQLite(t)
		if _, err := broken.Exec(context.Background(), `DROP TABLE api_rate_windows`); err != nil {
			t.Fatal(err)
		}
		a := newTestAPIWith(t, db, func(s *Server) { s.Limiter = ratelimit.NewShared(broken, 5, nil, nil) })
		resp, body := a.lmRequest(t, "GET", "/api/v2/users/me", lmToken(a.Agent))
		if resp.StatusCode != http.StatusInternalServerError || body["error"] != "InternalError" {
			t.Fatalf("limiter failure: %d %v", resp.StatusCode, body)
		}
		if resp.Header.Get("X-Rate-Limit") != "" {
			t.Errorf("rate headers on a failed count: %q", resp.Header.Get("X-Rate-Limit"))
		}
	})
}
