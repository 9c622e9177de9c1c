// Package helpcenter is the knowledge base at /hc: categories → sections →
// articles, each ordered and written in a source locale, with per-locale
// translations (drafts, a published version, revisions, an "outdated" flag
// when the source changes after a translation was published), votes,
// deflections and full-text search folded like ticket search.
//
// Who may read an article is decided here, once: viewer.filter is the one
// visibility rule, and every read path — list, show, search, suggestions,
// related articles, the sitemap, the API, the incremental export — selects
// articles through it. Editing needs the manage_help_center permission.
package helpcenter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/attach"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/textfold"
)

// Visibility says who may read an article (Zendesk's user segments).
type Visibility string

const (
	// VisEveryone: anyone, signed in or not; the only articles in the sitemap.
	VisEveryone Visibility = "everyone"
	// VisSignedIn: any signed-in user.
	VisSignedIn Visibility = "signed_in"
	// VisAgents: agents and admins.
	VisAgents Visibility = "agents"
	// VisGroup: agents in the group SegmentID (and help-center managers).
	VisGroup Visibility = "group"
	// VisOrganization: members of the organization SegmentID, and staff.
	VisOrganization Visibility = "organization"
)

// Valid reports whether v is a known visibility.
func (v Visibility) Valid() bool {
	switch v {
	case VisEveryone, VisSignedIn, VisAgents, VisGroup, VisOrganization:
		return true
	}
	return false
}

// Kind names what a translation translates.
type Kind string

const (
	KindCategory Kind = "category"
	KindSection  Kind = "section"
	KindArticle  Kind = "article"
)

// Limits on what editors and visitors send.
const (
	MaxTitle     = 255
	MaxBody      = 512 * 1024
	MaxLabels    = 20
	MaxLabel     = 64
	MaxQuery     = 256
	MaxQueryWord = 10
	maxPerPage   = 100
)

// Service implements the help center. It is safe for concurrent use.
type Service struct {
	DB *store.DB
	// Locales are the locales content may be written in (those with a
	// catalogue); the first is the default.
	Locales []string
	// gen counts the writes this process made (see Generation).
	gen atomic.Uint64
	// Blobs holds article attachments' bytes (nil: attachments are off).
	Blobs *attach.Store
}

// Generation is a number that changes after every help-center write this
// process commits (articles, sections, categories, translations,
// revisions, votes, deflections), and only then: a reader that notes it
// before reading and finds it unchanged afterwards read nothing a later
// write changed. Page caches key on it. Writes from other processes are
// not counted: see LocalWrites.
func (s *Service) Generation() uint64 { return s.gen.Load() }

// LocalWrites reports whether every help-center write passes through this
// process, so Generation sees them all: true on the embedded SQLite store
// (one process owns the data directory), false on PostgreSQL, where any
// number of instances write.
func (s *Service) LocalWrites() bool { return s.DB.Dialect == store.SQLite }

// inTx runs a write and moves the generation on once it is over, whether
// it committed or not (a rolled-back write only costs a cache a miss). The
// move comes after the commit, so a page rendered from data read before
// the commit carries an older generation than the one readers now see.
func (s *Service) inTx(ctx context.Context, fn func(*store.Tx) error) error {
	defer s.gen.Add(1)
	return s.DB.InTx(ctx, fn)
}

// New returns a Service for every locale with a catalogue.
func New(db *store.DB) *Service {
	return &Service{DB: db, Locales: locale.Default().Locales()}
}

// DefaultLocale is the locale the help center falls back to last.
func (s *Service) DefaultLocale() string {
	if len(s.Locales) == 0 {
		return locale.DefaultLocale
	}
	return s.Locales[0]
}

// ValidLocale reports whether loc is a locale content may be written in.
// Locales in URLs pass through it, so nothing else reaches a path or query.
func (s *Service) ValidLocale(loc string) bool { return slices.Contains(s.Locales, loc) }

// localeForm is a locale as Zendesk writes it in paths and parameters:
// a language of two or three letters, optionally one region or script
// part ("en", "en-us", "pl_PL", "zh-hant"). Anything else ("en-../x",
// "en-us-x", "%2e") is refused before it is compared with anything.
var localeForm = regexp.MustCompile(`^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$`)

// NormalizeLocale maps a locale as typed ("en-us", "PL", "pl-pl") to a
// supported one, or "" when the text is not a locale or none fits by
// language.
func (s *Service) NormalizeLocale(loc string) string {
	if s.ValidLocale(loc) {
		return loc
	}
	if !localeForm.MatchString(loc) {
		return ""
	}
	l := strings.ToLower(loc)
	for _, x := range s.Locales {
		if strings.ToLower(x) == l {
			return x
		}
	}
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
		for _, x := range s.Locales {
			if strings.ToLower(x) == l {
				return x
			}
		}
	}
	return ""
}

// viewer is what the visibility rule needs to know about the caller.
type viewer struct {
	signedIn, staff, manager bool
	groups, orgs             []int64
}

// viewerFor loads the caller's segments: the groups of an agent and the
// organizations of any signed-in user.
func (s *Service) viewerFor(ctx context.Context) (viewer, error) {
	return s.viewerIn(ctx, s.DB)
}

// viewerIn is viewerFor reading through db.
func (s *Service) viewerIn(ctx context.Context, db store.Querier) (viewer, error) {
	p := desk.PrincipalFrom(ctx)
	if p == nil {
		return viewer{}, nil
	}
	v := viewer{signedIn: true, staff: p.IsStaff(), manager: p.System || p.Can().ManageHelpCenter}
	if v.manager || p.UserID == 0 {
		return v, nil
	}
	var err error
	if v.staff {
		if v.groups, err = idsTx(ctx, db, `SELECT group_id FROM group_memberships WHERE user_id = ?`, p.UserID); err != nil {
			return v, fmt.Errorf("helpcenter: viewer groups: %w", err)
		}
	}
	if v.orgs, err = idsTx(ctx, db, `SELECT organization_id FROM organization_memberships WHERE user_id = ?`, p.UserID); err != nil {
		return v, fmt.Errorf("helpcenter: viewer organizations: %w", err)
	}
	if p.OrgID != 0 && !slices.Contains(v.orgs, p.OrgID) {
		v.orgs = append(v.orgs, p.OrgID)
	}
	return v, nil
}

// filter is THE visibility rule: an SQL condition over the hc_articles row
// aliased a, true exactly for the articles the viewer may read.
func (v viewer) filter(a string) (string, []any) {
	if v.manager {
		return "1 = 1", nil
	}
	conds := []string{a + ".visibility = 'everyone'"}
	var args []any
	if v.signedIn {
		conds = append(conds, a+".visibility = 'signed_in'")
	}
	if v.staff {
		conds = append(conds, a+".visibility IN ('agents', 'organization')")
	}
	if len(v.groups) > 0 {
		conds = append(conds, "("+a+".visibility = 'group' AND "+a+".segment_id IN ("+store.Placeholders(len(v.groups))+"))")
		for _, g := range v.groups {
			args = append(args, g)
		}
	}
	if len(v.orgs) > 0 && !v.staff {
		conds = append(conds, "("+a+".visibility = 'organization' AND "+a+".segment_id IN ("+store.Placeholders(len(v.orgs))+"))")
		for _, o := range v.orgs {
			args = append(args, o)
		}
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// published limits a translation alias t to what readers see: published
// translations, or drafts too for help-center managers.
func (v viewer) published(t string) string {
	if v.manager {
		return "1 = 1"
	}
	return t + ".published = TRUE"
}

// requireManager is the editing gate: manage_help_center, not read-only.
func requireManager(ctx context.Context) (*desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can().ManageHelpCenter {
		return nil, desk.Forbidden("You need the manage_help_center permission to edit the help center")
	}
	if p.ReadOnly {
		return nil, desk.Forbidden("This token may only read")
	}
	return p, nil
}

// Slug turns a title into the URL part after an id: folded words joined by
// hyphens ("Jak zresetować hasło?" → "jak-zresetowac-haslo").
func Slug(title string) string {
	ws := textfold.Words(title)
	if len(ws) > 10 {
		ws = ws[:10]
	}
	s := strings.Join(ws, "-")
	for len(s) > 80 {
		i := strings.LastIndexByte(s, '-')
		if i <= 0 {
			s = s[:80]
			for !utf8.ValidString(s) {
				s = s[:len(s)-1]
			}
			break
		}
		s = s[:i]
	}
	return s
}

// notFound maps a missing row to the desk error, wrapping anything else.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return desk.NotFound()
	}
	return fmt.Errorf("helpcenter: %s: %w", what, err)
}

func validText(v *desk.Validation, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "cannot be blank")
	case len(s) > max:
		v.Add(field, fmt.Sprintf("is too long (maximum is %d bytes)", max))
	case !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0:
		v.Add(field, "is not valid text")
	}
}
