package search

import (
	"context"
	"strings"

	"github.com/frontdesk/frontdesk/internal/textfold"
)

// publicFilter runs an end-user's free-text ticket search.
//
// ticket_search documents hold every comment, internal notes included, so
// matching an end-user's words against them would let the user probe notes
// they may not read ("does my ticket mention 'fraud'?"), through both
// positive and negated words. Instead the stores only narrow the
// candidates (every positive word must occur somewhere in the document),
// and the words are then checked in Go against what the user can read: the
// subject, the tags and the public comments. Relevance is not used for the
// same reason. At most maxPublicCandidates tickets are checked, which is
// far more than one user's own tickets.
func (r *run) publicFilter(ctx context.Context, tg *target, skip, want int) ([]int64, int, error) {
	q, args := r.sql(tg, sqlIDs)
	cands, err := queryIDs(ctx, r.db.ByValue(), q+" LIMIT ?", append(args, maxPublicCandidates)...)
	if err != nil || len(cands) == 0 {
		return nil, 0, err
	}
	texts, err := r.publicTexts(ctx, cands)
	if err != nil {
		return nil, 0, err
	}
	var hits []int64
	for _, id := range cands {
		b := texts[id]
		if b == nil {
			continue // gone since the candidates were read
		}
		doc := textfold.Words(b.String())
		ok := true
		for _, w := range tg.pos {
			if !matchesWords(doc, w) {
				ok = false
				break
			}
		}
		for _, w := range tg.neg {
			if !ok {
				break
			}
			if matchesWords(doc, w) {
				ok = false
			}
		}
		if ok {
			hits = append(hits, id)
		}
	}
	n := len(hits)
	if want <= 0 || skip >= n {
		return nil, n, nil
	}
	return hits[skip:min(n, skip+want)], n, nil
}

// publicTexts collects the readable text of tickets: subject, tags and
// public comment bodies.
func (r *run) publicTexts(ctx context.Context, ids []int64) (map[int64]*strings.Builder, error) {
	out := make(map[int64]*strings.Builder, len(ids))
	set := idList(r.db.Dialect, ids)
	rows, err := r.db.Query(ctx, `SELECT t.id, t.subject, t.tags FROM tickets t WHERE t.id IN `+set.sql, set.args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var subject, tags string
		if err := rows.Scan(&id, &subject, &tags); err != nil {
			rows.Close()
			return nil, err
		}
		b := &strings.Builder{}
		b.WriteString(subject)
		b.WriteByte('\n')
		b.WriteString(tags)
		b.WriteByte('\n')
		out[id] = b
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = r.db.Query(ctx, `SELECT c.ticket_id, c.body FROM ticket_comments c WHERE c.public = ? AND c.ticket_id IN `+set.sql+` ORDER BY c.id`,
		append([]any{true}, set.args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		if b := out[id]; b != nil {
			b.WriteString(body)
			b.WriteByte('\n')
		}
	}
	return out, rows.Err()
}
