package desk

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// AppendTicketJSON appends t as encoding/json encodes it (the same bytes,
// key for key) without reflection: a list of tickets is the largest cost of
// a list request, and encoding/json spends most of it walking reflect
// values. Values typed any (custom field values, satisfaction_rating, the
// via source maps beyond plain strings, numbers and booleans) and SLAs are
// handed to encoding/json one value at a time. It fails only where
// encoding/json fails (a value it cannot encode).
//
// The encoder names every field of Ticket; TestWireEncoderKnowsEveryField
// fails when a field is added that it does not write, and
// FuzzTicketWireEncoding compares it with encoding/json.
func AppendTicketJSON(b []byte, t *TicketWire) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, t.ID, 10)
	if t.URL != "" {
		b = append(b, `,"url":`...)
		b = appendJSONString(b, t.URL)
	}
	b = append(b, `,"external_id":`...)
	b = appendStringPtr(b, t.ExternalID)
	b = append(b, `,"type":`...)
	b = appendStringPtr(b, t.Type)
	b = append(b, `,"subject":`...)
	b = appendJSONString(b, t.Subject)
	b = append(b, `,"raw_subject":`...)
	b = appendJSONString(b, t.RawSubject)
	b = append(b, `,"description":`...)
	b = appendJSONString(b, t.Description)
	b = append(b, `,"priority":`...)
	b = appendStringPtr(b, t.Priority)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(t.Status))
	b = append(b, `,"recipient":`...)
	b = appendStringPtr(b, t.Recipient)
	b = append(b, `,"requester_id":`...)
	b = strconv.AppendInt(b, t.RequesterID, 10)
	b = append(b, `,"submitter_id":`...)
	b = strconv.AppendInt(b, t.SubmitterID, 10)
	b = append(b, `,"assignee_id":`...)
	b = appendInt64Ptr(b, t.AssigneeID)
	b = append(b, `,"organization_id":`...)
	b = appendInt64Ptr(b, t.OrganizationID)
	b = append(b, `,"group_id":`...)
	b = appendInt64Ptr(b, t.GroupID)
	b = append(b, `,"collaborator_ids":`...)
	b = appendInt64s(b, t.CollaboratorIDs)
	b = append(b, `,"follower_ids":`...)
	b = appendInt64s(b, t.FollowerIDs)
	b = append(b, `,"email_cc_ids":`...)
	b = appendInt64s(b, t.EmailCCIDs)
	b = append(b, `,"problem_id":`...)
	b = appendInt64Ptr(b, t.ProblemID)
	b = append(b, `,"has_incidents":`...)
	b = strconv.AppendBool(b, t.HasIncidents)
	b = append(b, `,"is_public":`...)
	b = strconv.AppendBool(b, t.IsPublic)
	b = append(b, `,"due_at":`...)
	b = appendTime(b, t.DueAt)
	b = append(b, `,"tags":`...)
	b = appendStrings(b, t.Tags)
	b = append(b, `,"custom_fields":`...)
	if b, err = appendCustomFields(b, t.CustomFields); err != nil {
		return b, err
	}
	b = append(b, `,"fields":`...)
	if b, err = appendCustomFields(b, t.Fields); err != nil {
		return b, err
	}
	b = append(b, `,"via":{"channel":`...)
	b = appendJSONString(b, t.Via.Channel)
	b = append(b, `,"source":{"from":`...)
	if b, err = appendAnyMap(b, t.Via.Source.From); err != nil {
		return b, err
	}
	b = append(b, `,"to":`...)
	if b, err = appendAnyMap(b, t.Via.Source.To); err != nil {
		return b, err
	}
	b = append(b, `,"rel":`...)
	b = appendStringPtr(b, t.Via.Source.Rel)
	b = append(b, `}},"satisfaction_rating":`...)
	if b, err = appendAny(b, t.SatisfactionRating); err != nil {
		return b, err
	}
	b = append(b, `,"ticket_form_id":`...)
	b = appendInt64Ptr(b, t.TicketFormID)
	b = append(b, `,"brand_id":`...)
	b = appendInt64Ptr(b, t.BrandID)
	b = append(b, `,"allow_channelback":`...)
	b = strconv.AppendBool(b, t.AllowChannelback)
	b = append(b, `,"allow_attachments":`...)
	b = strconv.AppendBool(b, t.AllowAttachments)
	b = append(b, `,"from_messaging_channel":`...)
	b = strconv.AppendBool(b, t.FromMessagingChannel)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, t.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, t.UpdatedAt)
	b = append(b, `,"generated_timestamp":`...)
	b = strconv.AppendInt(b, t.GeneratedTimestamp, 10)
	// Version and DeletedAt are json:"-".
	b = append(b, `,"forum_topic_id":`...)
	b = appendInt64Ptr(b, t.ForumTopicID)
	b = append(b, `,"sharing_agreement_ids":`...)
	b = appendInt64s(b, t.SharingAgreementIDs)
	b = append(b, `,"custom_status_id":`...)
	b = appendInt64Ptr(b, t.CustomStatusID)
	b = append(b, `,"followup_ids":`...)
	b = appendInt64s(b, t.FollowupIDs)
	b = append(b, `,"via_followup_source_id":`...)
	b = appendInt64Ptr(b, t.ViaFollowupSourceID)
	if t.SLAs != nil {
		b = append(b, `,"slas":`...)
		if b, err = appendMarshal(b, t.SLAs); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// AppendUserJSON appends u as encoding/json encodes it (see
// AppendTicketJSON; TestWireEncoderKnowsEveryField and
// FuzzUserWireEncoding guard it the same way).
func AppendUserJSON(b []byte, u *UserWire) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, u.ID, 10)
	if u.URL != "" {
		b = append(b, `,"url":`...)
		b = appendJSONString(b, u.URL)
	}
	b = append(b, `,"name":`...)
	b = appendJSONString(b, u.Name)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, u.Email)
	b = append(b, `,"role":`...)
	b = appendJSONString(b, string(u.Role))
	b = append(b, `,"role_type":`...)
	if u.RoleType == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*u.RoleType), 10)
	}
	b = append(b, `,"custom_role_id":`...)
	b = appendInt64Ptr(b, u.CustomRoleID)
	b = append(b, `,"organization_id":`...)
	b = appendInt64Ptr(b, u.OrganizationID)
	b = append(b, `,"default_group_id":`...)
	b = appendInt64Ptr(b, u.DefaultGroupID)
	b = append(b, `,"phone":`...)
	b = appendJSONString(b, u.Phone)
	b = append(b, `,"locale":`...)
	b = appendJSONString(b, u.Locale)
	b = append(b, `,"time_zone":`...)
	b = appendJSONString(b, u.TimeZone)
	b = append(b, `,"tags":`...)
	b = appendStrings(b, u.Tags)
	b = append(b, `,"notes":`...)
	b = appendJSONString(b, u.Notes)
	b = append(b, `,"details":`...)
	b = appendJSONString(b, u.Details)
	b = append(b, `,"external_id":`...)
	b = appendStringPtr(b, u.ExternalID)
	b = append(b, `,"active":`...)
	b = strconv.AppendBool(b, u.Active)
	b = append(b, `,"suspended":`...)
	b = strconv.AppendBool(b, u.Suspended)
	b = append(b, `,"verified":`...)
	b = strconv.AppendBool(b, u.Verified)
	b = append(b, `,"moderator":`...)
	b = strconv.AppendBool(b, u.Moderator)
	b = append(b, `,"only_private_comments":`...)
	b = strconv.AppendBool(b, u.OnlyPrivate)
	b = append(b, `,"ticket_restriction":`...)
	b = appendStringPtr(b, u.Restriction)
	b = append(b, `,"user_fields":`...)
	if b, err = appendAnyMap(b, u.UserFields); err != nil {
		return b, err
	}
	b = append(b, `,"last_login_at":`...)
	b = appendTime(b, u.LastLoginAt)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, u.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, u.UpdatedAt)
	b = append(b, `,"is_owner":`...)
	b = strconv.AppendBool(b, u.IsOwner)
	b = append(b, `,"locale_id":`...)
	b = strconv.AppendInt(b, int64(u.LocaleID), 10)
	b = append(b, `,"iana_time_zone":`...)
	b = appendJSONString(b, u.IanaTimeZone)
	b = append(b, `,"photo":`...)
	if b, err = appendAny(b, u.Photo); err != nil {
		return b, err
	}
	b = append(b, `,"shared":`...)
	b = strconv.AppendBool(b, u.Shared)
	b = append(b, `,"signature":`...)
	b = appendStringPtr(b, u.Signature)
	// TwoFactor and Purged are json:"-".
	b = append(b, `,"two_factor_auth_enabled":`...)
	if u.TwoFactorAuthEnabled == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendBool(b, *u.TwoFactorAuthEnabled)
	}
	return append(b, '}'), nil
}

// AppendJSONString appends s as a JSON string exactly as encoding/json
// writes it by default: <, > and & escaped as \u003c, \u003e, \u0026,
// U+2028 and U+2029 escaped, and each byte of invalid UTF-8 as \ufffd.
func AppendJSONString(b []byte, s string) []byte { return appendJSONString(b, s) }

const jsonHex = "0123456789abcdef"

// jsonSafe[c] says ASCII byte c is written as itself (encoding/json's
// htmlSafeSet).
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

func appendInt64Ptr(b []byte, n *int64) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *n, 10)
}

func appendInt64s(b []byte, ns []int64) []byte {
	if ns == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, n := range ns {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, n, 10)
	}
	return append(b, ']')
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendTime is Time.MarshalJSON, appended (digits written directly for
// the years 0-9999 that the layout writes as four).
func appendTime(b []byte, t Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	u := t.UTC()
	year, month, day := u.Date()
	if year < 0 || year > 9999 {
		b = append(b, '"')
		b = u.AppendFormat(b, "2006-01-02T15:04:05Z")
		return append(b, '"')
	}
	hour, minute, sec := u.Clock()
	return append(b, '"',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), 'Z', '"')
}

func appendCustomFields(b []byte, cfs []CustomFieldValue) ([]byte, error) {
	if cfs == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	var err error
	for i := range cfs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, cfs[i].ID, 10)
		b = append(b, `,"value":`...)
		if b, err = appendAny(b, cfs[i].Value); err != nil {
			return b, err
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendAny writes the plain values (nil, string, bool, float64 and the
// common integer types) itself and hands anything else to encoding/json.
func appendAny(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			break // encoding/json's error
		}
		return appendFloat64(b, x), nil
	}
	return appendMarshal(b, v)
}

// appendFloat64 is encoding/json's float64 encoding (ES6 number to string).
func appendFloat64(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendAnyMap writes m with its keys sorted, as encoding/json does; a map
// holding anything but plain values goes to encoding/json whole.
func appendAnyMap(b []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	if len(m) == 0 {
		return append(b, "{}"...), nil
	}
	var keysArr [8]string
	keys := keysArr[:0]
	for k, v := range m {
		switch x := v.(type) {
		case nil, string, bool, int64, int:
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return appendMarshal(b, m)
			}
		default:
			return appendMarshal(b, m)
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b, _ = appendAny(b, m[k]) // plain values: cannot fail
	}
	return append(b, '}'), nil
}

func appendMarshal(b []byte, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, data...), nil
}
