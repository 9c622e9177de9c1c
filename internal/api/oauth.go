package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/httpx"
	"github.com/frontdesk/frontdesk/internal/oauth"
)

// registerOAuth mounts OAuth clients and tokens (/api/v2/oauth/…) and the
// token endpoint of the authorization-code flow (/oauth/tokens); the
// consent page is the web UI's.
func (s *Server) registerOAuth(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v2/oauth/clients", s.listOAuthClients)
	s.handle(mux, "POST /api/v2/oauth/clients", s.createOAuthClient)
	s.handle(mux, "GET /api/v2/oauth/clients/{id}", s.showOAuthClient)
	s.handle(mux, "PUT /api/v2/oauth/clients/{id}", s.updateOAuthClient)
	s.handle(mux, "PUT /api/v2/oauth/clients/{id}/generate_secret", s.regenerateOAuthSecret)
	s.handle(mux, "DELETE /api/v2/oauth/clients/{id}", deleteByID(s.OAuth.DeleteClient))
	s.handle(mux, "GET /api/v2/oauth/tokens", s.listOAuthTokens)
	s.handle(mux, "POST /api/v2/oauth/tokens", s.createOAuthToken)
	s.handle(mux, "GET /api/v2/oauth/tokens/current", s.showOAuthToken)
	s.handle(mux, "GET /api/v2/oauth/tokens/{id}", s.showOAuthToken)
	s.handle(mux, "DELETE /api/v2/oauth/tokens/current", s.revokeOAuthToken)
	s.handle(mux, "DELETE /api/v2/oauth/tokens/{id}", s.revokeOAuthToken)
	mux.Handle("POST /oauth/tokens", http.HandlerFunc(s.oauthTokenEndpoint))
}

type oauthClientJSON struct {
	URL string `json:"url"`
	*oauth.Client
}

func clientJSON(r *http.Request, c *oauth.Client) oauthClientJSON {
	return oauthClientJSON{URL: baseURL(r) + "/api/v2/oauth/clients/" + itoa(c.ID) + ".json", Client: c}
}

func (s *Server) listOAuthClients(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.OAuth.ListClients(r.Context())
	if err != nil {
		return err
	}
	out := make([]oauthClientJSON, len(cs))
	for i, c := range cs {
		out[i] = clientJSON(r, c)
	}
	return writeJSON(w, http.StatusOK, fullListBody("clients", out, len(out)))
}

func (s *Server) showOAuthClient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.OAuth.GetClient(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"client": clientJSON(r, c)})
}

func decodeOAuthClient(r *http.Request) (oauth.ClientInput, error) {
	var env struct {
		Client *oauth.ClientInput `json:"client"`
	}
	if err := decode(r, &env); err != nil {
		return oauth.ClientInput{}, err
	}
	if env.Client == nil {
		return oauth.ClientInput{}, desk.Invalid("client", "is required")
	}
	return *env.Client, nil
}

// createOAuthClient answers 201 with the client's secret, shown this once.
func (s *Server) createOAuthClient(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeOAuthClient(r)
	if err != nil {
		return err
	}
	c, err := s.OAuth.CreateClient(r.Context(), in)
	if err != nil {
		return err
	}
	out := clientJSON(r, c)
	return created(w, out.URL, map[string]any{"client": out})
}

func (s *Server) updateOAuthClient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodeOAuthClient(r)
	if err != nil {
		return err
	}
	c, err := s.OAuth.UpdateClient(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"client": clientJSON(r, c)})
}

func (s *Server) regenerateOAuthSecret(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.OAuth.RegenerateSecret(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"client": clientJSON(r, c)})
}

type oauthTokenJSON struct {
	URL string `json:"url"`
	*oauth.Token
}

func tokenJSON(r *http.Request, t *oauth.Token) oauthTokenJSON {
	return oauthTokenJSON{URL: baseURL(r) + "/api/v2/oauth/tokens/" + itoa(t.ID) + ".json", Token: t}
}

// listOAuthTokens lists tokens newest first; page[size] or per_page bound
// the answer (at most 100, Zendesk's page size).
func (s *Server) listOAuthTokens(w http.ResponseWriter, r *http.Request) error {
	limit := 100
	for _, k := range []string{"page[size]", "per_page"} {
		if v := r.URL.Query().Get(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return errBadRequest("%s must be a positive number", k)
			}
			limit = min(n, 100)
		}
	}
	ts, err := s.OAuth.ListTokens(r.Context(), limit)
	if err != nil {
		return err
	}
	out := make([]oauthTokenJSON, len(ts))
	for i, t := range ts {
		out[i] = tokenJSON(r, t)
	}
	return writeJSON(w, http.StatusOK, fullListBody("tokens", out, len(out)))
}

// tokenID is the {id} of a token route, 0 for ".../current".
func tokenID(r *http.Request) (int64, error) {
	if r.PathValue("id") == "" {
		return 0, nil
	}
	return pathID(r, "id")
}

func (s *Server) showOAuthToken(w http.ResponseWriter, r *http.Request) error {
	id, err := tokenID(r)
	if err != nil {
		return err
	}
	t, err := s.OAuth.GetToken(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"token": tokenJSON(r, t)})
}

func (s *Server) revokeOAuthToken(w http.ResponseWriter, r *http.Request) error {
	id, err := tokenID(r)
	if err != nil {
		return err
	}
	if err := s.OAuth.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	return noContent(w)
}

// createOAuthToken answers 201 with full_token and refresh_token, shown
// this once.
func (s *Server) createOAuthToken(w http.ResponseWriter, r *http.Request) error {
	var env struct {
		Token *oauth.TokenInput `json:"token"`
	}
	if err := decode(r, &env); err != nil {
		return err
	}
	if env.Token == nil {
		return desk.Invalid("token", "is required")
	}
	t, err := s.OAuth.CreateToken(r.Context(), *env.Token)
	if err != nil {
		return err
	}
	out := tokenJSON(r, t)
	return created(w, out.URL, map[string]any{"token": out})
}

// oauthTokenEndpoint is POST /oauth/tokens (RFC 6749 §3.2): the client
// sends a form (or, as Zendesk also takes, JSON) and authenticates with
// HTTP Basic or client_id/client_secret in the body. Answers and errors
// are in OAuth's shape, never cached.
func (s *Server) oauthTokenEndpoint(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	ip := s.IPs.IP(r)
	if blocked, retry := s.AuthFailures.Blocked(httpx.IPKey(ip)); blocked {
		httpx.WriteRetryAfter(w, retry)
		writeJSON(w, http.StatusTooManyRequests, &oauth.ProtocolError{Code: "slow_down", Description: "Too many failed attempts"})
		return
	}
	req, perr := readTokenRequest(r)
	if perr == nil {
		var resp *oauth.TokenResponse
		var err error
		if resp, err = s.OAuth.Exchange(r.Context(), req); err == nil {
			writeJSON(w, http.StatusOK, resp)
			return
		}
		if !errors.As(err, &perr) {
			s.Logger.Error("oauth token endpoint", "err", err)
			writeJSON(w, http.StatusInternalServerError, &oauth.ProtocolError{Code: "server_error", Description: "Something went wrong"})
			return
		}
	}
	if perr.Code == "invalid_client" || perr.Code == "invalid_grant" {
		s.AuthFailures.Fail(httpx.IPKey(ip))
	}
	if perr.Code == "invalid_client" {
		w.Header().Set("WWW-Authenticate", `Basic realm="Frontdesk OAuth"`)
	}
	writeJSON(w, perr.Status(), perr)
}

// readTokenRequest decodes a form or JSON body, with client credentials
// from the Basic header when present (form-encoded, RFC 6749 §2.3.1).
func readTokenRequest(r *http.Request) (oauth.TokenRequest, *oauth.ProtocolError) {
	bad := func(msg string) *oauth.ProtocolError {
		return &oauth.ProtocolError{Code: "invalid_request", Description: msg}
	}
	var req oauth.TokenRequest
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 64<<10))
	if err != nil {
		return req, bad("the request body is unreadable or too large")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var raw map[string]any
		if err := json.Unmarshal(body, &raw); err != nil {
			return req, bad("the request body is not a JSON object")
		}
		req = tokenRequestFrom(func(k string) string { return jsonString(raw[k]) })
	case "application/x-www-form-urlencoded", "":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return req, bad("the request body is not a valid form")
		}
		for k, v := range form {
			if len(v) > 1 {
				return req, bad(k + " is given more than once")
			}
		}
		req = tokenRequestFrom(form.Get)
	default:
		return req, bad("send application/x-www-form-urlencoded or application/json")
	}
	if user, pass, ok := r.BasicAuth(); ok {
		if req.ClientSecret != "" {
			return req, bad("use one client authentication method")
		}
		id, err1 := url.QueryUnescape(user)
		secret, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil || (req.ClientID != "" && req.ClientID != id) {
			return req, &oauth.ProtocolError{Code: "invalid_client", Description: "Client authentication failed"}
		}
		req.ClientID, req.ClientSecret = id, secret
	}
	for _, v := range []string{req.GrantType, req.Code, req.RedirectURI, req.ClientID, req.ClientSecret, req.CodeVerifier, req.RefreshToken, req.Scope} {
		if strings.ContainsRune(v, 0) || len(v) > 4000 {
			return req, bad("a parameter is malformed")
		}
	}
	return req, nil
}

func tokenRequestFrom(get func(string) string) oauth.TokenRequest {
	// A lifetime that is not a number is -1, which Exchange refuses.
	num := func(k string) int64 {
		v := get(k)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return -1
		}
		return n
	}
	return oauth.TokenRequest{
		GrantType: get("grant_type"), Code: get("code"), RedirectURI: get("redirect_uri"),
		ClientID: get("client_id"), ClientSecret: get("client_secret"), CodeVerifier: get("code_verifier"),
		RefreshToken: get("refresh_token"), Scope: get("scope"),
		ExpiresIn: num("expires_in"), RefreshTokenExpiresIn: num("refresh_token_expires_in"),
	}
}

// jsonString reads a JSON value as text (numbers too: Zendesk examples
// send expires_in as a number).
func jsonString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any: // scope as a list
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, " ")
	}
	return ""
}
