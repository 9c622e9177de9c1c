// Package csat owns customer satisfaction ratings (Zendesk's
// satisfaction_rating): one rating per solve of a ticket, offered by a
// survey email, then good or bad with an optional comment from the
// requester, changeable until the ticket closes. It writes
// satisfaction_ratings; every rating (and offer) is also recorded on the
// ticket as a SatisfactionRating audit event through the ticket service's
// commit path (ticket.Edit.RecordSatisfaction), so it is in the ticket's
// history and seen by triggers.
//
// The rating lives in its own table, joined to tickets by (ticket_id,
// solved_at), rather than in a ticket column: a ticket has one rating per
// solve with its own id, comment and times (the shape of
// /api/v2/satisfaction_ratings), the hot tickets row stays narrow, and the
// views' SQL reads the score with an EXISTS over the ratings of the
// ticket's current solve (ScoreSQL).
package csat

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Score is a rating's score, as Zendesk spells it.
type Score string

// The scores: unoffered (no survey yet), offered (survey sent, no answer),
// good, bad.
const (
	Unoffered Score = "unoffered"
	Offered   Score = "offered"
	Good      Score = "good"
	Bad       Score = "bad"
)

// Valid reports whether s is a score.
func (s Score) Valid() bool { return s == Unoffered || s == Offered || s == Good || s == Bad }

// MaxComment bounds a rating's comment (runes).
const MaxComment = 2000

// JobSurveys is the job kind that sends due surveys (SurveyInterval).
const JobSurveys = "csat.surveys"

// SurveyInterval is how often due surveys are looked for.
const SurveyInterval = 5 * time.Minute

// surveyWindow is how far back past the delay a solve still gets a survey
// (so turning CSAT on does not survey years of old tickets).
const surveyWindow = 7 * 24 * time.Hour

// surveyBatch bounds the surveys one pass sends.
const surveyBatch = 200

// Rating is a satisfaction rating in Zendesk's shape.
type Rating struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url,omitempty"`
	AssigneeID  *int64    `json:"assignee_id"`
	GroupID     *int64    `json:"group_id"`
	RequesterID int64     `json:"requester_id"`
	TicketID    int64     `json:"ticket_id"`
	Score       Score     `json:"score"`
	Comment     string    `json:"comment"`
	CreatedAt   desk.Time `json:"created_at"`
	UpdatedAt   desk.Time `json:"updated_at"`
	// solvedAt binds the rating to its solve.
	solvedAt int64
}

// Service is the CSAT service.
type Service struct {
	DB       *store.DB
	Tickets  *ticket.Service
	Settings *settings.Service
	Outbox   *outbox.Outbox
	// PublicURL is the site's public address (links in the survey);
	// without one no survey is sent.
	PublicURL string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) settingsSvc() *settings.Service {
	if s.Settings == nil {
		s.Settings = settings.New(s.DB, nil)
	}
	return s.Settings
}

// Enabled reports whether CSAT is on.
func (s *Service) Enabled(ctx context.Context) (bool, error) {
	return settings.CSATEnabled.Get(ctx, s.settingsSvc())
}

const ratingCols = `r.id, r.assignee_id, r.group_id, r.requester_id, r.ticket_id, r.score, r.comment, r.created_at, r.updated_at, r.solved_at`

func scanRating(sc interface{ Scan(...any) error }) (*Rating, error) {
	var r Rating
	var created, updated int64
	var score string
	if err := sc.Scan(&r.ID, &r.AssigneeID, &r.GroupID, &r.RequesterID, &r.TicketID, &score, &r.Comment, &created, &updated, &r.solvedAt); err != nil {
		return nil, err
	}
	r.Score, r.CreatedAt, r.UpdatedAt = Score(score), desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &r, nil
}

// mayRead allows admins and staff who view reports to read every rating.
func mayRead(p *desk.Principal) bool { return p.IsAdmin() || (p.IsStaff() && p.Can().ViewReports) }

// Get returns rating id (admins and staff who view reports).
func (s *Service) Get(ctx context.Context, id int64) (*Rating, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !mayRead(p) {
		return nil, desk.Forbidden("You cannot read satisfaction ratings")
	}
	r, err := scanRating(s.DB.QueryRow(ctx, `SELECT `+ratingCols+` FROM satisfaction_ratings r WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("csat: rating %d: %w", id, err)
	}
	return r, nil
}

// ListQuery filters List: Score ("" any; "received" good or bad, as
// Zendesk's filter), StartTime/EndTime (updated at, inclusive, zero: open),
// AfterID (cursor: ratings with a smaller id come next), Limit.
type ListQuery struct {
	Score     string
	StartTime time.Time
	EndTime   time.Time
	BeforeID  int64
	Limit     int
}

// List returns ratings, newest first, and whether there are more.
func (s *Service) List(ctx context.Context, q ListQuery) ([]Rating, bool, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, false, err
	}
	if !mayRead(p) {
		return nil, false, desk.Forbidden("You cannot read satisfaction ratings")
	}
	where, args := []string{"1 = 1"}, []any{}
	switch q.Score {
	case "":
	case "received":
		where = append(where, "r.score IN ('good', 'bad')")
	case string(Offered), string(Good), string(Bad):
		where = append(where, "r.score = ?")
		args = append(args, q.Score)
	default:
		return nil, false, desk.Invalid("score", "must be offered, good, bad or received")
	}
	if !q.StartTime.IsZero() {
		where = append(where, "r.updated_at >= ?")
		args = append(args, q.StartTime.UnixMicro())
	}
	if !q.EndTime.IsZero() {
		where = append(where, "r.updated_at <= ?")
		args = append(args, q.EndTime.UnixMicro())
	}
	if q.BeforeID > 0 {
		where = append(where, "r.id < ?")
		args = append(args, q.BeforeID)
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 100
	}
	args = append(args, q.Limit+1)
	rows, err := s.DB.Query(ctx, `SELECT `+ratingCols+` FROM satisfaction_ratings r WHERE `+strings.Join(where, " AND ")+` ORDER BY r.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, false, fmt.Errorf("csat: list: %w", err)
	}
	defer rows.Close()
	out := []Rating{}
	for rows.Next() {
		r, err := scanRating(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, *r)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}

// ForTickets returns the satisfaction_rating of each ticket for the
// ticket JSON: the rating of its current solve ({id, score, comment}), or
// {score: unoffered} when there is none; nil for every ticket when CSAT is
// off and the ticket was never rated. The caller has already checked that
// the reader sees the tickets (nil entries are skipped). A rating belongs
// to a solve, so only tickets solved at some time (SolvedAt) are looked
// up: a page of tickets never solved, an agent's usual view, costs no
// statement.
func (s *Service) ForTickets(ctx context.Context, ts []*desk.Ticket) (map[int64]map[string]any, error) {
	out := map[int64]map[string]any{}
	if len(ts) == 0 {
		return out, nil
	}
	on, err := s.Enabled(ctx)
	if err != nil {
		return nil, err
	}
	var args []any
	for _, t := range ts {
		if t != nil && !t.SolvedAt.IsZero() {
			args = append(args, t.ID)
		}
	}
	if len(args) > 0 {
		if err := s.ratingsOf(ctx, args, out); err != nil {
			return nil, err
		}
	}
	if on {
		for _, t := range ts {
			if t != nil && out[t.ID] == nil {
				out[t.ID] = map[string]any{"score": string(Unoffered)}
			}
		}
	}
	return out, nil
}

// ratingsOf adds to out the rating of the current solve of each ticket of
// ids.
func (s *Service) ratingsOf(ctx context.Context, ids []any, out map[int64]map[string]any) error {
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	rows, err := s.DB.Query(ctx, `SELECT `+ratingCols+` FROM satisfaction_ratings r JOIN tickets t ON t.id = r.ticket_id AND t.solved_at = r.solved_at
		WHERE r.ticket_id IN (`+ph+`)`, ids...)
	if err != nil {
		return fmt.Errorf("csat: ratings of tickets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRating(rows)
		if err != nil {
			return err
		}
		out[r.TicketID] = map[string]any{"id": r.ID, "score": string(r.Score), "comment": r.Comment}
	}
	return rows.Err()
}

// ForNewTicket is ForTickets for a ticket the caller has just created: a
// rating is only ever recorded for a solve of an existing ticket (Rate,
// the survey offer), so at its creation a ticket has none, and only the
// setting decides ({score: unoffered} when CSAT is on, else nil). It reads
// no rows: the create path (the API's hottest) skips a read transaction.
func (s *Service) ForNewTicket(ctx context.Context) (map[string]any, error) {
	on, err := s.Enabled(ctx)
	if err != nil || !on {
		return nil, err
	}
	return map[string]any{"score": string(Unoffered)}, nil
}

// ScoreSQL is a condition over the tickets table aliased t: the score of
// the ticket's current solve is one of scores ("unoffered" when there is
// no rating). It is what a view's "satisfaction_score" condition compiles
// to; its arguments follow the placeholders in order.
func ScoreSQL(scores []Score) (string, []any) {
	var named []any
	unoffered := false
	for _, sc := range scores {
		if sc == Unoffered {
			unoffered = true
		} else {
			named = append(named, string(sc))
		}
	}
	var parts []string
	if len(named) > 0 {
		parts = append(parts, `EXISTS (SELECT 1 FROM satisfaction_ratings sr WHERE sr.ticket_id = t.id AND sr.solved_at = t.solved_at AND sr.score IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(named)), ", ")+`))`)
	}
	if unoffered {
		parts = append(parts, `NOT EXISTS (SELECT 1 FROM satisfaction_ratings sr WHERE sr.ticket_id = t.id AND sr.solved_at = t.solved_at)`)
	}
	if len(parts) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", named
}

// ticketState is what rating needs of a ticket.
type ticketState struct {
	id, requester, solvedAt int64
	assignee, group         *int64
	status                  desk.Status
	subject                 string
}

func loadTicket(ctx context.Context, q store.Querier, id int64) (*ticketState, error) {
	var t ticketState
	var st string
	err := q.QueryRow(ctx, `SELECT id, requester_id, solved_at, assignee_id, group_id, status, subject FROM tickets WHERE id = ? AND deleted_at = 0`, id).
		Scan(&t.id, &t.requester, &t.solvedAt, &t.assignee, &t.group, &st, &t.subject)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	t.status = Status(st)
	return &t, err
}

// Status converts a stored status.
func Status(s string) desk.Status { return desk.Status(s) }

// Input is a rating from the requester.
type Input struct {
	Score   Score
	Comment string
}

func (in *Input) validate() error {
	var v desk.Validation
	if in.Score != Good && in.Score != Bad {
		v.Add("score", "must be good or bad")
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if !utf8.ValidString(in.Comment) || utf8.RuneCountInString(in.Comment) > MaxComment || strings.ContainsRune(in.Comment, 0) {
		v.Add("comment", fmt.Sprintf("must be at most %d characters of text", MaxComment))
	}
	return v.Err()
}

// Rate records the requester's rating of ticket id: the principal in ctx
// must be its requester, CSAT on, and the ticket solved (a closed ticket's
// rating is final). Rating again changes the rating of the same solve.
func (s *Service) Rate(ctx context.Context, id int64, in Input) (*Rating, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.rate(ctx, p, id, 0, in)
	if err != nil {
		return nil, fmt.Errorf("csat: rate ticket %d: %w", id, err)
	}
	return r, nil
}

// rate is Rate for principal p; solvedAt, when not 0, is the solve a
// signed link was made for.
func (s *Service) rate(ctx context.Context, p *desk.Principal, id, solvedAt int64, in Input) (*Rating, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	on, err := s.Enabled(ctx)
	if err != nil {
		return nil, err
	}
	if !on {
		return nil, desk.Forbidden("Satisfaction ratings are turned off")
	}
	var out *Rating
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		t, err := loadTicket(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.System || t.requester != p.UserID {
			// Only the requester rates; to anyone else the ticket is
			// not there to rate (no existence leak to other end-users).
			if p.IsStaff() {
				return desk.Forbidden("Only the requester can rate a ticket")
			}
			return desk.NotFound()
		}
		switch {
		case t.status == desk.StatusClosed:
			return desk.Invalid("ticket", "is closed; its rating can no longer change")
		case t.status != desk.StatusSolved:
			return desk.Invalid("ticket", "can be rated once it is solved")
		case solvedAt != 0 && solvedAt != t.solvedAt:
			return desk.Invalid("ticket", "was reopened since this survey; it can be rated when solved again")
		}
		prev, err := s.current(ctx, tx, t.id, t.solvedAt)
		if err != nil {
			return err
		}
		now := s.now().UnixMicro()
		if prev == nil {
			_, err = tx.Exec(ctx, `INSERT INTO satisfaction_ratings (ticket_id, solved_at, requester_id, assignee_id, group_id, score, comment, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, t.id, t.solvedAt, t.requester, t.assignee, t.group, string(in.Score), in.Comment, now, now)
		} else {
			if prev.Score == in.Score && prev.Comment == in.Comment {
				out = prev
				return nil // the same answer twice (a double click): nothing changes
			}
			_, err = tx.Exec(ctx, `UPDATE satisfaction_ratings SET score = ?, comment = ?, assignee_id = ?, group_id = ?, updated_at = ? WHERE id = ?`,
				string(in.Score), in.Comment, t.assignee, t.group, now, prev.ID)
		}
		if err != nil {
			return err
		}
		prevScore := ""
		if prev != nil {
			prevScore = string(prev.Score)
		}
		if _, _, err := s.Tickets.EditTx(desk.WithPrincipal(ctx, p), tx, t.id, func(e *ticket.Edit) error {
			e.RecordSatisfaction(string(in.Score), prevScore, in.Comment)
			return nil
		}); err != nil {
			return err
		}
		out, err = s.current(ctx, tx, t.id, t.solvedAt)
		return err
	})
	return out, err
}

// current returns the rating of ticket id's solve solvedAt (nil: none).
func (s *Service) current(ctx context.Context, q store.Querier, id, solvedAt int64) (*Rating, error) {
	r, err := scanRating(q.QueryRow(ctx, `SELECT `+ratingCols+` FROM satisfaction_ratings r WHERE r.ticket_id = ? AND r.solved_at = ?`, id, solvedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// --- signed links ---

// key derives the link-signing key from the web UI's CSRF key (created on
// first start, shared by every instance), separated by a label so a link
// signature is never a valid CSRF token or the reverse.
func (s *Service) key(ctx context.Context, q store.Querier) ([]byte, error) {
	return s.settingsSvc().PurposeKey(ctx, q, "frontdesk csat rating link v1")
}

func sign(key []byte, id, solvedAt int64) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%d.%d", id, solvedAt)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:20])
}

// Token returns the signed token of a rating link for ticket id's solve
// solvedAt: "<id>.<solvedAt>.<signature>".
func (s *Service) Token(ctx context.Context, q store.Querier, id, solvedAt int64) (string, error) {
	k, err := s.key(ctx, q)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d.%d.%s", id, solvedAt, sign(k, id, solvedAt)), nil
}

// parseToken checks a token's signature and returns its ticket and solve.
func (s *Service) parseToken(ctx context.Context, token string) (id, solvedAt int64, err error) {
	bad := desk.NotFound()
	parts := strings.Split(token, ".")
	if len(token) > 200 || len(parts) != 3 {
		return 0, 0, bad
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	solvedAt, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || id <= 0 || solvedAt <= 0 {
		return 0, 0, bad
	}
	k, err := s.key(ctx, s.DB)
	if err != nil {
		return 0, 0, err
	}
	if !hmac.Equal([]byte(sign(k, id, solvedAt)), []byte(parts[2])) {
		return 0, 0, bad
	}
	return id, solvedAt, nil
}

// Survey is what the rating page shows for a signed link.
type Survey struct {
	TicketID int64
	Subject  string
	// Locale is the requester's language.
	Locale string
	// Rating is the current rating of the solve (nil: not rated yet).
	Rating *Rating
	// Open says whether the rating can still change (the ticket is solved
	// and still on the solve the link was made for).
	Open bool
}

// SurveyFor resolves a signed token for the rating page. A bad token, or
// a ticket gone, is not found.
func (s *Service) SurveyFor(ctx context.Context, token string) (*Survey, error) {
	id, solvedAt, err := s.parseToken(ctx, token)
	if err != nil {
		return nil, err
	}
	t, err := loadTicket(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	sv := &Survey{TicketID: id, Subject: t.subject, Open: t.status == desk.StatusSolved && t.solvedAt == solvedAt}
	if err := s.DB.QueryRow(ctx, `SELECT locale FROM users WHERE id = ?`, t.requester).Scan(&sv.Locale); err != nil {
		return nil, err
	}
	if sv.Rating, err = s.current(ctx, s.DB, id, solvedAt); err != nil {
		return nil, err
	}
	if on, err := s.Enabled(ctx); err != nil || !on {
		sv.Open = false
		return sv, err
	}
	return sv, nil
}

// RateWithToken records a rating from a signed link, as the ticket's
// requester (no sign-in: the token is bound to the ticket and its solve).
func (s *Service) RateWithToken(ctx context.Context, token string, in Input) (*Rating, error) {
	id, solvedAt, err := s.parseToken(ctx, token)
	if err != nil {
		return nil, err
	}
	t, err := loadTicket(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	p, err := people.PrincipalFor(ctx, s.DB, t.requester)
	if err != nil {
		return nil, desk.NotFound() // a requester since suspended or deleted
	}
	p.Via = "web"
	r, err := s.rate(desk.WithPrincipal(ctx, p), p, id, solvedAt, in)
	if err != nil {
		return nil, fmt.Errorf("csat: rate ticket %d by link: %w", id, err)
	}
	return r, nil
}

// RatingURL is the rating page of ticket id's current solve ("" when the
// ticket is not solved or there is no public URL): the
// {{satisfaction.rating_url}} placeholder.
func (s *Service) RatingURL(ctx context.Context, q store.Querier, id int64) (string, error) {
	if s.PublicURL == "" {
		return "", nil
	}
	var solvedAt int64
	if err := q.QueryRow(ctx, `SELECT solved_at FROM tickets WHERE id = ?`, id).Scan(&solvedAt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return "", err
	}
	if solvedAt == 0 {
		return "", nil
	}
	tok, err := s.Token(ctx, q, id, solvedAt)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s.PublicURL, "/") + "/satisfaction/" + tok, nil
}

// --- the survey ---

// SendSurveys offers a rating to the requesters of tickets solved at least
// CSATDelayHours ago (and at most a week before that), once per solve: in
// one transaction per ticket it records the offer (score offered, and the
// SatisfactionRating event on the ticket) and queues the survey email with
// good and bad links. Nothing is sent while CSAT is off or without a
// public URL for the links. It returns the number of surveys queued.
func (s *Service) SendSurveys(ctx context.Context) (int, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return 0, err
	}
	if !p.System {
		return 0, desk.Forbidden("surveys are sent by the system")
	}
	on, err := s.Enabled(ctx)
	if err != nil || !on || s.PublicURL == "" || s.Outbox == nil {
		return 0, err
	}
	hours, err := settings.CSATDelayHours.Get(ctx, s.settingsSvc())
	if err != nil {
		return 0, err
	}
	due := s.now().Add(-time.Duration(hours) * time.Hour)
	rows, err := s.DB.Query(ctx, `SELECT t.id FROM tickets t JOIN users u ON u.id = t.requester_id
		WHERE t.status = 'solved' AND t.deleted_at = 0 AND t.solved_at > 0 AND t.solved_at <= ? AND t.solved_at >= ?
		AND u.email IS NOT NULL AND u.role = 'end-user' AND NOT u.suspended
		AND NOT EXISTS (SELECT 1 FROM satisfaction_ratings r WHERE r.ticket_id = t.id AND r.solved_at = t.solved_at)
		ORDER BY t.solved_at, t.id LIMIT ?`, due.UnixMicro(), due.Add(-surveyWindow).UnixMicro(), surveyBatch)
	if err != nil {
		return 0, fmt.Errorf("csat: due surveys: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		sent := false
		err := s.DB.InTx(ctx, func(tx *store.Tx) error {
			var err error
			sent, err = s.offerTx(ctx, tx, id)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("csat: survey for ticket %d: %w", id, err)
		}
		if sent {
			n++
		}
	}
	return n, nil
}

// offerTx records the offer for ticket id's current solve and queues the
// survey, unless it was offered meanwhile.
func (s *Service) offerTx(ctx context.Context, tx *store.Tx, id int64) (bool, error) {
	t, err := loadTicket(ctx, tx, id)
	if err != nil || t.status != desk.StatusSolved {
		return false, ignoreNotFound(err)
	}
	now := s.now().UnixMicro()
	res, err := tx.Exec(ctx, `INSERT INTO satisfaction_ratings (ticket_id, solved_at, requester_id, assignee_id, group_id, score, comment, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'offered', '', ?, ?) ON CONFLICT (ticket_id, solved_at) DO NOTHING`, t.id, t.solvedAt, t.requester, t.assignee, t.group, now, now)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, _, err := s.Tickets.EditTx(ctx, tx, t.id, func(e *ticket.Edit) error {
		e.RecordSatisfaction(string(Offered), "", "")
		return nil
	}); err != nil {
		return false, err
	}
	var email, name, loc string
	if err := tx.QueryRow(ctx, `SELECT COALESCE(email, ''), name, locale FROM users WHERE id = ?`, t.requester).Scan(&email, &name, &loc); err != nil {
		return false, err
	}
	url, err := s.RatingURL(ctx, tx, t.id)
	if err != nil || url == "" {
		return false, err
	}
	pr := locale.Default().Printer(loc, nil)
	text := strings.Join([]string{
		pr.T("email.greeting", "name", name),
		pr.T("email.csat.body", "id", t.id, "subject", t.subject),
		pr.T("email.csat.good", "url", url+"?score=good"),
		pr.T("email.csat.bad", "url", url+"?score=bad"),
	}, "\n\n") + "\n"
	m := outbox.Message{To: email, Subject: pr.T("email.csat.subject", "id", t.id, "subject", t.subject), Text: text,
		Kind: "satisfaction_survey", TicketID: t.id, AutoSubmitted: "auto-generated"}
	if err := s.Outbox.AddTx(ctx, tx, m); err != nil {
		if desk.ErrorCode(err) == desk.EINVALID {
			return true, nil // an address the outbox refuses: the offer stands, no mail
		}
		return false, err
	}
	return true, nil
}

func ignoreNotFound(err error) error {
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return nil
	}
	return err
}

// Config is CSAT's settings.
type Config struct {
	Enabled    bool  `json:"enabled"`
	DelayHours int64 `json:"delay_hours"`
}

// Config returns the CSAT settings (managers only).
func (s *Service) Config(ctx context.Context) (*Config, error) {
	if err := requireManager(ctx); err != nil {
		return nil, err
	}
	on, err := s.Enabled(ctx)
	if err != nil {
		return nil, err
	}
	h, err := settings.CSATDelayHours.Get(ctx, s.settingsSvc())
	if err != nil {
		return nil, err
	}
	return &Config{Enabled: on, DelayHours: h}, nil
}

// Configure stores the CSAT settings (admins and roles that manage
// business rules).
func (s *Service) Configure(ctx context.Context, c Config) error {
	if err := requireManager(ctx); err != nil {
		return err
	}
	if err := settings.CSATDelayHours.Validate(c.DelayHours); err != nil {
		return desk.Invalid("delay_hours", "must be between 0 and 720 hours")
	}
	if err := settings.CSATDelayHours.Set(ctx, s.settingsSvc(), c.DelayHours); err != nil {
		return fmt.Errorf("csat: configure: %w", err)
	}
	if err := settings.CSATEnabled.Set(ctx, s.settingsSvc(), c.Enabled); err != nil {
		return fmt.Errorf("csat: configure: %w", err)
	}
	return nil
}

func requireManager(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if p.IsAdmin() || (p.IsStaff() && p.Can().ManageBusinessRules) {
		return nil
	}
	return desk.Forbidden("You need the permission to manage business rules")
}
