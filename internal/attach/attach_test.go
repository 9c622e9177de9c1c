package attach

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestSaveOpenDelete(t *testing.T) {
	s, err := New(t.TempDir(), 1024)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, body, wantCT string
		wantErr                  error
	}{
		{"png bytes", "x.png", "\x89PNG\r\n\x1a\n" + strings.Repeat("x", 20), "image/png", nil},
		{"html posing as image", "cat.jpg", "<html><script>alert(1)</script></html>", "text/plain; charset=utf-8", nil},
		{"svg is not served as svg", "a.svg", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`, "text/plain; charset=utf-8", nil},
		{"csv by extension", "r.csv", "a,b\n1,2\n", "text/csv; charset=utf-8", nil},
		{"too large", "big.bin", strings.Repeat("a", 1025), "", ErrTooLarge},
		{"exactly max", "max.txt", strings.Repeat("a", 1024), "text/plain; charset=utf-8", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved, err := s.Save(context.Background(), strings.NewReader(tt.body), tt.file)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if saved.ContentType != tt.wantCT || saved.Size != int64(len(tt.body)) {
				t.Fatalf("got %+v", saved)
			}
			f, err := s.Open(context.Background(), saved.Key)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(f)
			f.Close()
			if !bytes.Equal(b, []byte(tt.body)) {
				t.Fatal("content changed")
			}
			if err := s.Delete(context.Background(), saved.Key); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Open(context.Background(), saved.Key); err == nil {
				t.Fatal("deleted blob still opens")
			}
		})
	}
	if _, err := s.Open(context.Background(), "../../etc/passwd"); err == nil {
		t.Fatal("path traversal key accepted")
	}
}
