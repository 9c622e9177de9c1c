package answerbot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/jobs"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
	"github.com/frontdesk/frontdesk/internal/ticket"
)

// DraftSettings is the drafting configuration as admins see it: whether
// an API key is stored, never the key.
type DraftSettings struct {
	Mode, Endpoint, Model       string
	KeySet                      bool
	TimeoutSeconds, MaxArticles int64
}

// DraftInput changes the drafting configuration. APIKey "" keeps the
// stored key; ClearKey removes it.
type DraftInput struct {
	Mode, Endpoint, Model       string
	APIKey                      string
	ClearKey                    bool
	TimeoutSeconds, MaxArticles int64
}

// DraftSettings returns the drafting configuration (admins).
func (s *Service) DraftSettings(ctx context.Context) (DraftSettings, error) {
	if _, err := s.requireAdmin(ctx, false); err != nil {
		return DraftSettings{}, err
	}
	st := s.settingsSvc()
	var d DraftSettings
	var err error
	if d.Mode, err = settings.BotDraftMode.Get(ctx, st); err != nil {
		return d, err
	}
	if d.Endpoint, err = settings.BotDraftEndpoint.Get(ctx, st); err != nil {
		return d, err
	}
	if d.Model, err = settings.BotDraftModel.Get(ctx, st); err != nil {
		return d, err
	}
	if d.KeySet, err = settings.BotDraftAPIKey.IsSet(ctx, st); err != nil {
		return d, err
	}
	if d.TimeoutSeconds, err = settings.BotDraftTimeout.Get(ctx, st); err != nil {
		return d, err
	}
	d.MaxArticles, err = settings.BotDraftArticles.Get(ctx, st)
	return d, err
}

// SetDraftSettings stores the drafting configuration, all of it or none
// (admins; each change audited, the key masked). Field errors are named
// draft_mode, draft_endpoint, draft_model, draft_api_key, draft_timeout
// and draft_articles.
func (s *Service) SetDraftSettings(ctx context.Context, in DraftInput) error {
	if _, err := s.requireAdmin(ctx, true); err != nil {
		return err
	}
	in.Endpoint, in.Model = strings.TrimSpace(in.Endpoint), strings.TrimSpace(in.Model)
	in.APIKey = strings.TrimSpace(in.APIKey)
	bad := &desk.Error{Code: desk.EINVALID, Message: "Record validation errors", Details: map[string][]desk.FieldError{}}
	add := func(field string, err error) {
		if err == nil {
			return
		}
		why := "is not valid"
		var de *desk.Error
		if errors.As(err, &de) {
			for _, fes := range de.Details {
				for _, fe := range fes {
					why = fe.Description
				}
			}
		}
		bad.Details[field] = append(bad.Details[field], desk.FieldError{Description: why, Error: "InvalidValue"})
	}
	add("draft_mode", settings.BotDraftMode.Validate(in.Mode))
	add("draft_endpoint", settings.BotDraftEndpoint.Validate(in.Endpoint))
	add("draft_model", settings.BotDraftModel.Validate(in.Model))
	add("draft_timeout", settings.BotDraftTimeout.Validate(in.TimeoutSeconds))
	add("draft_articles", settings.BotDraftArticles.Validate(in.MaxArticles))
	if why := settings.BotDraftAPIKey.CheckPlain(in.APIKey); why != "" {
		add("draft_api_key", desk.Invalid("draft_api_key", why))
	}
	if in.Mode != settings.BotDraftOff && in.Mode != "" {
		if in.Endpoint == "" {
			add("draft_endpoint", desk.Invalid("draft_endpoint", "is needed to draft answers"))
		}
		if in.Model == "" {
			add("draft_model", desk.Invalid("draft_model", "is needed to draft answers"))
		}
	}
	if in.APIKey != "" && s.Box == nil {
		add("draft_api_key", desk.Invalid("draft_api_key", "cannot be stored: no instance key is configured"))
	}
	if len(bad.Details) > 0 {
		return bad
	}
	st := s.settingsSvc()
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := settings.BotDraftMode.SetTx(ctx, st, tx, in.Mode); err != nil {
			return err
		}
		if err := settings.BotDraftEndpoint.SetTx(ctx, st, tx, in.Endpoint); err != nil {
			return err
		}
		if err := settings.BotDraftModel.SetTx(ctx, st, tx, in.Model); err != nil {
			return err
		}
		if err := settings.BotDraftTimeout.SetTx(ctx, st, tx, in.TimeoutSeconds); err != nil {
			return err
		}
		if err := settings.BotDraftArticles.SetTx(ctx, st, tx, in.MaxArticles); err != nil {
			return err
		}
		switch {
		case in.APIKey != "":
			return settings.BotDraftAPIKey.SetTx(ctx, st, tx, s.Box, in.APIKey)
		case in.ClearKey:
			return settings.BotDraftAPIKey.SetTx(ctx, st, tx, s.Box, "")
		}
		return nil
	})
}

// JobEmailDraft drafts an answer for a new email ticket (mode agents) and
// adds it to the ticket as an internal note. It runs after the ticket's
// commit: nothing waits on the endpoint inside a transaction.
const JobEmailDraft = "answerbot.email_draft"

type emailDraftJob struct {
	TicketID    int64  `json:"ticket_id"`
	RequesterID int64  `json:"requester_id"`
	Locale      string `json:"locale"`
	Text        string `json:"text"`
}

// enqueueEmailDraftTx queues JobEmailDraft in tx when drafting for agents
// is on.
func (s *Service) enqueueEmailDraftTx(ctx context.Context, tx *store.Tx, ticketID, requesterID int64, loc, text string) error {
	mode, err := settings.BotDraftMode.Read(ctx, tx)
	if err != nil || mode != settings.BotDraftAgents {
		return err
	}
	if err := jobs.Enqueue(ctx, tx, JobEmailDraft, emailDraftJob{TicketID: ticketID, RequesterID: requesterID, Locale: loc, Text: clip(text, maxDraftQuestion)}); err != nil {
		return err
	}
	if s.OnJob != nil {
		tx.AfterCommit(s.OnJob)
	}
	return nil
}

// HandleEmailDraft runs JobEmailDraft. A failing endpoint is logged and
// counted, and the ticket is left as it is (no retry: the agents answer
// without a draft).
func (s *Service) HandleEmailDraft(ctx context.Context, payload json.RawMessage) error {
	var j emailDraftJob
	if err := json.Unmarshal(payload, &j); err != nil || j.TicketID <= 0 || j.RequesterID <= 0 {
		return jobs.Permanent(fmt.Errorf("answerbot: email draft: bad payload"))
	}
	if s.Tickets == nil {
		return jobs.Permanent(errors.New("answerbot: email draft: no ticket service"))
	}
	cfg, on, err := s.draftMode(ctx)
	if err != nil {
		s.Stats.Failed.Add(1)
		s.log().Warn("answerbot: reading the drafting settings; no draft", "ticket_id", j.TicketID, "err", err)
		return nil
	}
	if !on || cfg.mode != settings.BotDraftAgents {
		return nil
	}
	rctx, ok, err := requesterContext(ctx, s.DB, j.RequesterID, "email")
	if err != nil || !ok {
		return err
	}
	found, err := s.suggest(rctx, j.Locale, j.Text, MaxArticles)
	if err != nil || len(found) == 0 {
		return err
	}
	text, used := s.draft(ctx, cfg, j.Text, found, "email", j.TicketID)
	if text == "" {
		return nil
	}
	priv := false
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		_, _, err := s.Tickets.EditTx(desk.SystemContext(ctx), tx, j.TicketID, func(e *ticket.Edit) error {
			return e.AddComment(&ticket.CommentInput{Body: AgentNote(text, used), Public: &priv})
		})
		return err
	})
	if err != nil && desk.ErrorCode(err) != desk.EINTERNAL {
		// The ticket is gone or closed meanwhile: nothing to add the note to.
		s.log().Info("answerbot: the email draft has no ticket to go to", "ticket_id", j.TicketID, "err", err)
		return nil
	}
	return err
}
