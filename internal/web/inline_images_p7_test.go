package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/channel/email/mailbox"
)

// inlineImageMail is an Apple Mail-shaped HTML message from the customer
// with a pasted screenshot (multipart/related, cid:) and a remote tracking
// pixel; it returns the message and the image's bytes.
func inlineImageMail(t *testing.T, from string) ([]byte, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		for y := 0; y < 30; y++ {
			img.Set(x, y, color.RGBA{R: 200, G: uint8(8 * y), B: uint8(6 * x), A: 255})
		}
	}
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(pngData.Bytes())
	var wrapped strings.Builder
	for len(b64) > 76 {
		wrapped.WriteString(b64[:76] + "\r\n")
		b64 = b64[76:]
	}
	wrapped.WriteString(b64 + "\r\n")
	raw := strings.ReplaceAll(`From: `+from+`
Content-Type: multipart/alternative; boundary="Apple-Mail=_OUTER"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \(3731.700.6\))
Subject: Screenshot of the error
Message-Id: <9C1D2E3F-0000-4A4A-9B9B-ABCDEF012345@example.com>
Date: Mon, 30 Nov 2026 09:12:00 +0100
To: help@example.com

--Apple-Mail=_OUTER
Content-Transfer-Encoding: 7bit
Content-Type: text/plain; charset=us-ascii

The export fails, see the screenshot.

--Apple-Mail=_OUTER
Content-Type: multipart/related; type="text/html"; boundary="Apple-Mail=_INNER"

--Apple-Mail=_INNER
Content-Transfer-Encoding: 7bit
Content-Type: text/html; charset=us-ascii

<html><head></head><body><div>The export fails, see the screenshot.</div><div><img apple-inline="yes" id="A1" src="cid:0D3B7C11-2F4E-4A5B-9C6D-7E8F90A1B2C3" alt="screenshot"></div><img src="https://tracker.example/pixel.gif" width="1" height="1"></body></html>
--Apple-Mail=_INNER
Content-Transfer-Encoding: base64
Content-Disposition: inline; filename=screenshot.png
Content-Type: image/png; x-unix-mode=0644; name="screenshot.png"
Content-Id: <0D3B7C11-2F4E-4A5B-9C6D-7E8F90A1B2C3>

`, "\n", "\r\n") + wrapped.String() + "--Apple-Mail=_INNER--\r\n\r\n--Apple-Mail=_OUTER--\r\n"
	return []byte(raw), pngData.Bytes()
}

var inlineImgRE = regexp.MustCompile(`<img[^>]*src="(/attachments/(\d+))"`)

// TestInlineMailImages: the agent's ticket page and the customer's request
// page show a mailed inline image from its attachment URL, which serves the
// image to them and to nobody else; the remote pixel stays out (p7-ingest).
func TestInlineMailImages(t *testing.T) {
	e := newEnv(t, "")
	addr := "help@example.com"
	if _, err := e.app.Mailboxes.Create(e.sys, mailbox.Input{Address: &addr}); err != nil {
		t.Fatal(err)
	}
	raw, img := inlineImageMail(t, e.customer.Email)
	res, err := e.app.Inbound.Ingest(context.Background(), ingest.Delivery{}, bytes.NewReader(raw))
	if err != nil || res.Outcome != ingest.Created {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	ag := e.client()
	ag.signIn("/agent/signin", e.agent.Email)
	page := ag.get(fmt.Sprintf("/agent/tickets/%d", res.TicketID))
	m := inlineImgRE.FindStringSubmatch(page.Body)
	if page.Status != http.StatusOK || m == nil || strings.Contains(page.Body, "tracker.example") || strings.Contains(page.Body, "cid:") {
		t.Fatalf("agent page %d, inline image %v", page.Status, m)
	}
	src := m[1]
	if r := ag.get(src); r.Status != http.StatusOK || r.Body != string(img) || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("agent image: %d %s, %d bytes", r.Status, r.Header.Get("Content-Type"), len(r.Body))
	}
	cu := e.client()
	cu.signIn("/signin", e.customer.Email)
	if r := cu.get(fmt.Sprintf("/requests/%d", res.TicketID)); r.Status != http.StatusOK || !strings.Contains(r.Body, `src="`+src+`"`) {
		t.Fatalf("request page %d without the image", r.Status)
	}
	if r := cu.get(src); r.Status != http.StatusOK || r.Body != string(img) {
		t.Fatalf("requester image: %d", r.Status)
	}
	other := e.client()
	other.signIn("/signin", e.customer2.Email)
	if r := other.get(src); r.Status != http.StatusNotFound {
		t.Fatalf("another customer fetches the image: %d", r.Status)
	}
	if r := e.client().get(src); r.Status == http.StatusOK {
		t.Fatal("an anonymous visitor fetches the image")
	}
}

// TestBrowserInlineMailImage: in a real browser, under the pages' CSP, the
// agent sees the mailed image drawn (it loads and has its size).
func TestBrowserInlineMailImage(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	addr := "help@example.com"
	if _, err := e.app.Mailboxes.Create(e.sys, mailbox.Input{Address: &addr}); err != nil {
		t.Fatal(err)
	}
	raw, _ := inlineImageMail(t, e.customer.Email)
	res, err := e.app.Inbound.Ingest(context.Background(), ingest.Delivery{}, bytes.NewReader(raw))
	if err != nil || res.Outcome != ingest.Created {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	ag := b.tab("agent")
	ag.signIn(e.base, "/agent/signin", e.agent.Email)
	ag.open(fmt.Sprintf("%s/agent/tickets/%d", e.base, res.TicketID))
	ag.waitText("The export fails")
	ag.waitJS(`(function () {
		var img = document.querySelector('.comment-body img[src^="/attachments/"]');
		return img && img.complete && img.naturalWidth === 40 && img.naturalHeight === 30;
	})()`, "the inline image drawn")
	ag.noScriptRan("ticket page")
	ag.shot("inline-image")
}
