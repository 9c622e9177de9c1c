package api

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

// registerWebhooks mounts Zendesk's webhooks API (/api/v2/webhooks):
// CRUD, test, signing secret, and the delivery log (invocations and their
// attempts). The webhook service decides who may (manage_business_rules).
func (s *Server) registerWebhooks(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/webhooks", s.listWebhooks)
	s.handle(mux, "POST /api/v2/webhooks", s.createWebhook)
	s.handle(mux, "POST /api/v2/webhooks/test", s.testWebhook)
	s.handle(mux, "GET /api/v2/webhooks/{id}", s.showWebhook)
	s.handle(mux, "PUT /api/v2/webhooks/{id}", s.updateWebhook)
	s.handle(mux, "PATCH /api/v2/webhooks/{id}", s.updateWebhook)
	s.handle(mux, "DELETE /api/v2/webhooks/{id}", deleteByID(s.Webhooks.Delete))
	s.handle(mux, "GET /api/v2/webhooks/{id}/signing_secret", s.showSigningSecret)
	s.handle(mux, "POST /api/v2/webhooks/{id}/signing_secret", s.resetSigningSecret)
	s.handle(mux, "GET /api/v2/webhooks/{id}/invocations", s.listInvocations)
	s.handle(mux, "GET /api/v2/webhooks/{id}/invocations/{invocation_id}/attempts", s.listAttempts)
}

// webhookAuthJSON is Zendesk's authentication object; data holds the
// username only on the way out (secrets are write-only).
type webhookAuthJSON struct {
	Type        string         `json:"type"`
	AddPosition string         `json:"add_position"`
	Data        map[string]any `json:"data"`
}

type webhookJSON struct {
	ID                  string           `json:"id"`
	Name                string           `json:"name"`
	Description         string           `json:"description"`
	Endpoint            string           `json:"endpoint"`
	HTTPMethod          string           `json:"http_method"`
	RequestFormat       string           `json:"request_format"`
	Status              string           `json:"status"`
	Subscriptions       []string         `json:"subscriptions"`
	Authentication      *webhookAuthJSON `json:"authentication"`
	CreatedAt           desk.Time        `json:"created_at"`
	CreatedBy           string           `json:"created_by"`
	UpdatedAt           desk.Time        `json:"updated_at"`
	UpdatedBy           string           `json:"updated_by"`
	ConsecutiveFailures int              `json:"consecutive_failures"`
	DisabledReason      *string          `json:"disabled_reason"`
}

func webhookOut(w *webhook.Webhook) webhookJSON {
	out := webhookJSON{ID: itoa(w.ID), Name: w.Name, Description: w.Description, Endpoint: w.Endpoint, HTTPMethod: w.HTTPMethod,
		RequestFormat: string(w.RequestFormat), Status: string(w.Status), Subscriptions: w.Subscriptions,
		CreatedAt: desk.Time{Time: w.CreatedAt}, CreatedBy: itoa(w.CreatedBy), UpdatedAt: desk.Time{Time: w.UpdatedAt},
		UpdatedBy: itoa(w.UpdatedBy), ConsecutiveFailures: w.ConsecutiveFailures}
	if w.Authentication.Type != webhook.AuthNone {
		a := &webhookAuthJSON{Type: string(w.Authentication.Type), AddPosition: "header", Data: map[string]any{}}
		if w.Authentication.Username != "" {
			a.Data["username"] = w.Authentication.Username
		}
		out.Authentication = a
	}
	if w.DisabledReason != "" {
		out.DisabledReason = &w.DisabledReason
	}
	return out
}

// webhookInJSON is the webhook object of a create, update or test.
type webhookInJSON struct {
	Name           *string   `json:"name"`
	Description    *string   `json:"description"`
	Endpoint       *string   `json:"endpoint"`
	HTTPMethod     *string   `json:"http_method"`
	RequestFormat  *string   `json:"request_format"`
	Status         *string   `json:"status"`
	Subscriptions  *[]string `json:"subscriptions"`
	Authentication *struct {
		Type        *string `json:"type"`
		AddPosition *string `json:"add_position"`
		Data        *struct {
			Username *string `json:"username"`
			Password *string `json:"password"`
			Token    *string `json:"token"`
		} `json:"data"`
	} `json:"authentication"`
}

func (in *webhookInJSON) input() (webhook.Input, error) {
	out := webhook.Input{Name: in.Name, Description: in.Description, Endpoint: in.Endpoint, HTTPMethod: in.HTTPMethod,
		RequestFormat: in.RequestFormat, Status: in.Status, Subscriptions: in.Subscriptions}
	if a := in.Authentication; a != nil {
		if a.AddPosition != nil && *a.AddPosition != "header" {
			return out, desk.Invalid("authentication", "add_position must be header")
		}
		ai := &webhook.AuthInput{}
		if a.Type != nil {
			ai.Type = *a.Type
		}
		if d := a.Data; d != nil {
			ai.Username, ai.Password, ai.Token = d.Username, d.Password, d.Token
		}
		out.Authentication = ai
	}
	return out, nil
}

func decodeWebhook(r *http.Request, required bool) (webhook.Input, error) {
	var env struct {
		Webhook *webhookInJSON `json:"webhook"`
	}
	if err := decode(r, &env); err != nil {
		return webhook.Input{}, err
	}
	if env.Webhook == nil {
		if required {
			return webhook.Input{}, desk.Invalid("webhook", "is required")
		}
		return webhook.Input{}, nil
	}
	return env.Webhook.input()
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	list, err := s.Webhooks.List(r.Context(), webhook.ListFilter{NameContains: q.Get("filter[name_contains]"), Status: q.Get("filter[status]")})
	if err != nil {
		return err
	}
	if sb := q.Get("sort"); sb != "" {
		desc := sb[0] == '-'
		key := sb
		if desc {
			key = sb[1:]
		}
		var less func(a, b *webhook.Webhook) bool
		switch key {
		case "name":
			less = func(a, b *webhook.Webhook) bool { return a.Name < b.Name }
		case "status":
			less = func(a, b *webhook.Webhook) bool { return a.Status < b.Status }
		default:
			return desk.Invalid("sort", "must be name or status, optionally with a leading -")
		}
		sort.SliceStable(list, func(i, j int) bool {
			if desc {
				return less(list[j], list[i])
			}
			return less(list[i], list[j])
		})
	}
	out := make([]webhookJSON, len(list))
	for i, h := range list {
		out[i] = webhookOut(h)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"webhooks": out,
		"meta":  map[string]any{"has_more": false, "after_cursor": nil, "before_cursor": nil},
		"links": map[string]any{"next": nil, "prev": nil}})
}

func (s *Server) showWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.Webhooks.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"webhook": webhookOut(h)})
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeWebhook(r, true)
	if err != nil {
		return err
	}
	h, err := s.Webhooks.Create(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, baseURL(r)+"/api/v2/webhooks/"+itoa(h.ID), map[string]any{"webhook": webhookOut(h)})
}

// updateWebhook answers PUT and PATCH with 204, as Zendesk does.
func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeWebhook(r, true)
	if err != nil {
		return err
	}
	if _, err := s.Webhooks.Update(r.Context(), id, in); err != nil {
		return err
	}
	return noContent(w)
}

func (s *Server) showSigningSecret(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sec, err := s.Webhooks.SigningSecret(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"signing_secret": map[string]any{"algorithm": webhook.SignatureAlgorithm, "secret": sec}})
}

func (s *Server) resetSigningSecret(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sec, err := s.Webhooks.ResetSigningSecret(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"signing_secret": map[string]any{"algorithm": webhook.SignatureAlgorithm, "secret": sec}})
}

// testWebhook is Zendesk's POST /webhooks/test: {"webhook": {...}} (an
// unsaved definition, or changes over ?webhook_id=N) and an optional
// {"request": {"payload": "..."}}; 200 with what the endpoint answered.
func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		Webhook *webhookInJSON `json:"webhook"`
		Request *struct {
			Payload *string `json:"payload"`
		} `json:"request"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	var tr webhook.TestRequest
	if v := r.URL.Query().Get("webhook_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return desk.NotFound()
		}
		tr.WebhookID = id
	}
	if env.Webhook != nil {
		in, err := env.Webhook.input()
		if err != nil {
			return err
		}
		tr.Input = &in
	}
	if env.Request != nil {
		tr.Payload = env.Request.Payload
	}
	res, err := s.Webhooks.Test(r.Context(), tr)
	if err != nil {
		return err
	}
	type header struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	headers := []header{}
	keys := make([]string, 0, len(res.Headers))
	for k := range res.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range res.Headers[k] {
			headers = append(headers, header{k, v})
		}
	}
	resp := map[string]any{"status": res.Status, "headers": headers, "body": res.Body, "duration_ms": res.Duration}
	if res.Error != "" {
		resp["error"] = res.Error
	}
	return writeJSON(w, http.StatusOK, map[string]any{"response": resp})
}

func (s *Server) listInvocations(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := parsePaging(r)
	if err != nil {
		return err
	}
	list, more, err := s.Webhooks.Invocations(r.Context(), id, p.perPage, p.after)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(list))
	for i, v := range list {
		var latest any
		if v.LastStatusCode != 0 {
			latest = strconv.Itoa(v.LastStatusCode)
		}
		out[i] = map[string]any{"id": itoa(v.ID), "webhook_id": itoa(v.WebhookID), "message_id": v.MessageID,
			"status": string(v.Status), "latest_completion_status": latest, "attempts": v.Attempts,
			"event_type": v.EventType, "ticket_id": v.TicketID, "source": v.Source,
			"created_at": desk.Time{Time: v.CreatedAt}, "updated_at": desk.Time{Time: v.UpdatedAt}}
	}
	meta := map[string]any{"has_more": more, "after_cursor": nil, "before_cursor": nil}
	links := map[string]any{"next": nil, "prev": nil}
	if more && len(list) > 0 {
		c := encodeCursor(list[len(list)-1].ID)
		meta["after_cursor"] = c
		links["next"] = pageURL(r, map[string]string{"page[after]": c, "page[size]": strconv.Itoa(p.perPage)}, "page[before]")
	}
	return writeJSON(w, http.StatusOK, map[string]any{"invocations": out, "meta": meta, "links": links})
}

func (s *Server) listAttempts(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	inv, err := pathID(r, "invocation_id")
	if err != nil {
		return err
	}
	list, err := s.Webhooks.Attempts(r.Context(), id, inv)
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(list))
	for i, a := range list {
		st := "failed"
		if a.Success {
			st = "success"
		}
		out[i] = map[string]any{"id": itoa(a.ID), "invocation_id": itoa(a.InvocationID), "attempt": a.Attempt, "status": st,
			"completed_at": desk.Time{Time: a.CreatedAt}, "duration_ms": a.DurationMS, "error": a.Error,
			"response": map[string]any{"status": a.StatusCode, "body": a.Response}}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"attempts": out})
}
