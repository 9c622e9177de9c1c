package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/search"
	"github.com/frontdesk/frontdesk/internal/ticket"
	"github.com/frontdesk/frontdesk/internal/views"
)

// A view is a saved search. Views with status conditions run through the
// search service, which applies the same visibility rules as the API.
type viewDef struct {
	ID  string
	Key string // catalogue key of the title
}

var viewDefs = []viewDef{
	{"my", "views.my_open"},
	{"unassigned", "views.unassigned_in_groups"},
	{"unsolved", "views.all_unsolved"},
	{"pending", "views.pending"},
	{"updated", "views.recently_updated"},
	{"solved", "views.recently_solved"},
}

// viewQuery returns the search query of a view for the principal in ctx;
// ok is false when the view is necessarily empty (no groups).
func (s *Server) viewQuery(ctx context.Context, p *desk.Principal, id string) (q string, ok bool, err error) {
	switch id {
	case "my":
		return "type:ticket assignee:me status<solved", true, nil
	case "unassigned":
		mine, err := s.d.People.ListMemberships(ctx, p.UserID, 0)
		if err != nil {
			return "", false, err
		}
		if len(mine) == 0 {
			return "", false, nil
		}
		groups, err := s.d.People.ListGroups(ctx, 0, 1000, 0)
		if err != nil {
			return "", false, err
		}
		my := map[int64]bool{}
		for _, m := range mine {
			my[m.GroupID] = true
		}
		// The query language has no OR: "in my groups" is "in a group and
		// in none of the others".
		var b strings.Builder
		b.WriteString("type:ticket assignee:none status<solved -group:none")
		for _, g := range groups {
			if !my[g.ID] {
				b.WriteString(" -group:" + strconv.FormatInt(g.ID, 10))
			}
		}
		return b.String(), true, nil
	case "unsolved":
		return "type:ticket status<solved", true, nil
	case "pending":
		return "type:ticket status:pending", true, nil
	case "updated":
		return "type:ticket updated>7days", true, nil
	case "solved":
		return "type:ticket status:solved solved>7days", true, nil
	}
	return "", false, desk.NotFound()
}

var sortFields = []string{"updated_at", "created_at", "priority", "status"}

type viewLink struct {
	ID, Title string
	Count     int
	Active    bool
}

type viewRow struct {
	T         *desk.Ticket
	Requester string
	Assignee  string
}

type viewData struct {
	View    viewLink
	Views   []viewLink
	Rows    []viewRow
	Pager   pager
	Sort    string
	Dir     string
	SortURL map[string]string
	Agents  []*desk.User
	Return  string

	// Configured views (package views): the sidebar's second list, and for
	// one of them its columns and rows.
	Custom  []viewLink
	Columns []colHead
	CRows   []cviewRow
	// Macros the agent may apply to the selected tickets.
	Macros []*macros.Macro
}

const viewPerPage = 25

func (s *Server) agentHome(w http.ResponseWriter, r *http.Request) error {
	return s.showView(w, r, "my")
}

func (s *Server) agentView(w http.ResponseWriter, r *http.Request) error {
	return s.showView(w, r, r.PathValue("view"))
}

func (s *Server) showView(w http.ResponseWriter, r *http.Request, id string) error {
	rc := rcFrom(r)
	ctx := r.Context()
	known := false
	for _, v := range viewDefs {
		known = known || v.ID == id
	}
	var custom *views.View
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 && s.d.Views != nil {
		if custom, err = s.d.Views.Get(ctx, n); err != nil {
			return err
		}
	} else if !known {
		return desk.NotFound()
	}
	pg := s.newPage(r, "agent", "")
	pg.Nav = "views"
	d := viewData{Return: r.URL.RequestURI()}
	queries := map[string]string{}
	for _, v := range viewDefs {
		q, ok, err := s.viewQuery(ctx, rc.p, v.ID)
		if err != nil {
			return err
		}
		link := viewLink{ID: v.ID, Title: rc.T(v.Key), Active: v.ID == id}
		if ok {
			queries[v.ID] = q
			if link.Count, err = s.d.Search.Count(ctx, q); err != nil {
				return err
			}
		}
		d.Views = append(d.Views, link)
		if link.Active {
			d.View = link
		}
	}
	if err := s.customViews(ctx, &d, id); err != nil {
		return err
	}
	if custom != nil {
		if err := s.fillCustomView(r, &d, custom); err != nil {
			return err
		}
	}
	pg.Title = d.View.Title

	d.Sort, d.Dir = r.URL.Query().Get("sort"), r.URL.Query().Get("dir")
	if !slices.Contains(sortFields, d.Sort) {
		d.Sort = "updated_at"
	}
	if d.Dir != "asc" {
		d.Dir = "desc"
	}
	d.SortURL = map[string]string{}
	for _, f := range sortFields {
		dir := "desc"
		if f == d.Sort && d.Dir == "desc" {
			dir = "asc"
		}
		d.SortURL[f] = r.URL.Path + "?" + url.Values{"sort": {f}, "dir": {dir}}.Encode()
	}
	if custom == nil {
		d.Pager = newPager(r, min(d.View.Count, search.MaxResults), viewPerPage)
	}
	if q, ok := queries[id]; ok && d.View.Count > 0 {
		res, _, err := s.d.Search.Search(ctx, q+" order_by:"+d.Sort+" sort:"+d.Dir, d.Pager.Page, viewPerPage)
		if err != nil {
			return err
		}
		var ts []*desk.Ticket
		for _, x := range res {
			if x.Ticket != nil {
				ts = append(ts, x.Ticket)
			}
		}
		if d.Rows, err = s.rows(ctx, ts); err != nil {
			return err
		}
	}
	agents, err := s.agents(ctx)
	if err != nil {
		return err
	}
	d.Agents = agents
	if d.Macros, err = s.usableMacros(ctx); err != nil {
		return err
	}
	pg.Data = d
	return s.render(w, http.StatusOK, "agent_views", pg)
}

// rows adds requester and assignee names to tickets.
func (s *Server) rows(ctx context.Context, ts []*desk.Ticket) ([]viewRow, error) {
	names, err := s.userNames(ctx, ts)
	if err != nil {
		return nil, err
	}
	out := make([]viewRow, 0, len(ts))
	for _, t := range ts {
		row := viewRow{T: t, Requester: names[t.RequesterID]}
		if t.AssigneeID != nil {
			row.Assignee = names[*t.AssigneeID]
		}
		out = append(out, row)
	}
	return out, nil
}

func (s *Server) userNames(ctx context.Context, ts []*desk.Ticket) (map[int64]string, error) {
	var ids []int64
	for _, t := range ts {
		ids = append(ids, t.RequesterID)
		if t.AssigneeID != nil {
			ids = append(ids, *t.AssigneeID)
		}
	}
	return s.namesOf(ctx, ids)
}

func (s *Server) namesOf(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return out, nil
	}
	us, err := s.d.People.GetUsers(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, u := range us {
		out[u.ID] = u.Name
	}
	return out, nil
}

// agents lists active agents and admins (for assignee choices).
func (s *Server) agents(ctx context.Context) ([]*desk.User, error) {
	return s.d.People.ListUsers(ctx, peopleStaffFilter)
}

// agentBulk applies one change to the selected tickets.
func (s *Server) agentBulk(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	ret := safeReturn(r.PostFormValue("return"), "/agent")
	var ids []int64
	for _, v := range r.PostForm["ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || len(ids) > 100 {
		return redirect(w, r, ret)
	}
	if target := formID(r, "merge_into"); target != 0 {
		src := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id == target })
		if len(src) == 0 {
			return redirect(w, r, ret)
		}
		if err := s.d.Tickets.Merge(ctx, target, ticket.MergeInput{IDs: src}); err != nil {
			return err
		}
		return redirect(w, r, withMsg("/agent/tickets/"+strconv.FormatInt(target, 10), "merged"))
	}
	var failed []string
	if mid := formID(r, "macro_id"); mid != 0 && s.d.Macros != nil {
		for _, id := range ids {
			if _, _, err := s.d.Macros.Apply(ctx, mid, id); err != nil {
				if !formError(err) && desk.ErrorCode(err) != desk.ENOTFOUND && desk.ErrorCode(err) != desk.EFORBIDDEN {
					return err
				}
				failed = append(failed, "#"+strconv.FormatInt(id, 10)+": "+errorText(err))
			}
		}
	}
	var in ticket.Input
	switch a := r.PostFormValue("assignee"); a {
	case "":
	case "none":
		in.AssigneeID = desk.SetID(0)
	case "me":
		in.AssigneeID = desk.SetID(rc.p.UserID)
	default:
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return desk.Invalid("assignee", "is not valid")
		}
		in.AssigneeID = desk.SetID(id)
	}
	if st := r.PostFormValue("status"); st != "" {
		in.Status = &st
	}
	if pr := r.PostFormValue("priority"); pr != "" {
		in.Priority = desk.NullString{Set: true, Value: pr}
		if pr == "none" {
			in.Priority.Value = ""
		}
	}
	if tag := strings.TrimSpace(r.PostFormValue("add_tag")); tag != "" {
		in.AdditionalTags = strings.Fields(tag)
	}
	for _, id := range ids {
		if _, _, err := s.d.Tickets.Update(ctx, id, in); err != nil {
			if !formError(err) && desk.ErrorCode(err) != desk.ENOTFOUND {
				return err
			}
			failed = append(failed, "#"+strconv.FormatInt(id, 10)+": "+errorText(err))
		}
	}
	if len(failed) > 0 {
		s.renderError(w, r, http.StatusUnprocessableEntity, rc.T("web.bulk_failed")+" "+strings.Join(failed, "; "))
		return nil
	}
	return redirect(w, r, withMsg(ret, "bulk"))
}
