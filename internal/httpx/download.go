package httpx

import (
	"io"
	"mime"
	"net/http"
)

// Download returns a writer for a file the client saves (an export): the
// headers (contentType, Content-Disposition: attachment with fileName,
// nosniff, no-store) are set on its first write, so a handler whose
// service fails before writing anything can still answer with an error.
func Download(w http.ResponseWriter, contentType, fileName string) io.Writer {
	return &download{w: w, contentType: contentType, fileName: fileName}
}

type download struct {
	w                     http.ResponseWriter
	contentType, fileName string
	started               bool
}

func (d *download) Write(b []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.w.Header()
		h.Set("Content-Type", d.contentType)
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.fileName}))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		d.w.WriteHeader(http.StatusOK)
	}
	return d.w.Write(b)
}
