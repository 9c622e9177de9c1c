package people

import (
	"context"
	"errors"
	"fmt"
	"github.com/frontdesk/frontdesk/internal/audit"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/password"
	"github.com/frontdesk/frontdesk/internal/store"
)

// JobScrubStore runs store.DB.Scrub after a permanent deletion commits, so
// the erased text leaves the database files too (the server wiring handles
// it).
const JobScrubStore = "store.scrub"

// PurgedUserName is the name a permanently deleted user keeps, as in
// Zendesk.
const PurgedUserName = "Permanently Deleted User"

// GetDeletedUser returns a deleted user that is not permanently deleted
// yet (Zendesk's GET /deleted_users/{id}), for staff who may see them.
func (s *Service) GetDeletedUser(ctx context.Context, id int64) (*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		return nil, desk.Forbidden("You are not allowed to see deleted users")
	}
	u, err := visibleUser(ctx, s.DB, p, id)
	if err != nil {
		return nil, err
	}
	if u.Active || u.Purged {
		return nil, desk.NotFound()
	}
	return u, nil
}

// PurgeUser permanently deletes a deleted user (admins only; Zendesk's
// DELETE /deleted_users/{id}): the name becomes PurgedUserName and every
// personal field (email, phone, notes, details, tags, external id,
// organization, password) and every identity is erased, as Zendesk does.
// The row stays: tickets, comments and audits keep naming the user id, so
// the ticket history and its audit trail stay whole. An active user must
// be deleted first (422); a purged one is gone (404).
func (s *Service) PurgeUser(ctx context.Context, id int64) (*desk.User, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	var u *desk.User
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := visibleUser(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !p.IsAdmin() {
			return desk.Forbidden("You are not allowed to permanently delete users")
		}
		if cur.Purged {
			return desk.NotFound()
		}
		if cur.Active {
			return desk.Invalid("user", "must be deleted before it can be permanently deleted")
		}
		if cur.IsOwner {
			return errOwnerProtected()
		}
		if s.EraseTicketsTx == nil {
			return errors.New("people: no ticket eraser wired (EraseTicketsTx); refusing a permanent deletion that would leave their text in tickets")
		}
		// What names them, read before it is erased, to redact it from tickets.
		terms, err := eraseTerms(ctx, tx, cur)
		if err != nil {
			return err
		}
		now := store.Now()
		if _, err := tx.Exec(ctx, `UPDATE users SET name = ?, name_fold = ?, email = NULL, phone = '', tags = '', notes = '', details = '',
			user_fields = '{}', external_id = NULL, organization_id = NULL, default_group_id = NULL, custom_role_id = NULL, password_hash = NULL,
			verified = ?, suspended = ?, purged_at = ?, updated_at = ? WHERE id = ?`,
			PurgedUserName, nameFold(PurgedUserName), false, false, now, now, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM user_identities WHERE user_id = ?`, id); err != nil {
			return err
		}
		if err := tx.DeleteSearchDoc(ctx, "user_search", id); err != nil {
			return err
		}
		if err := tx.CompactSearch(ctx, "user_search"); err != nil {
			return err
		}
		if err := s.endSessions(ctx, tx, id); err != nil {
			return err
		}
		if err := s.eraseOwnedRows(ctx, tx, id); err != nil {
			return err
		}
		if err := s.EraseTicketsTx(ctx, tx, id, terms); err != nil {
			return fmt.Errorf("people: erasing user %d from tickets: %w", id, err)
		}
		if err := s.eraseText(ctx, tx, id, terms); err != nil {
			return err
		}
		if err := jobs.Enqueue(ctx, tx, JobScrubStore, nil); err != nil {
			return err
		}
		// Their personal data in the audit log (the chain stays whole).
		erased, err := audit.EraseSubjectTx(ctx, tx, id)
		if err != nil {
			return err
		}
		// The entry names the user by id only: their name is what was erased.
		if err := audit.RecordTx(ctx, tx, audit.Entry{Action: AuditUserPurged, TargetType: "user", TargetID: id,
			Data: map[string]any{"audit_entries_erased": erased}}); err != nil {
			return err
		}
		if u, err = loadUser(ctx, tx, id); err != nil {
			return err
		}
		return s.changedTx(ctx, tx, events.Event{Type: events.UserDeleted, UserID: id})
	})
	if err != nil {
		if _, ok := err.(*desk.Error); ok {
			return nil, err
		}
		return nil, fmt.Errorf("people: purge user %d: %w", id, err)
	}
	return u, nil
}

// eraseOwnedRows deletes, inside tx, the rows other packages keep about a
// user being permanently deleted, through each owner's erase function (one
// package writes each table): password history, two-factor secrets and
// recovery codes, pending reset and verification records.
func (s *Service) eraseOwnedRows(ctx context.Context, tx *store.Tx, userID int64) error {
	erasers := []struct {
		what  string
		erase func(context.Context, *store.Tx, int64) error
	}{
		{"password history", password.EraseHistoryTx},
		{"account records (EraseAccountTx)", s.EraseAccountTx},
		{"two-factor records (EraseTwoFactorTx)", s.EraseTwoFactorTx},
	}
	if s.EraseCommunityTx != nil {
		erasers = append(erasers, struct {
			what  string
			erase func(context.Context, *store.Tx, int64) error
		}{"community posts and comments", s.EraseCommunityTx})
	}
	if s.EraseChatTx != nil {
		erasers = append(erasers, struct {
			what  string
			erase func(context.Context, *store.Tx, int64) error
		}{"live chats", s.EraseChatTx})
	}
	for _, e := range erasers {
		if e.erase == nil {
			return fmt.Errorf("people: no eraser wired for %s; refusing a permanent deletion that would leave them", e.what)
		}
		if err := e.erase(ctx, tx, userID); err != nil {
			return fmt.Errorf("people: erasing the %s of user %d: %w", e.what, userID, err)
		}
	}
	return nil
}

// eraseText runs, inside tx, the erasers of the free text other packages
// keep (the mail queue, the webhook delivery log, satisfaction ratings).
func (s *Service) eraseText(ctx context.Context, tx *store.Tx, userID int64, terms []string) error {
	erasers := []struct {
		what  string
		erase func(context.Context, *store.Tx, int64, []string) error
	}{
		{"mail (EraseOutboxTx)", s.EraseOutboxTx},
		{"webhook deliveries (EraseWebhooksTx)", s.EraseWebhooksTx},
		{"satisfaction ratings (EraseRatingsTx)", s.EraseRatingsTx},
	}
	for _, e := range erasers {
		if e.erase == nil {
			return fmt.Errorf("people: no eraser wired for %s; refusing a permanent deletion that would leave them", e.what)
		}
		if err := e.erase(ctx, tx, userID, terms); err != nil {
			return fmt.Errorf("people: erasing user %d from the %s: %w", userID, e.what, err)
		}
	}
	return nil
}

// eraseTerms are the strings that name u: name and each word of it (a
// first name alone names them in the tickets they were part of), email,
// phone and every identity's value (addresses, phone numbers, social
// handles). Words shorter than erase.MinTerm are left out by the matcher.
func eraseTerms(ctx context.Context, tx *store.Tx, u *desk.User) ([]string, error) {
	terms := []string{u.Name, u.Phone, u.Email}
	if words := strings.Fields(u.Name); len(words) > 1 {
		terms = append(terms, words...)
	}
	rows, err := tx.Query(ctx, `SELECT value FROM user_identities WHERE user_id = ?`, u.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		terms = append(terms, v)
	}
	return terms, rows.Err()
}
