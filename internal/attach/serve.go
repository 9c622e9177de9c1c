package attach

import (
	"io"
	"mime"
	"net/http"
	"strconv"
)

// ServeDownload writes an attachment's bytes as a download: the sniffed
// type, never rendered inline, no re-sniffing, and a sandbox so that even a
// file opened directly cannot run script from our origin. The API and the
// web pages serve attachments only through here.
func ServeDownload(w http.ResponseWriter, contentType, fileName string, size int64, body io.Reader) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fileName}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, body)
}
