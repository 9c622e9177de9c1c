package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/server"
)

const inboundSecret = "inbound-secret-0123456789abcdef"

func postMail(t *testing.T, url, auth, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/inbound/email", strings.NewReader(body))
	req.Header.Set("Content-Type", "message/rfc822")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestInboundEndpoint: POST /inbound/email takes raw MIME with the secret,
// refuses anyone else and oversized mail, and dedupes by Message-ID.
func TestInboundEndpoint(t *testing.T) {
	app, url, cancel, done := start(t, "", func(c *server.Config) { c.InboundSecret, c.MailMaxBytes = inboundSecret, 64<<10 })
	defer func() { cancel(); <-done }()
	raw := "From: Ola <ola@klient.example>\r\nTo: help@example.com\r\nSubject: Przez HTTP\r\nMessage-ID: <h1@klient.example>\r\n\r\nTreść\r\n"
	if code, body := postMail(t, url, "Bearer "+inboundSecret, raw); code != http.StatusUnprocessableEntity {
		t.Fatalf("without a support address: %d %v", code, body)
	}
	addr := "help@example.com"
	if _, err := app.Mailboxes.Create(desk.SystemContext(context.Background()), mailbox.Input{Address: &addr}); err != nil {
		t.Fatal(err)
	}
	for _, auth := range []string{"", "Bearer wrong-secret-0123456789abcdef", "Basic " + inboundSecret} {
		if code, _ := postMail(t, url, auth, raw); code != http.StatusUnauthorized {
			t.Fatalf("auth %q: %d", auth, code)
		}
	}
	code, body := postMail(t, url, "Bearer "+inboundSecret, raw)
	if code != http.StatusCreated || body["outcome"] != "created" || body["ticket_id"] == nil {
		t.Fatalf("created: %d %v", code, body)
	}
	if code, body := postMail(t, url, "Bearer "+inboundSecret, raw); code != http.StatusOK || body["outcome"] != "duplicate" {
		t.Fatalf("again: %d %v", code, body)
	}
	if code, body := postMail(t, url, "Bearer "+inboundSecret, raw+strings.Repeat("x", 70<<10)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("too large: %d %v", code, body)
	}
	if code, body := postMail(t, url, "Bearer "+inboundSecret, "\x00\xff garbage"); code >= 500 {
		t.Fatalf("garbage: %d %v", code, body)
	}
}

func TestInboundEndpointOffWithoutSecret(t *testing.T) {
	_, url, cancel, done := start(t, "")
	defer func() { cancel(); <-done }()
	if code, _ := postMail(t, url, "Bearer "+inboundSecret, "From: a@b.example\r\n\r\nx"); code == http.StatusOK || code == http.StatusCreated {
		t.Fatalf("served without a secret: %d", code)
	}
}
