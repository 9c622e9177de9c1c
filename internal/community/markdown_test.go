package community_test

import (
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/sanitize"
)

// The forms' Markdown: formatting renders; plain text reads as it did
// (paragraphs, line breaks, typed HTML shown as text); hostile links,
// raw HTML and event handlers never come through.
func TestMarkdown(t *testing.T) {
	for _, c := range []struct {
		in         string
		want, bans []string
	}{
		{in: "Line one\nLine two\n\nNext", want: []string{"<p>Line one<br>\nLine two</p>", "<p>Next</p>"}},
		{in: "**bold** and _it_ and `a < b && c`", want: []string{"<strong>bold</strong>", "<em>it</em>", "<code>a &lt; b &amp;&amp; c</code>"}},
		{in: "- one\n- two", want: []string{"<li>one</li>", "<li>two</li>"}},
		{in: "```\n<div onclick=x>\n```", want: []string{"&lt;div onclick=x&gt;"}, bans: []string{"<div"}},
		{in: "<script>alert(6)</script>", want: []string{"&lt;script&gt;alert(6)&lt;/script&gt;"}, bans: []string{"<script"}},
		{in: "a <img src=x onerror=alert(1)> b", want: []string{"&lt;img src=x onerror=alert(1)&gt;"}, bans: []string{"<img"}},
		{in: "<div>\n<b>block</b>\n</div>", want: []string{"&lt;div&gt;"}, bans: []string{"<div", "<b>"}},
		{in: "[x](javascript:alert(1)) [y](JaVaScRiPt:alert(2)) [z](data:text/html,<script>alert(3)</script>)", bans: []string{"javascript:", "JaVaScRiPt", "data:", "<script"}},
		{in: "![i](x\" onerror=\"alert(1))", bans: []string{"onerror=\"", "onerror=alert"}},
		{in: "[ok](https://example.com/a?b=c)", want: []string{`href="https://example.com/a?b=c"`, `rel="nofollow noreferrer noopener"`}},
		{in: "<https://example.com>", want: []string{`href="https://example.com"`}},
		{in: "   ", want: nil},
	} {
		got := community.Markdown(c.in)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("Markdown(%q) = %q, want %q in it", c.in, got, w)
			}
		}
		for _, b := range c.bans {
			if strings.Contains(got, b) {
				t.Errorf("Markdown(%q) = %q has %q", c.in, got, b)
			}
		}
		if got != sanitize.HTML(got) {
			t.Errorf("Markdown(%q) = %q is not what the comment policy keeps", c.in, got)
		}
	}
}
