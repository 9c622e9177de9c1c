package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/rules"
	"github.com/frontdesk/frontdesk/internal/store"
)

// ActionField is the rule action that calls a webhook (Zendesk's
// notification_webhook): value [webhook_id, body], the body a template
// with placeholders.
const ActionField = "notification_webhook"

// RegisterRules adds the notification_webhook action to reg, for triggers
// and automations. Applying it queues, in the rule's transaction, one
// delivery of the rendered body; placeholder values are escaped for the
// webhook's request format (JSON string content, XML text, form values).
// publicURL is the site's address for {{ticket.url}}.
func (s *Service) RegisterRules(reg *rules.Registry, publicURL string) {
	reg.AddAction(ActionField, rules.ActionSpec{
		Title: "Notify active webhook",
		Kinds: []rules.Kind{rules.KindTrigger, rules.KindAutomation},
		Check: func(ctx context.Context, v any) error {
			if err := CheckActionValue(v); err != nil {
				return err
			}
			q := rules.DB(ctx)
			if q == nil {
				return nil
			}
			id, _ := actionValue(v)
			r, err := s.load(ctx, q, id)
			if desk.ErrorCode(err) == desk.ENOTFOUND {
				return fmt.Errorf("names no webhook %d", id)
			}
			if err != nil {
				return rules.LookupError(err)
			}
			if !r.Conditional() {
				return fmt.Errorf("webhook %d is not subscribed to conditional_ticket_events", id)
			}
			return nil
		},
		Apply: func(ac *rules.ActionContext, _ string, v any) error {
			id, body := actionValue(v)
			if ac.Later == nil {
				return nil
			}
			rule, actor := ac.Rule, ac.Actor
			ac.Later(func(ctx context.Context, tx *store.Tx, c *desk.TicketChange) error {
				return s.fireRule(ctx, tx, reg, publicURL, c, actor, rule, id, body)
			})
			return nil
		},
	})
}

// CheckActionValue validates a notification_webhook value: [webhook id (a
// number or a numeric string), body (at most MaxBody bytes)].
func CheckActionValue(v any) error {
	l, ok := v.([]any)
	if !ok || len(l) != 2 {
		return errors.New("must be [webhook_id, body]")
	}
	if id, _ := actionValue(v); id <= 0 {
		return errors.New("the first element must be a webhook id")
	}
	b, ok := l[1].(string)
	if !ok {
		return errors.New("the body must be a string")
	}
	if len(b) > MaxBody {
		return fmt.Errorf("the body must be at most %d bytes", MaxBody)
	}
	return nil
}

func actionValue(v any) (int64, string) {
	l := rules.List(v)
	if len(l) != 2 {
		return 0, ""
	}
	id, _ := rules.Int(l[0])
	body, _ := l[1].(string)
	return id, body
}

// fireRule renders the body for the committed ticket and queues the
// delivery. A webhook that is gone, inactive or not subscribed to
// conditional events is skipped (the rule's other actions stand), as
// Zendesk skips them.
func (s *Service) fireRule(ctx context.Context, tx *store.Tx, reg *rules.Registry, publicURL string, c *desk.TicketChange,
	actor *desk.Principal, rule rules.Ref, webhookID int64, body string) error {
	if c.After == nil {
		return nil
	}
	r, err := s.load(ctx, tx, webhookID)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		s.warn("rule calls a webhook that does not exist", "webhook_id", webhookID, "rule", rule.ID)
		return nil
	}
	if err != nil {
		return err
	}
	if r.Status != StatusActive || !r.Conditional() {
		return nil
	}
	d := &rules.PlaceholderData{Ctx: ctx, Tx: tx, Ticket: c.After, BaseURL: strings.TrimRight(publicURL, "/"), Staff: true}
	if d.Requester, err = rules.LoadPerson(ctx, tx, c.After.RequesterID); err != nil {
		return err
	}
	if a := c.After.AssigneeID; a != nil && *a != 0 {
		if d.Assignee, err = rules.LoadPerson(ctx, tx, *a); err != nil {
			return err
		}
	}
	if actor != nil && actor.UserID != 0 {
		if d.CurrentUser, err = rules.LoadPerson(ctx, tx, actor.UserID); err != nil {
			return err
		}
	}
	if d.Requester != nil {
		d.Locale = d.Requester.Locale
	}
	rendered := RenderBody(reg, body, d, r.RequestFormat)
	if len(rendered) > MaxBody {
		rendered = truncate(rendered, MaxBody)
	}
	source := string(rule.Kind) + ":" + strconv.FormatInt(rule.ID, 10)
	return s.EnqueueTx(ctx, tx, webhookID, c.After.ID, rendered, source)
}

// RenderBody replaces the placeholders of tmpl, escaping each value for
// format: inside a JSON string (quotes, backslashes, control characters),
// as XML text, or as a form value. The template's own text is left as
// written.
func RenderBody(reg *rules.Registry, tmpl string, d *rules.PlaceholderData, format Format) string {
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(tmpl[i+2:], "}}")
		if j < 0 {
			break
		}
		b.WriteString(tmpl[:i])
		ph := tmpl[i : i+4+j]
		val := reg.Render(ph, d, false)
		if val == ph {
			b.WriteString(ph) // unknown placeholders stay as written
		} else {
			b.WriteString(escapeFor(format, val))
		}
		tmpl = tmpl[i+4+j:]
	}
	b.WriteString(tmpl)
	return b.String()
}

func escapeFor(f Format, s string) string {
	switch f {
	case FormatXML:
		return html.EscapeString(s)
	case FormatForm:
		return url.QueryEscape(s)
	}
	q, _ := json.Marshal(s)
	return string(q[1 : len(q)-1])
}

func (s *Service) warn(msg string, args ...any) {
	if s.Logger != nil {
		s.Logger.Warn(msg, args...)
	}
}
