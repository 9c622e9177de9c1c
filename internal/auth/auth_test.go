package auth

import (
	"strings"
	"testing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected encoding %q", h)
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{"correct horse battery staple", true},
		{"correct horse battery stapl", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := CheckPassword(h, tt.pw); got != tt.want {
			t.Errorf("CheckPassword(%q) = %v", tt.pw, got)
		}
	}
	if NeedsRehash(h) {
		t.Error("fresh hash needs rehash")
	}
	weak, _ := hashWith("x", Argon2Params{Time: 1, Memory: 1024, Threads: 1, KeyLen: 32})
	if !NeedsRehash(weak) || !CheckPassword(weak, "x") {
		t.Error("weak hash should verify and need rehash")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA"} {
		if CheckPassword(bad, "x") {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestTokens(t *testing.T) {
	a, ha := NewToken()
	b, _ := NewToken()
	if a == b || len(a) < 40 || HashToken(a) != ha || strings.Contains(ha, a) {
		t.Fatalf("bad tokens %q %q", a, b)
	}
}

func BenchmarkHashToken(b *testing.B) {
	tok, _ := NewToken()
	for b.Loop() {
		HashToken(tok)
	}
}
