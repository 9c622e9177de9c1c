package desk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestWireEncoderKnowsEveryField: AppendTicketJSON and AppendUserJSON write
// each field by hand, so a field added to Ticket or User (or to the structs
// they write inline), or a changed type or json tag, must fail here until
// the encoder is updated to match — then update this list.
func TestWireEncoderKnowsEveryField(t *testing.T) {
	known := map[reflect.Type][]string{
		reflect.TypeFor[Ticket](): {
			"ID int64 json:\"id\"",
			"URL string json:\"url,omitempty\"",
			"ExternalID *string json:\"external_id\"",
			"Type *string json:\"type\"",
			"Subject string json:\"subject\"",
			"RawSubject string json:\"raw_subject\"",
			"Description string json:\"description\"",
			"Priority *string json:\"priority\"",
			"Status desk.Status json:\"status\"",
			"Recipient *string json:\"recipient\"",
			"RequesterID int64 json:\"requester_id\"",
			"SubmitterID int64 json:\"submitter_id\"",
			"AssigneeID *int64 json:\"assignee_id\"",
			"OrganizationID *int64 json:\"organization_id\"",
			"GroupID *int64 json:\"group_id\"",
			"CollaboratorIDs []int64 json:\"collaborator_ids\"",
			"FollowerIDs []int64 json:\"follower_ids\"",
			"EmailCCIDs []int64 json:\"email_cc_ids\"",
			"ProblemID *int64 json:\"problem_id\"",
			"HasIncidents bool json:\"has_incidents\"",
			"IsPublic bool json:\"is_public\"",
			"DueAt desk.Time json:\"due_at\"",
			"Tags []string json:\"tags\"",
			"CustomFields []desk.CustomFieldValue json:\"custom_fields\"",
			"Fields []desk.CustomFieldValue json:\"fields\"",
			"Via desk.Via json:\"via\"",
			"SatisfactionRating interface {} json:\"satisfaction_rating\"",
			"TicketFormID *int64 json:\"ticket_form_id\"",
			"BrandID *int64 json:\"brand_id\"",
			"AllowChannelback bool json:\"allow_channelback\"",
			"AllowAttachments bool json:\"allow_attachments\"",
			"FromMessagingChannel bool json:\"from_messaging_channel\"",
			"CreatedAt desk.Time json:\"created_at\"",
			"UpdatedAt desk.Time json:\"updated_at\"",
			"GeneratedTimestamp int64 json:\"generated_timestamp\"",
			"Version int64 json:\"-\"",
			"DeletedAt desk.Time json:\"-\"",
			"SolvedAt desk.Time json:\"-\"",
			"ForumTopicID *int64 json:\"forum_topic_id\"",
			"SharingAgreementIDs []int64 json:\"sharing_agreement_ids\"",
			"CustomStatusID *int64 json:\"custom_status_id\"",
			"FollowupIDs []int64 json:\"followup_ids\"",
			"ViaFollowupSourceID *int64 json:\"via_followup_source_id\"",
			"SLAs *desk.TicketSLAs json:\"slas,omitempty\"", // handed to encoding/json
		},
		reflect.TypeFor[User](): {
			"ID int64 json:\"id\"",
			"URL string json:\"url,omitempty\"",
			"Name string json:\"name\"",
			"Email string json:\"email\"",
			"Role desk.Role json:\"role\"",
			"RoleType *int json:\"role_type\"",
			"CustomRoleID *int64 json:\"custom_role_id\"",
			"OrganizationID *int64 json:\"organization_id\"",
			"DefaultGroupID *int64 json:\"default_group_id\"",
			"Phone string json:\"phone\"",
			"Locale string json:\"locale\"",
			"TimeZone string json:\"time_zone\"",
			"Tags []string json:\"tags\"",
			"Notes string json:\"notes\"",
			"Details string json:\"details\"",
			"ExternalID *string json:\"external_id\"",
			"Active bool json:\"active\"",
			"Suspended bool json:\"suspended\"",
			"Verified bool json:\"verified\"",
			"Moderator bool json:\"moderator\"",
			"OnlyPrivate bool json:\"only_private_comments\"",
			"Restriction *string json:\"ticket_restriction\"",
			"UserFields map[string]interface {} json:\"user_fields\"",
			"LastLoginAt desk.Time json:\"last_login_at\"",
			"CreatedAt desk.Time json:\"created_at\"",
			"UpdatedAt desk.Time json:\"updated_at\"",
			"IsOwner bool json:\"is_owner\"",
			"LocaleID int json:\"locale_id\"",
			"IanaTimeZone string json:\"iana_time_zone\"",
			"Photo interface {} json:\"photo\"",
			"Shared bool json:\"shared\"",
			"Signature *string json:\"signature\"",
			"TwoFactor bool json:\"-\"",
			"Purged bool json:\"-\"",
			"TwoFactorAuthEnabled *bool json:\"two_factor_auth_enabled\"",
		},
		// Written inline by the encoder too.
		reflect.TypeFor[Via](): {
			"Channel string json:\"channel\"",
			"Source desk.ViaSource json:\"source\"",
		},
		reflect.TypeFor[ViaSource](): {
			"From map[string]interface {} json:\"from\"",
			"To map[string]interface {} json:\"to\"",
			"Rel *string json:\"rel\"",
		},
		reflect.TypeFor[CustomFieldValue](): {
			"ID int64 json:\"id\"",
			"Value interface {} json:\"value\"",
		},
		reflect.TypeFor[Time](): {
			"Time time.Time", // written as Time.MarshalJSON writes it
		},
	}
	for typ, want := range known {
		var got []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			s := f.Name + " " + f.Type.String()
			if f.Tag != "" {
				s += " " + string(f.Tag)
			}
			got = append(got, s)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s's fields changed: update AppendTicketJSON/AppendUserJSON (internal/desk/wire_json.go), then this list.\n got:\n%s\nwant:\n%s",
				typ, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	// The types the encoder writes as their own kind must not gain a
	// marshaler of their own (encoding/json would call it).
	for _, typ := range []reflect.Type{reflect.TypeFor[Status](), reflect.TypeFor[Role]()} {
		if typ.Kind() != reflect.String || typ.Implements(reflect.TypeFor[json.Marshaler]()) || reflect.PointerTo(typ).Implements(reflect.TypeFor[json.Marshaler]()) {
			t.Errorf("%s is no longer a plain string: update the encoder", typ)
		}
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[TicketWire](), reflect.TypeFor[UserWire](), reflect.TypeFor[Via](), reflect.TypeFor[ViaSource](), reflect.TypeFor[CustomFieldValue]()} {
		if typ.Implements(reflect.TypeFor[json.Marshaler]()) || reflect.PointerTo(typ).Implements(reflect.TypeFor[json.Marshaler]()) {
			t.Errorf("%s has a MarshalJSON now: the encoder writes it field by field", typ)
		}
	}
}

// wireFuzzStrings are seeds that exercise every escape of encoding/json.
var wireFuzzStrings = []string{
	"", "plain", "<b>x</b> & \"y\" \\ /", "tab\tnl\nret\rbs\bff\f", "\x00\x01\x1f\x7f",
	"Zażółć gęślą jaźń 漢字 🎉", "\u2028\u2029", "bad \xff\xfe utf8 \xc3", "\xed\xa0\x80 surrogate",
	"\xf4\x90\x80\x80 too big", "a\u00a0b", "\ufffd",
}

func wireFuzzTicket(s1, s2, s3 string, n int64, bits uint16, f float64) TicketWire {
	on := func(i uint) bool { return bits&(1<<i) != 0 }
	p := func(i uint, s string) *string {
		if on(i) {
			return &s
		}
		return nil
	}
	pi := func(i uint, v int64) *int64 {
		if on(i) {
			return &v
		}
		return nil
	}
	ids := func(i uint) []int64 {
		switch {
		case on(i) && on(i+1):
			return []int64{n, -n, math.MaxInt64, math.MinInt64, 0}
		case on(i):
			return []int64{}
		}
		return nil
	}
	var tags []string
	if on(3) {
		tags = []string{s1, s2, s3}
	} else if on(4) {
		tags = []string{}
	}
	var cfs []CustomFieldValue
	if on(5) {
		cfs = []CustomFieldValue{{ID: n, Value: s1}, {ID: 1, Value: nil}, {ID: 2, Value: f}, {ID: 3, Value: on(6)},
			{ID: 4, Value: []any{s2, f, nil}}, {ID: 5, Value: map[string]any{s3: s1}}, {ID: 6, Value: int(n)}, {ID: 7, Value: n}}
	} else if on(6) {
		cfs = []CustomFieldValue{}
	}
	from := map[string]any(nil)
	if on(7) {
		from = map[string]any{"address": s1, s2: s3, "n": n, "f": f, "b": on(8), "nil": nil}
	} else if on(8) {
		from = map[string]any{}
	}
	to := map[string]any(nil)
	if on(9) {
		to = map[string]any{s1: []any{s2}, "nested": map[string]any{"x": s3}}
	}
	tm := func(i uint) Time {
		if on(i) {
			return Time{time.Unix(n%(1<<40), n%1e9).In(time.FixedZone("x", 3600))}
		}
		return Time{}
	}
	var rating any
	switch bits % 4 {
	case 1:
		rating = map[string]any{"score": s1, "id": n}
	case 2:
		rating = s2
	case 3:
		rating = json.RawMessage(`{"a" : [1, 2]}`)
	}
	var slas *TicketSLAs
	if on(10) {
		slas = &TicketSLAs{PolicyID: pi(11, n), PolicyMetrics: []SLAMetric{{Metric: s1, Stage: s2, BreachAt: tm(12), Days: int(n % 1000)}}}
	}
	return TicketWire{
		ID: n, URL: s3, ExternalID: p(0, s1), Type: p(1, s2), Subject: s1, RawSubject: s2, Description: s3,
		Priority: p(2, s3), Status: Status(s1), Recipient: p(12, s2),
		RequesterID: -n, SubmitterID: n ^ 0x5555, AssigneeID: pi(13, n), OrganizationID: pi(14, -n), GroupID: pi(15, n),
		CollaboratorIDs: ids(0), FollowerIDs: ids(2), EmailCCIDs: ids(4), ProblemID: pi(1, n),
		HasIncidents: on(0), IsPublic: on(1), DueAt: tm(2), Tags: tags, CustomFields: cfs, Fields: cfs,
		Via:                Via{Channel: s2, Source: ViaSource{From: from, To: to, Rel: p(3, s3)}},
		SatisfactionRating: rating, TicketFormID: pi(4, n), BrandID: pi(5, n),
		AllowChannelback: on(2), AllowAttachments: on(3), FromMessagingChannel: on(4),
		CreatedAt: tm(5), UpdatedAt: tm(6), GeneratedTimestamp: n * 3, Version: n, DeletedAt: tm(7),
		ForumTopicID: pi(8, n), SharingAgreementIDs: ids(6), CustomStatusID: pi(9, n), FollowupIDs: ids(8),
		ViaFollowupSourceID: pi(10, n), SLAs: slas,
	}
}

func wireFuzzUser(s1, s2, s3 string, n int64, bits uint16, f float64) UserWire {
	on := func(i uint) bool { return bits&(1<<i) != 0 }
	p := func(i uint, s string) *string {
		if on(i) {
			return &s
		}
		return nil
	}
	pi := func(i uint, v int64) *int64 {
		if on(i) {
			return &v
		}
		return nil
	}
	var roleType *int
	if on(0) {
		rt := int(n)
		roleType = &rt
	}
	var tags []string
	if on(1) {
		tags = []string{s3, s1}
	} else if on(2) {
		tags = []string{}
	}
	var fields map[string]any
	if on(3) {
		fields = map[string]any{s1: s2, "n": f, "i": n, "b": on(4), "nil": nil, s3: s3}
		if on(5) {
			fields["list"] = []any{s1, f}
		}
	} else if on(4) {
		fields = map[string]any{}
	}
	var photo any
	if on(6) {
		photo = map[string]any{"content_url": s1}
	}
	var tfa *bool
	if on(7) {
		v := on(8)
		tfa = &v
	}
	tm := func(i uint) Time {
		if on(i) {
			return Time{time.Unix(n%(1<<40), 0)}
		}
		return Time{}
	}
	return UserWire{
		ID: n, URL: s1, Name: s1, Email: s2, Role: Role(s3), RoleType: roleType, CustomRoleID: pi(9, n),
		OrganizationID: pi(10, -n), DefaultGroupID: pi(11, n), Phone: s2, Locale: s3, TimeZone: s1, Tags: tags,
		Notes: s2, Details: s3, ExternalID: p(12, s1), Active: on(0), Suspended: on(1), Verified: on(2),
		Moderator: on(3), OnlyPrivate: on(4), Restriction: p(13, s2), UserFields: fields,
		LastLoginAt: tm(14), CreatedAt: tm(15), UpdatedAt: tm(5), IsOwner: on(6), LocaleID: int(n),
		IanaTimeZone: s2, Photo: photo, Shared: on(9), Signature: p(14, s3), TwoFactor: on(10), Purged: on(11),
		TwoFactorAuthEnabled: tfa,
	}
}

func addWireSeeds(f *testing.F) {
	nums := []int64{0, 1, -1, 1 << 53, math.MaxInt64, math.MinInt64, 1764612000,
		253402300799, 253402300800, -62135596800, -62167219200, -62167219201} // years 9999, 10000, 1, 0, -1
	floats := []float64{0, 1.5, -2, 1e21, 1e-7, 123456789, math.Copysign(0, -1), math.Inf(1), math.NaN()}
	for i, s := range wireFuzzStrings {
		f.Add(s, wireFuzzStrings[(i+1)%len(wireFuzzStrings)], wireFuzzStrings[(i+5)%len(wireFuzzStrings)],
			nums[i%len(nums)], uint16(i*0x2f3b), floats[i%len(floats)])
	}
	f.Add("", "", "", int64(0), uint16(0), 0.0)
	f.Add("a", "b", "c", int64(42), uint16(0xffff), 3.25)
}

// compareWire checks the hand encoder against encoding/json for v.
func compareWire(t *testing.T, v any, got []byte, err error) {
	t.Helper()
	want, werr := json.Marshal(v)
	if (err != nil) != (werr != nil) {
		t.Fatalf("error: got %v, encoding/json %v", err, werr)
	}
	if werr == nil && !bytes.Equal(got, want) {
		t.Fatalf("bytes differ:\n got %s\nwant %s", got, want)
	}
}

// FuzzTicketWireEncoding: AppendTicketJSON writes the bytes encoding/json
// writes for a TicketWire, and for what Ticket.Wire fills in.
func FuzzTicketWireEncoding(f *testing.F) {
	addWireSeeds(f)
	f.Fuzz(func(t *testing.T, s1, s2, s3 string, n int64, bits uint16, fl float64) {
		tw := wireFuzzTicket(s1, s2, s3, n, bits, fl)
		got, err := AppendTicketJSON([]byte("prefix"), &tw)
		if err == nil {
			if !bytes.HasPrefix(got, []byte("prefix")) {
				t.Fatalf("prefix lost: %q", got)
			}
			got = got[len("prefix"):]
		}
		compareWire(t, tw, got, err)
		wired := Ticket(tw).Wire()
		got, err = AppendTicketJSON(nil, &wired)
		compareWire(t, wired, got, err)
	})
}

// FuzzUserWireEncoding is FuzzTicketWireEncoding for users.
func FuzzUserWireEncoding(f *testing.F) {
	addWireSeeds(f)
	f.Fuzz(func(t *testing.T, s1, s2, s3 string, n int64, bits uint16, fl float64) {
		uw := wireFuzzUser(s1, s2, s3, n, bits, fl)
		got, err := AppendUserJSON(nil, &uw)
		compareWire(t, uw, got, err)
		wired := User(uw).Wire()
		got, err = AppendUserJSON(nil, &wired)
		compareWire(t, wired, got, err)
	})
}

// TestAppendJSONStringEveryByte: every single byte and every rune around
// the escapes encodes as encoding/json encodes it.
func TestAppendJSONStringEveryByte(t *testing.T) {
	var cases []string
	for c := range 256 {
		cases = append(cases, string([]byte{byte(c)}), fmt.Sprintf("a%cb", rune(c)))
	}
	for r := rune(0x2020); r < 0x2030; r++ {
		cases = append(cases, string(r))
	}
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
	}
}

// TestAppendTimeYears: the digits appendTime writes itself match
// Time.MarshalJSON at the edges of the four-digit years and beyond them.
func TestAppendTimeYears(t *testing.T) {
	for _, sec := range []int64{0, -1, 1764612000, 253402300799, 253402300800, -62135596800, -62167219200, -62167219201, 1 << 40, -(1 << 40)} {
		for _, tm := range []Time{{time.Unix(sec, 0).UTC()}, {time.Unix(sec, 999999999).In(time.FixedZone("x", -3600))}} {
			want, _ := tm.MarshalJSON()
			if got := appendTime(nil, tm); !bytes.Equal(got, want) {
				t.Errorf("%d: got %s want %s", sec, got, want)
			}
		}
	}
}
