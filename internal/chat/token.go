package chat

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
)

// tokenPurpose names the instance-derived key that signs visitor tokens.
const tokenPurpose = "chat.visitor-token"

// Visitor tokens are "c1.<conversation id>.<nonce>.<mac>": the MAC is an
// HMAC-SHA256 under a key derived from the instance key (the same on every
// instance), and the nonce must still be the conversation's, so a token
// names exactly one conversation and a new token revokes the old one.

func (s *Service) tokenMAC(key []byte, convID int64, nonce string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("c1." + strconv.FormatInt(convID, 10) + "." + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) signToken(convID int64, nonce string) (string, error) {
	if s.Box == nil {
		return "", errors.New("chat: no instance key to sign visitor tokens with")
	}
	key, err := s.Box.DeriveKey(tokenPurpose)
	if err != nil {
		return "", err
	}
	return "c1." + strconv.FormatInt(convID, 10) + "." + nonce + "." + s.tokenMAC(key, convID, nonce), nil
}

// errBadToken is every refused token's answer.
func errBadToken() error {
	return &desk.Error{Code: desk.EUNAUTHORIZED, Message: "This chat session is not valid; start a new chat"}
}

// parseToken checks a token's signature and returns its conversation and
// nonce (not yet compared with the stored one).
func (s *Service) parseToken(tok string) (int64, string, error) {
	if len(tok) > 200 || s.Box == nil {
		return 0, "", errBadToken()
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 4 || parts[0] != "c1" {
		return 0, "", errBadToken()
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || id <= 0 || parts[2] == "" {
		return 0, "", errBadToken()
	}
	keys, err := s.Box.DeriveKeys(tokenPurpose)
	if err != nil {
		return 0, "", errBadToken()
	}
	for _, k := range keys {
		if hmac.Equal([]byte(parts[3]), []byte(s.tokenMAC(k, id, parts[2]))) {
			return id, parts[2], nil
		}
	}
	return 0, "", errBadToken()
}

// tokenExpired reports whether conversation c ended longer ago than
// chat.visitor_token_days: its token no longer opens it, so a token left
// in a browser or leaked does not read the chat for ever. A chat that has
// not ended keeps its token.
func (s *Service) tokenExpired(ctx context.Context, c *Conversation) (bool, error) {
	if (c.State != StateEnded && c.State != StateOffline) || c.EndedAt.UnixMicro() <= 0 {
		return false, nil
	}
	days, err := settings.ChatTokenDays.Get(ctx, s.settingsSvc())
	if err != nil {
		return false, err
	}
	return s.now().Sub(c.EndedAt.Time) > time.Duration(days)*24*time.Hour, nil
}

// Visitor is an authenticated widget caller: the holder of a valid token
// for Conversation, on an origin its key allows.
type Visitor struct {
	Conversation *Conversation
	Key          *WidgetKey
}

// Authenticate checks a visitor's token and the page's origin: the token
// must be signed by this help desk and current for its conversation, and
// the conversation's widget key must be enabled and allow origin. Every
// failure answers the same.
func (s *Service) Authenticate(ctx context.Context, token, origin string) (*Visitor, error) {
	id, nonce, err := s.parseToken(token)
	if err != nil {
		return nil, err
	}
	c, err := s.conversation(ctx, s.DB, id)
	if desk.ErrorCode(err) == desk.ENOTFOUND || errors.Is(err, sql.ErrNoRows) {
		return nil, errBadToken()
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(c.nonce), []byte(nonce)) != 1 {
		return nil, errBadToken()
	}
	if expired, err := s.tokenExpired(ctx, c); err != nil {
		return nil, err
	} else if expired {
		return nil, errBadToken()
	}
	k, err := s.keyByID(ctx, s.DB, c.KeyID)
	if err != nil {
		return nil, errBadToken()
	}
	if !k.Enabled || !k.Allows(origin) {
		return nil, errBadKey()
	}
	return &Visitor{Conversation: c, Key: k}, nil
}
