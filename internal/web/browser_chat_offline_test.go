package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// TestBrowserChatOfflineMessageToEmail: with nobody online the widget is a
// message form; the message becomes a chat ticket, and the agent's reply
// in the workspace reaches the visitor by email, delivered to a real SMTP
// relay (go-smtp) by the server's own outbox, without waiting for the
// scheduled delivery round.
func TestBrowserChatOfflineMessageToEmail(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	relay := mailtest.StartSMTP(t, nil, "relay", "pa55-relay")
	if _, err := e.app.Mailboxes.Create(as(e.admin), mailbox.Input{Address: ptr("help@shop.example.com"), Name: ptr("Shop help"),
		SMTPHost: ptr(relay.Host), SMTPPort: ptr(relay.Port), SMTPSecurity: ptr("none"),
		SMTPUsername: ptr("relay"), SMTPSecret: ptr("pa55-relay")}); err != nil {
		t.Fatal(err)
	}
	var key string
	site := shopSite(t, e.base, &key)
	key = e.shopKey(site, chat.KeyInput{})

	// Nobody is online: the widget offers to leave a message.
	vi := b.tab("visitor")
	vi.openWidget(site.URL + "/")
	vi.waitWidget("No one is available right now")
	vi.widgetAccessible("the message form")
	vi.submitForm("Olga", "olga@example.com", "My parcel 4471 never came <b>bold</b>")
	vi.waitWidget("Thank you. We will reply to you by email.")
	vi.noScriptRan("the widget")

	// The message is a chat ticket from Olga.
	olga, err := e.app.People.UserByEmail(e.sys, "olga@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tks, _, err := e.app.Tickets.List(e.sys, ticket.ListFilter{RequesterID: olga.ID})
	if err != nil || len(tks) != 1 || tks[0].Via.Channel != "chat" {
		t.Fatalf("tickets of the visitor: %+v %v", tks, err)
	}
	tk := tks[0]
	comments, _, err := e.app.Tickets.Comments(e.sys, tk.ID, 0, 10, false)
	if err != nil || len(comments) == 0 || !strings.Contains(comments[0].Body, "My parcel 4471 never came") {
		t.Fatalf("the message on the ticket: %+v %v", comments, err)
	}

	// The agent answers in the workspace; the answer goes out by email.
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	if r := ag.post(fmt.Sprintf("/agent/tickets/%d", tk.ID), url.Values{"body": {"It left our depot today: tracking 4471-X."}, "public": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reply: %d %s", r.Status, r.Body)
	}
	// Queued mail is sent at once (the outbox kicks a delivery round), not
	// at the next 30-second round.
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, m := range relay.Mails() {
			if len(m.To) != 1 || m.To[0] != "olga@example.com" {
				continue
			}
			msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			body.ReadFrom(msg.Body)
			if strings.Contains(body.String(), "tracking 4471-X") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reply by email to the visitor; the relay got %d mails", len(relay.Mails()))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
