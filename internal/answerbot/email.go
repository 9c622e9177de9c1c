package answerbot

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// LinkTTL is how long a "this answered my question" link works.
const LinkTTL = 30 * 24 * time.Hour

// LinkPath is where the links point (the web UI serves it).
const LinkPath = "/answered/"

// EmailSuggestion is an article suggested in a new email ticket's
// acknowledgement: plain text, escaped by the mail template.
type EmailSuggestion struct {
	Title string
	// URL is the article, AnsweredURL the signed link that solves the
	// ticket (a page asking to confirm); both absolute.
	URL, AnsweredURL string
}

func (s *Service) settingsSvc() *settings.Service {
	if s.Settings == nil {
		s.Settings = settings.New(s.DB, nil)
	}
	return s.Settings
}

// key derives the link-signing key from the web UI's site key (created on
// first start, shared by every instance), separated by a label so a link
// signature is never a CSRF token or a CSAT link, or the reverse.
func (s *Service) key(ctx context.Context, q store.Querier) ([]byte, error) {
	return s.keyFor(ctx, q, "frontdesk answer bot solve link v1")
}

// keyFor derives the key for one purpose (label) from the site key.
func (s *Service) keyFor(ctx context.Context, q store.Querier, label string) ([]byte, error) {
	return s.settingsSvc().PurposeKey(ctx, q, label)
}

// link is what a token says: the requester may solve the ticket because
// the article answered it, until Expires; ID makes each link single-use.
type link struct {
	TicketID, UserID, ArticleID, Expires int64
	ID                                   string
}

func (l link) payload() string {
	return fmt.Sprintf("%d.%d.%d.%d.%s", l.TicketID, l.UserID, l.ArticleID, l.Expires, l.ID)
}

func sign(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

func (s *Service) token(key []byte, l link) string {
	p := l.payload()
	return p + "." + sign(key, p)
}

// parseToken checks a token's form and signature (not its expiry).
func (s *Service) parseToken(ctx context.Context, token string) (link, error) {
	bad := desk.NotFound()
	parts := strings.Split(token, ".")
	if len(token) > 300 || len(parts) != 6 {
		return link{}, bad
	}
	var nums [4]int64
	for i := range nums {
		n, err := strconv.ParseInt(parts[i], 10, 64)
		if err != nil || n <= 0 {
			return link{}, bad
		}
		nums[i] = n
	}
	l := link{TicketID: nums[0], UserID: nums[1], ArticleID: nums[2], Expires: nums[3], ID: parts[4]}
	if len(l.ID) < 16 || len(l.ID) > 64 {
		return link{}, bad
	}
	k, err := s.key(ctx, s.DB)
	if err != nil {
		return link{}, err
	}
	if !hmac.Equal([]byte(sign(k, l.payload())), []byte(parts[5])) {
		return link{}, bad
	}
	return l, nil
}

func newLinkID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// requesterContext is ctx acting as user id (nil principal: anonymous, when
// the user cannot act), through q so a user created in the caller's
// transaction is found.
func requesterContext(ctx context.Context, q store.Querier, id int64, via string) (context.Context, bool, error) {
	p, err := people.PrincipalFor(ctx, q, id)
	if err != nil {
		if desk.ErrorCode(err) == desk.EINTERNAL {
			return nil, false, err
		}
		return desk.WithPrincipal(ctx, nil), false, nil
	}
	p.Via = via
	return desk.WithPrincipal(ctx, p), true, nil
}

// EmailSuggestions returns up to three articles for a new email ticket's
// acknowledgement (from its subject and body, in the requester's locale,
// with the requester's visibility), each with a signed link that solves
// the ticket; none when the setting is off or base (the site's public
// address) is empty. It runs inside the ticket's transaction tx.
func (s *Service) EmailSuggestions(ctx context.Context, tx *store.Tx, base string, ticketID, requesterID int64, loc, text string) ([]EmailSuggestion, error) {
	if base == "" || ticketID <= 0 || requesterID <= 0 {
		return nil, nil
	}
	on, err := settings.AnswerBotEmail.Read(ctx, tx)
	if err != nil || !on {
		return nil, err
	}
	rctx, ok, err := requesterContext(ctx, tx, requesterID, "email")
	if err != nil || !ok {
		return nil, err
	}
	if loc = s.HC.NormalizeLocale(loc); loc == "" {
		loc = s.defaultLocale()
	}
	arts, err := s.suggestIn(rctx, tx, loc, text, MaxArticles) // in tx: no second connection while it holds one
	if err != nil || len(arts) == 0 {
		return nil, err
	}
	// With drafting for agents on, a draft from these articles becomes an
	// internal note on the ticket, after its commit.
	if err := s.enqueueEmailDraftTx(ctx, tx, ticketID, requesterID, loc, text); err != nil {
		return nil, err
	}
	out := make([]EmailSuggestion, 0, len(arts))
	for _, a := range arts {
		tok, err := s.LinkToken(ctx, tx, ticketID, requesterID, a.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, EmailSuggestion{Title: a.Title, URL: base + a.URL, AnsweredURL: base + LinkPath + tok})
	}
	return out, nil
}

// LinkToken signs a new single-use link that lets requesterID solve
// ticketID because article answered it, valid for LinkTTL.
func (s *Service) LinkToken(ctx context.Context, q store.Querier, ticketID, requesterID, article int64) (string, error) {
	key, err := s.key(ctx, q)
	if err != nil {
		return "", err
	}
	exp := time.UnixMicro(store.Now()).Add(LinkTTL).Unix()
	return s.token(key, link{TicketID: ticketID, UserID: requesterID, ArticleID: article, Expires: exp, ID: newLinkID()}), nil
}

// Link is what the confirmation page shows for a valid link.
type Link struct {
	TicketID int64
	Article  string // the article's title, "" if it can no longer be read
	URL      string // the article's path
	Locale   string // the requester's language
}

// check verifies a token for use: signature, expiry, the requester still
// able to act. It returns the link and the requester's context.
func (s *Service) check(ctx context.Context, token string) (link, context.Context, error) {
	l, err := s.parseToken(ctx, token)
	if err != nil {
		return link{}, nil, err
	}
	if time.UnixMicro(store.Now()).Unix() > l.Expires {
		return link{}, nil, desk.Forbidden("This link has expired")
	}
	rctx, ok, err := requesterContext(ctx, s.DB, l.UserID, "web")
	if err != nil {
		return link{}, nil, err
	}
	if !ok {
		return link{}, nil, desk.NotFound()
	}
	return l, rctx, nil
}

// LinkFor resolves a token for the confirmation page. A forged token is
// ENOTFOUND, an expired one EFORBIDDEN, a used one ECONFLICT.
func (s *Service) LinkFor(ctx context.Context, token string) (*Link, error) {
	l, rctx, err := s.check(ctx, token)
	if err != nil {
		return nil, err
	}
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM answer_bot_links WHERE link_id = ? OR ticket_id = ?`, l.ID, l.TicketID).Scan(&n); err != nil {
		return nil, fmt.Errorf("answerbot: link: %w", err)
	}
	if n > 0 {
		return nil, usedLink()
	}
	out := &Link{TicketID: l.TicketID, Locale: s.defaultLocale()}
	if p := desk.PrincipalFrom(rctx); p != nil {
		var loc string
		if err := s.DB.QueryRow(ctx, `SELECT locale FROM users WHERE id = ?`, p.UserID).Scan(&loc); err == nil {
			if loc = s.HC.NormalizeLocale(loc); loc != "" {
				out.Locale = loc
			}
		}
	}
	if a, err := s.HC.Article(rctx, l.ArticleID, out.Locale); err == nil {
		ba := toArticle(a)
		out.Article, out.URL = ba.Title, ba.URL
	}
	return out, nil
}

func usedLink() error {
	return &desk.Error{Code: desk.ECONFLICT, Message: "This link was already used"}
}

// ResolveByLink solves the link's ticket as its requester (through the
// ticket service) and records a bot resolution, once: a second use is
// ECONFLICT, a forged token ENOTFOUND, an expired one EFORBIDDEN.
func (s *Service) ResolveByLink(ctx context.Context, token string) (int64, error) {
	if s.Tickets == nil {
		return 0, fmt.Errorf("answerbot: no ticket service")
	}
	l, rctx, err := s.check(ctx, token)
	if err != nil {
		return 0, err
	}
	err = s.Tickets.SolveAnswered(rctx, l.TicketID, func(ctx context.Context, tx *store.Tx) error {
		// A request somebody already solved is not the bot's resolution.
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM tickets WHERE id = ? AND deleted_at = 0`, l.TicketID).Scan(&status); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return desk.NotFound()
			}
			return err
		}
		if status == string(desk.StatusSolved) || status == string(desk.StatusClosed) {
			return &desk.Error{Code: desk.ECONFLICT, Message: "This request is already solved"}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO answer_bot_links (link_id, ticket_id, used_at) VALUES (?, ?, ?)`, l.ID, l.TicketID, store.Now()); err != nil {
			if store.IsUniqueViolation(err) {
				return usedLink()
			}
			return err
		}
		return recordTx(ctx, tx, Outcome{Channel: ChannelEmail, TicketID: l.TicketID, ArticleID: l.ArticleID, Result: Resolved})
	})
	if err != nil {
		return 0, wrap(err, "resolve by link")
	}
	return l.TicketID, nil
}

// EmailSuggestionsOn reports whether new email tickets get suggestions
// (admins).
func (s *Service) EmailSuggestionsOn(ctx context.Context) (bool, error) {
	if _, err := s.requireAdmin(ctx, false); err != nil {
		return false, err
	}
	return settings.AnswerBotEmail.Get(ctx, s.settingsSvc())
}

// SetEmailSuggestions turns the suggestions in new email tickets'
// acknowledgements on or off (admins; audited as a setting change).
func (s *Service) SetEmailSuggestions(ctx context.Context, on bool) error {
	if _, err := s.requireAdmin(ctx, true); err != nil {
		return err
	}
	return settings.AnswerBotEmail.Set(ctx, s.settingsSvc(), on)
}
