package ticket

import (
	"context"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// answeredKey marks an edit made by SolveAnswered.
type answeredKey struct{}

// SolveAnswered marks request id solved for its requester (the caller,
// acting as a requester as in UpdateRequest) because a help-center article
// the answer bot suggested answered it. Unlike a requester's "solved"
// through the Requests API, a ticket nobody is assigned yet may be solved
// this way (as Zendesk's answer bot does): nobody worked it, so nobody
// becomes its assignee. also runs first in the same transaction (the bot
// records that its link was used, so a link solves at most once); an
// error from it changes nothing.
func (s *Service) SolveAnswered(ctx context.Context, id int64, also func(ctx context.Context, tx *store.Tx) error) (err error) {
	defer func() { err = wrapf(err, "ticket: solve answered request %d", id) }()
	ctx, p, err := asRequester(ctx)
	if err != nil {
		return err
	}
	solved := string(desk.StatusSolved)
	ctx = context.WithValue(ctx, answeredKey{}, true)
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if also != nil {
			if err := also(ctx, tx); err != nil {
				return err
			}
		}
		_, _, err := s.updateTx(ctx, tx, p, id, Input{Status: &solved})
		return err
	})
}

// solvedByAnswer reports whether the edit is SolveAnswered's.
func solvedByAnswer(ctx context.Context) bool {
	v, _ := ctx.Value(answeredKey{}).(bool)
	return v
}
