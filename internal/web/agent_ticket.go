package web

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/macros"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/realtime"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

var peopleStaffFilter = people.UserFilter{Roles: []desk.Role{desk.RoleAgent, desk.RoleAdmin}, Limit: 1000}

type fieldView struct {
	F       *desk.TicketField
	Value   string
	Checked bool
}

type auditView struct {
	Author string
	At     desk.Time
	Via    string
	Lines  []string
}

type ticketData struct {
	T            *desk.Ticket
	Comments     []*desk.Comment
	Audits       []auditView
	Names        map[int64]string
	Requester    *desk.User
	Org          *desk.Organization
	OtherTickets []*desk.Ticket
	Groups       []*desk.Group
	Agents       []*desk.User
	Fields       []fieldView
	Forms        []*desk.TicketForm // active forms, to change the ticket's form
	FormID       int64
	Presence     presenceData
	Stamp        string
	Draft        string
	DraftPublic  bool
	Tags         string
	Followers    []int64
	// SLA are the badges of the ticket's SLA targets (p8-sla).
	SLA []slaBadge
	// Macros the agent may apply here (p8-views).
	Macros []*macros.Macro
	// Articles are help-center articles related to the subject (p10-hc).
	Articles []hcLink
	// Share is the "Share link" box (p9-share; nil: links are off or the
	// viewer may not manage them).
	Share *shareBox
}

// ticketForm is what a re-shown ticket page keeps from a failed submit.
type ticketForm struct {
	draft  string
	public bool
	// shareURL is a share link just made, shown once.
	shareURL string
}

func (s *Server) agentTicket(w http.ResponseWriter, r *http.Request) error {
	return s.showTicket(w, r, http.StatusOK, "", nil, ticketForm{public: true})
}

func (s *Server) showTicket(w http.ResponseWriter, r *http.Request, status int, errMsg string, fe map[string][]string, form ticketForm) error {
	rc := rcFrom(r)
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.d.Tickets.Get(ctx, id)
	if err != nil {
		return err
	}
	d := ticketData{T: t, Draft: form.draft, DraftPublic: form.public, Tags: strings.Join(t.Tags, " "), Followers: t.FollowerIDs}
	d.Stamp = t.UpdatedAt.UTC().Format(time.RFC3339Nano)
	if d.Comments, _, err = s.d.Tickets.Comments(ctx, id, 0, 1000, false); err != nil {
		return err
	}
	audits, _, err := s.d.Tickets.Audits(ctx, id, 0, 500)
	if err != nil {
		return err
	}
	if d.Groups, err = s.d.People.ListGroups(ctx, 0, 1000, 0); err != nil {
		return err
	}
	if d.Agents, err = s.agents(ctx); err != nil {
		return err
	}
	ids := []int64{t.RequesterID}
	if t.AssigneeID != nil {
		ids = append(ids, *t.AssigneeID)
	}
	for _, c := range d.Comments {
		ids = append(ids, c.AuthorID)
	}
	for _, a := range audits {
		ids = append(ids, a.AuthorID)
		for _, e := range a.Events {
			if e.FieldName == "assignee_id" || e.FieldName == "requester_id" {
				ids = append(ids, idOf(e.Value), idOf(e.PreviousValue))
			}
		}
	}
	if d.Names, err = s.namesOf(ctx, ids); err != nil {
		return err
	}
	if d.Requester, err = s.d.People.GetUser(ctx, t.RequesterID); err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
		return err
	}
	if t.OrganizationID != nil {
		if d.Org, err = s.d.People.GetOrganization(ctx, *t.OrganizationID); err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
			return err
		}
	}
	others, _, err := s.d.Tickets.List(ctx, ticket.ListFilter{RequesterID: t.RequesterID, SortBy: "updated_at", Desc: true, Limit: 8})
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID != t.ID {
			d.OtherTickets = append(d.OtherTickets, o)
		}
	}
	fields, err := s.ticketCustomFields(ctx, t)
	if err != nil {
		return err
	}
	active := true
	if d.Forms, err = s.d.Tickets.Forms(ctx, ticket.FormFilter{Active: &active}); err != nil {
		return err
	}
	if t.TicketFormID != nil {
		d.FormID = *t.TicketFormID
	}
	vals := map[int64]any{}
	for _, cv := range t.CustomFields {
		vals[cv.ID] = cv.Value
	}
	for _, f := range fields {
		v := fieldString(vals[f.ID])
		d.Fields = append(d.Fields, fieldView{F: f, Value: v, Checked: v == "true"})
	}
	groupNames := map[int64]string{}
	for _, g := range d.Groups {
		groupNames[g.ID] = g.Name
	}
	for i := len(audits) - 1; i >= 0; i-- { // newest first
		d.Audits = append(d.Audits, s.auditView(rc, audits[i], d.Names, groupNames))
	}
	d.Presence = s.presence(rc, id)
	if d.SLA, err = s.ticketSLA(r, id); err != nil {
		return err
	}
	if d.Macros, err = s.usableMacros(ctx); err != nil {
		return err
	}
	if d.Articles, err = s.relatedArticles(r, t.Subject); err != nil {
		return err
	}
	if d.Share, err = s.shareBoxFor(r, id, form.shareURL); err != nil {
		return err
	}

	pg := s.newPage(r, "agent", t.Subject)
	pg.Nav = "views"
	pg.TicketID = t.ID
	pg.Error = errMsg
	pg.FieldErrors = fe
	pg.Data = d
	return s.render(w, status, "agent_ticket", pg)
}

func idOf(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	case json.Number:
		i, _ := n.Int64()
		return i
	}
	return 0
}

// fieldString is a custom field value as a form value.
func fieldString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return fmtValue(v)
}

var auditFieldKeys = map[string]string{
	"subject": "ticket.subject", "status": "ticket.status", "priority": "ticket.priority", "type": "ticket.type",
	"assignee_id": "ticket.assignee", "group_id": "ticket.group", "tags": "ticket.tags", "requester_id": "ticket.requester",
	"organization_id": "ticket.organization", "follower_ids": "ticket.followers", "custom_fields": "ticket.custom_fields",
	"due_at": "ticket.due_at", "email_cc_ids": "web.ccs", "collaborator_ids": "web.ccs", "problem_id": "web.problem",
	"external_id": "web.external_id",
}

// auditView describes one audit in the visitor's language.
func (s *Server) auditView(rc *reqCtx, a *desk.Audit, names map[int64]string, groups map[int64]string) auditView {
	av := auditView{Author: names[a.AuthorID], At: a.CreatedAt, Via: a.Via.Channel}
	if av.Author == "" {
		av.Author = rc.T("web.system")
	}
	show := func(field string, v any) string {
		switch field {
		case "status":
			if s, _ := v.(string); s != "" {
				return rc.T("status." + s)
			}
		case "priority":
			if s, _ := v.(string); s != "" {
				return rc.T("priority." + s)
			}
		case "type":
			if s, _ := v.(string); s != "" {
				return rc.T("type." + s)
			}
		case "assignee_id", "requester_id":
			if id := idOf(v); id != 0 && names[id] != "" {
				return names[id]
			}
		case "group_id":
			if id := idOf(v); id != 0 && groups[id] != "" {
				return groups[id]
			}
		}
		return fmtValue(v)
	}
	label := func(field string) string {
		if k, ok := auditFieldKeys[field]; ok {
			return rc.T(k)
		}
		return field
	}
	for _, e := range a.Events {
		switch e.Type {
		case "Create":
			if e.FieldName == "subject" {
				av.Lines = append(av.Lines, rc.T("ticket.audit.created"))
			} else if e.FieldName != "requester_id" && e.FieldName != "status" {
				av.Lines = append(av.Lines, rc.T("ticket.audit.set", "field", label(e.FieldName), "to", show(e.FieldName, e.Value)))
			}
		case "Change":
			if e.FieldName == "tags" {
				old, cur := strList(e.PreviousValue), strList(e.Value)
				var added, removed []string
				for _, t := range cur {
					if !slices.Contains(old, t) {
						added = append(added, t)
					}
				}
				for _, t := range old {
					if !slices.Contains(cur, t) {
						removed = append(removed, t)
					}
				}
				if len(added) > 0 {
					av.Lines = append(av.Lines, rc.T("ticket.audit.tags_added", "tags", strings.Join(added, ", ")))
				}
				if len(removed) > 0 {
					av.Lines = append(av.Lines, rc.T("ticket.audit.tags_removed", "tags", strings.Join(removed, ", ")))
				}
				continue
			}
			from, to := show(e.FieldName, e.PreviousValue), show(e.FieldName, e.Value)
			switch {
			case from == "—":
				av.Lines = append(av.Lines, rc.T("ticket.audit.set", "field", label(e.FieldName), "to", to))
			case to == "—":
				av.Lines = append(av.Lines, rc.T("ticket.audit.cleared", "field", label(e.FieldName), "from", from))
			default:
				av.Lines = append(av.Lines, rc.T("ticket.audit.changed", "field", label(e.FieldName), "from", from, "to", to))
			}
		case ticket.SatisfactionEvent: // p8-assign: the requester's rating
			score, _ := e.Value.(string)
			line := rc.T("csat.audit", "score", rc.T("csat.score."+score))
			if e.Body != "" {
				line = rc.T("csat.audit_comment", "score", rc.T("csat.score."+score), "comment", e.Body)
			}
			av.Lines = append(av.Lines, line)
		case "AgentMacroReference":
			av.Lines = append(av.Lines, rc.T("macros.audit_applied", "title", e.MacroTitle))
		case "Error":
			if e.ErrorCode == rules.ErrorTriggerLoop {
				av.Lines = append(av.Lines, rc.T("rules.audit_loop", "passes", rules.MaxPasses, "triggers", strings.Join(strList(e.Value), ", ")))
			} else {
				av.Lines = append(av.Lines, rc.T("rules.audit_error", "message", e.Message))
			}
		case "Comment":
			if e.Public != nil && !*e.Public {
				av.Lines = append(av.Lines, rc.T("ticket.audit.internal_note"))
			} else {
				av.Lines = append(av.Lines, rc.T("ticket.audit.public_reply"))
			}
		}
	}
	return av
}

func strList(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// agentUpdateTicket applies the ticket form: a reply or note and any changed
// properties, as one audited update guarded by safe_update.
func (s *Server) agentUpdateTicket(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.d.Tickets.Get(ctx, id)
	if err != nil {
		return err
	}
	body := r.PostFormValue("body")
	public := r.PostFormValue("public") != "0"
	form := ticketForm{draft: body, public: public}
	in, err := s.ticketInput(ctx, r, t)
	if err != nil {
		return s.showTicket(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation")+" "+errorText(err), fieldErrors(err), form)
	}
	uploads, err := s.uploadFiles(ctx, r)
	if err != nil {
		if formError(err) {
			return s.showTicket(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation")+" "+errorText(err), fieldErrors(err), form)
		}
		return err
	}
	if strings.TrimSpace(body) != "" || len(uploads) > 0 {
		in.Comment = &ticket.CommentInput{Body: body, Public: &public, Uploads: uploads}
	}
	if stamp, err := time.Parse(time.RFC3339Nano, r.PostFormValue("updated_stamp")); err == nil {
		// The form was built from an older version of the ticket: say so
		// rather than overwrite what someone else just did. The service's
		// safe_update closes the race between this check and the write
		// (at its one-second precision).
		if !stamp.Equal(t.UpdatedAt.Time) {
			s.discardUploads(ctx, uploads)
			return s.showTicket(w, r, http.StatusConflict, rc.T("errors.conflict"), nil, form)
		}
		st := desk.Time{Time: stamp}
		in.SafeUpdate, in.UpdatedStamp = true, &st
	}
	_, _, err = s.d.Tickets.Update(ctx, id, in)
	if err != nil {
		s.discardUploads(ctx, uploads)
		if desk.ErrorCode(err) == desk.ECONFLICT {
			return s.showTicket(w, r, http.StatusConflict, rc.T("errors.conflict"), nil, form)
		}
		if formError(err) {
			return s.showTicket(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation")+" "+errorText(err), fieldErrors(err), form)
		}
		return err
	}
	return redirect(w, r, withMsg("/agent/tickets/"+strconv.FormatInt(id, 10), "saved"))
}

// ticketInput reads the property fields of the ticket form, keeping only
// what differs from t (so an untouched form changes nothing).
func (s *Server) ticketInput(ctx context.Context, r *http.Request, t *desk.Ticket) (ticket.Input, error) {
	var in ticket.Input
	f := r.PostForm
	if st := f.Get("status"); st != "" && st != string(t.Status) {
		in.Status = &st
	}
	if _, ok := f["priority"]; ok {
		if v := f.Get("priority"); v != deref(t.Priority) {
			in.Priority = desk.NullString{Set: true, Value: v}
		}
	}
	if _, ok := f["type"]; ok {
		if v := f.Get("type"); v != deref(t.Type) {
			in.Type = desk.NullString{Set: true, Value: v}
		}
	}
	if _, ok := f["group_id"]; ok {
		if v := formID(r, "group_id"); v != derefID(t.GroupID) {
			in.GroupID = desk.SetID(v)
		}
	}
	if _, ok := f["assignee_id"]; ok {
		if v := formID(r, "assignee_id"); v != derefID(t.AssigneeID) {
			in.AssigneeID = desk.SetID(v)
		}
	}
	if _, ok := f["tags"]; ok {
		tags, err := ticket.NormalizeTags([]string{f.Get("tags")})
		if err != nil {
			return in, err
		}
		if !sameSet(tags, t.Tags) {
			in.Tags = &tags
		}
	}
	if _, ok := f["followers_present"]; ok {
		var ids []int64
		for _, v := range f["follower_ids"] {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
				ids = append(ids, id)
			}
		}
		ids = slices.Compact(slices.Sorted(slices.Values(ids)))
		if !slices.Equal(ids, slices.Sorted(slices.Values(t.FollowerIDs))) {
			in.FollowerIDs = &ids
		}
	}
	if v := f.Get("ticket_form_id"); v != "" {
		formID, err := strconv.ParseInt(v, 10, 64)
		if err != nil || formID < 0 {
			return in, desk.Invalid("ticket_form_id", "is not a ticket form")
		}
		if (t.TicketFormID == nil && formID != 0) || (t.TicketFormID != nil && *t.TicketFormID != formID) {
			in.TicketFormID = desk.SetID(formID)
		}
	}
	if _, ok := f["fields_present"]; ok {
		fields, err := s.ticketCustomFields(ctx, t)
		if err != nil {
			return in, err
		}
		cur := map[int64]string{}
		for _, cv := range t.CustomFields {
			cur[cv.ID] = fieldString(cv.Value)
		}
		for _, fd := range fields {
			name := "field_" + strconv.FormatInt(fd.ID, 10)
			var v string
			if fd.Type == "checkbox" {
				v = strconv.FormatBool(f.Get(name) == "1")
				if cur[fd.ID] == "" && v == "false" {
					continue
				}
			} else {
				if _, ok := f[name]; !ok {
					continue
				}
				v = strings.TrimSpace(f.Get(name))
			}
			if v != cur[fd.ID] {
				var val any = v
				if v == "" {
					val = nil
				}
				in.CustomFields = append(in.CustomFields, desk.CustomFieldValue{ID: fd.ID, Value: val})
			}
		}
	}
	return in, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y)
}

func (s *Server) agentMerge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	target := formID(r, "target")
	if target == 0 {
		return desk.Invalid("target", "is not a ticket number")
	}
	if _, err := s.d.Tickets.Get(r.Context(), target); err != nil {
		return desk.Invalid("target", "is not a ticket you can see")
	}
	if err := s.d.Tickets.Merge(r.Context(), target, ticket.MergeInput{IDs: []int64{id}}); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/tickets/"+strconv.FormatInt(target, 10), "merged"))
}

// Presence.

type presenceData struct {
	Viewing string // "Ada is viewing this ticket", or ""
	Typing  string
	Count   int
}

// presence describes who else is on the ticket page.
func (s *Server) presence(rc *reqCtx, ticketID int64) presenceData {
	var viewing, typing []string
	for _, v := range s.hub.Viewers(ticketID) {
		if v.UserID == rc.p.UserID {
			continue
		}
		if v.Typing {
			typing = append(typing, v.Name)
		} else {
			viewing = append(viewing, v.Name)
		}
	}
	var d presenceData
	d.Count = len(viewing) + len(typing)
	if len(viewing) > 0 {
		d.Viewing = rc.N("ticket.collision_viewing", len(viewing), "names", strings.Join(viewing, ", "))
	}
	if len(typing) > 0 {
		d.Typing = rc.N("ticket.collision_typing", len(typing), "names", strings.Join(typing, ", "))
	}
	return d
}

// agentPresence records a ping from a ticket page ("typing=1" while the
// agent types, "leave=1" when the page closes).
func (s *Server) agentPresence(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.d.Tickets.Get(r.Context(), id); err != nil {
		return err
	}
	name := rc.p.Email
	if rc.user != nil {
		name = rc.user.Name
	}
	if r.PostFormValue("leave") == "1" {
		s.hub.Leave(id, rc.p.UserID)
	} else {
		s.hub.Touch(id, rc.p.UserID, name, r.PostFormValue("typing") == "1")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// agentPresencePartial renders the collision notice for live updates.
func (s *Server) agentPresencePartial(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.d.Tickets.Get(r.Context(), id); err != nil {
		return err
	}
	pg := s.newPage(r, "agent", "")
	pg.TicketID = id
	pg.Data = ticketData{Presence: s.presence(rc, id)}
	return s.renderTemplate(w, http.StatusOK, "agent_ticket", "presence", pg)
}

// maxStream bounds one event stream; the browser reconnects (and so the
// session is checked again) after it.
const maxStream = 10 * time.Minute

// agentEvents is the Server-Sent Events stream of views (all visible ticket
// changes) and ticket pages (?ticket=ID: that ticket and its presence).
func (s *Server) agentEvents(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	var id int64
	if v := r.URL.Query().Get("ticket"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return desk.NotFound()
		}
		if _, err := s.d.Tickets.Get(r.Context(), n); err != nil {
			return err
		}
		id = n
	}
	name := rc.p.Email
	if rc.user != nil {
		name = rc.user.Name
	}
	ctx, cancel := context.WithTimeout(r.Context(), maxStream)
	defer cancel()
	c := s.hub.Subscribe(rc.p, name, id)
	var first *realtime.Message
	if id != 0 {
		data, _ := json.Marshal(realtime.Presence{TicketID: id, Viewers: s.hub.Viewers(id)})
		first = &realtime.Message{Event: "presence", Data: data}
	}
	s.hub.Stream(w, r.WithContext(ctx), c, first)
	return nil
}

// New ticket on behalf of a customer.

type newTicketData struct {
	Groups []*desk.Group
	Agents []*desk.User
}

func (s *Server) agentNewTicketPage(w http.ResponseWriter, r *http.Request) error {
	return s.showNewTicket(w, r, http.StatusOK, "", nil)
}

func (s *Server) showNewTicket(w http.ResponseWriter, r *http.Request, status int, errMsg string, fe map[string][]string) error {
	ctx := r.Context()
	pg := s.newPage(r, "agent", "")
	pg.Title = pg.T("ticket.new_ticket")
	pg.Nav = "new"
	pg.Error, pg.FieldErrors = errMsg, fe
	if r.Method == http.MethodPost {
		for _, k := range []string{"requester_name", "requester_email", "subject", "body", "priority", "type", "group_id", "assignee_id", "tags", "public"} {
			pg.Form.Set(k, r.PostFormValue(k))
		}
	} else {
		pg.Form.Set("requester_email", r.URL.Query().Get("email"))
		pg.Form.Set("requester_name", r.URL.Query().Get("name"))
		pg.Form.Set("public", "1")
	}
	var d newTicketData
	var err error
	if d.Groups, err = s.d.People.ListGroups(ctx, 0, 1000, 0); err != nil {
		return err
	}
	if d.Agents, err = s.agents(ctx); err != nil {
		return err
	}
	pg.Data = d
	return s.render(w, status, "agent_new_ticket", pg)
}

func (s *Server) agentNewTicket(w http.ResponseWriter, r *http.Request) error {
	rc := rcFrom(r)
	ctx := r.Context()
	f := r.PostForm
	subject := strings.TrimSpace(f.Get("subject"))
	public := f.Get("public") != "0"
	in := ticket.Input{Subject: &subject, Via: "web"}
	in.Requester = &ticket.RequesterInput{Name: strings.TrimSpace(f.Get("requester_name")), Email: strings.TrimSpace(f.Get("requester_email"))}
	if v := f.Get("priority"); v != "" {
		in.Priority = desk.NullString{Set: true, Value: v}
	}
	if v := f.Get("type"); v != "" {
		in.Type = desk.NullString{Set: true, Value: v}
	}
	if v := formID(r, "group_id"); v != 0 {
		in.GroupID = desk.SetID(v)
	}
	if v := formID(r, "assignee_id"); v != 0 {
		in.AssigneeID = desk.SetID(v)
	}
	if st := f.Get("status"); st != "" {
		in.Status = &st
	}
	if tags := strings.TrimSpace(f.Get("tags")); tags != "" {
		tl := strings.Fields(tags)
		in.Tags = &tl
	}
	uploads, err := s.uploadFiles(ctx, r)
	if err == nil {
		in.Comment = &ticket.CommentInput{Body: f.Get("body"), Public: &public, Uploads: uploads}
		var t *desk.Ticket
		if t, _, err = s.d.Tickets.Create(ctx, in); err == nil {
			return redirect(w, r, withMsg("/agent/tickets/"+strconv.FormatInt(t.ID, 10), "created"))
		}
		s.discardUploads(ctx, uploads)
	}
	if formError(err) {
		return s.showNewTicket(w, r, http.StatusUnprocessableEntity, rc.T("errors.validation")+" "+errorText(err), fieldErrors(err))
	}
	return err
}

// ticketCustomFields are the active custom fields the ticket page shows:
// those of the ticket's form in its order, or all of them while the ticket
// has no form (or its form is gone).
func (s *Server) ticketCustomFields(ctx context.Context, t *desk.Ticket) ([]*desk.TicketField, error) {
	all, err := s.d.Tickets.Fields(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*desk.TicketField{}
	var custom []*desk.TicketField
	for _, f := range all {
		if f.Active && !desk.IsSystemField(f.Type) {
			byID[f.ID] = f
			custom = append(custom, f)
		}
	}
	if t.TicketFormID == nil {
		return custom, nil
	}
	form, err := s.d.Tickets.Form(ctx, *t.TicketFormID)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return custom, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*desk.TicketField
	for _, id := range form.TicketFieldIDs {
		if f := byID[id]; f != nil {
			out = append(out, f)
		}
	}
	return out, nil
}
