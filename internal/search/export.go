package search

import (
	"context"
	"fmt"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// MaxExportPage is the largest page of an export, as in Zendesk's
// search/export endpoint.
const MaxExportPage = 1000

// Export runs q over one record type ("ticket", "user" or "organization")
// for the principal in ctx and returns up to size matches whose ids are
// above after, in ascending id order, and whether more follow. Unlike
// Search it has no result limit and no relevance order: clients walk the
// whole result set with the id of the last record as the next cursor.
// size is clamped to 1…MaxExportPage (0 means 100). A type: in q that
// differs from typ finds nothing.
func (s *Service) Export(ctx context.Context, q, typ string, after int64, size int) (results []Result, more bool, err error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, false, err
	}
	var ent *entity
	for _, e := range []*entity{ticketEntity, userEntity, orgEntity} {
		if e.typ == typ {
			ent = e
		}
	}
	if ent == nil {
		return nil, false, desk.Invalid("filter[type]", "must be one of ticket, user, organization")
	}
	if size <= 0 {
		size = 100
	}
	size = min(size, MaxExportPage)
	if after < 0 {
		after = 0
	}
	r, targets, err := s.prepare(ctx, p, q)
	if err != nil {
		return nil, false, err
	}
	results = []Result{}
	if len(targets) == 0 && len(r.q.Terms) > 0 {
		return results, false, nil // only ignorable free text
	}
	if r.q.Type != "" && r.q.Type != typ {
		return results, false, nil
	}
	// End-users search only tickets (see prepare).
	if ent != ticketEntity && !p.IsStaff() {
		return results, false, nil
	}
	tg := &target{ent: ent, keyset: true, afterID: after}
	if err := r.compile(ctx, tg); err != nil {
		return nil, false, err
	}
	if tg.never {
		return results, false, nil
	}
	var ids []int64
	if tg.public {
		ids, _, err = r.publicFilter(ctx, tg, 0, size+1)
	} else {
		q, args := r.sql(tg, sqlIDs)
		ids, err = queryIDs(ctx, r.db.ByValue(), q+" LIMIT ?", append(args, size+1)...)
	}
	if err != nil {
		return nil, false, fmt.Errorf("search export: %w", err)
	}
	if len(ids) > size {
		ids, more = ids[:size], true
	}
	loaded, err := s.load(ctx, typ, ids)
	if err != nil {
		return nil, false, fmt.Errorf("search export: %w", err)
	}
	return append(results, loaded...), more, nil
}
