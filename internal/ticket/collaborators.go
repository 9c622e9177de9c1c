package ticket

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/events"
	"github.com/frontdesk/frontdesk/internal/people"
)

// CollaboratorRef is one entry of Zendesk's collaborators and
// additional_collaborators arrays: a user id, an email address, or an
// object {"name", "email"}.
type CollaboratorRef struct {
	ID    int64
	Name  string
	Email string
}

var errBadRef = desk.Invalid("collaborators", "each entry must be a user id, an email address or {name, email}")

// UnmarshalJSON accepts 123, "123", "a@example.com" and
// {"name":"A","email":"a@example.com"}.
func (r *CollaboratorRef) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return errBadRef
	}
	switch data[0] {
	case '{':
		var o struct {
			ID    int64  `json:"id"`
			Name  string `json:"name"`
			Email string `json:"email"`
		}
		if err := json.Unmarshal(data, &o); err != nil || (o.Email == "" && o.ID <= 0) {
			return errBadRef
		}
		*r = CollaboratorRef{ID: o.ID, Name: o.Name, Email: o.Email}
		if r.Email != "" {
			r.ID = 0
		}
	case '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return errBadRef
		}
		s = strings.TrimSpace(s)
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			*r = CollaboratorRef{ID: id}
		} else if strings.Contains(s, "@") {
			*r = CollaboratorRef{Email: s}
		} else {
			return errBadRef
		}
	default:
		id, err := strconv.ParseInt(string(data), 10, 64)
		if err != nil || id <= 0 {
			return errBadRef
		}
		*r = CollaboratorRef{ID: id}
	}
	return nil
}

// MarshalJSON writes the reference back in a form UnmarshalJSON reads (bulk
// jobs store their Input as JSON).
func (r CollaboratorRef) MarshalJSON() ([]byte, error) {
	if r.Email != "" {
		return json.Marshal(map[string]string{"name": r.Name, "email": r.Email})
	}
	return json.Marshal(r.ID)
}

// CCAction is one entry of Zendesk's email_ccs and followers arrays: a user
// by id or email, added ("put", the default) or removed ("delete").
type CCAction struct {
	UserID    int64  `json:"user_id"`
	UserEmail string `json:"user_email"`
	UserName  string `json:"user_name"`
	Action    string `json:"action"`
}

// hasPeopleRefs tells whether in names CCs or followers by reference.
func (in *Input) hasPeopleRefs() bool {
	return in.Collaborators != nil || in.AdditionalCollaborators != nil || in.EmailCCs != nil || in.Followers != nil
}

// applyCollaborators works out the CC and follower lists from every form
// Zendesk accepts (id lists, collaborators, additional_collaborators,
// email_ccs and followers with actions) and applies each list once, so a
// request records at most one change per list.
func (e *Edit) applyCollaborators(in Input) error {
	if in.hasPeopleRefs() && !e.p.IsStaff() {
		return desk.Forbidden("end users cannot change CCs or followers")
	}
	ccs, fs := slices.Clone(e.t.EmailCCIDs), slices.Clone(e.t.FollowerIDs)
	ccAudit, ccField, ccSet, fField, fSet := "email_cc_ids", "email_cc_ids", false, "follower_ids", false
	if in.FollowerIDs != nil {
		fs, fSet = *in.FollowerIDs, true
	}
	if in.CollaboratorIDs != nil {
		ccs, ccSet, ccAudit, ccField = *in.CollaboratorIDs, true, "collaborator_ids", "collaborator_ids"
	}
	if in.EmailCCIDs != nil {
		ccs, ccSet, ccAudit, ccField = *in.EmailCCIDs, true, "email_cc_ids", "email_cc_ids"
	}
	if in.Collaborators != nil {
		ids, err := e.resolveRefs("collaborators", *in.Collaborators)
		if err != nil {
			return err
		}
		ccs, ccSet, ccField = ids, true, "collaborators"
	}
	if len(in.AdditionalCollaborators) > 0 {
		ids, err := e.resolveRefs("additional_collaborators", in.AdditionalCollaborators)
		if err != nil {
			return err
		}
		ccs, ccSet, ccField = append(ccs, ids...), true, "additional_collaborators"
	}
	if len(in.EmailCCs) > 0 {
		var err error
		if ccs, err = e.applyActions("email_ccs", ccs, in.EmailCCs, true); err != nil {
			return err
		}
		ccSet, ccField = true, "email_ccs"
	}
	if len(in.Followers) > 0 {
		var err error
		if fs, err = e.applyActions("followers", fs, in.Followers, false); err != nil {
			return err
		}
		fSet, fField = true, "followers"
	}
	if fSet {
		if err := e.setCollaborators("follower_ids", fField, fs); err != nil {
			return err
		}
	}
	if ccSet {
		return e.setCollaborators(ccAudit, ccField, ccs)
	}
	return nil
}

// resolveRefs turns collaborator references into user ids, creating an
// end-user for an address nobody owns.
func (e *Edit) resolveRefs(field string, refs []CollaboratorRef) ([]int64, error) {
	if len(refs) > maxCCs {
		e.v.Add(field, "has too many users")
		return nil, nil
	}
	ids := make([]int64, 0, len(refs))
	for _, r := range refs {
		if r.Email == "" {
			ids = append(ids, r.ID)
			continue
		}
		uid, _, err := e.ensureUser(field, r.Name, r.Email, false)
		if err != nil {
			return nil, err
		}
		ids = append(ids, uid)
	}
	return ids, nil
}

// applyActions applies email_ccs or followers entries to cur. An unknown
// address becomes an end-user when create is set (CCs); followers must
// already exist (and be staff, which setCollaborators checks).
func (e *Edit) applyActions(field string, cur []int64, acts []CCAction, create bool) ([]int64, error) {
	if len(acts) > maxCCs {
		e.v.Add(field, "has too many users")
		return cur, nil
	}
	out := slices.Clone(cur)
	for i, a := range acts {
		del := false
		switch strings.ToLower(a.Action) {
		case "", "put":
		case "delete":
			del = true
		default:
			e.v.Add(field, fmt.Sprintf("entry %d: action must be put or delete", i))
			continue
		}
		uid := a.UserID
		switch {
		case uid > 0:
		case a.UserID == 0 && a.UserEmail != "":
			if create && !del {
				id, _, err := e.ensureUser(field, a.UserName, a.UserEmail, false)
				if err != nil {
					return nil, err
				}
				uid = id
				break
			}
			id, ok, err := people.UserIDByEmailTx(e.ctx, e.tx, a.UserEmail)
			if err != nil {
				return nil, err
			}
			if !ok {
				if !del {
					e.v.Add(field, fmt.Sprintf("entry %d: no user has the email %s", i, trimFor(a.UserEmail)))
				}
				continue
			}
			uid = id
		default:
			e.v.Add(field, fmt.Sprintf("entry %d: needs user_id or user_email", i))
			continue
		}
		if del {
			out = slices.DeleteFunc(out, func(id int64) bool { return id == uid })
		} else {
			out = append(out, uid)
		}
	}
	return out, nil
}

// ensureUser finds or creates the user owning email for field; a user
// created here is announced after commit like any other new user.
func (e *Edit) ensureUser(field, name, email string, fromMail bool) (int64, *int64, error) {
	ensure := people.EnsureRequesterTx
	if fromMail {
		ensure = people.EnsureSenderTx
	}
	uid, orgID, created, err := ensure(e.ctx, e.tx, name, email)
	if err != nil {
		return 0, nil, renameField(err, field)
	}
	if created {
		if err := e.s.Events.PublishTx(e.ctx, e.tx, events.Event{Type: events.UserCreated, UserID: uid, ActorID: e.p.UserID}); err != nil {
			return 0, nil, err
		}
	}
	return uid, orgID, nil
}
