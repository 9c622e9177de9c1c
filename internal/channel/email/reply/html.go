package reply

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTML returns the reply part of an HTML mail: the quoted history blocks
// that Gmail (div.gmail_quote), Apple Mail and Thunderbird (blockquote
// type=cite with its attribution), Outlook desktop (the bordered
// "From:/Sent:" header div), Outlook on the web (#divRplyFwdMsg,
// #appendonsend) and Yahoo (.yahoo_quoted) put below the answer are cut,
// together with everything after them. The result is NOT sanitized.
func HTML(s string) string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return s
	}
	if n := findQuote(doc); n != nil {
		cutFrom(n)
	}
	var b strings.Builder
	if err := html.Render(&b, doc); err != nil {
		return s
	}
	return b.String()
}

// findQuote returns the first node (in document order) where quoted
// history starts.
func findQuote(n *html.Node) *html.Node {
	if n.Type == html.ElementNode && isQuoteNode(n) && !isForward(n) {
		if prev := attributionBefore(n); prev != nil {
			return prev
		}
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if q := findQuote(c); q != nil {
			return q
		}
	}
	return nil
}

// isForward reports a Gmail-style quote container that holds a forwarded
// message: forwarded content is the point of the mail and stays.
func isForward(n *html.Node) bool {
	t := strings.TrimSpace(textOf(n))
	if i := strings.IndexByte(t, '\n'); i > 0 {
		t = t[:i]
	}
	return forwardMarker.MatchString(t) || strings.Contains(strings.ToLower(t), "forwarded message")
}

func isQuoteNode(n *html.Node) bool {
	class := " " + attr(n, "class") + " "
	id := attr(n, "id")
	switch {
	case strings.Contains(class, " gmail_quote ") || strings.Contains(class, " gmail_quote_container "),
		strings.Contains(class, " yahoo_quoted "),
		strings.Contains(class, " moz-cite-prefix "),
		id == "divRplyFwdMsg", id == "appendonsend", id == "mail-editor-reference-message-container",
		n.DataAtom == atom.Blockquote && strings.EqualFold(attr(n, "type"), "cite"):
		return true
	case n.DataAtom == atom.Div && isOutlookHeaderDiv(n):
		return true
	}
	return false
}

// isOutlookHeaderDiv matches Outlook desktop's quoted-header container: a
// div with a top border whose text starts with "From:" (or "Od:").
func isOutlookHeaderDiv(n *html.Node) bool {
	style := strings.ToLower(strings.ReplaceAll(attr(n, "style"), " ", ""))
	if !strings.Contains(style, "border-top:solid") {
		return false
	}
	t := strings.TrimSpace(textOf(n))
	for _, p := range []string{"From:", "Od:", "Von:", "De :", "De:"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// attributionBefore returns the element just before a cited blockquote
// when it holds the "On … wrote:" line (Apple Mail, Thunderbird).
func attributionBefore(n *html.Node) *html.Node {
	if n.DataAtom != atom.Blockquote {
		return nil
	}
	for p := n.PrevSibling; p != nil; p = p.PrevSibling {
		t := strings.TrimSpace(textOf(p))
		if t == "" {
			continue
		}
		if strings.HasSuffix(t, ":") && attribution.MatchString(t) {
			return p
		}
		return nil
	}
	return nil
}

// cutFrom removes n, its following siblings, and the following siblings of
// each ancestor up to <body>.
func cutFrom(n *html.Node) {
	for n != nil && n.Parent != nil {
		parent := n.Parent
		for c := n; c != nil; {
			next := c.NextSibling
			parent.RemoveChild(c)
			c = next
		}
		if parent.DataAtom == atom.Body {
			return
		}
		n = parent.NextSibling
		for n == nil && parent.Parent != nil && parent.DataAtom != atom.Body {
			parent = parent.Parent
			if parent.DataAtom == atom.Body {
				return
			}
			n = parent.NextSibling
		}
	}
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
