package parse

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"
)

// maxHeaderBytes caps one header block (1,000 recipients fit easily).
const maxHeaderBytes = 8 << 20

// header is a raw header block: field names canonicalised, values unfolded
// but not decoded (raw 8-bit bytes are kept for charset guessing).
type header struct {
	fields textproto.MIMEHeader
}

func (h header) get(key string) string { return h.fields.Get(key) }

func (h header) values(key string) []string { return h.fields.Values(key) }

// readHeader reads header lines up to the blank line that ends them. It is
// lenient: lines without a colon (an mbox "From " line, garbage) are
// skipped, leading continuation lines are dropped, and EOF ends the header.
func readHeader(r *bufio.Reader) (header, error) {
	h := header{fields: textproto.MIMEHeader{}}
	var key string
	var value []byte
	total := 0
	flush := func() {
		if key != "" {
			h.fields[key] = append(h.fields[key], string(bytes.TrimSpace(value)))
		}
		key, value = "", value[:0]
	}
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: gather it, within the cap.
			long := append([]byte{}, line...)
			for err == bufio.ErrBufferFull && total+len(long) <= maxHeaderBytes {
				line, err = r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		total += len(line)
		if total > maxHeaderBytes {
			flush()
			return h, ErrTooLarge
		}
		trimmed := bytes.TrimRight(line, "\r\n")
		switch {
		case len(trimmed) == 0 && len(line) > 0:
			flush()
			return h, nil // blank line: body follows
		case len(trimmed) > 0 && (trimmed[0] == ' ' || trimmed[0] == '\t'):
			if key != "" {
				value = append(value, ' ')
				value = append(value, bytes.TrimSpace(trimmed)...)
			}
		case len(trimmed) > 0:
			flush()
			if i := bytes.IndexByte(trimmed, ':'); i > 0 && validFieldName(bytes.TrimRight(trimmed[:i], " \t")) {
				key = textproto.CanonicalMIMEHeaderKey(string(bytes.TrimRight(trimmed[:i], " \t")))
				value = append(value[:0], bytes.TrimSpace(trimmed[i+1:])...)
			}
		}
		if err != nil {
			flush()
			if err == io.EOF {
				return h, nil
			}
			return h, err
		}
	}
}

func validFieldName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// headerDecoder decodes header text: RFC 2047 encoded-words (also
// malformed ones) and raw 8-bit bytes in an undeclared charset.
type headerDecoder struct {
	// hint is a charset declared elsewhere in the message (a body part),
	// tried first for raw 8-bit header bytes.
	hint string
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// text decodes an unstructured header value (Subject, Comments…).
func (d headerDecoder) text(raw string) string {
	s := decodeWordsLeniently(d.raw8bit(raw))
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}

// raw8bit converts a header value with raw non-UTF-8 bytes to UTF-8.
func (d headerDecoder) raw8bit(raw string) string {
	if utf8.ValidString(raw) {
		return raw
	}
	return decodeBytes([]byte(raw), d.hint)
}

// addresses parses an address list, falling back to a lenient scan for
// addresses net/mail rejects.
func (d headerDecoder) addresses(raw string) []mail.Address {
	raw = strings.TrimSpace(d.raw8bit(raw))
	if raw == "" {
		return nil
	}
	parser := mail.AddressParser{WordDecoder: wordDecoder}
	if list, err := parser.ParseList(raw); err == nil {
		out := make([]mail.Address, 0, len(list))
		for _, a := range list {
			out = append(out, mail.Address{Name: d.text(a.Name), Address: a.Address})
		}
		return out
	}
	return scanAddresses(raw, d)
}

// address returns the first address of a list, or the zero Address.
func (d headerDecoder) address(raw string) mail.Address {
	if list := d.addresses(raw); len(list) > 0 {
		return list[0]
	}
	return mail.Address{}
}

// scanAddresses splits a malformed list on commas outside quotes and angle
// brackets and picks "name <addr>" or a bare addr from each piece.
func scanAddresses(raw string, d headerDecoder) []mail.Address {
	var out []mail.Address
	for _, piece := range splitAddressList(raw) {
		piece = strings.TrimSpace(piece)
		name, addr := piece, ""
		if lt := strings.LastIndexByte(piece, '<'); lt >= 0 {
			if gt := strings.IndexByte(piece[lt:], '>'); gt > 0 {
				addr = strings.TrimSpace(piece[lt+1 : lt+gt])
				name = strings.TrimSpace(piece[:lt])
			}
		}
		if addr == "" {
			for _, f := range strings.Fields(piece) {
				if strings.Contains(f, "@") {
					addr = strings.Trim(f, "<>\"'(),;")
					name = ""
					break
				}
			}
		}
		if addr == "" || !strings.Contains(addr, "@") {
			continue
		}
		name = strings.Trim(name, "\" ")
		out = append(out, mail.Address{Name: d.text(name), Address: addr})
	}
	return out
}

func splitAddressList(s string) []string {
	var parts []string
	var quoted, angle bool
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case c == '<' && !quoted:
			angle = true
		case c == '>' && !quoted:
			angle = false
		case (c == ',' || c == ';') && !quoted && !angle:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// msgIDs extracts <id> tokens from Message-ID / In-Reply-To / References,
// without the brackets. A value without brackets counts as one id.
func msgIDs(raw string) []string {
	var ids []string
	for {
		lt := strings.IndexByte(raw, '<')
		if lt < 0 {
			break
		}
		gt := strings.IndexByte(raw[lt:], '>')
		if gt < 0 {
			break
		}
		if id := strings.TrimSpace(raw[lt+1 : lt+gt]); id != "" && !strings.ContainsAny(id, " \t") {
			ids = append(ids, id)
		}
		raw = raw[lt+gt+1:]
	}
	if len(ids) == 0 {
		if f := strings.Fields(raw); len(f) == 1 && strings.Contains(f[0], "@") {
			ids = append(ids, f[0])
		}
	}
	return ids
}

func firstID(raw string) string {
	if ids := msgIDs(raw); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// parseDate accepts RFC 5322 dates and common deviations; zero on failure.
func parseDate(raw string) time.Time {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(raw); err == nil {
		return t
	}
	// Drop a trailing comment such as "(PDT)" or "(MSK)" and retry.
	if i := strings.IndexByte(raw, '('); i > 0 {
		if t, err := mail.ParseDate(strings.TrimSpace(raw[:i])); err == nil {
			return t
		}
	}
	for _, layout := range []string{
		"Mon, 2 Jan 2006 15:04:05 -0700 MST", "2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 06 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04 -0700", "Mon Jan 2 15:04:05 2006", "2006-01-02 15:04:05 -0700", time.RFC3339,
	} {
		if t, err := time.Parse(layout, raw); err == nil {
			return t
		}
	}
	return time.Time{}
}
