package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/search"
	"github.com/frontdesk/frontdesk/internal/search/query"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

type userPageData struct {
	U *desk.User
	// Memberships are the user's organizations (the default first);
	// OrgChoices those the viewer may add the user to.
	Memberships []*desk.OrganizationMembership
	OrgChoices  []*desk.Organization
	Fields      []personFieldRow
	Rows        []viewRow
	Count       int
	Pager       pager
	CanEdit     bool
	// Export is the "Export data" box; nil when the viewer may not export
	// this user (or exports are off).
	Export *userExport
}

func (s *Server) agentUser(w http.ResponseWriter, r *http.Request) error {
	return s.showAgentUser(w, r, http.StatusOK, "")
}

// showAgentUser renders the agent's user page with status, and msg as the
// page's error when set.
func (s *Server) showAgentUser(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	rc := rcFrom(r)
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.d.People.GetUser(ctx, id)
	if err != nil {
		return err
	}
	// Only a hint for the page: the people service decides on submit.
	d := userPageData{U: u, CanEdit: rc.p.IsAdmin() || (u.Role == desk.RoleEndUser && rc.p.Can().EditEndUsers)}
	fields, err := s.d.People.PersonFields(ctx, desk.ScopeUser)
	if err != nil {
		return err
	}
	d.Fields = personFieldRows(fields, u.UserFields)
	if err := s.userOrgs(ctx, &d); err != nil {
		return err
	}
	f := ticket.ListFilter{RequesterID: u.ID, SortBy: "updated_at", Desc: true, Limit: viewPerPage}
	if err := s.ticketList(r, &f, &d.Rows, &d.Count, &d.Pager); err != nil {
		return err
	}
	if d.Export, err = s.userExportBox(r, u); err != nil {
		return err
	}
	pg := s.newPage(r, "agent", u.Name)
	pg.Nav = "customers"
	pg.Error = msg
	pg.Data = d
	return s.render(w, status, "agent_user", pg)
}

// ticketList pages through tickets matching f.
func (s *Server) ticketList(r *http.Request, f *ticket.ListFilter, rows *[]viewRow, count *int, pgr *pager) error {
	ctx := r.Context()
	n, err := s.d.Tickets.Count(ctx, *f)
	if err != nil {
		return err
	}
	*count = n
	*pgr = newPager(r, n, f.Limit)
	f.Offset = (pgr.Page - 1) * f.Limit
	ts, _, err := s.d.Tickets.List(ctx, *f)
	if err != nil {
		return err
	}
	*rows, err = s.rows(ctx, ts)
	return err
}

func (s *Server) agentUserNotes(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	notes := r.PostFormValue("notes")
	details := r.PostFormValue("details")
	fields, err := s.d.People.PersonFields(r.Context(), desk.ScopeUser)
	if err != nil {
		return err
	}
	in := people.UserInput{Notes: &notes, Details: &details, UserFields: personFieldsFromForm(r, fields)}
	if _, err := s.d.People.UpdateUser(r.Context(), id, in); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/users/"+strconv.FormatInt(id, 10), "updated"))
}

type orgPageData struct {
	O       *desk.Organization
	Fields  []personFieldRow
	Users   []*desk.User
	Rows    []viewRow
	Count   int
	Pager   pager
	CanEdit bool
}

func (s *Server) agentOrg(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.d.People.GetOrganization(ctx, id)
	if err != nil {
		return err
	}
	d := orgPageData{O: o, CanEdit: rc.p.IsAdmin()}
	fields, err := s.d.People.PersonFields(ctx, desk.ScopeOrganization)
	if err != nil {
		return err
	}
	d.Fields = personFieldRows(fields, o.Fields)
	if d.Users, err = s.d.People.ListUsers(ctx, people.UserFilter{OrganizationID: id, Limit: 100}); err != nil {
		return err
	}
	f := ticket.ListFilter{OrganizationID: id, SortBy: "updated_at", Desc: true, Limit: viewPerPage}
	if err := s.ticketList(r, &f, &d.Rows, &d.Count, &d.Pager); err != nil {
		return err
	}
	pg := s.newPage(r, "agent", o.Name)
	pg.Nav = "organizations"
	pg.Data = d
	return s.render(w, http.StatusOK, "agent_org", pg)
}

func (s *Server) agentOrgNotes(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	notes := r.PostFormValue("notes")
	details := r.PostFormValue("details")
	fields, err := s.d.People.PersonFields(r.Context(), desk.ScopeOrganization)
	if err != nil {
		return err
	}
	in := people.OrganizationInput{Notes: &notes, Details: &details, Fields: personFieldsFromForm(r, fields)}
	if _, err := s.d.People.UpdateOrganization(r.Context(), id, in); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/organizations/"+strconv.FormatInt(id, 10), "updated"))
}

type searchTab struct {
	Type  string
	Title string
	Count int
	URL   string
	On    bool
}

type searchData struct {
	Query   string
	Tabs    []searchTab
	Type    string
	Tickets []viewRow
	Users   []*desk.User
	Orgs    []*desk.Organization
	Pager   pager
	Invalid string
}

const searchPerPage = 25

// agentSearch runs the query language and shows results by type.
func (s *Server) agentSearch(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pg := s.newPage(r, "agent", "")
	pg.Title = pg.T("nav.search")
	pg.Nav = "search"
	d := searchData{Query: q, Type: r.URL.Query().Get("type")}
	pg.Data = &d
	if q == "" {
		return s.render(w, http.StatusOK, "agent_search", pg)
	}
	parsed, err := s.d.Search.Parse(ctx, q)
	var qe *query.Error
	if errors.As(err, &qe) {
		d.Invalid = rc.T("search.invalid_query") + " " + qe.Message
		return s.render(w, http.StatusUnprocessableEntity, "agent_search", pg)
	}
	if err != nil {
		return err
	}
	types := []string{"ticket", "user", "organization"}
	if parsed.Type != "" {
		types = []string{parsed.Type}
	}
	titles := map[string]string{"ticket": "search.tickets", "user": "search.users", "organization": "search.organizations"}
	withType := func(t string) string {
		if parsed.Type != "" {
			return q
		}
		return q + " type:" + t
	}
	for _, t := range types {
		n, err := s.d.Search.Count(ctx, withType(t))
		if desk.ErrorCode(err) == desk.EINVALID {
			d.Invalid = rc.T("search.invalid_query") + " " + errorText(err)
			return s.render(w, http.StatusUnprocessableEntity, "agent_search", pg)
		}
		if err != nil {
			return err
		}
		d.Tabs = append(d.Tabs, searchTab{Type: t, Title: rc.T(titles[t]), Count: n,
			URL: "/agent/search?q=" + url.QueryEscape(q) + "&type=" + t})
	}
	if d.Type == "" || !contains(types, d.Type) {
		d.Type = types[0]
		for _, tab := range d.Tabs {
			if tab.Count > 0 {
				d.Type = tab.Type
				break
			}
		}
	}
	var count int
	for i := range d.Tabs {
		if d.Tabs[i].Type == d.Type {
			d.Tabs[i].On = true
			count = d.Tabs[i].Count
		}
	}
	d.Pager = newPager(r, min(count, search.MaxResults), searchPerPage)
	res, _, err := s.d.Search.Search(ctx, withType(d.Type), d.Pager.Page, searchPerPage)
	if err != nil {
		if desk.ErrorCode(err) == desk.EINVALID {
			d.Invalid = rc.T("search.invalid_query") + " " + errorText(err)
			return s.render(w, http.StatusUnprocessableEntity, "agent_search", pg)
		}
		return err
	}
	var ts []*desk.Ticket
	for _, x := range res {
		switch {
		case x.Ticket != nil:
			ts = append(ts, x.Ticket)
		case x.User != nil:
			d.Users = append(d.Users, x.User)
		case x.Organization != nil:
			d.Orgs = append(d.Orgs, x.Organization)
		}
	}
	if d.Tickets, err = s.rows(ctx, ts); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "agent_search", pg)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
