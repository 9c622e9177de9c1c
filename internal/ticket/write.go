package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/textfold"
)

// change collects what one create or update does, for the audit.
type change struct {
	events  []desk.AuditEvent
	comment *newComment
}

type newComment struct {
	authorID int64
	body     string
	html     string
	public   bool
	uploads  []string
}

func (c *change) set(field string, prev, val any) {
	c.events = append(c.events, desk.AuditEvent{Type: "Change", FieldName: field, Value: val, PreviousValue: prev})
}

// Create opens a ticket and records its first audit.
func (s *Service) Create(ctx context.Context, in Input) (*desk.Ticket, *desk.Audit, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, nil, err
	}
	if in.Comment != nil {
		in.Comment.render()
	} else if in.Description != nil {
		in.Comment = &CommentInput{Body: *in.Description}
		in.Comment.render()
	}
	var t *desk.Ticket
	var audit *desk.Audit
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		t, audit, err = s.createTx(ctx, tx, p, in)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return t, audit, nil
}

func (s *Service) createTx(ctx context.Context, tx *store.Tx, p *desk.Principal, in Input) (*desk.Ticket, *desk.Audit, error) {
	now := store.Now()
	t := &desk.Ticket{Status: "new", IsPublic: true, Tags: []string{}, CollaboratorIDs: []int64{}, FollowerIDs: []int64{}, EmailCCIDs: []int64{}}
	t.Via = desk.NewVia(viaOf(p, in))
	if in.ViaSource != nil {
		t.Via.Source = *in.ViaSource
	}
	var v desk.Validation

	// Requester: explicit id (staff only), {name, email}, or the caller.
	switch {
	case in.Requester != nil:
		if !p.IsStaff() && !strings.EqualFold(in.Requester.Email, p.Email) {
			return nil, nil, desk.Forbidden("end users can only raise tickets for themselves")
		}
		uid, orgID, _, err := people.EnsureRequesterTx(ctx, tx, in.Requester.Name, in.Requester.Email)
		if err != nil {
			return nil, nil, renameField(err, "requester")
		}
		t.RequesterID, t.OrganizationID = uid, orgID
	case in.RequesterID.Set && in.RequesterID.ID != 0:
		if !p.IsStaff() && in.RequesterID.ID != p.UserID {
			return nil, nil, desk.Forbidden("end users can only raise tickets for themselves")
		}
		_, orgID, _, err := people.UserRoleTx(ctx, tx, in.RequesterID.ID)
		if err != nil {
			return nil, nil, desk.Invalid("requester_id", "is not a valid user")
		}
		t.RequesterID, t.OrganizationID = in.RequesterID.ID, orgID
	case p.UserID != 0:
		t.RequesterID = p.UserID
		if p.OrgID != 0 {
			org := p.OrgID
			t.OrganizationID = &org
		}
	default:
		v.Add("requester", "cannot be blank")
	}
	t.SubmitterID = p.UserID
	if in.SubmitterID.Set && in.SubmitterID.ID != 0 && p.IsStaff() {
		t.SubmitterID = in.SubmitterID.ID
	}
	if t.SubmitterID == 0 {
		t.SubmitterID = t.RequesterID
	}

	// The first comment is the description.
	ci := in.Comment
	if ci == nil && in.Description != nil {
		ci = &CommentInput{Body: *in.Description}
	}
	if ci == nil || (strings.TrimSpace(ci.Body) == "" && strings.TrimSpace(ci.HTMLBody) == "") {
		v.Add("description", "cannot be blank")
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	subject := in.Subject
	if subject == nil {
		subject = in.RawSubject
	}
	if subject != nil {
		t.Subject = strings.TrimSpace(*subject)
	}
	t.CreatedAt, t.UpdatedAt = desk.TimeFromMicros(now), desk.TimeFromMicros(now)

	c := &change{}
	in.Comment = ci
	if err := s.apply(ctx, tx, p, nil, t, in, c); err != nil {
		return nil, nil, err
	}
	t.Description = c.comment.body
	if t.Subject == "" {
		t.Subject = firstLine(t.Description, 80)
	}
	t.RawSubject = t.Subject

	viaSource, _ := json.Marshal(t.Via.Source)
	id, err := tx.InsertID(ctx, `INSERT INTO tickets (external_id, type, subject, description, priority, status, status_rank, priority_rank,
		recipient, requester_id, submitter_id, assignee_id, organization_id, group_id, problem_id, due_at, via_channel, via_source,
		is_public, tags, custom_fields, version, created_at, updated_at, solved_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
		t.ExternalID, t.Type, t.Subject, t.Description, t.Priority, t.Status, desk.StatusRank(t.Status), rankOf(t.Priority),
		t.Recipient, t.RequesterID, t.SubmitterID, t.AssigneeID, t.OrganizationID, t.GroupID, t.ProblemID, t.DueAt.Micros(),
		t.Via.Channel, string(viaSource), t.IsPublic, strings.Join(t.Tags, " "), encodeCustomFields(t.CustomFields),
		now, now, solvedAt(t.Status, now))
	if err != nil {
		return nil, nil, err
	}
	t.ID = id
	t.Version = 1
	if err := writeTags(ctx, tx, id, nil, t.Tags); err != nil {
		return nil, nil, err
	}
	if err := writeCollaborators(ctx, tx, id, nil, t); err != nil {
		return nil, nil, err
	}
	// Zendesk lists the initial values of a new ticket as Create events.
	createEvents := []desk.AuditEvent{
		{Type: "Create", FieldName: "subject", Value: t.Subject},
		{Type: "Create", FieldName: "status", Value: t.Status},
		{Type: "Create", FieldName: "requester_id", Value: t.RequesterID},
	}
	for _, e := range c.events {
		if e.FieldName != "status" {
			createEvents = append(createEvents, desk.AuditEvent{Type: "Create", FieldName: e.FieldName, Value: e.Value})
		}
	}
	c.events = createEvents
	audit, err := s.writeAudit(ctx, tx, p, t, c, now)
	if err != nil {
		return nil, nil, err
	}
	doc := textfold.Fold(t.Subject + "\n" + strings.Join(t.Tags, " ") + "\n" + c.comment.body)
	if err := tx.InsertSearchDoc(ctx, "ticket_search", t.ID, doc); err != nil {
		return nil, nil, err
	}
	if err := s.Events.PublishTx(ctx, tx, events.Event{Type: events.TicketCreated, TicketID: t.ID, ActorID: p.UserID, GroupID: deref(t.GroupID)}); err != nil {
		return nil, nil, err
	}
	return t, audit, nil
}

// Update changes a ticket, adding a comment when one is given.
func (s *Service) Update(ctx context.Context, id int64, in Input) (*desk.Ticket, *desk.Audit, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, nil, err
	}
	if in.Comment != nil {
		in.Comment.render()
	}
	var t *desk.Ticket
	var audit *desk.Audit
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		t, audit, err = s.updateTx(ctx, tx, p, id, in)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return t, audit, nil
}

func (s *Service) updateTx(ctx context.Context, tx *store.Tx, p *desk.Principal, id int64, in Input) (*desk.Ticket, *desk.Audit, error) {
	old, err := loadTx(ctx, tx, id, false)
	if err != nil {
		return nil, nil, err
	}
	if !canSeeTx(ctx, tx, p, old) {
		return nil, nil, desk.NotFound()
	}
	if old.Status == "closed" {
		return nil, nil, desk.Invalid("status", "closed prevents ticket update")
	}
	// Clients only ever see whole seconds, so the stamp is compared at that
	// precision.
	if in.SafeUpdate && in.UpdatedStamp != nil && !in.UpdatedStamp.Truncate(time.Second).Equal(old.UpdatedAt.Truncate(time.Second)) {
		return nil, nil, &desk.Error{Code: desk.ECONFLICT, Message: "Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again."}
	}
	if !p.IsStaff() {
		if err := endUserMayUpdate(in); err != nil {
			return nil, nil, err
		}
	}
	if in.Comment != nil && strings.TrimSpace(in.Comment.Body) == "" && strings.TrimSpace(in.Comment.HTMLBody) == "" {
		if len(in.Comment.Uploads) == 0 {
			return nil, nil, desk.Invalid("comment", "cannot be blank")
		}
		in.Comment.Body = "(attachment)"
	}
	t := *old
	t.Tags = slices.Clone(old.Tags)
	now := store.Now()
	c := &change{}
	if err := s.apply(ctx, tx, p, old, &t, in, c); err != nil {
		return nil, nil, err
	}
	if len(c.events) == 0 && c.comment == nil {
		return old, nil, nil // nothing to do: no audit, no version bump
	}
	t.UpdatedAt = desk.TimeFromMicros(now)
	t.Version = old.Version + 1
	solved := int64(0)
	if t.Status == "solved" && old.Status != "solved" {
		solved = now
	}
	res, err := tx.Exec(ctx, `UPDATE tickets SET external_id = ?, type = ?, subject = ?, priority = ?, status = ?, status_rank = ?, priority_rank = ?,
		recipient = ?, requester_id = ?, submitter_id = ?, assignee_id = ?, organization_id = ?, group_id = ?, problem_id = ?, due_at = ?,
		tags = ?, custom_fields = ?, version = ?, updated_at = ?, solved_at = CASE WHEN CAST(? AS BIGINT) > 0 THEN CAST(? AS BIGINT) ELSE solved_at END
		WHERE id = ? AND version = ?`,
		t.ExternalID, t.Type, t.Subject, t.Priority, t.Status, desk.StatusRank(t.Status), rankOf(t.Priority),
		t.Recipient, t.RequesterID, t.SubmitterID, t.AssigneeID, t.OrganizationID, t.GroupID, t.ProblemID, t.DueAt.Micros(),
		strings.Join(t.Tags, " "), encodeCustomFields(t.CustomFields), t.Version, now, solved, solved, id, old.Version)
	if err != nil {
		return nil, nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, nil, &desk.Error{Code: desk.ECONFLICT, Message: "the ticket changed while it was being updated; try again"}
	}
	if err := writeTags(ctx, tx, id, old.Tags, t.Tags); err != nil {
		return nil, nil, err
	}
	if err := writeCollaborators(ctx, tx, id, old, &t); err != nil {
		return nil, nil, err
	}
	audit, err := s.writeAudit(ctx, tx, p, &t, c, now)
	if err != nil {
		return nil, nil, err
	}
	if c.comment != nil || t.Subject != old.Subject || !slices.Equal(t.Tags, old.Tags) {
		if err := s.reindexFromComments(ctx, tx, &t); err != nil {
			return nil, nil, err
		}
	}
	gid, actor := deref(t.GroupID), p.UserID
	if err := s.Events.PublishTx(ctx, tx, events.Event{Type: events.TicketUpdated, TicketID: id, ActorID: actor, GroupID: gid}); err != nil {
		return nil, nil, err
	}
	if c.comment != nil {
		if err := s.Events.PublishTx(ctx, tx, events.Event{Type: events.CommentAdded, TicketID: id, ActorID: actor, GroupID: gid}); err != nil {
			return nil, nil, err
		}
	}
	return &t, audit, nil
}

// endUserMayUpdate limits requesters to what the customer portal offers:
// adding public comments and marking their request solved.
func endUserMayUpdate(in Input) error {
	if in.Status != nil && *in.Status != "solved" {
		return desk.Forbidden("end users can only mark a request as solved")
	}
	if in.Subject != nil || in.AssigneeID.Set || in.GroupID.Set || in.OrganizationID.Set || in.Priority.Set || in.Type.Set ||
		in.Tags != nil || in.AdditionalTags != nil || in.RemoveTags != nil || in.CustomFields != nil || in.Fields != nil ||
		in.RequesterID.Set || in.Requester != nil || in.ProblemID.Set || in.DueAt != nil || in.ExternalID.Set ||
		in.FollowerIDs != nil || in.EmailCCIDs != nil || in.CollaboratorIDs != nil || in.SubmitterID.Set {
		return desk.Forbidden("end users cannot change ticket properties")
	}
	if in.Comment != nil && in.Comment.Public != nil && !*in.Comment.Public {
		return desk.Forbidden("end users cannot add internal notes")
	}
	return nil
}

// apply validates in against old (nil on create) and writes the result into
// t, recording every changed field in c. All of Zendesk's field rules live
// here so create and update cannot drift apart.
func (s *Service) apply(ctx context.Context, tx *store.Tx, p *desk.Principal, old, t *desk.Ticket, in Input, c *change) error {
	var v desk.Validation
	creating := old == nil

	if !creating && (in.Subject != nil || in.RawSubject != nil) {
		subj := in.Subject
		if subj == nil {
			subj = in.RawSubject
		}
		if ns := strings.TrimSpace(*subj); ns != t.Subject {
			c.set("subject", t.Subject, ns)
			t.Subject = ns
		}
	}
	if utf8.RuneCountInString(t.Subject) > maxSubject {
		v.Add("subject", fmt.Sprintf("is too long (maximum is %d characters)", maxSubject))
	}
	for field, val := range map[string]string{"subject": t.Subject, "external_id": in.ExternalID.Value, "recipient": in.Recipient.Value} {
		if strings.ContainsRune(val, 0) {
			v.Add(field, "contains a NUL character")
		}
	}

	if in.Type.Set {
		nt := in.Type.Value
		if nt != "" && !validEnum(desk.Types, nt) {
			v.Add("type", "is not valid: "+trimFor(nt))
		} else if deref(t.Type) != nt {
			c.set("type", deref(t.Type), nt)
			t.Type = optStr(nt)
		}
	}
	if in.Priority.Set {
		np := in.Priority.Value
		if np != "" && !validEnum(desk.Priorities, np) {
			v.Add("priority", "is not valid: "+trimFor(np))
		} else if deref(t.Priority) != np {
			c.set("priority", deref(t.Priority), np)
			t.Priority = optStr(np)
		}
	}
	if in.ExternalID.Set {
		if len(in.ExternalID.Value) > maxExternal {
			v.Add("external_id", "is too long")
		} else if deref(t.ExternalID) != in.ExternalID.Value {
			c.set("external_id", deref(t.ExternalID), in.ExternalID.Value)
			t.ExternalID = optStr(in.ExternalID.Value)
		}
	}
	if in.Recipient.Set && deref(t.Recipient) != in.Recipient.Value {
		if len(in.Recipient.Value) > maxExternal {
			v.Add("recipient", "is too long")
		} else {
			c.set("recipient", deref(t.Recipient), in.Recipient.Value)
			t.Recipient = optStr(in.Recipient.Value)
		}
	}

	// Requester changes on update (staff only; checked by endUserMayUpdate).
	if !creating {
		if in.Requester != nil {
			uid, orgID, _, err := people.EnsureRequesterTx(ctx, tx, in.Requester.Name, in.Requester.Email)
			if err != nil {
				return renameField(err, "requester")
			}
			if uid != t.RequesterID {
				c.set("requester_id", t.RequesterID, uid)
				t.RequesterID, t.OrganizationID = uid, orgID
			}
		} else if in.RequesterID.Set && in.RequesterID.ID != 0 && in.RequesterID.ID != t.RequesterID {
			_, orgID, _, err := people.UserRoleTx(ctx, tx, in.RequesterID.ID)
			if err != nil {
				v.Add("requester_id", "is not a valid user")
			} else {
				c.set("requester_id", t.RequesterID, in.RequesterID.ID)
				t.RequesterID, t.OrganizationID = in.RequesterID.ID, orgID
			}
		}
	}
	if in.OrganizationID.Set && p.IsStaff() {
		if in.OrganizationID.ID == 0 {
			if t.OrganizationID != nil {
				c.set("organization_id", *t.OrganizationID, nil)
				t.OrganizationID = nil
			}
		} else if in.OrganizationID.ID != deref(t.OrganizationID) {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM organizations WHERE id = ?`, in.OrganizationID.ID).Scan(&one); err != nil {
				v.Add("organization_id", "is not a valid organization")
			} else {
				c.set("organization_id", idOrNil(t.OrganizationID), in.OrganizationID.ID)
				id := in.OrganizationID.ID
				t.OrganizationID = &id
			}
		}
	}

	// Group and assignee: an assignee must be an active agent and, when the
	// ticket has a group, a member of it.
	if in.GroupID.Set {
		if in.GroupID.ID == 0 {
			if t.GroupID != nil {
				c.set("group_id", *t.GroupID, nil)
				t.GroupID = nil
			}
		} else if in.GroupID.ID != deref(t.GroupID) {
			var deleted bool
			if err := tx.QueryRow(ctx, `SELECT deleted FROM agent_groups WHERE id = ?`, in.GroupID.ID).Scan(&deleted); err != nil || deleted {
				v.Add("group_id", "is not a valid group")
			} else {
				c.set("group_id", idOrNil(t.GroupID), in.GroupID.ID)
				g := in.GroupID.ID
				t.GroupID = &g
			}
		}
	}
	assignee := in.AssigneeID
	if in.AssigneeEmail != nil && !assignee.Set {
		var uid int64
		if err := tx.QueryRow(ctx, `SELECT user_id FROM user_identities WHERE type = 'email' AND value = ?`, strings.ToLower(strings.TrimSpace(*in.AssigneeEmail))).Scan(&uid); err != nil {
			v.Add("assignee_email", "is not an agent")
		} else {
			assignee = desk.SetID(uid)
		}
	}
	if assignee.Set {
		if assignee.ID == 0 {
			if t.AssigneeID != nil {
				c.set("assignee_id", *t.AssigneeID, nil)
				t.AssigneeID = nil
			}
		} else if assignee.ID != deref(t.AssigneeID) {
			// PrincipalFor fails for deleted and suspended users; light
			// agents (no edit_ticket_properties) cannot hold tickets.
			ap, err := people.PrincipalFor(ctx, tx, assignee.ID)
			if err != nil && desk.ErrorCode(err) != desk.EUNAUTHORIZED {
				return err
			}
			if err != nil || !ap.Role.Staff() {
				v.Add("assignee_id", "must be an active agent")
			} else if !ap.Can().EditTicketProperties {
				v.Add("assignee_id", "cannot be assigned tickets (their role cannot edit tickets)")
			} else {
				c.set("assignee_id", idOrNil(t.AssigneeID), assignee.ID)
				a := assignee.ID
				t.AssigneeID = &a
				if t.GroupID == nil {
					var gid int64
					if err := tx.QueryRow(ctx, `SELECT group_id FROM group_memberships WHERE user_id = ? ORDER BY is_default DESC, id LIMIT 1`, a).Scan(&gid); err == nil {
						c.set("group_id", nil, gid)
						t.GroupID = &gid
					}
				}
			}
		}
	}
	if t.AssigneeID != nil && t.GroupID != nil && (assignee.Set || in.GroupID.Set) {
		if ok, err := people.IsGroupMemberTx(ctx, tx, *t.AssigneeID, *t.GroupID); err != nil {
			return err
		} else if !ok {
			v.Add("assignee_id", "is not a member of the group")
		}
	}

	// Problem / incident linking.
	if in.ProblemID.Set {
		if in.ProblemID.ID == 0 {
			if t.ProblemID != nil {
				c.set("problem_id", *t.ProblemID, nil)
				t.ProblemID = nil
			}
		} else if in.ProblemID.ID != deref(t.ProblemID) {
			var ptype *string
			if in.ProblemID.ID == t.ID {
				v.Add("problem_id", "cannot link a ticket to itself")
			} else if err := tx.QueryRow(ctx, `SELECT type FROM tickets WHERE id = ? AND deleted_at = 0`, in.ProblemID.ID).Scan(&ptype); err != nil || deref(ptype) != "problem" {
				v.Add("problem_id", "must be a ticket of type problem")
			} else {
				c.set("problem_id", idOrNil(t.ProblemID), in.ProblemID.ID)
				pid := in.ProblemID.ID
				t.ProblemID = &pid
			}
		}
	}
	if t.ProblemID != nil && deref(t.Type) != "incident" {
		if in.Type.Set || in.ProblemID.Set {
			v.Add("problem_id", "can only be set on incidents")
		}
	}
	if in.DueAt != nil {
		if !in.DueAt.Equal(t.DueAt.Time) {
			c.set("due_at", t.DueAt, *in.DueAt)
			t.DueAt = *in.DueAt
		}
	}
	if !t.DueAt.IsZero() && deref(t.Type) != "task" && (in.DueAt != nil || in.Type.Set) {
		v.Add("due_at", "can only be set on tasks")
	}

	// Tags, then custom fields (dropdown values also become tags).
	newTags := t.Tags
	if in.Tags != nil {
		nt, err := NormalizeTags(*in.Tags)
		if err != nil {
			return err
		}
		newTags = nt
	}
	if len(in.AdditionalTags) > 0 {
		add, err := NormalizeTags(in.AdditionalTags)
		if err != nil {
			return err
		}
		for _, tg := range add {
			if !slices.Contains(newTags, tg) {
				newTags = append(slices.Clone(newTags), tg)
			}
		}
	}
	if len(in.RemoveTags) > 0 {
		rm, _ := NormalizeTags(in.RemoveTags)
		newTags = slices.DeleteFunc(slices.Clone(newTags), func(s string) bool { return slices.Contains(rm, s) })
	}
	cf := in.CustomFields
	if cf == nil {
		cf = in.Fields
	}
	if cf != nil {
		merged, addTags, rmTags, err := validateCustomFields(ctx, tx, t.CustomFields, cf)
		if err != nil {
			return err
		}
		if encodeCustomFields(merged) != encodeCustomFields(t.CustomFields) {
			c.set("custom_fields", t.CustomFields, merged)
		}
		t.CustomFields, t.Fields = merged, merged
		newTags = slices.DeleteFunc(slices.Clone(newTags), func(s string) bool { return slices.Contains(rmTags, s) })
		for _, tg := range addTags {
			if !slices.Contains(newTags, tg) {
				newTags = append(newTags, tg)
			}
		}
	}
	if len(newTags) > maxTags {
		v.Add("tags", "has too many tags")
	}
	if !slices.Equal(newTags, t.Tags) {
		c.set("tags", t.Tags, newTags)
		t.Tags = newTags
	}

	// Followers and CCs.
	for _, l := range []struct {
		name string
		in   *[]int64
		cur  *[]int64
	}{{"follower_ids", in.FollowerIDs, &t.FollowerIDs}, {"email_cc_ids", in.EmailCCIDs, &t.EmailCCIDs}, {"collaborator_ids", in.CollaboratorIDs, &t.EmailCCIDs}} {
		if l.in == nil {
			continue
		}
		ids := slices.Compact(slices.Sorted(slices.Values(*l.in)))
		if len(ids) > maxCCs {
			v.Add(l.name, "has too many users")
			continue
		}
		for _, uid := range ids {
			role, _, active, err := people.UserRoleTx(ctx, tx, uid)
			if err != nil || !active {
				v.Add(l.name, fmt.Sprintf("user %d is not valid", uid))
			} else if l.name == "follower_ids" && !role.Staff() {
				v.Add(l.name, fmt.Sprintf("user %d is not an agent", uid))
			}
		}
		if !slices.Equal(ids, *l.cur) {
			c.set(l.name, *l.cur, ids)
			*l.cur = ids
		}
	}

	// The comment.
	if in.Comment != nil {
		nc, err := s.prepareComment(ctx, tx, p, t, in.Comment)
		if err != nil {
			return err
		}
		c.comment = nc
	}

	// Status last: it depends on the comment and the assignee.
	newStatus := t.Status
	if in.Status != nil {
		ns := strings.ToLower(strings.TrimSpace(*in.Status))
		if !validEnum(desk.Statuses, ns) {
			v.Add("status", "is not valid: "+trimFor(ns))
		} else {
			newStatus = ns
		}
	}
	if in.Status == nil && c.comment != nil && !creating {
		switch {
		case p.IsStaff() && p.Can().EditTicketProperties && c.comment.authorID != t.RequesterID && t.Status == "new":
			newStatus = "open" // an agent's reply opens a new ticket
		case !p.IsStaff() && (t.Status == "pending" || t.Status == "solved"):
			newStatus = "open" // the requester wrote back
		}
	}
	if creating && newStatus == "new" && t.AssigneeID != nil {
		newStatus = "open"
	}
	if newStatus == "new" && !creating && t.Status != "new" {
		v.Add("status", "cannot go back to new")
	}
	if newStatus == "closed" && !creating && t.Status != "solved" && t.Status != "closed" {
		v.Add("status", "only solved tickets can be closed")
	}
	if creating && newStatus == "closed" {
		v.Add("status", "a new ticket cannot be closed")
	}
	if newStatus == "solved" && t.AssigneeID == nil {
		// A failed read refuses the change rather than skip the rule.
		req, err := settings.RequireAssigneeToSolve.Get(ctx, s.settingsSvc())
		if err != nil {
			return err
		}
		if req {
			v.Add("assignee_id", "is required when solving a ticket")
		}
	}
	if newStatus != t.Status {
		if !creating {
			c.set("status", t.Status, newStatus)
		}
		t.Status = newStatus
	}
	// Roles without edit_ticket_properties (light agents) may comment but
	// change nothing; values sent unchanged are not changes. An attempted
	// change that is also invalid is refused as forbidden, not as invalid.
	if p.IsStaff() && !p.Can().EditTicketProperties && (len(c.events) > 0 || (!creating && v.Err() != nil)) {
		return desk.Forbidden("Your role does not allow changing ticket properties; you can add internal notes")
	}
	return v.Err()
}

// prepareComment validates a comment and decides its author and visibility.
func (s *Service) prepareComment(ctx context.Context, tx *store.Tx, p *desk.Principal, t *desk.Ticket, ci *CommentInput) (*newComment, error) {
	nc := &newComment{authorID: p.UserID, public: true, uploads: ci.Uploads}
	if ci.Public != nil {
		nc.public = *ci.Public
	}
	if !p.IsStaff() {
		nc.public = true
	} else if !p.Can().PublicComments {
		nc.public = false // light agents add internal notes only
	}
	if ci.AuthorID.Set && ci.AuthorID.ID != 0 && ci.AuthorID.ID != p.UserID {
		if !p.IsStaff() {
			return nil, desk.Forbidden("cannot comment as another user")
		}
		if _, _, _, err := people.UserRoleTx(ctx, tx, ci.AuthorID.ID); err != nil {
			return nil, desk.Invalid("author_id", "is not a valid user")
		}
		nc.authorID = ci.AuthorID.ID
	}
	if nc.authorID == 0 {
		nc.authorID = t.RequesterID
	}
	if len(ci.Uploads) > maxUploads {
		return nil, desk.Invalid("uploads", "too many attachments")
	}
	ci.render()
	nc.body, nc.html = ci.body, ci.html
	if len(nc.body) > maxBody || len(nc.html) > 4*maxBody {
		return nil, desk.Invalid("comment", fmt.Sprintf("is too long (maximum is %d bytes)", maxBody))
	}
	if nc.body == "" && len(nc.uploads) == 0 {
		return nil, desk.Invalid("comment", "cannot be blank")
	}
	return nc, nil
}

// render sanitizes the comment once, before the write transaction, so the
// single SQLite writer spends its time on SQL only.
func (ci *CommentInput) render() {
	if ci.rendered {
		return
	}
	ci.rendered = true
	if strings.TrimSpace(ci.HTMLBody) != "" {
		ci.html = sanitize.HTML(ci.HTMLBody)
		ci.body = sanitize.PlainText(ci.html)
	} else {
		ci.body = strings.TrimSpace(strings.ToValidUTF8(ci.Body, "\uFFFD"))
		ci.html = sanitize.TextToHTML(ci.body)
	}
	ci.body = strings.ReplaceAll(ci.body, "\x00", "")
	ci.html = strings.ReplaceAll(ci.html, "\x00", "")
}

// writeAudit stores the audit and its comment, binding uploads to it.
func (s *Service) writeAudit(ctx context.Context, tx *store.Tx, p *desk.Principal, t *desk.Ticket, c *change, now int64) (*desk.Audit, error) {
	author := p.UserID
	if c.comment != nil && author == 0 {
		author = c.comment.authorID
	}
	audit := &desk.Audit{TicketID: t.ID, AuthorID: author, Via: desk.NewVia(t.Via.Channel), CreatedAt: desk.TimeFromMicros(now),
		Metadata: map[string]any{"system": map[string]any{}, "custom": map[string]any{}}}
	if p.Via != "" {
		audit.Via = desk.NewVia(p.Via)
	}
	evs := c.events
	if c.comment != nil {
		pub := c.comment.public
		evs = append(evs, desk.AuditEvent{Type: "Comment", Body: c.comment.body, HTMLBody: c.comment.html, Public: &pub, AuthorID: c.comment.authorID})
	}
	// Event IDs are not stored: they derive from the audit's ID (and a
	// comment event's from its comment), so the audit is written once.
	b, err := json.Marshal(evs)
	if err != nil {
		return nil, err
	}
	id, err := tx.InsertID(ctx, `INSERT INTO ticket_audits (ticket_id, author_id, via_channel, metadata, events, created_at) VALUES (?, ?, ?, '{"system":{},"custom":{}}', ?, ?)`,
		t.ID, author, audit.Via.Channel, string(b), now)
	if err != nil {
		return nil, err
	}
	audit.ID = id
	var cid int64
	if c.comment != nil {
		cid, err = tx.InsertID(ctx, `INSERT INTO ticket_comments (ticket_id, audit_id, author_id, body, html_body, public, via_channel, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, id, c.comment.authorID, c.comment.body, c.comment.html, c.comment.public, audit.Via.Channel, now)
		if err != nil {
			return nil, err
		}
		if err := bindUploads(ctx, tx, p, t.ID, cid, c.comment.uploads); err != nil {
			return nil, err
		}
	}
	numberEvents(id, cid, evs)
	audit.Events = evs
	return audit, nil
}

// numberEvents gives an audit's events their IDs: the comment's own ID for
// a comment event, else derived from the audit ID and position.
func numberEvents(auditID, commentID int64, evs []desk.AuditEvent) {
	for i := range evs {
		if evs[i].Type == "Comment" && commentID != 0 {
			evs[i].ID = commentID
		} else {
			evs[i].ID = auditID*1000 + int64(i) + 1
		}
	}
}

// bindUploads attaches the caller's own pending uploads to a comment.
func bindUploads(ctx context.Context, tx *store.Tx, p *desk.Principal, ticketID, commentID int64, tokens []string) error {
	for _, tok := range tokens {
		if tok == "" || len(tok) > 128 || strings.ContainsRune(tok, 0) {
			return desk.Invalid("uploads", "unknown or already used upload token")
		}
		res, err := tx.Exec(ctx, `UPDATE attachments SET ticket_id = ?, comment_id = ?, upload_token = NULL
			WHERE upload_token = ? AND comment_id IS NULL AND (uploader_id = ? OR ?)`, ticketID, commentID, tok, p.UserID, p.System)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.Invalid("uploads", "unknown or already used upload token")
		}
	}
	return nil
}

func writeTags(ctx context.Context, tx *store.Tx, id int64, old, cur []string) error {
	for _, tg := range old {
		if !slices.Contains(cur, tg) {
			if _, err := tx.Exec(ctx, `DELETE FROM ticket_tags WHERE ticket_id = ? AND tag = ?`, id, tg); err != nil {
				return err
			}
		}
	}
	for _, tg := range cur {
		if !slices.Contains(old, tg) {
			if _, err := tx.Exec(ctx, `INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)`, id, tg); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeCollaborators(ctx context.Context, tx *store.Tx, id int64, old, t *desk.Ticket) error {
	var oldF, oldC []int64
	if old != nil {
		oldF, oldC = old.FollowerIDs, old.EmailCCIDs
		if slices.Equal(oldF, t.FollowerIDs) && slices.Equal(oldC, t.EmailCCIDs) {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM ticket_collaborators WHERE ticket_id = ?`, id); err != nil {
			return err
		}
	}
	for _, l := range []struct {
		kind string
		ids  []int64
	}{{"follower", t.FollowerIDs}, {"email_cc", t.EmailCCIDs}} {
		for _, uid := range l.ids {
			if _, err := tx.Exec(ctx, `INSERT INTO ticket_collaborators (ticket_id, user_id, kind) VALUES (?, ?, ?)`, id, uid, l.kind); err != nil {
				return err
			}
		}
	}
	t.CollaboratorIDs = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(t.FollowerIDs), t.EmailCCIDs...))))
	return nil
}

// reindex writes the ticket's full-text document from scratch.
func (s *Service) reindex(ctx context.Context, tx *store.Tx, t *desk.Ticket, bodies string) error {
	doc := textfold.Fold(t.Subject + "\n" + strings.Join(t.Tags, " ") + "\n" + bodies)
	return tx.SetSearchDoc(ctx, "ticket_search", t.ID, doc)
}

// reindexFromComments rebuilds the ticket's document from its subject, tags and
// stored comments (the first 200), so merged-in comments are found too.
func (s *Service) reindexFromComments(ctx context.Context, tx *store.Tx, t *desk.Ticket) error {
	rows, err := tx.Query(ctx, `SELECT body FROM ticket_comments WHERE ticket_id = ? ORDER BY id LIMIT 200`, t.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			rows.Close()
			return err
		}
		b.WriteString(body)
		b.WriteByte('\n')
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return s.reindex(ctx, tx, t, b.String())
}

func viaOf(p *desk.Principal, in Input) string {
	if in.Via != "" {
		return in.Via
	}
	if p.Via != "" {
		return p.Via
	}
	return "api"
}

func renameField(err error, field string) error {
	var de *desk.Error
	if e, ok := err.(*desk.Error); ok {
		de = e
	}
	if de == nil || de.Code != desk.EINVALID {
		return err
	}
	out := &desk.Error{Code: de.Code, Message: de.Message, Details: map[string][]desk.FieldError{}}
	for _, fes := range de.Details {
		out.Details[field] = append(out.Details[field], fes...)
	}
	return out
}

func firstLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		s = string(r[:n]) + "…"
	}
	return s
}

func rankOf(prio *string) int {
	if prio == nil {
		return -1
	}
	return desk.PriorityRank(*prio)
}

func solvedAt(status string, now int64) int64 {
	if status == "solved" {
		return now
	}
	return 0
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func idOrNil(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
