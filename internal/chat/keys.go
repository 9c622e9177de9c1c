package chat

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// WidgetKey is one embeddable widget's key.
type WidgetKey struct {
	ID        int64    `json:"id"`
	PublicKey string   `json:"key"`
	Name      string   `json:"name"`
	Origins   []string `json:"allowed_origins"`
	GroupID   int64    `json:"group_id,omitempty"`
	Enabled   bool     `json:"enabled"`
	// Identity is whether identity verification is set up (the secret is
	// never shown after it is made).
	Identity bool `json:"identity_verification"`
	// Form is the pre-chat form the widget shows (and the server enforces).
	Form      PreChatForm `json:"pre_chat_form"`
	CreatedAt desk.Time   `json:"created_at"`
	UpdatedAt desk.Time   `json:"updated_at"`

	sealedSecret string
}

// KeyInput changes a widget key; nil fields stay.
type KeyInput struct {
	Name    *string
	Origins *[]string
	GroupID *int64 // 0: none
	Enabled *bool
	// NewIdentitySecret makes a new identity-verification secret (shown
	// once, in the returned key's Secret); ClearIdentity turns it off.
	NewIdentitySecret bool
	ClearIdentity     bool
	// Identity, when set, turns identity verification on (a new secret
	// only when it was off) or off.
	Identity *bool
	// Form changes the pre-chat form; nil fields stay.
	Form *FormInput
}

// The pre-chat form's settings of the name and question fields.
const (
	FieldRequired = "required"
	FieldOptional = "optional"
	FieldHidden   = "hidden"
)

// MaxFormGroups bounds the groups a visitor may choose from.
const MaxFormGroups = 20

// PreChatForm is a widget key's pre-chat form: the name and the question
// are each required, optional or hidden; the email is always required
// (the reply and the transcript go there). With Groups, the visitor picks
// one of them ("Which team?") and the chat goes to that group.
type PreChatForm struct {
	Name     string  `json:"name"`
	Email    string  `json:"email"`
	Question string  `json:"question"`
	Groups   []int64 `json:"group_ids"`
}

// DefaultForm is the pre-chat form a new key starts with: every field
// required, no groups to choose from.
func DefaultForm() PreChatForm {
	return PreChatForm{Name: FieldRequired, Email: FieldRequired, Question: FieldRequired}
}

// FormInput changes a pre-chat form; nil fields stay.
type FormInput struct {
	Name     *string  `json:"name"`
	Email    *string  `json:"email"`
	Question *string  `json:"question"`
	Groups   *[]int64 `json:"group_ids"`
}

func formGroupsText(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func parseFormGroups(s string) []int64 {
	out := []int64{}
	for _, p := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

// requireAdmin allows admins only: widget keys decide who may embed the
// help desk's chat.
func requireAdmin(ctx context.Context) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsAdmin() {
		return desk.Forbidden("Only admins manage chat widget keys")
	}
	return nil
}

// NormalizeOrigin returns an origin as browsers send it (scheme://host[:port],
// lower case, default ports left out), or "*." wildcards for subdomains
// ("https://*.example.com"). Paths, queries, user info and other schemes
// than http and https are refused.
func NormalizeOrigin(o string) (string, error) {
	o = strings.TrimSpace(o)
	bad := fmt.Errorf("%q is not an origin like https://shop.example.com", cleanLine(o, 80))
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", bad
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	wild := strings.HasPrefix(host, "*.")
	check := strings.TrimPrefix(host, "*.")
	if check == "" || strings.ContainsAny(check, "*/\\ ") {
		return "", bad
	}
	if wild {
		host = "*." + check
	}
	if strings.Contains(host, ":") { // IPv6
		host = "[" + host + "]"
	}
	out := u.Scheme + "://" + host
	if port != "" {
		out += ":" + port
	}
	return out, nil
}

// Allows reports whether a page of origin may use the key.
func (k *WidgetKey) Allows(origin string) bool {
	o, err := NormalizeOrigin(origin)
	if err != nil || strings.Contains(o, "*") {
		return false
	}
	for _, a := range k.Origins {
		if a == o {
			return true
		}
		if i := strings.Index(a, "://*."); i >= 0 {
			scheme, rest := a[:i], a[i+len("://*."):]
			if strings.HasPrefix(o, scheme+"://") && strings.HasSuffix(o, "."+rest) {
				return true
			}
		}
	}
	return false
}

const keyColumns = `id, public_key, name, origins, COALESCE(group_id, 0), enabled, identity_secret, created_at, updated_at,
	form_name, form_question, form_groups`

func scanKey(sc interface{ Scan(...any) error }) (*WidgetKey, error) {
	var k WidgetKey
	var origins, groups string
	var created, updated int64
	if err := sc.Scan(&k.ID, &k.PublicKey, &k.Name, &origins, &k.GroupID, &k.Enabled, &k.sealedSecret, &created, &updated,
		&k.Form.Name, &k.Form.Question, &groups); err != nil {
		return nil, err
	}
	k.Form.Email, k.Form.Groups = FieldRequired, parseFormGroups(groups)
	k.Origins = []string{}
	for _, o := range strings.Split(origins, "\n") {
		if o != "" {
			k.Origins = append(k.Origins, o)
		}
	}
	k.Identity = k.sealedSecret != ""
	k.CreatedAt, k.UpdatedAt = desk.TimeFromMicros(created), desk.TimeFromMicros(updated)
	return &k, nil
}

// Keys lists the widget keys (admins).
func (s *Service) Keys(ctx context.Context) ([]*WidgetKey, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+keyColumns+` FROM chat_widget_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("chat: keys: %w", err)
	}
	defer rows.Close()
	out := []*WidgetKey{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Key returns widget key id (admins).
func (s *Service) Key(ctx context.Context, id int64) (*WidgetKey, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return s.keyByID(ctx, s.DB, id)
}

func (s *Service) keyByID(ctx context.Context, q store.Querier, id int64) (*WidgetKey, error) {
	k, err := scanKey(q.QueryRow(ctx, `SELECT `+keyColumns+` FROM chat_widget_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, desk.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("chat: key %d: %w", id, err)
	}
	return k, nil
}

// errBadKey is what every forged, unknown or disabled key gets: the same
// answer, so a caller learns nothing about which keys exist.
func errBadKey() error {
	return &desk.Error{Code: desk.EFORBIDDEN, Message: "This chat is not available here"}
}

// KeyForOrigin returns the enabled key public whose allowed origins include
// origin. Unknown, disabled and foreign-origin keys get the same refusal.
func (s *Service) KeyForOrigin(ctx context.Context, public, origin string) (*WidgetKey, error) {
	if public == "" || len(public) > 64 {
		return nil, errBadKey()
	}
	k, err := scanKey(s.DB.QueryRow(ctx, `SELECT `+keyColumns+` FROM chat_widget_keys WHERE public_key = ?`, public))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errBadKey()
	}
	if err != nil {
		return nil, fmt.Errorf("chat: key: %w", err)
	}
	if !k.Enabled || !k.Allows(origin) {
		return nil, errBadKey()
	}
	return k, nil
}

// SavedKey is a key as saved, with a new identity secret when one was made
// (shown this once).
type SavedKey struct {
	*WidgetKey
	Secret string `json:"identity_secret,omitempty"`
}

func (s *Service) checkKeyInput(ctx context.Context, q store.Querier, in KeyInput) error {
	var v desk.Validation
	if in.Name != nil {
		n := cleanLine(*in.Name, MaxKeyName+1)
		if n == "" {
			v.Add("name", "cannot be blank")
		} else if len([]rune(n)) > MaxKeyName {
			v.Add("name", fmt.Sprintf("is too long (maximum is %d characters)", MaxKeyName))
		}
		*in.Name = n
	}
	if in.Origins != nil {
		var list []string
		for _, o := range *in.Origins {
			if strings.TrimSpace(o) == "" {
				continue
			}
			n, err := NormalizeOrigin(o)
			if err != nil {
				v.Add("allowed_origins", err.Error())
				continue
			}
			if !slices.Contains(list, n) {
				list = append(list, n)
			}
		}
		if len(list) > MaxOrigins {
			v.Add("allowed_origins", fmt.Sprintf("has too many origins (maximum is %d)", MaxOrigins))
		}
		*in.Origins = list
	}
	if in.GroupID != nil && *in.GroupID != 0 {
		ok, err := groupExists(ctx, q, *in.GroupID)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("group_id", "is not a valid group")
		}
	}
	if f := in.Form; f != nil {
		for _, x := range []struct {
			field string
			val   *string
		}{{"pre_chat_form.name", f.Name}, {"pre_chat_form.question", f.Question}} {
			if x.val != nil && *x.val != FieldRequired && *x.val != FieldOptional && *x.val != FieldHidden {
				v.Add(x.field, "must be required, optional or hidden")
			}
		}
		if f.Email != nil && *f.Email != FieldRequired {
			v.Add("pre_chat_form.email", "is always required (the reply and the transcript go there)")
		}
		if f.Groups != nil {
			var list []int64
			for _, g := range *f.Groups {
				if slices.Contains(list, g) {
					continue
				}
				ok, err := groupExists(ctx, q, g)
				if err != nil {
					return err
				}
				if !ok {
					v.Add("pre_chat_form.group_ids", fmt.Sprintf("%d is not a valid group", g))
					continue
				}
				list = append(list, g)
			}
			if len(list) > MaxFormGroups {
				v.Add("pre_chat_form.group_ids", fmt.Sprintf("has too many groups (maximum is %d)", MaxFormGroups))
			}
			*f.Groups = list
		}
	}
	return v.Err()
}

func groupExists(ctx context.Context, q store.Querier, id int64) (bool, error) {
	if id <= 0 {
		return false, nil
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM agent_groups WHERE id = ? AND NOT deleted`, id).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// applyForm sets form f from in.
func applyForm(f *PreChatForm, in *FormInput) {
	if in == nil {
		return
	}
	if in.Name != nil {
		f.Name = *in.Name
	}
	if in.Question != nil {
		f.Question = *in.Question
	}
	if in.Groups != nil {
		f.Groups = *in.Groups
	}
}

// CreateKey makes a widget key (admins).
func (s *Service) CreateKey(ctx context.Context, in KeyInput) (*SavedKey, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	if in.Name == nil {
		empty := ""
		in.Name = &empty
	}
	var out *SavedKey
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := s.checkKeyInput(ctx, tx, in); err != nil {
			return err
		}
		now := s.now().UnixMicro()
		origins := ""
		if in.Origins != nil {
			origins = strings.Join(*in.Origins, "\n")
		}
		var group any
		if in.GroupID != nil && *in.GroupID != 0 {
			group = *in.GroupID
		}
		enabled := in.Enabled == nil || *in.Enabled
		form := DefaultForm()
		applyForm(&form, in.Form)
		if in.Identity != nil && *in.Identity {
			in.NewIdentitySecret = true
		}
		id, err := tx.InsertID(ctx, `INSERT INTO chat_widget_keys (public_key, name, origins, group_id, enabled, identity_secret, created_at, updated_at,
			form_name, form_question, form_groups)
			VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?)`, "wk_"+randomString(18), *in.Name, origins, group, enabled, now, now,
			form.Name, form.Question, formGroupsText(form.Groups))
		if err != nil {
			return fmt.Errorf("chat: create key: %w", err)
		}
		out, err = s.applySecretTx(ctx, tx, id, in)
		return err
	})
	return out, err
}

// UpdateKey changes widget key id (admins).
func (s *Service) UpdateKey(ctx context.Context, id int64, in KeyInput) (*SavedKey, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	var out *SavedKey
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		k, err := s.keyByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.checkKeyInput(ctx, tx, in); err != nil {
			return err
		}
		if in.Name != nil {
			k.Name = *in.Name
		}
		if in.Origins != nil {
			k.Origins = *in.Origins
		}
		if in.GroupID != nil {
			k.GroupID = *in.GroupID
		}
		if in.Enabled != nil {
			k.Enabled = *in.Enabled
		}
		applyForm(&k.Form, in.Form)
		if in.Identity != nil {
			if *in.Identity {
				in.NewIdentitySecret = in.NewIdentitySecret || !k.Identity
			} else {
				in.ClearIdentity = true
			}
		}
		var group any
		if k.GroupID != 0 {
			group = k.GroupID
		}
		if _, err := tx.Exec(ctx, `UPDATE chat_widget_keys SET name = ?, origins = ?, group_id = ?, enabled = ?, updated_at = ?,
			form_name = ?, form_question = ?, form_groups = ? WHERE id = ?`,
			k.Name, strings.Join(k.Origins, "\n"), group, k.Enabled, s.now().UnixMicro(),
			k.Form.Name, k.Form.Question, formGroupsText(k.Form.Groups), id); err != nil {
			return fmt.Errorf("chat: update key: %w", err)
		}
		out, err = s.applySecretTx(ctx, tx, id, in)
		return err
	})
	return out, err
}

// DeleteKey removes widget key id and its conversations' chat records
// (their tickets stay).
func (s *Service) DeleteKey(ctx context.Context, id int64) error {
	if err := requireAdmin(ctx); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM chat_widget_keys WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("chat: delete key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return desk.NotFound()
		}
		return nil
	})
}

// secretContext is the sealing context of key id's identity secret.
func secretContext(id int64) string { return fmt.Sprintf("chat.identity.%d", id) }

func (s *Service) applySecretTx(ctx context.Context, tx *store.Tx, id int64, in KeyInput) (*SavedKey, error) {
	secret := ""
	switch {
	case in.ClearIdentity:
		if _, err := tx.Exec(ctx, `UPDATE chat_widget_keys SET identity_secret = '' WHERE id = ?`, id); err != nil {
			return nil, err
		}
	case in.NewIdentitySecret:
		if s.Box == nil {
			return nil, errors.New("chat: no instance key to seal the identity secret with")
		}
		secret = randomString(32)
		sealed, err := s.Box.Seal([]byte(secret), secretContext(id))
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE chat_widget_keys SET identity_secret = ? WHERE id = ?`, sealed, id); err != nil {
			return nil, err
		}
	}
	k, err := s.keyByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return &SavedKey{WidgetKey: k, Secret: secret}, nil
}

// identitySecret opens key k's identity secret (nil when off).
func (s *Service) identitySecret(k *WidgetKey) ([]byte, error) {
	if k.sealedSecret == "" {
		return nil, nil
	}
	if s.Box == nil {
		return nil, errors.New("chat: no instance key")
	}
	return s.Box.Open(k.sealedSecret, secretContext(k.ID))
}

// ResealTx passes every sealed identity secret to fn and stores what it
// returns (key rotation, package keys).
func ResealTx(ctx context.Context, tx *store.Tx, fn func(sealed, context string) (string, error)) (int, error) {
	type rec struct {
		id     int64
		sealed string
	}
	rows, err := tx.Query(ctx, `SELECT id, identity_secret FROM chat_widget_keys WHERE identity_secret <> '' ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("chat: reseal: %w", err)
	}
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.id, &r.sealed); err != nil {
			rows.Close()
			return 0, err
		}
		recs = append(recs, r)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	for i, r := range recs {
		v, err := fn(r.sealed, secretContext(r.id))
		if err != nil {
			return i, fmt.Errorf("chat widget key %d: %w", r.id, err)
		}
		if v != r.sealed {
			if _, err := tx.Exec(ctx, `UPDATE chat_widget_keys SET identity_secret = ? WHERE id = ?`, v, r.id); err != nil {
				return i, err
			}
		}
	}
	return len(recs), nil
}
