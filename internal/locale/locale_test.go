package locale

import (
	"fmt"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
	_ "time/tzdata" // Europe/Warsaw on machines without a zoneinfo database
)

func warsaw(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// rawCatalogues decodes every embedded catalogue file.
func rawCatalogues(t *testing.T) map[string]map[string]entry {
	t.Helper()
	sub, err := fs.Sub(embedded, "catalog")
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(sub, "*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no catalogues: %v", err)
	}
	out := map[string]map[string]entry{}
	for _, n := range names {
		data, err := fs.ReadFile(sub, n)
		if err != nil {
			t.Fatal(err)
		}
		es, err := decodeEntries(data)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out[strings.TrimSuffix(n, ".json")] = es
	}
	return out
}

func entryPlaceholders(e entry) []string {
	set := map[string]bool{}
	if e.forms == nil {
		maps.Copy(set, placeholders(e.text))
	}
	for _, f := range e.forms {
		maps.Copy(set, placeholders(f))
	}
	return slices.Sorted(maps.Keys(set))
}

// compareCatalogues lists every difference of other from base: keys only in
// one of them, a plural in one and plain text in the other, and different
// sets of placeholders.
func compareCatalogues(base, other map[string]entry) []string {
	var problems []string
	for _, k := range slices.Sorted(maps.Keys(base)) {
		be := base[k]
		oe, ok := other[k]
		if !ok {
			problems = append(problems, fmt.Sprintf("missing key %q", k))
			continue
		}
		if (be.forms == nil) != (oe.forms == nil) {
			problems = append(problems, fmt.Sprintf("key %q: plural in one catalogue, plain text in the other", k))
			continue
		}
		if bp, op := entryPlaceholders(be), entryPlaceholders(oe); !slices.Equal(bp, op) {
			problems = append(problems, fmt.Sprintf("key %q: placeholders %v, want %v", k, op, bp))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(other)) {
		if _, ok := base[k]; !ok {
			problems = append(problems, fmt.Sprintf("extra key %q (not in en.json)", k))
		}
	}
	return problems
}

func TestDefaultLoads(t *testing.T) {
	b := Default()
	if got, want := b.Locales(), []string{"en", "pl"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Locales() = %v, want %v", got, want)
	}
	b.Locales()[0] = "xx" // a copy: must not change the bundle
	if b.Locales()[0] != "en" {
		t.Fatal("Locales returned the bundle's own slice")
	}
	if _, err := Load(fstest.MapFS{}); err == nil {
		t.Fatal("Load of an empty FS succeeded")
	}
	for _, l := range b.Locales() {
		if n := b.Printer(l, nil).Name(); n == "" {
			t.Errorf("%s: empty Name", l)
		}
	}
	if got := b.Printer("en", nil).Name(); got != "English" {
		t.Errorf("en Name = %q", got)
	}
	if got := b.Printer("pl", nil).Name(); got != "Polski" {
		t.Errorf("pl Name = %q", got)
	}
}

// TestCataloguesMatchEnglish is the test that fails on a missing key: every
// catalogue must have exactly en.json's keys, shapes and placeholders.
func TestCataloguesMatchEnglish(t *testing.T) {
	cats := rawCatalogues(t)
	en := cats["en"]
	if len(en) < 150 {
		t.Errorf("en.json has %d keys; the UI needs more", len(en))
	}
	for loc, c := range cats {
		if loc == "en" {
			continue
		}
		t.Run(loc, func(t *testing.T) {
			for _, p := range compareCatalogues(en, c) {
				t.Error(p)
			}
		})
	}
}

func TestCompareCataloguesCatchesMistakes(t *testing.T) {
	base := map[string]entry{
		"a":     {text: "Hello, {name}"},
		"b":     {text: "B"},
		"count": {forms: map[string]string{"one": "{count} x", "other": "{count} xs"}},
		"shape": {text: "plain"},
	}
	other := map[string]entry{
		"a":     {text: "Cześć, {imie}"}, // translated placeholder
		"count": {forms: map[string]string{"one": "{count} x", "few": "{count} y", "many": "{count} z", "other": "{cnt} q"}},
		"shape": {forms: map[string]string{"other": "plural"}},
		"extra": {text: "?"},
	}
	got := compareCatalogues(base, other)
	want := []string{
		`key "a": placeholders [imie], want [name]`,
		`missing key "b"`,
		`key "count": placeholders [cnt count], want [count]`,
		`key "shape": plural in one catalogue, plain text in the other`,
		`extra key "extra" (not in en.json)`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("compareCatalogues:\n got %q\nwant %q", got, want)
	}
}

// TestRequiredKeys pins the keys the web and email code is written against.
func TestRequiredKeys(t *testing.T) {
	groups := map[string][]string{
		"app":       {"name", "tagline"},
		"nav":       {"home", "views", "tickets", "search", "customers", "organizations", "admin", "settings", "sign_out", "help", "language"},
		"auth":      {"sign_in", "sign_out", "email", "password", "remember", "forgot_password", "reset_password", "reset_sent", "new_password", "invalid_credentials", "signed_out", "session_expired", "sign_up", "verify_email", "verification_sent", "verified"},
		"views":     {"my_open", "unassigned_in_groups", "all_unsolved", "pending", "recently_updated", "recently_solved", "empty"},
		"ticket":    {"subject", "description", "status", "priority", "type", "assignee", "group", "requester", "organization", "tags", "followers", "created", "updated", "due_at", "custom_fields", "conversation", "reply", "internal_note", "public_reply", "submit_as", "attachments", "add_attachment", "merge_into", "merge", "history", "audit.changed", "new_ticket", "unassigned", "none", "other_tickets_of_requester", "collision_viewing", "collision_typing", "bulk_actions", "selected", "count", "saved", "not_found", "forbidden"},
		"status":    {"new", "open", "pending", "hold", "solved", "closed"},
		"priority":  {"low", "normal", "high", "urgent"},
		"type":      {"question", "incident", "problem", "task"},
		"portal":    {"submit_request", "your_name", "your_email", "subject", "how_can_we_help", "submit", "request_received", "my_requests", "organization_requests", "mark_solved", "add_reply", "request_closed", "honeypot"},
		"search":    {"placeholder", "results", "tickets", "users", "organizations", "no_results", "invalid_query"},
		"admin":     {"people", "users", "organizations", "groups", "memberships", "ticket_fields", "settings", "helpdesk_name", "default_locale", "default_time_zone", "outbox", "save", "create", "delete", "confirm_delete", "role.end-user", "role.agent", "role.admin"},
		"shortcuts": {"title", "next_ticket", "previous_ticket", "reply", "note", "submit", "help"},
		"errors":    {"generic", "not_found", "forbidden", "rate_limited", "csrf", "validation"},
		"time":      {"minutes_ago", "hours_ago", "days_ago", "just_now", "yesterday"},
		"common":    {"save", "cancel", "close", "edit", "back", "next", "previous", "page_of", "loading", "yes", "no", "apply", "clear"},
	}
	plural := map[string]bool{"ticket.collision_viewing": true, "ticket.collision_typing": true, "ticket.selected": true,
		"ticket.count": true, "search.results": true, "time.minutes_ago": true, "time.hours_ago": true, "time.days_ago": true}
	withPlaceholder := map[string]string{"ticket.submit_as": "status", "portal.request_received": "id", "ticket.audit.changed": "from",
		"auth.verification_sent": "email", "common.page_of": "pages", "ticket.collision_viewing": "names", "ticket.selected": "count"}
	b := Default()
	for _, loc := range b.Locales() {
		c := b.cats[loc]
		for g, keys := range groups {
			for _, k := range keys {
				key := g + "." + k
				e, ok := c.entries[key]
				if !ok {
					t.Errorf("%s: missing %q", loc, key)
					continue
				}
				if plural[key] != (e.forms != nil) {
					t.Errorf("%s: %q plural = %v, want %v", loc, key, e.forms != nil, plural[key])
				}
				if ph, ok := withPlaceholder[key]; ok && !slices.Contains(entryPlaceholders(e), ph) {
					t.Errorf("%s: %q lacks {%s}", loc, key, ph)
				}
			}
		}
	}
}

func TestPolishPluralCategories(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, Many}, {1, One}, {2, Few}, {3, Few}, {4, Few}, {5, Many}, {11, Many}, {12, Many},
		{13, Many}, {14, Many}, {21, Many}, {22, Few}, {24, Few}, {25, Many}, {100, Many},
		{101, Many}, {102, Few}, {112, Many}, {122, Few}, {1000, Many}, {1002, Few}, {-2, Few}, {-1, One},
	}
	for _, tt := range tests {
		if got := PluralCategory("pl", tt.n); got != tt.want {
			t.Errorf("pl %d: %s, want %s", tt.n, got, tt.want)
		}
	}
	if got := polish.choose(1, 1); got != Other {
		t.Errorf("pl 1.5: %s, want other", got)
	}
}

func TestPolishPluralText(t *testing.T) {
	p := Default().Printer("pl", nil)
	tests := []struct {
		n    int
		want string
	}{
		{0, "0 zgłoszeń"}, {1, "1 zgłoszenie"}, {2, "2 zgłoszenia"}, {4, "4 zgłoszenia"},
		{5, "5 zgłoszeń"}, {11, "11 zgłoszeń"}, {12, "12 zgłoszeń"}, {14, "14 zgłoszeń"},
		{21, "21 zgłoszeń"}, {22, "22 zgłoszenia"}, {25, "25 zgłoszeń"}, {100, "100 zgłoszeń"},
		{101, "101 zgłoszeń"}, {102, "102 zgłoszenia"}, {112, "112 zgłoszeń"}, {122, "122 zgłoszenia"},
		{12345, "12\u00a0345 zgłoszeń"}, {1234, "1234 zgłoszenia"},
	}
	for _, tt := range tests {
		if got := p.N("ticket.count", tt.n); got != tt.want {
			t.Errorf("N(ticket.count, %d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got, want := p.N("time.minutes_ago", 5), "5 minut temu"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := p.N("search.results", 23), "23 wyniki"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := p.N("ticket.collision_viewing", 2, "names", "Ada i Jan"), "Ada i Jan przeglądają to zgłoszenie"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEnglishPlurals(t *testing.T) {
	p := Default().Printer("en", nil)
	tests := []struct {
		n    int
		want string
	}{
		{0, "0 tickets"}, {1, "1 ticket"}, {2, "2 tickets"}, {11, "11 tickets"}, {21, "21 tickets"},
		{101, "101 tickets"}, {-1, "-1 ticket"}, {1234, "1,234 tickets"},
	}
	for _, tt := range tests {
		if got := p.N("ticket.count", tt.n); got != tt.want {
			t.Errorf("N(ticket.count, %d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got, want := p.N("ticket.collision_viewing", 1, "names", "Ada"), "Ada is viewing this ticket"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := p.N("ticket.selected", 3), "3 selected"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// T on a plural key: the count argument picks the form, else "other".
	if got, want := p.T("ticket.count", "count", 1), "1 ticket"; got != want {
		t.Errorf("T with count: %q, want %q", got, want)
	}
	if got, want := p.T("ticket.collision_typing", "names", "Ada, Jan"), "Ada, Jan are replying to this ticket"; got != want {
		t.Errorf("T on plural: %q, want %q", got, want)
	}
	// N on a plain key sets {count} too.
	if got, want := p.N("app.name", 3), "Frontdesk"; got != want {
		t.Errorf("N on plain key: %q, want %q", got, want)
	}
}

func TestOtherPluralRules(t *testing.T) {
	for _, tt := range []struct {
		loc  string
		n    int64
		want string
	}{
		{"de", 1, One}, {"de", 0, Other}, {"es-MX", 1, One}, {"es-MX", 2, Other},
		{"fr", 0, One}, {"fr", 1, One}, {"fr", 2, Other}, {"fr", 1000000, Many}, {"pt-BR", 1, One},
	} {
		if got := PluralCategory(tt.loc, tt.n); got != tt.want {
			t.Errorf("%s %d: %s, want %s", tt.loc, tt.n, got, tt.want)
		}
	}
	// Every rule returns only the categories it declares.
	for lang, r := range pluralRules {
		for i := uint64(0); i < 2000; i++ {
			for _, v := range []int{0, 1} {
				if c := r.choose(i, v); !slices.Contains(r.categories, c) {
					t.Fatalf("%s: %d (v=%d) → %q, not in %v", lang, i, v, c, r.categories)
				}
			}
		}
		if !slices.Contains(r.categories, Other) {
			t.Errorf("%s: no other category", lang)
		}
	}
}

func TestParseAcceptLanguage(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"pl-PL,pl;q=0.9,en;q=0.8", []string{"pl-PL", "pl", "en"}},
		{"en;q=0.5, pl", []string{"pl", "en"}},
		{"de-DE", []string{"de-DE"}},
		{"fr;q=0.8,de;q=0.8,pl;q=0.8", []string{"fr", "de", "pl"}},
		{"en-us,EN-US;q=0.9", []string{"en-US"}},
		{"pl_PL", []string{"pl-PL"}},
		{"*;q=0.5,pl;q=0", nil},
		{"en;q=2,pl;q=abc,de;q=0.7", []string{"de"}},
		{"en;q=1.000", []string{"en"}},
		{"", nil},
		{",,,;;;", nil},
		{"💥", nil},
		{strings.Repeat("x", 10000), nil},
		{"en;level=1;q=0.4,pl", []string{"pl", "en"}},
	}
	for _, tt := range tests {
		got := ParseAcceptLanguage(tt.in)
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseAcceptLanguage(%.40q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// At most 32 entries are looked at.
	many := strings.Repeat("de,", 100) + "pl"
	if got := ParseAcceptLanguage(many); !reflect.DeepEqual(got, []string{"de"}) {
		t.Errorf("long header: %q", got)
	}
}

func TestMatch(t *testing.T) {
	b := Default()
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"pl-PL,pl;q=0.9,en;q=0.8"}, "pl"},
		{[]string{"de-DE"}, "en"},
		{[]string{"pl-PL"}, "pl"},
		{[]string{"pl"}, "pl"},
		{[]string{"pl_PL"}, "pl"},
		{[]string{"en-GB"}, "en"},
		{[]string{"en-US", "pl"}, "en"},
		{[]string{"", "de-DE,pl;q=0.5", "en"}, "pl"},
		{[]string{"de", "fr"}, "en"},
		{[]string{"de", "fr", "pl"}, "pl"},
		{[]string{"garbage!!", "pl"}, "pl"},
		{[]string{"*"}, "en"},
		{nil, "en"},
		{[]string{"x-klingon;q=1,;;;,=,q="}, "en"},
	}
	for _, tt := range tests {
		if got := b.Match(tt.in...); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if p := b.Printer("pl-PL", nil); p.Locale != "pl" || p.TZ != time.UTC {
		t.Errorf("Printer(pl-PL, nil) = %q %v", p.Locale, p.TZ)
	}
	if p := b.Printer("xx", nil); p.Locale != "en" {
		t.Errorf("Printer(xx) = %q", p.Locale)
	}
}

func TestDatesAndTimes(t *testing.T) {
	waw := warsaw(t)
	b := Default()
	tests := []struct {
		at                   time.Time
		tz                   *time.Location
		enDate, enDT, enTime string
		plDate, plDT, plTime string
	}{
		{time.Date(2026, 11, 25, 14, 4, 0, 0, time.UTC), waw,
			"Nov 25, 2026", "Nov 25, 2026, 3:04 PM", "3:04 PM",
			"25.11.2026", "25.11.2026, 15:04", "15:04"},
		{time.Date(2026, 11, 25, 14, 4, 0, 0, time.UTC), nil, // nil → UTC
			"Nov 25, 2026", "Nov 25, 2026, 2:04 PM", "2:04 PM",
			"25.11.2026", "25.11.2026, 14:04", "14:04"},
		// Crosses midnight in Warsaw (CET, UTC+1).
		{time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC), waw,
			"Nov 26, 2026", "Nov 26, 2026, 12:30 AM", "12:30 AM",
			"26.11.2026", "26.11.2026, 00:30", "00:30"},
		// Summer time (CEST, UTC+2); single-digit day and month.
		{time.Date(2026, 7, 1, 22, 5, 0, 0, time.UTC), waw,
			"Jul 2, 2026", "Jul 2, 2026, 12:05 AM", "12:05 AM",
			"02.07.2026", "02.07.2026, 00:05", "00:05"},
		{time.Date(2027, 1, 5, 11, 0, 0, 0, waw), waw,
			"Jan 5, 2027", "Jan 5, 2027, 11:00 AM", "11:00 AM",
			"05.01.2027", "05.01.2027, 11:00", "11:00"},
		{time.Date(2026, 5, 9, 12, 0, 0, 0, waw), waw,
			"May 9, 2026", "May 9, 2026, 12:00 PM", "12:00 PM",
			"09.05.2026", "09.05.2026, 12:00", "12:00"},
	}
	for _, tt := range tests {
		en, pl := b.Printer("en", tt.tz), b.Printer("pl", tt.tz)
		for _, c := range []struct{ got, want string }{
			{en.Date(tt.at), tt.enDate}, {en.DateTime(tt.at), tt.enDT}, {en.Time(tt.at), tt.enTime},
			{pl.Date(tt.at), tt.plDate}, {pl.DateTime(tt.at), tt.plDT}, {pl.Time(tt.at), tt.plTime},
		} {
			if c.got != c.want {
				t.Errorf("%v in %v: got %q, want %q", tt.at, tt.tz, c.got, c.want)
			}
		}
	}
}

func TestNumber(t *testing.T) {
	const nb = "\u00a0"
	tests := []struct {
		n      int64
		en, pl string
	}{
		{0, "0", "0"},
		{7, "7", "7"},
		{999, "999", "999"},
		{1000, "1,000", "1000"},
		{9999, "9,999", "9999"},
		{12345, "12,345", "12" + nb + "345"},
		{123456, "123,456", "123" + nb + "456"},
		{1234567, "1,234,567", "1" + nb + "234" + nb + "567"},
		{-1234567, "-1,234,567", "-1" + nb + "234" + nb + "567"},
		{-999, "-999", "-999"},
		{9223372036854775807, "9,223,372,036,854,775,807", "9" + nb + "223" + nb + "372" + nb + "036" + nb + "854" + nb + "775" + nb + "807"},
		{-9223372036854775808, "-9,223,372,036,854,775,808", "-9" + nb + "223" + nb + "372" + nb + "036" + nb + "854" + nb + "775" + nb + "808"},
	}
	en, pl := Default().Printer("en", nil), Default().Printer("pl", nil)
	for _, tt := range tests {
		if got := en.Number(tt.n); got != tt.en {
			t.Errorf("en Number(%d) = %q, want %q", tt.n, got, tt.en)
		}
		if got := pl.Number(tt.n); got != tt.pl {
			t.Errorf("pl Number(%d) = %q, want %q", tt.n, got, tt.pl)
		}
	}
}

func TestRelative(t *testing.T) {
	waw := warsaw(t)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, waw)
	tests := []struct {
		t      time.Time
		en, pl string
	}{
		{now, "just now", "przed chwilą"},
		{now.Add(-30 * time.Second), "just now", "przed chwilą"},
		{now.Add(30 * time.Second), "just now", "przed chwilą"},
		{now.Add(-time.Minute), "1 minute ago", "1 minutę temu"},
		{now.Add(-5 * time.Minute), "5 minutes ago", "5 minut temu"},
		{now.Add(-22 * time.Minute), "22 minutes ago", "22 minuty temu"},
		{now.Add(-59 * time.Minute), "59 minutes ago", "59 minut temu"},
		{now.Add(-time.Hour), "1 hour ago", "1 godzinę temu"},
		{now.Add(-3 * time.Hour), "3 hours ago", "3 godziny temu"},
		{now.Add(-11*time.Hour - 59*time.Minute), "11 hours ago", "11 godzin temu"},
		{now.Add(-13 * time.Hour), "yesterday", "wczoraj"},
		{now.Add(-35 * time.Hour), "yesterday", "wczoraj"},
		{now.Add(-2 * 24 * time.Hour), "2 days ago", "2 dni temu"},
		{now.Add(-5 * 24 * time.Hour), "5 days ago", "5 dni temu"},
		{now.Add(-6 * 24 * time.Hour), "6 days ago", "6 dni temu"},
		{now.Add(-8 * 24 * time.Hour), "Nov 17, 2026", "17.11.2026"},
		{now.Add(5 * time.Minute), "in 5 minutes", "za 5 minut"},
		{now.Add(2 * time.Hour), "in 2 hours", "za 2 godziny"},
		{now.Add(24 * time.Hour), "tomorrow", "jutro"},
		{now.Add(3 * 24 * time.Hour), "in 3 days", "za 3 dni"},
		{now.Add(30 * 24 * time.Hour), "Dec 25, 2026", "25.12.2026"},
	}
	en, pl := Default().Printer("en", waw), Default().Printer("pl", waw)
	for _, tt := range tests {
		// now given in another zone: the printer's zone decides the day.
		if got := en.Relative(tt.t, now.UTC()); got != tt.en {
			t.Errorf("en Relative(%v) = %q, want %q", tt.t, got, tt.en)
		}
		if got := pl.Relative(tt.t.UTC(), now); got != tt.pl {
			t.Errorf("pl Relative(%v) = %q, want %q", tt.t, got, tt.pl)
		}
	}
	// Calendar days in the printer's zone: 23:30 UTC on the 24th is already
	// the 25th in Warsaw, so at noon on the 25th it is "hours ago", while a
	// UTC printer calls it yesterday.
	at := time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC)
	if got := en.Relative(at, now); got != "11 hours ago" {
		t.Errorf("Warsaw: %q", got)
	}
	if got := Default().Printer("en", nil).Relative(at, now); got != "yesterday" {
		t.Errorf("UTC: %q", got)
	}
	// Centuries apart, where time.Time.Sub saturates.
	far := time.Date(2500, 6, 1, 12, 0, 0, 0, waw)
	if got := en.Relative(far, now); got != "Jun 1, 2500" {
		t.Errorf("far future: %q", got)
	}
	if got := en.Relative(time.Time{}, now); got != "Jan 1, 1" {
		t.Errorf("zero time: %q", got)
	}
	// Across the spring DST change (29 March 2026 has 23 hours in Warsaw).
	dstNow := time.Date(2026, 3, 30, 1, 0, 0, 0, waw)
	if got := pl.Relative(time.Date(2026, 3, 29, 0, 30, 0, 0, waw), dstNow); got != "wczoraj" {
		t.Errorf("DST: %q", got)
	}
	if got := pl.Relative(time.Date(2026, 3, 28, 23, 30, 0, 0, waw), dstNow); got != "2 dni temu" {
		t.Errorf("DST: %q", got)
	}
}

func TestTPlaceholders(t *testing.T) {
	en, pl := Default().Printer("en", nil), Default().Printer("pl", nil)
	tests := []struct {
		p    *Printer
		key  string
		args []any
		want string
	}{
		{en, "ticket.submit_as", []any{"status", "Pending"}, "Submit as Pending"},
		{pl, "ticket.submit_as", []any{"status", "Oczekujące"}, "Wyślij jako: Oczekujące"},
		{en, "portal.request_received", []any{"id", 12345}, "Thank you! We have received your request #12345."},
		{en, "common.page_of", []any{"page", 2, "pages", 10}, "2 / 10"},
		{en, "ticket.audit.changed", []any{"field", "status", "from", "open", "to", "solved"}, "Changed status from open to solved"},
		{pl, "ticket.audit.changed", []any{"field", "Status", "from", "Otwarte", "to", "Rozwiązane"}, "Zmieniono pole Status z Otwarte na Rozwiązane"},
		// missing argument: the placeholder stays; odd trailing name ignored
		{en, "ticket.submit_as", []any{"status"}, "Submit as {status}"},
		{en, "ticket.submit_as", nil, "Submit as {status}"},
		// first pair wins; unknown names are ignored
		{en, "ticket.submit_as", []any{"other", "x", "status", "A", "status", "B"}, "Submit as A"},
		{en, "app.name", []any{"name", "ignored"}, "Frontdesk"},
	}
	for _, tt := range tests {
		if got := tt.p.T(tt.key, tt.args...); got != tt.want {
			t.Errorf("%s T(%q, %v) = %q, want %q", tt.p.Locale, tt.key, tt.args, got, tt.want)
		}
	}
}

// Placeholder values are plain text, inserted verbatim and never rescanned;
// escaping is left to the template.
func TestHostileValuesVerbatim(t *testing.T) {
	hostile := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`{status}`,
		`{count}`,
		`%s %d %!`,
		`⟦x⟧ & &amp; '\u0000`,
		"line\nbreak\x00nul",
		"\xff\xfe invalid utf-8",
		strings.Repeat("{", 100),
	}
	p := Default().Printer("pl", nil)
	for _, h := range hostile {
		if got, want := p.T("ticket.submit_as", "status", h), "Wyślij jako: "+h; got != want {
			t.Errorf("T with %q = %q, want %q", h, got, want)
		}
		if got, want := p.N("ticket.collision_viewing", 1, "names", h), h+" przegląda to zgłoszenie"; got != want {
			t.Errorf("N with %q = %q, want %q", h, got, want)
		}
		if got, want := p.N("ticket.count", 5, "count", h), "5 zgłoszeń"; got != want {
			t.Errorf("N: count argument must not override the count: %q", got)
		}
	}
}

func TestInterpolate(t *testing.T) {
	vals := map[string]string{"a": "A", "b_2": "B", "count": "{a}"}
	lookup := func(n string) (string, bool) { v, ok := vals[n]; return v, ok }
	for in, want := range map[string]string{
		"":                 "",
		"plain":            "plain",
		"{a}{b_2}":         "AB",
		"{{a}}":            "{A}",
		"{ a }":            "{ a }",
		"{A}":              "{A}",
		"{unknown} {a}":    "{unknown} A",
		"{count}":          "{a}",
		"{":                "{",
		"}":                "}",
		"{a":               "{a",
		"x{}y":             "x{}y",
		"{1a}":             "{1a}",
		"żółć {a} gęślą":   "żółć A gęślą",
		"{a}{a}{a}":        "AAA",
		"{{{b_2}}} {a}{ }": "{{B}} A{ }",
	} {
		if got := interpolate(in, lookup); got != want {
			t.Errorf("interpolate(%q) = %q, want %q", in, got, want)
		}
	}
	if got := placeholders("{a} {b_2} {A} { x } {{c}}"); !reflect.DeepEqual(got, map[string]bool{"a": true, "b_2": true, "c": true}) {
		t.Errorf("placeholders = %v", got)
	}
}

func TestMissingKeys(t *testing.T) {
	ResetMissingKeys()
	en, pl := Default().Printer("en", nil), Default().Printer("pl", nil)
	if got := en.T("no.such.key", "name", "x"); got != "⟦no.such.key⟧" {
		t.Errorf("missing key: %q", got)
	}
	if got := pl.N("no.such.plural", 3); got != "⟦no.such.plural⟧" {
		t.Errorf("missing plural: %q", got)
	}
	en.T("app.name") // present: not recorded
	if got, want := MissingKeys(), []string{"no.such.key", "no.such.plural"}; !reflect.DeepEqual(got, want) {
		t.Errorf("MissingKeys() = %q, want %q", got, want)
	}
	ResetMissingKeys()
	if got := MissingKeys(); len(got) != 0 {
		t.Errorf("after reset: %q", got)
	}
}

// A key missing from a partial catalogue falls back to English (with the
// English plural rule) and is recorded.
func TestFallbackToEnglish(t *testing.T) {
	ResetMissingKeys()
	defer ResetMissingKeys()
	en := catalogueFile(t, "en")
	fsys := fstest.MapFS{
		"en.json": {Data: en},
		"de.json": {Data: []byte(strings.Replace(string(en), `"app.tagline": "Customer support, self-hosted",`, "", 1))},
	}
	b, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Locales(); !reflect.DeepEqual(got, []string{"en", "de"}) {
		t.Errorf("Locales = %q", got)
	}
	de := b.Printer("de-AT", nil)
	if de.Locale != "de" {
		t.Fatalf("Printer(de-AT).Locale = %q", de.Locale)
	}
	if got := de.T("app.tagline"); got != "Customer support, self-hosted" {
		t.Errorf("fallback: %q", got)
	}
	if got := MissingKeys(); !reflect.DeepEqual(got, []string{"app.tagline"}) {
		t.Errorf("MissingKeys = %q", got)
	}
}

func catalogueFile(t *testing.T, loc string) []byte {
	t.Helper()
	data, err := embedded.ReadFile("catalog/" + loc + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestLoadRejectsMalformedCatalogues(t *testing.T) {
	en := string(catalogueFile(t, "en"))
	pl := string(catalogueFile(t, "pl"))
	// withExtra inserts JSON members right after the opening brace.
	withExtra := func(base, members string) string { return "{" + members + "," + base[1:] }
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no en", map[string]string{"pl.json": pl}, "no en.json"},
		{"not json", map[string]string{"en.json": "nope"}, "invalid character"},
		{"array", map[string]string{"en.json": "[]"}, "want"},
		{"trailing data", map[string]string{"en.json": en + "{}"}, "data after"},
		{"duplicate key", map[string]string{"en.json": withExtra(en, `"app.name": "X"`)}, `duplicate key "app.name"`},
		{"number value", map[string]string{"en.json": withExtra(en, `"x.y": 1`)}, `key "x.y"`},
		{"nested object", map[string]string{"en.json": withExtra(en, `"x.y": {"one": {"a": "b"}}`)}, `key "x.y"`},
		{"bad category", map[string]string{"en.json": withExtra(en, `"x.y": {"single": "a", "other": "b"}`)}, "not a CLDR plural category"},
		{"no other", map[string]string{"en.json": withExtra(en, `"x.y": {"one": "a"}`)}, `without an "other"`},
		{"pl lacks few", map[string]string{"en.json": en, "pl.json": withExtra(pl, `"x.y": {"one": "a", "many": "b", "other": "c"}`)}, `lacks the "few" form`},
		{"bad key", map[string]string{"en.json": withExtra(en, `"Bad Key": "a"`)}, "lower-case dotted"},
		{"bad file name", map[string]string{"en.json": en, "pl_PL.json": pl}, "canonical language tag"},
		{"bad pattern", map[string]string{"en.json": strings.Replace(en, `"MMM d, y"`, `"MMM d, yyyy G"`, 1)}, "unsupported pattern letter"},
		{"missing month", map[string]string{"en.json": strings.Replace(en, `"locale.month_short.12": "Dec",`, "", 1)}, "locale.month_short.12"},
		{"bad grouping", map[string]string{"en.json": strings.Replace(en, `"locale.number_min_grouping": "1"`, `"locale.number_min_grouping": "x"`, 1)}, "locale.number_min_grouping"},
		{"invalid utf-8", map[string]string{"en.json": withExtra(en, "\"x.y\": \"\xff\"")}, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for n, d := range tt.files {
				fsys[n] = &fstest.MapFile{Data: []byte(d)}
			}
			_, err := Load(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestParsePattern(t *testing.T) {
	at := time.Date(2026, 3, 7, 9, 5, 4, 0, time.UTC)
	c := Default().cats["en"]
	for pat, want := range map[string]string{
		"y-MM-dd HH:mm:ss":  "2026-03-07 09:05:04",
		"yy M d h a":        "26 3 7 9 AM",
		"'at' H 'o''clock'": "at 9 o'clock",
		"''":                "'",
		"MMM":               "Mar",
	} {
		p, err := parsePattern(pat)
		if err != nil {
			t.Errorf("%q: %v", pat, err)
			continue
		}
		if got := c.format(p, at); got != want {
			t.Errorf("%q: %q, want %q", pat, got, want)
		}
	}
	for _, bad := range []string{"", "'open", "MMMM", "ddd", "EEE", "yyyyy"} {
		if _, err := parsePattern(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestPrinterZeroValueAndNil(t *testing.T) {
	var nilP *Printer
	if got := nilP.T("app.name"); got != "Frontdesk" {
		t.Errorf("nil printer: %q", got)
	}
	p := &Printer{Locale: "pl-PL"}
	if got := p.T("nav.tickets"); got != "Zgłoszenia" {
		t.Errorf("literal printer: %q", got)
	}
	if got := (&Printer{}).Date(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)); got != "Jan 2, 2026" {
		t.Errorf("zero printer: %q", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	b := Default()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := b.Printer(b.Locales()[i%2], nil)
			for n := range 200 {
				_ = p.N("ticket.count", n)
				_ = p.T("missing.concurrent")
				_ = b.Match("pl-PL,en;q=0.5")
				_ = MissingKeys()
			}
		}()
	}
	wg.Wait()
}

func TestPolishTextHasDiacritics(t *testing.T) {
	// A cheap guard against a catalogue saved with stripped diacritics.
	pl := rawCatalogues(t)["pl"]
	var all []string
	for _, e := range pl {
		all = append(all, e.text)
		for _, f := range e.forms {
			all = append(all, f)
		}
	}
	sort.Strings(all)
	joined := strings.Join(all, " ")
	for _, r := range "ąćęłńóśźż" {
		if !strings.ContainsRune(joined, r) {
			t.Errorf("pl.json never uses %q", r)
		}
	}
}

func FuzzParseAcceptLanguage(f *testing.F) {
	for _, s := range []string{
		"pl-PL,pl;q=0.9,en;q=0.8", "de-DE", "*", "", "en;q=0", ";q=1", "en;q=1.0000",
		"zh-Hant-TW-u-nu-hanidec", "x-private", "en-US-x-twain;q=0.3,,", "\xff", "i-klingon",
	} {
		f.Add(s)
	}
	b := Default()
	f.Fuzz(func(t *testing.T, h string) {
		tags := ParseAcceptLanguage(h)
		if len(tags) > maxPreferences {
			t.Fatalf("%d tags", len(tags))
		}
		seen := map[string]bool{}
		for _, tag := range tags {
			if tag == "" || seen[tag] {
				t.Fatalf("empty or duplicate tag %q in %q", tag, tags)
			}
			seen[tag] = true
			if _, ok := parseTag(tag); !ok {
				t.Fatalf("returned tag %q does not parse", tag)
			}
		}
		loc := b.Match(h)
		if !slices.Contains(b.Locales(), loc) {
			t.Fatalf("Match(%q) = %q, not supported", h, loc)
		}
		if loc2 := b.Match(h, "pl"); !slices.Contains(b.Locales(), loc2) {
			t.Fatalf("Match(%q, pl) = %q", h, loc2)
		}
	})
}

// TestIDRemembersBoundedly: ID gives each tag the position of the
// catalogue it matches, the same when asked again (from memory), and
// remembers at most maxIDs tags, whatever users store as their locale.
func TestIDRemembersBoundedly(t *testing.T) {
	b := Default()
	pl := slices.Index(b.Locales(), "pl") + 1
	if pl == 0 {
		t.Fatal("no Polish catalogue")
	}
	for range 2 {
		for tag, want := range map[string]int{"en-US": 1, "pl-PL": pl, "pl": pl, "xx-bogus": 1, "": 1} {
			if got := b.ID(tag); got != want {
				t.Errorf("ID(%q) = %d, want %d", tag, got, want)
			}
		}
	}
	for i := range 2 * maxIDs {
		if got := b.ID(fmt.Sprintf("pl-x-%d", i)); got != pl {
			t.Fatalf("ID(pl-x-%d) = %d, want %d", i, got, pl)
		}
	}
	n := 0
	b.ids.Range(func(any, any) bool { n++; return true })
	if n > maxIDs || int(b.nIDs.Load()) != n {
		t.Errorf("ID remembers %d tags (counted %d), want at most %d", n, b.nIDs.Load(), maxIDs)
	}
}

// BenchmarkID is a sideloaded user's locale_id (the API asks for each).
func BenchmarkID(b *testing.B) {
	d := Default()
	for b.Loop() {
		d.ID("pl-PL")
	}
}
