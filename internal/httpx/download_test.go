package httpx_test

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/frontdesk/frontdesk/internal/httpx"
)

// TestDownload: nothing is set until the first write, then the download's
// headers are, once.
func TestDownload(t *testing.T) {
	rec := httptest.NewRecorder()
	w := httpx.Download(rec, "application/zip", "export user 7.zip")
	if rec.Header().Get("Content-Disposition") != "" {
		t.Fatal("headers before the first write")
	}
	io.WriteString(w, "PK")
	io.WriteString(w, "more")
	if got := rec.Header().Get("Content-Disposition"); got != `attachment; filename="export user 7.zip"` {
		t.Fatalf("Content-Disposition %q", got)
	}
	if rec.Header().Get("Content-Type") != "application/zip" || rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Body.String() != "PKmore" || rec.Code != 200 {
		t.Fatalf("%d %v %q", rec.Code, rec.Header(), rec.Body.String())
	}
}
