package community

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/frontdesk/frontdesk/internal/helpcenter"
)

// Markdown renders what people type into the community's forms — Markdown,
// as in help-center articles — into safe HTML with the help center's
// renderer (GitHub-flavoured Markdown, then the comment policy of package
// sanitize). Two things differ from an article, so that plain text reads as
// it always did:
//
//   - raw HTML is not markup here: a "<script>" someone types is shown as
//     the text they typed (articles are written by agents and API clients
//     that send HTML; forum posts by anyone);
//   - a single line break is a line break, as plain-text posts had.
func Markdown(src string) string {
	src = strings.ReplaceAll(strings.TrimSpace(src), "\r\n", "\n")
	if src == "" {
		return ""
	}
	return strings.TrimSpace(helpcenter.RenderMarkdown(hardBreaks(escapeRawHTML(src))))
}

// escapeRawHTML turns the "<" of every piece of raw HTML (inline or a
// block) into "&lt;", so the renderer shows it as text; code spans, code
// blocks and autolinks keep their "<" (they render it as text already).
func escapeRawHTML(src string) string {
	b := []byte(src)
	doc := goldmark.DefaultParser().Parse(text.NewReader(b))
	var at []int
	mark := func(seg text.Segment) {
		for i := seg.Start; i < seg.Stop && i < len(b); i++ {
			if b[i] == '<' {
				at = append(at, i)
			}
		}
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.RawHTML:
			for i := 0; i < n.Segments.Len(); i++ {
				mark(n.Segments.At(i))
			}
		case *ast.HTMLBlock:
			for i := 0; i < n.Lines().Len(); i++ {
				mark(n.Lines().At(i))
			}
			if n.HasClosure() {
				mark(n.ClosureLine)
			}
		}
		return ast.WalkContinue, nil
	})
	if len(at) == 0 {
		return src
	}
	var out bytes.Buffer
	last := 0
	for _, i := range at {
		if i < last {
			continue
		}
		out.Write(b[last:i])
		out.WriteString("&lt;")
		last = i + 1
	}
	out.Write(b[last:])
	return out.String()
}

// hardBreaks ends every line that another non-blank line follows with two
// spaces, Markdown's hard line break.
func hardBreaks(src string) string {
	lines := strings.Split(src, "\n")
	for i := 0; i+1 < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "" && strings.TrimSpace(lines[i+1]) != "" && !strings.HasSuffix(lines[i], "  ") {
			lines[i] += "  "
		}
	}
	return strings.Join(lines, "\n")
}
