package search

import (
	"context"
	"errors"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/search/query"
)

// SearchUsers runs a Zendesk user search (GET /users/search?query=): the
// query in the search syntax (email:, role:, name:, tags:, organization:,
// group:, external_id:, phone:, created>…, free text), restricted to
// users. It is for staff, as Zendesk's; a type: other than user in the
// query is refused.
func (s *Service) SearchUsers(ctx context.Context, q string, page, perPage int) ([]*desk.User, int, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, 0, err
	}
	if !p.IsStaff() {
		return nil, 0, desk.Forbidden("You are not allowed to search users")
	}
	pq, err := s.parse(ctx, p, q) // knows the user-field keys, as Search does
	if err != nil {
		var qe *query.Error
		if errors.As(err, &qe) {
			return nil, 0, invalidSearch(qe.Message)
		}
		return nil, 0, err
	}
	if pq.Type != "" && pq.Type != "user" {
		return nil, 0, invalidSearch("users/search finds users only; leave out type:")
	}
	if pq.Type == "" {
		q = "type:user " + q
	}
	results, n, err := s.Search(ctx, q, page, perPage)
	if err != nil {
		return nil, 0, err
	}
	us := make([]*desk.User, 0, len(results))
	for _, res := range results {
		if res.User != nil {
			us = append(us, res.User)
		}
	}
	return us, n, nil
}
