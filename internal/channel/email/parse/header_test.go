package parse

import (
	"strings"
	"testing"
)

func TestHeaderText(t *testing.T) {
	d := headerDecoder{}
	tests := []struct{ raw, want string }{
		{"=?UTF-8?Q?Zg=C5=82oszenie?=", "Zgłoszenie"},
		{"=?utf-8?q?a?= =?utf-8?q?b?=", "ab"},                         // whitespace between words dropped
		{"=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b"},                    // but not around text
		{"=?UTF-8?B?WmfFgm9zemVuaWU?=", "Zgłoszenie"},                 // missing padding
		{"=?ISO-8859-2*pl?Q?=A3=F3d=BC?=", "Łódź"},                    // RFC 2231 language tag
		{"=?windows-1250?Q?=8Cwi=EAto?=", "Święto"},                   // Windows-1250 only letter
		{"=?x-unknown?Q?=A3ukasz_=AF=F3=B3w?=", "Łukasz Żółw"},        // unknown charset guessed
		{"=?utf-8?Q?broken", "=?utf-8?Q?broken"},                      // unterminated word kept
		{"Re:  [#42]\t folded   subject", "Re: [#42] folded subject"}, // whitespace folded
		{"=?utf-8?B?####?=", "=?utf-8?B?####?="},                      // undecodable payload kept
	}
	for _, tt := range tests {
		if got := d.text(tt.raw); got != tt.want {
			t.Errorf("text(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
	if got := (headerDecoder{hint: "iso-8859-2"}).text("Zam\xf3wienie \xb3\xf3d\xbc"); got != "Zamówienie łódź" {
		t.Errorf("raw 8-bit with a charset hint = %q", got)
	}
}

func TestAddresses(t *testing.T) {
	d := headerDecoder{}
	tests := []struct {
		raw  string
		want []string // "name|address"
	}{
		{`"Kowalski, Jan" <jan@example.pl>, anna@example.pl`, []string{"Kowalski, Jan|jan@example.pl", "|anna@example.pl"}},
		{`=?UTF-8?Q?=C5=81ukasz?= <lukasz@example.pl>`, []string{"Łukasz|lukasz@example.pl"}},
		{`Jan Kowalski jan@example.pl; <anna@example.pl>`, []string{"|jan@example.pl", "|anna@example.pl"}}, // malformed list
		{`undisclosed-recipients:;`, nil},
		{`"a@b" <real@example.com>`, []string{"a@b|real@example.com"}},
		{`Zofia \xa3ukasz <z@example.pl>`, []string{"Zofia Łukasz|z@example.pl"}},
	}
	for _, tt := range tests {
		raw := strings.ReplaceAll(tt.raw, `\xa3`, "\xa3")
		var got []string
		for _, a := range d.addresses(raw) {
			got = append(got, a.Name+"|"+a.Address)
		}
		if strings.Join(got, ";") != strings.Join(tt.want, ";") {
			t.Errorf("addresses(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestMsgIDsAndDates(t *testing.T) {
	if got := msgIDs("<a@x> <b@x>\t<c@x>"); strings.Join(got, ",") != "a@x,b@x,c@x" {
		t.Errorf("msgIDs = %v", got)
	}
	if got := firstID("bare@id.example"); got != "bare@id.example" {
		t.Errorf("bare id = %q", got)
	}
	for _, raw := range []string{"Tue, 3 Feb 2026 10:15:02 +0100", "Tue, 3 Feb 2026 10:15:02 +0100 (CET)", "3 Feb 2026 10:15:02 +0100"} {
		if d := parseDate(raw); d.IsZero() || d.UTC().Hour() != 9 {
			t.Errorf("parseDate(%q) = %v", raw, d)
		}
	}
	if !parseDate("not a date").IsZero() {
		t.Error("garbage date should be zero")
	}
}

func TestRaw8bitSubjectUsesBodyCharset(t *testing.T) {
	raw := "From: a@example.pl\r\nSubject: Zam\xf3wienie \xb3\xf3d\xbc\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=iso-8859-2\r\n\r\n\xa3\xf3d\xbc\r\n--b--\r\n"
	m, err := Parse(strings.NewReader(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Zamówienie łódź" || m.Text != "Łódź" {
		t.Errorf("subject %q, text %q", m.Subject, m.Text)
	}
}
