package outbox

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Limits on threading headers.
const (
	maxMessageID  = 512
	maxReferences = 20
)

// headerFields is the sealed threading part of m, checked, plus its
// Message-ID (kept in clear: it is no secret, and lookups need it).
type headerFields struct {
	sealed
	messageID string
}

// threadHeaders checks the threading fields of m: Message-IDs without
// brackets, white space or controls; Reply-To a bare address; at most
// maxReferences references (the newest are kept).
func threadHeaders(m Message) (headerFields, error) {
	var h headerFields
	for _, f := range []struct {
		field string
		in    string
		out   *string
	}{{"message_id", m.MessageID, &h.messageID}, {"in_reply_to", m.InReplyTo, &h.InReplyTo}} {
		v := strings.Trim(strings.TrimSpace(f.in), "<>")
		if v != "" && !validMessageID(v) {
			return h, desk.Invalid(f.field, "is not a valid Message-ID")
		}
		*f.out = v
	}
	refs := m.References
	if len(refs) > maxReferences {
		refs = refs[len(refs)-maxReferences:]
	}
	for _, r := range refs {
		r = strings.Trim(strings.TrimSpace(r), "<>")
		if !validMessageID(r) {
			return h, desk.Invalid("references", "holds an invalid Message-ID")
		}
		h.References = append(h.References, r)
	}
	if rt := strings.ToLower(strings.TrimSpace(m.ReplyTo)); rt != "" {
		if !validAddr(rt) {
			return h, desk.Invalid("reply_to", "is not a valid email address")
		}
		h.ReplyTo = rt
	}
	switch m.AutoSubmitted {
	case "", "auto-replied", "auto-generated", "auto-notified":
		h.AutoSubmitted = m.AutoSubmitted
	default:
		return h, desk.Invalid("auto_submitted", "must be auto-replied, auto-generated or auto-notified")
	}
	return h, nil
}

func validMessageID(id string) bool {
	return id != "" && len(id) <= maxMessageID && utf8.ValidString(id) && strings.Count(id, "@") == 1 &&
		!strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == '<' || r == '>' || r == 0x7f || r > 0x7e })
}

// Due claims up to limit messages whose next delivery attempt is due at
// now, oldest first, for lease (system principal only): until the lease
// runs out no other Due call returns them, so two delivery workers never
// send the same message. Messages that were sent or given up on are never
// due.
func (o *Outbox) Due(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Message, error) {
	if err := requireSystem(ctx); err != nil {
		return nil, err
	}
	var out []Message
	err := o.DB.InTx(ctx, func(tx *store.Tx) error {
		out = out[:0]
		q := `SELECT ` + messageCols + `, next_attempt_at FROM outbox
			WHERE sent_at = ? AND failed_at = ? AND sealed <> ? AND next_attempt_at <= ? ORDER BY id LIMIT ?`
		if tx.Dialect() == store.Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := tx.Query(ctx, q, 0, 0, "", now.UnixMicro(), clampLimit(limit))
		if err != nil {
			return fmt.Errorf("outbox: due: %w", err)
		}
		type claim struct {
			m    Message
			box  string
			next int64
		}
		var claims []claim
		for rows.Next() {
			var c claim
			var err error
			if c.m, c.box, err = scanSealed(rows, &c.next); err != nil {
				rows.Close()
				return fmt.Errorf("outbox: due: %w", err)
			}
			claims = append(claims, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		until := now.Add(lease).UnixMicro()
		for _, c := range claims {
			res, err := tx.Exec(ctx, `UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND next_attempt_at = ? AND sent_at = ?`, until, c.m.ID, c.next, 0)
			if err != nil {
				return fmt.Errorf("outbox: claim %d: %w", c.m.ID, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue // another worker claimed it first
			}
			if err := o.open(&c.m, c.box); err != nil {
				// It can never be delivered (sealed with another key,
				// tampered with): give up on it rather than block the queue.
				if _, ferr := tx.Exec(ctx, `UPDATE outbox SET failed_at = ?, last_error = ? WHERE id = ?`, now.UnixMicro(), errorText(err.Error()), c.m.ID); ferr != nil {
					return ferr
				}
				continue
			}
			out = append(out, c.m)
		}
		return nil
	})
	return out, err
}

// MarkDelivered records that message id was delivered at at with
// messageID (system principal only); the first delivery time is kept.
func (o *Outbox) MarkDelivered(ctx context.Context, id int64, at time.Time, messageID string) error {
	if err := requireSystem(ctx); err != nil {
		return err
	}
	if !validMessageID(messageID) {
		return desk.Invalid("message_id", "is not a valid Message-ID")
	}
	_, err := o.DB.Exec(ctx, `UPDATE outbox SET sent_at = ?, message_id = ?, last_error = ? WHERE id = ? AND sent_at = ?`,
		at.UnixMicro(), messageID, "", id, 0)
	if err != nil {
		return fmt.Errorf("outbox: mark %d delivered: %w", id, err)
	}
	return nil
}

// RetryAt records a failed attempt at message id (system principal only):
// reason (redacted like previews) becomes its last error and it is due
// again at next. countAttempt is false when nothing was tried (no relay
// configured yet).
func (o *Outbox) RetryAt(ctx context.Context, id int64, next time.Time, reason string, countAttempt bool) error {
	if err := requireSystem(ctx); err != nil {
		return err
	}
	add := 0
	if countAttempt {
		add = 1
	}
	_, err := o.DB.Exec(ctx, `UPDATE outbox SET attempts = attempts + ?, next_attempt_at = ?, last_error = ? WHERE id = ? AND sent_at = ?`,
		add, next.UnixMicro(), errorText(reason), id, 0)
	if err != nil {
		return fmt.Errorf("outbox: reschedule %d: %w", id, err)
	}
	return nil
}

// Fail gives up on message id for good (system principal only): a
// permanent answer from the relay, or too many attempts.
func (o *Outbox) Fail(ctx context.Context, id int64, at time.Time, reason string) error {
	if err := requireSystem(ctx); err != nil {
		return err
	}
	_, err := o.DB.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, failed_at = ?, last_error = ? WHERE id = ? AND sent_at = ?`,
		at.UnixMicro(), errorText(reason), id, 0)
	if err != nil {
		return fmt.Errorf("outbox: fail %d: %w", id, err)
	}
	return nil
}

// errorText makes a delivery error fit for admins: one line, redacted,
// bounded.
func errorText(s string) string {
	s = Redact(oneLine(s))
	if r := []rune(s); len(r) > 500 {
		s = string(r[:500])
	}
	return s
}
