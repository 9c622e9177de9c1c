package chatweb_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// /chat/start and /chat/message spend one per-IP budget; a spent one gets
// a 429 with Retry-After.
func TestStartAndMessageBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := newInstance(t, db, events.New())
		in.makeKey(t)
		in.svc.StartsPerMinute = 2
		in.start(t, "vera@example.com")
		form := `{"name":"Vera","email":"vera@example.com","question":"Call me back"}`
		if res, out := in.post(t, "message", in.keyK, origin, "", form); res.StatusCode != 200 {
			t.Fatalf("message: %d %v", res.StatusCode, out)
		}
		for _, op := range []string{"message", "start"} {
			res, out := in.post(t, op, in.keyK, origin, "", form)
			secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
			if res.StatusCode != 429 || out["error"] != "too_many" || err != nil || secs < 1 || secs > 60 {
				t.Fatalf("%s past the budget: %d %v, Retry-After %q", op, res.StatusCode, out, res.Header.Get("Retry-After"))
			}
		}
	})
}

// /chat/transcript mails the caller's chat to its pre-chat address: an
// address in the request changes nothing (no open relay), a second request
// at once gets 429 with Retry-After, and no token gets nothing.
func TestTranscriptEndpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := newInstance(t, db, events.New())
		in.makeKey(t)
		ob := outbox.New(db, box)
		in.svc.Outbox = ob
		tok, _ := in.start(t, "vera@example.com")
		if res, _ := in.post(t, "transcript", in.keyK, origin, "", `{}`); res.StatusCode != 401 {
			t.Fatalf("no token: %d", res.StatusCode)
		}
		res, out := in.post(t, "transcript", in.keyK, origin, tok, `{"to":"evil@attacker.example","email":"evil@attacker.example"}`)
		if res.StatusCode != 200 || out["to"] != "v***@example.com" {
			t.Fatalf("transcript: %d %v", res.StatusCode, out)
		}
		res, out = in.post(t, "transcript", in.keyK, origin, tok, `{}`)
		if res.StatusCode != 429 || out["error"] != "too_many" || res.Header.Get("Retry-After") == "" {
			t.Fatalf("again at once: %d %v", res.StatusCode, out)
		}
		ctx := context.Background()
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			since := time.Now().Add(-time.Hour)
			evil, err := ob.CountSinceTx(ctx, tx, "evil@attacker.example", chat.KindTranscript, since)
			if err != nil {
				return err
			}
			vera, err := ob.CountSinceTx(ctx, tx, "vera@example.com", chat.KindTranscript, since)
			if evil != 0 || vera != 1 {
				t.Errorf("queued: evil %d, vera %d", evil, vera)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// /chat/file gives the visitor a file of their chat as a download, with
// their token only.
func TestFileDownload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		in := newInstance(t, db, events.New())
		in.makeKey(t)
		ag := in.agent(t, "anna@desk.test")
		tok, conv := in.start(t, "vera@example.com")
		tok2, _ := in.start(t, "bob@example.com")
		actx := desk.WithPrincipal(context.Background(), ag)
		if err := in.svc.Accept(actx, conv); err != nil {
			t.Fatal(err)
		}
		m, err := in.svc.AgentUpload(actx, conv, `C:\temp\<b>invoice</b>.pdf`, strings.NewReader("%PDF-1.4 invoice"))
		if err != nil {
			t.Fatal(err)
		}
		get := func(tok string, id int64) (*http.Response, string) {
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/chat/file?key=%s&id=%d", in.srv.URL, in.keyK, id), nil)
			req.Header.Set("Origin", origin)
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res, string(b)
		}
		res, body := get(tok, m.ID)
		if res.StatusCode != 200 || body != "%PDF-1.4 invoice" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") ||
			res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Access-Control-Allow-Origin") != origin {
			t.Fatalf("download: %d %q %v", res.StatusCode, body, res.Header)
		}
		if res, _ := get(tok2, m.ID); res.StatusCode != 404 {
			t.Fatalf("another chat's token: %d", res.StatusCode)
		}
		if res, _ := get("", m.ID); res.StatusCode != 401 {
			t.Fatalf("no token: %d", res.StatusCode)
		}
	})
}
