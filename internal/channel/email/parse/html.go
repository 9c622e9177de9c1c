package parse

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/frontdesk/frontdesk/internal/sanitize"
)

// sanitizeMailHTML makes a mail's HTML safe to show: remote images are
// removed unless allowed (they report when and where mail is read), then
// the shared allow-list policy for mail applies (no scripts, handlers,
// forms, frames or styles; cid: image references are kept so inline
// images can be resolved against the attachments).
func sanitizeMailHTML(raw string, allowRemoteImages bool) string {
	if !allowRemoteImages {
		raw = dropRemoteImages(raw)
	}
	return strings.TrimSpace(sanitize.MailHTML(raw))
}

// dropRemoteImages removes <img> elements whose source is not a cid:
// reference, keeping their alt text.
func dropRemoteImages(raw string) string {
	doc, err := html.Parse(strings.NewReader(raw))
	if err != nil {
		return raw
	}
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if c.Type == html.ElementNode && c.DataAtom == atom.Img && !isCIDImage(c) {
				if alt := attr(c, "alt"); strings.TrimSpace(alt) != "" {
					n.InsertBefore(&html.Node{Type: html.TextNode, Data: alt}, c)
				}
				n.RemoveChild(c)
			} else {
				visit(c)
			}
			c = next
		}
	}
	visit(doc)
	var b strings.Builder
	if err := html.Render(&b, doc); err != nil {
		return raw
	}
	return b.String()
}

func isCIDImage(n *html.Node) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(attr(n, "src"))), "cid:")
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// htmlToText derives readable plain text from mail HTML.
func htmlToText(raw string) string {
	return sanitize.PlainText(raw)
}
