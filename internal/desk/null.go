package desk

import (
	"encoding/json"
	"strconv"
)

// NullID is an optional ID in a write request that remembers whether it was
// sent at all: absent leaves a field alone, null (or 0) clears it. Plain
// pointers cannot tell those two apart after JSON decoding.
type NullID struct {
	Set bool
	ID  int64
}

// SetID returns a NullID that sets id (0 clears).
func SetID(id int64) NullID { return NullID{Set: true, ID: id} }

// UnmarshalJSON accepts a number, a numeric string or null.
func (n *NullID) UnmarshalJSON(b []byte) error {
	n.Set = true
	n.ID = 0
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = str
		if s == "" {
			return nil
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return &Error{Code: EINVALID, Message: "expected an ID, got " + truncate(string(b), 40)}
	}
	n.ID = v
	return nil
}

// NullString is an optional string that remembers null versus absent.
type NullString struct {
	Set   bool
	Value string
}

// UnmarshalJSON accepts a string or null (which clears).
func (n *NullString) UnmarshalJSON(b []byte) error {
	n.Set = true
	n.Value = ""
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &n.Value)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// MarshalJSON writes the ID, or null when it clears; pair it with the
// `omitzero` tag so an absent value stays absent (bulk jobs round-trip
// inputs through JSON).
func (n NullID) MarshalJSON() ([]byte, error) {
	if n.ID == 0 {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatInt(n.ID, 10)), nil
}

// MarshalJSON writes the string, or null when it clears.
func (n NullString) MarshalJSON() ([]byte, error) {
	if n.Value == "" {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}
