package ticket

import (
	"context"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// The Requests API is an end-user's view of tickets (Zendesk: "A request is
// an end user's perspective on a ticket"). Everyone calling it — staff too —
// acts as a requester: they see the tickets they requested, are copied on,
// or their organization shares, only public comments, and may only add
// comments and mark a request solved. Zendesk: "Admins and agents are
// treated as end users when using the Requests endpoint."

// Request is a ticket in Zendesk's request shape.
type Request struct {
	ID               int64                   `json:"id"`
	URL              string                  `json:"url"`
	Subject          string                  `json:"subject"`
	Description      string                  `json:"description"`
	Status           desk.Status             `json:"status"`
	Priority         *string                 `json:"priority"`
	Type             *string                 `json:"type"`
	Recipient        *string                 `json:"recipient"`
	RequesterID      int64                   `json:"requester_id"`
	OrganizationID   *int64                  `json:"organization_id"`
	AssigneeID       *int64                  `json:"assignee_id"`
	GroupID          *int64                  `json:"group_id"`
	CollaboratorIDs  []int64                 `json:"collaborator_ids"`
	EmailCCIDs       []int64                 `json:"email_cc_ids"`
	Via              desk.Via                `json:"via"`
	CustomFields     []desk.CustomFieldValue `json:"custom_fields"`
	Fields           []desk.CustomFieldValue `json:"fields"`
	IsPublic         bool                    `json:"is_public"`
	DueAt            desk.Time               `json:"due_at"`
	CanBeSolvedByMe  bool                    `json:"can_be_solved_by_me"`
	Solved           bool                    `json:"solved"`
	TicketFormID     *int64                  `json:"ticket_form_id"`
	BrandID          *int64                  `json:"brand_id"`
	FollowupSourceID *int64                  `json:"followup_source_id"`
	CreatedAt        desk.Time               `json:"created_at"`
	UpdatedAt        desk.Time               `json:"updated_at"`
}

// RequestInput is a request create or update ({"request": {…}}). Create
// takes subject, comment (required), priority, type, custom fields, due_at
// and CCs; update takes a comment and "solved": true. Anything else an
// update sets is refused by the end-user rule.
type RequestInput struct {
	Subject         *string                 `json:"subject"`
	Comment         *CommentInput           `json:"comment"`
	Priority        desk.NullString         `json:"priority,omitzero"`
	Type            desk.NullString         `json:"type,omitzero"`
	CustomFields    []desk.CustomFieldValue `json:"custom_fields,omitempty"`
	Fields          []desk.CustomFieldValue `json:"fields,omitempty"`
	TicketFormID    desk.NullID             `json:"ticket_form_id,omitzero"`
	DueAt           *desk.Time              `json:"due_at"`
	CollaboratorIDs *[]int64                `json:"collaborator_ids"`
	EmailCCIDs      *[]int64                `json:"email_cc_ids"`
	Solved          *Flag                   `json:"solved"`
	Status          *string                 `json:"status"`
}

// Flag is a boolean that also accepts the strings "true" and "false", as
// Zendesk's request examples send "solved": "true".
type Flag bool

// UnmarshalJSON accepts true, false, "true" and "false".
func (f *Flag) UnmarshalJSON(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "true", `"true"`:
		*f = true
	case "false", `"false"`, "null":
		*f = false
	default:
		return desk.Invalid("solved", "must be true or false")
	}
	return nil
}

// RequestFilter selects the caller's requests.
type RequestFilter struct {
	// CCd lists requests the caller is copied on instead of those they
	// requested (requests/ccd).
	CCd bool
	// Statuses keeps only these statuses (Zendesk's comma-separated
	// status parameter); empty keeps all.
	Statuses []string
	// SortBy is created_at (the default) or updated_at.
	SortBy string
	Desc   bool
	Limit  int
	Offset int
}

// asRequester returns ctx acting as its principal seen as an end-user, and
// that principal. Every Requests API call runs so: the one visibility rule's
// end-user branch gives what the caller requested, is copied on, or their
// organization shares; comments are public; and the end-user update rule
// applies — to staff as well, who "are treated as end users when using the
// Requests endpoint" (Zendesk), whatever their ticket access as agents.
func asRequester(ctx context.Context) (context.Context, *desk.Principal, error) {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return ctx, nil, err
	}
	if p.UserID == 0 {
		return ctx, nil, desk.Forbidden("the Requests API acts for a signed-in user")
	}
	if p.Role == desk.RoleEndUser && !p.System {
		return ctx, p, nil
	}
	rp := &desk.Principal{UserID: p.UserID, Role: desk.RoleEndUser, OrgID: p.OrgID, Email: p.Email, Via: p.Via, ReadOnly: p.ReadOnly}
	return desk.WithPrincipal(ctx, rp), rp, nil
}

var requestSorts = map[string]string{"": "t.created_at", "created_at": "t.created_at", "updated_at": "t.updated_at"}

// Requests lists one page of the caller's requests and how many there are.
func (s *Service) Requests(ctx context.Context, f RequestFilter) (_ []*Request, _ int, err error) {
	defer func() { err = wrapf(err, "ticket: requests") }()
	ctx, p, err := asRequester(ctx)
	if err != nil {
		return nil, 0, err
	}
	col, ok := requestSorts[f.SortBy]
	if !ok {
		return nil, 0, desk.Invalid("sort_by", "must be created_at or updated_at")
	}
	cond, args := visibility(p)
	where := cond + " AND t.deleted_at = 0"
	if f.CCd {
		where += " AND t.id IN (SELECT cc.ticket_id FROM ticket_collaborators cc WHERE cc.user_id = ?)"
	} else {
		where += " AND t.requester_id = ?"
	}
	args = append(args, p.UserID)
	if len(f.Statuses) > 0 {
		ph := make([]string, 0, len(f.Statuses))
		for _, st := range f.Statuses {
			ns, ok := desk.ParseStatus(st)
			if !ok {
				return nil, 0, desk.Invalid("status", "is not valid: "+trimFor(st))
			}
			ph = append(ph, "?")
			args = append(args, string(ns))
		}
		where += " AND t.status IN (" + strings.Join(ph, ",") + ")"
	}
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM tickets t WHERE `+where, args...).Scan(&n); err != nil {
		return nil, 0, err
	}
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	page, pageArgs := store.Page(limit, max(f.Offset, 0))
	ts, err := queryTickets(ctx, s.DB, `SELECT `+ticketColumns+` FROM tickets t WHERE `+where+
		` ORDER BY `+col+dir+`, t.id`+dir+page, append(args, pageArgs...)...)
	if err != nil {
		return nil, 0, err
	}
	if err := loadRelations(ctx, s.DB, ts); err != nil {
		return nil, 0, err
	}
	out, err := s.toRequests(ctx, p, ts)
	return out, n, err
}

// Request returns one of the caller's requests; any other id is "not found".
func (s *Service) Request(ctx context.Context, id int64) (_ *Request, err error) {
	defer func() { err = wrapf(err, "ticket: request %d", id) }()
	ctx, p, err := asRequester(ctx)
	if err != nil {
		return nil, err
	}
	t, err := loadVisibleTx(ctx, s.DB, p, id, false)
	if err != nil {
		return nil, err
	}
	rs, err := s.toRequests(ctx, p, []*desk.Ticket{t})
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// CreateRequest opens a ticket requested by the caller.
func (s *Service) CreateRequest(ctx context.Context, in RequestInput) (*Request, error) {
	ctx, p, err := asRequester(ctx)
	if err != nil {
		return nil, err
	}
	if in.Solved != nil || in.Status != nil {
		return nil, desk.Invalid("status", "cannot be set on a new request")
	}
	if in.Comment == nil {
		return nil, desk.Invalid("comment", "is required")
	}
	// A request's comment is always public, whoever writes it.
	in.Comment.Public = ptrBool(true)
	in.Comment.AuthorID = desk.NullID{}
	t, _, err := s.Create(ctx, Input{
		Subject: in.Subject, Comment: in.Comment, RequesterID: desk.SetID(p.UserID),
		Priority: in.Priority, Type: in.Type, CustomFields: in.CustomFields, Fields: in.Fields, DueAt: in.DueAt,
		CollaboratorIDs: in.CollaboratorIDs, EmailCCIDs: in.EmailCCIDs, TicketFormID: in.TicketFormID,
	})
	if err != nil {
		return nil, err
	}
	return s.Request(ctx, t.ID)
}

// UpdateRequest adds the caller's public comment to one of their requests
// and marks it solved when asked; it changes nothing else. Staff are held
// to the same end-user rule here.
func (s *Service) UpdateRequest(ctx context.Context, id int64, in RequestInput) (_ *Request, err error) {
	defer func() { err = wrapf(err, "ticket: update request %d", id) }()
	ctx, p, err := asRequester(ctx)
	if err != nil {
		return nil, err
	}
	ti := Input{Subject: in.Subject, Comment: in.Comment, Priority: in.Priority, Type: in.Type,
		CustomFields: in.CustomFields, Fields: in.Fields, DueAt: in.DueAt, TicketFormID: in.TicketFormID,
		CollaboratorIDs: in.CollaboratorIDs, EmailCCIDs: in.EmailCCIDs, Status: in.Status}
	if in.Solved != nil && bool(*in.Solved) {
		solved := string(desk.StatusSolved)
		ti.Status = &solved
	}
	if ti.Comment != nil {
		if ti.Comment.Public != nil && !*ti.Comment.Public {
			return nil, desk.Forbidden("requests take public comments only")
		}
		ti.Comment.Public = ptrBool(true)
		ti.Comment.AuthorID = desk.NullID{}
		ti.Comment.render()
	}
	if err := endUserMayUpdate(ti); err != nil {
		return nil, err
	}
	if ti.Comment == nil && ti.Status == nil {
		return nil, desk.Invalid("request", "needs a comment or solved: true")
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := s.updateTx(ctx, tx, p, id, ti) // p is the caller as a requester
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Request(ctx, id)
}

// RequestComments lists a request's public comments (internal notes are
// left out for staff as well: they act as requesters here).
func (s *Service) RequestComments(ctx context.Context, id, afterID int64, limit int, desc bool) ([]*desk.Comment, bool, error) {
	ctx, _, err := asRequester(ctx)
	if err != nil {
		return nil, false, err
	}
	// As a requester, the caller gets public comments only.
	return s.Comments(ctx, id, afterID, limit, desc)
}

// RequestComment returns one public comment of a request.
func (s *Service) RequestComment(ctx context.Context, id, commentID int64) (*desk.Comment, error) {
	if commentID <= 0 {
		return nil, desk.NotFound()
	}
	cs, _, err := s.RequestComments(ctx, id, commentID-1, 1, false)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 || cs[0].ID != commentID {
		return nil, wrapf(desk.NotFound(), "ticket: comment %d of request %d", commentID, id)
	}
	return cs[0], nil
}

// toRequests converts tickets to requests and works out can_be_solved_by_me
// with the rule requireSolvedAssignee applies to a requester's "solved".
func (s *Service) toRequests(ctx context.Context, p *desk.Principal, ts []*desk.Ticket) ([]*Request, error) {
	out := make([]*Request, 0, len(ts))
	for _, t := range ts {
		solved := t.Status == desk.StatusSolved || t.Status == desk.StatusClosed
		cfs := t.CustomFields
		if cfs == nil {
			cfs = []desk.CustomFieldValue{}
		}
		brand := t.BrandID
		if brand == nil { // p6b-misc: every request belongs to the one brand
			b := desk.DefaultBrandID
			brand = &b
		}
		out = append(out, &Request{
			ID: t.ID, Subject: t.Subject, Description: t.Description, Status: t.Status, Priority: t.Priority,
			Type: t.Type, Recipient: t.Recipient, RequesterID: t.RequesterID, OrganizationID: t.OrganizationID,
			AssigneeID: t.AssigneeID, GroupID: t.GroupID, CollaboratorIDs: nonNil(t.CollaboratorIDs),
			EmailCCIDs: nonNil(t.EmailCCIDs), Via: t.Via, CustomFields: cfs, Fields: cfs, IsPublic: t.IsPublic,
			DueAt: t.DueAt, Solved: solved, TicketFormID: t.TicketFormID, BrandID: brand,
			CanBeSolvedByMe: RequesterCanSolve(t),
			CreatedAt:       t.CreatedAt, UpdatedAt: t.UpdatedAt,
		})
	}
	return out, nil
}

// RequesterCanSolve is Zendesk's can_be_solved_by_me: a requester may mark
// their request solved once it has an assignee (requireSolvedAssignee never
// assigns a requester) and while it is not solved already.
func RequesterCanSolve(t *desk.Ticket) bool {
	return t.AssigneeID != nil && t.Status != desk.StatusSolved && t.Status != desk.StatusClosed
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return slices.Clone(ids)
}

func ptrBool(b bool) *bool { return &b }

// RequestsByIDs returns the caller's requests among ids, in the order of
// ids (search results, whose visibility the search applied; the request
// scope is applied again here).
func (s *Service) RequestsByIDs(ctx context.Context, ids []int64) (_ []*Request, err error) {
	defer func() { err = wrapf(err, "ticket: requests by ids") }()
	ctx, p, err := asRequester(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return []*Request{}, nil
	}
	cond, args := visibility(p)
	ph := strings.Repeat("?,", len(ids))
	for _, id := range ids {
		args = append(args, id)
	}
	ts, err := queryTickets(ctx, s.DB, `SELECT `+ticketColumns+` FROM tickets t WHERE `+cond+
		` AND t.deleted_at = 0 AND t.id IN (`+ph[:len(ph)-1]+`)`, args...)
	if err != nil {
		return nil, err
	}
	if err := loadRelations(ctx, s.DB, ts); err != nil {
		return nil, err
	}
	byID := make(map[int64]*desk.Ticket, len(ts))
	for _, t := range ts {
		byID[t.ID] = t
	}
	ordered := make([]*desk.Ticket, 0, len(ts))
	for _, id := range ids {
		if t := byID[id]; t != nil {
			ordered = append(ordered, t)
		}
	}
	return s.toRequests(ctx, p, ordered)
}

// AsRequester returns ctx acting as its caller seen as an end-user, for
// other services serving the Requests API (request search).
func AsRequester(ctx context.Context) (context.Context, error) {
	ctx, _, err := asRequester(ctx)
	return ctx, err
}
