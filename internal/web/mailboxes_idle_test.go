package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/channel/email/imapin"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailtest"
)

// TestMailboxPageShowsIdlePush: while an IDLE watch pushes a support
// address's mail, its admin page says so (English and Polish); once the
// watch stops, it does not.
func TestMailboxPageShowsIdlePush(t *testing.T) {
	e := newEnv(t, "")
	srv := mailtest.StartIMAP(t, nil, "help", "imap-Secret-1")
	addr, none, user, pass := "help@example.com", "none", "help", "imap-Secret-1"
	m, err := e.app.Mailboxes.Create(e.sys, mailbox.Input{Address: &addr, IMAPHost: &srv.Host, IMAPPort: &srv.Port, IMAPSecurity: &none, IMAPUsername: &user, IMAPSecret: &pass})
	if err != nil {
		t.Fatal(err)
	}
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	if page := ad.get("/agent/admin/mailboxes").Body; strings.Contains(page, "IMAP IDLE") {
		t.Fatal("push shown with no watch running")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	w := &imapin.Watcher{Poller: e.app.IMAP, Holder: "web-test", Rescan: 50 * time.Millisecond}
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if st, err := e.app.IMAP.State(context.Background(), m.ID); err == nil && st.Idling(time.Now()) {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the watch never idled")
		}
	}
	if page := ad.get("/agent/admin/mailboxes").Body; !strings.Contains(page, "new mail arrives at once (IMAP IDLE)") {
		t.Fatal("the push is not shown")
	}
	if page := ad.get("/agent/admin/mailboxes", "Accept-Language", "pl").Body; !strings.Contains(page, "nowa poczta przychodzi od razu") {
		t.Fatal("the push is not shown in Polish")
	}
	cancel()
	<-done
	if page := ad.get("/agent/admin/mailboxes").Body; strings.Contains(page, "IMAP IDLE") {
		t.Fatal("push still shown after the watch stopped")
	}
}
