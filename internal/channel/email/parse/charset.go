package parse

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	xunicode "golang.org/x/text/encoding/unicode"
)

// lookupEncoding maps a MIME charset label to a decoder. WHATWG labels come
// first because they encode what mail clients really mean (GB2312 is GBK,
// ISO-8859-1 is Windows-1252, ks_c_5601-1987 is EUC-KR); IANA names next.
// nil means unknown.
func lookupEncoding(label string) encoding.Encoding {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if label == "" {
		return nil
	}
	switch label {
	case "utf8", "x-utf_8j", "unicode-1-1-utf-8":
		return xunicode.UTF8
	case "ascii", "us-ascii", "ansi_x3.4-1968", "iso646-us":
		return nil // ASCII declared for 8-bit text is a lie: guess instead
	case "iso-2022-jp-2", "iso-2022-jp-3", "csiso2022jp":
		return japanese.ISO2022JP
	case "cp932", "ms932", "windows-31j", "x-sjis", "shift-jis", "sjis":
		return japanese.ShiftJIS
	}
	if e, err := htmlindex.Get(label); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.MIME.Encoding(label); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.IANA.Encoding(label); err == nil && e != nil {
		return e
	}
	return nil
}

func isUTF8(e encoding.Encoding) bool { return e == xunicode.UTF8 }

// charsetReader serves mime.WordDecoder and AddressParser: unknown charsets
// decode best-effort instead of failing.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(io.LimitReader(input, maxHeaderBytes))
	if err != nil {
		return nil, err
	}
	return strings.NewReader(decodeWithLabel(b, label)), nil
}

// decodeWithLabel decodes b declared as charset label; an unknown or wrong
// label falls back to guessing. The result is always valid UTF-8.
func decodeWithLabel(b []byte, label string) string {
	enc := lookupEncoding(label)
	switch {
	case enc == nil:
		return decodeBytes(b, "")
	case isUTF8(enc):
		if utf8.Valid(b) {
			return string(b)
		}
		return decodeBytes(b, "")
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil || replacementShare(out) > 0.2 {
		return decodeBytes(b, "")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// decodeBytes decodes text of unknown charset: UTF-8 when valid, else the
// hint charset when it decodes cleanly, else the best-scoring candidate.
func decodeBytes(b []byte, hint string) string {
	if bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@")) {
		if out, err := japanese.ISO2022JP.NewDecoder().Bytes(b); err == nil {
			return strings.ToValidUTF8(string(out), "\uFFFD")
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	if enc := lookupEncoding(hint); enc != nil && !isUTF8(enc) {
		if out, err := enc.NewDecoder().Bytes(b); err == nil && scoreText(out) > 0 {
			return strings.ToValidUTF8(string(out), "\uFFFD")
		}
	}
	sample := b
	if len(sample) > 64<<10 {
		sample = sample[:64<<10]
	}
	best, bestScore := guessCandidates[0], -1e18
	for _, c := range guessCandidates {
		out, err := c.enc.NewDecoder().Bytes(sample)
		if err != nil {
			continue
		}
		if s := scoreText(out); s > bestScore {
			best, bestScore = c, s
		}
	}
	out, err := best.enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

type candidate struct {
	name string
	enc  encoding.Encoding
}

// guessCandidates are the charsets undeclared 8-bit mail usually is in,
// most likely first (ties go to the earlier one).
var guessCandidates = func() []candidate {
	var out []candidate
	for _, n := range []string{"windows-1252", "windows-1250", "iso-8859-2", "koi8-r", "windows-1251", "shift_jis", "euc-jp", "gb18030", "euc-kr", "big5"} {
		e := lookupEncoding(n)
		if e == nil {
			panic(fmt.Sprintf("parse: charset %s missing", n))
		}
		out = append(out, candidate{n, e})
	}
	return out
}()

// scoreText rates how plausible decoded text is as human language: letters
// frequent in their language score high, replacement characters, controls
// and box-drawing symbols score low, and a Cyrillic/Latin/CJK mix is
// penalised.
func scoreText(b []byte) float64 {
	var score float64
	scripts := map[string]int{}
	runes := []rune(string(b))
	for i, r := range runes {
		if r < 0x80 {
			continue
		}
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) && (asciiLetterAt(runes, i-1) || asciiLetterAt(runes, i+1)) {
			score -= 4 // a Cyrillic or CJK letter glued to a Latin one
		}
		switch {
		case r == utf8.RuneError:
			score -= 10
		case r < 0xA0 || unicode.Is(unicode.Co, r):
			score -= 6
		case strings.ContainsRune(commonLatin, r):
			score += 2
			scripts["latin"]++
		case strings.ContainsRune(commonCyrillic, r):
			score += 3
			scripts["cyrillic"]++
		case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r) && r < 0xFF00, r == 'ー':
			// Kana appear in nearly all Japanese text and almost never in
			// other encodings' misreadings of it, so they outweigh Han.
			score += 4
			scripts["cjk"]++
		case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hangul, r):
			score += 3
			scripts["cjk"]++
		case unicode.IsLetter(r):
			score += 0.5
			switch {
			case unicode.Is(unicode.Cyrillic, r):
				scripts["cyrillic"]++
			case unicode.Is(unicode.Latin, r):
				scripts["latin"]++
			default:
				scripts["other"]++
			}
		case unicode.IsSpace(r) || unicode.IsPunct(r):
		default:
			score -= 2 // symbols, box drawing, stray marks
		}
	}
	if len(scripts) > 1 {
		score -= float64(len(scripts)-1) * 4
	}
	return score
}

const (
	commonLatin    = "áàâäãåæçéèêëíìîïñóòôöõøœúùûüýÿßÁÀÂÄÃÅÆÇÉÈÊËÍÎÏÑÓÒÔÖÕØŒÚÙÛÜÝąćęłńśźżĄĆĘŁŃŚŹŻčďěňřšťůžČĎĚŇŘŠŤŮŽőűŐŰ"
	commonCyrillic = "оеаинтсрвлкмдпуяыьгзбчйОЕАИНТСРВЛКМДПУЯЫЬГЗБЧЙ"
)

func replacementShare(b []byte) float64 {
	n, bad := 0, 0
	for _, r := range string(b) {
		n++
		if r == utf8.RuneError {
			bad++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(bad) / float64(n)
}

// encodedWord matches an RFC 2047 encoded-word, tolerating a missing
// language tag, lower-case encodings and empty text.
var encodedWord = regexp.MustCompile(`=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=`)

// decodeWordsLeniently decodes every encoded-word in s, dropping the
// whitespace between adjacent words, and leaves anything undecodable as is.
// It is used for the header values mime.WordDecoder rejects.
func decodeWordsLeniently(s string) string {
	var b strings.Builder
	last := 0
	prevWordEnd := -1
	for _, m := range encodedWord.FindAllStringSubmatchIndex(s, -1) {
		between := s[last:m[0]]
		if !(prevWordEnd == last && strings.TrimSpace(between) == "") {
			b.WriteString(between)
		}
		label := s[m[2]:m[3]]
		if i := strings.IndexByte(label, '*'); i >= 0 {
			label = label[:i] // RFC 2231 language suffix
		}
		raw, ok := decodeWordPayload(s[m[4]:m[5]], s[m[6]:m[7]])
		if ok {
			b.WriteString(decodeWithLabel(raw, label))
		} else {
			b.WriteString(s[m[0]:m[1]])
		}
		last, prevWordEnd = m[1], m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

func decodeWordPayload(enc, text string) ([]byte, bool) {
	if enc == "b" || enc == "B" {
		text = strings.TrimRight(text, "=")
		out, err := base64.RawStdEncoding.DecodeString(text)
		if err != nil {
			// Drop a trailing partial quantum (truncated word).
			cut := len(text) - len(text)%4
			out, err = base64.RawStdEncoding.DecodeString(text[:cut])
			if err != nil {
				return nil, false
			}
		}
		return out, true
	}
	var out []byte
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
			out = append(out, unhex(text[i+1])<<4|unhex(text[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func asciiLetterAt(runes []rune, i int) bool {
	if i < 0 || i >= len(runes) {
		return false
	}
	r := runes[i]
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
}
