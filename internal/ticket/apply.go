package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/people"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Edit is one ticket being changed inside a transaction: the small field
// appliers below read and write it. The API's create and update (apply) and,
// next, rule actions ("set priority", "assign to group", "add tags") call the
// same appliers, then finish, then hand the result to commit.
//
// An applier records a changed field as an audit event and a bad value as a
// validation problem; it returns an error only for what stops the whole
// change at once (a database error, or a rule that fails the request
// outright). finish runs the checks that span fields and the permission
// rule, and reports the collected validation problems.
type Edit struct {
	s        *Service
	ctx      context.Context
	tx       *store.Tx
	p        *desk.Principal
	creating bool
	t        *desk.Ticket // the ticket being built (a copy of the stored one on update)
	old      *desk.Ticket // the stored ticket (nil on create)
	// actor made the change a rule stage runs on (p is then the rule
	// principal); nil otherwise.
	actor *desk.Principal
	c     *change
	v     desk.Validation

	// tagsBase is the tag list last recorded as a change.
	tagsBase []string
	// touched notes which fields an applier was asked to set, for the
	// checks that span fields (an assignee must belong to the group, …).
	touchedType, touchedProblem, touchedDueAt, touchedAssignment bool
	// solving is set when this edit makes the ticket solved; clearedAssignee
	// when it removes the assignee (both checked by requireSolvedAssignee).
	solving, clearedAssignee bool
}

func (s *Service) newEdit(ctx context.Context, tx *store.Tx, p *desk.Principal, old, t *desk.Ticket, c *change) *Edit {
	return &Edit{s: s, ctx: ctx, tx: tx, p: p, creating: old == nil, t: t, old: old, c: c, tagsBase: t.Tags}
}

// apply validates in against old (nil on create) and writes the result into
// t, recording every changed field in c. It is the API's sequence of field
// appliers, so create and update cannot drift apart.
func (s *Service) apply(ctx context.Context, tx *store.Tx, p *desk.Principal, old, t *desk.Ticket, in Input, c *change) error {
	e := s.newEdit(ctx, tx, p, old, t, c)
	if err := e.applyInput(in); err != nil {
		return err
	}
	return e.finish()
}

// EditTx changes ticket id inside the caller's transaction: fn calls the
// field appliers of an Edit (SetPriority, SetGroup, AddTags, AddComment …),
// the very code the API's update runs; then the rules spanning fields and
// the permission rule apply, and the result goes through commit (one
// audit, hooks, one event). It is the entry point for rule actions and
// other channels. The principal in ctx acts (the system principal for
// automations) and must be able to see the ticket. When fn changes
// nothing, nothing is written and the audit is nil.
//
// Do not call it from a Hook for the ticket being committed: that change
// is not stored yet, and the nested commit would run the hooks again.
func (s *Service) EditTx(ctx context.Context, tx *store.Tx, id int64, fn func(*Edit) error) (*desk.Ticket, *desk.Audit, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return nil, nil, err
	}
	t, audit, err := s.editTx(ctx, tx, p, id, nil, fn)
	if err != nil {
		return nil, nil, wrapf(err, "ticket: edit %d", id)
	}
	return t, audit, nil
}

// editTx is the update path shared by Update and EditTx: load what p may
// see, refuse closed tickets, run check on the stored ticket, then fn over
// an Edit of a copy, finish, and commit.
func (s *Service) editTx(ctx context.Context, tx *store.Tx, p *desk.Principal, id int64, check func(old *desk.Ticket) error, fn func(*Edit) error) (*desk.Ticket, *desk.Audit, error) {
	old, err := loadVisibleTx(ctx, tx, p, id, false)
	if err != nil {
		return nil, nil, err
	}
	if old.Status == desk.StatusClosed {
		return nil, nil, desk.Invalid("status", "closed prevents ticket update")
	}
	if check != nil {
		if err := check(old); err != nil {
			return nil, nil, err
		}
	}
	t, c := cloneTicket(old), &change{}
	e := s.newEdit(ctx, tx, p, old, t, c)
	if err := fn(e); err != nil {
		return nil, nil, err
	}
	if err := e.finish(); err != nil {
		return nil, nil, err
	}
	if len(c.events) == 0 && c.comment == nil {
		return old, nil, nil // nothing to do: no audit, no version bump
	}
	audit, err := s.commit(ctx, tx, &mutation{kind: desk.ChangeUpdate, actor: p, before: old, after: t, change: *c})
	if err != nil {
		return nil, nil, err
	}
	return t, audit, nil
}

// applyInput runs the appliers for the fields an API request sets, in the
// order Zendesk's rules need (status last).
func (e *Edit) applyInput(in Input) error {
	p := e.p
	if e.creating {
		e.checkSubject()
	} else if subj := firstSet(in.Subject, in.RawSubject); subj != nil {
		e.SetSubject(*subj)
	} else {
		e.checkSubject()
	}
	if err := e.applyForm(&in); err != nil {
		return err
	}
	if in.Type.Set {
		e.SetType(in.Type.Value)
	}
	if in.Priority.Set {
		e.SetPriority(in.Priority.Value)
	}
	e.checkNUL("external_id", in.ExternalID.Value)
	if in.ExternalID.Set {
		e.SetExternalID(in.ExternalID.Value)
	}
	e.checkNUL("recipient", in.Recipient.Value)
	if in.Recipient.Set {
		e.SetRecipient(in.Recipient.Value)
	}
	// Requester changes on update (staff only; checked by endUserMayUpdate).
	if !e.creating {
		if in.Requester != nil {
			if err := e.SetRequesterByEmail(in.Requester.Name, in.Requester.Email); err != nil {
				return err
			}
		} else if in.RequesterID.Set && in.RequesterID.ID != 0 {
			if err := e.SetRequester(in.RequesterID.ID); err != nil {
				return err
			}
		}
	}
	if in.OrganizationID.Set && p.IsStaff() {
		if err := e.SetOrganization(in.OrganizationID.ID); err != nil {
			return err
		}
	}
	if in.GroupID.Set {
		if err := e.SetGroup(in.GroupID.ID); err != nil {
			return err
		}
	}
	assignee := in.AssigneeID
	if in.AssigneeEmail != nil && !assignee.Set {
		uid, ok, err := e.assigneeByEmail(*in.AssigneeEmail)
		if err != nil {
			return err
		}
		if ok {
			assignee = desk.SetID(uid)
		}
	}
	if assignee.Set {
		if err := e.SetAssignee(assignee.ID); err != nil {
			return err
		}
	}
	if in.ProblemID.Set {
		if err := e.SetProblem(in.ProblemID.ID); err != nil {
			return err
		}
	}
	if in.DueAt != nil {
		e.SetDueAt(*in.DueAt)
	}
	// Tags, then custom fields (dropdown values also become tags), recorded
	// as one change.
	if in.Tags != nil {
		if err := e.SetTags(*in.Tags); err != nil {
			return err
		}
	}
	if len(in.AdditionalTags) > 0 {
		if err := e.AddTags(in.AdditionalTags); err != nil {
			return err
		}
	}
	if len(in.RemoveTags) > 0 {
		e.RemoveTags(in.RemoveTags)
	}
	if cf := in.CustomFields; cf != nil || in.Fields != nil {
		if cf == nil {
			cf = in.Fields
		}
		if err := e.SetCustomFields(cf); err != nil {
			return err
		}
	}
	e.recordTags()
	if err := e.applyCollaborators(in); err != nil {
		return err
	}
	if in.Comment != nil {
		if err := e.AddComment(in.Comment); err != nil {
			return err
		}
	}
	// Status last: it depends on the comment and the assignee.
	return e.SetStatus(in.Status)
}

func firstSet(a, b *string) *string {
	if a != nil {
		return a
	}
	return b
}

func (e *Edit) checkNUL(field, val string) {
	if strings.ContainsRune(val, 0) {
		e.v.Add(field, "contains a NUL character")
	}
}

func (e *Edit) checkSubject() {
	if utf8.RuneCountInString(e.t.Subject) > maxSubject {
		e.v.Add("subject", fmt.Sprintf("is too long (maximum is %d characters)", maxSubject))
	}
	e.checkNUL("subject", e.t.Subject)
}

// SetSubject changes the subject (trimmed).
func (e *Edit) SetSubject(subject string) {
	if ns := strings.TrimSpace(subject); ns != e.t.Subject {
		e.c.set("subject", e.t.Subject, ns)
		e.t.Subject = ns
	}
	e.checkSubject()
}

// SetType changes the ticket type ("" clears it).
func (e *Edit) SetType(nt string) {
	e.touchedType = true
	if nt != "" && !validEnum(desk.Types, nt) {
		e.v.Add("type", "is not valid: "+trimFor(nt))
	} else if deref(e.t.Type) != nt {
		e.c.set("type", deref(e.t.Type), nt)
		e.t.Type = optStr(nt)
	}
}

// SetPriority changes the priority ("" clears it).
func (e *Edit) SetPriority(np string) {
	if np != "" && !validEnum(desk.Priorities, np) {
		e.v.Add("priority", "is not valid: "+trimFor(np))
	} else if deref(e.t.Priority) != np {
		e.c.set("priority", deref(e.t.Priority), np)
		e.t.Priority = optStr(np)
	}
}

// SetExternalID changes the external id ("" clears it).
func (e *Edit) SetExternalID(id string) {
	if len(id) > maxExternal {
		e.v.Add("external_id", "is too long")
	} else if deref(e.t.ExternalID) != id {
		e.c.set("external_id", deref(e.t.ExternalID), id)
		e.t.ExternalID = optStr(id)
	}
}

// SetRecipient changes the address the ticket was sent to.
func (e *Edit) SetRecipient(addr string) {
	if deref(e.t.Recipient) == addr {
		return
	}
	if len(addr) > maxExternal {
		e.v.Add("recipient", "is too long")
		return
	}
	e.c.set("recipient", deref(e.t.Recipient), addr)
	e.t.Recipient = optStr(addr)
}

// SetRequesterByEmail makes the owner of email the requester, creating an
// end-user for an unknown address (and publishing user.created for it).
func (e *Edit) SetRequesterByEmail(name, email string) error {
	uid, orgID, err := e.ensureRequester(name, email)
	if err != nil {
		return err
	}
	if uid != e.t.RequesterID {
		e.c.set("requester_id", e.t.RequesterID, uid)
		e.t.RequesterID, e.t.OrganizationID = uid, orgID
	}
	return nil
}

// ensureRequester finds or creates the requester for email; a user created
// here is announced after commit like any other new user.
func (e *Edit) ensureRequester(name, email string) (int64, *int64, error) {
	return e.ensureUser("requester", name, email, false)
}

// SetRequester makes an existing user the requester; the ticket takes the
// user's organization.
func (e *Edit) SetRequester(uid int64) error {
	if uid == e.t.RequesterID {
		return nil
	}
	_, orgID, _, err := people.UserRoleTx(e.ctx, e.tx, uid)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		e.v.Add("requester_id", "is not a valid user")
		return nil
	}
	if err != nil {
		return err
	}
	e.c.set("requester_id", e.t.RequesterID, uid)
	e.t.RequesterID, e.t.OrganizationID = uid, orgID
	return nil
}

// SetOrganization changes the organization (0 clears it) to one the
// requester belongs to.
func (e *Edit) SetOrganization(id int64) error {
	if id == 0 {
		if e.t.OrganizationID != nil {
			e.c.set("organization_id", *e.t.OrganizationID, nil)
			e.t.OrganizationID = nil
		}
		return nil
	}
	if id == deref(e.t.OrganizationID) {
		return nil
	}
	ok, err := people.OrganizationExistsTx(e.ctx, e.tx, id)
	if err != nil {
		return err
	}
	if !ok {
		e.v.Add("organization_id", "is not a valid organization")
		return nil
	}
	// As Zendesk: a ticket belongs to one of its requester's organizations.
	member, err := people.IsOrgMemberTx(e.ctx, e.tx, e.t.RequesterID, id)
	if err != nil {
		return err
	}
	if !member {
		e.v.Add("organization_id", "is not an organization of the requester")
		return nil
	}
	e.c.set("organization_id", idOrNil(e.t.OrganizationID), id)
	e.t.OrganizationID = &id
	return nil
}

// SetGroup changes the group (0 clears it). An assignee outside the new
// group is refused by finish.
func (e *Edit) SetGroup(id int64) error {
	e.touchedAssignment = true
	if id == 0 {
		if e.t.GroupID != nil {
			e.c.set("group_id", *e.t.GroupID, nil)
			e.t.GroupID = nil
		}
		return nil
	}
	if id == deref(e.t.GroupID) {
		return nil
	}
	ok, err := people.GroupUsableTx(e.ctx, e.tx, id)
	if err != nil {
		return err
	}
	if !ok {
		e.v.Add("group_id", "is not a valid group")
		return nil
	}
	e.c.set("group_id", idOrNil(e.t.GroupID), id)
	e.t.GroupID = &id
	return nil
}

// assigneeByEmail finds the user owning an email identity.
func (e *Edit) assigneeByEmail(email string) (int64, bool, error) {
	uid, ok, err := people.UserIDByEmailTx(e.ctx, e.tx, email)
	if err != nil {
		return 0, false, err
	}
	if !ok {
		e.v.Add("assignee_email", "is not an agent")
	}
	return uid, ok, nil
}

// SetAssignee changes the assignee (0 clears it). The assignee must be an
// active agent whose role may edit tickets; a ticket without a group joins
// the assignee's default group.
func (e *Edit) SetAssignee(uid int64) error {
	e.touchedAssignment = true
	t := e.t
	if uid == 0 {
		if t.AssigneeID != nil {
			e.c.set("assignee_id", *t.AssigneeID, nil)
			t.AssigneeID = nil
			e.clearedAssignee = true
		}
		return nil
	}
	if uid == deref(t.AssigneeID) {
		return nil
	}
	// PrincipalFor fails for deleted and suspended users; light agents (no
	// edit_ticket_properties) cannot hold tickets.
	ap, err := people.PrincipalFor(e.ctx, e.tx, uid)
	if err != nil && desk.ErrorCode(err) != desk.EUNAUTHORIZED {
		return err
	}
	switch {
	case err != nil || !ap.Role.Staff():
		e.v.Add("assignee_id", "must be an active agent")
	case !ap.Can().EditTicketProperties:
		e.v.Add("assignee_id", "cannot be assigned tickets (their role cannot edit tickets)")
	default:
		e.c.set("assignee_id", idOrNil(t.AssigneeID), uid)
		t.AssigneeID = &uid
		if t.GroupID == nil {
			gid, ok, err := people.DefaultGroupOfTx(e.ctx, e.tx, uid)
			if err != nil {
				return err
			}
			if ok {
				e.c.set("group_id", nil, gid)
				t.GroupID = &gid
			}
		}
	}
	return nil
}

// SetProblem links an incident to a problem ticket (0 unlinks it).
func (e *Edit) SetProblem(id int64) error {
	e.touchedProblem = true
	t := e.t
	if id == 0 {
		if t.ProblemID != nil {
			e.c.set("problem_id", *t.ProblemID, nil)
			t.ProblemID = nil
		}
		return nil
	}
	if id == deref(t.ProblemID) {
		return nil
	}
	if id == t.ID {
		e.v.Add("problem_id", "cannot link a ticket to itself")
		return nil
	}
	typ, found, err := liveTicketType(e.ctx, e.tx, id)
	if err != nil {
		return err
	}
	if !found || typ != desk.TypeProblem {
		e.v.Add("problem_id", "must be a ticket of type problem")
		return nil
	}
	e.c.set("problem_id", idOrNil(t.ProblemID), id)
	t.ProblemID = &id
	return nil
}

// SetDueAt changes a task's due date (the zero time clears it).
func (e *Edit) SetDueAt(at desk.Time) {
	e.touchedDueAt = true
	if !at.Equal(e.t.DueAt.Time) {
		e.c.set("due_at", e.t.DueAt, at)
		e.t.DueAt = at
	}
}

// SetTags replaces the tags. Tag changes are recorded as one event by
// recordTags (or finish).
func (e *Edit) SetTags(tags []string) error {
	nt, err := NormalizeTags(tags)
	if err != nil {
		return err
	}
	e.t.Tags = nt
	return nil
}

// AddTags adds tags the ticket lacks, keeping the order.
func (e *Edit) AddTags(tags []string) error {
	add, err := NormalizeTags(tags)
	if err != nil {
		return err
	}
	for _, tg := range add {
		if !slices.Contains(e.t.Tags, tg) {
			e.t.Tags = append(slices.Clone(e.t.Tags), tg)
		}
	}
	return nil
}

// RemoveTags drops the given tags.
func (e *Edit) RemoveTags(tags []string) {
	rm, _ := NormalizeTags(tags)
	e.t.Tags = slices.DeleteFunc(slices.Clone(e.t.Tags), func(s string) bool { return slices.Contains(rm, s) })
}

// SetCustomFields merges custom field values; dropdown values also become
// tags.
func (e *Edit) SetCustomFields(cf []desk.CustomFieldValue) error {
	t := e.t
	merged, addTags, rmTags, err := validateCustomFields(e.ctx, e.tx, t.CustomFields, cf)
	if err != nil {
		return err
	}
	if encodeCustomFields(merged) != encodeCustomFields(t.CustomFields) {
		e.c.set("custom_fields", t.CustomFields, merged)
	}
	t.CustomFields, t.Fields = merged, merged
	tags := slices.DeleteFunc(slices.Clone(t.Tags), func(s string) bool { return slices.Contains(rmTags, s) })
	for _, tg := range addTags {
		if !slices.Contains(tags, tg) {
			tags = append(tags, tg)
		}
	}
	t.Tags = tags
	return nil
}

// recordTags records the tag changes made since the last call as one event.
func (e *Edit) recordTags() {
	if !slices.Equal(e.t.Tags, e.tagsBase) {
		if len(e.t.Tags) > maxTags {
			e.v.Add("tags", "has too many tags")
		}
		e.c.set("tags", e.tagsBase, e.t.Tags)
		e.tagsBase = e.t.Tags
	}
}

// setCollaborators replaces followers ("follower_ids") or CCs
// ("email_cc_ids", or its older name "collaborator_ids"), recording the
// change as field and reporting problems under errField (the request's own
// name for the list).
func (e *Edit) setCollaborators(field, errField string, in []int64) error {
	cur := &e.t.EmailCCIDs
	if field == "follower_ids" {
		cur = &e.t.FollowerIDs
	}
	ids := slices.Compact(slices.Sorted(slices.Values(in)))
	if len(ids) > maxCCs {
		e.v.Add(errField, "has too many users")
		return nil
	}
	for _, uid := range ids {
		role, _, active, err := people.UserRoleTx(e.ctx, e.tx, uid)
		if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
			return err
		}
		if err != nil || !active {
			e.v.Add(errField, fmt.Sprintf("user %d is not valid", uid))
		} else if field == "follower_ids" && !role.Staff() {
			e.v.Add(errField, fmt.Sprintf("user %d is not an agent", uid))
		}
	}
	if !slices.Equal(ids, *cur) {
		e.c.set(field, *cur, ids)
		*cur = ids
	}
	return nil
}

// AddComment adds a reply or note, with the caller's rights: a role
// without public_comments writes an internal note whatever it asked for.
func (e *Edit) AddComment(ci *CommentInput) error {
	nc, err := e.s.prepareComment(e.ctx, e.tx, e.p, e.t, ci)
	if err != nil {
		return err
	}
	e.c.comment = nc
	return nil
}

// SetStatus applies Zendesk's status rules. With requested nil it makes
// only the implicit moves: an agent's reply opens a new ticket, a
// requester's reply reopens a pending or solved one, and a new ticket with
// an assignee is open.
func (e *Edit) SetStatus(requested *string) error {
	t := e.t
	newStatus := t.Status
	if requested != nil {
		if ns, ok := desk.ParseStatus(*requested); ok {
			newStatus = ns
		} else {
			e.v.Add("status", "is not valid: "+trimFor(strings.ToLower(strings.TrimSpace(*requested))))
		}
	}
	if requested == nil && e.c.comment != nil && !e.creating {
		p := e.p
		switch {
		case p.IsStaff() && p.Can().EditTicketProperties && e.c.comment.authorID != t.RequesterID && t.Status == desk.StatusNew:
			newStatus = desk.StatusOpen // an agent's reply opens a new ticket
		case !p.IsStaff() && (t.Status == desk.StatusPending || t.Status == desk.StatusSolved):
			newStatus = desk.StatusOpen // the requester wrote back
		}
	}
	if e.creating && newStatus == desk.StatusNew && t.AssigneeID != nil {
		newStatus = desk.StatusOpen
	}
	if newStatus == desk.StatusNew && !e.creating && t.Status != desk.StatusNew {
		e.v.Add("status", "cannot go back to new")
	}
	if newStatus == desk.StatusClosed && !e.creating && t.Status != desk.StatusSolved && t.Status != desk.StatusClosed {
		e.v.Add("status", "only solved tickets can be closed")
	}
	if e.creating && newStatus == desk.StatusClosed {
		e.v.Add("status", "a new ticket cannot be closed")
	}
	if newStatus == desk.StatusSolved && (e.creating || t.Status != desk.StatusSolved) {
		e.solving = true // finish makes sure it has an assignee
	}
	if newStatus != t.Status {
		if !e.creating {
			e.c.set("status", string(t.Status), string(newStatus))
		}
		t.Status = newStatus
	}
	return nil
}

// finish runs the rules that span fields, then the property-permission
// rule, and reports every validation problem found.
func (e *Edit) finish() error {
	t := e.t
	e.recordTags()
	if err := e.requireSolvedAssignee(); err != nil {
		return err
	}
	if e.touchedAssignment && t.AssigneeID != nil && t.GroupID != nil {
		ok, err := people.IsGroupMemberTx(e.ctx, e.tx, *t.AssigneeID, *t.GroupID)
		if err != nil {
			return err
		}
		if !ok {
			e.v.Add("assignee_id", "is not a member of the group")
		}
	}
	if t.ProblemID != nil && deref(t.Type) != desk.TypeIncident && (e.touchedType || e.touchedProblem) {
		e.v.Add("problem_id", "can only be set on incidents")
	}
	if !t.DueAt.IsZero() && deref(t.Type) != desk.TypeTask && (e.touchedDueAt || e.touchedType) {
		e.v.Add("due_at", "can only be set on tasks")
	}
	// Roles without edit_ticket_properties (light agents) may comment but
	// change nothing; values sent unchanged are not changes. An attempted
	// change that is also invalid is refused as forbidden, not as invalid.
	if e.p.IsStaff() && !e.p.Can().EditTicketProperties && (len(e.c.events) > 0 || (!e.creating && e.v.Err() != nil)) {
		return desk.Forbidden("Your role does not allow changing ticket properties; you can add internal notes")
	}
	return e.v.Err()
}

// AssigneeRequiredToSolve is Zendesk's description of the refusal to solve
// a ticket that has no assignee.
const AssigneeRequiredToSolve = "Assignee: is required when solving a ticket"

// requireSolvedAssignee applies Zendesk's rule that a solved ticket has an
// assignee, for every path that edits a ticket (API, web, bulk, Requests
// API, rule actions through EditTx). When this edit solves a ticket that has
// no assignee and settings.AssignOnSolve is on (the default), an agent or
// admin acting as themself becomes the assignee, recorded in this edit's
// audit (with their default group when the ticket has none; outside the
// ticket's group they are refused like any assignee). Anyone else — an
// end-user or requester, the system principal of automations — and anyone
// at all with the setting off is refused on assignee_id. So is removing the
// assignee of a solved ticket. Solved tickets this edit does not solve or
// unassign (older data) are left alone; merges close their sources without
// an edit and are not held to it. A requester solving through an answer
// bot link (SolveAnswered) needs no assignee.
func (e *Edit) requireSolvedAssignee() error {
	t := e.t
	if t.Status != desk.StatusSolved || t.AssigneeID != nil || (!e.solving && !e.clearedAssignee) {
		return nil
	}
	if e.solving && !e.clearedAssignee && solvedByAnswer(e.ctx) {
		return nil // the requester's own article answered it (SolveAnswered)
	}
	if e.solving && !e.clearedAssignee && e.actsAsAgent() {
		on, err := settings.AssignOnSolve.GetIn(e.ctx, e.s.settingsSvc(), e.tx)
		if err != nil {
			return err
		}
		if on {
			return e.SetAssignee(e.p.UserID)
		}
	}
	// Zendesk answers this under details.base with the field's type.
	e.v.AddBase("FieldAssignee", AssigneeRequiredToSolve)
	return nil
}

// actsAsAgent reports whether the acting principal is a staff user who
// could hold the ticket (not the system, not a requester).
func (e *Edit) actsAsAgent() bool {
	p := e.p
	return !p.System && p.UserID != 0 && p.Role.Staff()
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// liveTicketType returns the type of a ticket not in the deleted list.
func liveTicketType(ctx context.Context, q store.Querier, id int64) (string, bool, error) {
	var typ *string
	err := q.QueryRow(ctx, `SELECT type FROM tickets WHERE id = ? AND deleted_at = 0`, id).Scan(&typ)
	if isNoRows(err) {
		return "", false, nil
	}
	return deref(typ), err == nil, err
}

// safeStampMatches compares a client's updated_stamp with the ticket's at
// the precision clients see (whole seconds).
func safeStampMatches(stamp *desk.Time, updated desk.Time) bool {
	return stamp.Truncate(time.Second).Equal(updated.Truncate(time.Second))
}
