package api

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/twofactor"
)

// p6-users tests (fixtures: testdata/users, see its README).

// identityByValue finds a user's identity by value through the API.
func identityByValue(t *testing.T, a *testAPI, userID int64, value string) map[string]any {
	t.Helper()
	code, body := a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d/identities", userID), nil)
	if code != 200 {
		t.Fatalf("identities: %d %v", code, body)
	}
	for _, v := range body["identities"].([]any) {
		if m := v.(map[string]any); m["value"] == value {
			return m
		}
	}
	t.Fatalf("user %d has no identity %q: %v", userID, value, body)
	return nil
}

func TestIdentityManagement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		eu := a.addUser(t, "Ivy Identity", "ivy@customer.test", desk.RoleEndUser)
		base := fmt.Sprintf("/api/v2/users/%d/identities", eu.ID)
		code, body := a.do(t, a.Agent, "POST", base, map[string]any{"identity": map[string]any{"type": "email", "value": "ivy.alias@customer.test"}})
		if code != 201 {
			t.Fatalf("add: %d %v", code, body)
		}
		alias := int64(body["identity"].(map[string]any)["id"].(float64))
		aliasPath := fmt.Sprintf("%s/%d", base, alias)

		// The known hole: an unverified address never becomes primary.
		if code, body := a.do(t, a.Agent, "PUT", aliasPath+"/make_primary", nil); code != 422 {
			t.Fatalf("make_primary of an unverified email: %d %v, want 422", code, body)
		}
		// Only admins verify.
		if code, _ := a.do(t, a.Agent, "PUT", aliasPath+"/verify", nil); code != 403 {
			t.Errorf("agent verify: %d, want 403", code)
		}
		if code, _ := a.do(t, a.Agent, "PUT", aliasPath, map[string]any{"identity": map[string]any{"verified": true}}); code != 403 {
			t.Errorf("agent sets verified: %d, want 403", code)
		}
		code, body = a.do(t, a.Admin, "PUT", aliasPath+"/verify", nil)
		if code != 200 {
			t.Fatalf("admin verify: %d %v", code, body)
		}
		rqSameShape(t, "verify", body["identity"].(map[string]any), incFixture(t, "users/identity_response.json")["identity"].(map[string]any))
		if body["identity"].(map[string]any)["verified"] != true {
			t.Errorf("verify: %v", body)
		}
		code, body = a.do(t, a.Agent, "PUT", aliasPath+"/make_primary", nil)
		if code != 200 {
			t.Fatalf("make_primary: %d %v", code, body)
		}
		list := body["identities"].([]any)
		rqSameShape(t, "make_primary", list[0].(map[string]any),
			incFixture(t, "users/identities_response.json")["identities"].([]any)[0].(map[string]any))
		if first := list[0].(map[string]any); first["value"] != "ivy.alias@customer.test" || first["primary"] != true || len(list) != 2 {
			t.Errorf("make_primary: %v", list)
		}
		if code, body := a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d", eu.ID), nil); code != 200 ||
			body["user"].(map[string]any)["email"] != "ivy.alias@customer.test" {
			t.Errorf("user after make_primary: %d %v", code, body)
		}

		// Changing a primary email is for admins; an agent changes a secondary one,
		// which becomes unverified.
		if code, _ := a.do(t, a.Agent, "PUT", aliasPath, map[string]any{"identity": map[string]any{"value": "evil@attacker.test"}}); code != 403 {
			t.Errorf("agent changes the primary email: %d, want 403", code)
		}
		old := identityByValue(t, a, eu.ID, "ivy@customer.test")
		oldPath := fmt.Sprintf("%s/%d", base, int64(old["id"].(float64)))
		if old["verified"] != true {
			t.Fatalf("fixture user's address should start verified: %v", old)
		}
		req := incFixture(t, "users/identity_update_request.json")
		code, body = a.do(t, a.Agent, "PUT", oldPath, req)
		if got := body["identity"]; code != 200 || got.(map[string]any)["value"] != "foo@bar.com" || got.(map[string]any)["verified"] != false {
			t.Fatalf("update (documented body): %d %v", code, body)
		}
		// Taken, invalid, unknown.
		for _, c := range []struct {
			path  string
			value any
			want  int
		}{
			{oldPath, a.Agent.Email, 422},
			{oldPath, "not an address", 422},
			{oldPath, 42, 422},
			{base + "/999999", "x@y.test", 404},
			{fmt.Sprintf("/api/v2/users/%d/identities/%d", a.EndUser.ID, alias), "x@y.test", 404},
		} {
			if code, body := a.do(t, a.Agent, "PUT", c.path, map[string]any{"identity": map[string]any{"value": c.value}}); code != c.want {
				t.Errorf("PUT %s %v: %d %v, want %d", c.path, c.value, code, body, c.want)
			}
		}
		// An admin may change the primary email; it is unverified afterwards.
		code, body = a.do(t, a.Admin, "PUT", aliasPath, map[string]any{"identity": map[string]any{"value": "ivy.new@customer.test"}})
		if code != 200 || body["identity"].(map[string]any)["verified"] != false || body["identity"].(map[string]any)["primary"] != true {
			t.Fatalf("admin changes primary: %d %v", code, body)
		}
		if _, body := a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/users/%d", eu.ID), nil); body["user"].(map[string]any)["email"] != "ivy.new@customer.test" ||
			body["user"].(map[string]any)["verified"] != false {
			t.Errorf("user after admin change: %v", body)
		}
		// Search follows the identities.
		if code, body := a.do(t, a.Agent, "GET", "/api/v2/users/search?query=foo@bar.com", nil); code != 200 || body["count"] != float64(1) {
			t.Errorf("search by the changed address: %d %v", code, body)
		}

		// Delete: not the primary one, not the last one.
		if code, _ := a.do(t, a.Agent, "DELETE", aliasPath, nil); code != 422 {
			t.Errorf("delete primary: %d, want 422", code)
		}
		if code, _ := a.do(t, a.Agent, "DELETE", oldPath, nil); code != 204 {
			t.Errorf("delete secondary: %d, want 204", code)
		}
		if code, _ := a.do(t, a.Agent, "DELETE", oldPath, nil); code != 404 {
			t.Errorf("delete again: %d, want 404", code)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/users", map[string]any{"user": map[string]any{"name": "Phone Only"}})
		if code != 201 {
			t.Fatalf("create: %d %v", code, body)
		}
		phoneUser := int64(body["user"].(map[string]any)["id"].(float64))
		code, body = a.do(t, a.Agent, "POST", fmt.Sprintf("/api/v2/users/%d/identities", phoneUser),
			map[string]any{"identity": map[string]any{"type": "phone_number", "value": "+48 600 100 200"}})
		if code != 201 {
			t.Fatalf("add phone: %d %v", code, body)
		}
		phonePath := fmt.Sprintf("/api/v2/users/%d/identities/%d", phoneUser, int64(body["identity"].(map[string]any)["id"].(float64)))
		if code, _ := a.do(t, a.Agent, "DELETE", phonePath, nil); code != 422 {
			t.Errorf("delete last identity: %d, want 422", code)
		}
		if code, body := a.do(t, a.Agent, "PUT", phonePath+"/make_primary", nil); code != 200 || body["identities"].([]any)[0].(map[string]any)["primary"] != true {
			t.Errorf("phone make_primary: %d %v", code, body)
		}

		// The owner's addresses are the owner's alone.
		ownerIdent := identityByValue(t, a, a.Admin.ID, a.Admin.Email)
		second := a.addUser(t, "Second Admin", "second.admin@example.com", desk.RoleAdmin)
		if code, _ := a.do(t, second, "PUT", fmt.Sprintf("/api/v2/users/%d/identities/%d", a.Admin.ID, int64(ownerIdent["id"].(float64))),
			map[string]any{"identity": map[string]any{"value": "takeover@attacker.test"}}); code != 403 {
			t.Errorf("admin changes the owner's email: %d, want 403", code)
		}
		// Agents cannot touch staff identities.
		agentIdent := identityByValue(t, a, a.Agent.ID, a.Agent.Email)
		outsider := a.addUser(t, "Other Agent", "other.agent@example.com", desk.RoleAgent)
		if code, _ := a.do(t, outsider, "DELETE", fmt.Sprintf("/api/v2/users/%d/identities/%d", a.Agent.ID, int64(agentIdent["id"].(float64))), nil); code != 403 {
			t.Errorf("agent deletes an agent's identity: %d, want 403", code)
		}
	})
}

func TestIdentityRequestVerification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		base := fmt.Sprintf("/api/v2/users/%d/identities", a.EndUser.ID)
		code, body := a.do(t, a.Agent, "POST", base, map[string]any{"identity": map[string]any{"type": "email", "value": "erin.work@customer.test"}})
		if code != 201 {
			t.Fatalf("add: %d %v", code, body)
		}
		path := fmt.Sprintf("%s/%d", base, int64(body["identity"].(map[string]any)["id"].(float64)))
		if code, body := a.do(t, a.Agent, "PUT", path+"/request_verification", nil); code != 200 {
			t.Fatalf("request_verification: %d %v", code, body)
		}
		msg, err := a.srv.Account.Outbox.Latest(sys, "erin.work@customer.test")
		if err != nil {
			t.Fatalf("no verification mail: %v", err)
		}
		m := regexp.MustCompile(`/verify\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(msg.Text)
		if m == nil {
			t.Fatalf("mail has no link: %q", msg.Text)
		}
		if _, err := a.srv.Account.VerifyEmail(context.Background(), m[1]); err != nil {
			t.Fatalf("follow the link: %v", err)
		}
		if got := identityByValue(t, a, a.EndUser.ID, "erin.work@customer.test"); got["verified"] != true {
			t.Errorf("after following the link: %v", got)
		}
		// Verified now: nothing to ask.
		if code, _ := a.do(t, a.Agent, "PUT", path+"/request_verification", nil); code != 422 {
			t.Errorf("request_verification of a verified address: %d, want 422", code)
		}
		// A flood of requests is cut off.
		code, body = a.do(t, a.Agent, "POST", base, map[string]any{"identity": map[string]any{"type": "email", "value": "erin.flood@customer.test"}})
		if code != 201 {
			t.Fatalf("add: %d %v", code, body)
		}
		flood := fmt.Sprintf("%s/%d/request_verification", base, int64(body["identity"].(map[string]any)["id"].(float64)))
		for i := 0; i < 3; i++ {
			if code, _ := a.do(t, a.Agent, "PUT", flood, nil); code != 200 {
				t.Fatalf("request %d: %d", i, code)
			}
		}
		if code, _ := a.do(t, a.Agent, "PUT", flood, nil); code != 429 {
			t.Errorf("4th request in an hour: %d, want 429", code)
		}
		// End-users do not send verification mail for themselves through the API.
		if code, _ := a.do(t, a.EndUser, "PUT", flood, nil); code != 403 && code != 404 {
			t.Errorf("end-user: %d, want 403/404", code)
		}
	})
}

func tagList(t *testing.T, body map[string]any) []string {
	t.Helper()
	out := []string{}
	list, ok := body["tags"].([]any)
	if !ok {
		t.Fatalf("no tags list: %v", body)
	}
	for _, v := range list {
		out = append(out, v.(string))
	}
	return out
}

func TestUserTags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		p := fmt.Sprintf("/api/v2/users/%d/tags", a.EndUser.ID)
		steps := []struct {
			method string
			tags   []string
			want   []string
		}{
			{"POST", []string{"vip", "Gold"}, []string{"vip", "gold"}}, // POST sets
			{"PUT", []string{"gold", "beta"}, []string{"vip", "gold", "beta"}},
			{"DELETE", []string{"vip", "absent"}, []string{"gold", "beta"}},
			{"POST", []string{}, []string{}},
		}
		for _, st := range steps {
			code, body := a.do(t, a.Agent, st.method, p, map[string]any{"tags": st.tags})
			if code != 200 || !slices.Equal(tagList(t, body), st.want) {
				t.Fatalf("%s %v: %d %v, want %v", st.method, st.tags, code, body, st.want)
			}
		}
		if _, err := a.srv.People.UpdateUser(desk.SystemContext(context.Background()), a.EndUser.ID, people.UserInput{Tags: &[]string{"x1"}}); err != nil {
			t.Fatal(err)
		}
		if code, body := a.do(t, a.Agent, "GET", p, nil); code != 200 || !slices.Equal(tagList(t, body), []string{"x1"}) {
			t.Errorf("GET: %d %v", code, body)
		}
		// Bad input changes nothing.
		for _, b := range []any{map[string]any{"tags": "x"}, map[string]any{}, map[string]any{"tags": []any{strings.Repeat("t", 300)}}} {
			if code, _ := a.do(t, a.Agent, "PUT", p, b); code < 400 || code >= 500 {
				t.Errorf("PUT %v: %d, want a 4xx", b, code)
			}
		}
		if _, body := a.do(t, a.Agent, "GET", p, nil); !slices.Equal(tagList(t, body), []string{"x1"}) {
			t.Errorf("after bad input: %v", body)
		}
		// End-users do not tag themselves; agents do not tag staff.
		if code, _ := a.do(t, a.EndUser, "PUT", p, map[string]any{"tags": []string{"self"}}); code != 403 {
			t.Errorf("end-user tags self: %d, want 403", code)
		}
		if code, _ := a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/users/%d/tags", a.Admin.ID), map[string]any{"tags": []string{"x"}}); code != 403 {
			t.Errorf("agent tags an admin: %d, want 403", code)
		}
	})
}

func TestUserAutocompleteAndRelated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		a.addUser(t, "Zoë Müller", "zoe@customer.test", desk.RoleEndUser)
		a.addUser(t, "Zoltan Mueller", "zoltan@customer.test", desk.RoleEndUser)
		a.addUser(t, "Anna Zorro", "anna@customer.test", desk.RoleEndUser) // a later word only
		code, body := a.do(t, a.Agent, "GET", "/api/v2/users/autocomplete.json?name=zo", nil)
		var names []string
		for _, v := range body["users"].([]any) {
			names = append(names, v.(map[string]any)["name"].(string))
		}
		if code != 200 || !slices.Equal(names, []string{"Zoë Müller", "Zoltan Mueller"}) {
			t.Errorf("autocomplete zo: %d %v", code, names)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/users/autocomplete?name=ZOE%20MU", nil)
		if code != 200 || body["count"] != float64(1) {
			t.Errorf("autocomplete folded: %d %v", code, body)
		}
		for _, q := range []string{"", "?name=z", "?name=%00%00"} {
			if code, _ := a.do(t, a.Agent, "GET", "/api/v2/users/autocomplete"+q, nil); code != 422 && code != 400 {
				t.Errorf("autocomplete %q: %d, want 4xx", q, code)
			}
		}
		if code, _ := a.do(t, a.EndUser, "GET", "/api/v2/users/autocomplete?name=zo", nil); code != 403 {
			t.Errorf("end-user autocomplete: %d, want 403", code)
		}

		for range 2 {
			if _, _, err := a.srv.Tickets.Create(sys, ticket.Input{Subject: ptrTo("Help"), Comment: &ticket.CommentInput{Body: "b"},
				RequesterID: desk.SetID(a.EndUser.ID), GroupID: desk.SetID(a.SupportGroupID), AssigneeID: desk.SetID(a.Agent.ID)}); err != nil {
				t.Fatal(err)
			}
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d/related.json", a.EndUser.ID), nil)
		rel, _ := body["user_related"].(map[string]any)
		rqSameShape(t, "related", rel, incFixture(t, "users/related_response.json")["user_related"].(map[string]any))
		if code != 200 || rel["requested_tickets"] != float64(2) || rel["assigned_tickets"] != float64(0) || rel["ccd_tickets"] != float64(0) {
			t.Errorf("related end-user: %d %v", code, body)
		}
		_, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/users/%d/related", a.Agent.ID), nil)
		if rel := body["user_related"].(map[string]any); rel["assigned_tickets"] != float64(2) {
			t.Errorf("related agent: %v", body)
		}
		if code, _ := a.do(t, a.Agent, "GET", "/api/v2/users/999999/related", nil); code != 404 {
			t.Errorf("related unknown: %d", code)
		}
	})
}

func TestTwoFactorFlagAndSingleSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		ctx := context.Background()
		key := make([]byte, secrets.KeySize)
		box, err := secrets.NewBox(key)
		if err != nil {
			t.Fatal(err)
		}
		tf := twofactor.New(db, box, "Frontdesk test")
		self := desk.WithPrincipal(ctx, &desk.Principal{UserID: a.Agent.ID, Role: desk.RoleAgent, Email: a.Agent.Email})
		en, err := tf.Begin(self, a.Agent.ID, a.Agent.Email)
		if err != nil {
			t.Fatal(err)
		}
		code, err := totp.GenerateCode(en.Secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tf.Confirm(self, a.Agent.ID, code); err != nil {
			t.Fatal(err)
		}
		flag := func(as testUser, id int64) any {
			t.Helper()
			c, body := a.do(t, as, "GET", fmt.Sprintf("/api/v2/users/%d", id), nil)
			if c != 200 {
				t.Fatalf("show %d: %d", id, c)
			}
			v, ok := body["user"].(map[string]any)["two_factor_auth_enabled"]
			if !ok {
				t.Fatalf("no two_factor_auth_enabled key: %v", body)
			}
			return v
		}
		other := a.addUser(t, "Other Agent", "other.agent@example.com", desk.RoleAgent)
		for _, c := range []struct {
			who  string
			as   testUser
			id   int64
			want any
		}{
			{"self", a.Agent, a.Agent.ID, true},
			{"admin", a.Admin, a.Agent.ID, true},
			{"other agent", other, a.Agent.ID, nil},
			{"admin, user without 2FA", a.Admin, a.EndUser.ID, false},
			{"end-user self", a.EndUser, a.EndUser.ID, false},
		} {
			if got := flag(c.as, c.id); got != c.want {
				t.Errorf("%s: two_factor_auth_enabled = %v, want %v", c.who, got, c.want)
			}
		}
		// Lists hide it as well.
		_, body := a.do(t, other, "GET", "/api/v2/users/show_many?ids="+strconv.FormatInt(a.Agent.ID, 10), nil)
		if v := body["users"].([]any)[0].(map[string]any)["two_factor_auth_enabled"]; v != nil {
			t.Errorf("show_many to another agent: %v", v)
		}

		// Sessions: me, one, delete one.
		const pw = "a quiet Sunday 1991 orchard"
		if _, err := a.srv.People.UpdateUser(desk.SystemContext(ctx), a.EndUser.ID, people.UserInput{Password: ptrTo(pw)}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, _, err := a.srv.Account.SignIn(ctx, a.EndUser.Email, pw, "192.0.2.1", "test"); err != nil {
				t.Fatal(err)
			}
		}
		c, body := a.do(t, a.EndUser, "GET", "/api/v2/users/me/sessions.json", nil)
		list, _ := body["sessions"].([]any)
		if c != 200 || len(list) != 2 {
			t.Fatalf("me/sessions: %d %v", c, body)
		}
		first := list[0].(map[string]any)
		rqSameShape(t, "session", first, incFixture(t, "users/session_response.json")["session"].(map[string]any))
		sid := int64(first["id"].(float64))
		one := fmt.Sprintf("/api/v2/users/%d/sessions/%d", a.EndUser.ID, sid)
		if c, body := a.do(t, a.EndUser, "GET", one+".json", nil); c != 200 || body["session"].(map[string]any)["id"] != first["id"] {
			t.Errorf("show session: %d %v", c, body)
		}
		for _, x := range []struct {
			as   testUser
			path string
			want int
		}{
			{a.Agent, one, 403},
			{a.Admin, fmt.Sprintf("/api/v2/users/%d/sessions/%d", a.Agent.ID, sid), 404}, // someone else's session id
			{a.EndUser, fmt.Sprintf("/api/v2/users/%d/sessions/999999", a.EndUser.ID), 404},
		} {
			if c, _ := a.do(t, x.as, "GET", x.path, nil); c != x.want {
				t.Errorf("GET %s: %d, want %d", x.path, c, x.want)
			}
			if c, _ := a.do(t, x.as, "DELETE", x.path, nil); c != x.want {
				t.Errorf("DELETE %s: %d, want %d", x.path, c, x.want)
			}
		}
		if c, _ := a.do(t, a.Admin, "DELETE", one, nil); c != 204 {
			t.Errorf("admin ends the session: %d", c)
		}
		if c, _ := a.do(t, a.EndUser, "GET", one, nil); c != 404 {
			t.Errorf("ended session still shown: %d", c)
		}
		if _, body := a.do(t, a.EndUser, "GET", "/api/v2/users/me/sessions", nil); body["count"] != float64(1) {
			t.Errorf("after ending one: %v", body)
		}
	})
}

func TestUserSearchSyntax(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		org, err := a.srv.People.CreateOrganization(sys, people.OrganizationInput{Name: ptrTo("Acme Widgets")})
		if err != nil {
			t.Fatal(err)
		}
		mk := func(name, email string, in people.UserInput) int64 {
			u := a.addUser(t, name, email, desk.RoleEndUser)
			if _, err := a.srv.People.UpdateUser(sys, u.ID, in); err != nil {
				t.Fatal(err)
			}
			return u.ID
		}
		gold := mk("Gina Gold", "gina@acme.test", people.UserInput{Tags: &[]string{"gold", "beta"}, OrganizationID: &org.ID,
			ExternalID: ptrTo("crm-17"), Phone: ptrTo("+48 600 700 800")})
		plain := mk("Paul Plain", "paul@other.test", people.UserInput{})
		ids := func(q string) []int64 {
			t.Helper()
			code, body := a.do(t, a.Agent, "GET", "/api/v2/users/search.json?query="+url.QueryEscape(q), nil)
			if code != 200 {
				t.Fatalf("search %q: %d %v", q, code, body)
			}
			out := pIDs(t, body, "users")
			if body["count"] != float64(len(out)) {
				t.Errorf("search %q: count %v for %d users", q, body["count"], len(out))
			}
			return out
		}
		for _, c := range []struct {
			q    string
			want []int64
		}{
			{"email:gina@acme.test", []int64{gold}},
			{"tags:gold", []int64{gold}},
			{"name:paul", []int64{plain}},
			{"organization:\"Acme Widgets\"", []int64{gold}},
			{"external_id:crm-17", []int64{gold}},
			{"role:admin", []int64{a.Admin.ID}},
			{"role:end-user -tags:gold", []int64{a.EndUser.ID, plain}},
			{"email:gina@acme*", []int64{gold}},
			{"gina", []int64{gold}},
			{"created>2000-01-01 tags:beta", []int64{gold}},
			{"created<2000-01-01", []int64{}},
		} {
			if got := ids(c.q); !slices.Equal(slices.Sorted(slices.Values(got)), c.want) {
				t.Errorf("search %q = %v, want %v", c.q, got, c.want)
			}
		}
		if got := ids("phone:\"+48 600 700 800\""); !slices.Equal(got, []int64{gold}) {
			t.Errorf("phone search = %v", got)
		}
		// external_id= is kept; other types and bad syntax are refused.
		code, body := a.do(t, a.Agent, "GET", "/api/v2/users/search?external_id=crm-17", nil)
		if code != 200 || !slices.Equal(pIDs(t, body, "users"), []int64{gold}) {
			t.Errorf("external_id=: %d %v", code, body)
		}
		for _, q := range []string{"type:ticket", "created>notadate", "order_by:bogus"} {
			if code, _ := a.do(t, a.Agent, "GET", "/api/v2/users/search?query="+q, nil); code != 422 {
				t.Errorf("search %q: %d, want 422", q, code)
			}
		}
		if code, _ := a.do(t, a.EndUser, "GET", "/api/v2/users/search?query=gina", nil); code != 403 {
			t.Errorf("end-user search: %d, want 403", code)
		}
		// Paging.
		code, body = a.do(t, a.Agent, "GET", "/api/v2/users/search?query=role:end-user&per_page=1&page=2", nil)
		if code != 200 || len(pIDs(t, body, "users")) != 1 || body["count"] != float64(3) || body["next_page"] == nil || body["previous_page"] == nil {
			t.Errorf("paged search: %d %v", code, body)
		}
	})
}

func TestDeletedUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		gone := a.addUser(t, "Gone Customer", "gone@customer.test", desk.RoleEndUser)
		if _, err := a.srv.People.UpdateUser(sys, gone.ID, people.UserInput{Notes: ptrTo("likes tea"), Tags: &[]string{"vip"}, Phone: ptrTo("+48 500 600 700")}); err != nil {
			t.Fatal(err)
		}
		tk, _, err := a.srv.Tickets.Create(sys, ticket.Input{Subject: ptrTo("Old problem"), Comment: &ticket.CommentInput{Body: "help"},
			RequesterID: desk.SetID(gone.ID), GroupID: desk.SetID(a.SupportGroupID)})
		if err != nil {
			t.Fatal(err)
		}
		p := fmt.Sprintf("/api/v2/deleted_users/%d", gone.ID)
		// Not deleted yet: not in the list, cannot be purged.
		if code, _ := a.do(t, a.Agent, "GET", p, nil); code != 404 {
			t.Errorf("show active user as deleted: %d, want 404", code)
		}
		if code, _ := a.do(t, a.Admin, "DELETE", p, nil); code != 422 {
			t.Errorf("purge an active user: %d, want 422", code)
		}
		if code, body := a.do(t, a.Admin, "DELETE", fmt.Sprintf("/api/v2/users/%d", gone.ID), nil); code != 200 {
			t.Fatalf("delete: %d %v", code, body)
		}
		code, body := a.do(t, a.Agent, "GET", p+".json", nil)
		if code != 200 {
			t.Fatalf("show deleted: %d %v", code, body)
		}
		fixture := incFixture(t, "users/deleted_user_response.json")["deleted_user"].(map[string]any)
		du := body["deleted_user"].(map[string]any)
		rqSameShape(t, "deleted user", du, fixture)
		if du["email"] != "gone@customer.test" || du["active"] != false {
			t.Errorf("deleted user: %v", du)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_users.json", nil)
		if code != 200 || !slices.Equal(pIDs(t, body, "deleted_users"), []int64{gone.ID}) || body["count"] != float64(1) {
			t.Fatalf("list: %d %v", code, body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_users.json?page[size]=1", nil)
		if code != 200 || body["meta"].(map[string]any)["has_more"] != false {
			t.Errorf("cursor list: %d %v", code, body)
		}
		if code, body := a.do(t, a.Agent, "GET", "/api/v2/deleted_users/count.json", nil); code != 200 || body["count"].(map[string]any)["value"] != float64(1) {
			t.Errorf("count: %d %v", code, body)
		}
		if code, _ := a.do(t, a.EndUser, "GET", "/api/v2/deleted_users", nil); code != 403 {
			t.Errorf("end-user list: %d, want 403", code)
		}
		// Only admins purge.
		if code, _ := a.do(t, a.Agent, "DELETE", p, nil); code != 403 {
			t.Errorf("agent purges: %d, want 403", code)
		}
		code, body = a.do(t, a.Admin, "DELETE", p, nil)
		if code != 200 {
			t.Fatalf("purge: %d %v", code, body)
		}
		du = body["deleted_user"].(map[string]any)
		rqSameShape(t, "purged user", du, fixture)
		if du["name"] != people.PurgedUserName || du["email"] != nil || du["phone"] != nil {
			t.Errorf("purged: %v", du)
		}
		if code, _ := a.do(t, a.Agent, "GET", p, nil); code != 404 {
			t.Errorf("show purged: %d, want 404", code)
		}
		if code, _ := a.do(t, a.Admin, "DELETE", p, nil); code != 404 {
			t.Errorf("purge twice: %d, want 404", code)
		}
		// Listed still, with nothing personal.
		_, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_users", nil)
		if item := body["deleted_users"].([]any)[0].(map[string]any); item["email"] != nil || item["name"] != people.PurgedUserName {
			t.Errorf("purged in list: %v", item)
		}
		u, err := a.srv.People.GetUser(sys, gone.ID)
		if err != nil || len(u.Tags) != 0 || u.Notes != "" || u.ExternalID != nil || u.Email != "" {
			t.Errorf("stored user after purge: %+v %v", u, err)
		}
		if ids, err := a.srv.People.Identities(sys, gone.ID); err != nil || len(ids) != 0 {
			t.Errorf("identities after purge: %v %v", ids, err)
		}
		// Tickets stay; the erasure is one more audit on them (a
		// UserErasure event), and the person's own comment text is gone.
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d", tk.ID), nil)
		if code != 200 || body["ticket"].(map[string]any)["requester_id"] != float64(gone.ID) {
			t.Errorf("ticket after purge: %d %v", code, body)
		}
		if code, body := a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d/audits", tk.ID), nil); code != 200 || body["count"] != float64(2) {
			t.Errorf("audits after purge: %d %v", code, body)
		} else {
			audits := body["audits"].([]any)
			last := audits[1].(map[string]any)["events"].([]any)
			if len(last) != 1 || last[0].(map[string]any)["type"] != "UserErasure" {
				t.Errorf("erasure audit: %v", last)
			}
			if b := fmt.Sprint(audits[0]); !strings.Contains(b, "▇") {
				t.Errorf("the erased person's comment kept its text: %v", b)
			}
		}
		// Nothing finds the old address; it is free again.
		if _, body := a.do(t, a.Agent, "GET", "/api/v2/users/search?query=gone@customer.test", nil); body["count"] != float64(0) {
			t.Errorf("search after purge: %v", body)
		}
		if code, body := a.do(t, a.Admin, "POST", "/api/v2/users", map[string]any{"user": map[string]any{"name": "New", "email": "gone@customer.test"}}); code != 201 {
			t.Errorf("reuse the address: %d %v", code, body)
		}
	})
}

// The same hole through PUT /users/{id}: an agent cannot point an
// end-user's primary email at an unverified address.
func TestAgentCannotRepointPrimaryEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		p := fmt.Sprintf("/api/v2/users/%d", a.EndUser.ID)
		if code, body := a.do(t, a.Agent, "PUT", p, map[string]any{"user": map[string]any{"email": "evil@attacker.test"}}); code != 403 {
			t.Fatalf("agent repoints the email: %d %v, want 403", code, body)
		}
		// Claiming the new address is verified does not help (the user is verified already).
		if code, body := a.do(t, a.Agent, "PUT", p, map[string]any{"user": map[string]any{"email": "evil@attacker.test", "verified": true}}); code != 403 {
			t.Fatalf("agent repoints the email as verified: %d %v, want 403", code, body)
		}
		if _, body := a.do(t, a.Admin, "GET", p, nil); body["user"].(map[string]any)["email"] != a.EndUser.Email {
			t.Fatalf("email changed anyway: %v", body)
		}
		// A verified secondary address may become primary this way too.
		ident, err := a.srv.People.AddIdentity(desk.SystemContext(context.Background()), a.EndUser.ID, people.IdentityEmail, "erin.second@customer.test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.srv.People.VerifyIdentity(desk.SystemContext(context.Background()), a.EndUser.ID, ident.ID); err != nil {
			t.Fatal(err)
		}
		if code, body := a.do(t, a.Agent, "PUT", p, map[string]any{"user": map[string]any{"email": "erin.second@customer.test"}}); code != 200 {
			t.Errorf("agent switches to a verified address: %d %v", code, body)
		}
		if code, body := a.do(t, a.Admin, "PUT", p, map[string]any{"user": map[string]any{"email": "erin.new@customer.test"}}); code != 200 ||
			body["user"].(map[string]any)["verified"] != false {
			t.Errorf("admin changes the email: %d %v", code, body)
		}
	})
}
