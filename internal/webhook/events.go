package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Subscriptions. conditional_ticket_events makes a webhook callable from
// triggers and automations (the notification_webhook action); the event
// types are Zendesk's ticket events, sent as each matching ticket change
// commits. A webhook has either the one or event types, as in Zendesk.
const (
	SubConditional = "conditional_ticket_events"

	EventTicketCreated          = "zen:event-type:ticket.created"
	EventTicketStatusChanged    = "zen:event-type:ticket.status_changed"
	EventTicketPriorityChanged  = "zen:event-type:ticket.priority_changed"
	EventTicketCommentAdded     = "zen:event-type:ticket.comment_added"
	EventTicketAgentAssignment  = "zen:event-type:ticket.agent_assignment_changed"
	EventTicketGroupAssignment  = "zen:event-type:ticket.group_assignment_changed"
	EventTicketSubjectChanged   = "zen:event-type:ticket.subject_changed"
	EventTicketTagsChanged      = "zen:event-type:ticket.tags_changed"
	EventTicketSoftDeleted      = "zen:event-type:ticket.soft_deleted"
	EventTicketUndeleted        = "zen:event-type:ticket.undeleted"
	EventTicketPermanentDeleted = "zen:event-type:ticket.permanently_deleted"
	EventTicketMerged           = "zen:event-type:ticket.merged"

	// EventConditional is the event type of invocations made by rules,
	// and EventTest that of a webhook test.
	EventConditional = "conditional_ticket_event"
	EventTest        = "test"
)

// EventTypes lists the event types a webhook may subscribe to.
var EventTypes = []string{
	EventTicketCreated, EventTicketStatusChanged, EventTicketPriorityChanged, EventTicketCommentAdded,
	EventTicketAgentAssignment, EventTicketGroupAssignment, EventTicketSubjectChanged, EventTicketTagsChanged,
	EventTicketSoftDeleted, EventTicketUndeleted, EventTicketPermanentDeleted, EventTicketMerged,
}

// zendeskEventVersion is the schema version Zendesk's event payloads carry.
const zendeskEventVersion = "2022-11-06"

func normalizeSubs(in []string) ([]string, string) {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || slices.Contains(out, s) {
			continue
		}
		if s != SubConditional && !slices.Contains(EventTypes, s) {
			return out, fmt.Sprintf("%q is not a known subscription", s)
		}
		out = append(out, s)
	}
	if slices.Contains(out, SubConditional) && len(out) > 1 {
		return out, "conditional_ticket_events cannot be combined with event types"
	}
	return out, ""
}

func encodeSubs(subs []string) string {
	if subs == nil {
		subs = []string{}
	}
	b, _ := json.Marshal(subs)
	return string(b)
}

func decodeSubs(s string) []string {
	var out []string
	if json.Unmarshal([]byte(s), &out) != nil || out == nil {
		return []string{}
	}
	return out
}

// event is one Zendesk event derived from a ticket change.
type event struct {
	Type  string
	Event map[string]any
}

func idOrNil(p *int64) any {
	if p == nil || *p == 0 {
		return nil
	}
	return *p
}

func strOrNil(p *string) any {
	if p == nil || *p == "" {
		return nil
	}
	return *p
}

// eventsOf derives the Zendesk ticket events of a change.
func eventsOf(c *desk.TicketChange) []event {
	var out []event
	b, a := c.Before, c.After
	switch c.Kind {
	case desk.ChangeCreate:
		out = append(out, event{EventTicketCreated, map[string]any{}})
	case desk.ChangeSoftDelete:
		return []event{{EventTicketSoftDeleted, map[string]any{}}}
	case desk.ChangeRestore:
		return []event{{EventTicketUndeleted, map[string]any{}}}
	case desk.ChangePermanentDelete:
		return []event{{EventTicketPermanentDeleted, map[string]any{}}}
	case desk.ChangeMergeSource:
		out = append(out, event{EventTicketMerged, map[string]any{}})
	}
	if b != nil && a != nil {
		if b.Status != a.Status {
			out = append(out, event{EventTicketStatusChanged, map[string]any{"previous": string(b.Status), "current": string(a.Status)}})
		}
		if bp, ap := strOrNil(b.Priority), strOrNil(a.Priority); bp != ap {
			out = append(out, event{EventTicketPriorityChanged, map[string]any{"previous": bp, "current": ap}})
		}
		if bp, ap := idOrNil(b.AssigneeID), idOrNil(a.AssigneeID); bp != ap {
			out = append(out, event{EventTicketAgentAssignment, map[string]any{"previous": bp, "current": ap}})
		}
		if bp, ap := idOrNil(b.GroupID), idOrNil(a.GroupID); bp != ap {
			out = append(out, event{EventTicketGroupAssignment, map[string]any{"previous": bp, "current": ap}})
		}
		if b.Subject != a.Subject {
			out = append(out, event{EventTicketSubjectChanged, map[string]any{"previous": b.Subject, "current": a.Subject}})
		}
		if added, removed := tagDiff(b.Tags, a.Tags); len(added)+len(removed) > 0 {
			out = append(out, event{EventTicketTagsChanged, map[string]any{"added": added, "removed": removed}})
		}
	}
	if cm := c.Comment; cm != nil && c.Kind != desk.ChangeCreate {
		out = append(out, event{EventTicketCommentAdded, map[string]any{"comment": map[string]any{
			"id": cm.ID, "body": cm.Body, "is_public": cm.Public, "author": map[string]any{"id": cm.AuthorID},
		}}})
	}
	return out
}

func tagDiff(before, after []string) (added, removed []string) {
	added, removed = []string{}, []string{}
	for _, t := range after {
		if !slices.Contains(before, t) {
			added = append(added, t)
		}
	}
	for _, t := range before {
		if !slices.Contains(after, t) {
			removed = append(removed, t)
		}
	}
	return added, removed
}

// detail is the ticket as Zendesk's event payloads describe it.
func detail(t *desk.Ticket) map[string]any {
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{
		"id": strconv.FormatInt(t.ID, 10), "subject": t.Subject, "description": t.Description,
		"status": strings.ToUpper(string(t.Status)), "priority": upperOrNil(t.Priority), "type": upperOrNil(t.Type),
		"requester_id": strconv.FormatInt(t.RequesterID, 10), "submitter_id": strconv.FormatInt(t.SubmitterID, 10),
		"assignee_id": idString(t.AssigneeID), "group_id": idString(t.GroupID), "organization_id": idString(t.OrganizationID),
		"tags": tags, "via": map[string]any{"channel": t.Via.Channel},
		"created_at": t.CreatedAt.Time.UTC().Format(time.RFC3339), "updated_at": t.UpdatedAt.Time.UTC().Format(time.RFC3339),
	}
}

func upperOrNil(p *string) any {
	if p == nil || *p == "" {
		return nil
	}
	return strings.ToUpper(*p)
}

func idString(p *int64) any {
	if p == nil || *p == 0 {
		return nil
	}
	return strconv.FormatInt(*p, 10)
}

// eventBody is the JSON Zendesk sends for an event webhook.
func eventBody(messageID string, ev event, c *desk.TicketChange, at time.Time) ([]byte, error) {
	t := c.After
	if t == nil {
		t = c.Before
	}
	body := map[string]any{
		"id": messageID, "type": ev.Type, "time": at.UTC().Format(time.RFC3339Nano),
		"subject": "zen:ticket:" + strconv.FormatInt(c.TicketID, 10), "zendesk_event_version": zendeskEventVersion,
		"event": ev.Event, "detail": map[string]any{"id": strconv.FormatInt(c.TicketID, 10)},
	}
	if t != nil {
		body["detail"] = detail(t)
	}
	if c.ActorID != 0 {
		body["actor_id"] = strconv.FormatInt(c.ActorID, 10)
	}
	return json.Marshal(body)
}

// subscribed is an active webhook and the events it subscribes to.
type subscribed struct {
	id   int64
	subs []string
}

// activeSubscriptions reads the active webhooks that subscribe to events.
func activeSubscriptions(ctx context.Context, tx *store.Tx) ([]subscribed, error) {
	rows, err := tx.Query(ctx, `SELECT id, subscriptions FROM webhooks WHERE status = ? AND subscriptions <> ?`,
		string(StatusActive), encodeSubs(nil))
	if err != nil {
		return nil, fmt.Errorf("webhook hook: %w", err)
	}
	defer rows.Close()
	var out []subscribed
	for rows.Next() {
		var x subscribed
		var raw string
		if err := rows.Scan(&x.id, &raw); err != nil {
			return nil, fmt.Errorf("webhook hook: %w", err)
		}
		x.subs = decodeSubs(raw)
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webhook hook: %w", err)
	}
	return out, nil
}

// Hook is the ticket hook (register it with ticket.Service.AddHook): in
// the change's transaction it records one invocation and enqueues one
// delivery job per (active webhook subscribed to the event, event). The
// subscriptions are kept in memory while the configuration epoch stays
// the same (a webhook's status or subscriptions changing moves it; see
// store.ConfigEpoch).
func (s *Service) Hook(ctx context.Context, tx *store.Tx, c *desk.TicketChange) error {
	evs := eventsOf(c)
	if len(evs) == 0 {
		return nil
	}
	subs, err := s.subscribed.Get(ctx, tx, func() ([]subscribed, error) { return activeSubscriptions(ctx, tx) })
	if err != nil {
		return err
	}
	now := s.now()
	for _, ev := range evs {
		for _, w := range subs {
			if !slices.Contains(w.subs, ev.Type) {
				continue
			}
			mid := newMessageID()
			body, err := eventBody(mid, ev, c, now)
			if err != nil {
				return fmt.Errorf("webhook hook: %w", err)
			}
			if err := s.enqueue(ctx, tx, w.id, mid, ev.Type, c.TicketID, "event", string(body)); err != nil {
				return err
			}
		}
	}
	return nil
}
