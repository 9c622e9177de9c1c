package api

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// The p8-assign rows of the permission matrix: every agent reads and sets
// their own availability; managers (admins, roles with
// manage_business_rules) read everyone's and set capacities and group
// assignment; satisfaction ratings are read by admins and roles that view
// reports; only a requester rates, and only with CSAT on (off here).
func init() { matrix = append(matrix, assignCSATMatrix...) }

const (
	ownOrManager = "200 200 200 403 403 403 403 401 403" // the fixture agent's own record
	staffOnlyOK  = "200 200 200 200 200 200 403 401 200"
	csatOff      = "403 403 403 403 403 403 403 401 403"
)

func (m *mx) newRating(t *testing.T) int64 {
	t.Helper()
	var id int64
	err := m.a.DB.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		id, err = tx.InsertID(context.Background(), `INSERT INTO satisfaction_ratings (ticket_id, solved_at, requester_id, score, comment, created_at, updated_at)
			VALUES (?, ?, ?, 'good', 'Thanks', 1, 1)`, m.pub, m.next(), m.a.EndUser.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var assignCSATMatrix = []mcase{
	{route: "GET /api/v2/agent_availabilities", want: adminOnly, req: path("/api/v2/agent_availabilities")},
	{route: "GET /api/v2/agent_availabilities/me", want: staffOnlyOK, req: path("/api/v2/agent_availabilities/me")},
	{route: "PUT /api/v2/agent_availabilities/me", want: staffOnlyOK, req: func(*testing.T, *mx, string) (string, any) {
		return "/api/v2/agent_availabilities/me", map[string]any{"agent_availability": map[string]any{"status": "away"}}
	}},
	{route: "GET /api/v2/agent_availabilities/{id}", want: ownOrManager, req: idPath("/api/v2/agent_availabilities/%d", shared(func(m *mx) int64 { return m.a.Agent.ID }), nil)},
	{route: "PUT /api/v2/agent_availabilities/{id}", want: ownOrManager, req: idPath("/api/v2/agent_availabilities/%d", shared(func(m *mx) int64 { return m.a.Agent.ID }),
		map[string]any{"agent_availability": map[string]any{"status": "offline"}})},
	{route: "GET /api/v2/groups/{id}/assignment", want: adminOnly, req: idPath("/api/v2/groups/%d/assignment", shared(func(m *mx) int64 { return m.a.SupportGroupID }), nil)},
	{route: "PUT /api/v2/groups/{id}/assignment", want: adminOnly, req: idPath("/api/v2/groups/%d/assignment", shared(func(m *mx) int64 { return m.a.SupportGroupID }),
		map[string]any{"group_assignment": map[string]any{"mode": "off", "capacity": 0}})},
	{route: "GET /api/v2/satisfaction_ratings", want: adminOnly, req: path("/api/v2/satisfaction_ratings")},
	{route: "GET /api/v2/satisfaction_ratings/{id}", want: adminOnly, req: idPath("/api/v2/satisfaction_ratings/%d", fresh((*mx).newRating), nil)},
	{route: "POST /api/v2/tickets/{id}/satisfaction_rating", want: csatOff, req: idPath("/api/v2/tickets/%d/satisfaction_rating", shared(func(m *mx) int64 { return m.pub }),
		map[string]any{"satisfaction_rating": map[string]any{"score": "good"}})},
}

// End to end: an admin turns a group's round-robin on, an online agent
// gets the next ticket; the requester rates the solved ticket through the
// API and the ticket JSON carries the rating; bad input is a 422.
func TestAssignAndRateOverAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		sys := desk.SystemContext(context.Background())
		code, body := a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/groups/%d/assignment.json", a.SupportGroupID),
			map[string]any{"group_assignment": map[string]any{"mode": "round_robin", "capacity": 5}})
		if code != 200 {
			t.Fatalf("group assignment: %d %v", code, body)
		}
		code, body = a.do(t, a.Admin, "PUT", fmt.Sprintf("/api/v2/groups/%d/assignment.json", a.SupportGroupID),
			map[string]any{"group_assignment": map[string]any{"mode": "sometimes"}})
		if code != 422 {
			t.Fatalf("bad mode: %d %v", code, body)
		}
		code, body = a.do(t, a.Agent, "PUT", "/api/v2/agent_availabilities/me.json", map[string]any{"agent_availability": map[string]any{"status": "online"}})
		av, _ := body["agent_availability"].(map[string]any)
		// API tokens are not workspace sessions: online by choice, offline in effect.
		if code != 200 || av["status"] != "online" || av["effective_status"] != "offline" {
			t.Fatalf("set online: %d %v", code, body)
		}
		code, body = a.do(t, a.Agent, "PUT", "/api/v2/agent_availabilities/me.json", map[string]any{"agent_availability": map[string]any{"status": "busy"}})
		if code != 422 {
			t.Fatalf("bad status: %d %v", code, body)
		}
		// A workspace session, seen now, makes the agent available.
		if _, err := db.Exec(context.Background(), `INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at) VALUES (?, 'h', ?, ?, ?)`,
			a.Agent.ID, store.Now(), store.Now(), store.Now()+3600e6); err != nil {
			t.Fatal(err)
		}
		code, body = a.do(t, a.Admin, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
			"subject": "Help", "comment": map[string]any{"body": "Please"}, "group_id": a.SupportGroupID, "requester_id": a.EndUser.ID}})
		tk, _ := body["ticket"].(map[string]any)
		if code != 201 || pNum(tk, "assignee_id") != a.Agent.ID || tk["satisfaction_rating"] != nil {
			t.Fatalf("create in a round-robin group: %d %v", code, body)
		}
		id := pNum(tk, "id")
		if code, body = a.do(t, a.Agent, "PUT", fmt.Sprintf("/api/v2/tickets/%d.json", id), map[string]any{"ticket": map[string]any{"status": "solved"}}); code != 200 {
			t.Fatalf("solve: %d %v", code, body)
		}
		if err := settings.CSATEnabled.Set(sys, a.srv.CSAT.Settings, true); err != nil {
			t.Fatal(err)
		}
		rate := map[string]any{"satisfaction_rating": map[string]any{"score": "good", "comment": "Quick, thanks"}}
		if code, body = a.do(t, a.Agent, "POST", fmt.Sprintf("/api/v2/tickets/%d/satisfaction_rating.json", id), rate); code != 403 {
			t.Fatalf("agent rates: %d %v", code, body)
		}
		if code, body = a.do(t, a.EndUser, "POST", fmt.Sprintf("/api/v2/tickets/%d/satisfaction_rating.json", id),
			map[string]any{"satisfaction_rating": map[string]any{"score": "great"}}); code != 422 {
			t.Fatalf("bad score: %d %v", code, body)
		}
		code, body = a.do(t, a.EndUser, "POST", fmt.Sprintf("/api/v2/tickets/%d/satisfaction_rating.json", id), rate)
		r, _ := body["satisfaction_rating"].(map[string]any)
		if code != 200 || r["score"] != "good" || pNum(r, "ticket_id") != id || pNum(r, "assignee_id") != a.Agent.ID {
			t.Fatalf("rate: %d %v", code, body)
		}
		code, body = a.do(t, a.Agent, "GET", fmt.Sprintf("/api/v2/tickets/%d.json", id), nil)
		tk, _ = body["ticket"].(map[string]any)
		sr, _ := tk["satisfaction_rating"].(map[string]any)
		if code != 200 || sr["score"] != "good" || sr["comment"] != "Quick, thanks" || pNum(sr, "id") != pNum(r, "id") {
			t.Fatalf("ticket JSON: %d %v", code, tk["satisfaction_rating"])
		}
		code, body = a.do(t, a.Admin, "GET", "/api/v2/satisfaction_ratings.json?score=good&page[size]=1", nil)
		list, _ := body["satisfaction_ratings"].([]any)
		if code != 200 || len(list) != 1 {
			t.Fatalf("list: %d %v", code, body)
		}
		if code, _ = a.do(t, a.Admin, "GET", "/api/v2/satisfaction_ratings.json?score=meh", nil); code != 422 {
			t.Fatalf("bad score filter: %d", code)
		}
		// A new ticket's JSON (the create path reads no rating: none can
		// exist yet) says the same as reading the ticket back: unoffered
		// while CSAT is on.
		code, body = a.do(t, a.Admin, "POST", "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
			"subject": "Again", "comment": map[string]any{"body": "Please"}, "requester_id": a.EndUser.ID}})
		tk, _ = body["ticket"].(map[string]any)
		created, _ := tk["satisfaction_rating"].(map[string]any)
		if code != 201 || created["score"] != "unoffered" || len(created) != 1 {
			t.Fatalf("create with CSAT on: %d %v", code, tk["satisfaction_rating"])
		}
		code, body = a.do(t, a.Admin, "GET", fmt.Sprintf("/api/v2/tickets/%d.json", pNum(tk, "id")), nil)
		tk, _ = body["ticket"].(map[string]any)
		if read, _ := tk["satisfaction_rating"].(map[string]any); code != 200 || !reflect.DeepEqual(read, created) {
			t.Fatalf("read back: %d %v, created %v", code, tk["satisfaction_rating"], created)
		}
		// A page of tickets says the same: the rating of the solved one
		// (the only ticket of the page whose rating is looked up), and
		// unoffered for those never solved.
		code, body = a.do(t, a.Admin, "GET", "/api/v2/tickets.json?page[size]=100", nil)
		listed := map[int64]any{}
		for _, v := range body["tickets"].([]any) {
			lt := v.(map[string]any)
			listed[pNum(lt, "id")] = lt["satisfaction_rating"]
		}
		if sr, _ := listed[id].(map[string]any); code != 200 || sr["score"] != "good" || sr["comment"] != "Quick, thanks" {
			t.Fatalf("listed rated ticket: %d %v", code, listed[id])
		}
		if sr, _ := listed[pNum(tk, "id")].(map[string]any); !reflect.DeepEqual(sr, created) {
			t.Fatalf("listed new ticket: %v, want %v", listed[pNum(tk, "id")], created)
		}
	})
}
