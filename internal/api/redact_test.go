package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
)

// Redaction's rows of the permission matrix: like make_private, staff who
// may edit the ticket (light agents are refused), never end-users.
func init() { matrix = append(matrix, redactionMatrix...) }

var redactionMatrix = []mcase{
	{route: "PUT /api/v2/tickets/{id}/comments/{comment_id}/redact", note: "public group", want: "200 200 200 403 200 404 403 401 200",
		req: redactPath(false, "redact")},
	{route: "PUT /api/v2/tickets/{id}/comments/{comment_id}/redact", note: "private group", want: "200 404 200 404 404 404 403 401 404",
		req: redactPath(true, "redact")},
	{route: "PUT /api/v2/comment_redactions/{comment_id}", note: "public group", want: "200 200 200 403 200 404 403 401 200",
		req: redactPath(false, "comment_redactions")},
	{route: "PUT /api/v2/comment_redactions/{comment_id}", note: "private group", want: "200 404 200 404 404 404 403 401 404",
		req: redactPath(true, "comment_redactions")},
	{route: "PUT /api/v2/tickets/{id}/comments/{comment_id}/attachments/{attachment_id}/redact", note: "public group", want: "200 200 200 403 200 404 403 401 200",
		req: redactAttachmentPath(false)},
	{route: "PUT /api/v2/tickets/{id}/comments/{comment_id}/attachments/{attachment_id}/redact", note: "private group", want: "200 404 200 404 404 404 403 401 404",
		req: redactAttachmentPath(true)},
}

// redactPath redacts "secret" in the first comment of a fresh ticket.
func redactPath(private bool, kind string) func(*testing.T, *mx, string) (string, any) {
	return func(t *testing.T, m *mx, _ string) (string, any) {
		id := m.newTicket(t, private, "my secret word")
		cs, _, err := m.a.srv.Tickets.Comments(m.sys, id, 0, 1, false)
		if err != nil || len(cs) == 0 {
			t.Fatalf("comments: %v", err)
		}
		if kind == "comment_redactions" {
			return fmt.Sprintf("/api/v2/comment_redactions/%d", cs[0].ID), map[string]any{"ticket_id": id, "html_body": "<p>my <redact>secret</redact> word</p>"}
		}
		return fmt.Sprintf("/api/v2/tickets/%d/comments/%d/redact", id, cs[0].ID), map[string]any{"text": "secret"}
	}
}

// redactAttachmentPath redacts the attachment of a fresh ticket's comment.
func redactAttachmentPath(private bool) func(*testing.T, *mx, string) (string, any) {
	return func(t *testing.T, m *mx, _ string) (string, any) {
		id := m.newTicket(t, private, "with a file")
		aid := m.withAttachment(t, id)
		a, err := m.a.srv.Tickets.Attachment(m.sys, aid)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("/api/v2/tickets/%d/comments/%d/attachments/%d/redact", id, a.CommentID, aid), map[string]any{}
	}
}

func TestRedactionAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := newTestAPI(t, db)
		id := pID(t, a.tkCreate(t, a.EndUser, map[string]any{"subject": "Card", "comment": map[string]any{"body": "card 4111 and code <b>Q7</b> & more"}}))
		code, body := a.do(t, a.Agent, "GET", tkTicketPath(id, "/comments"), nil)
		pStatus(t, "comments", code, body, http.StatusOK)
		cid := pID(t, pList(t, body, "comments")[0])
		path := fmt.Sprintf("/api/v2/tickets/%d/comments/%d/redact.json", id, cid)

		for _, bad := range []map[string]any{{}, {"text": ""}, {"text": "not there"}} {
			code, body = a.do(t, a.Agent, "PUT", path, bad)
			pStatus(t, fmt.Sprintf("redact %v", bad), code, body, http.StatusUnprocessableEntity)
		}
		code, body = a.do(t, a.Agent, "PUT", path, map[string]any{"text": "4111"})
		pStatus(t, "redact", code, body, http.StatusOK)
		c, _ := body["comment"].(map[string]any)
		if c == nil || c["body"] != "card ▇▇▇▇ and code <b>Q7</b> & more" {
			t.Fatalf("redacted comment %v", body)
		}

		// comment_redactions: the <redact> parts of html_body.
		cr := fmt.Sprintf("/api/v2/comment_redactions/%d", cid)
		for _, bad := range []map[string]any{{"html_body": "<redact>x</redact>"}, {"ticket_id": id}, {"ticket_id": id, "html_body": "no tags"},
			{"ticket_id": id, "html_body": "<redact>open"}, {"ticket_id": id, "html_body": "<redact><redact>a</redact></redact>"}} {
			code, body = a.do(t, a.Agent, "PUT", cr, bad)
			pStatus(t, fmt.Sprintf("comment_redactions %v", bad), code, body, http.StatusUnprocessableEntity)
		}
		code, body = a.do(t, a.Agent, "PUT", cr, map[string]any{"ticket_id": id, "html_body": "<p>card ▇▇▇▇ and code <redact>&lt;b&gt;Q7&lt;/b&gt;</redact> <redact>&amp;</redact> more</p>"})
		pStatus(t, "comment_redactions", code, body, http.StatusOK)
		c, _ = body["comment"].(map[string]any)
		if got, _ := c["body"].(string); got != "card ▇▇▇▇ and code ▇▇▇▇▇▇▇▇▇ ▇ more" {
			t.Fatalf("comment_redactions body %q", got)
		}
		if h, _ := c["html_body"].(string); strings.Contains(h, "Q7") || strings.Contains(h, "4111") {
			t.Fatalf("html body keeps redacted text: %q", h)
		}
		code, body = a.do(t, a.Agent, "GET", "/api/v2/search.json?query=4111", nil)
		pStatus(t, "search", code, body, http.StatusOK)
		if n, _ := body["count"].(float64); n != 0 {
			t.Fatalf("search still finds the redacted number: %v", body)
		}
	})
}
