package ticket_test

import (
	"context"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/store/storetest"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

func setSharing(t *testing.T, f *fixture, on bool) {
	t.Helper()
	if err := settings.ShareableLinks.Set(as(f.admin), settings.Or(f.svc.Settings, f.db, f.bus), on); err != nil {
		t.Fatal(err)
	}
}

// sharedText is everything a shared view shows, as one string.
func sharedText(v *ticket.SharedTicket) string {
	var b strings.Builder
	b.WriteString(v.Subject + "\n" + string(v.Status) + "\n")
	for _, c := range v.Comments {
		b.WriteString(c.Author + ": " + c.Body + "\n")
	}
	return b.String()
}

// TestShareLinks: sharing is off by default (no link can be made, none
// works); on, a link shows the ticket's public conversation only; revoking
// it, turning sharing off or deleting the ticket makes it "not found", the
// same answer as a forged token; only staff who may edit the ticket
// manage its links, and each change is in the audit log.
func TestShareLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := mustCreate(t, f, f.alice, ticket.Input{Subject: str("Printer <b>on fire</b>"), Comment: &ticket.CommentInput{Body: "Alice's public question"}})
		b := mustCreate(t, f, f.bob, ticket.Input{Subject: str("Bob's other ticket"), Comment: &ticket.CommentInput{Body: "Bob's words"}})
		if _, _, err := f.svc.Update(as(f.agent), a.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "internal note: alice@example.com owes us", Public: new(false)}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Update(as(f.agent), a.ID, ticket.Input{Comment: &ticket.CommentInput{Body: "Public answer from the agent"}}); err != nil {
			t.Fatal(err)
		}

		// Off by default.
		if _, _, err := f.svc.CreateShareLink(as(f.agent), a.ID); code(err) != desk.EFORBIDDEN || !strings.Contains(err.Error(), "turned off") {
			t.Fatalf("create with sharing off: %v", err)
		}
		if on, err := f.svc.SharingEnabled(ctx); on || err != nil {
			t.Fatalf("sharing on by default: %v %v", on, err)
		}

		setSharing(t, f, true)
		token, link, err := f.svc.CreateShareLink(as(f.agent), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(token) != 43 || link.TicketID != a.ID || link.CreatedByID != f.agent.UserID || !link.Active() {
			t.Fatalf("token %q link %+v", token, link)
		}
		// The token is not stored, only its hash.
		var stored string
		if err := db.QueryRow(ctx, `SELECT token_hash FROM ticket_share_links WHERE id = ?`, link.ID).Scan(&stored); err != nil || stored == token || len(stored) != 64 {
			t.Fatalf("stored %q %v", stored, err)
		}
		v, err := f.svc.SharedView(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		text := sharedText(v)
		if v.ID != a.ID || v.Subject != a.Subject || len(v.Comments) != 2 ||
			!strings.Contains(text, "Alice Customer: Alice's public question") || !strings.Contains(text, "Andrzej Agent: Public answer from the agent") {
			t.Errorf("shared view %+v", v)
		}
		for _, secret := range []string{"internal note", "owes us", "@", "Bob"} {
			if strings.Contains(text, secret) {
				t.Errorf("the shared view shows %q: %s", secret, text)
			}
		}
		// A link to B shows B only.
		tokenB, _, err := f.svc.CreateShareLink(as(f.admin), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if vb, err := f.svc.SharedView(ctx, tokenB); err != nil || vb.ID != b.ID || strings.Contains(sharedText(vb), "Alice") {
			t.Errorf("view of B: %+v %v", vb, err)
		}
		// Forged, malformed and hostile tokens.
		forged := token[:42] + map[bool]string{true: "A", false: "B"}[token[42] != 'A']
		for _, bad := range []string{"", "x", forged, strings.Repeat("A", 43), token + "A", token[:42], "' OR 1=1 --" + strings.Repeat("a", 32), strings.ToUpper(token)} {
			if bad == token {
				continue
			}
			if _, err := f.svc.SharedView(ctx, bad); code(err) != desk.ENOTFOUND {
				t.Errorf("token %q: %v, want not found", bad, err)
			}
		}

		// Who may make links: not end-users (even the requester), not light
		// agents, not an agent who cannot see the ticket.
		light := roleAgent(t, f, "light@desk.test", "light")
		if _, _, err := f.svc.CreateShareLink(as(light), a.ID); code(err) != desk.EFORBIDDEN {
			t.Errorf("light agent: %v", err)
		}
		if _, _, err := f.svc.CreateShareLink(as(f.alice), a.ID); code(err) != desk.EFORBIDDEN {
			t.Errorf("requester: %v", err)
		}
		if _, _, err := f.svc.CreateShareLink(as(f.bob), a.ID); code(err) != desk.ENOTFOUND {
			t.Errorf("other customer: %v", err)
		}
		if _, err := f.svc.ShareLinks(as(f.alice), a.ID); code(err) != desk.EFORBIDDEN {
			t.Errorf("requester lists links: %v", err)
		}
		if err := f.svc.RevokeShareLink(as(light), a.ID, link.ID); code(err) != desk.EFORBIDDEN {
			t.Errorf("light agent revokes: %v", err)
		}
		grouped := roleAgent(t, f, "grouped@desk.test", `{"ticket_access":"groups","edit_ticket_properties":true}`)
		if _, _, err := f.svc.CreateShareLink(as(grouped), a.ID); code(err) != desk.ENOTFOUND {
			t.Errorf("agent who cannot see the ticket: %v", err)
		}
		if _, _, err := f.svc.CreateShareLink(as(f.agent), 999999); code(err) != desk.ENOTFOUND {
			t.Errorf("no such ticket: %v", err)
		}

		// A link of another ticket is not found through this one.
		if err := f.svc.RevokeShareLink(as(f.agent), b.ID, link.ID); code(err) != desk.ENOTFOUND {
			t.Errorf("revoke through another ticket: %v", err)
		}
		// Revoked: not found; listed as revoked.
		token2, _, err := f.svc.CreateShareLink(as(f.agent), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeShareLink(as(f.agent), a.ID, link.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeShareLink(as(f.agent), a.ID, link.ID); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		if _, err := f.svc.SharedView(ctx, token); code(err) != desk.ENOTFOUND {
			t.Errorf("revoked link: %v", err)
		}
		if _, err := f.svc.SharedView(ctx, token2); err != nil {
			t.Errorf("the other link stopped working: %v", err)
		}
		links, err := f.svc.ShareLinks(as(f.agent), a.ID)
		if err != nil || len(links) != 2 || links[0].ID == link.ID || !links[0].Active() || links[1].ID != link.ID || links[1].Active() {
			t.Fatalf("links %+v %v", links, err)
		}

		// The ticket's own history is untouched by links.
		after, err := f.svc.Get(as(f.agent), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		audits, _, err := f.svc.Audits(as(f.agent), a.ID, 0, 100)
		if err != nil || len(audits) != 3 {
			t.Errorf("ticket audits %d %v", len(audits), err)
		}
		if !after.UpdatedAt.Equal(v.UpdatedAt.Time) {
			t.Errorf("the link changed the ticket: %v → %v", v.UpdatedAt, after.UpdatedAt)
		}
		// The audit log has each creation and the one revocation.
		sys := desk.SystemContext(ctx)
		created, err := audit.List(sys, db, audit.Filter{Action: ticket.AuditShareLinkCreated})
		if err != nil || len(created) != 3 {
			t.Errorf("created entries %d %v", len(created), err)
		}
		revoked, err := audit.List(sys, db, audit.Filter{Action: ticket.AuditShareLinkRevoked})
		if err != nil || len(revoked) != 1 || revoked[0].TargetType != "ticket" || revoked[0].TargetID != a.ID || revoked[0].ActorID != f.agent.UserID {
			t.Errorf("revoked entries %+v %v", revoked, err)
		}

		// Sharing off again: every link is not found at once, none can be
		// made; on again, the unrevoked ones work again.
		setSharing(t, f, false)
		for _, tok := range []string{token2, tokenB} {
			if _, err := f.svc.SharedView(ctx, tok); code(err) != desk.ENOTFOUND {
				t.Errorf("sharing off: %v", err)
			}
		}
		if _, _, err := f.svc.CreateShareLink(as(f.agent), a.ID); code(err) != desk.EFORBIDDEN {
			t.Errorf("create after turning off: %v", err)
		}
		setSharing(t, f, true)
		if _, err := f.svc.SharedView(ctx, token2); err != nil {
			t.Errorf("sharing on again: %v", err)
		}
		// A deleted ticket's links are not found.
		if err := f.svc.Delete(as(f.admin), a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SharedView(ctx, token2); code(err) != desk.ENOTFOUND {
			t.Errorf("deleted ticket: %v", err)
		}
		// A permanent delete takes its links with it.
		if err := f.svc.Destroy(as(f.admin), a.ID); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM ticket_share_links WHERE ticket_id = ?`, a.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d links left after the permanent delete (%v)", n, err)
		}
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM ticket_share_links WHERE ticket_id = ?`, b.ID).Scan(&n); err != nil || n != 1 {
			t.Errorf("ticket B has %d links (%v)", n, err)
		}
	})
}

// TestShareLinksLimit: a ticket has at most MaxShareLinks working links.
func TestShareLinksLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := mustCreate(t, f, f.alice, ticket.Input{Subject: str("Many links"), Comment: &ticket.CommentInput{Body: "x"}})
		setSharing(t, f, true)
		var first *ticket.ShareLink
		for i := 0; i < ticket.MaxShareLinks; i++ {
			_, l, err := f.svc.CreateShareLink(as(f.agent), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = l
			}
		}
		if _, _, err := f.svc.CreateShareLink(as(f.agent), a.ID); code(err) != desk.EINVALID {
			t.Fatalf("link over the limit: %v", err)
		}
		if err := f.svc.RevokeShareLink(as(f.agent), a.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.CreateShareLink(as(f.agent), a.ID); err != nil {
			t.Fatalf("after a revoke: %v", err)
		}
	})
}
