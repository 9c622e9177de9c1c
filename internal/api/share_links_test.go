package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Share links' rows of the permission matrix (sharing turned on): like
// redaction, staff who may see and edit the ticket; light agents and
// end-users are refused, a ticket one may not see is 404.
func init() { matrix = append(matrix, shareLinkMatrix...) }

var shareLinkMatrix = []mcase{
	{route: "POST /api/v2/tickets/{id}/share_links", note: "public group", want: "201 201 201 403 201 404 403 401 201",
		req: sharePath(false, false)},
	{route: "POST /api/v2/tickets/{id}/share_links", note: "private group", want: "201 404 201 404 404 404 403 401 404",
		req: sharePath(true, false)},
	{route: "GET /api/v2/tickets/{id}/share_links", note: "public group", want: "200 200 200 403 200 404 403 401 200",
		req: sharePath(false, false)},
	{route: "GET /api/v2/tickets/{id}/share_links", note: "private group", want: "200 404 200 404 404 404 403 401 404",
		req: sharePath(true, false)},
	{route: "DELETE /api/v2/tickets/{id}/share_links/{link_id}", note: "public group", want: "204 204 204 403 204 404 403 401 204",
		req: sharePath(false, true)},
	{route: "DELETE /api/v2/tickets/{id}/share_links/{link_id}", note: "private group", want: "204 404 204 404 404 404 403 401 404",
		req: sharePath(true, true)},
}

func sharingOn(t *testing.T, m *mx) {
	t.Helper()
	if err := settings.ShareableLinks.Set(m.sys, settings.Uncached(m.a.DB, nil), true); err != nil {
		t.Fatal(err)
	}
}

// sharePath turns sharing on and names the links of the fixture's shared
// ticket in Support or in the private group (or, with link, one new link
// of it). Links change nothing in the ticket, and fresh tickets would push
// the private ticket off the first page the list rows check.
func sharePath(private, link bool) func(*testing.T, *mx, string) (string, any) {
	return func(t *testing.T, m *mx, _ string) (string, any) {
		sharingOn(t, m)
		id := m.pub
		if private {
			id = m.priv
		}
		if !link {
			return fmt.Sprintf("/api/v2/tickets/%d/share_links", id), nil
		}
		_, l, err := m.a.srv.Tickets.CreateShareLink(m.sys, id)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("/api/v2/tickets/%d/share_links/%d", id, l.ID), nil
	}
}

// TestShareLinksAPI: refused while sharing is off (the default); on, a
// link is made (its token and URL in this answer only), listed, revoked;
// bad IDs are 404 and nothing changes.
func TestShareLinksAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		id := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Share me", "comment": map[string]any{"body": "hello"}}))
		base := fmt.Sprintf("/api/v2/tickets/%d/share_links", id)
		code, body := a.do(t, a.Agent, "POST", base, nil)
		pStatus(t, "create with sharing off", code, body, http.StatusForbidden)
		if !strings.Contains(fmt.Sprint(body), "turned off") {
			t.Errorf("no clear message: %v", body)
		}
		code, body = a.do(t, a.Agent, "GET", base, nil)
		pStatus(t, "list", code, body, http.StatusOK)
		if len(pList(t, body, "share_links")) != 0 {
			t.Fatalf("links made while off: %v", body)
		}

		if err := settings.ShareableLinks.Set(desk.SystemContext(context.Background()), settings.Uncached(db, nil), true); err != nil {
			t.Fatal(err)
		}
		code, body = a.do(t, a.Agent, "POST", base+".json", nil)
		pStatus(t, "create", code, body, http.StatusCreated)
		l := pObj(t, body, "share_link")
		token, _ := l["token"].(string)
		u, _ := l["url"].(string)
		if len(token) != 43 || !strings.HasSuffix(u, "/shared/"+token) || l["revoked_at"] != nil || pNum(l, "ticket_id") != id {
			t.Fatalf("link %v", l)
		}
		lid := pID(t, l)
		if v, err := a.srv.Tickets.SharedView(desk.SystemContext(context.Background()), token); err != nil || v.ID != id {
			t.Fatalf("the link does not work: %v", err)
		}
		code, body = a.do(t, a.Agent, "GET", base, nil)
		pStatus(t, "list", code, body, http.StatusOK)
		ls := pList(t, body, "share_links")
		if len(ls) != 1 || pID(t, ls[0]) != lid || ls[0]["token"] != nil || strings.Contains(fmt.Sprint(body), token) {
			t.Fatalf("list %v", body)
		}
		for _, p := range []string{base + "/999999", base + "/x", fmt.Sprintf("/api/v2/tickets/999999/share_links/%d", lid)} {
			code, body = a.do(t, a.Agent, "DELETE", p, nil)
			pStatus(t, "revoke "+p, code, body, http.StatusNotFound)
		}
		code, body = a.do(t, a.Agent, "DELETE", fmt.Sprintf("%s/%d", base, lid), nil)
		pStatus(t, "revoke", code, body, http.StatusNoContent)
		if _, err := a.srv.Tickets.SharedView(desk.SystemContext(context.Background()), token); err == nil {
			t.Fatal("a revoked link works")
		}
		code, body = a.do(t, a.Agent, "GET", base, nil)
		pStatus(t, "list", code, body, http.StatusOK)
		if ls := pList(t, body, "share_links"); len(ls) != 1 || ls[0]["revoked_at"] == nil {
			t.Fatalf("list after revoke %v", body)
		}
	})
}
