package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
)

// Organization memberships on the agent workspace's user page: the user's
// organizations (the default marked), and for staff who may change them,
// forms to add one, remove one and choose the default. The people service
// decides who may; these handlers only translate forms.

// maxOrgChoices bounds the organizations offered in the "add" list.
const maxOrgChoices = 100

// userOrgs fills the user page's organizations and, when the viewer may
// change them, the organizations the user could still join.
func (s *Server) userOrgs(ctx context.Context, d *userPageData) error {
	ms, err := s.d.People.ListOrgMemberships(ctx, people.OrgMembershipFilter{UserID: d.U.ID, UserOrder: true})
	if err != nil {
		return err
	}
	d.Memberships = ms
	if !d.CanEdit {
		return nil
	}
	all, err := s.d.People.ListOrganizations(ctx, 0, maxOrgChoices, 0)
	if err != nil {
		return err
	}
	member := map[int64]bool{}
	for _, m := range ms {
		member[m.OrganizationID] = true
	}
	for _, o := range all {
		if !member[o.ID] {
			d.OrgChoices = append(d.OrgChoices, o)
		}
	}
	return nil
}

func (s *Server) agentUserAddOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	orgID, err := strconv.ParseInt(r.PostFormValue("organization_id"), 10, 64)
	if err != nil || orgID <= 0 {
		return desk.Invalid("organization_id", "does not exist")
	}
	if _, err := s.d.People.CreateOrgMembership(r.Context(), id, orgID, r.PostFormValue("default") == "1"); err != nil {
		return err
	}
	return redirect(w, r, withMsg(userPath(id), "updated"))
}

func (s *Server) agentUserDefaultOrg(w http.ResponseWriter, r *http.Request) error {
	id, orgID, err := userAndOrg(r)
	if err != nil {
		return err
	}
	if _, err := s.d.People.MakeDefaultOrganization(r.Context(), id, orgID); err != nil {
		return err
	}
	return redirect(w, r, withMsg(userPath(id), "updated"))
}

func (s *Server) agentUserRemoveOrg(w http.ResponseWriter, r *http.Request) error {
	id, orgID, err := userAndOrg(r)
	if err != nil {
		return err
	}
	if err := s.d.People.DeleteUserOrganization(r.Context(), id, orgID); err != nil {
		return err
	}
	return redirect(w, r, withMsg(userPath(id), "updated"))
}

func userAndOrg(r *http.Request) (int64, int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	orgID, err := pathID(r, "org")
	return id, orgID, err
}

func userPath(id int64) string { return "/agent/users/" + strconv.FormatInt(id, 10) }
