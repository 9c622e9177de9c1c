package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/webhook"
)

// Webhooks: list, add, edit, test, re-enable, reset the signing secret,
// delete, the delivery log, and the admin setting for private addresses.
// The webhook service decides who may (manage_business_rules; the
// private-address setting: admins); credentials are write-only here as on
// the support-address pages.

func (s *Server) registerWebhookAdmin(h func(string, access, handlerFunc)) {
	h("GET /agent/admin/webhooks", staff, s.adminWebhooks)
	h("POST /agent/admin/webhooks", staff, s.adminCreateWebhook)
	h("POST /agent/admin/webhooks/private", staff, s.adminWebhooksPrivate)
	h("GET /agent/admin/webhooks/{id}", staff, s.adminWebhook)
	h("POST /agent/admin/webhooks/{id}", staff, s.adminUpdateWebhook)
	h("POST /agent/admin/webhooks/{id}/status", staff, s.adminWebhookStatus)
	h("POST /agent/admin/webhooks/{id}/test", staff, s.adminTestWebhook)
	h("POST /agent/admin/webhooks/{id}/secret", staff, s.adminResetWebhookSecret)
	h("POST /agent/admin/webhooks/{id}/delete", staff, s.adminDeleteWebhook)
}

// webhookSubscription is one checkbox of the subscriptions fieldset.
type webhookSubscription struct {
	Value, Key string
}

// webhookSubscriptions are the choices, in the order shown; Key is the
// label's catalogue key.
var webhookSubscriptions = func() []webhookSubscription {
	out := []webhookSubscription{{webhook.SubConditional, "webhook.sub_conditional"}}
	for _, e := range webhook.EventTypes {
		out = append(out, webhookSubscription{e, "webhook.sub_" + strings.TrimPrefix(e, "zen:event-type:ticket.")})
	}
	return out
}()

type adminWebhooksData struct {
	Webhooks      []*webhook.Webhook
	Methods       []string
	Subscriptions []webhookSubscription
	Chosen        map[string]bool
	AllowPrivate  bool
	// CanSetPrivate says whether the reader may change that setting.
	CanSetPrivate bool
	Edit          *webhook.Webhook
}

// webhookInvocation is a log entry with its attempts.
type webhookInvocation struct {
	webhook.Invocation
	Attempts []webhook.Attempt
}

type adminWebhookData struct {
	adminWebhooksData
	Secret string
	Log    []webhookInvocation
	Test   *webhook.TestResult
}

var webhookFormKeys = []string{"name", "description", "endpoint", "http_method", "request_format", "status", "auth_type", "auth_username"}

func (s *Server) webhookChoices(r *http.Request, d *adminWebhooksData) error {
	d.Subscriptions, d.Chosen = webhookSubscriptions, map[string]bool{}
	d.Methods = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodGet, http.MethodDelete}
	var err error
	d.AllowPrivate, err = s.d.Webhooks.AllowPrivate(r.Context())
	if err != nil {
		return err
	}
	d.CanSetPrivate = rcFrom(r).p.IsAdmin()
	return nil
}

func (s *Server) adminWebhooks(w http.ResponseWriter, r *http.Request) error {
	return s.showAdminWebhooks(w, r, http.StatusOK, "", nil)
}

func (s *Server) showAdminWebhooks(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	if s.d.Webhooks == nil {
		return desk.NotFound()
	}
	var d adminWebhooksData
	var err error
	if d.Webhooks, err = s.d.Webhooks.List(r.Context(), webhook.ListFilter{}); err != nil {
		return err
	}
	if err := s.webhookChoices(r, &d); err != nil {
		return err
	}
	pg := s.adminPage(r, "webhook.title", "webhooks")
	pg.Error, pg.FieldErrors = msg, fe
	if r.Method == http.MethodPost {
		for _, k := range webhookFormKeys {
			pg.Form.Set(k, r.PostFormValue(k))
		}
		for _, v := range r.PostForm["subscriptions"] {
			d.Chosen[v] = true
		}
	}
	pg.Data = d
	return s.render(w, status, "admin_webhooks", pg)
}

// webhookForm reads the add or edit form. Editing, every field is shown,
// so an empty one clears it; the secret is write-only (blank keeps it).
func webhookForm(r *http.Request) webhook.Input {
	text := func(k string) *string { v := strings.TrimSpace(r.PostFormValue(k)); return &v }
	subs := append([]string{}, r.PostForm["subscriptions"]...)
	in := webhook.Input{Name: text("name"), Description: text("description"), Endpoint: text("endpoint"),
		HTTPMethod: text("http_method"), RequestFormat: text("request_format"), Subscriptions: &subs}
	if v := r.PostFormValue("status"); v != "" {
		in.Status = &v
	}
	a := &webhook.AuthInput{Type: strings.TrimSpace(r.PostFormValue("auth_type"))}
	if secret := r.PostFormValue("auth_secret"); strings.TrimSpace(secret) != "" {
		switch a.Type {
		case string(webhook.AuthBasic):
			a.Password = &secret
		case string(webhook.AuthBearer):
			a.Token = &secret
		}
	}
	if a.Type == string(webhook.AuthBasic) {
		a.Username = text("auth_username")
	}
	in.Authentication = a
	return in
}

func (s *Server) adminCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	if s.d.Webhooks == nil {
		return desk.NotFound()
	}
	wh, err := s.d.Webhooks.Create(r.Context(), webhookForm(r))
	if err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminWebhooks(w, r, st, msg, fe)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/webhooks/"+strconv.FormatInt(wh.ID, 10), "created"))
}

func (s *Server) adminWebhooksPrivate(w http.ResponseWriter, r *http.Request) error {
	if s.d.Webhooks == nil {
		return desk.NotFound()
	}
	if err := s.d.Webhooks.SetAllowPrivate(r.Context(), r.PostFormValue("allow_private") == "1"); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/webhooks", "updated"))
}

func (s *Server) adminWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.showAdminWebhook(w, r, id, http.StatusOK, "", nil, nil)
}

// webhookLogSize is how many deliveries the edit page lists.
const webhookLogSize = 50

func (s *Server) showAdminWebhook(w http.ResponseWriter, r *http.Request, id int64, status int, msg string, fe map[string][]string, test *webhook.TestResult) error {
	if s.d.Webhooks == nil {
		return desk.NotFound()
	}
	ctx := r.Context()
	wh, err := s.d.Webhooks.Get(ctx, id)
	if err != nil {
		return err
	}
	d := adminWebhookData{Test: test}
	d.Edit = wh
	if err := s.webhookChoices(r, &d.adminWebhooksData); err != nil {
		return err
	}
	if d.Secret, err = s.d.Webhooks.SigningSecret(ctx, id); err != nil {
		return err
	}
	invs, _, err := s.d.Webhooks.Invocations(ctx, id, webhookLogSize, 0)
	if err != nil {
		return err
	}
	for _, inv := range invs {
		atts, err := s.d.Webhooks.Attempts(ctx, id, inv.ID)
		if err != nil {
			return err
		}
		d.Log = append(d.Log, webhookInvocation{Invocation: inv, Attempts: atts})
	}
	pg := s.adminPage(r, "webhook.title", "webhooks")
	pg.Error, pg.FieldErrors = msg, fe
	if r.Method == http.MethodPost && fe != nil {
		for _, k := range webhookFormKeys {
			pg.Form.Set(k, r.PostFormValue(k))
		}
		for _, v := range r.PostForm["subscriptions"] {
			d.Chosen[v] = true
		}
	} else {
		for k, v := range map[string]string{"name": wh.Name, "description": wh.Description, "endpoint": wh.Endpoint,
			"http_method": wh.HTTPMethod, "request_format": string(wh.RequestFormat), "status": string(wh.Status),
			"auth_type": string(wh.Authentication.Type), "auth_username": wh.Authentication.Username} {
			pg.Form.Set(k, v)
		}
		for _, v := range wh.Subscriptions {
			d.Chosen[v] = true
		}
	}
	pg.Data = d
	return s.render(w, status, "admin_webhook", pg)
}

func (s *Server) adminUpdateWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if s.d.Webhooks == nil {
		return desk.NotFound()
	}
	if _, err := s.d.Webhooks.Update(r.Context(), id, webhookForm(r)); err != nil {
		return s.adminForm(w, r, err, func(st int, msg string, fe map[string][]string) error {
			return s.showAdminWebhook(w, r, id, st, msg, fe, nil)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/webhooks/"+strconv.FormatInt(id, 10), "updated"))
}

// adminWebhookStatus activates (status=active; this re-enables a webhook
// deactivated after failures) or deactivates a webhook.
func (s *Server) adminWebhookStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if s.d.Webhooks == nil {
		return desk.NotFound()
	}
	st := r.PostFormValue("status")
	if _, err := s.d.Webhooks.Update(r.Context(), id, webhook.Input{Status: &st}); err != nil {
		return s.adminForm(w, r, err, func(code int, msg string, fe map[string][]string) error {
			return s.showAdminWebhook(w, r, id, code, msg, nil, nil)
		})
	}
	return redirect(w, r, withMsg("/agent/admin/webhooks/"+strconv.FormatInt(id, 10), "updated"))
}

// adminTestWebhook sends one test request now and shows the answer.
func (s *Server) adminTestWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if s.d.Webhooks == nil {
		return desk.NotFound()
	}
	res, err := s.d.Webhooks.Test(r.Context(), webhook.TestRequest{WebhookID: id})
	if err != nil {
		return s.adminForm(w, r, err, func(code int, msg string, fe map[string][]string) error {
			return s.showAdminWebhook(w, r, id, code, msg, nil, nil)
		})
	}
	return s.showAdminWebhook(w, r, id, http.StatusOK, "", nil, res)
}

func (s *Server) adminResetWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if s.d.Webhooks == nil {
		return desk.NotFound()
	}
	if _, err := s.d.Webhooks.ResetSigningSecret(r.Context(), id); err != nil {
		return err
	}
	return redirect(w, r, withMsg("/agent/admin/webhooks/"+strconv.FormatInt(id, 10), "updated"))
}

func (s *Server) adminDeleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if s.d.Webhooks == nil {
		return desk.NotFound()
	}
	if r.PostFormValue("confirm") != "1" {
		return s.adminForm(w, r, desk.Invalid("confirm", "tick the box to confirm the deletion"), func(st int, msg string, fe map[string][]string) error {
			return s.showAdminWebhook(w, r, id, st, msg, fe, nil)
		})
	}
	if err := s.d.Webhooks.Delete(r.Context(), id); err != nil {
		var used *webhook.InUseError
		if !errors.As(err, &used) {
			return err
		}
		rc := rcFrom(r)
		names := make([]string, len(used.Rules))
		for i, ref := range used.Rules {
			names[i] = rc.T("webhook.in_use_"+string(ref.Kind), "title", ref.Title)
		}
		return s.showAdminWebhook(w, r, id, http.StatusUnprocessableEntity, rc.T("webhook.in_use", "rules", strings.Join(names, ", ")), nil, nil)
	}
	return redirect(w, r, withMsg("/agent/admin/webhooks", "deleted"))
}
