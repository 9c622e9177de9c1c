// Package community is the help center's community forums: topics, posts
// (questions, ideas, discussions) with comments, votes and following,
// moderation (pin, feature, close, move, edit, delete; a new user's first
// contribution held for approval; a pending and spam queue; bans), rate
// limits on posting and commenting, and the escalation of a post into a
// ticket through the ticket service.
//
// Who may do what lives here, once:
//
//   - anyone, signed in or not, reads topics, approved posts and approved
//     comments; an author also sees their own held contributions; staff
//     see everything (they escalate and moderate);
//   - a signed-in user who is not banned posts, comments, votes (once per
//     post: a second vote replaces the first) and follows; read-only API
//     tokens change nothing;
//   - moderators are staff holding the manage_help_center permission
//     (admins, and agents whose custom role grants it): they manage topics,
//     pin, feature, close, move, set statuses, edit and delete anything,
//     approve or reject held contributions and ban users;
//   - any agent who may set ticket properties (not light agents) marks a
//     comment as the official answer and turns a post into a ticket.
//
// Post details and comment bodies are HTML sanitised on the way in by the
// comment policy (package sanitize); the web forms' Markdown is rendered
// first by the help center's renderer (see Markdown).
package community

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/audit"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/outbox"
	"github.com/frontdesk/frontdesk/internal/ratelimit"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// Kind is what a post is.
type Kind string

// The kinds of post.
const (
	KindQuestion   Kind = "question"
	KindIdea       Kind = "idea"
	KindDiscussion Kind = "discussion"
)

// Kinds lists every kind, for pickers.
var Kinds = []Kind{KindQuestion, KindIdea, KindDiscussion}

func (k Kind) valid() bool { return k == KindQuestion || k == KindIdea || k == KindDiscussion }

// Status is a post's status (Zendesk's names).
type Status string

// The statuses of a post.
const (
	StatusNone       Status = "none"
	StatusPlanned    Status = "planned"
	StatusAnswered   Status = "answered"
	StatusCompleted  Status = "completed"
	StatusNotPlanned Status = "not_planned"
)

// Statuses lists every status, for pickers.
var Statuses = []Status{StatusNone, StatusPlanned, StatusAnswered, StatusCompleted, StatusNotPlanned}

func (s Status) valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Moderation is the moderation state of a post or comment.
type Moderation string

// The moderation states.
const (
	Approved Moderation = "approved"
	Pending  Moderation = "pending"  // held for a moderator
	Rejected Moderation = "rejected" // the spam queue
)

// Content types of subscriptions and moderation actions.
const (
	TypePost    = "post"
	TypeTopic   = "topic"
	TypeComment = "comment"
)

// Via is the ticket channel of escalated posts.
const Via = "community"

// MailKind is the outbox kind of new-comment notifications.
const MailKind = "community.comment"

// Limits on what users write.
const (
	MaxTitle       = 255      // runes
	MaxName        = 255      // runes, topic names
	MaxDescription = 4000     // runes, topic descriptions
	MaxDetails     = 64 << 10 // bytes of HTML
	MaxReason      = 500      // runes, ban reasons
	DefaultPerPage = 30
	MaxPerPage     = 100
)

// RateWindow is the window of the posting and commenting limits; how many
// fit in one is an admin's setting (settings.CommunityPostsPerUser and its
// siblings; staff are not limited).
const RateWindow = time.Hour

// Audit-log actions of moderation.
const (
	AuditBanned    = "community_user.banned"
	AuditUnbanned  = "community_user.unbanned"
	AuditApproved  = "community_content.approved"
	AuditRejected  = "community_content.rejected"
	AuditDeleted   = "community_post.deleted"
	AuditEscalated = "community_content.escalated"
)

// Limits are the rate limits of posting and commenting: hourly budgets
// per user and per client address, kept in Budgets (shared by every
// instance), with the numbers read from Settings at each use so an
// admin's change holds at once. Nil Budgets limit nothing.
type Limits struct {
	Budgets *ratelimit.Budgets
	// Settings is read for the limits (nil: the store, uncached).
	Settings *settings.Service
}

// Service implements the community. It is safe for concurrent use.
type Service struct {
	DB      *store.DB
	Tickets *ticket.Service
	// Outbox, when set, receives new-comment notifications for followers,
	// queued in the comment's transaction.
	Outbox *outbox.Outbox
	// PublicURL is the site's address for links in notification mail
	// ("" leaves the link out).
	PublicURL string
	Limits    Limits
}

// New returns a Service with the rate limits on (their numbers are
// settings; set Limits.Settings to read them through a cache).
func New(db *store.DB, tickets *ticket.Service, ob *outbox.Outbox, publicURL string) *Service {
	return &Service{DB: db, Tickets: tickets, Outbox: ob, PublicURL: strings.TrimRight(publicURL, "/"),
		Limits: Limits{Budgets: ratelimit.NewBudgets(db, nil, nil)}}
}

// Topic is a forum topic in Zendesk's shape. Name and Description are in
// the locale asked for when a translation exists.
type Topic struct {
	ID            int64     `json:"id"`
	URL           string    `json:"url,omitempty"`
	HTMLURL       string    `json:"html_url,omitempty"`
	Name          string    `json:"name"`
	Description   string    `json:"description"`
	Position      int       `json:"position"`
	FollowerCount int       `json:"follower_count"`
	PostCount     int       `json:"post_count"`
	CreatedAt     desk.Time `json:"created_at"`
	UpdatedAt     desk.Time `json:"updated_at"`
	// Translations are the topic's names in other locales.
	Translations map[string]TopicText `json:"translations,omitempty"`
}

// TopicText is a topic's name and description in one locale.
type TopicText struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// TopicInput creates or changes a topic; nil fields keep their value.
// Translations set (or, with an empty name, remove) per-locale texts.
type TopicInput struct {
	Name         *string              `json:"name"`
	Description  *string              `json:"description"`
	Position     *int                 `json:"position"`
	Translations map[string]TopicText `json:"translations"`
}

// Post is a community post in Zendesk's shape, plus Frontdesk's kind,
// moderation state and linked ticket.
type Post struct {
	ID            int64      `json:"id"`
	URL           string     `json:"url,omitempty"`
	HTMLURL       string     `json:"html_url,omitempty"`
	Title         string     `json:"title"`
	Details       string     `json:"details"`
	AuthorID      int64      `json:"author_id"`
	TopicID       int64      `json:"topic_id"`
	Kind          Kind       `json:"kind"`
	Status        Status     `json:"status"`
	Pinned        bool       `json:"pinned"`
	Featured      bool       `json:"featured"`
	Closed        bool       `json:"closed"`
	Moderation    Moderation `json:"moderation_state"`
	TicketID      *int64     `json:"ticket_id"`
	VoteSum       int        `json:"vote_sum"`
	VoteCount     int        `json:"vote_count"`
	CommentCount  int        `json:"comment_count"`
	FollowerCount int        `json:"follower_count"`
	// Source is the Markdown the details were written in ("" when they
	// were written as HTML): what the edit form shows.
	Source    string    `json:"-"`
	CreatedAt desk.Time `json:"created_at"`
	UpdatedAt desk.Time `json:"updated_at"`
	// AuthorName is for pages.
	AuthorName string `json:"-"`
}

// Slug is the post's URL slug.
func (p *Post) Slug() string { return Slug(p.Title) }

// Path is the post's page under locale.
func (p *Post) Path(locale string) string {
	return "/hc/" + locale + "/community/posts/" + strconv.FormatInt(p.ID, 10) + "-" + p.Slug()
}

// PostInput creates or changes a post; nil fields keep their value.
// Details is HTML (sanitised); Text, when set, is Markdown that becomes
// the details (the web form's; see Markdown).
type PostInput struct {
	Title    *string `json:"title"`
	Details  *string `json:"details"`
	Text     *string `json:"-"`
	TopicID  *int64  `json:"topic_id"`
	Kind     *Kind   `json:"kind"`
	Status   *Status `json:"status"`
	Pinned   *bool   `json:"pinned"`
	Featured *bool   `json:"featured"`
	Closed   *bool   `json:"closed"`
}

// Comment is a comment on a post in Zendesk's shape.
type Comment struct {
	ID         int64      `json:"id"`
	URL        string     `json:"url,omitempty"`
	HTMLURL    string     `json:"html_url,omitempty"`
	Body       string     `json:"body"`
	AuthorID   int64      `json:"author_id"`
	PostID     int64      `json:"post_id"`
	Official   bool       `json:"official"`
	Moderation Moderation `json:"moderation_state"`
	TicketID   *int64     `json:"ticket_id"`
	VoteSum    int        `json:"vote_sum"`
	VoteCount  int        `json:"vote_count"`
	CreatedAt  desk.Time  `json:"created_at"`
	UpdatedAt  desk.Time  `json:"updated_at"`
	AuthorName string     `json:"-"`
	// Source is the Markdown the body was written in ("" when it was
	// written as HTML): what the edit form shows.
	Source string `json:"-"`
}

// CommentInput creates or changes a comment: Body is HTML (sanitised),
// Text Markdown (the web form's; see Markdown).
type CommentInput struct {
	Body     *string `json:"body"`
	Text     *string `json:"-"`
	Official *bool   `json:"official"`
}

// Vote is one user's vote on a post or a comment.
type Vote struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url,omitempty"`
	UserID    int64     `json:"user_id"`
	Value     int       `json:"value"`
	ItemID    int64     `json:"item_id"`
	ItemType  string    `json:"item_type"`
	CreatedAt desk.Time `json:"created_at"`
	UpdatedAt desk.Time `json:"updated_at"`
}

// Subscription is a user following a post or a topic.
type Subscription struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url,omitempty"`
	UserID      int64     `json:"user_id"`
	ContentID   int64     `json:"content_id"`
	ContentType string    `json:"content_type"`
	CreatedAt   desk.Time `json:"created_at"`
}

// Ban is a user banned from posting.
type Ban struct {
	UserID    int64     `json:"user_id"`
	UserName  string    `json:"user_name"`
	Reason    string    `json:"reason"`
	BannedBy  int64     `json:"banned_by"`
	CreatedAt desk.Time `json:"created_at"`
}

// Queue is what waits for moderators: held and rejected posts and
// comments, oldest first.
type Queue struct {
	Posts    []*Post    `json:"posts"`
	Comments []*Comment `json:"comments"`
}

// wrap adds context to errors that are not typed already.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *desk.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("community: %s: %w", what, err)
}

// CanModerate reports whether p moderates the community: staff with
// manage_help_center.
func CanModerate(p *desk.Principal) bool {
	return p != nil && p.IsStaff() && p.Can().ManageHelpCenter
}

// CanEscalate reports whether p may turn posts into tickets (and mark
// official answers): staff with access to tickets who may set ticket
// properties (not light agents, who only add internal notes).
func CanEscalate(p *desk.Principal) bool {
	if p == nil || !p.IsStaff() {
		return false
	}
	c := p.Can()
	return c.TicketAccess != "" && c.EditTicketProperties
}

func requireModerator(ctx context.Context) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !CanModerate(p) {
		return nil, desk.Forbidden("Moderating the community needs the manage_help_center permission")
	}
	if p.ReadOnly {
		return nil, desk.Forbidden("This token is read-only")
	}
	return p, nil
}

// requireMember returns the signed-in user who may write: not read-only,
// a real user (not the system), not banned.
func (s *Service) requireMember(ctx context.Context, q store.Querier) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if p.ReadOnly {
		return nil, desk.Forbidden("This token is read-only")
	}
	if p.UserID == 0 {
		return nil, desk.Forbidden("Only a signed-in user can take part in the community")
	}
	banned, err := isBanned(ctx, q, p.UserID)
	if err != nil {
		return nil, err
	}
	if banned {
		return nil, desk.Forbidden("You are banned from posting in the community")
	}
	return p, nil
}

func isBanned(ctx context.Context, q store.Querier, userID int64) (bool, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM community_bans WHERE user_id = ?`, userID).Scan(&n); err != nil {
		return false, fmt.Errorf("community: check ban: %w", err)
	}
	return n > 0, nil
}

// admit counts one post or comment against the user's and the client IP's
// hourly budgets (perUser and perIP name the settings); staff are not
// limited.
func (s *Service) admit(ctx context.Context, p *desk.Principal, what string, perUser, perIP *settings.Setting[int64]) error {
	if p.IsStaff() || s.Limits.Budgets == nil {
		return nil
	}
	st := settings.Or(s.Limits.Settings, s.DB, nil)
	check := func(limit *settings.Setting[int64], key string) error {
		n, err := limit.Get(ctx, st)
		if err != nil {
			return err
		}
		d, err := s.Limits.Budgets.Take(ctx, key, int(n), RateWindow)
		if err != nil {
			return err
		}
		if !d.Allowed {
			return &desk.Error{Code: desk.ETOOMANY, Message: fmt.Sprintf("Too many community %ss in an hour; try again in %d minutes", what, int(d.RetryAfter/time.Minute)+1)}
		}
		return nil
	}
	if err := check(perUser, "community:"+what+":user:"+strconv.FormatInt(p.UserID, 10)); err != nil {
		return err
	}
	if ip, _, ok := audit.ClientFrom(ctx); ok && ip != "" {
		return check(perIP, "community:"+what+":ip:"+ip)
	}
	return nil
}

// heldFor decides the moderation state of a new contribution by p: staff
// and users with an approved post or comment publish at once; a new
// user's first contribution waits for a moderator.
func heldFor(ctx context.Context, q store.Querier, p *desk.Principal) (Moderation, error) {
	if p.IsStaff() {
		return Approved, nil
	}
	var n int
	err := q.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM community_posts WHERE author_id = ? AND moderation = 'approved')
		+ (SELECT COUNT(*) FROM community_comments WHERE author_id = ? AND moderation = 'approved')`, p.UserID, p.UserID).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("community: check history: %w", err)
	}
	if n == 0 {
		return Pending, nil
	}
	return Approved, nil
}

func checkRunes(v *desk.Validation, field, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	if n < min {
		v.Add(field, "cannot be blank")
	} else if n > max {
		v.Add(field, fmt.Sprintf("is too long (at most %d characters)", max))
	}
}

func boolArg(b bool) any { return b }

func nowMicros() int64 { return store.Now() }

// requireUser answers 404 for a user id that names nobody, as Zendesk does
// for /community/users/{id}/posts and comments (an empty list would pass
// for a user who wrote nothing).
func (s *Service) requireUser(ctx context.Context, id int64) error {
	var one int
	err := s.DB.QueryRow(ctx, `SELECT 1 FROM users WHERE id = ?`, id).Scan(&one)
	return wrap(notFoundIf(err), "find user")
}

func notFoundIf(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return desk.NotFound()
	}
	return err
}
