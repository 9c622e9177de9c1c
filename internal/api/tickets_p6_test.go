package api

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// p6-tickets: CCs and followers named the ways Zendesk accepts them.

func tkIDs(v any) []int64 {
	var out []int64
	l, _ := v.([]any)
	for _, x := range l {
		if f, ok := x.(float64); ok {
			out = append(out, int64(f))
		}
	}
	slices.Sort(out)
	return out
}

func TestTicketCollaboratorsAndFollowers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		agent2 := a.addUser(t, "Second Agent", "agent2@example.com", desk.RoleAgent)
		friend := a.addUser(t, "Friend", "friend@example.com", desk.RoleEndUser)

		// collaborators on create: an id, a known address, an unknown
		// address and a {name, email} object; the unknown ones become
		// end-users.
		tk := a.tkCreate(t, a.Agent, map[string]any{
			"subject": "CCs", "requester_id": a.EndUser.ID, "comment": map[string]any{"body": "x"},
			"collaborators": []any{agent2.ID, "FRIEND@example.com", "new1@example.com", map[string]any{"name": "New Two", "email": "new2@example.com"}},
		})
		id := pID(t, tk)
		ccs := tkIDs(tk["email_cc_ids"])
		if len(ccs) != 4 || !slices.Contains(ccs, agent2.ID) || !slices.Contains(ccs, friend.ID) {
			t.Fatalf("email_cc_ids = %v", tk["email_cc_ids"])
		}
		if !slices.Equal(tkIDs(tk["collaborator_ids"]), ccs) {
			t.Errorf("collaborator_ids = %v, want %v", tk["collaborator_ids"], ccs)
		}
		var new2 int64
		for _, uid := range ccs {
			if uid == agent2.ID || uid == friend.ID {
				continue
			}
			code, body := a.do(t, a.Agent, "GET", "/api/v2/users/"+itoa(uid), nil)
			pStatus(t, "new cc user", code, body, http.StatusOK)
			u := pObj(t, body, "user")
			if u["role"] != "end-user" {
				t.Errorf("created cc = %v", u)
			}
			if u["email"] == "new2@example.com" {
				new2 = uid
				if u["name"] != "New Two" {
					t.Errorf("named cc = %v", u)
				}
			}
		}
		if new2 == 0 {
			t.Fatalf("new2@example.com was not added: %v", ccs)
		}

		// email_ccs and followers with actions, in one update: one audit
		// with one change per list.
		code, body := a.do(t, a.Agent, "PUT", tkTicketPath(id, ".json"), tkBody(map[string]any{
			"email_ccs": []any{
				map[string]any{"user_id": friend.ID, "action": "delete"},
				map[string]any{"user_email": "new2@example.com", "action": "delete"},
				map[string]any{"user_email": "new3@example.com", "user_name": "New Three", "action": "put"},
			},
			"followers": []any{
				map[string]any{"user_id": a.Agent.ID, "action": "put"},
				map[string]any{"user_email": "agent2@example.com"},
			},
		}))
		pStatus(t, "update ccs", code, body, http.StatusOK)
		upd := pObj(t, body, "ticket")
		ccs = tkIDs(upd["email_cc_ids"])
		if len(ccs) != 3 || slices.Contains(ccs, friend.ID) || slices.Contains(ccs, new2) || !slices.Contains(ccs, agent2.ID) {
			t.Errorf("email_cc_ids after update = %v", upd["email_cc_ids"])
		}
		fol := tkIDs(upd["follower_ids"])
		if want := []int64{a.Agent.ID, agent2.ID}; !slices.Equal(fol, want) {
			t.Errorf("follower_ids = %v, want %v", fol, want)
		}
		coll := tkIDs(upd["collaborator_ids"])
		if len(coll) != 4 || !slices.Contains(coll, a.Agent.ID) {
			t.Errorf("collaborator_ids = %v", coll)
		}
		evs := tkEvents(t, pObj(t, body, "audit"))
		var ccEvents, fEvents int
		for _, e := range evs {
			switch e["field_name"] {
			case "email_cc_ids":
				ccEvents++
			case "follower_ids":
				fEvents++
			}
		}
		if ccEvents != 1 || fEvents != 1 {
			t.Errorf("audit events = %v", evs)
		}
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, ""), nil)
		pStatus(t, "show", code, body, http.StatusOK)
		if got := pObj(t, body, "ticket"); !slices.Equal(tkIDs(got["email_cc_ids"]), ccs) || !slices.Equal(tkIDs(got["follower_ids"]), fol) {
			t.Errorf("stored ticket = %v", got)
		}

		// additional_collaborators adds to the CCs.
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"additional_collaborators": []any{friend.Email}}))
		pStatus(t, "additional", code, body, http.StatusOK)
		if got := tkIDs(pObj(t, body, "ticket")["email_cc_ids"]); len(got) != 4 || !slices.Contains(got, friend.ID) {
			t.Errorf("after additional_collaborators = %v", got)
		}

		// Followers must be staff, and must exist; bad entries are 422s that
		// change nothing (no user is created).
		for _, tc := range []struct {
			name, field string
			body        map[string]any
		}{
			{"end-user follower", "followers", map[string]any{"followers": []any{map[string]any{"user_id": friend.ID}}}},
			{"unknown follower email", "followers", map[string]any{"followers": []any{map[string]any{"user_email": "nobody@example.com"}}}},
			{"bad action", "email_ccs", map[string]any{"email_ccs": []any{map[string]any{"user_id": friend.ID, "action": "add"}}}},
			{"no user", "email_ccs", map[string]any{"email_ccs": []any{map[string]any{"action": "put"}}}},
			{"bad email", "collaborators", map[string]any{"collaborators": []any{"not an email"}}},
			{"bad collaborator", "collaborators", map[string]any{"collaborators": []any{true}}},
			{"unknown id", "collaborators", map[string]any{"collaborators": []any{999999}, "additional_collaborators": nil}},
		} {
			code, body := a.do(t, a.Agent, "PUT", tkTicketPath(id, ""), tkBody(tc.body))
			pInvalid(t, tc.name, code, body, tc.field)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/users/search?query=nobody@example.com", nil)
		if code == http.StatusOK && len(pList(t, body, "users")) != 0 {
			t.Errorf("a refused follower created a user: %v", body)
		}

		// End-users cannot change CCs or followers.
		code, body = a.do(t, a.EndUser, "PUT", tkTicketPath(id, ""), tkBody(map[string]any{"additional_collaborators": []any{"x@example.com"}}))
		pStatus(t, "end-user ccs", code, body, http.StatusForbidden)
		code, body = a.do(t, a.EndUser, "POST", "/api/v2/tickets", tkBody(map[string]any{
			"subject": "mine", "comment": map[string]any{"body": "x"}, "email_ccs": []any{map[string]any{"user_email": "y@example.com"}},
		}))
		pStatus(t, "end-user create with ccs", code, body, http.StatusForbidden)
	})
}

// TestTicketMergeJobStatusPoll: a merge answers with a job status that
// GET /job_statuses/{id} serves (it was "inline-merge", which answered 404),
// completed on the first poll, to its owner only.
func TestTicketMergeJobStatusPoll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		target := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Target", "comment": map[string]any{"body": "t"}}))
		s1 := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "S1", "comment": map[string]any{"body": "s1"}}))
		s2 := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "S2", "comment": map[string]any{"body": "s2"}}))

		code, body := a.do(t, a.Agent, "POST", tkTicketPath(target, "/merge.json"), map[string]any{"ids": []int64{s2, s1}})
		pStatus(t, "merge", code, body, http.StatusOK)
		js := pObj(t, body, "job_status")
		jid, _ := js["id"].(string)
		if jid == "" || js["url"] != a.URL+"/api/v2/job_statuses/"+jid+".json" {
			t.Fatalf("merge job_status = %v", js)
		}
		// Poll as a client does: until completed (it already is).
		code, body = a.do(t, a.Agent, "GET", "/api/v2/job_statuses/"+jid+".json", nil)
		pStatus(t, "poll", code, body, http.StatusOK)
		polled := pObj(t, body, "job_status")
		if polled["id"] != jid || polled["status"] != "completed" || pNum(polled, "total") != 3 || pNum(polled, "progress") != 3 {
			t.Fatalf("polled job_status = %v", polled)
		}
		res := pList(t, polled, "results")
		var merged []int64
		for _, r := range res {
			if r["success"] != true {
				t.Errorf("result = %v", r)
			}
			if r["status"] == "Merged" {
				merged = append(merged, pNum(r, "id"))
			}
		}
		if !slices.Equal(merged, []int64{s1, s2}) || pNum(res[0], "id") != target {
			t.Errorf("results = %v", res)
		}
		// Job statuses are their owner's (and admins').
		code, body = a.do(t, a.EndUser, "GET", "/api/v2/job_statuses/"+jid, nil)
		pNotFound(t, "someone else's merge status", code, body)
		code, body = a.do(t, a.Admin, "GET", "/api/v2/job_statuses/"+jid, nil)
		pStatus(t, "admin poll", code, body, http.StatusOK)

		// A refused merge is an error, not a status.
		code, body = a.do(t, a.Agent, "POST", tkTicketPath(target, "/merge"), map[string]any{"ids": []int64{s1}})
		pInvalid(t, "merge closed", code, body, "ids")
	})
}

// --- permission matrix helpers for the p6-tickets rows ---

// spamTicket is a ticket raised by a fresh end-user (marking it as spam
// suspends them, not the fixture's end-user), in Support or the VIP group.
func (m *mx) spamTicket(t *testing.T, private bool) int64 {
	t.Helper()
	g := m.a.SupportGroupID
	if private {
		g = m.vip
	}
	tk, _, err := m.a.srv.Tickets.Create(m.sys, ticket.Input{
		Subject: ptrTo("Spam"), Comment: &ticket.CommentInput{Body: "buy now"},
		RequesterID: desk.SetID(m.newUser(t, desk.RoleEndUser)), GroupID: desk.SetID(g),
	})
	if err != nil {
		t.Fatalf("spam ticket: %v", err)
	}
	return tk.ID
}

// firstCommentPath is make_private's path for the first comment of a fresh
// ticket (requested by the fixture's end-user).
func firstCommentPath(private bool) func(*testing.T, *mx, string) (string, any) {
	return func(t *testing.T, m *mx, _ string) (string, any) {
		id := m.newTicket(t, private, "to hide")
		cs, _, err := m.a.srv.Tickets.Comments(m.sys, id, 0, 1, false)
		if err != nil || len(cs) == 0 {
			t.Fatalf("comments: %v", err)
		}
		return fmt.Sprintf("/api/v2/tickets/%d/comments/%d/make_private", id, cs[0].ID), map[string]any{}
	}
}

// firstAuditPath is the path of the first audit of a shared ticket.
func firstAuditPath(private bool) func(*testing.T, *mx, string) (string, any) {
	return func(t *testing.T, m *mx, _ string) (string, any) {
		id := m.pub
		if private {
			id = m.priv
		}
		as, _, err := m.a.srv.Tickets.Audits(m.sys, id, 0, 1)
		if err != nil || len(as) == 0 {
			t.Fatalf("audits: %v", err)
		}
		return fmt.Sprintf("/api/v2/tickets/%d/audits/%d", id, as[0].ID), nil
	}
}

func TestTicketMarkAsSpam(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		spammer := a.addUser(t, "Spammer", "spammer@example.com", desk.RoleEndUser)
		id := pID(t, a.tkCreate(t, spammer, map[string]any{"subject": "Buy now", "comment": map[string]any{"body": "cheap"}}))

		code, body := a.do(t, a.EndUser, "PUT", tkTicketPath(id, "/mark_as_spam.json"), map[string]any{})
		pNotFound(t, "end-user spam", code, body)
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(id, "/mark_as_spam.json"), map[string]any{})
		pStatus(t, "mark as spam", code, body, http.StatusOK)

		// The ticket is in the deleted list, the requester suspended (their
		// token stops working).
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, ""), nil)
		pNotFound(t, "spam ticket", code, body)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/deleted_tickets", nil)
		pStatus(t, "deleted list", code, body, http.StatusOK)
		if !listHas(body, "deleted_tickets", id) {
			t.Errorf("spam ticket not in the deleted list: %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/users/"+itoa(spammer.ID), nil)
		pStatus(t, "spammer", code, body, http.StatusOK)
		if u := pObj(t, body, "user"); u["suspended"] != true {
			t.Errorf("spammer = %v", u)
		}
		code, _ = a.do(t, spammer, "GET", "/api/v2/tickets", nil)
		if code != http.StatusUnauthorized {
			t.Errorf("suspended spammer's token: %d", code)
		}

		// An agent's ticket is not spam: refused, and nothing changes (the
		// ticket stays live).
		agent2 := a.addUser(t, "Agent Two", "agent2@example.com", desk.RoleAgent)
		own := pID(t, a.tkCreate(t, agent2, map[string]any{"subject": "Mine", "comment": map[string]any{"body": "x"}}))
		code, body = a.do(t, a.Agent, "PUT", tkTicketPath(own, "/mark_as_spam"), map[string]any{})
		pInvalid(t, "agent's ticket", code, body, "requester")
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(own, ""), nil)
		pStatus(t, "agent's ticket stays", code, body, http.StatusOK)

		// mark_many_as_spam: a job status, polled; one result per id.
		s2 := a.addUser(t, "Spammer Two", "spammer2@example.com", desk.RoleEndUser)
		id2 := pID(t, a.tkCreate(t, s2, map[string]any{"subject": "Win", "comment": map[string]any{"body": "prize"}}))
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/mark_many_as_spam.json?ids=%d,%d", id2, own), map[string]any{})
		pStatus(t, "mark many", code, body, http.StatusOK)
		jid, _ := pObj(t, body, "job_status")["id"].(string)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/job_statuses/"+jid, nil)
		pStatus(t, "poll", code, body, http.StatusOK)
		js := pObj(t, body, "job_status")
		res := pList(t, js, "results")
		if js["status"] != "completed" || len(res) != 2 || res[0]["success"] != true || pNum(res[0], "id") != id2 ||
			res[1]["success"] != false || pNum(res[1], "id") != own {
			t.Errorf("mark many job = %v", js)
		}
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id2, ""), nil)
		pNotFound(t, "second spam ticket", code, body)
		code, body = a.do(t, a.Agent, "PUT", "/api/v2/tickets/mark_many_as_spam?ids=", map[string]any{})
		if code < 400 || code >= 500 {
			t.Errorf("mark many without ids: %d %v", code, body)
		}
	})
}

func TestTicketMakeCommentPrivate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		id := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Secret", "comment": map[string]any{"body": "my password is hunter2"}}))
		code, body := a.do(t, a.Agent, "GET", tkTicketPath(id, "/comments"), nil)
		pStatus(t, "comments", code, body, http.StatusOK)
		cid := pID(t, pList(t, body, "comments")[0])
		path := fmt.Sprintf("/api/v2/tickets/%d/comments/%d/make_private.json", id, cid)

		code, body = a.do(t, a.EndUser, "PUT", path, map[string]any{})
		pStatus(t, "end-user make_private", code, body, http.StatusForbidden)
		code, body = a.do(t, a.Agent, "PUT", path, map[string]any{})
		pStatus(t, "make_private", code, body, http.StatusOK)

		// The requester no longer sees it; staff see it as private.
		code, body = a.do(t, a.EndUser, "GET", tkTicketPath(id, "/comments"), nil)
		pStatus(t, "end-user comments", code, body, http.StatusOK)
		if listHas(body, "comments", cid) {
			t.Errorf("the requester still sees the private comment: %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", tkTicketPath(id, "/comments"), nil)
		pStatus(t, "agent comments", code, body, http.StatusOK)
		if c := pList(t, body, "comments")[0]; c["public"] != false {
			t.Errorf("comment = %v", c)
		}
		// One audit records it; doing it again records nothing.
		countAudits := func() ([]map[string]any, int) {
			code, body := a.do(t, a.Agent, "GET", tkTicketPath(id, "/audits"), nil)
			pStatus(t, "audits", code, body, http.StatusOK)
			l := pList(t, body, "audits")
			return l, len(l)
		}
		as, n := countAudits()
		evs := tkEvents(t, as[n-1])
		if n != 2 || len(evs) != 1 || evs[0]["type"] != "CommentPrivacyChange" || pNum(evs[0], "comment_id") != cid || evs[0]["public"] != false {
			t.Errorf("audits = %v", as)
		}
		code, body = a.do(t, a.Agent, "PUT", path, map[string]any{})
		pStatus(t, "again", code, body, http.StatusOK)
		if _, n2 := countAudits(); n2 != n {
			t.Errorf("making a private comment private again wrote an audit (%d → %d)", n, n2)
		}
		other := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Other", "comment": map[string]any{"body": "x"}}))
		code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d/comments/%d/make_private", other, cid), map[string]any{})
		pNotFound(t, "comment of another ticket", code, body)
	})
}

func TestTicketAuditsShowAndAll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		id1 := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "One", "comment": map[string]any{"body": "x"}}))
		id2 := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Two", "comment": map[string]any{"body": "y"}}))
		for _, p := range []string{"low", "normal", "high"} {
			code, body := a.do(t, a.Agent, "PUT", tkTicketPath(id1, ""), tkBody(map[string]any{"priority": p}))
			pStatus(t, "update", code, body, http.StatusOK)
		}
		code, body := a.do(t, a.Agent, "GET", tkTicketPath(id1, "/audits"), nil)
		pStatus(t, "audits", code, body, http.StatusOK)
		list := pList(t, body, "audits")
		want := list[1]
		aid := pID(t, want)

		// One audit, as the list shows it.
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d/audits/%d.json", id1, aid), nil)
		pStatus(t, "show audit", code, body, http.StatusOK)
		got := pObj(t, body, "audit")
		if pID(t, got) != aid || pNum(got, "ticket_id") != id1 || fmt.Sprint(got["events"]) != fmt.Sprint(want["events"]) {
			t.Errorf("audit = %v, want %v", got, want)
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d/audits/%d", id2, aid), nil)
		pNotFound(t, "audit of another ticket", code, body)
		code, body = a.do(t, a.EndUser, "GET", fmt.Sprintf("/api/v2/tickets/%d/audits/%d", id1, aid), nil)
		pStatus(t, "end-user audit", code, body, http.StatusForbidden)

		// /ticket_audits: admins; newest first; walking the cursor pages
		// yields every audit once (4 of ticket 1, 1 of ticket 2).
		code, body = a.do(t, a.Agent, "GET", "/api/v2/ticket_audits", nil)
		pStatus(t, "agent all audits", code, body, http.StatusForbidden)
		var ids []int64
		next := "/api/v2/ticket_audits.json?page[size]=2"
		for pages := 0; next != ""; pages++ {
			if pages > 5 {
				t.Fatal("too many pages")
			}
			code, body = a.do(t, a.Admin, "GET", next, nil)
			pStatus(t, "all audits page", code, body, http.StatusOK)
			for _, au := range pList(t, body, "audits") {
				ids = append(ids, pID(t, au))
			}
			next = ""
			if l, _ := body["links"].(map[string]any)["next"].(string); l != "" {
				next = l[len(a.URL):]
			}
		}
		if len(ids) != 5 || !slices.IsSortedFunc(ids, func(x, y int64) int { return int(y - x) }) || ids[0] <= aid {
			t.Errorf("all audit ids = %v", ids)
		}
		// Without a cursor: the first page and a next_page.
		code, body = a.do(t, a.Admin, "GET", "/api/v2/ticket_audits?per_page=3", nil)
		pStatus(t, "offset-style", code, body, http.StatusOK)
		if l := pList(t, body, "audits"); len(l) != 3 || body["next_page"] == nil {
			t.Errorf("offset-style all audits = %v", body)
		}
	})
}

func TestTicketPeopleLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		friend := a.addUser(t, "Friend", "friend@example.com", desk.RoleEndUser)
		id := pID(t, a.tkCreate(t, a.Agent, map[string]any{
			"subject": "People", "requester_id": a.EndUser.ID, "comment": map[string]any{"body": "x"},
			"email_cc_ids": []int64{friend.ID}, "follower_ids": []int64{a.Agent.ID},
		}))
		for _, tc := range []struct {
			path string
			want []int64
		}{
			{"/collaborators.json", []int64{a.Agent.ID, friend.ID}},
			{"/followers", []int64{a.Agent.ID}},
			{"/email_ccs", []int64{friend.ID}},
		} {
			code, body := a.do(t, a.Agent, "GET", tkTicketPath(id, tc.path), nil)
			pStatus(t, tc.path, code, body, http.StatusOK)
			got := pIDs(t, body, "users")
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) || pNum(body, "count") != int64(len(want)) {
				t.Errorf("%s = %v, want %v", tc.path, body, want)
			}
		}
		code, body := a.do(t, a.EndUser, "GET", tkTicketPath(id, "/followers"), nil)
		pStatus(t, "end-user followers", code, body, http.StatusForbidden)
		code, body = a.do(t, a.Agent, "GET", "/api/v2/tickets/999999/email_ccs", nil)
		pNotFound(t, "unknown ticket", code, body)
	})
}
