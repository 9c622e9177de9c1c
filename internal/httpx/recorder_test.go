package httpx

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// noFlushWriter is a ResponseWriter that supports none of the optional
// interfaces.
type noFlushWriter struct{ h http.Header }

func (w *noFlushWriter) Header() http.Header         { return w.h }
func (w *noFlushWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *noFlushWriter) WriteHeader(int)             {}

// wrappers lists every middleware that wraps the ResponseWriter, so the
// interface-preservation tests cover all of them.
func wrappers(t *testing.T) map[string]func(http.Handler) http.Handler {
	logger, _ := newTestLogger()
	return map[string]func(http.Handler) http.Handler{
		"AccessLog": func(h http.Handler) http.Handler { return AccessLog(logger, h) },
		"Recover":   Recover(logger, nil),
		"Metrics":   NewMetrics(nil).Middleware,
		"all": func(h http.Handler) http.Handler {
			return AccessLog(logger, Recover(logger, nil)(NewMetrics(nil).Middleware(h)))
		},
	}
}

func TestRecorderFlush(t *testing.T) {
	for name, wrap := range wrappers(t) {
		t.Run(name, func(t *testing.T) {
			tests := []struct {
				name  string
				flush func(w http.ResponseWriter) error
			}{
				{"ResponseController", func(w http.ResponseWriter) error {
					return http.NewResponseController(w).Flush()
				}},
				{"Flusher assertion", func(w http.ResponseWriter) error {
					f, ok := w.(http.Flusher)
					if !ok {
						return errors.New("not an http.Flusher")
					}
					f.Flush()
					return nil
				}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					rr := httptest.NewRecorder()
					var err error
					h := wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						w.Write([]byte("data: 1\n\n"))
						err = tt.flush(w)
					}))
					h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/events", nil))
					if err != nil {
						t.Fatal(err)
					}
					if !rr.Flushed {
						t.Error("underlying recorder was not flushed")
					}
				})
			}
		})
	}
}

func TestRecorderFlushNotSupported(t *testing.T) {
	rec := recordResponse(&noFlushWriter{h: http.Header{}})
	if err := http.NewResponseController(rec).Flush(); !errors.Is(err, http.ErrNotSupported) {
		t.Errorf("Flush error = %v, want ErrNotSupported", err)
	}
	if !rec.wroteHeader || rec.status != http.StatusOK {
		t.Errorf("flush should commit an implicit 200, got wrote=%v status=%d", rec.wroteHeader, rec.status)
	}
}

func TestRecorderStatus(t *testing.T) {
	tests := []struct {
		name       string
		write      func(w http.ResponseWriter)
		wantStatus int
		wantBytes  int64
	}{
		{"nothing", func(w http.ResponseWriter) {}, 0, 0},
		{"implicit 200", func(w http.ResponseWriter) { w.Write([]byte("abc")) }, 200, 3},
		{"explicit", func(w http.ResponseWriter) { w.WriteHeader(418); w.Write([]byte("tea")) }, 418, 3},
		{"second WriteHeader ignored", func(w http.ResponseWriter) { w.WriteHeader(404); w.WriteHeader(500) }, 404, 0},
		{"1xx is not final", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte("ok"))
		}, 201, 2},
		{"101 is final", func(w http.ResponseWriter) { w.WriteHeader(http.StatusSwitchingProtocols) }, 101, 0},
		{"multiple writes", func(w http.ResponseWriter) { w.Write([]byte("ab")); w.Write([]byte("cde")) }, 200, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := recordResponse(&noFlushWriter{h: http.Header{}})
			tt.write(rec)
			if rec.status != tt.wantStatus || rec.bytes != tt.wantBytes {
				t.Errorf("status=%d bytes=%d, want %d %d", rec.status, rec.bytes, tt.wantStatus, tt.wantBytes)
			}
		})
	}
}

func TestRecorderReuse(t *testing.T) {
	rr := httptest.NewRecorder()
	a := recordResponse(rr)
	if b := recordResponse(a); b != a {
		t.Error("recordResponse did not reuse an existing recorder")
	}
	if a.Unwrap() != rr {
		t.Error("Unwrap did not return the wrapped writer")
	}
}

func TestRecorderReadFrom(t *testing.T) {
	rr := httptest.NewRecorder()
	rec := recordResponse(rr)
	n, err := io.Copy(rec, strings.NewReader("attachment bytes"))
	if err != nil || n != 16 {
		t.Fatalf("io.Copy = %d, %v", n, err)
	}
	if rec.bytes != 16 || rec.status != 200 || rr.Body.String() != "attachment bytes" {
		t.Errorf("bytes=%d status=%d body=%q", rec.bytes, rec.status, rr.Body.String())
	}
}

// TestRecorderRealServer checks Hijack and SetWriteDeadline through the whole
// wrapper stack against a real net/http server, which httptest.Recorder
// cannot emulate.
func TestRecorderRealServer(t *testing.T) {
	logger, _ := newTestLogger()
	hijacked := make(chan error, 1)
	inner := http.NewServeMux()
	inner.HandleFunc("GET /hijack", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			hijacked <- err
			return
		}
		conn, brw, err := rc.Hijack()
		if err != nil {
			hijacked <- err
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
		hijacked <- brw.Flush()
	})
	h := RequestID(AccessLog(logger, Recover(logger, nil)(SecurityHeaders(NewMetrics(nil).Middleware(inner)))))
	srv := httptest.NewServer(h)
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if err := <-hijacked; err != nil {
		t.Fatalf("hijack through wrappers: %v", err)
	}
	if string(body) != "hi" {
		t.Errorf("body = %q", body)
	}
}
