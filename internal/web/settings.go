package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Settings are the help desk's general settings, kept in the settings table.
type Settings struct {
	HelpdeskName    string
	DefaultLocale   string
	DefaultTimeZone string
}

// Setting keys.
const (
	SettingHelpdeskName    = "helpdesk.name"
	SettingDefaultLocale   = "helpdesk.default_locale"
	SettingDefaultTimeZone = "helpdesk.default_time_zone"
	settingCSRFKey         = "web.csrf_key"
)

// settingsTTL is how long a process trusts its copy of the settings; a
// change made through another process shows within this time.
const settingsTTL = 10 * time.Second

// loadKey reads the site key for CSRF tokens, creating it on first start.
// It lives in the database so every process behind a load balancer agrees.
func loadKey(ctx context.Context, db *store.DB) ([]byte, error) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	fresh := hex.EncodeToString(b[:])
	err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, settingCSRFKey, fresh)
		return err
	})
	if err != nil {
		return nil, err
	}
	var v string
	if err := db.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, settingCSRFKey).Scan(&v); err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) < 32 {
		return nil, errors.New("web: the stored CSRF key is malformed")
	}
	return key, nil
}

// currentSettings returns the settings, cached for settingsTTL.
func (s *Server) currentSettings(ctx context.Context) Settings {
	s.settingsMu.Lock()
	defer s.settingsMu.Unlock()
	if s.settings != nil && s.now().Sub(s.settingsAt) < settingsTTL {
		return *s.settings
	}
	set := Settings{DefaultLocale: "en", DefaultTimeZone: "UTC"}
	rows, err := s.d.DB.Query(ctx, `SELECT key, value FROM settings WHERE key IN (?, ?, ?)`,
		SettingHelpdeskName, SettingDefaultLocale, SettingDefaultTimeZone)
	if err != nil {
		s.log.Warn("web: reading settings", "err", err)
		return set
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if rows.Scan(&k, &v) != nil {
			continue
		}
		switch k {
		case SettingHelpdeskName:
			set.HelpdeskName = v
		case SettingDefaultLocale:
			set.DefaultLocale = v
		case SettingDefaultTimeZone:
			set.DefaultTimeZone = v
		}
	}
	if rows.Err() != nil {
		return set
	}
	s.settings, s.settingsAt = &set, s.now()
	return set
}

// saveSettings stores new settings (admins only).
func (s *Server) saveSettings(ctx context.Context, in Settings) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsAdmin() {
		return desk.Forbidden("only admins change settings")
	}
	var v desk.Validation
	in.HelpdeskName = strings.TrimSpace(in.HelpdeskName)
	if utf8.RuneCountInString(in.HelpdeskName) > 100 || strings.ContainsAny(in.HelpdeskName, "\x00\r\n") {
		v.Add("helpdesk_name", "is too long or contains invalid characters")
	}
	found := false
	for _, l := range s.bundle.Locales() {
		if l == in.DefaultLocale {
			found = true
		}
	}
	if !found {
		v.Add("default_locale", "is not a supported language")
	}
	if in.DefaultTimeZone == "" || in.DefaultTimeZone == "Local" || len(in.DefaultTimeZone) > 64 {
		v.Add("default_time_zone", "is not a valid time zone")
	} else if _, err := time.LoadLocation(in.DefaultTimeZone); err != nil {
		v.Add("default_time_zone", "is not a valid time zone")
	}
	if err := v.Err(); err != nil {
		return err
	}
	err = s.d.DB.InTx(ctx, func(tx *store.Tx) error {
		for k, val := range map[string]string{SettingHelpdeskName: in.HelpdeskName, SettingDefaultLocale: in.DefaultLocale, SettingDefaultTimeZone: in.DefaultTimeZone} {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, val); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.settingsMu.Lock()
	s.settings = nil
	s.settingsMu.Unlock()
	return nil
}
