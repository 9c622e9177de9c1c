package desk

import (
	"errors"
	"fmt"
)

// Error codes are stable identifiers that adapters translate into their own
// vocabulary (HTTP status and Zendesk error names for the API, flash messages
// for the web UI). Services return only these, so no adapter has to guess.
const (
	ENOTFOUND     = "not_found"
	EINVALID      = "invalid"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ECONFLICT     = "conflict"
	ETOOLARGE     = "too_large"
	ETOOMANY      = "too_many"
	EINTERNAL     = "internal"
)

// FieldError describes one problem with one input field, mirroring Zendesk's
// details entries so the API can pass them through unchanged.
type FieldError struct {
	Description string `json:"description"`
	Error       string `json:"error"`
	// TicketFieldType names the ticket field a "base" error is about, as
	// Zendesk does for rules that span fields (e.g. "FieldAssignee").
	TicketFieldType string `json:"ticket_field_type,omitempty"`
}

// Error is the one error type services hand to adapters.
type Error struct {
	Code    string
	Message string
	// Details lists per-field validation problems (only with EINVALID).
	Details map[string][]FieldError
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an Error with a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports one bad field in Zendesk's shape ("InvalidValue" unless told).
func Invalid(field, description string) *Error {
	return &Error{Code: EINVALID, Message: "Record validation errors", Details: map[string][]FieldError{
		field: {{Description: description, Error: "InvalidValue"}},
	}}
}

// NotFound is returned both for records that do not exist and for records the
// principal may not see, so that IDs of other customers' tickets leak nothing.
func NotFound() *Error { return &Error{Code: ENOTFOUND, Message: "Not found"} }

// Forbidden is for actions on records the principal may see but not change.
func Forbidden(msg string) *Error { return &Error{Code: EFORBIDDEN, Message: msg} }

// ErrorCode returns the code of a desk Error anywhere in err's chain, or
// EINTERNAL for anything else (which adapters must not show verbatim).
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error"
}

// Validation accumulates field errors so a request reports every problem at once.
type Validation struct{ details map[string][]FieldError }

// Add records a problem with field.
func (v *Validation) Add(field, description string) {
	if v.details == nil {
		v.details = map[string][]FieldError{}
	}
	v.details[field] = append(v.details[field], FieldError{Description: description, Error: "InvalidValue"})
}

// AddBase records a problem that is not one input's, under "base", naming
// the ticket field it concerns as Zendesk does.
func (v *Validation) AddBase(ticketFieldType, description string) {
	if v.details == nil {
		v.details = map[string][]FieldError{}
	}
	v.details["base"] = append(v.details["base"], FieldError{Description: description, Error: "InvalidValue", TicketFieldType: ticketFieldType})
}

// Err returns nil when nothing was added.
func (v *Validation) Err() error {
	if len(v.details) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Record validation errors", Details: v.details}
}
