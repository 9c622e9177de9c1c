package sanitize

import (
	"strings"
	"testing"
)

// vectors is a corpus of XSS payloads; none may survive HTML.
var vectors = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="JaVaScRiPt:alert(1)">x</a>`,
	`<a href="&#106;avascript:alert(1)">x</a>`,
	`<svg onload=alert(1)>`,
	`<svg><script>alert(1)</script></svg>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<body onload=alert(1)>`,
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`"><script>alert(1)</script>`,
	`<scr<script>ipt>alert(1)</script>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<form action="javascript:alert(1)"><button>x</button></form>`,
	`<object data="data:text/html,<script>alert(1)</script>"></object>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
	`<details open ontoggle=alert(1)>`,
	`<input autofocus onfocus=alert(1)>`,
}

func TestHTMLRemovesScript(t *testing.T) {
	for _, v := range vectors {
		out := strings.ToLower(HTML(v))
		for _, bad := range []string{"<script", "onerror", "onload", "javascript:", "<iframe", "<svg", "ontoggle", "onfocus", "<object", "data:text/html", "<form", "style="} {
			if strings.Contains(out, bad) {
				t.Errorf("HTML(%q) = %q still contains %q", v, out, bad)
			}
		}
	}
}

func TestHTMLKeepsFormatting(t *testing.T) {
	in := `<p>Hello <strong>there</strong>, see <a href="https://example.com/x">this</a></p><ul><li>one</li></ul>`
	out := HTML(in)
	for _, want := range []string{"<strong>there</strong>", `href="https://example.com/x"`, "<li>one</li>", `rel="nofollow noreferrer noopener"`} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lost %q: %s", want, out)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>Hello</p><p>World &amp; you</p>", "Hello\nWorld & you"},
		{"line<br>break", "line\nbreak"},
		{"<script>alert(1)</script>text", "text"},
		{"a &lt;b&gt; c", "a <b> c"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTextToHTML(t *testing.T) {
	got := TextToHTML("Hi <b>\nthere\n\nbye & thanks")
	want := "<p>Hi &lt;b&gt;<br>there</p><p>bye &amp; thanks</p>"
	if got != want {
		t.Fatalf("got %q", got)
	}
}

func FuzzHTML(f *testing.F) {
	for _, v := range vectors {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := strings.ToLower(HTML(s))
		if strings.Contains(out, "<script") || strings.Contains(out, "javascript:") {
			t.Fatalf("unsafe output %q from %q", out, s)
		}
	})
}

func TestMailHTMLKeepsCIDImagesAndRemovesScript(t *testing.T) {
	out := MailHTML(`<p>Hi<img src="cid:logo@x" alt="logo"></p>`)
	if !strings.Contains(out, `src="cid:logo@x"`) {
		t.Errorf("cid image lost: %s", out)
	}
	if strings.Contains(HTML(`<img src="cid:logo@x">`), "cid:") {
		t.Error("the comment policy must not accept cid: URLs")
	}
	for _, v := range vectors {
		out := strings.ToLower(MailHTML(v))
		for _, bad := range []string{"<script", "onerror", "onload", "javascript:", "<iframe", "<form", "style="} {
			if strings.Contains(out, bad) {
				t.Errorf("MailHTML(%q) = %q still contains %q", v, out, bad)
			}
		}
	}
}
