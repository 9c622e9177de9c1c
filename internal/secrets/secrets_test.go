package secrets_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/secrets"
)

func newKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, secrets.KeySize)
	rand.Read(k)
	return k
}

func newBox(t testing.TB, key []byte) *secrets.Box {
	t.Helper()
	b, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpenRoundTrip(t *testing.T) {
	b := newBox(t, newKey(t))
	for _, pt := range [][]byte{nil, {}, []byte("JBSWY3DPEHPK3PXP"), bytes.Repeat([]byte{0, 1, 2, 255}, 1000)} {
		s, err := b.Seal(pt, "totp:user:42")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s, "v1:") {
			t.Fatalf("sealed value %q lacks the version prefix", s)
		}
		if len(pt) > 4 && strings.Contains(s, string(pt)) {
			t.Fatal("sealed value contains the plaintext")
		}
		got, err := b.Open(s, "totp:user:42")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("round trip: got %q, want %q", got, pt)
		}
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	b := newBox(t, newKey(t))
	seen := map[string]bool{}
	for range 100 {
		s, err := b.Seal([]byte("same"), "ctx")
		if err != nil {
			t.Fatal(err)
		}
		if seen[s] {
			t.Fatal("two seals of the same plaintext are identical")
		}
		seen[s] = true
	}
}

func TestOpenRejects(t *testing.T) {
	key := newKey(t)
	b := newBox(t, key)
	sealed, err := b.Seal([]byte("secret seed"), "totp:user:42")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	flip := func(i int) string {
		c := bytes.Clone(raw)
		c[i] ^= 0x01
		return "v1:" + base64.StdEncoding.EncodeToString(c)
	}
	other := newBox(t, newKey(t))

	tests := []struct {
		name    string
		box     *secrets.Box
		sealed  string
		context string
	}{
		{"wrong context (other user)", b, sealed, "totp:user:43"},
		{"wrong context (prefix)", b, sealed, "totp:user:4"},
		{"empty context", b, sealed, ""},
		{"wrong key", other, sealed, "totp:user:42"},
		{"tampered nonce", b, flip(0), "totp:user:42"},
		{"tampered ciphertext", b, flip(14), "totp:user:42"},
		{"tampered tag", b, flip(len(raw) - 1), "totp:user:42"},
		{"truncated", b, "v1:" + base64.StdEncoding.EncodeToString(raw[:len(raw)-1]), "totp:user:42"},
		{"too short", b, "v1:" + base64.StdEncoding.EncodeToString(raw[:20]), "totp:user:42"},
		{"extended", b, "v1:" + base64.StdEncoding.EncodeToString(append(bytes.Clone(raw), 0)), "totp:user:42"},
		{"no version", b, strings.TrimPrefix(sealed, "v1:"), "totp:user:42"},
		{"unknown version", b, "v2:" + strings.TrimPrefix(sealed, "v1:"), "totp:user:42"},
		{"bad base64", b, "v1:!!!!", "totp:user:42"},
		{"empty", b, "", "totp:user:42"},
		{"plaintext", b, "JBSWY3DPEHPK3PXP", "totp:user:42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := tt.box.Open(tt.sealed, tt.context)
			if !errors.Is(err, secrets.ErrDecrypt) {
				t.Fatalf("Open = %q, %v; want ErrDecrypt", pt, err)
			}
		})
	}
	// Every single-bit change anywhere is caught.
	for i := range raw {
		if _, err := b.Open(flip(i), "totp:user:42"); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
}

func TestSealNeedsContextAndKey(t *testing.T) {
	b := newBox(t, newKey(t))
	if _, err := b.Seal([]byte("x"), ""); err == nil {
		t.Fatal("Seal with empty context succeeded")
	}
	var nilBox *secrets.Box
	if _, err := nilBox.Seal([]byte("x"), "c"); err == nil {
		t.Fatal("Seal on nil Box succeeded")
	}
	if _, err := nilBox.Open("v1:AAAA", "c"); err == nil {
		t.Fatal("Open on nil Box succeeded")
	}
}

func TestNewBoxKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := secrets.NewBox(make([]byte, n)); err == nil {
			t.Errorf("NewBox accepted a %d-byte key", n)
		}
	}
	// The key is copied: changing the caller's slice changes nothing.
	key := newKey(t)
	b := newBox(t, key)
	s, _ := b.Seal([]byte("x"), "c")
	for i := range key {
		key[i] = 0
	}
	if _, err := b.Open(s, "c"); err != nil {
		t.Fatalf("box depends on the caller's key slice: %v", err)
	}
}

func TestParseKeyFormats(t *testing.T) {
	key := newKey(t)
	good := map[string]string{
		"hex":               hex.EncodeToString(key),
		"hex upper":         strings.ToUpper(hex.EncodeToString(key)),
		"base64":            base64.StdEncoding.EncodeToString(key),
		"base64 raw":        base64.RawStdEncoding.EncodeToString(key),
		"base64url":         base64.URLEncoding.EncodeToString(key),
		"base64url raw":     base64.RawURLEncoding.EncodeToString(key),
		"surrounding space": "  " + base64.StdEncoding.EncodeToString(key) + "\n",
	}
	for name, s := range good {
		t.Run(name, func(t *testing.T) {
			got, err := secrets.ParseKey(s)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, key) {
				t.Fatal("decoded a different key")
			}
		})
	}
	bad := map[string]string{
		"empty":        "",
		"short base64": base64.StdEncoding.EncodeToString(key[:16]),
		"long base64":  base64.StdEncoding.EncodeToString(append(bytes.Clone(key), 1)),
		"short hex":    hex.EncodeToString(key[:31]),
		"not encoded":  "correct horse battery staple",
		"odd hex":      hex.EncodeToString(key)[:63] + "g",
	}
	for name, s := range bad {
		t.Run("bad "+name, func(t *testing.T) {
			if _, err := secrets.ParseKey(s); err == nil {
				t.Fatalf("ParseKey(%q) succeeded", s)
			}
		})
	}
}

func TestOpenFromEnv(t *testing.T) {
	key := newKey(t)
	ref := newBox(t, key)
	sealed, _ := ref.Seal([]byte("seed"), "c")
	for name, v := range map[string]string{
		"hex":       hex.EncodeToString(key),
		"base64":    base64.StdEncoding.EncodeToString(key),
		"base64url": base64.RawURLEncoding.EncodeToString(key),
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(secrets.EnvKey, v)
			dir := t.TempDir()
			b, err := secrets.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if pt, err := b.Open(sealed, "c"); err != nil || string(pt) != "seed" {
				t.Fatalf("box from env cannot open: %q, %v", pt, err)
			}
			if _, err := os.Stat(filepath.Join(dir, secrets.KeyFile)); !os.IsNotExist(err) {
				t.Fatalf("key file created although the env key is set: %v", err)
			}
		})
	}
	t.Run("env wins over file", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv(secrets.EnvKey, "")
		if _, err := secrets.Open(dir); err != nil { // creates the file
			t.Fatal(err)
		}
		t.Setenv(secrets.EnvKey, base64.StdEncoding.EncodeToString(key))
		b, err := secrets.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Open(sealed, "c"); err != nil {
			t.Fatal("env key not used")
		}
	})
	t.Run("invalid env is an error, not a fallback", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv(secrets.EnvKey, "")
		if _, err := secrets.Open(dir); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"short", hex.EncodeToString(key[:16]), base64.StdEncoding.EncodeToString(key[:31])} {
			t.Setenv(secrets.EnvKey, v)
			if _, err := secrets.Open(dir); err == nil || !strings.Contains(err.Error(), secrets.EnvKey) {
				t.Fatalf("Open with %s=%q: %v", secrets.EnvKey, v, err)
			}
		}
	})
}

func TestKeyFile(t *testing.T) {
	t.Setenv(secrets.EnvKey, "")
	dir := filepath.Join(t.TempDir(), "data") // does not exist yet
	b1, err := secrets.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, secrets.KeyFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", fi.Mode().Perm())
	}
	content, _ := os.ReadFile(path)
	if _, err := secrets.ParseKey(string(content)); err != nil {
		t.Fatalf("key file content: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("data directory holds %d entries, want only the key file", len(entries))
	}

	// A second Open (a restart) reads the same key.
	sealed, _ := b1.Seal([]byte("seed"), "c")
	b2, err := secrets.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b2.Open(sealed, "c"); err != nil {
		t.Fatal("restart produced a different key")
	}

	if runtime.GOOS != "windows" {
		t.Run("refuses loose permissions", func(t *testing.T) {
			for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
				if err := os.Chmod(path, mode); err != nil {
					t.Fatal(err)
				}
				if _, err := secrets.Open(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
					t.Fatalf("mode %04o: Open = %v, want a refusal", mode, err)
				}
			}
			os.Chmod(path, 0o600)
			if _, err := secrets.Open(dir); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("malformed file", func(t *testing.T) {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, secrets.KeyFile), []byte("not a key\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := secrets.Open(d); err == nil {
			t.Fatal("malformed key file accepted")
		}
	})
	t.Run("no data directory", func(t *testing.T) {
		if _, err := secrets.Open(""); err == nil {
			t.Fatal("Open without env key or data directory succeeded")
		}
	})
}

// Processes or goroutines starting at once must agree on one key.
func TestKeyFileConcurrentCreation(t *testing.T) {
	t.Setenv(secrets.EnvKey, "")
	dir := t.TempDir()
	const n = 16
	boxes := make([]*secrets.Box, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { boxes[i], errs[i] = secrets.Open(dir) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sealed, _ := boxes[0].Seal([]byte("seed"), "c")
	for i, b := range boxes {
		if _, err := b.Open(sealed, "c"); err != nil {
			t.Fatalf("box %d has a different key", i)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	box := newBox(b, newKey(b))
	s, _ := box.Seal([]byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), "totp:user:42")
	for b.Loop() {
		if _, err := box.Open(s, "totp:user:42"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDeriveKeyIsStablePerPurposeAndKey(t *testing.T) {
	k1 := bytes.Repeat([]byte{1}, secrets.KeySize)
	k2 := bytes.Repeat([]byte{2}, secrets.KeySize)
	a, _ := secrets.NewBox(k1)
	a2, _ := secrets.NewBox(k1)
	b, _ := secrets.NewBox(k2)
	x, err := a.DeriveKey("p")
	if err != nil {
		t.Fatal(err)
	}
	y, _ := a2.DeriveKey("p")
	z, _ := a.DeriveKey("q")
	w, _ := b.DeriveKey("p")
	if !bytes.Equal(x, y) || bytes.Equal(x, z) || bytes.Equal(x, w) || bytes.Equal(x, k1) || len(x) != 32 {
		t.Fatalf("derived keys: same purpose %x/%x, other purpose %x, other key %x", x, y, z, w)
	}
	if _, err := a.DeriveKey(""); err == nil {
		t.Fatal("empty purpose accepted")
	}
}

func TestOlderKeys(t *testing.T) {
	k1, _ := secrets.NewKey()
	k2, _ := secrets.NewKey()
	b1, _ := secrets.NewBox(k1)
	b2, _ := secrets.NewBox(k2)
	sealed, err := b1.Seal([]byte("seed"), "totp:user:1")
	if err != nil {
		t.Fatal(err)
	}
	both := b2.WithOlder(b1)
	if v, err := both.Open(sealed, "totp:user:1"); err != nil || string(v) != "seed" {
		t.Fatalf("older key not tried: %q %v", v, err)
	}
	if _, err := both.Open(sealed, "totp:user:2"); !errors.Is(err, secrets.ErrDecrypt) {
		t.Fatalf("wrong context with an older key: %v", err)
	}
	if _, err := b2.Open(sealed, "totp:user:1"); !errors.Is(err, secrets.ErrDecrypt) {
		t.Fatal("WithOlder changed the original box")
	}
	// Seal uses the new key only.
	fresh, _ := both.Seal([]byte("x"), "c")
	if _, err := b1.Open(fresh, "c"); err == nil {
		t.Fatal("sealed with the older key")
	}
	if _, err := b2.Open(fresh, "c"); err != nil {
		t.Fatal(err)
	}
	ks, err := both.DeriveKeys("p")
	if err != nil || len(ks) != 2 {
		t.Fatalf("DeriveKeys: %d %v", len(ks), err)
	}
	d1, _ := b1.DeriveKey("p")
	d2, _ := b2.DeriveKey("p")
	if string(ks[0]) != string(d2) || string(ks[1]) != string(d1) {
		t.Fatal("DeriveKeys: want the key's derivation first, then the older key's")
	}
}

func TestOpenReadsRotationFiles(t *testing.T) {
	t.Setenv(secrets.EnvKey, "")
	t.Setenv(secrets.EnvPreviousKey, "")
	dir := t.TempDir()
	cur, err := secrets.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := cur.Seal([]byte("old"), "c")
	next, err := secrets.PrepareRotation(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := secrets.PrepareRotation(dir)
	if err != nil {
		t.Fatal(err)
	}
	probe, _ := next.Seal([]byte("new"), "c")
	if _, err := again.Open(probe, "c"); err != nil {
		t.Fatal("PrepareRotation made a second new key instead of reusing secret.key.new")
	}
	// Mid-rotation, Open reads values sealed with either key.
	mid, err := secrets.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{old, probe} {
		if _, err := mid.Open(v, "c"); err != nil {
			t.Fatalf("mid-rotation: %v", err)
		}
	}
	if err := secrets.FinishRotation(dir); err != nil {
		t.Fatal(err)
	}
	done, err := secrets.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := done.Seal([]byte("x"), "c")
	if _, err := next.Open(fresh, "c"); err != nil {
		t.Fatal("after FinishRotation the key is not the new one")
	}
	if _, err := done.Open(old, "c"); err != nil {
		t.Fatal("after FinishRotation the old key (secret.key.old) is not read")
	}
	if _, err := os.Stat(filepath.Join(dir, secrets.NewKeyFile)); !os.IsNotExist(err) {
		t.Fatal("secret.key.new left behind")
	}
	t.Setenv(secrets.EnvPreviousKey, "not a key")
	if _, err := secrets.Open(dir); err == nil || !strings.Contains(err.Error(), secrets.EnvPreviousKey) {
		t.Fatalf("a bad %s: %v", secrets.EnvPreviousKey, err)
	}
}
