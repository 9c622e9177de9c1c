package parse

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// generatedMessage streams a message with one base64 attachment of
// lines*57 bytes without holding it: the same 76-character line repeats.
type generatedMessage struct {
	head, tail string
	line       string
	lines      int
	pos        int // bytes of the current segment already read
	stage      int
}

const attachmentLine = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n"

func newGeneratedMessage(lines int) *generatedMessage {
	return &generatedMessage{
		head: "From: Big Sender <big@example.com>\r\nTo: support@example.com\r\nSubject: big file\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"big\"\r\n\r\n" +
			"--big\r\nContent-Type: text/plain\r\n\r\nThe dump is attached.\r\n" +
			"--big\r\nContent-Type: application/octet-stream; name=\"dump.bin\"\r\n" +
			"Content-Disposition: attachment; filename=\"dump.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		line:  attachmentLine,
		lines: lines,
		tail:  "--big--\r\n",
	}
}

func (g *generatedMessage) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		var seg string
		switch g.stage {
		case 0:
			seg = g.head
		case 1:
			if g.lines == 0 {
				g.stage++
				continue
			}
			seg = g.line
		case 2:
			seg = g.tail
		default:
			if n == 0 {
				return 0, io.EOF
			}
			return n, nil
		}
		c := copy(p[n:], seg[g.pos:])
		n += c
		g.pos += c
		if g.pos == len(seg) {
			g.pos = 0
			if g.stage == 1 {
				g.lines--
			} else {
				g.stage++
			}
		}
	}
	return n, nil
}

// decodedLine is what one attachmentLine decodes to (57 bytes).
const decodedLine = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz01234"

func TestLargeAttachmentIsStreamed(t *testing.T) {
	const lines = (25<<20)/57 + 1 // just over 25 MiB decoded
	want := sha256.New()
	for range lines {
		io.WriteString(want, decodedLine)
	}
	var peak uint64
	var got []byte
	var size int64
	opt := Options{Attachment: func(info AttachmentInfo, r io.Reader) (string, error) {
		h := sha256.New()
		buf := make([]byte, 32<<10)
		var ms runtime.MemStats
		for i := 0; ; i++ {
			n, err := r.Read(buf)
			h.Write(buf[:n])
			size += int64(n)
			if i%256 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return "", err
			}
		}
		got = h.Sum(nil)
		return "blob-1", nil
	}}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := Parse(newGeneratedMessage(lines), opt)
	if err != nil {
		t.Fatal(err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if size != lines*57 || len(m.Attachments) != 1 || m.Attachments[0].Size != size || m.Attachments[0].Ref != "blob-1" {
		t.Fatalf("attachment = %+v, streamed %d bytes, want %d", m.Attachments, size, lines*57)
	}
	if !bytes.Equal(got, want.Sum(nil)) {
		t.Fatal("attachment content differs from what was sent")
	}
	if m.Text != "The dump is attached." {
		t.Errorf("text = %q", m.Text)
	}
	// The requirement is < 64 MiB extra; holding the attachment whole would
	// already cost 25 MiB or more, so streaming must stay far below that.
	const limit, streamed = 64 << 20, 8 << 20
	if extra := after.TotalAlloc - before.TotalAlloc; extra >= streamed {
		t.Errorf("parsing allocated %d MiB in total, want < %d MiB: attachments must be streamed", extra>>20, streamed>>20)
	}
	if peak > before.HeapInuse && peak-before.HeapInuse >= limit {
		t.Errorf("heap grew by %d MiB while streaming, want < 64 MiB", (peak-before.HeapInuse)>>20)
	}
}

func TestThousandRecipients(t *testing.T) {
	var to, cc []string
	for i := range 1000 {
		to = append(to, fmt.Sprintf("=?UTF-8?Q?Odbiorca_=C5=BB_%d?= <user%d@example.com>", i, i))
		cc = append(cc, fmt.Sprintf("cc%d@example.org", i))
	}
	raw := "From: sender@example.com\r\nTo: " + strings.Join(to, ",\r\n\t") + "\r\nCc: " + strings.Join(cc, ", ") +
		"\r\nSubject: many\r\n\r\nhello\r\n"
	m, err := Parse(strings.NewReader(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.To) != 1000 || len(m.Cc) != 1000 {
		t.Fatalf("to %d cc %d, want 1000 each", len(m.To), len(m.Cc))
	}
	if m.To[999].Address != "user999@example.com" || m.To[999].Name != "Odbiorca Ż 999" || m.Cc[500].Address != "cc500@example.org" {
		t.Errorf("to[999] = %+v, cc[500] = %+v", m.To[999], m.Cc[500])
	}
}

func TestMaxBytes(t *testing.T) {
	raw := "Subject: x\r\n\r\n" + strings.Repeat("a", 5000)
	if _, err := Parse(strings.NewReader(raw), Options{MaxBytes: 1000}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if _, err := Parse(strings.NewReader(raw), Options{MaxBytes: 10000}); err != nil {
		t.Fatalf("within limit: %v", err)
	}
}

func attachmentsMessage(n int) string {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nSubject: files\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nfiles\r\n")
	for i := range n {
		fmt.Fprintf(&b, "--X\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=f%d.pdf\r\n\r\n%%PDF-%d\r\n", i, i)
	}
	b.WriteString("--X--\r\n")
	return b.String()
}

func TestMaxAttachments(t *testing.T) {
	var stored []storedAttachment
	m, err := Parse(strings.NewReader(attachmentsMessage(5)), Options{MaxAttachments: 2, Attachment: memoryStore(&stored)})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 2 || len(stored) != 2 || m.SkippedAttachments != 3 {
		t.Fatalf("kept %d (stored %d), skipped %d; want 2, 2, 3", len(m.Attachments), len(stored), m.SkippedAttachments)
	}
	if m.Attachments[1].Filename != "f1.pdf" || m.Attachments[1].Size != int64(len("%PDF-1")) {
		t.Errorf("second attachment = %+v", m.Attachments[1])
	}
}

func TestAttachmentCallbackErrorFailsParse(t *testing.T) {
	boom := errors.New("store unavailable")
	_, err := Parse(strings.NewReader(attachmentsMessage(1)), Options{Attachment: func(AttachmentInfo, io.Reader) (string, error) {
		return "", boom
	}})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the callback's error", err)
	}
}

type failingReader struct{ data io.Reader }

func (f failingReader) Read(p []byte) (int, error) {
	n, err := f.data.Read(p)
	if err == io.EOF {
		return n, errors.New("connection reset")
	}
	return n, err
}

func TestReadErrorFailsParse(t *testing.T) {
	_, err := Parse(failingReader{strings.NewReader(attachmentsMessage(1))}, Options{})
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("err = %v, want the read error", err)
	}
}

func TestAllowRemoteImages(t *testing.T) {
	raw := "From: a@example.com\r\nContent-Type: text/html\r\n\r\n<p>Hi<img src=\"https://cdn.example.com/a.png\" alt=\"logo\"></p>"
	m, err := Parse(strings.NewReader(raw), Options{AllowRemoteImages: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, `src="https://cdn.example.com/a.png"`) {
		t.Errorf("remote image dropped although allowed: %s", m.HTML)
	}
	m, err = Parse(strings.NewReader(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "cdn.example.com") || !strings.Contains(m.HTML, "logo") {
		t.Errorf("remote image kept by default or alt text lost: %s", m.HTML)
	}
}

func TestGarbageNeverFails(t *testing.T) {
	inputs := []string{
		"",
		"\r\n\r\n",
		"no header at all, just words",
		" leading continuation\r\nSubject: x\r\n\r\nbody",
		"Content-Type: multipart/mixed\r\n\r\nno boundary given",
		"Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n",
		"Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nunterminated",
		"Content-Type: text/plain; charset=x-made-up\r\n\r\n\xff\xfe\x00garbage",
		"Content-Type: message/rfc822\r\n\r\n",
		"Subject: =?utf-8?B?####?= =?x?Q?=\r\nFrom: <<<@>>>\r\nTo: ,,,;\r\nDate: 99 Foo 20202\r\n\r\n",
		"Content-Transfer-Encoding: base64\r\n\r\n!!!!",
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n=G\r\n=",
	}
	for _, in := range inputs {
		m, err := Parse(strings.NewReader(in), Options{})
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		for _, s := range []string{m.Subject, m.Text, m.HTML, m.Reply} {
			if !utf8.ValidString(s) {
				t.Errorf("Parse(%q) produced invalid UTF-8 %q", in, s)
			}
		}
	}
}

func TestDeepNestingIsCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("Subject: deep\r\n")
	for i := range 50 {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ninnermost\r\n")
	m, err := Parse(strings.NewReader(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.Text, "innermost") || len(m.Attachments) != 1 {
		t.Errorf("nesting beyond %d levels should be kept as one attachment, got text %q, %d attachments", maxDepth, m.Text, len(m.Attachments))
	}
}

func TestCharsetDecoding(t *testing.T) {
	tests := []struct {
		name  string
		raw   []byte
		label string
		want  string
	}{
		{"declared windows-1250", []byte("Za\xbf\xf3\xb3\xe6 g\xea\x9cl\xb9"), "windows-1250", "Zażółć gęślą"},
		{"declared iso-8859-2", []byte("Za\xbf\xf3\xb3\xe6 g\xea\xb6l\xb1"), "ISO-8859-2", "Zażółć gęślą"},
		{"gb2312 label means GBK", []byte("\xb9\xd8\xd3\xda"), "gb2312", "关于"},
		{"ks_c_5601-1987", []byte("\xc7\xd1\xb1\xb9"), "ks_c_5601-1987", "한국"},
		{"undeclared koi8-r", []byte("\xd4\xc5\xd3\xd4 \xd4\xc5\xd3\xd4"), "", "тест тест"},
		{"unknown label, windows-1250 bytes", []byte("Pozdrawiam, \xa3ukasz \xaf\xf3\xb3w"), "x-unknown", "Pozdrawiam, Łukasz Żółw"},
		{"us-ascii that is really latin", []byte("Ol\xe1, S\xe3o Paulo"), "us-ascii", "Olá, São Paulo"},
		{"undeclared shift_jis", []byte("\x82\xb1\x82\xcc\x83\x81\x81[\x83\x8b\x82\xcd\x83e\x83X\x83g"), "", "このメールはテスト"},
		{"iso-2022-jp escapes", []byte("\x1b$B%F%9%H\x1b(B ok"), "", "テスト ok"},
	}
	for _, tt := range tests {
		if got := decodeWithLabel(tt.raw, tt.label); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestClassification(t *testing.T) {
	tests := []struct {
		header string
		want   Kind
	}{
		{"Auto-Submitted: auto-generated", KindAutoReply},
		{"Auto-Submitted: no", KindNormal},
		{"X-Autoreply: yes", KindAutoReply},
		{"X-Autorespond: vacation", KindAutoReply},
		{"Precedence: bulk", KindAutoReply},
		{"Precedence: junk", KindAutoReply},
		{"Precedence: auto_reply", KindAutoReply},
		{"Precedence: list", KindNormal},
		{"Precedence: list\r\nSubject: Out of Office: back Monday", KindAutoReply},
		{"Subject: Automatic reply: Your ticket", KindNormal},
		{"Return-Path: <>\r\nSubject: Automatic reply: Your ticket", KindAutoReply},
		{"From: MAILER-DAEMON@mx.example.com\r\nSubject: Undelivered Mail Returned to Sender", KindBounce},
		{"From: postmaster@example.com\r\nSubject: Delivery Status Notification (Failure)", KindBounce},
		{"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\nSubject: hello", KindNormal},
		{"X-Failed-Recipients: a@example.com", KindBounce},
	}
	for _, tt := range tests {
		raw := "From: someone@example.com\r\n" + tt.header + "\r\n\r\nbody\r\n"
		if strings.Contains(tt.header, "From:") {
			raw = tt.header + "\r\n\r\nbody\r\n"
		}
		m, err := Parse(strings.NewReader(raw), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if m.Kind != tt.want {
			t.Errorf("%q: kind %v, want %v", tt.header, m.Kind, tt.want)
		}
	}
}

func TestHeadersKeepsUsefulOnes(t *testing.T) {
	raw := "From: a@example.com\r\nAuto-Submitted: no\r\nList-Id: <support.example.com>\r\nX-Spam-Score: 9\r\nReferences: <a@x> <b@x>\r\n\r\nhi\r\n"
	m, err := Parse(strings.NewReader(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Headers.Get("Auto-Submitted") != "no" || m.Headers.Get("List-Id") != "<support.example.com>" || m.Headers.Get("X-Spam-Score") != "" {
		t.Errorf("headers = %v", m.Headers)
	}
	if strings.Join(m.References, ",") != "a@x,b@x" {
		t.Errorf("references = %v", m.References)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := os.ReadDir("testdata/mail")
	for _, e := range files {
		if strings.HasSuffix(e.Name(), ".eml") {
			if b, err := os.ReadFile("testdata/mail/" + e.Name()); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(attachmentsMessage(2)))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(bytes.NewReader(raw), Options{MaxBytes: 1 << 20, MaxAttachments: 10, Attachment: func(_ AttachmentInfo, r io.Reader) (string, error) {
			_, err := io.Copy(io.Discard, r)
			return "x", err
		}})
		if err != nil {
			t.Fatalf("Parse failed on %d bytes: %v", len(raw), err)
		}
		for _, s := range []string{m.Subject, m.Text, m.HTML, m.Reply, m.ReplyHTML, m.From.Name} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in output %q", s)
			}
		}
		for _, h := range []string{m.HTML, m.ReplyHTML} {
			if problem := unsafeHTML(h); problem != "" {
				t.Fatalf("unsafe HTML (%s): %q", problem, h)
			}
		}
		if m.Size != int64(len(raw)) {
			t.Fatalf("size %d, want %d", m.Size, len(raw))
		}
	})
}

func BenchmarkParseSmallReply(b *testing.B) {
	raw, err := os.ReadFile("testdata/mail/gmail-reply.eml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(raw), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseLargeAttachment(b *testing.B) {
	const lines = (25<<20)/57 + 1
	b.SetBytes(lines * 57)
	b.ReportAllocs()
	for b.Loop() {
		m, err := Parse(newGeneratedMessage(lines), Options{Attachment: func(_ AttachmentInfo, r io.Reader) (string, error) {
			_, err := io.Copy(io.Discard, r)
			return "x", err
		}})
		if err != nil || len(m.Attachments) != 1 {
			b.Fatal(err)
		}
	}
}

// unsafeHTML tokenizes sanitized HTML and names the first thing in it that
// could run script, load remote content or restyle the page.
func unsafeHTML(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "iframe", "object", "embed", "form", "input", "style", "svg", "math", "base", "meta", "link":
				return "element " + tok.Data
			}
			for _, a := range tok.Attr {
				key, val := strings.ToLower(a.Key), strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(key, "on"), key == "style", key == "background", key == "srcset":
					return "attribute " + key
				case (key == "href" || key == "src") && strings.HasPrefix(val, "javascript:"):
					return "script URL"
				case key == "src" && !strings.HasPrefix(val, "cid:"):
					return "remote image " + val
				}
			}
		}
	}
}

func TestHugeHeaderLineIsRefused(t *testing.T) {
	raw := "Subject: " + strings.Repeat("x", maxHeaderBytes+10) + "\r\n\r\nbody"
	if _, err := Parse(strings.NewReader(raw), Options{MaxBytes: 2 * maxHeaderBytes}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	long := "Subject: " + strings.Repeat("y", 200<<10) + "\r\n\r\nbody"
	m, err := Parse(strings.NewReader(long), Options{})
	if err != nil || len(m.Subject) != 200<<10 || m.Text != "body" {
		t.Fatalf("200 KiB subject: err %v, subject %d bytes, text %q", err, len(m.Subject), m.Text)
	}
}
