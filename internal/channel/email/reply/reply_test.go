package reply

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var textCases = []struct {
	name, in, want string
}{
	{"gmail one line", "Thanks!\n\nOn Mon, Feb 2, 2026 at 4:01 PM Support <s@example.com> wrote:\n> old\n", "Thanks!"},
	{"gmail wrapped attribution", "Thanks!\n\nOn Mon, Feb 2, 2026 at 4:01 PM Example Support <support@example.com>\nwrote:\n\n> old\n", "Thanks!"},
	{"apple mail", "Got it.\n\n> On 3 Feb 2026, at 10:15, Pomoc <p@example.com> wrote:\n> \n> old\n", "Got it."},
	{"thunderbird polish pisze", "Dziękuję.\n\nW dniu 03.02.2026 o 10:15, Jan Kowalski pisze:\n> stare\n", "Dziękuję."},
	{"gmail polish napisał(a)", "Dziękuję.\n\npon., 2 lut 2026 o 16:01 Pomoc <p@example.com> napisał(a):\n\n> stare\n", "Dziękuję."},
	{"W dniu … napisał(a)", "OK\n\nW dniu pon., 2 lut 2026 o 16:01 Pomoc <p@example.com> napisał(a):\n> stare\n", "OK"},
	{"original message", "See below.\n\n-----Original Message-----\nFrom: a@example.com\nSent: Monday\nTo: b\nSubject: x\n\nold", "See below."},
	{"outlook english header block", "Done.\n\nFrom: Support <s@example.com>\nSent: Monday, February 2, 2026 4:01 PM\nTo: Mark\nSubject: RE: x\n\nold", "Done."},
	{"outlook polish header block", "Zrobione.\n\nOd: Pomoc <p@example.com>\nWysłano: poniedziałek, 2 lutego 2026 16:01\nDo: Marek\nTemat: RE: x\n\nstare", "Zrobione."},
	{"outlook underscore rule", "Yes.\n\n________________________________\nFrom: Support <s@example.com>\nSent: Monday\nTo: Mark\nSubject: x\n\nold", "Yes."},
	{"polish original message", "Tak.\n\n-----Oryginalna wiadomość-----\nOd: a\nWysłano: b\n", "Tak."},
	{"trailing quote without header", "Fine by me.\n\n> earlier text\n> more\n", "Fine by me."},
	{"inline answers are kept", "> question one?\nanswer one\n> question two?\nanswer two", "> question one?\nanswer one\n> question two?\nanswer two"},
	{"signature", "Hello\n\n-- \nJan Kowalski\nACME", "Hello"},
	{"sent from my iphone", "Hello\n\nSent from my iPhone", "Hello"},
	{"wysłane z iphone", "Cześć\n\nWysłane z iPhone'a", "Cześć"},
	{"get outlook", "Hi\n\nGet Outlook for Android", "Hi"},
	{"bottom posting", "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi\nHello", "Hello"},
	{"forward keeps forwarded content", "FYI\n\n---------- Forwarded message ----------\nFrom: A <a@example.com>\nDate: Mon\nSubject: x\nTo: b@example.com\n\nforwarded body", "FYI\n\n---------- Forwarded message ----------\nFrom: A <a@example.com>\nDate: Mon\nSubject: x\nTo: b@example.com\n\nforwarded body"},
	{"only quote returns everything", "> only quoted", "> only quoted"},
	{"plain text untouched", "Line one\nLine two", "Line one\nLine two"},
	{"a From: line in prose is kept", "From: my perspective this works.\nThanks", "From: my perspective this works.\nThanks"},
	{"crlf", "Hi\r\n\r\nOn Mon, Feb 2, 2026, Bob wrote:\r\n> x\r\n", "Hi"},
}

func TestText(t *testing.T) {
	for _, tt := range textCases {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestHTML(t *testing.T) {
	tests := []struct {
		name, in, keep, drop string
	}{
		{"gmail", `<div>New text</div><div class="gmail_quote"><div class="gmail_attr">On Mon wrote:</div><blockquote class="gmail_quote">old</blockquote></div>`, "New text", "old"},
		{"gmail forward kept", `<div>FYI</div><div class="gmail_quote">---------- Forwarded message ---------<br>From: a<br>forwarded body</div>`, "forwarded body", ""},
		{"apple", `<div>New text</div><div><br><blockquote type="cite">On 3 Feb 2026, at 10:15, A wrote:<br></blockquote></div><blockquote type="cite"><div>old</div></blockquote>`, "New text", "old"},
		{"thunderbird", `<p>New text</p><div class="moz-cite-prefix">W dniu 03.02.2026 o 10:15, Jan pisze:<br></div><blockquote type="cite">old</blockquote>`, "New text", "old"},
		{"outlook web", `<div>New text</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> x</div><div>old</div>`, "New text", "old"},
		{"outlook desktop", `<div class="WordSection1"><p>New text</p><div><div style="border:none;border-top:solid #E1E1E1 1.0pt"><p><b>From:</b> x<br><b>Sent:</b> y</p></div></div><p>old</p></div>`, "New text", "old"},
		{"outlook desktop polish", `<p>Nowy</p><div style="border:none; border-top:solid #B5C4DF 1.0pt"><p><b>Od:</b> x</p></div><p>stare</p>`, "Nowy", "stare"},
		{"yahoo", `<div>New text</div><div class="yahoo_quoted">old</div>`, "New text", "old"},
		{"no quote", `<p>Just text</p>`, "Just text", ""},
	}
	for _, tt := range tests {
		got := HTML(tt.in)
		if !strings.Contains(got, tt.keep) || (tt.drop != "" && strings.Contains(got, tt.drop)) {
			t.Errorf("%s: HTML(...) = %s; want %q kept and %q dropped", tt.name, got, tt.keep, tt.drop)
		}
	}
}

func FuzzReply(f *testing.F) {
	for _, tt := range textCases {
		f.Add(tt.in)
	}
	f.Add(`<div>x</div><div class="gmail_quote"><blockquote type="cite">y</blockquote></div>`)
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if len(out) > len(strings.ReplaceAll(s, "\r\n", "\n")) {
			t.Fatalf("reply %q longer than the input %q", out, s)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("reply of valid UTF-8 is invalid: %q", out)
		}
		_ = HTML(s)
	})
}

func BenchmarkText(b *testing.B) {
	s := strings.Repeat("Some reply text here.\n", 20) + "\nOn Mon, Feb 2, 2026 at 4:01 PM Support <s@example.com> wrote:\n" + strings.Repeat("> quoted history line\n", 200)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Text(s)
	}
}
