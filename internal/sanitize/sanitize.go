// Package sanitize makes user-supplied HTML safe to show to other people.
// Comment and article HTML arrives from customers, emails and API clients,
// and is rendered to agents whose sessions are worth stealing, so everything
// goes through one allow-list policy (bluemonday's UGC policy, narrowed).
package sanitize

import (
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.RequireNoReferrerOnLinks(true)
	return p
}()

var strictPolicy = bluemonday.StrictPolicy()

// mailPolicy is policy plus cid: URLs, which inbound mail uses to point
// <img> at its inline-image attachments.
var mailPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto", "tel", "cid")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.RequireNoReferrerOnLinks(true)
	return p
}()

// HTML returns html with everything outside the allow-list removed.
func HTML(s string) string { return policy.Sanitize(s) }

// MailHTML is HTML for inbound e-mail: the same allow-list, and cid: image
// references kept (remote images are the mail parser's concern).
func MailHTML(s string) string { return mailPolicy.Sanitize(s) }

var (
	blockEnd   = regexp.MustCompile(`(?i)</(p|div|li|h[1-6]|tr|blockquote|pre)>|<br\s*/?>`)
	spaceRuns  = regexp.MustCompile(`[ \t]+`)
	blankLines = regexp.MustCompile(`\n{3,}`)
)

// PlainText turns HTML into readable text: block ends become line breaks,
// tags are dropped and entities decoded. The result is text, not HTML, and
// must still be escaped when rendered.
func PlainText(s string) string {
	s = blockEnd.ReplaceAllString(s, "\n")
	s = html.UnescapeString(strictPolicy.Sanitize(s))
	s = spaceRuns.ReplaceAllString(s, " ")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

// TextToHTML renders plain text as safe HTML paragraphs, keeping line breaks.
func TextToHTML(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n")
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString(`<p>`)
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString(`</p>`)
	}
	return b.String()
}
