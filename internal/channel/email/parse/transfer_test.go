package parse

import (
	"io"
	"strings"
	"testing"
)

func decodeAll(t *testing.T, encoding, in string) string {
	t.Helper()
	out, err := io.ReadAll(transferDecoder(encoding, strings.NewReader(in)))
	if err != nil {
		t.Fatalf("%s %q: %v", encoding, in, err)
	}
	return string(out)
}

func TestTransferDecoding(t *testing.T) {
	tests := []struct{ enc, in, want string }{
		{"base64", "SGVsbG8s\r\nIHdvcmxk\r\n", "Hello, world"},
		{"BASE64", "SGVsbG8sIHdvcmxkIQ==\r\ntrailing garbage", "Hello, world!"},
		{"base64", "SGVs*bG8=", "Hello"},           // stray character skipped
		{"base64", "SGVsbG8sIHdvcm", "Hello, wor"}, // truncated: whole bytes kept
		{"base64", "", ""},
		{"quoted-printable", "Zg=C5=82oszenie=\r\n awarii\r\n", "Zgłoszenie awarii\n"},
		{"quoted-printable", "=ZZ and =3", "=ZZ and =3"}, // malformed escapes kept
		{"quoted-printable", "trailing   \r\nspace", "trailing\nspace"},
		{"x-uuencode", "begin 644 a.txt\n%:&5L;&\\`\n`\nend\n", "hello"},
		{"7bit", "as is", "as is"},
		{"x-unknown", "as is", "as is"},
	}
	for _, tt := range tests {
		if got := decodeAll(t, tt.enc, tt.in); got != tt.want {
			t.Errorf("%s %q = %q, want %q", tt.enc, tt.in, got, tt.want)
		}
	}
}

func TestUUEncodedInText(t *testing.T) {
	text := "See the file.\nbegin 644 hello.txt\n%:&5L;&\\`\n`\nend\nThanks"
	rest, files := extractUUEncoded(text)
	if rest != "See the file.\nThanks" || len(files) != 1 || files[0].name != "hello.txt" || string(files[0].data) != "hello" {
		t.Fatalf("rest %q, files %+v", rest, files)
	}
}
