package textfold

import (
	"reflect"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Zgłoszenie", "zgloszenie"},
		{"Müller", "muller"},
		{"ŻÓŁĆ gęślą jaźń", "zolc gesla jazn"},
		{"Straße", "strasse"},
		{"Ærø", "aero"},
		{"already ascii", "already ascii"},
		{"MiXeD", "mixed"},
		{"bad\xffbyte", "bad byte"},
		{"日本語", "日本語"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWords(t *testing.T) {
	got := Words("Re: Zgłoszenie #123 — can't log-in!")
	want := []string{"re", "zgloszenie", "123", "can", "t", "log", "in"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Words = %q, want %q", got, want)
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Zgłoszenie", "Müller", "\xff\xfe", "ǅ", "ﬁ", "' OR 1=1 --"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Fold(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from %q", s)
		}
		if Fold(out) != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, Fold(out))
		}
	})
}

func BenchmarkFold(b *testing.B) {
	s := "Zgłoszenie: nie mogę się zalogować do panelu klienta, proszę o pomoc"
	for b.Loop() {
		Fold(s)
	}
}
