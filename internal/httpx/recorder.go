package httpx

import (
	"io"
	"net/http"
)

// statusRecorder wraps an http.ResponseWriter to remember the status code and
// the number of body bytes written, which AccessLog, Metrics and Recover all
// need after (or while) the handler runs.
//
// It implements Unwrap so that http.ResponseController can reach the
// underlying writer for Hijack, SetReadDeadline, EnableFullDuplex, etc. Flush
// and FlushError are also implemented directly: Server-Sent Events handlers
// often use the older w.(http.Flusher) assertion, and a flush commits the
// headers, which must be reflected in the recorded status. ReadFrom keeps the
// sendfile fast path for attachment downloads served with io.Copy or
// http.ServeContent.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

// recordResponse wraps w, reusing it if it already is a statusRecorder: all
// recorders in one chain observe the same response, so stacking them would
// only cost allocations and indirections.
func recordResponse(w http.ResponseWriter) *statusRecorder {
	if rec, ok := w.(*statusRecorder); ok {
		return rec
	}
	return &statusRecorder{ResponseWriter: w}
}

func (r *statusRecorder) WriteHeader(code int) {
	// 1xx responses other than 101 are informational (e.g. 103 Early Hints);
	// the real status is still to come.
	if !r.wroteHeader && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols) {
		r.status = code
		r.wroteHeader = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.commit()
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// ReadFrom copies src to the underlying writer, which lets net/http use
// sendfile/splice when src is a file.
func (r *statusRecorder) ReadFrom(src io.Reader) (int64, error) {
	r.commit()
	n, err := io.Copy(r.ResponseWriter, src)
	r.bytes += n
	return n, err
}

// FlushError flushes through to the underlying writer, reporting
// http.ErrNotSupported if it cannot flush. http.ResponseController prefers
// this method over Flush.
func (r *statusRecorder) FlushError() error {
	r.commit()
	return http.NewResponseController(r.ResponseWriter).Flush()
}

// Flush implements http.Flusher for handlers that type-assert rather than use
// http.ResponseController.
func (r *statusRecorder) Flush() {
	_ = r.FlushError()
}

// Unwrap exposes the wrapped writer to http.ResponseController.
func (r *statusRecorder) Unwrap() http.ResponseWriter {
	return r.ResponseWriter
}

// commit records the implicit 200 that net/http sends when the body is
// written or flushed before WriteHeader.
func (r *statusRecorder) commit() {
	if !r.wroteHeader {
		r.status = http.StatusOK
		r.wroteHeader = true
	}
}
