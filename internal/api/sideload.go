package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/locale"
	"github.com/frontdesk/frontdesk/internal/people"
)

// sideload adds ?include=users,groups,organizations records referenced by
// the tickets to body, each list loaded with one query.
func (s *Server) sideload(r *http.Request, body map[string]any, ts []*desk.Ticket) error {
	inc := r.URL.Query().Get("include")
	if inc == "" {
		return nil
	}
	ctx := r.Context()
	for _, what := range strings.Split(inc, ",") {
		switch strings.TrimSpace(what) {
		case "users":
			var ids []int64
			for _, t := range ts {
				ids = append(ids, t.RequesterID, t.SubmitterID)
				if t.AssigneeID != nil {
					ids = append(ids, *t.AssigneeID)
				}
				ids = append(ids, t.CollaboratorIDs...)
			}
			us, err := s.People.GetUsers(ctx, uniq(ids))
			if err != nil {
				return err
			}
			withUserURLs(r, us...)
			body["users"] = us
		case "groups":
			var ids []int64
			for _, t := range ts {
				if t.GroupID != nil {
					ids = append(ids, *t.GroupID)
				}
			}
			gs, err := s.People.GetGroups(ctx, uniq(ids))
			if err != nil {
				return err
			}
			withGroupURLs(r, gs...)
			body["groups"] = gs
		case "organizations":
			var ids []int64
			for _, t := range ts {
				if t.OrganizationID != nil {
					ids = append(ids, *t.OrganizationID)
				}
			}
			os, err := s.People.GetOrganizations(ctx, uniq(ids))
			if err != nil {
				return err
			}
			withOrgURLs(r, os...)
			body["organizations"] = os
		case "slas": // p8-sla: inside each ticket, as Zendesk puts it
			if err := s.ticketSLAs(r, ts); err != nil {
				return err
			}
		case "":
		default:
			return errBadRequest("include supports users, groups, organizations and slas")
		}
	}
	return nil
}

func uniq(ids []int64) []int64 {
	ids = slices.DeleteFunc(ids, func(id int64) bool { return id == 0 })
	slices.Sort(ids)
	return slices.Compact(ids)
}

func withUserURLs(r *http.Request, us ...*desk.User) {
	base := baseURL(r)
	for _, u := range us {
		u.URL = base + "/api/v2/users/" + itoa(u.ID) + ".json"
		u.LocaleID = locale.Default().ID(u.Locale)
	}
	people.ShowTwoFactor(desk.PrincipalFrom(r.Context()), us...)
}
