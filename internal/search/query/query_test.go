package query

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// eq, neg, ft and friends keep the expected-value tables readable.
func ft(v string) Term                     { return Term{Op: OpEq, Value: v} }
func fterm(f string, op Op, v string) Term { return Term{Field: f, Op: op, Value: v} }
func eq(f, v string) Term                  { return fterm(f, OpEq, v) }
func neg(t Term) Term                      { t.Negated = true; return t }
func phrase(t Term) Term                   { t.Phrase = true; return t }
func prefix(t Term) Term                   { t.Prefix = true; return t }

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Query
	}{
		{"single word", "refund", Query{Terms: []Term{ft("refund")}}},
		{"several words", "printer  on\tfire", Query{Terms: []Term{ft("printer"), ft("on"), ft("fire")}}},
		{"surrounding whitespace", "  \n refund \r\n", Query{Terms: []Term{ft("refund")}}},
		{"unicode whitespace", "a\u00a0b\u3000c\u2003d", Query{Terms: []Term{ft("a"), ft("b"), ft("c"), ft("d")}}},
		{"quoted phrase", `"quoted phrase"`, Query{Terms: []Term{phrase(ft("quoted phrase"))}}},
		{"phrase with colon", `"re: status:open"`, Query{Terms: []Term{phrase(ft("re: status:open"))}}},
		{"phrase escapes", `"say \"hi\" \\ \n"`, Query{Terms: []Term{phrase(ft(`say "hi" \ \n`))}}},
		{"phrase ends in backslash", `"C:\\"`, Query{Terms: []Term{phrase(ft(`C:\`))}}},
		{"negated word", "-refund", Query{Terms: []Term{neg(ft("refund"))}}},
		{"negated phrase", `-"out of office"`, Query{Terms: []Term{neg(phrase(ft("out of office")))}}},
		{"prefix word", "subj*", Query{Terms: []Term{prefix(ft("subj"))}}},
		{"star inside word is data", "a*b", Query{Terms: []Term{ft("a*b")}}},
		{"quoted star is not prefix", `"abc*"`, Query{Terms: []Term{phrase(ft("abc*"))}}},
		{"only last star is prefix", "ab**", Query{Terms: []Term{prefix(ft("ab*"))}}},
		{"negated prefix", "-subj*", Query{Terms: []Term{neg(prefix(ft("subj")))}}},

		// Zendesk searches a keyword it does not know as text.
		{"unknown keyword", "foo:bar", Query{Terms: []Term{ft("foo:bar")}}},
		{"unknown keyword negated", "-stauts:open", Query{Terms: []Term{neg(ft("stauts:open"))}}},
		{"unknown keyword compared", "foo<3", Query{Terms: []Term{ft("foo<3")}}},
		{"unknown keyword prefix", "foo:ba*", Query{Terms: []Term{prefix(ft("foo:ba"))}}},
		{"unknown keyword phrase", `foo:"a b"`, Query{Terms: []Term{phrase(ft("foo: a b"))}}},
		{"unknown keyword negated phrase", `-foo:"a b"`, Query{Terms: []Term{neg(phrase(ft("foo: a b")))}}},
		{"unknown keyword without value", "note: printer", Query{Terms: []Term{ft("note:"), ft("printer")}}},
		{"unknown dotted keyword", "custom.field_1:x", Query{Terms: []Term{ft("custom.field_1:x")}}},
		{"custom field without id", "custom_field_:x", Query{Terms: []Term{ft("custom_field_:x")}}},
		{"custom field id zero", "custom_field_0:x", Query{Terms: []Term{ft("custom_field_0:x")}}},
		{"custom field id too large", "custom_field_99999999999999999999:x", Query{Terms: []Term{ft("custom_field_99999999999999999999:x")}}},
		{"windows path", `C:\path`, Query{Terms: []Term{ft(`C:\path`)}}},
		{"url", "https://example.com", Query{Terms: []Term{ft("https://example.com")}}},
		{"unknown keyword among fields", "status:open zażółć foo:bar", Query{Terms: []Term{eq("status", "open"), ft("zażółć"), ft("foo:bar")}}},

		{"status", "status:open", Query{Terms: []Term{eq("status", "open")}}},
		{"field is lower-cased", "STATUS:Open", Query{Terms: []Term{eq("status", "open")}}},
		{"custom status kept", "status:Waiting_On_Vendor", Query{Terms: []Term{eq("status", "Waiting_On_Vendor")}}},
		{"quoted field value", `status:"in progress"`, Query{Terms: []Term{phrase(eq("status", "in progress"))}}},
		{"quoted value with colon", `subject:"Re: faktura: 12"`, Query{Terms: []Term{phrase(eq("subject", "Re: faktura: 12"))}}},
		{"status<solved", "status<solved", Query{Terms: []Term{fterm("status", OpLT, "solved")}}},
		{"status>=pending", "status>=Pending", Query{Terms: []Term{fterm("status", OpGE, "pending")}}},
		{"status<=hold", "status<=hold", Query{Terms: []Term{fterm("status", OpLE, "hold")}}},
		{"priority>normal", "priority>normal", Query{Terms: []Term{fterm("priority", OpGT, "normal")}}},
		{"priority eq", "priority:URGENT", Query{Terms: []Term{eq("priority", "urgent")}}},
		{"assignee:me", "assignee:me", Query{Terms: []Term{eq("assignee", "me")}}},
		{"assignee:none", "assignee:none", Query{Terms: []Term{eq("assignee", "none")}}},
		{"negated tags", "-tags:vip", Query{Terms: []Term{neg(eq("tags", "vip"))}}},
		{"tag alias", "tag:vip", Query{Terms: []Term{eq("tags", "vip")}}},
		{"custom field", "custom_field_360001:Tak", Query{Terms: []Term{eq("custom_field_360001", "Tak")}}},
		{"custom field canonical id", "CUSTOM_FIELD_007:x", Query{Terms: []Term{eq("custom_field_7", "x")}}},
		{"custom field negated prefix phrase", `-custom_field_3:pre* custom_field_4:"a b"`,
			Query{Terms: []Term{neg(prefix(eq("custom_field_3", "pre"))), phrase(eq("custom_field_4", "a b"))}}},
		{"Tag alias upper", "TAG:VIP", Query{Terms: []Term{eq("tags", "VIP")}}},
		{"name prefix", "name:Jo*", Query{Terms: []Term{prefix(eq("name", "Jo"))}}},
		{"ticket_type", "ticket_type:incident", Query{Terms: []Term{eq("ticket_type", "incident")}}},
		{"email", "email:jan.kowalski@example.pl", Query{Terms: []Term{eq("email", "jan.kowalski@example.pl")}}},
		{"has_attachment", "has_attachment:true", Query{Terms: []Term{eq("has_attachment", "true")}}},
		{"value may contain operators", "subject:a:b<c>=d", Query{Terms: []Term{eq("subject", "a:b<c>=d")}}},
		{"value may start with dash", "subject:-x", Query{Terms: []Term{eq("subject", "-x")}}},

		{"created>date", "created>2025-01-01", Query{Terms: []Term{fterm("created", OpGT, "2025-01-01")}}},
		{"created<=rfc3339", "created<=2025-01-01T10:00:00Z", Query{Terms: []Term{fterm("created", OpLE, "2025-01-01T10:00:00Z")}}},
		{"updated rfc3339 offset", "updated>=2025-03-30T02:30:00+02:00", Query{Terms: []Term{fterm("updated", OpGE, "2025-03-30T02:30:00+02:00")}}},
		{"updated<4hours", "updated<4hours", Query{Terms: []Term{fterm("updated", OpLT, "4hours")}}},
		{"solved>2days", "solved>2days", Query{Terms: []Term{fterm("solved", OpGT, "2days")}}},
		{"due_date singular unit", "due_date<1week", Query{Terms: []Term{fterm("due_date", OpLT, "1week")}}},
		{"months and minutes", "created>1months updated>90minutes", Query{Terms: []Term{
			fterm("created", OpGT, "1months"), fterm("updated", OpGT, "90minutes")}}},
		{"quoted date", `created:"2025-01-01"`, Query{Terms: []Term{phrase(eq("created", "2025-01-01"))}}},
		{"negated date", "-created<3weeks", Query{Terms: []Term{neg(fterm("created", OpLT, "3weeks"))}}},

		{"type", "type:ticket", Query{Type: "ticket"}},
		{"type case-insensitive", "Type:USER", Query{Type: "user"}},
		{"type quoted", `type:"organization"`, Query{Type: "organization"}},
		{"order and sort", "order_by:created_at sort:desc", Query{OrderBy: "created_at", Sort: "desc"}},
		{"order lower-cased", "ORDER_BY:Updated_At SORT:ASC", Query{OrderBy: "updated_at", Sort: "asc"}},
		{"full query", `type:ticket status<solved priority>normal -tags:vip "drukarka nie działa" assignee:me order_by:priority sort:asc`, Query{
			Type: "ticket",
			Terms: []Term{
				fterm("status", OpLT, "solved"),
				fterm("priority", OpGT, "normal"),
				neg(eq("tags", "vip")),
				phrase(ft("drukarka nie działa")),
				eq("assignee", "me"),
			},
			OrderBy: "priority", Sort: "asc",
		}},

		{"polish free text", "zażółć gęślą jaźń", Query{Terms: []Term{ft("zażółć"), ft("gęślą"), ft("jaźń")}}},
		{"polish upper", "ŻÓŁW ĄĘ", Query{Terms: []Term{ft("ŻÓŁW"), ft("ĄĘ")}}},
		{"polish field value", "name:Łukasz requester:\"Paweł Wiśniewski\"", Query{Terms: []Term{
			eq("name", "Łukasz"), phrase(eq("requester", "Paweł Wiśniewski"))}}},
		{"polish prefix", "subject:źdźbł*", Query{Terms: []Term{prefix(eq("subject", "źdźbł"))}}},
		{"non-ascii before colon is text", "zażółć:foo", Query{Terms: []Term{ft("zażółć:foo")}}},
		{"emoji", "🔥 subject:🚀", Query{Terms: []Term{ft("🔥"), eq("subject", "🚀")}}},

		{"sql quote", "O'Brien", Query{Terms: []Term{ft("O'Brien")}}},
		{"sql injection words", "a' OR 1=1; --", Query{Terms: []Term{ft("a'"), ft("OR"), ft("1=1;"), ft("--")}}},
		{"double dash kept as data", "--x", Query{Terms: []Term{ft("--x")}}},
		{"double dash field-like is data", "--tags:vip", Query{Terms: []Term{ft("--tags:vip")}}},
		{"sql in value", "subject:';DROP_TABLE_tickets;--", Query{Terms: []Term{eq("subject", "';DROP_TABLE_tickets;--")}}},
		{"like wildcards", "name:%_% 100%", Query{Terms: []Term{eq("name", "%_%"), ft("100%")}}},
		{"quoted sql", `subject:"x'); DELETE FROM users; --"`, Query{Terms: []Term{phrase(eq("subject", "x'); DELETE FROM users; --"))}}},
		{"stray quote inside word", `O"Brien`, Query{Terms: []Term{ft(`O"Brien`)}}},
		{"backslash", `\\server\share`, Query{Terms: []Term{ft(`\\server\share`)}}},
		{"numbers and colons", "10:30 12<13", Query{Terms: []Term{ft("10:30"), ft("12<13")}}},
		{"leading colon", ":foo", Query{Terms: []Term{ft(":foo")}}},
		{"nul byte is data", "a\x00b", Query{Terms: []Term{ft("a\x00b")}}},
		{"fifty terms", strings.Repeat("x ", maxTerms), Query{Terms: repeatTerm(ft("x"), maxTerms)}},
		{"fifty terms plus options", strings.Repeat("x ", maxTerms) + "type:ticket order_by:status sort:asc",
			Query{Type: "ticket", Terms: repeatTerm(ft("x"), maxTerms), OrderBy: "status", Sort: "asc"}},
		{"max length", strings.Repeat("a", maxQueryBytes), Query{Terms: []Term{ft(strings.Repeat("a", maxQueryBytes))}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tc.in, err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("Parse(%q)\n got  %+v\n want %+v", tc.in, *got, tc.want)
			}
		})
	}
}

func repeatTerm(t Term, n int) []Term {
	out := make([]Term, n)
	for i := range out {
		out[i] = t
	}
	return out
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		msg     string // substring of Error.Message
		pos     int
		skipPos bool
	}{
		{"empty", "", "empty query", 0, false},
		{"whitespace only", " \t\n\u00a0\u3000", "empty query", 0, false},
		{"too long", strings.Repeat("a", maxQueryBytes+1), "too long", maxQueryBytes, false},
		{"too many terms", strings.Repeat("x ", maxTerms+1), "too many search terms", 2 * maxTerms, false},
		{"invalid utf8", "ok \xff", "UTF-8", 3, false},
		{"truncated utf8", "zaż\xc3", "UTF-8", 4, false},
		{"unterminated quote", `subject:"abc`, "unterminated quote", 8, false},
		{"unterminated quote after unknown keyword", `foo:"abc`, "unterminated quote", 4, false},
		{"error after valid terms", "status:open zażółć \"x", "unterminated quote", 23, false}, // Pos counts bytes,
		{"unterminated free quote", `a "b c`, "unterminated quote", 2, false},
		{"escaped quote does not close", `"abc\"`, "unterminated quote", 0, false},
		{"text after quote", `"a"b`, "space after closing quote", 3, false},
		{"star after quote", `subject:"a"*`, "space after closing quote", 11, false},
		{"empty phrase", `""`, "empty phrase", 0, false},
		{"lone dash", "-", "'-'", 0, false},
		{"lone dash between", "a - b", "'-'", 2, false},
		{"dash before nbsp", "-\u00a0b", "'-'", 0, false},
		{"lone star", "*", "'*'", 0, false},
		{"negated lone star", "-*", "'*'", 1, false},
		{"custom field compared", "custom_field_5>3", "cannot be compared", 0, false},
		{"missing value", "status:", "missing value", 0, false},
		{"missing value before space", "status: open", "missing value", 0, false},
		{"empty quoted value", `subject:""`, "empty value", 8, false},
		{"field star only", "name:*", "'*'", 5, false},
		{"compare text field", "subject>abc", "cannot be compared", 0, false},
		{"compare tags", "tags<=a", "cannot be compared", 0, false},
		{"bad status compare", "status<done", "status must be one of", 7, false},
		{"bad priority compare", "priority>=critical", "priority must be one of", 10, false},
		{"status compare prefix", "status<open*", "'*' cannot be used", 7, false},
		{"bad date", "created>yesterday", "created needs a date", 8, false},
		{"bad date eq", "updated:2025-13-01", "updated needs a date", 8, false},
		{"short date", "created>2025-1-1", "needs a date", 8, false},
		{"bad unit", "created>4fortnights", "needs a date", 8, false},
		{"no number", "created>hours", "needs a date", 8, false},
		{"negative", "created>-4hours", "needs a date", 8, false},
		{"huge number", "created>99999999999999999999days", "needs a date", 8, false},
		{"over max relative", "created>1000001hours", "needs a date", 8, false},
		{"date prefix", "created:2025*", "'*' cannot be used with dates", 8, false},
		{"bad type", "type:ticketz", "type must be", 5, false},
		{"type prefix", "type:tick*", "'*' cannot be used", 5, false},
		{"negated type", "-type:ticket", "cannot be negated", 0, false},
		{"duplicate type", "type:ticket type:user", "only appear once", 12, false},
		{"duplicate same type", "type:ticket TYPE:ticket", "only appear once", 12, false},
		{"type compare", "type>ticket", "only supports", 0, false},
		{"empty type", `type:""`, "type must be", 5, false},
		{"bad sort", "sort:up", "sort must be asc or desc", 5, false},
		{"duplicate sort", "sort:asc sort:desc", "only appear once", 9, false},
		{"negated sort", "-sort:asc", "cannot be negated", 0, false},
		{"bad order_by", "order_by:created-at", "order_by must be", 9, false},
		{"empty order_by", `order_by:""`, "order_by must be", 9, false},
		{"order_by digits", "order_by:field1", "order_by must be", 9, false},
		{"order_by sql", "order_by:id;drop", "order_by must be", 9, false},
		{"order_by compare", "order_by<x", "only supports", 0, false},
		{"duplicate order_by", "order_by:a order_by:b", "only appear once", 11, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error containing %q", tc.in, q, tc.msg)
			}
			if q != nil {
				t.Errorf("Parse(%q) returned a query alongside error %v", tc.in, err)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T is not *Error", tc.in, err)
			}
			if !strings.Contains(pe.Message, tc.msg) {
				t.Errorf("Parse(%q) message %q, want it to contain %q", tc.in, pe.Message, tc.msg)
			}
			if !tc.skipPos && pe.Pos != tc.pos {
				t.Errorf("Parse(%q) Pos = %d, want %d (%s)", tc.in, pe.Pos, tc.pos, pe.Message)
			}
			if pe.Pos < 0 || pe.Pos > len(tc.in) {
				t.Errorf("Parse(%q) Pos %d out of range", tc.in, pe.Pos)
			}
			if !utf8.ValidString(pe.Message) {
				t.Errorf("message is not valid UTF-8: %q", pe.Message)
			}
			if !strings.Contains(pe.Error(), pe.Message) {
				t.Errorf("Error() %q does not include message %q", pe.Error(), pe.Message)
			}
		})
	}
}

func TestTermTime(t *testing.T) {
	warsaw, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		// Fall back to a fixed zone where tzdata is missing; the DST case
		// below then just checks plain arithmetic.
		warsaw = time.FixedZone("CET", 3600)
	}
	now := time.Date(2025, 3, 31, 12, 0, 0, 0, warsaw)
	tests := []struct {
		value string
		want  time.Time
	}{
		{"2025-01-31", time.Date(2025, 1, 31, 0, 0, 0, 0, warsaw)},
		{"2025-01-01T10:00:00Z", time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)},
		{"2025-01-01T10:00:00.5+02:00", time.Date(2025, 1, 1, 8, 0, 0, 5e8, time.UTC)},
		{"0minutes", now},
		{"90minutes", now.Add(-90 * time.Minute)},
		{"1minute", now.Add(-time.Minute)},
		{"4hours", now.Add(-4 * time.Hour)},
		{"1HOUR", now.Add(-time.Hour)},
		{"2days", time.Date(2025, 3, 29, 12, 0, 0, 0, warsaw)}, // across the DST change, same wall clock
		{"3weeks", time.Date(2025, 3, 10, 12, 0, 0, 0, warsaw)},
		{"1months", now.AddDate(0, -1, 0)},
		{"2years", time.Date(2023, 3, 31, 12, 0, 0, 0, warsaw)},
		{"1000000hours", now.Add(-1000000 * time.Hour)},
	}
	for _, tc := range tests {
		for _, field := range []string{"created", "updated", "solved", "due_date"} {
			got, err := Term{Field: field, Op: OpGT, Value: tc.value}.Time(now)
			if err != nil {
				t.Errorf("%s:%s Time error: %v", field, tc.value, err)
				continue
			}
			if !got.Equal(tc.want) {
				t.Errorf("%s:%s Time = %v, want %v", field, tc.value, got, tc.want)
			}
		}
	}

	// A parsed term resolves the same way as a hand-built one.
	q, err := Parse("created>4hours")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := q.Terms[0].Time(now); err != nil || !got.Equal(now.Add(-4*time.Hour)) {
		t.Errorf("parsed term Time = %v, %v", got, err)
	}

	for _, bad := range []Term{
		{Field: "subject", Value: "2025-01-01"},
		{Field: "", Value: "2025-01-01"},
		{Field: "created", Value: "soon"},
		{Field: "created", Value: "4"},
		{Field: "created", Value: "days"},
		{Field: "created", Value: "4dayss"},
	} {
		if got, err := bad.Time(now); err == nil {
			t.Errorf("%+v.Time = %v, want error", bad, got)
		}
	}
}

// canonicalFields is what Term.Field may hold after Parse: the allowed list
// with aliases resolved.
func canonicalFields() map[string]bool {
	m := map[string]bool{"": true}
	for f := range fields {
		m[f] = true
	}
	return m
}

var orderByRE = regexp.MustCompile(`^[a-z_]+$`)

// checkQuery asserts the invariants every successful Parse must hold.
func checkQuery(t *testing.T, in string, q *Query) {
	t.Helper()
	allowed := canonicalFields()
	switch q.Type {
	case "", "ticket", "user", "organization":
	default:
		t.Errorf("Parse(%q): bad Type %q", in, q.Type)
	}
	switch q.Sort {
	case "", "asc", "desc":
	default:
		t.Errorf("Parse(%q): bad Sort %q", in, q.Sort)
	}
	if q.OrderBy != "" && !orderByRE.MatchString(q.OrderBy) {
		t.Errorf("Parse(%q): bad OrderBy %q", in, q.OrderBy)
	}
	if len(q.Terms) > maxTerms {
		t.Errorf("Parse(%q): %d terms", in, len(q.Terms))
	}
	for i, term := range q.Terms {
		switch term.Op {
		case OpEq, OpLT, OpGT, OpLE, OpGE:
		default:
			t.Errorf("Parse(%q): term %d bad Op %q", in, i, term.Op)
		}
		if _, custom := CustomFieldID(term.Field); !allowed[term.Field] && !custom {
			t.Errorf("Parse(%q): term %d field %q not allowed", in, i, term.Field)
		}
		if term.Field == "" && term.Op != OpEq {
			t.Errorf("Parse(%q): free-text term %d has Op %q", in, i, term.Op)
		}
		if !utf8.ValidString(term.Value) {
			t.Errorf("Parse(%q): term %d Value not UTF-8: %q", in, i, term.Value)
		}
		if term.Value == "" {
			t.Errorf("Parse(%q): term %d has empty Value", in, i)
		}
		if term.Phrase && term.Prefix {
			t.Errorf("Parse(%q): term %d is both phrase and prefix", in, i)
		}
		if _, kind, _ := lookupField(term.Field); kind == kindDate {
			if _, err := term.Time(time.Now()); err != nil {
				t.Errorf("Parse(%q): date term %d does not resolve: %v", in, i, err)
			}
		}
	}
}

// format writes q back as query text; re-parsing it must give the same
// Query, which pins down quoting, escaping and prefix handling.
func format(q *Query) string {
	var parts []string
	if q.Type != "" {
		parts = append(parts, "type:"+q.Type)
	}
	for _, t := range q.Terms {
		var b strings.Builder
		if t.Negated {
			b.WriteByte('-')
		}
		if t.Field != "" {
			b.WriteString(t.Field)
			b.WriteString(string(t.Op))
		}
		if t.Phrase {
			b.WriteByte('"')
			b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(t.Value))
			b.WriteByte('"')
		} else {
			b.WriteString(t.Value)
		}
		if t.Prefix {
			b.WriteByte('*')
		}
		parts = append(parts, b.String())
	}
	if q.OrderBy != "" {
		parts = append(parts, "order_by:"+q.OrderBy)
	}
	if q.Sort != "" {
		parts = append(parts, "sort:"+q.Sort)
	}
	return strings.Join(parts, " ")
}

func TestRoundTrip(t *testing.T) {
	for _, in := range fuzzSeeds {
		q, err := Parse(in)
		if err != nil {
			continue
		}
		checkQuery(t, in, q)
		out := format(q)
		q2, err := Parse(out)
		if err != nil {
			t.Errorf("re-parse of %q (from %q) failed: %v", out, in, err)
			continue
		}
		if !reflect.DeepEqual(q, q2) {
			t.Errorf("round trip of %q via %q:\n got  %+v\n want %+v", in, out, q2, q)
		}
	}
}

var fuzzSeeds = []string{
	"refund",
	`type:ticket status<solved priority>normal -tags:vip "printer on fire" order_by:created_at sort:desc`,
	"assignee:me assignee:none requester:jan@example.com",
	"created>2025-01-01 updated<=2025-01-01T10:00:00Z solved>4hours due_date<2weeks",
	`"quoted phrase" -"negated phrase" subj* name:Jo*`,
	`subject:"say \"hi\" \\"`,
	"zażółć gęślą jaźń name:Łukasz subject:\"Paweł Wiśniewski\"",
	"a' OR 1=1; --",
	"subject:';DROP TABLE tickets;-- name:%_%",
	"order_by:id;drop",
	"-",
	"--",
	"- -",
	"*",
	`"`,
	`"abc\"`,
	`"a"b`,
	"status:",
	"type:ticket type:user",
	"-type:ticket",
	"stauts:open",
	"created>yesterday created>99999999999999999999days",
	"\xff\xfe",
	"a\u00a0b\u3000c\u2028d",
	"TAG:VIP Status:Open PRIORITY>=High",
	strings.Repeat("x ", maxTerms+1),
	strings.Repeat("é", maxQueryBytes/2),
	"\\path\\to\\file 10:30 :foo a.b:c C:\\x",
	`subject:"x" \\server\share 10:30 :foo`,
	"custom_field_360001:abc -custom_field_7:\"two words\" custom_field_12:pre*",
	"custom_field_0:x custom_field_:x custom_field_99999999999999999999:x custom_field_1<5",
	"CUSTOM_FIELD_0042:Tak custom_field_1.5:x custom_field_1a:x",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q, err := Parse(in)
		q2, err2 := Parse(in)
		if !reflect.DeepEqual(q, q2) || !reflect.DeepEqual(err, err2) {
			t.Fatalf("Parse(%q) not deterministic: %+v,%v vs %+v,%v", in, q, err, q2, err2)
		}
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T is not *Error", in, err)
			}
			if q != nil {
				t.Fatalf("Parse(%q) returned both query and error", in)
			}
			if pe.Message == "" || !utf8.ValidString(pe.Message) || pe.Pos < 0 || pe.Pos > len(in) {
				t.Fatalf("Parse(%q) bad error %+v", in, pe)
			}
			return
		}
		checkQuery(t, in, q)
		// Escaping and alias expansion can grow the text past the length
		// limit, which is a legitimate rejection rather than a bug.
		if out := format(q); len(out) <= maxQueryBytes {
			q3, err := Parse(out)
			if err != nil {
				t.Fatalf("re-parse of %q (from %q) failed: %v", out, in, err)
			}
			if !reflect.DeepEqual(q, q3) {
				t.Fatalf("round trip of %q via %q:\n got  %+v\n want %+v", in, out, q3, q)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	const in = `type:ticket status<solved priority>=high -tags:vip tag:billing assignee:me ` +
		`created>2025-01-01 updated<4hours "drukarka nie działa" faktura* -spam ` +
		`subject:"Re: zwrot środków" order_by:updated_at sort:desc`
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}
