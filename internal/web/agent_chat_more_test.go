package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/assign"
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

// chatFilePost sends the console's file form.
func (c *client) chatFilePost(path, fileName, content string) resp {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", c.csrf)
	fw, _ := mw.CreateFormFile("file", fileName)
	_, _ = io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// An agent sends a file from the console: it shows in the chat with a
// link to the attachment, the visitor gets it, other agents cannot send
// to this chat, and the hostile name is escaped.
func TestChatConsoleUpload(t *testing.T) {
	e := newEnv(t, "")
	_, s := chatFixture(t, e, "Vera", "Need the form")
	conv := s.Conversation.ID
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	if _, err := e.app.Assign.SetMine(as(e.agent), assign.Online); err != nil {
		t.Fatal(err)
	}
	if err := e.app.Chat.Accept(as(e.agent), conv); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/agent/chat?c=%d", conv)
	if r := ag.get(path); !strings.Contains(r.Body, `id="chat-upload"`) || !strings.Contains(r.Body, `enctype="multipart/form-data"`) {
		t.Fatal("no file form on the chat page")
	}
	up := fmt.Sprintf("/agent/chat/%d/upload", conv)
	if r := ag.chatFilePost(up, `<img src=x onerror=alert(1)>.txt`, "the form"); r.Status != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	r := ag.get(path)
	m := attachmentLink.FindStringSubmatch(r.Body)
	if m == nil || strings.Contains(r.Body, "<img src=x") || !strings.Contains(r.Body, "&lt;img src=x onerror=alert(1)&gt;.txt") {
		t.Fatalf("chat page: no attachment link or the name is not escaped")
	}
	if r := ag.get("/attachments/" + m[1]); r.Status != 200 || r.Body != "the form" {
		t.Fatalf("agent opens the file: %d %q", r.Status, r.Body)
	}
	v, err := e.app.Chat.Authenticate(context.Background(), s.Token, chatOrigin)
	if err != nil {
		t.Fatal(err)
	}
	view, _ := e.app.Chat.VisitorView(context.Background(), v, 0)
	last := view.Messages[len(view.Messages)-1]
	if last.Data == nil || strconv.FormatInt(last.Data.AttachmentID, 10) != m[1] {
		t.Fatalf("the visitor's chat lacks the file: %+v", last)
	}
	other := e.client()
	other.signIn("/agent/signin", e.agent2.Email)
	if r := other.chatFilePost(up, "x.txt", "x"); r.Status != http.StatusForbidden {
		t.Fatalf("another agent's upload: %d", r.Status)
	}
	cu := e.client()
	cu.signIn("/signin", e.customer.Email)
	if r := cu.get("/attachments/" + m[1]); r.Status == 200 {
		t.Fatalf("another customer opened the chat's file")
	}
}
