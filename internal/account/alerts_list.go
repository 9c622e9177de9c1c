package account

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// AlertKinds are the reasons an alert can have, the values of
// AlertFilter.Kind.
var AlertKinds = []string{ReasonNewDevice, ReasonNewNetwork, ReasonFailures, ReasonConcurrent}

// AlertFilter selects alerts for ListAlerts and CountAlerts; zero fields
// match everything.
type AlertFilter struct {
	UserID int64
	// Kind is one of AlertKinds: alerts raised (at least) for that reason.
	Kind string
	// Since and Until bound created_at (inclusive); zero is open.
	Since, Until time.Time
	// After continues a cursor page after this alert id (newest first).
	After int64
	// Offset skips alerts (offset pages); Limit is 1 to MaxAlertsListed
	// (0: 100).
	Offset, Limit int
}

// validate reports filter values no alert could match as a 422.
func (f AlertFilter) validate() error {
	var v desk.Validation
	if f.UserID < 0 {
		v.Add("user_id", "must be a user id")
	}
	if f.Kind != "" && !isAlertKind(f.Kind) {
		v.Add("kind", "must be one of "+strings.Join(AlertKinds, ", "))
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		v.Add("created_at", "the end of the range is before its start")
	}
	if f.Offset < 0 || f.After < 0 || f.Limit < 0 {
		v.Add("page", "must not be negative")
	}
	return v.Err()
}

func isAlertKind(k string) bool {
	for _, x := range AlertKinds {
		if x == k {
			return true
		}
	}
	return false
}

func (f AlertFilter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(c string, a any) { conds = append(conds, c); args = append(args, a) }
	if f.UserID != 0 {
		add(`a.user_id = ?`, f.UserID)
	}
	if f.Kind != "" {
		// reasons is a comma-separated list of known kinds (validated, so
		// no LIKE wildcard comes from the caller).
		add(`(',' || a.reasons || ',') LIKE ?`, "%,"+f.Kind+",%")
	}
	if !f.Since.IsZero() {
		add(`a.created_at >= ?`, f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		add(`a.created_at <= ?`, f.Until.UnixMicro())
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

const alertColumns = `a.id, a.user_id, COALESCE(u.name, ''), COALESCE(u.email, ''), a.reasons, a.ip, a.network, a.user_agent, a.created_at, a.disowned_at`

func scanAlert(sc interface{ Scan(...any) error }) (Alert, error) {
	var a Alert
	var reasons string
	var created, disowned int64
	if err := sc.Scan(&a.ID, &a.UserID, &a.UserName, &a.UserEmail, &reasons, &a.IP, &a.Network, &a.UserAgent, &created, &disowned); err != nil {
		return a, err
	}
	a.Reasons = strings.Split(reasons, ",")
	a.CreatedAt, a.DisownedAt = fromMicros(created), fromMicros(disowned)
	return a, nil
}

// ListAlerts returns one page of alerts matching f, newest first, and
// whether more follow. It needs staff holding manage_security (or the
// system).
func (s *Service) ListAlerts(ctx context.Context, f AlertFilter) ([]Alert, bool, error) {
	if err := requireSecurity(ctx); err != nil {
		return nil, false, err
	}
	if err := f.validate(); err != nil {
		return nil, false, err
	}
	where, args := f.where()
	if f.After != 0 {
		if where == "" {
			where = " WHERE a.id < ?"
		} else {
			where += " AND a.id < ?"
		}
		args = append(args, f.After)
	}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	limit = min(limit, MaxAlertsListed)
	rows, err := s.DB.Query(ctx, `SELECT `+alertColumns+` FROM security_alerts a LEFT JOIN users u ON u.id = a.user_id`+where+
		` ORDER BY a.id DESC LIMIT ? OFFSET ?`, append(args, limit+1, f.Offset)...)
	if err != nil {
		return nil, false, wrapErr("alerts", err)
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, false, wrapErr("alerts", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, false, wrapErr("alerts", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// CountAlerts counts the alerts matching f (its paging fields aside).
func (s *Service) CountAlerts(ctx context.Context, f AlertFilter) (int, error) {
	if err := requireSecurity(ctx); err != nil {
		return 0, err
	}
	if err := f.validate(); err != nil {
		return 0, err
	}
	where, args := f.where()
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM security_alerts a`+where, args...).Scan(&n); err != nil {
		return 0, wrapErr("alerts", err)
	}
	return n, nil
}

// Alert returns one alert (404 when there is none). It needs staff holding
// manage_security (or the system).
func (s *Service) Alert(ctx context.Context, id int64) (Alert, error) {
	if err := requireSecurity(ctx); err != nil {
		return Alert{}, err
	}
	a, err := scanAlert(s.DB.QueryRow(ctx, `SELECT `+alertColumns+` FROM security_alerts a LEFT JOIN users u ON u.id = a.user_id WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Alert{}, desk.NotFound()
	}
	if err != nil {
		return Alert{}, wrapErr("alert", err)
	}
	return a, nil
}
