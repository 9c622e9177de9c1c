package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// writeJSON writes v with status code. A body that is a map (every
// handler's) is encoded key by key with its tickets and users written by
// desk's hand encoder (desk.AppendTicketJSON, desk.AppendUserJSON): the
// same bytes encoding/json writes, without its reflection over every field
// of every record, which was the largest cost of a ticket list.
//
// The body is encoded before the status is written: an encoding error is
// returned with nothing sent, so the handler's caller answers it as any
// other error, and the answer carries its Content-Length instead of being
// sent in chunks.
func writeJSON(w http.ResponseWriter, code int, v any) error {
	bp := bodyPool.Get().(*[]byte)
	b, err := appendJSON((*bp)[:0], v)
	if err == nil {
		b = append(b, '\n')
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(code)
		_, err = w.Write(b)
	}
	if cap(b) <= maxPooledBody {
		*bp = b[:0]
		bodyPool.Put(bp)
	}
	return err
}

// appendJSON appends v as encoding/json writes it (without the newline).
func appendJSON(b []byte, v any) ([]byte, error) {
	body, ok := v.(map[string]any)
	if !ok || body == nil { // a nil map is JSON null
		data, err := json.Marshal(v)
		return append(b, data...), err
	}
	return appendBody(b, body)
}

// rawList is a JSON list whose items this package encoded itself (desk's
// hand encoder, or json.Marshal): compact, valid and HTML-escaped as
// encoding/json writes them. writeJSON copies them as they are, where
// encoding/json would scan each json.RawMessage again to compact it.
type rawList []json.RawMessage

// bodyPool holds response buffers; one larger than maxPooledBody (an
// export, a long list) is left to the collector.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

const maxPooledBody = 1 << 20

// appendBody appends body as encoding/json encodes a map[string]any: keys
// sorted, each value as json.Marshal writes it.
func appendBody(b []byte, body map[string]any) ([]byte, error) {
	var keysArr [16]string
	keys := keysArr[:0]
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = desk.AppendJSONString(b, k)
		b = append(b, ':')
		if b, err = appendValue(b, body[k]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendValue writes the tickets and users of a body with desk's encoder
// (see records) and hands anything else to encoding/json.
func appendValue(b []byte, v any) ([]byte, error) {
	if f := records(v); f != nil {
		return f(b)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, data...), nil
}

// records is the hand encoder of v when v is tickets or users (a list of
// records or pointers, a single one, their wire forms) or a rawList, else
// nil. A nil list, a nil pointer and a list holding a nil record are left
// to encoding/json as they are.
func records(v any) func([]byte) ([]byte, error) {
	switch x := v.(type) {
	case []*desk.Ticket:
		return ptrList(x, appendTicket)
	case []desk.Ticket:
		return valList(x, appendTicket)
	case *desk.Ticket:
		return one(x, appendTicket)
	case desk.Ticket:
		return one(&x, appendTicket)
	case []desk.TicketWire:
		return valList(x, desk.AppendTicketJSON)
	case []*desk.User:
		return ptrList(x, appendUser)
	case []desk.User:
		return valList(x, appendUser)
	case *desk.User:
		return one(x, appendUser)
	case desk.User:
		return one(&x, appendUser)
	case []desk.UserWire:
		return valList(x, desk.AppendUserJSON)
	case rawList:
		return valList([]json.RawMessage(x), func(b []byte, m *json.RawMessage) ([]byte, error) { return append(b, *m...), nil })
	}
	return nil
}

// ptrList encodes a list of records held by pointer with enc; nil for a
// nil list or one holding a nil record.
func ptrList[T any](xs []*T, enc func([]byte, *T) ([]byte, error)) func([]byte) ([]byte, error) {
	if xs == nil || slices.Contains(xs, nil) {
		return nil
	}
	return func(b []byte) ([]byte, error) {
		return appendList(b, len(xs), func(b []byte, i int) ([]byte, error) { return enc(b, xs[i]) })
	}
}

// valList encodes a list of records held by value with enc; nil for a
// nil list.
func valList[T any](xs []T, enc func([]byte, *T) ([]byte, error)) func([]byte) ([]byte, error) {
	if xs == nil {
		return nil
	}
	return func(b []byte) ([]byte, error) {
		return appendList(b, len(xs), func(b []byte, i int) ([]byte, error) { return enc(b, &xs[i]) })
	}
}

// one encodes a single record with enc; nil for a nil pointer.
func one[T any](x *T, enc func([]byte, *T) ([]byte, error)) func([]byte) ([]byte, error) {
	if x == nil {
		return nil
	}
	return func(b []byte) ([]byte, error) { return enc(b, x) }
}

func appendTicket(b []byte, t *desk.Ticket) ([]byte, error) {
	w := t.Wire()
	return desk.AppendTicketJSON(b, &w)
}

func appendUser(b []byte, u *desk.User) ([]byte, error) {
	w := u.Wire()
	return desk.AppendUserJSON(b, &w)
}

// appendList writes a JSON list of n items, item i by f.
func appendList(b []byte, n int, f func([]byte, int) ([]byte, error)) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = f(b, i); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
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

// ErrorStatus is the HTTP status of a service error (500 for anything
// that is not a desk error): the one error→status map, shared with the
// chat widget's transport (package chatweb).
func ErrorStatus(err error) int {
	if s, ok := statusFor[desk.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
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

// decode reads a JSON body into v (the envelope struct). Syntax errors, a
// body that is not a JSON object and oversize bodies are 400/413; a wrong
// type or value for a known field is a 422 naming the field, so clients
// learn what to fix.
func decode(r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &desk.Error{Code: desk.ETOOLARGE, Message: fmt.Sprintf("request body is larger than %d bytes", MaxBody)}
		}
		return errBadRequest("could not read the request body")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return errBadRequest("request body is empty; expected JSON")
	}
	// No text Frontdesk stores may hold NUL: PostgreSQL refuses it and it
	// only ever arrives as an attack or a bug. (A literal backslash-u0000
	// inside a string is refused too; nothing legitimate sends that.)
	if bytes.Contains(data, []byte(`\u0000`)) {
		var raw any
		field := "base"
		if json.Unmarshal(data, &raw) == nil {
			if f := nulField(raw, ""); f != "" {
				field = f
			}
		}
		return desk.Invalid(field, "must not contain NUL (\\u0000) characters")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		var se *json.SyntaxError
		var de *desk.Error
		switch {
		case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
			return &badRequest{name: "InvalidJSON", msg: "request body is not valid JSON: " + err.Error()}
		case errors.As(err, &ute):
			field := ute.Field
			if field == "" {
				// The body itself has the wrong shape ([], "x", 5).
				return &badRequest{name: "InvalidJSON", msg: "request body must be a JSON object"}
			}
			if i := strings.LastIndexByte(field, '.'); i >= 0 {
				field = field[i+1:]
			}
			if strings.HasPrefix(ute.Value, "number") && jsonKind(ute.Type.Kind().String()) == "number" {
				return desk.Invalid(field, "is not a valid number: "+strings.TrimSpace(strings.TrimPrefix(ute.Value, "number")))
			}
			return desk.Invalid(field, fmt.Sprintf("must be a %s, not a %s", jsonKind(ute.Type.Kind().String()), ute.Value))
		case errors.As(err, &de):
			if de.Code != desk.EINVALID || len(de.Details) > 0 {
				return de
			}
			// A field's own UnmarshalJSON (IDs, timestamps) refused its value;
			// encoding/json does not say which field that was, so find it.
			field := failingField(data, reflect.TypeOf(v))
			if field == "" {
				field = "base"
			}
			return desk.Invalid(field, de.Message)
		default:
			return &badRequest{name: "InvalidJSON", msg: "request body is not valid JSON: " + err.Error()}
		}
	}
	// Only whitespace may follow the value (Decoder.More would let a stray
	// "]" or "}" through).
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 {
		return &badRequest{name: "InvalidJSON", msg: "request body has data after the JSON value"}
	}
	return nil
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// failingField returns the JSON name of the innermost member of data that
// cannot be decoded into type t ("" if none is found). It decodes member by
// member, so it only runs on the error path.
func failingField(data []byte, t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return ""
	}
	switch t.Kind() {
	case reflect.Struct:
		dec := json.NewDecoder(bytes.NewReader(data))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return ""
		}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return ""
			}
			key, _ := tok.(string)
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return ""
			}
			f, ok := fieldByJSONName(t, key)
			if !ok || json.Unmarshal(raw, reflect.New(f.Type).Interface()) == nil {
				continue
			}
			if inner := failingField(raw, f.Type); inner != "" {
				return inner
			}
			return key
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(data, &items) != nil {
			return ""
		}
		for _, it := range items {
			if json.Unmarshal(it, reflect.New(t.Elem()).Interface()) != nil {
				return failingField(it, t.Elem())
			}
		}
	}
	return ""
}

// fieldByJSONName finds the struct field encoding/json would decode key
// into (matching names case-insensitively, as it does).
func fieldByJSONName(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// opaqueID returns a path segment that is a token or job ID we issued
// (base64url); anything else cannot exist, so it is "not found" without
// reaching the store.
func opaqueID(r *http.Request, name string) (string, error) {
	v := r.PathValue(name)
	if v == "" || len(v) > 128 {
		return "", desk.NotFound()
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return "", desk.NotFound()
		}
	}
	return v, nil
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

// pathID parses a numeric path segment; anything else ("+1", "1;DROP",
// out of range) is "not found".
func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return 0, desk.NotFound()
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, desk.NotFound()
	}
	return id, nil
}

// optionalPathID is pathID for routes served with and without the id
// (POST /x creates, PUT /x/{id} updates): 0 when the route has none.
func optionalPathID(r *http.Request, name string) (int64, error) {
	if r.PathValue(name) == "" {
		return 0, nil
	}
	return pathID(r, name)
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

type baseKey struct{}

// withBase records the base of absolute URLs for this request: the one
// decision of httpx.PublicBase (the public URL; a trusted proxy's forwarded
// host; the loopback host of a local client), or "" — then every URL in the
// response is relative (path and query only), because a Host or
// X-Forwarded-* header from anyone else is the client's to forge.
func (s *Server) withBase(r *http.Request) *http.Request {
	base, _ := httpx.PublicBase(r, httpx.Site{PublicURL: s.PublicURL, Proxies: s.IPs}, httpx.ForResponse)
	return r.WithContext(context.WithValue(r.Context(), baseKey{}, base))
}

// baseURL is the base of absolute URLs in the response (see withBase), ""
// for relative ones.
func baseURL(r *http.Request) string {
	b, _ := r.Context().Value(baseKey{}).(string)
	return b
}

// nulField names the key of the first string value holding a NUL.
func nulField(v any, key string) string {
	switch x := v.(type) {
	case string:
		if strings.ContainsRune(x, 0) {
			return key
		}
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) {
				return k
			}
			if f := nulField(e, k); f != "" {
				return f
			}
		}
	case []any:
		for _, e := range x {
			if f := nulField(e, key); f != "" {
				return f
			}
		}
	}
	return ""
}

// deleteByID is the whole of a DELETE handler for a record addressed by a
// numeric {id}: the service decides, and success is 204 with no body.
func deleteByID(del func(ctx context.Context, id int64) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := del(r.Context(), id); err != nil {
			return err
		}
		return noContent(w)
	}
}
