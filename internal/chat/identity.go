package chat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// Identity verification, as Zendesk's messaging authentication does it:
// the host site signs its signed-in customer's email (and name) in an
// HS256 JWT with the widget key's shared secret, and hands the JWT to the
// widget (data-jwt, or Frontdesk.identify(jwt)). A valid one joins the chat
// to that customer's account and history; anything else is refused.

// MaxIdentityLifetime bounds how far in the future a JWT's exp may be.
const MaxIdentityLifetime = 24 * time.Hour

// Identity is what a verified JWT says.
type Identity struct {
	Email string
	Name  string
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
}

type jwtClaims struct {
	Email      string `json:"email"`
	Name       string `json:"name"`
	ExternalID string `json:"external_id"`
	Exp        *int64 `json:"exp"`
	Iat        *int64 `json:"iat"`
}

func errBadIdentity(why string) error {
	return &desk.Error{Code: desk.EUNAUTHORIZED, Message: "The identity token is not valid: " + why}
}

// VerifyIdentity checks an HS256 JWT against secret at now.
func VerifyIdentity(token string, secret []byte, now time.Time) (*Identity, error) {
	if len(secret) == 0 {
		return nil, errBadIdentity("identity verification is off for this widget")
	}
	if len(token) > 4096 {
		return nil, errBadIdentity("too long")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errBadIdentity("malformed")
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, errBadIdentity("malformed")
	}
	var h jwtHeader
	if err := json.Unmarshal(hb, &h); err != nil || h.Alg != "HS256" {
		return nil, errBadIdentity("only HS256 is accepted")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return nil, errBadIdentity("bad signature")
	}
	var c jwtClaims
	if err := json.Unmarshal(cb, &c); err != nil {
		return nil, errBadIdentity("malformed claims")
	}
	if c.Exp == nil {
		return nil, errBadIdentity("no exp")
	}
	exp := time.Unix(*c.Exp, 0)
	if !exp.After(now) {
		return nil, errBadIdentity("expired")
	}
	if exp.Sub(now) > MaxIdentityLifetime {
		return nil, errBadIdentity("exp is too far ahead")
	}
	if c.Iat != nil && time.Unix(*c.Iat, 0).After(now.Add(time.Minute)) {
		return nil, errBadIdentity("issued in the future")
	}
	email := strings.ToLower(strings.TrimSpace(c.Email))
	if email == "" {
		return nil, errBadIdentity("no email")
	}
	return &Identity{Email: email, Name: cleanLine(c.Name, MaxName)}, nil
}

// SignIdentity makes an identity JWT (for tests and the README's example
// of what the host site does).
func SignIdentity(secret []byte, email, name string, exp time.Time) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	b, _ := json.Marshal(map[string]any{"email": email, "name": name, "exp": exp.Unix(), "iat": time.Now().Unix()})
	c := base64.RawURLEncoding.EncodeToString(b)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(h + "." + c))
	return h + "." + c + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
