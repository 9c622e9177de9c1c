package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/settings"
)

// The admin chat page sets how long an ended chat's visitor token lasts,
// within its bounds.
func TestChatAdminTokenDays(t *testing.T) {
	e := newEnv(t, "")
	ad := e.client()
	ad.signIn("/agent/signin", e.admin.Email)
	r := ad.get("/agent/admin/chat")
	if !strings.Contains(r.Body, `id="chat-token-days"`) || !strings.Contains(r.Body, `value="30"`) {
		t.Fatalf("admin chat page lacks the token lifetime (default 30)")
	}
	form := url.Values{"max_chats": {"3"}, "routing": {"broadcast"}, "wait_seconds": {"120"}, "token_days": {"0"}}
	if r := ad.post("/agent/admin/chat/settings", form); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("token_days 0: %d", r.Status)
	}
	form.Set("token_days", "45")
	if r := ad.post("/agent/admin/chat/settings", form); r.Status != http.StatusSeeOther {
		t.Fatalf("token_days 45: %d %s", r.Status, r.Body)
	}
	if n, err := settings.ChatTokenDays.Get(e.sys, settings.New(e.app.DB, nil)); err != nil || n != 45 {
		t.Fatalf("chat.visitor_token_days = %d, %v", n, err)
	}
}
