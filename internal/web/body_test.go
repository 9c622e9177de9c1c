package web_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frontdesk/frontdesk/internal/server"
)

// countingBody counts the bytes a handler reads from a request body.
type countingBody struct {
	r io.Reader
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *countingBody) Close() error { return nil }

// bigMultipart is a multipart form: the fields in order (csrf_token first
// when given, as our forms put it), then one file of size bytes — larger
// than what is kept in memory, so that parsing it spools a temporary file.
func bigMultipart(t *testing.T, size int, fields ...string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("attachments", "big.bin")
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	for written := 0; written < size; written += len(chunk) {
		_, _ = fw.Write(chunk)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// multipartTempFiles lists the multipart-* files in dir.
func multipartTempFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "multipart-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// direct sends req straight to a fresh handler of the app (no listener), as
// client c (its cookies), and returns the response and the body bytes read.
func (e *env) direct(h http.Handler, c *client, method, path, contentType string, body []byte, hdr ...string) (*httptest.ResponseRecorder, int64) {
	e.t.Helper()
	cb := &countingBody{r: bytes.NewReader(body)}
	req := httptest.NewRequest(method, path, nil)
	req.Body = cb
	req.ContentLength = int64(len(body))
	req.RemoteAddr = "127.0.0.1:40000"
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if c != nil {
		u, _ := url.Parse(e.base)
		for _, ck := range c.hc.Jar.Cookies(u) {
			req.AddCookie(ck)
		}
	}
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, req)
	return rr, cb.n
}

// TestMultipartBodiesLeaveNoTempFiles is the regression test for the
// anonymous disk exhaustion: a multipart body posted to /signin (or to an
// upload route with a bad CSRF token) was parsed before any check, on a copy
// of the request that net/http never cleaned up, so a multipart-* file of
// the upload's size stayed in the temporary directory every time.
func TestMultipartBodiesLeaveNoTempFiles(t *testing.T) {
	e := newEnv(t, "", func(c *server.Config) { c.WebFormRateLimit = 3 })
	tk := e.ticketFor(e.customer, "Upload target", "Send me the logs")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	h := e.app.Handler(prometheus.NewRegistry())

	anon := e.client()
	anon.get("/")
	cust := e.client()
	cust.signIn("/signin", e.customer.Email)
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)

	const size = 9 << 20 // above the in-memory share (it was 8 MiB): parsing it spools a file
	const small = 64<<10 + 16<<10
	reply := fmt.Sprintf("/requests/%d/reply", tk.ID)
	checkClean := func(what string) {
		t.Helper()
		if files := multipartTempFiles(t, tmp); len(files) != 0 {
			t.Fatalf("%s: temporary files left behind: %v", what, files)
		}
	}

	// Routes that take no files refuse a multipart body unread.
	for _, tc := range []struct {
		c    *client
		path string
	}{{anon, "/signin"}, {anon, "/password/forgot"}, {anon, "/signup"}, {ag, fmt.Sprintf("/agent/users/%d/notes", e.customer.ID)},
		{ag, fmt.Sprintf("/agent/tickets/%d/presence", tk.ID)}} {
		body, ct := bigMultipart(t, size, "csrf_token", tc.c.csrf, "email", "x@example.com")
		rr, read := e.direct(h, tc.c, "POST", tc.path, ct, body)
		if rr.Code != http.StatusUnsupportedMediaType {
			t.Errorf("POST %s multipart: %d, want 415", tc.path, rr.Code)
		}
		if read != 0 {
			t.Errorf("POST %s multipart: read %d bytes of the body, want none", tc.path, read)
		}
		checkClean("POST " + tc.path)
	}

	// app.js posts presence as URLSearchParams (fetch and sendBeacon send
	// it with a charset parameter), not FormData.
	pres := url.Values{"csrf_token": {ag.csrf}, "typing": {"1"}}
	if rr, _ := e.direct(h, ag, "POST", fmt.Sprintf("/agent/tickets/%d/presence", tk.ID), "application/x-www-form-urlencoded;charset=UTF-8",
		[]byte(pres.Encode()), "X-CSRF-Token", ag.csrf); rr.Code != http.StatusNoContent {
		t.Errorf("presence as the script sends it: %d", rr.Code)
	}

	// GET never reads a body, even one a page's FormValue would have parsed.
	body, ct := bigMultipart(t, size, "return", "/x")
	if rr, read := e.direct(h, anon, "GET", "/signin?return=/requests", ct, body); rr.Code != 200 || read != 0 {
		t.Errorf("GET /signin with a multipart body: %d, read %d", rr.Code, read)
	}
	checkClean("GET /signin")

	// Upload routes with a bad CSRF token: 403 after reading no more than
	// the form's head.
	for _, tc := range []struct {
		c    *client
		path string
	}{{anon, "/requests/new"}, {cust, reply}, {ag, "/agent/tickets/new"}, {ag, fmt.Sprintf("/agent/tickets/%d", tk.ID)}} {
		for _, fields := range [][]string{{"csrf_token", "forged", "body", "x"}, {"body", "x"}} {
			body, ct := bigMultipart(t, size, fields...)
			rr, read := e.direct(h, tc.c, "POST", tc.path, ct, body)
			if rr.Code != http.StatusForbidden {
				t.Errorf("POST %s (fields %v): %d, want 403", tc.path, fields, rr.Code)
			}
			if read > small {
				t.Errorf("POST %s (fields %v): read %d bytes before refusing, want at most %d", tc.path, fields, read, small)
			}
			checkClean("POST " + tc.path + " with a bad token")
		}
	}

	// A valid anonymous token does not open a signed-in route: sign in
	// first, and the files stay unread.
	body, ct = bigMultipart(t, size, "csrf_token", anon.csrf, "body", "x")
	if rr, read := e.direct(h, anon, "POST", reply, ct, body); rr.Code != http.StatusSeeOther || read > small {
		t.Errorf("anonymous reply: %d, read %d", rr.Code, read)
	}
	checkClean("anonymous reply")

	// The head of a form is small: fields before the token beyond 64 KiB
	// are refused.
	body, ct = bigMultipart(t, 0, "body", strings.Repeat("x", 100<<10), "csrf_token", anon.csrf)
	if rr, read := e.direct(h, anon, "POST", "/requests/new", ct, body); rr.Code != http.StatusRequestEntityTooLarge || read > small {
		t.Errorf("oversized head: %d, read %d", rr.Code, read)
	}

	// Anonymous URL-encoded forms are small too.
	form := url.Values{"csrf_token": {anon.csrf}, "email": {"x@example.com"}, "password": {strings.Repeat("p", 100<<10)}}
	if rr, read := e.direct(h, anon, "POST", "/signin", "application/x-www-form-urlencoded", []byte(form.Encode())); rr.Code != http.StatusRequestEntityTooLarge || read > small {
		t.Errorf("oversized anonymous form: %d, read %d", rr.Code, read)
	}

	// The upload routes still work, and leave nothing behind.
	body, ct = bigMultipart(t, size, "csrf_token", cust.csrf, "body", "Here are the logs")
	rr, read := e.direct(h, cust, "POST", reply, ct, body)
	if rr.Code != http.StatusSeeOther || read != int64(len(body)) {
		t.Fatalf("customer reply with a file: %d %q, read %d of %d", rr.Code, rr.Header().Get("Location"), read, len(body))
	}
	checkClean("customer reply")
	cs, _, err := e.app.Tickets.Comments(as(e.agent), tk.ID, 0, 10, false)
	if err != nil {
		t.Fatal(err)
	}
	if last := cs[len(cs)-1]; last.Body != "Here are the logs" || len(last.Attachments) != 1 || last.Attachments[0].Size < size {
		t.Fatalf("the reply's attachment did not arrive: %+v", last)
	}
	// The token may also come as a header (fetch), with the file first.
	body, ct = bigMultipart(t, size, "body", "note with a file", "public", "0")
	if rr, _ := e.direct(h, ag, "POST", fmt.Sprintf("/agent/tickets/%d", tk.ID), ct, body, "X-CSRF-Token", ag.csrf); rr.Code != http.StatusSeeOther {
		t.Fatalf("agent note with a file: %d", rr.Code)
	}
	checkClean("agent note")
	// A handler that fails after reading the files leaves nothing either.
	body, ct = bigMultipart(t, size, "csrf_token", anon.csrf, "name", "Pat")
	if rr, _ := e.direct(h, anon, "POST", "/requests/new", ct, body); rr.Code != http.StatusUnprocessableEntity {
		t.Fatalf("web form without email: %d", rr.Code)
	}
	checkClean("failed web form")

	// The anonymous web form's upload limit counts against its per-IP rate
	// limit (3 here, one used above): over it, the files are not read.
	for i := range 3 {
		body, ct = bigMultipart(t, size, "csrf_token", anon.csrf, "name", "Pat", "email", "pat@example.com", "description", "q")
		rr, read := e.direct(h, anon, "POST", "/requests/new", ct, body)
		switch {
		case i < 2 && rr.Code != http.StatusSeeOther:
			t.Fatalf("web form %d: %d", i, rr.Code)
		case i == 2 && (rr.Code != http.StatusTooManyRequests || read > small):
			t.Fatalf("web form over the limit: %d, read %d", rr.Code, read)
		}
	}
	checkClean("web form")
	if _, err := os.Stat(tmp); err != nil {
		t.Fatal(err)
	}
}
