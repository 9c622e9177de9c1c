package desk

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// Custom field types shared by ticket fields, user fields and organization
// fields, named as in Zendesk's APIs. Ticket fields call a dropdown
// "tagger"; user and organization fields call it "dropdown".
const (
	FieldText     = "text"
	FieldTextarea = "textarea"
	FieldInteger  = "integer"
	FieldDecimal  = "decimal"
	FieldCheckbox = "checkbox"
	FieldDate     = "date"
	FieldRegexp   = "regexp"
	FieldTagger   = "tagger"
	FieldDropdown = "dropdown"
)

// maxFieldText is the longest text value a custom field holds (bytes).
const maxFieldText = 64 << 10

// CoerceFieldValue checks raw (as decoded from JSON) against a custom field
// of type typ with the given dropdown options and returns the value to
// store: nil for an empty value, int64 for integers, float64 for decimals,
// bool for checkboxes, string otherwise. When raw does not fit, it returns a
// message saying what is wrong. Regular expressions of regexp fields are the
// caller's to check.
func CoerceFieldValue(typ string, options []FieldOption, raw any) (any, string) {
	if raw == nil || raw == "" {
		return nil, ""
	}
	switch typ {
	case FieldText, FieldTextarea, FieldRegexp:
		s, ok := raw.(string)
		if !ok {
			return nil, "must be text"
		}
		if len(s) > maxFieldText {
			return nil, "is too long"
		}
		return s, ""
	case FieldInteger:
		return coerceInteger(raw)
	case FieldDecimal:
		return coerceDecimal(raw)
	case FieldCheckbox:
		switch b := raw.(type) {
		case bool:
			return b, ""
		case string:
			if pb, err := strconv.ParseBool(b); err == nil {
				return pb, ""
			}
		}
		return nil, "must be true or false"
	case FieldDate:
		s, ok := raw.(string)
		if !ok {
			return nil, "must be a date (YYYY-MM-DD)"
		}
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return nil, "must be a date (YYYY-MM-DD)"
		}
		return s, ""
	case FieldTagger, FieldDropdown:
		s, ok := raw.(string)
		if !ok || !slices.ContainsFunc(options, func(o FieldOption) bool { return o.Value == s }) {
			return nil, "must be one of the field's options"
		}
		return s, ""
	}
	return nil, "has an unsupported type"
}

func coerceInteger(raw any) (any, string) {
	switch n := raw.(type) {
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return nil, "must be a whole number"
		}
		return int64(n), ""
	case string:
		if i, err := strconv.ParseInt(n, 10, 64); err == nil {
			return i, ""
		}
	}
	return nil, "must be a whole number"
}

func coerceDecimal(raw any) (any, string) {
	switch n := raw.(type) {
	case float64:
		return n, ""
	case string:
		d, err := strconv.ParseFloat(n, 64)
		if err == nil && !math.IsNaN(d) && !math.IsInf(d, 0) {
			return d, ""
		}
	}
	return nil, "must be a number"
}
