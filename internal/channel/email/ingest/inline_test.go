package ingest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/channel/email/ingest"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// blobFiles counts the files in the attachment store.
func (f *fixture) blobFiles(t testing.TB) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(f.blobDir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// testPNG is a small real PNG image.
func testPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 12, 8))
	for x := 0; x < 12; x++ {
		for y := 0; y < 8; y++ {
			img.Set(x, y, color.RGBA{R: uint8(20 * x), G: uint8(30 * y), B: 200, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// b64 wraps base64 at 76 columns, as mail clients do.
func b64(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// appleMailInline is shaped like Apple Mail's HTML mail with a pasted
// image: multipart/alternative whose HTML side is multipart/related, the
// image referenced by a bare UUID Content-ID; it also carries a remote
// tracking pixel.
func appleMailInline(t testing.TB, img []byte) []byte {
	return []byte(crlf(`From: Anna Nowak <anna@klient.example>
Content-Type: multipart/alternative;
	boundary="Apple-Mail=_5E3B1C2A-9D47-4F0B-8C1E-2A6F3D9B7E10"
Mime-Version: 1.0 (Mac OS X Mail 16.0 \(3731.700.6\))
Subject: =?utf-8?Q?Zrzut_ekranu_b=C5=82=C4=99du?=
Message-Id: <4F1E2B3C-AAAA-4BBB-8CCC-1234567890AB@klient.example>
Date: Mon, 30 Nov 2026 09:12:00 +0100
To: support@example.com
X-Mailer: Apple Mail (2.3731.700.6)


--Apple-Mail=_5E3B1C2A-9D47-4F0B-8C1E-2A6F3D9B7E10
Content-Transfer-Encoding: quoted-printable
Content-Type: text/plain;
	charset=utf-8

Dzie=C5=84 dobry,
w za=C5=82=C4=85czniku zrzut ekranu b=C5=82=C4=99du.

Anna

--Apple-Mail=_5E3B1C2A-9D47-4F0B-8C1E-2A6F3D9B7E10
Content-Type: multipart/related;
	type="text/html";
	boundary="Apple-Mail=_0C9E7F11-3B2D-4E8A-9F61-7D5C4B3A2910"


--Apple-Mail=_0C9E7F11-3B2D-4E8A-9F61-7D5C4B3A2910
Content-Transfer-Encoding: quoted-printable
Content-Type: text/html;
	charset=utf-8

<html><head><meta http-equiv=3D"content-type" content=3D"text/html; =
charset=3Dutf-8"></head><body style=3D"overflow-wrap: break-word; =
-webkit-nbsp-mode: space; line-break: after-white-space;">Dzie=C5=84 =
dobry,<div>w za=C5=82=C4=85czniku zrzut ekranu b=C5=82=C4=99du.</div><div><img =
apple-inline=3D"yes" id=3D"2B9D6A0E-5F1C-4C37-A8E4-0D1F2E3C4B5A" =
src=3D"cid:F2A9C1D0-1111-4222-8333-444455556666" alt=3D"zrzut"></div><div><img =
src=3D"https://tracker.example/open.gif?u=3D17" width=3D"1" height=3D"1"></div>=
<div><br></div><div>Anna</div></body></html>
--Apple-Mail=_0C9E7F11-3B2D-4E8A-9F61-7D5C4B3A2910
Content-Transfer-Encoding: base64
Content-Disposition: inline;
	filename=Zrzut.png
Content-Type: image/png;
	x-unix-mode=0644;
	name="Zrzut.png"
Content-Id: <F2A9C1D0-1111-4222-8333-444455556666>

`) + b64(img) + crlf(`--Apple-Mail=_0C9E7F11-3B2D-4E8A-9F61-7D5C4B3A2910--

--Apple-Mail=_5E3B1C2A-9D47-4F0B-8C1E-2A6F3D9B7E10--
`))
}

// outlookInline is shaped like Outlook desktop's HTML mail with a logo in
// the signature: multipart/related around multipart/alternative, the image
// named image001.png@01DB... and referenced from the text part too.
func outlookInline(img []byte, msgID, subject string) []byte {
	return []byte(crlf(fmt.Sprintf(`From: "Kowalski, Jan" <jan.kowalski@firma.example>
To: "support@example.com" <support@example.com>
Subject: %s
Thread-Topic: %s
Thread-Index: AdtKK1wq8x2Zm0bYQ2uJx3e5Yk7v1A==
Date: Mon, 30 Nov 2026 08:45:12 +0000
Message-ID: <%s>
Accept-Language: pl-PL, en-US
Content-Language: pl-PL
X-MS-Has-Attach: yes
Content-Type: multipart/related;
	boundary="_004_DB9PR08MB71234ABCDEF_";
	type="multipart/alternative"
MIME-Version: 1.0

--_004_DB9PR08MB71234ABCDEF_
Content-Type: multipart/alternative;
	boundary="_000_DB9PR08MB71234ABCDEF_"

--_000_DB9PR08MB71234ABCDEF_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Please see the error below.

Jan Kowalski
[cid:image001.png@01DB4A2B.5C3D1E20]

--_000_DB9PR08MB71234ABCDEF_
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

<html xmlns:v=3D"urn:schemas-microsoft-com:vml" xmlns:o=3D"urn:schemas-micr=
osoft-com:office:office"><head><style><!-- p.MsoNormal {margin:0cm;} --></s=
tyle></head><body lang=3D"PL" link=3D"#0563C1"><div class=3D"WordSection1">=
<p class=3D"MsoNormal">Please see the error below.<o:p></o:p></p><p class=
=3D"MsoNormal">Jan Kowalski<o:p></o:p></p><p class=3D"MsoNormal"><img width=
=3D"12" height=3D"8" style=3D"width:.125in;height:.0833in" id=3D"Picture_x0=
020_1" src=3D"cid:image001.png@01DB4A2B.5C3D1E20" alt=3D"logo"><o:p></o:p><=
/p></div></body></html>

--_000_DB9PR08MB71234ABCDEF_--

--_004_DB9PR08MB71234ABCDEF_
Content-Type: image/png; name="image001.png"
Content-Description: image001.png
Content-Disposition: inline; filename="image001.png"; size=%d;
	creation-date="Mon, 30 Nov 2026 08:45:11 GMT";
	modification-date="Mon, 30 Nov 2026 08:45:11 GMT"
Content-ID: <image001.png@01DB4A2B.5C3D1E20>
Content-Transfer-Encoding: base64

`, subject, subject, msgID, len(img))) + b64(img) + crlf(`
--_004_DB9PR08MB71234ABCDEF_--
`))
}

var imgSrcRE = regexp.MustCompile(`<img[^>]*\ssrc="([^"]*)"`)

// TestInlineImagesShowInTheComment: an HTML mail's inline images (cid:)
// become the comment's attachments and its HTML shows them from there, to
// those who may see the ticket; remote images stay out.
func TestInlineImagesShowInTheComment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		img := testPNG(t)
		for _, tc := range []struct {
			name, file string
			raw        []byte
			text       string
		}{
			{"apple mail", "Zrzut.png", appleMailInline(t, img), "zrzut ekranu błędu"},
			{"outlook", "image001.png", outlookInline(img, "DB9PR08MB71234ABCDEF@DB9PR08MB7123.eurprd08.prod.outlook.example", "Error screenshot"), "Please see the error below."},
		} {
			res := f.ingest(t, tc.raw, "support@example.com")
			if res.Outcome != ingest.Created {
				t.Fatalf("%s: %+v", tc.name, res)
			}
			cs := f.comments(t, res.TicketID)
			if len(cs) != 1 {
				t.Fatalf("%s: %d comments", tc.name, len(cs))
			}
			c := cs[0]
			var imgID int64
			for _, a := range c.Attachments {
				if a.FileName == tc.file {
					imgID = a.ID
				}
				// Zendesk's "inline": the image the HTML shows, not the original
				if a.Inline != (a.FileName == tc.file) {
					t.Errorf("%s: %s inline=%v", tc.name, a.FileName, a.Inline)
				}
			}
			if imgID == 0 || len(c.Attachments) != 2 {
				t.Fatalf("%s: attachments %+v", tc.name, c.Attachments)
			}
			srcs := imgSrcRE.FindAllStringSubmatch(c.HTMLBody, -1)
			if len(srcs) != 1 || srcs[0][1] != fmt.Sprintf("/attachments/%d", imgID) {
				t.Fatalf("%s: image sources %v in %s", tc.name, srcs, c.HTMLBody)
			}
			for _, bad := range []string{"cid:", "tracker.example", "<script", "<style"} {
				if strings.Contains(c.HTMLBody, bad) {
					t.Errorf("%s: html_body holds %q: %s", tc.name, bad, c.HTMLBody)
				}
			}
			if !strings.Contains(c.HTMLBody, tc.text) || !strings.Contains(c.Body, tc.text) {
				t.Errorf("%s: body %q html %q", tc.name, c.Body, c.HTMLBody)
			}

			// the agent downloads the very image; a stranger cannot
			agent := desk.WithPrincipal(context.Background(), mustPrincipal(t, f, f.agent.ID))
			a, rc, err := f.tickets.OpenAttachment(agent, imgID)
			if err != nil {
				t.Fatalf("%s: agent download: %v", tc.name, err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, img) || a.ContentType != "image/png" || !a.Inline {
				t.Fatalf("%s: downloaded %d bytes of %s", tc.name, len(got), a.ContentType)
			}
		}
		stranger, err := f.people.CreateUser(f.sys, people.UserInput{Name: ptr("Stranger"), Email: ptr("stranger@elsewhere.example"), Role: ptr(desk.RoleEndUser)})
		if err != nil {
			t.Fatal(err)
		}
		var anyImg int64
		if err := f.db.QueryRow(context.Background(), `SELECT MIN(id) FROM attachments WHERE content_type = 'image/png'`).Scan(&anyImg); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.tickets.OpenAttachment(desk.WithPrincipal(context.Background(), mustPrincipal(t, f, stranger.ID)), anyImg); err == nil {
			t.Fatal("a stranger downloads a ticket's inline image")
		}
	})
}

// TestInlineImageInAReply: a reply's HTML (quoted history cut) keeps its
// own inline image, pointing at the reply's attachment.
func TestInlineImageInAReply(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	img := testPNG(t)
	first := f.ingest(t, msg("Jan Kowalski <jan.kowalski@firma.example>", "support@example.com", "Error", "q1@firma.example", "It fails."))
	raw := outlookInline(img, "r1@firma.example", "RE: Error")
	raw = bytes.Replace(raw, []byte("Accept-Language:"), []byte("In-Reply-To: <q1@firma.example>\r\nAccept-Language:"), 1)
	res := f.ingest(t, raw)
	if res.Outcome != ingest.Commented || res.TicketID != first.TicketID {
		t.Fatalf("reply: %+v", res)
	}
	cs := f.comments(t, res.TicketID)
	last := cs[len(cs)-1]
	var imgID int64
	for _, a := range last.Attachments {
		if a.FileName == "image001.png" {
			imgID = a.ID
		}
	}
	if imgID == 0 || !strings.Contains(last.HTMLBody, fmt.Sprintf(`src="/attachments/%d"`, imgID)) {
		t.Fatalf("reply html %s, attachments %+v", last.HTMLBody, last.Attachments)
	}
}

// TestUnknownCIDAndHugeHTML: a cid: reference to a part the message does
// not hold is dropped, and HTML too long for a comment leaves the text part
// as the comment instead of refusing the mail.
func TestUnknownCIDAndHugeHTML(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	html := func(id, body string) []byte {
		return []byte("From: Ewa <ewa@klient.example>\r\nTo: support@example.com\r\nSubject: HTML\r\nMessage-ID: <" + id + ">\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/alternative; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain text part\r\n" +
			"--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body + "\r\n--B--\r\n")
	}
	res := f.ingest(t, html("h1@klient.example", `<p>See <img src="cid:nowhere@x" alt="missing"> here</p>`))
	if res.Outcome != ingest.Created {
		t.Fatalf("%+v", res)
	}
	c := f.comments(t, res.TicketID)[0]
	if strings.Contains(c.HTMLBody, "cid:") || !strings.Contains(c.HTMLBody, "See") {
		t.Fatalf("html %s", c.HTMLBody)
	}
	big := "<p>" + strings.Repeat("<b>x</b> ", 30000) + "</p>"
	res = f.ingest(t, html("h2@klient.example", big))
	if res.Outcome != ingest.Created {
		t.Fatalf("huge html: %+v", res)
	}
	c = f.comments(t, res.TicketID)[0]
	if !strings.Contains(c.HTMLBody, "Plain text part") || strings.Contains(c.HTMLBody, "<b>") {
		t.Fatalf("huge html kept: %d bytes", len(c.HTMLBody))
	}
}

// TestLocalHostSender: mail from an address on a single-label host (cron
// and system mail, "root@localhost") becomes a ticket requested by that
// address, like any other; a reply finds it. The API's own address rules
// are unchanged.
func TestLocalHostSender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		res := f.ingest(t, msg("root@localhost", "support@example.com", "Cron <root@box> backup", "c1@box", "backup failed"))
		if res.Outcome != ingest.Created {
			t.Fatalf("%+v", res)
		}
		tk, err := f.tickets.Get(f.sys, res.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		req, err := f.people.GetUser(f.sys, tk.RequesterID)
		if err != nil || req.Email != "root@localhost" || req.Role != desk.RoleEndUser || tk.Via.Source.From["address"] != "root@localhost" {
			t.Fatalf("requester %+v %v via %+v", req, err, tk.Via.Source)
		}
		again := f.ingest(t, msg("Root <ROOT@localhost>", "support@example.com", "Re: backup", "c2@box", "still failing", "In-Reply-To: <c1@box>"))
		if again.Outcome != ingest.Commented || again.TicketID != tk.ID {
			t.Fatalf("reply %+v", again)
		}
		if cs := f.comments(t, tk.ID); len(cs) != 2 || cs[1].AuthorID != req.ID {
			t.Fatalf("comments %+v", cs)
		}
		// an all-digit host is no host name: ignored, as before
		if r := f.ingest(t, msg("root@127", "support@example.com", "x", "c3@box", "x")); r.Outcome != ingest.Ignored {
			t.Fatalf("root@127: %+v", r)
		}
		if _, err := f.people.CreateUser(f.sys, people.UserInput{Name: ptr("Admin"), Email: ptr("admin@localhost"), Role: ptr(desk.RoleEndUser)}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("the API takes admin@localhost: %v", err)
		}
	})
}

// TestUnusedFilesAreRemoved: a message that changes nothing (a duplicate)
// leaves no file behind.
func TestUnusedFilesAreRemoved(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	raw := outlookInline(testPNG(t), "dup@firma.example", "Twice")
	f.ingest(t, raw)
	files := f.blobFiles(t)
	if files != 2 {
		t.Fatalf("%d files for one message with one image", files)
	}
	if res := f.ingest(t, raw); res.Outcome != ingest.Duplicate {
		t.Fatalf("%+v", res)
	}
	if n := f.blobFiles(t); n != files {
		t.Fatalf("a duplicate left %d files", n-files)
	}
}

// TestInlinePartNotShownIsAnAttachment: an inline image the kept HTML does
// not show (a plain-text mail with an inline-disposition picture) is an
// ordinary attachment, not marked inline.
func TestInlinePartNotShownIsAnAttachment(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	raw := crlf("From: Ola <ola@klient.example>\nTo: support@example.com\nSubject: Photo\nMessage-ID: <p1@klient.example>\nMIME-Version: 1.0\n"+
		"Content-Type: multipart/mixed; boundary=M\n\n--M\nContent-Type: text/plain; charset=utf-8\n\nPhoto of the device.\n"+
		"--M\nContent-Type: image/png; name=photo.png\nContent-Disposition: inline; filename=photo.png\nContent-ID: <photo1@klient.example>\nContent-Transfer-Encoding: base64\n\n") +
		b64(testPNG(t)) + "--M--\r\n"
	res := f.ingest(t, []byte(raw))
	c := f.comments(t, res.TicketID)[0]
	if len(c.Attachments) != 2 || c.Attachments[1].FileName != "photo.png" || c.Attachments[1].Inline {
		t.Fatalf("attachments %+v", c.Attachments)
	}
}
