package ticket

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Shareable ticket links (issue P9). Public ticket viewing is off by
// default: while the setting tickets.shareable_links is off, no link can be
// made and every link made earlier answers "not found". An admin turns it
// on (an audited settings change); then staff who may see and edit a
// ticket can make a link, a random 256-bit token shown once, whose page
// shows the ticket's subject, status, dates and public comments (author
// names, no emails, no internal notes, no attachments) to anyone holding
// it. Links are revoked one by one; making and revoking one is recorded in
// the audit log, not in the ticket's own history (a link changes nothing
// in the ticket).

// Audit-log actions of share links (target: the ticket).
const (
	AuditShareLinkCreated = "ticket.share_link_created"
	AuditShareLinkRevoked = "ticket.share_link_revoked"
)

// MaxShareLinks is how many working links one ticket may have at a time.
const MaxShareLinks = 20

// shareTokenBytes is the token's randomness (256 bits); its text form is
// unpadded base64url.
const shareTokenBytes = 32

var shareTokenLen = base64.RawURLEncoding.EncodedLen(shareTokenBytes)

// ShareLink is one shareable link of a ticket. The token itself is never
// stored: only its SHA-256.
type ShareLink struct {
	ID          int64      `json:"id"`
	TicketID    int64      `json:"ticket_id"`
	CreatedByID int64      `json:"created_by_id"`
	CreatedAt   desk.Time  `json:"created_at"`
	RevokedAt   *desk.Time `json:"revoked_at"`
}

// Active reports whether the link still works (not revoked; the setting
// is checked separately).
func (l *ShareLink) Active() bool { return l.RevokedAt == nil }

// SharedComment is a public comment as a share link shows it.
type SharedComment struct {
	Author    string    // the author's display name ("" when unknown or an email address)
	Body      string    // plain text
	CreatedAt desk.Time // when it was written
}

// SharedTicket is what a share link shows: nothing else of the ticket.
type SharedTicket struct {
	ID        int64
	Subject   string
	Status    desk.Status
	CreatedAt desk.Time
	UpdatedAt desk.Time
	Comments  []SharedComment
}

// errSharingOff is the answer to making a link while sharing is off.
func errSharingOff() error {
	return desk.Forbidden("Shareable ticket links are turned off; an admin can turn them on in Admin → Settings")
}

func hashShareToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormedShareToken reports whether token could be one this package
// made (43 characters of base64url), so anything else is refused unread.
func wellFormedShareToken(token string) bool {
	if len(token) != shareTokenLen {
		return false
	}
	for _, c := range []byte(token) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// sharingOn reads the setting past any cache, so turning it off stops
// every link at once.
func (s *Service) sharingOn(ctx context.Context, q store.Querier) (bool, error) {
	on, err := settings.ShareableLinks.Read(ctx, q)
	if err != nil {
		return false, err
	}
	return on, nil
}

// mayShareTx checks that p may manage the links of ticket id: staff who see
// the (live) ticket and may edit it. A ticket p may not see is "not found".
func mayShareTx(ctx context.Context, q store.Querier, p *desk.Principal, id int64) error {
	ok, err := canSeeTx(ctx, q, p, id)
	if err != nil {
		return err
	}
	if !ok {
		return desk.NotFound()
	}
	if !p.IsStaff() || !p.Can().EditTicketProperties {
		return desk.Forbidden("only agents who can edit this ticket manage its shareable links")
	}
	return nil
}

// CreateShareLink makes a new shareable link to the ticket and returns its
// token (shown once: only its hash is stored) and the link. Staff who may
// see and edit the ticket only, and only while tickets.shareable_links is
// on (otherwise 403 with a message saying so).
func (s *Service) CreateShareLink(ctx context.Context, ticketID int64) (token string, link *ShareLink, err error) {
	defer func() { err = wrapf(err, "ticket: share link of %d", ticketID) }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return "", nil, err
	}
	raw := make([]byte, shareTokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	token = base64.RawURLEncoding.EncodeToString(raw)
	now := store.Now()
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := mayShareTx(ctx, tx, p, ticketID); err != nil {
			return err
		}
		on, err := s.sharingOn(ctx, tx)
		if err != nil {
			return err
		}
		if !on {
			return errSharingOff()
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM ticket_share_links WHERE ticket_id = ? AND revoked_at = 0`, ticketID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxShareLinks {
			return desk.Invalid("share_links", "at most 20 working links per ticket; revoke one first")
		}
		id, err := tx.InsertID(ctx, `INSERT INTO ticket_share_links (ticket_id, token_hash, created_by, created_at) VALUES (?, ?, ?, ?)`,
			ticketID, hashShareToken(token), p.UserID, now)
		if err != nil {
			return err
		}
		link = &ShareLink{ID: id, TicketID: ticketID, CreatedByID: p.UserID, CreatedAt: desk.TimeFromMicros(now)}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditShareLinkCreated, TargetType: "ticket", TargetID: ticketID,
			Data: map[string]any{"share_link_id": id}})
	})
	if err != nil {
		return "", nil, err
	}
	return token, link, nil
}

// RevokeShareLink ends a link for good (revoking needs no setting: it only
// ever takes access away). Revoking a revoked link changes nothing and
// records nothing; a link of another ticket is "not found".
func (s *Service) RevokeShareLink(ctx context.Context, ticketID, linkID int64) (err error) {
	defer func() { err = wrapf(err, "ticket: revoke share link %d of %d", linkID, ticketID) }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := mayShareTx(ctx, tx, p, ticketID); err != nil {
			return err
		}
		var revoked int64
		err := tx.QueryRow(ctx, `SELECT revoked_at FROM ticket_share_links WHERE id = ? AND ticket_id = ?`, linkID, ticketID).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return desk.NotFound()
		}
		if err != nil || revoked != 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE ticket_share_links SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, store.Now(), linkID); err != nil {
			return err
		}
		return audit.RecordTx(ctx, tx, audit.Entry{Action: AuditShareLinkRevoked, TargetType: "ticket", TargetID: ticketID,
			Data: map[string]any{"share_link_id": linkID}})
	})
}

// ShareLinks lists the ticket's links, newest first, revoked ones too (for
// the same staff who may make them; listing works with sharing off, so
// links can be reviewed and revoked).
func (s *Service) ShareLinks(ctx context.Context, ticketID int64) (_ []*ShareLink, err error) {
	defer func() { err = wrapf(err, "ticket: share links of %d", ticketID) }()
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if err := mayShareTx(ctx, s.DB, p, ticketID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, created_by, created_at, revoked_at FROM ticket_share_links
		WHERE ticket_id = ? ORDER BY id DESC`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*ShareLink{}
	for rows.Next() {
		l := &ShareLink{TicketID: ticketID}
		var created, revoked int64
		if err := rows.Scan(&l.ID, &l.CreatedByID, &created, &revoked); err != nil {
			return nil, err
		}
		l.CreatedAt = desk.TimeFromMicros(created)
		if revoked != 0 {
			r := desk.TimeFromMicros(revoked)
			l.RevokedAt = &r
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// SharingEnabled reports whether shareable links are on (read past the
// cache), for pages that offer the link box.
func (s *Service) SharingEnabled(ctx context.Context) (bool, error) {
	on, err := s.sharingOn(ctx, s.DB)
	return on, wrapf(err, "ticket: reading %s", settings.KeyShareableLinks)
}

// SharedView is what the holder of a share link sees, with no principal
// needed: the ticket's subject, status, dates and public comments (author
// display names only). An unknown, malformed or revoked token, a deleted
// ticket, or sharing turned off all get the same "not found".
func (s *Service) SharedView(ctx context.Context, token string) (_ *SharedTicket, err error) {
	defer func() { err = wrapf(err, "ticket: shared view") }()
	if !wellFormedShareToken(token) {
		return nil, desk.NotFound()
	}
	on, err := s.sharingOn(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	if !on {
		return nil, desk.NotFound()
	}
	v := &SharedTicket{}
	var status string
	var created, updated int64
	err = s.DB.QueryRow(ctx, `SELECT t.id, t.subject, t.status, t.created_at, t.updated_at
		FROM ticket_share_links l JOIN tickets t ON t.id = l.ticket_id
		WHERE l.token_hash = ? AND l.revoked_at = 0 AND t.deleted_at = 0`, hashShareToken(token)).
		Scan(&v.ID, &v.Subject, &status, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, err
	}
	v.Status, v.CreatedAt, v.UpdatedAt = desk.Status(status), desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	rows, err := s.DB.Query(ctx, `SELECT COALESCE(u.name, ''), c.body, c.created_at
		FROM ticket_comments c LEFT JOIN users u ON u.id = c.author_id
		WHERE c.ticket_id = ? AND c.public = ? ORDER BY c.id`, v.ID, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c SharedComment
		var at int64
		if err := rows.Scan(&c.Author, &c.Body, &at); err != nil {
			return nil, err
		}
		if strings.Contains(c.Author, "@") {
			c.Author = "" // a name that is an email address is not shown
		}
		c.CreatedAt = desk.TimeFromMicros(at)
		v.Comments = append(v.Comments, c)
	}
	return v, rows.Err()
}
