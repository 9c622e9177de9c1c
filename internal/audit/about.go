package audit

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// TargetUser is the target type of entries about a user account.
const TargetUser = "user"

// AboutUser returns one page (oldest first, after entry id after, at most
// limit, 1…1000) of the entries about user userID: those the user acted in
// and those whose target is the user's account, and whether more follow.
// It is what a data-subject export reads, so it needs staff holding
// export_data (or the system) rather than manage_security: the caller
// (package privacy) decides whom it exports, and what of each entry it
// shows.
func AboutUser(ctx context.Context, q store.Querier, userID, after int64, limit int) ([]Entry, bool, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, false, err
	}
	if !p.IsStaff() || !p.Can().ExportData {
		return nil, false, desk.Forbidden("Reading a person's audit entries needs the export_data permission")
	}
	if limit <= 0 || limit > maxLimit {
		limit = maxLimit
	}
	rows, err := q.Query(ctx, `SELECT `+entryColumns+entryTables+`
		WHERE (actor_id = ? OR (target_type = ? AND target_id = ?)) AND id > ? ORDER BY id LIMIT ?`,
		userID, TargetUser, userID, after, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("audit: entries about user %d: %w", userID, err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("audit: entries about user %d: %w", userID, err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}
