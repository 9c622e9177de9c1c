// Package reply separates the new text of an e-mail reply from the quoted
// history and signature below it, for plain text and for HTML.
package reply

import (
	"regexp"
	"strings"
)

// Text returns the new part of a plain-text reply: everything above the
// first quote header ("On … wrote:", "W dniu … napisał(a):", an Outlook
// "From:/Sent:" block, "-----Original Message-----"), above a trailing
// "> " quoted block, a "-- " signature or a mobile "Sent from my …" line.
// When nothing would remain the whole text is returned trimmed.
func Text(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	cut := len(lines)
	for i := range lines {
		if isQuoteStart(lines, i) || isSignatureStart(lines[i]) {
			cut = i
			break
		}
	}
	out := strings.TrimSpace(strings.Join(trimTrailingQuote(lines[:cut]), "\n"))
	if out == "" && cut < len(lines) {
		// Bottom-posting: the history came first; keep what follows it.
		out = strings.TrimSpace(strings.Join(unquoted(lines[cut+1:]), "\n"))
	}
	if out == "" {
		return strings.TrimSpace(s)
	}
	return out
}

// unquoted returns the lines that are not "> " quotes, up to a signature.
func unquoted(lines []string) []string {
	var out []string
	for _, l := range lines {
		if isSignatureStart(l) {
			break
		}
		if !strings.HasPrefix(strings.TrimSpace(l), ">") {
			out = append(out, l)
		}
	}
	return out
}

var (
	// Attribution lines of many clients and languages, possibly wrapped
	// over two lines (Gmail breaks long ones before "wrote:").
	attribution = regexp.MustCompile(`(?i)^\s*(on\b.*\b(wrote|writes)|w dniu\b.*\b(napisał\(a\)|napisała|napisał|pisze)|am\b.*\bschrieb|le\b.*\ba écrit|el\b.*\bescribió|il\b.*\bha scritto|op\b.*\bschreef|dne\b.*\bnapsal(a)?|.+\bnapisał(a|\(a\))?)\s*:?\s*$`)
	separators  = regexp.MustCompile(`(?i)^\s*(-{2,}\s*(original message|oryginalna wiadomość|wiadomość oryginalna|ursprüngliche nachricht|message d'origine|mensaje original|původní zpráva)\s*-{2,}|_{20,}|-{20,})\s*$`)
	headerFrom  = regexp.MustCompile(`(?i)^\s*\*?(from|od|von|de|от)\s*:\*?\s*\S`)
	headerNext  = regexp.MustCompile(`(?i)^\s*\*?(sent|date|to|subject|wysłano|wysłane|data|do|temat|gesendet|an|betreff|envoyé|à|objet|enviado|para|asunto|cc|dw)\s*:\*?`)
	mobileSig   = regexp.MustCompile(`(?i)^\s*(sent from my \S+|sent from (mail|outlook|yahoo mail|samsung|my mobile)\b.*|get outlook for (ios|android)|wysłane z (mojego )?(iphone|ipada?|telefonu|urządzenia)\b.*|wysłano z (mojego )?(iphone|ipada?|telefonu|urządzenia)\b.*|von meinem (iphone|ipad|smartphone) gesendet|envoyé de mon (iphone|ipad))\.?\s*$`)
)

// maxAttributionLen bounds the lines tested as attributions ("On … wrote:").
const maxAttributionLen = 400

func isQuoteStart(lines []string, i int) bool {
	l := lines[i]
	if len(l) > maxAttributionLen || !strings.ContainsAny(l, ":-_") && (i+1 >= len(lines) || !strings.Contains(lines[i+1], ":")) {
		return false // every quote start has a colon, a rule, or a colon next line
	}
	if separators.MatchString(l) {
		// A bare rule only counts when an Outlook header block follows.
		if strings.Contains(strings.ToLower(l), "message") || strings.Contains(strings.ToLower(l), "wiadomo") || strings.Contains(strings.ToLower(l), "nachricht") || strings.Contains(strings.ToLower(l), "zpráva") {
			return true
		}
		return i+1 < len(lines) && headerFrom.MatchString(lines[i+1])
	}
	if attribution.MatchString(l) && endsAttribution(l) {
		return true
	}
	if i+1 < len(lines) && strings.TrimSpace(l) != "" && attribution.MatchString(l+" "+lines[i+1]) && endsAttribution(lines[i+1]) && !attribution.MatchString(lines[i+1]) {
		return true
	}
	if introducesQuote(lines, i) {
		return true
	}
	if headerFrom.MatchString(l) {
		return headerBlockFollows(lines, i) && !afterForwardMarker(lines, i)
	}
	return false
}

// forwardMarker starts a forwarded message, whose header block is content
// to keep, not history to cut.
var forwardMarker = regexp.MustCompile(`(?i)^\s*(-+\s*(forwarded message|wiadomość przekazana dalej|weitergeleitete nachricht|message transféré)\s*-+|begin forwarded message:|początek przekazywanej wiadomości:)\s*$`)

func afterForwardMarker(lines []string, i int) bool {
	for j := i - 1; j >= 0; j-- {
		if strings.TrimSpace(lines[j]) != "" {
			return forwardMarker.MatchString(lines[j])
		}
	}
	return false
}

// introducesQuote recognises attributions in any language: one or two
// lines ending with ":" that mention an address or a date and are followed
// by "> " quoted lines.
func introducesQuote(lines []string, i int) bool {
	l := strings.TrimSpace(lines[i])
	if l == "" || strings.HasPrefix(l, ">") {
		return false
	}
	end := i
	if !strings.HasSuffix(l, ":") {
		if i+1 >= len(lines) || !strings.HasSuffix(strings.TrimSpace(lines[i+1]), ":") || strings.HasPrefix(strings.TrimSpace(lines[i+1]), ">") {
			return false
		}
		end = i + 1
		l += " " + strings.TrimSpace(lines[i+1])
	}
	if !strings.ContainsAny(l, "@0123456789") || len(l) > 300 {
		return false
	}
	for j := end + 1; j < len(lines); j++ {
		t := strings.TrimSpace(lines[j])
		if t == "" {
			continue
		}
		return strings.HasPrefix(t, ">")
	}
	return false
}

// endsAttribution: an attribution line ends with a colon (or "wrote").
func endsAttribution(l string) bool {
	t := strings.TrimSpace(l)
	return strings.HasSuffix(t, ":") || strings.HasSuffix(strings.ToLower(t), "wrote")
}

// headerBlockFollows reports whether the lines after a "From:" line look
// like a forwarded/quoted header block (at least two of Sent/To/Subject…).
func headerBlockFollows(lines []string, i int) bool {
	n := 0
	for j := i + 1; j < len(lines) && j <= i+6; j++ {
		if headerNext.MatchString(lines[j]) {
			n++
		}
	}
	return n >= 2
}

func isSignatureStart(l string) bool {
	return l == "-- " || l == "--" || l == "-- \r" || len(l) < 80 && mobileSig.MatchString(l)
}

// trimTrailingQuote drops a trailing block of "> " lines (and blank lines
// among them); inline answers between quoted lines are kept.
func trimTrailingQuote(lines []string) []string {
	end := len(lines)
	for end > 0 {
		t := strings.TrimSpace(lines[end-1])
		if t == "" || strings.HasPrefix(t, ">") {
			end--
			continue
		}
		break
	}
	return lines[:end]
}
