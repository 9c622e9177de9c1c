package settings

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/secrets"
	"github.com/frontdesk/frontdesk/internal/store"
)

// The answer bot's drafted answers (p11-bot-draft): with an
// OpenAI-compatible endpoint configured, the bot may draft an answer from
// the help-center articles it found. Declared apart from the other blocks
// to keep merges with other settings easy.
const (
	KeyBotDraftMode     = "answer_bot.draft_mode"
	KeyBotDraftEndpoint = "answer_bot.draft_endpoint"
	KeyBotDraftModel    = "answer_bot.draft_model"
	KeyBotDraftAPIKey   = "answer_bot.draft_api_key"
	KeyBotDraftTimeout  = "answer_bot.draft_timeout_seconds"
	KeyBotDraftArticles = "answer_bot.draft_max_articles"
)

// Drafting modes.
const (
	// BotDraftOff: no draft is asked for (the default).
	BotDraftOff = "off"
	// BotDraftAgents: the draft is an internal note for agents only.
	BotDraftAgents = "agents"
	// BotDraftVisitors: the bot sends the draft to the visitor, marked as
	// an automatic answer, with links to the articles it used.
	BotDraftVisitors = "visitors"
)

// Limits of the drafting settings.
const (
	MaxBotDraftEndpoint = 500
	MaxBotDraftModel    = 200
	MaxBotDraftAPIKey   = 4096
	MaxBotDraftTimeout  = 30
	MaxBotDraftArticles = 3
)

var (
	// BotDraftMode is off, agents or visitors.
	BotDraftMode = declare(stringSetting(KeyBotDraftMode, BotDraftOff,
		"Drafted answers from an OpenAI-compatible endpoint: off, agents (an internal note only) or visitors (sent, marked as automatic).",
		func(v string) string {
			if v != BotDraftOff && v != BotDraftAgents && v != BotDraftVisitors {
				return "must be off, agents or visitors"
			}
			return ""
		}))

	// BotDraftEndpoint is the API's base URL; the bot posts to
	// {base}/chat/completions ("" = none configured).
	BotDraftEndpoint = declare(stringSetting(KeyBotDraftEndpoint, "",
		"Base URL of the OpenAI-compatible API the bot drafts answers with (http or https; empty: none).",
		func(v string) string {
			if v == "" {
				return ""
			}
			return CheckBotDraftEndpoint(v)
		}))

	// BotDraftModel is the model name sent with each request.
	BotDraftModel = declare(stringSetting(KeyBotDraftModel, "",
		"Model name sent to the drafting endpoint.",
		func(v string) string {
			if utf8.RuneCountInString(v) > MaxBotDraftModel || !utf8.ValidString(v) || strings.ContainsAny(v, "\x00\r\n\t") || strings.TrimSpace(v) != v {
				return "must be at most 200 characters on one line, without surrounding spaces"
			}
			return ""
		}))

	// BotDraftTimeout bounds one drafting request.
	BotDraftTimeout = declare(intRange(KeyBotDraftTimeout, 8, 1, MaxBotDraftTimeout,
		"Seconds the bot waits for a drafted answer before it answers without one (1 to 30).", "must be between 1 and 30 seconds"))

	// BotDraftArticles is how many of the articles found are sent.
	BotDraftArticles = declare(intRange(KeyBotDraftArticles, 3, 1, MaxBotDraftArticles,
		"Help-center articles sent to the drafting endpoint (1 to 3; only articles anyone may read).", "must be between 1 and 3"))

	// BotDraftAPIKey is the endpoint's API key, sealed with the instance
	// key: write-only, never shown, logged or exported in the clear.
	BotDraftAPIKey = &SealedSetting{s: declare(&Setting[string]{
		key: KeyBotDraftAPIKey, kind: KindSecret,
		description: "API key of the drafting endpoint (sealed with the instance key; write-only).",
		parse:       func(s string) (string, error) { return s, nil },
		format:      func(s string) string { return s },
		check: func(v string) string {
			if len(v) > 2*MaxBotDraftAPIKey || strings.ContainsAny(v, "\x00\r\n") {
				return "is not a sealed value"
			}
			return ""
		},
	})}
)

// CheckBotDraftEndpoint returns why v is not an endpoint base URL ("" if
// it is one): an absolute http or https URL with a host, no user
// information, query or fragment.
func CheckBotDraftEndpoint(v string) string {
	const why = "must be an http or https URL such as https://api.example.com/v1"
	if len(v) > MaxBotDraftEndpoint || strings.TrimSpace(v) != v || strings.ContainsAny(v, "\x00\r\n\t ") {
		return why
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" ||
		u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return why
	}
	return ""
}

// SealedSetting is a credential stored sealed (package secrets) under its
// key: it is written in the clear and read back only by the code that
// uses it, never shown. Rotation re-seals it (ResealTx).
type SealedSetting struct{ s *Setting[string] }

// sealedSettings lists every sealed setting, for ResealTx.
func sealedSettings() []*SealedSetting { return []*SealedSetting{BotDraftAPIKey} }

// Key is the setting's row key.
func (d *SealedSetting) Key() string { return d.s.key }

func (d *SealedSetting) context() string { return "setting:" + d.s.key }

// CheckPlain returns why plain may not be stored ("" if it may).
func (d *SealedSetting) CheckPlain(plain string) string {
	if len(plain) > MaxBotDraftAPIKey || !utf8.ValidString(plain) || strings.ContainsAny(plain, "\x00\r\n") {
		return "must be at most 4096 characters on one line"
	}
	return ""
}

// Set seals plain with box and stores it ("" clears the value), audited
// with the value masked.
func (d *SealedSetting) Set(ctx context.Context, s *Service, box *secrets.Box, plain string) error {
	return s.inTx(ctx, func(tx *store.Tx) error { return d.SetTx(ctx, s, tx, box, plain) })
}

// SetTx is Set in tx.
func (d *SealedSetting) SetTx(ctx context.Context, s *Service, tx *store.Tx, box *secrets.Box, plain string) error {
	if why := d.CheckPlain(plain); why != "" {
		return desk.Invalid(d.s.key, why)
	}
	v := ""
	if plain != "" {
		var err error
		if v, err = box.Seal([]byte(plain), d.context()); err != nil {
			return fmt.Errorf("settings: sealing %s: %w", d.s.key, err)
		}
	}
	return d.s.SetTx(ctx, s, tx, v)
}

// IsSet reports whether a value is stored (without opening it).
func (d *SealedSetting) IsSet(ctx context.Context, s *Service) (bool, error) {
	v, err := d.s.Get(ctx, s)
	return v != "", err
}

// Open returns the stored value in the clear ("" when none is stored).
func (d *SealedSetting) Open(ctx context.Context, s *Service, box *secrets.Box) (string, error) {
	v, err := d.s.Get(ctx, s)
	if err != nil || v == "" {
		return "", err
	}
	pt, err := box.Open(v, d.context())
	if err != nil {
		return "", fmt.Errorf("settings: opening %s: %w", d.s.key, err)
	}
	return string(pt), nil
}

// ResealTx passes every sealed setting through fn (open with the old key,
// seal with the new) in tx, for key rotation; it returns how many there
// were. The caches see the new values once tx commits (TTL backstop; the
// value opens with either key meanwhile).
func ResealTx(ctx context.Context, tx *store.Tx, fn func(sealed, context string) (string, error)) (int, error) {
	n := 0
	for _, d := range sealedSettings() {
		v, present, err := readRaw(ctx, tx, d.s.key)
		if err != nil {
			return n, err
		}
		if !present || v == "" {
			continue
		}
		nv, err := fn(v, d.context())
		if err != nil {
			return n, fmt.Errorf("settings: reseal %s: %w", d.s.key, err)
		}
		if nv != v {
			if _, err := tx.Exec(ctx, `UPDATE settings SET value = ? WHERE key = ?`, nv, d.s.key); err != nil {
				return n, fmt.Errorf("settings: reseal %s: %w", d.s.key, err)
			}
		}
		n++
	}
	return n, nil
}
