package httpx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecover(t *testing.T) {
	jsonOnPanic := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":"InternalError"}`))
	}
	tests := []struct {
		name       string
		onPanic    func(http.ResponseWriter, *http.Request)
		handler    http.HandlerFunc
		wantStatus int
		wantBody   string
		wantLog    bool
		wantPanic  error // re-panicked value, if any
	}{
		{
			name:       "no panic passes through",
			handler:    func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) },
			wantStatus: 200, wantBody: "ok",
		},
		{
			name:       "panic with default response",
			handler:    func(w http.ResponseWriter, r *http.Request) { panic("boom") },
			wantStatus: 500, wantBody: "Internal Server Error\n", wantLog: true,
		},
		{
			name:       "panic with custom response",
			onPanic:    jsonOnPanic,
			handler:    func(w http.ResponseWriter, r *http.Request) { panic(errors.New("db gone")) },
			wantStatus: 500, wantBody: `{"error":"InternalError"}`, wantLog: true,
		},
		{
			name:      "ErrAbortHandler is re-panicked without logging",
			handler:   func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) },
			wantPanic: http.ErrAbortHandler,
		},
		{
			name: "panic after response started aborts",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("partial"))
				panic("late boom")
			},
			wantStatus: 200, wantBody: "partial", wantLog: true, wantPanic: http.ErrAbortHandler,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, buf := newTestLogger()
			h := RequestID(Recover(logger, tt.onPanic)(tt.handler))
			req := httptest.NewRequest(http.MethodGet, "/tickets?token=x", nil)
			req.Header.Set(RequestIDHeader, "rid-42")
			rr := httptest.NewRecorder()

			var panicked any
			func() {
				defer func() { panicked = recover() }()
				h.ServeHTTP(rr, req)
			}()
			if tt.wantPanic != nil {
				if err, _ := panicked.(error); !errors.Is(err, tt.wantPanic) {
					t.Errorf("re-panic = %v, want %v", panicked, tt.wantPanic)
				}
			} else if panicked != nil {
				t.Errorf("unexpected panic escaped: %v", panicked)
			}
			if tt.wantStatus != 0 && rr.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rr.Code, tt.wantStatus)
			}
			if tt.wantStatus != 0 && rr.Body.String() != tt.wantBody {
				t.Errorf("body = %q, want %q", rr.Body.String(), tt.wantBody)
			}

			recs := buf.records(t)
			if !tt.wantLog {
				if len(recs) != 0 {
					t.Errorf("unexpected log: %v", recs)
				}
				return
			}
			if len(recs) != 1 {
				t.Fatalf("got %d log lines, want 1", len(recs))
			}
			rec := recs[0]
			if rec["level"] != "ERROR" || rec["request_id"] != "rid-42" || rec["path"] != "/tickets" || rec["method"] != "GET" {
				t.Errorf("log record = %v", rec)
			}
			if s, _ := rec["stack"].(string); !strings.Contains(s, "recover_test.go") {
				t.Errorf("stack does not reach the panicking handler: %q", s)
			}
			if rec["panic"] == nil {
				t.Error("panic value missing")
			}
		})
	}
}
