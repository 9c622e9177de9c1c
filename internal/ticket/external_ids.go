package ticket

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// MaxShowMany is how many ids or external ids one show_many names, as in
// Zendesk.
const MaxShowMany = 100

// maxExternalMatches bounds the tickets one GetManyByExternalIDs returns:
// several tickets may share an external id.
const maxExternalMatches = 1000

// GetManyByExternalIDs returns the live tickets the principal in ctx may
// see whose external_id is one of exts (Zendesk's show_many?external_ids=),
// in id order. Several tickets may share an external id; all are returned,
// up to 1,000. Blank entries are ignored; an external id no ticket could
// have (too long, NUL, invalid UTF-8) is EINVALID.
func (s *Service) GetManyByExternalIDs(ctx context.Context, exts []string) (_ []*desk.Ticket, err error) {
	defer func() { err = wrapf(err, "ticket: show many by external ids") }()
	seen := map[string]bool{}
	var want []string
	for _, e := range exts {
		e = strings.TrimSpace(e)
		if e == "" || seen[e] {
			continue
		}
		if !validExternalID(e) {
			return nil, desk.Invalid("external_ids", "holds a value that is not a valid external id")
		}
		seen[e] = true
		want = append(want, e)
	}
	if len(want) > MaxShowMany {
		return nil, desk.Errorf(desk.ETOOLARGE, "Too many external ids (maximum is %d)", MaxShowMany)
	}
	if len(want) == 0 {
		return []*desk.Ticket{}, nil
	}
	ts, _, err := s.List(ctx, ListFilter{ExternalIDs: want, Limit: maxExternalMatches})
	return ts, err
}

// validExternalID reports whether s could be a stored external id: not too
// long, valid UTF-8, no NUL (PostgreSQL cannot even compare such text).
func validExternalID(s string) bool {
	return len(s) <= maxExternal && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
