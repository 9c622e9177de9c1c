package parse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/textproto"
	"regexp"
	"sort"
	"strings"

	mtextproto "github.com/emersion/go-message/textproto"

	"github.com/frontdesk/frontdesk/internal/channel/email/reply"
	"github.com/frontdesk/frontdesk/internal/sanitize"
)

// Parse reads one raw message from r and returns its parsed form. See the
// package documentation for what makes it fail.
func Parse(r io.Reader, opt Options) (*Message, error) {
	opt = opt.withDefaults()
	src := &limitedReader{r: r, limit: opt.MaxBytes}
	br := bufio.NewReaderSize(src, 64<<10)
	p := &parser{opt: opt, src: src, msg: &Message{}}
	top, err := readHeader(br)
	if err := p.check(err); err != nil {
		return nil, err
	}
	p.dec = headerDecoder{hint: declaredCharset(top)}
	body := &bodyCollector{}
	if err := p.walk(top, br, 0, body, false); err != nil {
		return nil, err
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		if err := p.check(err); err != nil {
			return nil, err
		}
	}
	if p.dec.hint == "" {
		// Raw 8-bit headers are most likely in the charset of the body.
		p.dec.hint = p.bodyCharset
	}
	p.bodies = append([]*bodyCollector{body}, p.bodies...)
	p.fillHeaders(top)
	p.fillBodies()
	p.msg.Size = src.n
	p.msg.Kind, p.msg.Bounce = classify(top, p.msg, p.report)
	return p.msg, nil
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxAttachments <= 0 {
		o.MaxAttachments = DefaultMaxAttachments
	}
	return o
}

// limitedReader counts bytes, remembers the first real read error and
// fails with ErrTooLarge past the limit.
type limitedReader struct {
	r     io.Reader
	n     int64
	limit int64
	err   error // first error other than io.EOF
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.limit {
		l.err = ErrTooLarge
		return n, l.err
	}
	if err != nil && err != io.EOF {
		l.err = fmt.Errorf("parse: reading message: %w", err)
	}
	return n, err
}

type parser struct {
	opt    Options
	src    *limitedReader
	dec    headerDecoder
	msg    *Message
	bodies []*bodyCollector // inlined forwarded messages, in order
	report reportInfo
	cbErr  error
	// bodyCharset is the first charset a body text part declared.
	bodyCharset string
}

// reportInfo is what multipart/report parts said.
type reportInfo struct {
	reportType   string
	deliveryStat []BounceRecipient
	sawStatus    bool
	sawMDN       bool
}

// check turns err into the error Parse must return, or nil when parsing
// may go on (malformed structure is tolerated; I/O, size and callback
// failures are not).
func (p *parser) check(err error) error {
	switch {
	case p.src.err != nil:
		return p.src.err
	case p.cbErr != nil:
		return p.cbErr
	case errors.Is(err, ErrTooLarge):
		return ErrTooLarge
	}
	return nil
}

// bodyCollector gathers the text and HTML parts of one message level.
type bodyCollector struct {
	preface string // "Forwarded message" block for inlined messages
	texts   []string
	htmls   []string
}

// part is one MIME entity's interpreted headers.
type part struct {
	mediaType   string
	params      map[string]string
	encoding    string
	disposition string
	filename    string
	contentID   string
}

func (p *parser) describe(h header) part {
	mt, params := parseMediaType(h.get("Content-Type"))
	disp, dparams := parseMediaType(h.get("Content-Disposition"))
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	return part{
		mediaType:   mt,
		params:      params,
		encoding:    h.get("Content-Transfer-Encoding"),
		disposition: disp,
		filename:    strings.TrimSpace(p.dec.text(filename)),
		contentID:   strings.Trim(strings.TrimSpace(h.get("Content-Id")), "<>"),
	}
}

var paramRe = regexp.MustCompile(`(?i)([a-z0-9*_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)`)

// parseMediaType parses a Content-Type or Content-Disposition value. When
// mime.ParseMediaType rejects it (duplicate or broken parameters), the type
// is the first token and parameters are scraped one by one.
func parseMediaType(v string) (string, map[string]string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", map[string]string{}
	}
	_, rest, _ := strings.Cut(v, ";")
	if mt, params, err := mime.ParseMediaType(v); err == nil {
		addExtendedParams(params, rest)
		return mt, params
	}
	mt, _, _ := strings.Cut(v, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	params := map[string]string{}
	for _, m := range paramRe.FindAllStringSubmatch(rest, -1) {
		key := strings.ToLower(m[1])
		if _, dup := params[key]; !dup && !strings.Contains(key, "*") {
			params[key] = strings.ReplaceAll(strings.Trim(m[2], `"`), `\"`, `"`)
		}
	}
	addExtendedParams(params, rest)
	return mt, params
}

// addExtendedParams fills in RFC 2231 parameters (name*=charset'lang'%XX…,
// name*0*=…; name*1=…) that mime.ParseMediaType dropped because their
// charset is not UTF-8, or that a broken header kept it from parsing.
func addExtendedParams(params map[string]string, rest string) {
	type piece struct {
		n       int
		encoded bool
		value   string
	}
	pieces := map[string][]piece{}
	for _, m := range paramRe.FindAllStringSubmatch(rest, -1) {
		key := strings.ToLower(m[1])
		name, section, ok := strings.Cut(key, "*")
		if !ok || params[name] != "" {
			continue
		}
		p := piece{value: strings.Trim(m[2], `"`)}
		p.encoded = strings.HasSuffix(section, "*") || section == ""
		if num := strings.TrimSuffix(section, "*"); num != "" {
			if _, err := fmt.Sscanf(num, "%d", &p.n); err != nil {
				continue
			}
		}
		pieces[name] = append(pieces[name], p)
	}
	for name, ps := range pieces {
		sort.Slice(ps, func(i, j int) bool { return ps[i].n < ps[j].n })
		var raw []byte
		charset := ""
		for i, p := range ps {
			val := p.value
			if i == 0 && p.encoded {
				if parts := strings.SplitN(val, "'", 3); len(parts) == 3 {
					charset, val = parts[0], parts[2]
				}
			}
			if p.encoded {
				raw = append(raw, percentDecode(val)...)
			} else {
				raw = append(raw, val...)
			}
		}
		params[name] = decodeWithLabel(raw, charset)
	}
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

func declaredCharset(h header) string {
	_, params := parseMediaType(h.get("Content-Type"))
	return params["charset"]
}

// walk interprets one entity whose header is h and raw body is body.
func (p *parser) walk(h header, body io.Reader, depth int, bc *bodyCollector, inRelated bool) error {
	pt := p.describe(h)
	mt := pt.mediaType
	if mt == "" || !strings.Contains(mt, "/") {
		mt = "text/plain"
	}
	if depth > maxDepth {
		return p.attachment(pt, body, inRelated)
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if pt.params["boundary"] == "" {
			return p.text(pt, "text/plain", body, bc)
		}
		return p.multipart(pt, mt, body, depth, bc)
	case (mt == "message/rfc822" || mt == "message/global") && pt.disposition != "attachment" && pt.filename == "":
		return p.inlineMessage(pt, body, depth)
	case mt == "message/delivery-status" || mt == "message/global-delivery-status":
		return p.deliveryStatus(pt, body)
	case mt == "message/disposition-notification":
		p.report.sawMDN = true
		return p.discard(body)
	case mt == "text/rfc822-headers" && p.report.reportType != "":
		return p.discard(body)
	case isBodyText(mt) && pt.disposition != "attachment" && pt.filename == "":
		return p.text(pt, mt, body, bc)
	default:
		return p.attachment(pt, body, inRelated)
	}
}

func isBodyText(mt string) bool {
	switch mt {
	case "text/plain", "text/html", "text/enriched", "text/richtext", "text/x-plain":
		return true
	}
	return false
}

func (p *parser) multipart(pt part, mt string, body io.Reader, depth int, bc *bodyCollector) error {
	if mt == "multipart/report" {
		p.report.reportType = strings.ToLower(pt.params["report-type"])
	}
	mr := mtextproto.NewMultipartReader(transferDecoder(pt.encoding, body), pt.params["boundary"])
	for {
		child, err := mr.NextPart()
		if err != nil {
			return p.check(err) // io.EOF, or a malformed / truncated structure
		}
		ch := header{fields: textproto.MIMEHeader(child.Header.Map())}
		if err := p.walk(ch, child, depth+1, bc, mt == "multipart/related"); err != nil {
			return err
		}
	}
}

// text reads a body text part (capped), decodes its charset and files it.
func (p *parser) text(pt part, mt string, body io.Reader, bc *bodyCollector) error {
	raw, err := io.ReadAll(io.LimitReader(transferDecoder(pt.encoding, body), maxTextBytes))
	if err := p.check(err); err != nil {
		return err
	}
	if err := p.discard(body); err != nil {
		return err
	}
	if p.bodyCharset == "" && lookupEncoding(pt.params["charset"]) != nil {
		p.bodyCharset = pt.params["charset"]
	}
	s := decodeWithLabel(raw, pt.params["charset"])
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if mt == "text/html" {
		bc.htmls = append(bc.htmls, s)
		return nil
	}
	text, uus := extractUUEncoded(s)
	bc.texts = append(bc.texts, text)
	for _, uu := range uus {
		info := part{mediaType: mime.TypeByExtension(extOf(uu.name)), filename: uu.name, disposition: "attachment"}
		if err := p.attachment(info, bytes.NewReader(uu.data), false); err != nil {
			return err
		}
	}
	return nil
}

// inlineMessage folds a forwarded message shown inline into the body: a
// "Forwarded message" block with its headers, then its own parts.
func (p *parser) inlineMessage(pt part, body io.Reader, depth int) error {
	br := bufio.NewReader(transferDecoder(pt.encoding, body))
	h, err := readHeader(br)
	if err := p.check(err); err != nil {
		return err
	}
	saved := p.dec
	p.dec = headerDecoder{hint: declaredCharset(h)}
	defer func() { p.dec = saved }()
	inner := &bodyCollector{preface: p.forwardPreface(h)}
	p.bodies = append(p.bodies, inner)
	return p.walk(h, br, depth+1, inner, false)
}

func (p *parser) forwardPreface(h header) string {
	var b strings.Builder
	b.WriteString("---------- Forwarded message ----------\n")
	for _, k := range []string{"From", "Date", "Subject", "To"} {
		if v := h.get(k); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, p.dec.text(v))
		}
	}
	return b.String()
}

func (p *parser) discard(body io.Reader) error {
	_, err := io.Copy(io.Discard, body)
	return p.check(err)
}

// attachment streams a decoded part to Options.Attachment.
func (p *parser) attachment(pt part, body io.Reader, inRelated bool) error {
	if len(p.msg.Attachments) >= p.opt.MaxAttachments {
		p.msg.SkippedAttachments++
		return p.discard(body)
	}
	info := AttachmentInfo{
		Filename:    pt.filename,
		ContentType: pt.mediaType,
		ContentID:   pt.contentID,
		Inline:      isInline(pt, inRelated),
	}
	if info.ContentType == "" {
		info.ContentType = "application/octet-stream"
	}
	if info.Filename == "" {
		info.Filename = defaultFilename(info.ContentType, len(p.msg.Attachments)+1)
	}
	counted := &countingReader{r: endOnError{transferDecoder(pt.encoding, body)}}
	var ref string
	if p.opt.Attachment != nil {
		var err error
		ref, err = p.opt.Attachment(info, counted)
		if err != nil {
			if srcErr := p.check(err); srcErr != nil {
				return srcErr
			}
			p.cbErr = fmt.Errorf("parse: storing attachment %q: %w", info.Filename, err)
			return p.cbErr
		}
	}
	if _, err := io.Copy(io.Discard, counted); err != nil {
		if err := p.check(err); err != nil {
			return err
		}
	}
	p.msg.Attachments = append(p.msg.Attachments, Attachment{
		Filename: info.Filename, ContentType: info.ContentType, Size: counted.n,
		ContentID: info.ContentID, Inline: info.Inline, Ref: ref,
	})
	return nil
}

func isInline(pt part, inRelated bool) bool {
	if pt.disposition == "attachment" {
		return false
	}
	if pt.contentID != "" && (inRelated || pt.disposition == "inline") {
		return true
	}
	return pt.disposition == "inline" && strings.HasPrefix(pt.mediaType, "image/")
}

func defaultFilename(contentType string, n int) string {
	ext := ".bin"
	switch contentType {
	case "message/rfc822", "message/global":
		ext = ".eml"
	default:
		if exts, _ := mime.ExtensionsByType(contentType); len(exts) > 0 {
			ext = exts[0]
		}
	}
	return fmt.Sprintf("attachment-%d%s", n, ext)
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

// endOnError ends a part's stream at its first error: a truncated or
// malformed part is delivered as the data that arrived. Failures of the
// message source itself are still reported by Parse (limitedReader).
type endOnError struct{ r io.Reader }

func (e endOnError) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		err = io.EOF
	}
	return n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// usefulHeaders are kept in Message.Headers (decoded).
var usefulHeaders = []string{
	"Message-Id", "In-Reply-To", "References", "Return-Path", "Auto-Submitted", "Precedence",
	"X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "X-Apple-Action", "List-Id",
	"List-Unsubscribe", "X-Failed-Recipients", "X-Loop", "Delivered-To", "X-Original-To",
	"Envelope-To", "Reply-To", "Sender", "Disposition-Notification-To", "Thread-Topic", "Thread-Index",
}

func (p *parser) fillHeaders(h header) {
	m := p.msg
	d := p.dec
	m.MessageID = firstID(h.get("Message-Id"))
	m.InReplyTo = firstID(h.get("In-Reply-To"))
	m.References = msgIDs(strings.Join(h.values("References"), " "))
	m.From = d.address(h.get("From"))
	if m.From.Address == "" {
		m.From = d.address(h.get("Sender"))
	}
	m.ReplyTo = d.addresses(strings.Join(h.values("Reply-To"), ", "))
	m.To = d.addresses(strings.Join(h.values("To"), ", "))
	m.Cc = d.addresses(strings.Join(h.values("Cc"), ", "))
	m.DeliveredTo = d.addresses(strings.Join(h.values("Delivered-To"), ", "))
	m.Subject = d.text(h.get("Subject"))
	m.Date = parseDate(h.get("Date"))
	m.Headers = textproto.MIMEHeader{}
	for _, k := range usefulHeaders {
		for _, v := range h.values(k) {
			m.Headers.Add(k, d.text(v))
		}
	}
}

// fillBodies combines the collected bodies into Text, HTML and the reply.
func (p *parser) fillBodies() {
	var texts, htmls []string
	anyHTML := false
	for _, bc := range p.bodies {
		if len(bc.htmls) > 0 {
			anyHTML = true
		}
	}
	for _, bc := range p.bodies {
		text := strings.TrimSpace(strings.Join(bc.texts, "\n\n"))
		rawHTML := strings.Join(bc.htmls, "\n")
		if text == "" && rawHTML != "" {
			text = htmlToText(rawHTML)
		}
		if bc.preface != "" {
			text = bc.preface + "\n" + text
		}
		if text != "" {
			texts = append(texts, text)
		}
		if anyHTML {
			if rawHTML == "" {
				rawHTML = sanitize.TextToHTML(text)
			} else if bc.preface != "" {
				rawHTML = sanitize.TextToHTML(bc.preface) + rawHTML
			}
			htmls = append(htmls, rawHTML)
		}
	}
	m := p.msg
	m.Text = strings.Join(texts, "\n\n")
	if len(htmls) > 0 {
		raw := strings.Join(htmls, "\n")
		m.HTML = sanitizeMailHTML(raw, p.opt.AllowRemoteImages)
		m.ReplyHTML = sanitizeMailHTML(reply.HTML(raw), p.opt.AllowRemoteImages)
		if strings.TrimSpace(htmlToText(m.ReplyHTML)) == "" {
			m.ReplyHTML = m.HTML
		}
	}
	if main := p.bodies[0]; len(main.texts) == 0 && len(main.htmls) > 0 && m.ReplyHTML != "" {
		m.Reply = reply.Text(htmlToText(m.ReplyHTML))
	} else {
		m.Reply = reply.Text(m.Text)
	}
}
