package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/store"
)

// TestBrowserChatFilesAndTranscript: an agent sends a file from the
// console; the visitor sees it in the widget and downloads it with their
// token (the bytes arrive as a blob, never as a page); the visitor asks
// for the transcript by email and it is queued to the pre-chat address.
// The console and the widget stay accessible with the new controls, and
// the hostile file name runs nothing.
func TestBrowserChatFilesAndTranscript(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	var key string
	site := shopSite(t, e.base, &key)
	key = e.shopKey(site, chat.KeyInput{})
	// The agent is online (signed in, available) before the visitor comes.
	ag := b.tab("agent")
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	if _, err := e.app.Assign.SetMine(as(e.agent), assign.Online); err != nil {
		t.Fatal(err)
	}

	vi := b.tab("visitor")
	vi.openWidget(site.URL + "/")
	vi.submitForm("Vera", "vera@example.com", "Please send the manual")
	vi.waitWidget("Waiting for an agent")
	conv := e.acceptQueued()
	vi.waitWidget("joined the chat")

	ag.open(fmt.Sprintf("%s/agent/chat?c=%d", e.base, conv))
	ag.waitText("Please send the manual")
	name := `<img src=x onerror=alert(1)>manual.txt`
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, []byte("the manual, page 1"), 0o600); err != nil {
		t.Fatal(err)
	}
	ag.do(chromedp.SetUploadFiles(chromedp.CSS(`#chat-file`), []string{file}))
	ag.do(chromedp.Click(chromedp.CSS(`#chat-upload button[type="submit"]`)))
	ag.waitJS(`!!document.querySelector("#chat-log a.chat-file")`, "the file's link in the console")
	ag.accessible("the chat console with a file")

	// The widget shows it; the visitor downloads it with the token.
	vi.waitWidget("Download " + name)
	vi.eval(`window.__got = ""; const o = URL.createObjectURL; URL.createObjectURL = function (b) { b.text().then(t => { window.__got = t; }); return o.call(URL, b); }; ""`)
	vi.eval(w(`[...R.querySelectorAll("button.lnk")].find(b => b.textContent.startsWith("Download")).click(); return "";`))
	vi.waitJS(`window.__got === "the manual, page 1"`, "the downloaded file")
	vi.widgetAccessible("the chat with a file and the transcript button")

	// The transcript by email.
	vi.eval(w(`[...R.querySelectorAll("button.lnk")].find(b => b.textContent === "Email me the transcript").click(); return "";`))
	vi.waitWidget("The transcript is on its way to v***@example.com.")
	ctx := context.Background()
	var n int
	if err := e.app.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = e.app.Outbox.CountSinceTx(ctx, tx, "vera@example.com", chat.KindTranscript, time.Now().Add(-time.Hour))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d transcripts queued for the pre-chat address", n)
	}
	vi.noScriptRan("the widget")
	ag.noScriptRan("the chat console")
}
