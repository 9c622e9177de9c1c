package httpx

import (
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// Recover returns middleware that turns a handler panic into a logged error
// and a 500 response, so one bad request neither kills the connection
// silently nor goes unnoticed (net/http's own recovery only prints to the
// standard logger, without the request ID).
//
// The log record has the panic value, the stack, the request ID, method and
// path. onPanic writes the response so the API and the web UI can each
// answer in their own format; if nil, a plain-text 500 is written.
//
// Two cases are not answered with a 500:
//
//   - http.ErrAbortHandler is the documented way for a handler to abort a
//     response; it is re-panicked untouched so net/http drops the connection
//     without logging.
//   - If the handler had already started the response, a 500 can no longer
//     be sent and appending an error to a half-written body would pass for
//     a complete (but corrupt) response. The panic is logged and then
//     re-raised as http.ErrAbortHandler so the client sees a broken
//     connection instead.
func Recover(logger *slog.Logger, onPanic func(w http.ResponseWriter, r *http.Request)) func(http.Handler) http.Handler {
	if onPanic == nil {
		onPanic = func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := recordResponse(w)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				logger.LogAttrs(r.Context(), slog.LevelError, "http handler panic",
					slog.Any("panic", v),
					slog.String("stack", string(debug.Stack())),
					slog.String("request_id", RequestIDFrom(r.Context())),
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
				)
				if rec.wroteHeader {
					panic(http.ErrAbortHandler)
				}
				onPanic(rec, r)
			}()
			next.ServeHTTP(rec, r)
		})
	}
}
