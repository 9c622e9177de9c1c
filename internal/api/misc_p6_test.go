package api

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/ratelimit"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// p6b-misc: locales, tags/autocomplete, brands.

func TestLocales(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.EndUser, "GET", "/api/v2/locales.json", nil)
		if code != 200 {
			t.Fatalf("locales: %d %v", code, body)
		}
		list, _ := body["locales"].([]any)
		var tags []string
		for _, v := range list {
			l := v.(map[string]any)
			for _, k := range []string{"url", "id", "locale", "name", "native_name", "presentation_name", "rtl", "default", "created_at", "updated_at"} {
				if _, ok := l[k]; !ok {
					t.Errorf("locale %v: no %q", l, k)
				}
			}
			tags = append(tags, l["locale"].(string))
		}
		if !slices.Equal(tags, []string{"en", "pl"}) || body["count"] != float64(2) {
			t.Fatalf("locales %v, body %v", tags, body)
		}
		first := list[0].(map[string]any)
		if first["id"] != float64(1) || first["default"] != true || first["name"] != "English" {
			t.Errorf("en locale %v", first)
		}
		// Zendesk's agent and public lists: every catalogue serves both
		// the workspace and the portal.
		for _, p := range []string{"/api/v2/locales/agent.json", "/api/v2/locales/public"} {
			code, other := a.do(t, a.EndUser, "GET", p, nil)
			if code != 200 || !reflect.DeepEqual(other["locales"], body["locales"]) {
				t.Errorf("%s: %d %v", p, code, other)
			}
		}
		// By id and by tag.
		for _, p := range []string{"/api/v2/locales/2", "/api/v2/locales/pl.json"} {
			code, body = a.do(t, a.Agent, "GET", p, nil)
			l, _ := body["locale"].(map[string]any)
			if code != 200 || l["locale"] != "pl" || l["id"] != float64(2) || l["default"] != false {
				t.Errorf("%s: %d %v", p, code, body)
			}
		}
		for _, p := range []string{"/api/v2/locales/9", "/api/v2/locales/xx"} {
			if code, _ := a.do(t, a.Agent, "GET", p, nil); code != 404 {
				t.Errorf("%s: %d, want 404", p, code)
			}
		}
		// current: the caller's own language, else the help desk's default.
		sys := desk.SystemContext(context.Background())
		if _, err := a.srv.People.UpdateUser(sys, a.EndUser.ID, people.UserInput{Locale: ptrTo("pl")}); err != nil {
			t.Fatal(err)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/locales/current", nil)
		if l, _ := body["locale"].(map[string]any); code != 200 || l["locale"] != "pl" {
			t.Errorf("end-user's current: %d %v", code, body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/locales/current", nil)
		if l, _ := body["locale"].(map[string]any); code != 200 || l["locale"] != "en" {
			t.Errorf("agent's current: %d %v", code, body)
		}
		// A language without a catalogue falls back to the help desk's default.
		if _, err := a.srv.People.UpdateUser(sys, a.Agent.ID, people.UserInput{Locale: ptrTo("de")}); err != nil {
			t.Fatal(err)
		}
		if err := settings.DefaultLocale.Set(sys, settings.Uncached(db, nil), "pl"); err != nil {
			t.Fatal(err)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/locales/current", nil)
		if l, _ := body["locale"].(map[string]any); code != 200 || l["locale"] != "pl" {
			t.Errorf("agent's current (de) with default pl: %d %v", code, body)
		}
	})
}

func TestTagsAutocomplete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		vip, err := a.srv.People.CreateGroup(sys, people.GroupInput{Name: ptrTo("VIP"), IsPublic: ptrTo(false)})
		if err != nil {
			t.Fatal(err)
		}
		mk := func(group int64, tags ...string) {
			if _, _, err := a.srv.Tickets.Create(sys, ticket.Input{Subject: ptrTo("t"), Comment: &ticket.CommentInput{Body: "b"},
				RequesterID: desk.SetID(a.EndUser.ID), GroupID: desk.SetID(group), Tags: &tags}); err != nil {
				t.Fatal(err)
			}
		}
		mk(a.SupportGroupID, "billing", "bill_paid")
		mk(a.SupportGroupID, "billing", "other")
		mk(vip.ID, "billsecret")
		code, body := a.do(t, a.Agent, "GET", "/api/v2/tags/autocomplete.json?name=BIL", nil)
		got := []string{}
		for _, v := range body["tags"].([]any) {
			got = append(got, v.(string))
		}
		// Most used first; the private group's tag is hidden from an agent outside it.
		if code != 200 || !slices.Equal(got, []string{"billing", "bill_paid"}) {
			t.Errorf("autocomplete: %d %v", code, body)
		}
		for _, q := range []string{"", "?name=b", "?name=%00x"} {
			if code, body := a.do(t, a.Agent, "GET", "/api/v2/tags/autocomplete"+q, nil); code != 422 && code != 400 {
				t.Errorf("%q: %d %v, want a 4xx", q, code, body)
			}
		}
		if code, _ := a.do(t, a.EndUser, "GET", "/api/v2/tags/autocomplete?name=bi", nil); code != 403 {
			t.Errorf("end-user: %d, want 403", code)
		}
	})
}

func TestBrands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		code, body := a.do(t, a.Agent, "GET", "/api/v2/brands", nil)
		list, _ := body["brands"].([]any)
		if code != 200 || len(list) != 1 || body["count"] != float64(1) {
			t.Fatalf("brands: %d %v", code, body)
		}
		b := list[0].(map[string]any)
		if b["id"] != float64(desk.DefaultBrandID) || b["name"] != "Frontdesk" || b["default"] != true || b["active"] != true {
			t.Errorf("brand %v", b)
		}
		sys := desk.SystemContext(context.Background())
		if err := settings.HelpdeskName.Set(sys, settings.Uncached(db, nil), "Acme Support"); err != nil {
			t.Fatal(err)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/brands/1.json", nil)
		if b, _ := body["brand"].(map[string]any); code != 200 || b["name"] != "Acme Support" {
			t.Errorf("brand 1: %d %v", code, body)
		}
		if code, _ := a.do(t, a.Agent, "GET", "/api/v2/brands/2", nil); code != 404 {
			t.Errorf("brand 2: %d, want 404", code)
		}
		// Every ticket belongs to the one brand.
		tk := a.tkCreate(t, a.Agent, map[string]any{"subject": "Brand", "requester_id": a.EndUser.ID, "comment": map[string]any{"body": "x"}})
		if tk["brand_id"] != float64(desk.DefaultBrandID) {
			t.Errorf("ticket brand_id %v", tk["brand_id"])
		}
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/requests/%v", tk["id"]), nil)
		if rq, _ := body["request"].(map[string]any); code != 200 || rq["brand_id"] != float64(desk.DefaultBrandID) {
			t.Errorf("request brand_id: %d %v", code, body)
		}
	})
}

// ratelimit-* headers (Zendesk sends them beside X-Rate-Limit): the same
// numbers, and the seconds until the window resets, on allowed and refused
// requests, with the limiter each store uses.
func TestRateLimitDraftHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPIWith(t, db, func(s *Server) { s.Limiter = ratelimit.For(db, 3, nil) })
		for i := 1; i <= 4; i++ {
			resp, _ := a.lmRequest(t, "GET", "/api/v2/users/me", lmToken(a.Agent))
			h := resp.Header
			wantRemaining := strconv.Itoa(max(3-i, 0))
			if h.Get("ratelimit-limit") != "3" || h.Get("ratelimit-remaining") != wantRemaining ||
				h.Get("ratelimit-remaining") != h.Get("X-Rate-Limit-Remaining") {
				t.Errorf("request %d (%d): ratelimit-limit %q remaining %q, X-Rate-Limit-Remaining %q", i, resp.StatusCode,
					h.Get("ratelimit-limit"), h.Get("ratelimit-remaining"), h.Get("X-Rate-Limit-Remaining"))
			}
			reset, err := strconv.Atoi(h.Get("ratelimit-reset"))
			if err != nil || reset < 1 || reset > 60 {
				t.Errorf("request %d: ratelimit-reset %q, want 1..60 seconds", i, h.Get("ratelimit-reset"))
			}
			if i == 4 && (resp.StatusCode != 429 || h.Get("Retry-After") != h.Get("ratelimit-reset")) {
				t.Errorf("refused request: %d, Retry-After %q, ratelimit-reset %q", resp.StatusCode, h.Get("Retry-After"), h.Get("ratelimit-reset"))
			}
		}
	})
}

// No limit, no ratelimit-* headers (as for X-Rate-Limit).
func TestRateLimitDraftHeadersUnlimited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		resp, _ := a.lmRequest(t, "GET", "/api/v2/users/me", lmToken(a.Agent))
		if v := resp.Header.Get("ratelimit-limit"); v != "" {
			t.Errorf("unlimited: ratelimit-limit %q", v)
		}
	})
}

// Zendesk's ticket and user keys Frontdesk has no value for are there, as
// null or [], in every response that carries the record.
func TestMissingKeysP6(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		tk := a.tkCreate(t, a.Agent, map[string]any{"subject": "Keys", "requester_id": a.EndUser.ID, "comment": map[string]any{"body": "x"}})
		code, body := a.do(t, a.Agent, "GET", "/api/v2/tickets", nil)
		listed, _ := body["tickets"].([]any)
		if code != 200 || len(listed) == 0 {
			t.Fatalf("tickets: %d %v", code, body)
		}
		for name, tkt := range map[string]map[string]any{"create": tk, "list": listed[0].(map[string]any)} {
			for _, k := range []string{"forum_topic_id", "custom_status_id", "via_followup_source_id"} {
				if v, ok := tkt[k]; !ok || v != nil {
					t.Errorf("%s: %s = %v (present %v), want null", name, k, v, ok)
				}
			}
			for _, k := range []string{"sharing_agreement_ids", "followup_ids"} {
				if v, ok := tkt[k].([]any); !ok || len(v) != 0 {
					t.Errorf("%s: %s = %v, want []", name, k, tkt[k])
				}
			}
		}
		sys := desk.SystemContext(context.Background())
		if _, err := a.srv.People.UpdateUser(sys, a.EndUser.ID, people.UserInput{Locale: ptrTo("pl"), TimeZone: ptrTo("Europe/Warsaw")}); err != nil {
			t.Fatal(err)
		}
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/users/me", nil)
		u, _ := body["user"].(map[string]any)
		_, cur := a.do(t, a.EndUser, "GET", "/api/v2/locales/current", nil)
		curLoc, _ := cur["locale"].(map[string]any)
		if code != 200 || u["locale_id"] != curLoc["id"] || u["locale_id"] != float64(2) || u["iana_time_zone"] != "Europe/Warsaw" {
			t.Errorf("user me: %d locale_id %v (current locale %v) iana_time_zone %v", code, u["locale_id"], curLoc["id"], u["iana_time_zone"])
		}
		for _, k := range []string{"photo", "signature"} {
			if v, ok := u[k]; !ok || v != nil {
				t.Errorf("user %s = %v (present %v), want null", k, v, ok)
			}
		}
		if v, ok := u["shared"]; !ok || v != false {
			t.Errorf("user shared = %v (present %v), want false", v, ok)
		}
		// The user's own record shows their two-factor state (p6-users).
		if v, ok := u["two_factor_auth_enabled"]; !ok || v != false {
			t.Errorf("two_factor_auth_enabled = %v (present %v), want false", v, ok)
		}
	})
}

// A user's sessions: listed and ended by the user and by admins.
func TestUserSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		ctx := context.Background()
		const pw = "a quiet Sunday 1991 orchard"
		if _, err := a.srv.People.UpdateUser(desk.SystemContext(ctx), a.EndUser.ID, people.UserInput{Password: ptrTo(pw)}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, _, err := a.srv.Account.SignIn(ctx, a.EndUser.Email, pw, "192.0.2.1", "test"); err != nil {
				t.Fatal(err)
			}
		}
		code, body := a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/users/%d/sessions.json", a.EndUser.ID), nil)
		list, _ := body["sessions"].([]any)
		if code != 200 || len(list) != 2 || body["count"] != float64(2) {
			t.Fatalf("own sessions: %d %v", code, body)
		}
		s0 := list[0].(map[string]any)
		for _, k := range []string{"id", "user_id", "authenticated_at", "last_seen_at", "url"} {
			if s0[k] == nil {
				t.Errorf("session %v: no %s", s0, k)
			}
		}
		// Another agent may not see or end them; an admin may.
		if code, _ := a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d/sessions", a.EndUser.ID), nil); code != 403 {
			t.Errorf("agent lists the end-user's sessions: %d, want 403", code)
		}
		if code, _ := a.do(t, a.Agent, "DELETE", fmt.Sprintf("/api/v2/users/%d/sessions", a.EndUser.ID), nil); code != 403 {
			t.Errorf("agent ends the end-user's sessions: %d, want 403", code)
		}
		if code, body := a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d/sessions", a.EndUser.ID), nil); code != 200 || body["count"] != float64(2) {
			t.Errorf("admin lists: %d %v", code, body)
		}
		if code, _ := a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/users/%d/sessions", a.EndUser.ID), nil); code != 204 {
			t.Errorf("admin ends: %d, want 204", code)
		}
		if code, body := a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/users/%d/sessions", a.EndUser.ID), nil); code != 200 || body["count"] != float64(0) {
			t.Errorf("after delete: %d %v", code, body)
		}
		if code, _ := a.do(t, a.Admin, "GET", "/api/v2/users/999999/sessions", nil); code != 404 {
			t.Errorf("unknown user: %d, want 404", code)
		}
	})
}
