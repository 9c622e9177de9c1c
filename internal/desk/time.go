package desk

import (
	"encoding/json"
	"time"
)

// Time is a timestamp that marshals the way Zendesk does (UTC, whole
// seconds, "2025-04-04T09:14:57Z"); clients parse that exact shape.
type Time struct{ time.Time }

// TimeFromMicros converts the stores' integer microsecond columns.
func TimeFromMicros(us int64) Time { return Time{time.UnixMicro(us).UTC()} }

// NullTimeFromMicros maps 0 (unset) to the zero Time.
func NullTimeFromMicros(us int64) Time {
	if us == 0 {
		return Time{}
	}
	return TimeFromMicros(us)
}

// MarshalJSON writes null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format("2006-01-02T15:04:05Z") + `"`), nil
}

// UnmarshalJSON accepts RFC 3339 timestamps, plain dates and null.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		*t = Time{}
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return &Error{Code: EINVALID, Message: "invalid timestamp " + s}
}

// Micros is the store representation; 0 for the zero time.
func (t Time) Micros() int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}
