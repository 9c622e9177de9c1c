package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// writeJSON writes v with status code.
func writeJSON(w http.ResponseWriter, code int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	return json.NewEncoder(w).Encode(v)
}

// created writes 201 with a Location header, as Zendesk clients expect.
func created(w http.ResponseWriter, location string, v any) error {
	w.Header().Set("Location", location)
	return writeJSON(w, http.StatusCreated, v)
}

// noContent is the answer to a DELETE.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var statusFor = map[string]int{
	desk.ENOTFOUND:     http.StatusNotFound,
	desk.EINVALID:      http.StatusUnprocessableEntity,
	desk.EUNAUTHORIZED: http.StatusUnauthorized,
	desk.EFORBIDDEN:    http.StatusForbidden,
	desk.ECONFLICT:     http.StatusConflict,
	desk.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	desk.ETOOMANY:      http.StatusTooManyRequests,
}

var zendeskName = map[string]string{
	desk.ENOTFOUND:  "RecordNotFound",
	desk.EINVALID:   "RecordInvalid",
	desk.EFORBIDDEN: "Forbidden",
	desk.ECONFLICT:  "UpdateConflict",
	desk.ETOOLARGE:  "RequestTooLarge",
	desk.ETOOMANY:   "TooManyRequests",
}

// badRequest is a malformed request (unparseable JSON, bad parameters).
type badRequest struct {
	name, msg string
}

func (b *badRequest) Error() string { return b.msg }

func errBadRequest(format string, args ...any) error {
	return &badRequest{name: "InvalidParameter", msg: fmt.Sprintf(format, args...)}
}

// writeError renders err as Zendesk does. Internal errors are logged with the
// request ID and shown only as a generic message.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	var br *badRequest
	if errors.As(err, &br) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": br.name, "description": br.msg})
		return
	}
	code := desk.ErrorCode(err)
	status, ok := statusFor[code]
	if !ok {
		logger.Error("api internal error", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", httpx.RequestIDFrom(r.Context()))
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "InternalError", "description": "Something went wrong; the request ID identifies it in the logs", "request_id": httpx.RequestIDFrom(r.Context())})
		return
	}
	if code == desk.EUNAUTHORIZED {
		writeJSON(w, status, map[string]any{"error": "Couldn't authenticate you"})
		return
	}
	body := map[string]any{"error": zendeskName[code], "description": desk.ErrorMessage(err)}
	var de *desk.Error
	if errors.As(err, &de) && len(de.Details) > 0 {
		body["details"] = de.Details
	}
	writeJSON(w, status, body)
}

// decode reads a JSON body into v (the envelope struct). Syntax errors and
// oversize bodies are 400/413; a wrong type for a known field is a 422 naming
// the field, so clients learn what to fix.
func decode(r *http.Request, v any) error {
	body := http.MaxBytesReader(nil, r.Body, MaxBody)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var ute *json.UnmarshalTypeError
		var de *desk.Error
		switch {
		case errors.As(err, &mbe):
			return &desk.Error{Code: desk.ETOOLARGE, Message: fmt.Sprintf("request body is larger than %d bytes", MaxBody)}
		case errors.As(err, &ute):
			field := ute.Field
			if i := strings.LastIndexByte(field, '.'); i >= 0 {
				field = field[i+1:]
			}
			return desk.Invalid(field, fmt.Sprintf("must be a %s, not a %s", jsonKind(ute.Type.Kind().String()), ute.Value))
		case errors.As(err, &de):
			return de
		case errors.Is(err, io.EOF):
			return errBadRequest("request body is empty; expected JSON")
		default:
			return &badRequest{name: "InvalidJSON", msg: "request body is not valid JSON: " + err.Error()}
		}
	}
	if dec.More() {
		return &badRequest{name: "InvalidJSON", msg: "request body has data after the JSON value"}
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "int32", "uint", "float64":
		return "number"
	case "slice":
		return "list"
	case "struct", "map", "ptr":
		return "object"
	}
	return k
}

// pathID parses a numeric path segment; anything else is "not found".
func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, desk.NotFound()
	}
	return id, nil
}

// idList parses "ids=1,2,3" (at most 100, as in Zendesk).
func idList(s string) ([]int64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errBadRequest("ids is required")
	}
	parts := strings.Split(s, ",")
	if len(parts) > 100 {
		return nil, &badRequest{name: "TooManyValues", msg: "at most 100 ids"}
	}
	out := make([]int64, 0, len(parts))
	for _, p := range parts {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || id <= 0 {
			return nil, errBadRequest("ids must be positive numbers")
		}
		out = append(out, id)
	}
	return out, nil
}

// baseURL is the scheme and host clients reached us on, for absolute URLs.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
