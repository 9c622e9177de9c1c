package password

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCommonList(t *testing.T) {
	l := common()
	if n := l.len(); n < 100_000 {
		t.Fatalf("the breached/common list has %d entries, want at least 100,000", n)
	}
	if !strings.HasSuffix(l.text, "\n") {
		t.Fatal("the list does not end with a newline")
	}
	prev := ""
	for i := range l.len() {
		e := l.at(i)
		if i > 0 && e <= prev {
			t.Fatalf("entry %d %q is not after %q: the list must be sorted and unique", i, e, prev)
		}
		if e != strings.ToLower(e) || !utf8.ValidString(e) {
			t.Fatalf("entry %d %q is not lower-case UTF-8", i, e)
		}
		if n := utf8.RuneCountInString(e); n < MinCustomLength || n > MaxLength {
			t.Fatalf("entry %d %q has %d characters", i, e, n)
		}
		prev = e
	}
	if l.has("") || l.has("\n") {
		t.Fatal("empty entries match")
	}
}

func TestIsCommon(t *testing.T) {
	tests := []struct {
		pw   string
		want bool
	}{
		{"password1", true},
		{"iloveyou", true},
		{"qwertyuiop123", true},
		{"QwertyUIOP123", true}, // case does not matter
		{"passwordpassword", true},
		{"1q2w3e4r5t6y", true},
		{"contraseña", true},
		{"pässwörd1", true}, // diacritics do not matter either
		{"!@#$%^&*", true},  // the first entry
		{"a long enough passphrase", false},
		{"correct horse battery", false},
		{"qwertyuiop1234567", false},
		{"password", true},
		{"passwor", false}, // shorter than any policy allows: not listed
		{"", false},
	}
	for _, tt := range tests {
		if got := IsCommon(tt.pw); got != tt.want {
			t.Errorf("IsCommon(%q) = %v, want %v", tt.pw, got, tt.want)
		}
	}
	first, last := common().at(0), common().at(common().len()-1)
	if !IsCommon(first) || !IsCommon(last) {
		t.Errorf("first %q or last %q entry not found", first, last)
	}
}

func TestPersonalParts(t *testing.T) {
	tests := []struct {
		names, emails []string
		pw            string
		want          bool
	}{
		{[]string{"Carol Smith"}, nil, "carol's secret garden", true},
		{[]string{"Carol Smith"}, nil, "SMITH and wesson 45", true},
		{[]string{"Carol Smith"}, nil, "xxCarol-Smithxx", true},
		{[]string{"Łukasz Żółw"}, nil, "lukasz likes rain", true},
		{[]string{"Łukasz Żółw"}, nil, "ŁUKASZ likes rain", true},
		{[]string{"Al Wu"}, nil, "always wuthering heights", false}, // parts under 4 characters
		{[]string{"Al Wu"}, nil, "alwu alwu alwu", true},            // but not the whole name
		{nil, []string{"anna.kowalska@fabrikam.example"}, "kowalska forever!", true},
		{nil, []string{"anna.kowalska@fabrikam.example"}, "AnnaKowalska1!", true},
		{nil, []string{"anna.kowalska@fabrikam.example"}, "fabrikam helpdesk staff", false}, // the domain is not personal
		{nil, []string{"anna.kowalska@fabrikam.example"}, "anna.kowalska@fabrikam.example", true},
		{nil, []string{"bo@x.example"}, "bo@x.example", true},
		{nil, []string{"bo@x.example"}, "bonanza in the sky", false},
		{[]string{""}, []string{""}, "whatever you like", false},
	}
	for _, tt := range tests {
		if got := containsPersonal(tt.pw, personalParts(tt.names, tt.emails)); got != tt.want {
			t.Errorf("%q with %v %v: %v, want %v", tt.pw, tt.names, tt.emails, got, tt.want)
		}
	}
}

func BenchmarkIsCommon(b *testing.B) {
	common()
	pws := []string{"qwertyuiop123", "a long enough passphrase", "Tr0ub4dor&3 horse"}
	b.ResetTimer()
	for i := range b.N {
		IsCommon(pws[i%len(pws)])
	}
}

func BenchmarkLoadList(b *testing.B) {
	for range b.N {
		loadList()
	}
}
