package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

// TestBrowserWebhookAdmin: an admin allows private addresses (the
// receiver runs on this machine), adds a webhook with a bearer token,
// sends a signed test request, watches the webhook switch itself off
// after deliveries fail again and again (the page says why), and turns it
// back on. Every page passes the accessibility check, in English and
// Polish. Runs on every store.
func TestBrowserWebhookAdmin(t *testing.T) {
	for name, u := range stores(t) {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			e := newEnv(t, u)
			var mu sync.Mutex
			status, got := http.StatusOK, []*http.Request{}
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				defer mu.Unlock()
				r.Body = io.NopCloser(strings.NewReader(string(body)))
				r.Header.Set("X-Body", string(body))
				got = append(got, r)
				w.WriteHeader(status)
				io.WriteString(w, "received")
			}))
			defer recv.Close()

			ad := b.tab("admin")
			ad.signIn(e.base, "/agent/signin", e.admin.Email)
			ad.open(e.base + "/agent/admin/webhooks")
			ad.waitText("Add a webhook")
			ad.accessible("the webhooks page")
			ad.do(
				chromedp.Click(chromedp.CSS(`input[name=allow_private]`)),
				chromedp.Click(chromedp.CSS(`form[action="/agent/admin/webhooks/private"] button`)),
			)
			// Wait for the saved page (the box is ticked before it is sent).
			ad.waitURL(`location.search.includes("m=updated") && document.querySelector("input[name=allow_private]").checked`, "private addresses allowed")
			if on, err := e.app.Webhooks.AllowPrivate(e.sys); err != nil || !on {
				t.Fatalf("the setting was not saved: %v %v", on, err)
			}
			ad.do(
				chromedp.SetValue(chromedp.CSS(`#wh-name`), "Ops bridge"),
				chromedp.SetValue(chromedp.CSS(`#wh-endpoint`), recv.URL+"/hook"),
				chromedp.Click(chromedp.CSS(`input[name=subscriptions][value="conditional_ticket_events"]`)),
				chromedp.SetValue(chromedp.CSS(`#wh-auth`), "bearer_token"),
				chromedp.SetValue(chromedp.CSS(`#wh-secret`), "tok-Zażółć"),
				chromedp.Click(chromedp.CSS(`form[action="/agent/admin/webhooks"] button.primary`)),
			)
			ad.waitText("Webhook Ops bridge")
			ad.accessible("the webhook page")
			hooks, err := e.app.Webhooks.List(e.sys, webhook.ListFilter{})
			if err != nil || len(hooks) != 1 || hooks[0].Authentication.Type != webhook.AuthBearer || !hooks[0].Conditional() {
				t.Fatalf("created %+v %v", hooks, err)
			}
			wid := strconv.FormatInt(hooks[0].ID, 10)
			if v := ad.eval(`document.querySelector("#wh-secret").value`); v != "" {
				t.Fatalf("the edit page fills in the token: %q", v)
			}

			ad.do(chromedp.Click(chromedp.CSS(`form[action="/agent/admin/webhooks/` + wid + `/test"] button`)))
			ad.waitText("The endpoint answered HTTP 200")
			ad.accessible("the webhook page with a test result")
			secret, _ := e.app.Webhooks.SigningSecret(e.sys, hooks[0].ID)
			mu.Lock()
			if len(got) != 1 || got[0].Header.Get("Authorization") != "Bearer tok-Zażółć" ||
				webhook.Verify(secret, got[0].Header, []byte(got[0].Header.Get("X-Body")), time.Now(), 0) != nil {
				t.Fatalf("test request %v", got)
			}
			// Every delivery now fails for good (a 400 is not retried):
			// after five in a row the webhook turns itself off.
			status = http.StatusBadRequest
			mu.Unlock()
			for range 5 {
				if err := e.app.DB.InTx(e.sys, func(tx *store.Tx) error {
					return e.app.Webhooks.EnqueueTx(e.sys, tx, hooks[0].ID, 0, `{"n":1}`, "trigger:1")
				}); err != nil {
					t.Fatal(err)
				}
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				w, err := e.app.Webhooks.Get(e.sys, hooks[0].ID)
				if err != nil {
					t.Fatal(err)
				}
				if w.Status == webhook.StatusInactive {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("still active: %+v", w)
				}
				time.Sleep(50 * time.Millisecond)
			}
			ad.open(e.base + "/agent/admin/webhooks/" + wid)
			ad.waitText("Turned off after repeated failed deliveries.")
			ad.waitText("HTTP 400")
			ad.accessible("the webhook page of a disabled webhook")
			ad.do(chromedp.Click(chromedp.CSS(`form[action="/agent/admin/webhooks/` + wid + `/status"] button`)))
			ad.waitText("This webhook is active.")
			if w, _ := e.app.Webhooks.Get(e.sys, hooks[0].ID); w.Status != webhook.StatusActive || w.ConsecutiveFailures != 0 {
				t.Fatalf("re-enabled %+v", w)
			}

			// An agent without manage_business_rules is turned away.
			ag := b.tab("agent")
			ag.signIn(e.base, "/agent/signin", e.agent.Email)
			ag.open(e.base + "/agent/admin/webhooks")
			ag.waitJS(`document.readyState === "complete"`, "the page loaded")
			if strings.Contains(ag.text(), "Add a webhook") {
				t.Fatal("an agent sees the webhooks page")
			}

			// The same pages in Polish.
			pl := b.tab("admin-pl")
			if _, err := e.app.People.UpdateUser(e.sys, e.admin.ID, people.UserInput{Locale: ptr("pl")}); err != nil {
				t.Fatal(err)
			}
			pl.signIn(e.base, "/agent/signin", e.admin.Email)
			for _, p := range []string{"/agent/admin/webhooks", "/agent/admin/webhooks/" + wid} {
				pl.do(chromedp.Navigate(e.base + p))
				pl.waitJS(`document.readyState === "complete"`, "the page loaded")
				pl.waitJS(`document.documentElement.lang === "pl"`, "Polish")
				pl.accessible(p)
			}
			ad.noScriptRan("the webhook pages")
			pl.noScriptRan("the webhook pages in Polish")
		})
	}
}
