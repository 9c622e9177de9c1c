package api

import (
	"net/http"

	"github.com/frontdesk/frontdesk/internal/chat"
	"github.com/frontdesk/frontdesk/internal/desk"
)

// registerChatKeys mounts the live chat's widget keys (in the style of
// Zendesk's chat widget settings): list, create, show, update, delete.
// Package chat decides who may (admins) and what is valid. The identity
// verification secret is in the answer only when one was just made (on
// create with "identity_verification": true, or on update with
// "rotate_identity_secret": true or when turning verification on); reads
// never show it.
func (s *Server) registerChatKeys(mux *http.ServeMux) {
	h := func(f handlerFunc) handlerFunc { return s.needs(s.Chat != nil, f) }
	s.handle(mux, "GET /api/v2/chat/widget_keys", h(s.listChatKeys))
	s.handle(mux, "POST /api/v2/chat/widget_keys", h(s.createChatKey))
	s.handle(mux, "GET /api/v2/chat/widget_keys/{id}", h(s.showChatKey))
	s.handle(mux, "PUT /api/v2/chat/widget_keys/{id}", h(s.updateChatKey))
	s.handle(mux, "DELETE /api/v2/chat/widget_keys/{id}", h(func(w http.ResponseWriter, r *http.Request) error {
		return deleteByID(s.Chat.DeleteKey)(w, r)
	}))
}

// chatKeyBody is a widget key as clients send it.
type chatKeyBody struct {
	Name     *string         `json:"name"`
	Origins  *[]string       `json:"allowed_origins"`
	GroupID  *int64          `json:"group_id"`
	Enabled  *bool           `json:"enabled"`
	Identity *bool           `json:"identity_verification"`
	Rotate   bool            `json:"rotate_identity_secret"`
	Form     *chat.FormInput `json:"pre_chat_form"`
}

func decodeChatKey(r *http.Request) (chat.KeyInput, error) {
	var env struct {
		Key *chatKeyBody `json:"widget_key"`
	}
	if err := decode(r, &env); err != nil {
		return chat.KeyInput{}, err
	}
	if env.Key == nil {
		return chat.KeyInput{}, desk.Invalid("widget_key", "is required")
	}
	b := env.Key
	return chat.KeyInput{Name: b.Name, Origins: b.Origins, GroupID: b.GroupID, Enabled: b.Enabled,
		Identity: b.Identity, NewIdentitySecret: b.Rotate, Form: b.Form}, nil
}

func (s *Server) listChatKeys(w http.ResponseWriter, r *http.Request) error {
	ks, err := s.Chat.Keys(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"widget_keys": ks, "count": len(ks), "next_page": nil, "previous_page": nil})
}

func (s *Server) createChatKey(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeChatKey(r)
	if err != nil {
		return err
	}
	k, err := s.Chat.CreateKey(r.Context(), in)
	if err != nil {
		return err
	}
	return created(w, baseURL(r)+"/api/v2/chat/widget_keys/"+itoa(k.ID), map[string]any{"widget_key": k})
}

func (s *Server) showChatKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	k, err := s.Chat.Key(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"widget_key": k})
}

func (s *Server) updateChatKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeChatKey(r)
	if err != nil {
		return err
	}
	k, err := s.Chat.UpdateKey(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"widget_key": k})
}
