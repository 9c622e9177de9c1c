package rules

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// SideEffect runs once the ticket change is written, inside the same
// transaction, with the committed change; it enqueues durable work (mail,
// webhook calls) and sends nothing itself.
type SideEffect = ticket.Hook

// ActionContext is what an action needs to change a ticket.
type ActionContext struct {
	Ctx context.Context
	Tx  *store.Tx
	// Edit is the ticket being changed (the same appliers the API runs).
	Edit *ticket.Edit
	// Rule is the rule whose action this is.
	Rule Ref
	// Actor is the person who made the change ("current_user"); the system
	// for automations.
	Actor *desk.Principal
	// Registry runs placeholders and mail.
	Registry *Registry
	// Later queues a side effect for after the write.
	Later func(SideEffect)
}

// Apply runs actions in order. The first failing action stops the rest;
// the caller (ticket.Edit.Try) undoes the rule's partial changes.
func (r *Registry) Apply(ac *ActionContext, actions []Action) error {
	if ac.Registry == nil {
		ac.Registry = r
	}
	for _, a := range actions {
		spec, ok := r.Action(a.Field)
		if !ok || spec.Apply == nil {
			return desk.Invalid("actions", fmt.Sprintf("%q is not a known action", trimFor(a.Field)))
		}
		if err := spec.Apply(ac, a.Field, a.Value); err != nil {
			return fmt.Errorf("rules: action %s: %w", a.Field, err)
		}
	}
	return nil
}

var (
	propKinds   = []Kind{KindTrigger, KindAutomation, KindMacro}
	notifyKinds = []Kind{KindTrigger, KindAutomation}
)

// scalarNullifies: setting field to v makes condition c (on the same
// field) false.
func scalarNullifies(rank func(string) int) func(field string, v any, c Condition) bool {
	return func(field string, v any, c Condition) bool {
		if c.Field != field {
			return false
		}
		cur, want := String(v), String(c.Value)
		if cur == "current_user" || want == "current_user" {
			return false
		}
		switch c.Operator {
		case OpIs:
			return cur != want
		case OpIsNot:
			return cur == want
		case OpPresent:
			return cur == ""
		case OpNotPresent:
			return cur != ""
		case OpLessThan, OpGreaterThan:
			if rank == nil || rank(cur) < 0 || rank(want) < 0 {
				return false
			}
			if c.Operator == OpLessThan {
				return rank(cur) >= rank(want)
			}
			return rank(cur) <= rank(want)
		}
		return false
	}
}

// checkIDValue checks an id action value; ref checks that the record
// exists.
func checkIDValue(current bool, ref func(context.Context, int64) error) func(ctx context.Context, v any) error {
	return func(ctx context.Context, v any) error {
		s := String(v)
		if s == "" || current && s == "current_user" {
			return nil
		}
		n, ok := Int(s)
		if !ok || n < 0 {
			return errors.New("must be an id")
		}
		return ref(ctx, n)
	}
}

func (ac *ActionContext) id(v any) int64 {
	s := String(v)
	if s == "current_user" {
		if ac.Actor == nil {
			return 0
		}
		return ac.Actor.UserID
	}
	n, _ := Int(s)
	return n
}

func registerActions(r *Registry) {
	r.AddAction("status", ActionSpec{Title: "Status", Kinds: propKinds, Values: desk.Statuses[1:],
		Apply:     func(ac *ActionContext, _ string, v any) error { s := String(v); return ac.Edit.SetStatus(&s) },
		Nullifies: scalarNullifies(desk.StatusRank)})
	r.AddAction("priority", ActionSpec{Title: "Priority", Kinds: propKinds,
		Check: func(ctx context.Context, v any) error {
			return checkOneOf(append([]string{""}, desk.Priorities...)...)(ctx, "", OpIs, v)
		},
		Apply:     func(ac *ActionContext, _ string, v any) error { ac.Edit.SetPriority(String(v)); return nil },
		Nullifies: scalarNullifies(desk.PriorityRank)})
	r.AddAction("type", ActionSpec{Title: "Type", Kinds: propKinds,
		Check: func(ctx context.Context, v any) error {
			return checkOneOf(append([]string{""}, desk.Types...)...)(ctx, "", OpIs, v)
		},
		Apply:     func(ac *ActionContext, _ string, v any) error { ac.Edit.SetType(String(v)); return nil },
		Nullifies: scalarNullifies(nil)})
	r.AddAction("group_id", ActionSpec{Title: "Group", Kinds: propKinds, Check: checkIDValue(false, CheckGroupRef),
		Apply:     func(ac *ActionContext, _ string, v any) error { return ac.Edit.SetGroup(ac.id(v)) },
		Nullifies: scalarNullifies(nil)})
	r.AddAction("assignee_id", ActionSpec{Title: "Assignee", Kinds: propKinds, Check: checkIDValue(true, CheckUserRef),
		Apply:     func(ac *ActionContext, _ string, v any) error { return ac.Edit.SetAssignee(ac.id(v)) },
		Nullifies: scalarNullifies(nil)})

	r.AddAction("set_tags", ActionSpec{Title: "Set tags", Kinds: propKinds,
		Apply: func(ac *ActionContext, _ string, v any) error { return ac.Edit.SetTags(Words(v)) },
		Nullifies: func(_ string, v any, c Condition) bool {
			if c.Field != "current_tags" {
				return false
			}
			set := Words(v)
			return tagsNullified(c, func(w string) bool { return slices.Contains(set, w) })
		}})
	r.AddAction("current_tags", ActionSpec{Title: "Add tags", Kinds: propKinds, Check: func(ctx context.Context, v any) error { return checkWords(ctx, "", OpIs, v) },
		Apply: func(ac *ActionContext, _ string, v any) error { return ac.Edit.AddTags(Words(v)) },
		Nullifies: func(_ string, v any, c Condition) bool {
			add := Words(v)
			return c.Field == "current_tags" && c.Operator == OpNotIncludes && slices.ContainsFunc(Words(c.Value), func(w string) bool { return slices.Contains(add, w) })
		}})
	r.AddAction("remove_tags", ActionSpec{Title: "Remove tags", Kinds: propKinds, Check: func(ctx context.Context, v any) error { return checkWords(ctx, "", OpIs, v) },
		Apply: func(ac *ActionContext, _ string, v any) error { ac.Edit.RemoveTags(Words(v)); return nil },
		Nullifies: func(_ string, v any, c Condition) bool {
			rm := Words(v)
			if c.Field != "current_tags" || c.Operator != OpIncludes {
				return false
			}
			for _, w := range Words(c.Value) {
				if !slices.Contains(rm, w) {
					return false
				}
			}
			return true
		}})
	r.AddAction("custom_fields_", ActionSpec{Title: "Custom field", Kinds: propKinds,
		Check: func(_ context.Context, v any) error {
			if _, ok := v.([]any); ok {
				for _, e := range List(v) {
					if _, ok := e.(string); !ok {
						return errors.New("must be a value or a list of values")
					}
				}
			}
			return nil
		},
		Apply: func(ac *ActionContext, field string, v any) error {
			val := v
			if s, ok := v.(string); ok && s == "" {
				val = nil
			}
			return ac.Edit.SetCustomFields([]desk.CustomFieldValue{{ID: FieldID(field), Value: val}})
		},
		Nullifies: scalarNullifies(nil)})

	r.AddAction("follower", ActionSpec{Title: "Add follower", Kinds: propKinds, Check: checkIDValue(true, CheckUserRef),
		Apply: func(ac *ActionContext, _ string, v any) error {
			if id := ac.id(v); id != 0 {
				return ac.Edit.AddFollowers([]int64{id})
			}
			return nil
		}})
	r.AddAction("cc", ActionSpec{Title: "Add CC", Kinds: propKinds, Check: checkIDValue(true, CheckUserRef),
		Apply: func(ac *ActionContext, _ string, v any) error {
			if id := ac.id(v); id != 0 {
				return ac.Edit.AddEmailCCs([]int64{id})
			}
			return nil
		}})

	r.AddAction("notification_user", ActionSpec{Title: "Email user", Kinds: notifyKinds, Check: checkNotification(checkUserRecipient),
		Apply: func(ac *ActionContext, _ string, v any) error {
			to, subj, body := notification(v)
			ac.queueMail(mailTarget{user: to}, subj, body)
			return nil
		}})
	r.AddAction("notification_group", ActionSpec{Title: "Email group", Kinds: notifyKinds, Check: checkNotification(checkGroupRecipient),
		Apply: func(ac *ActionContext, _ string, v any) error {
			to, subj, body := notification(v)
			ac.queueMail(mailTarget{group: to}, subj, body)
			return nil
		}})
	r.AddAction("notification_email", ActionSpec{Title: "Email address", Kinds: notifyKinds, Check: checkNotification(checkAddresses),
		Apply: func(ac *ActionContext, _ string, v any) error {
			to, subj, body := notification(v)
			ac.queueMail(mailTarget{addresses: to}, subj, body)
			return nil
		}})
}

// tagsNullified: after set_tags, is the tag condition false?
func tagsNullified(c Condition, has func(string) bool) bool {
	ws := Words(c.Value)
	switch c.Operator {
	case OpIncludes:
		return !slices.ContainsFunc(ws, has)
	case OpNotIncludes:
		return slices.ContainsFunc(ws, has)
	}
	return false
}

// notification splits [recipient, subject, body].
func notification(v any) (to, subject, body string) {
	l := List(v)
	get := func(i int) string {
		if i < len(l) {
			if s, ok := l[i].(string); ok {
				return s
			}
			return String(l[i])
		}
		return ""
	}
	return get(0), get(1), get(2)
}

func checkNotification(recipient func(context.Context, string) error) func(ctx context.Context, v any) error {
	return func(ctx context.Context, v any) error {
		l, ok := v.([]any)
		if !ok || len(l) != 3 {
			return errors.New("must be [recipient, subject, body]")
		}
		to, subj, body := notification(v)
		if err := recipient(ctx, to); err != nil {
			return err
		}
		if strings.TrimSpace(subj) == "" || strings.ContainsAny(subj, "\r\n") {
			return errors.New("needs a one-line subject")
		}
		if strings.TrimSpace(body) == "" {
			return errors.New("needs a body")
		}
		return nil
	}
}

func checkUserRecipient(ctx context.Context, to string) error {
	switch to {
	case "requester_id", "assignee_id", "current_user", "all_agents":
		return nil
	}
	if n, ok := Int(to); ok && n > 0 {
		return CheckUserRef(ctx, n)
	}
	return errors.New("recipient must be requester_id, assignee_id, current_user, all_agents or a user id")
}

func checkGroupRecipient(ctx context.Context, to string) error {
	if to == "group_id" {
		return nil
	}
	if n, ok := Int(to); ok && n > 0 {
		return CheckGroupRef(ctx, n)
	}
	return errors.New("recipient must be group_id (the ticket's group) or a group id")
}

func checkAddresses(_ context.Context, to string) error {
	as := splitAddresses(to)
	if len(as) == 0 || len(as) > 20 {
		return errors.New("needs one to twenty email addresses")
	}
	for _, a := range as {
		if _, err := mail.ParseAddress(a); err != nil || strings.ContainsAny(a, "\r\n<>") {
			return fmt.Errorf("%q is not an email address", trimFor(a))
		}
	}
	return nil
}

func splitAddresses(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' })
}
