package ticket

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFindCardNumbers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"card 4111111111111111 ok", []string{"4111111111111111"}},
		{"4111 1111 1111 1111", []string{"4111 1111 1111 1111"}},
		{"Visa: 4111-1111-1111-1111.", []string{"4111-1111-1111-1111"}},
		{"amex 3782 822463 10005 and mc 5555555555554444", []string{"3782 822463 10005", "5555555555554444"}},
		{"4111111111111112", nil},                  // Luhn fails
		{"order 123456789012", nil},                // 12 digits
		{"41111111111111111111111", nil},           // 23 digits
		{"x4111111111111111", nil},                 // part of a word
		{"4111111111111111x", nil},                 // part of a word
		{"4111  1111 1111 1111", nil},              // double space splits the groups
		{"0000000000000000", nil},                  // leading zero
		{"tel. +48 600 100 200, ticket 4242", nil}, // too short
		{"", nil},
	} {
		if got := FindCardNumbers(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("FindCardNumbers(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got, ok := RedactCardNumbers("pay with 4111 1111 1111 1111 now")
	if !ok || got != "pay with "+strings.Repeat("▇", 19)+" now" {
		t.Errorf("RedactCardNumbers = %q %v", got, ok)
	}
}

func FuzzFindCardNumbers(f *testing.F) {
	for _, s := range []string{"4111 1111 1111 1111", "5555-5555-5555-4444", "a4111111111111111", "4111111111111111\u00e9",
		"1 2 3 4 5 6 7 8 9 0 1 2 3", "3782 822463 10005 4111111111111111", "--4111111111111111--", "\xff4111111111111111"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		found := FindCardNumbers(s)
		for _, n := range found {
			if !strings.Contains(s, n) {
				t.Fatalf("%q not in input", n)
			}
			var digits []byte
			for i := 0; i < len(n); i++ {
				if n[i] >= '0' && n[i] <= '9' {
					digits = append(digits, n[i])
				} else if n[i] != ' ' && n[i] != '-' {
					t.Fatalf("%q has byte %q", n, n[i])
				}
			}
			if len(digits) < minCardDigits || len(digits) > maxCardDigits || !luhn(string(digits)) {
				t.Fatalf("%q is not a card number", n)
			}
		}
		red, ok := RedactCardNumbers(s)
		if ok != (len(found) > 0) {
			t.Fatalf("reported %v for %d numbers", ok, len(found))
		}
		if again := FindCardNumbers(red); len(again) != 0 {
			t.Fatalf("after redaction %q still has %q", red, again)
		}
		if utf8.ValidString(s) && !utf8.ValidString(red) {
			t.Fatalf("redaction broke UTF-8: %q", red)
		}
	})
}

func FuzzRedactTags(f *testing.F) {
	for _, s := range []string{"<p>my <redact>secret</redact></p>", "<REDACT>a</Redact> <redact><b>x</b></redact>", "<redact>open",
		"</redact>", "<redact><redact>a</redact></redact>", "<redact>&amp;&lt;</redact>", "<redact> </redact>", "no tags"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		texts, err := RedactTags(s)
		if err != nil {
			if len(texts) != 0 {
				t.Fatalf("error %v with texts %q", err, texts)
			}
			return
		}
		if len(texts) == 0 {
			t.Fatal("no error and nothing to redact")
		}
		for _, x := range texts {
			if strings.TrimSpace(x) == "" {
				t.Fatalf("text %q from %q", x, s)
			}
		}
	})
}
