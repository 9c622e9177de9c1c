package web

import (
	"context"
	"errors"
	"strings"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Settings are the help desk's general settings, kept in the settings table.
type Settings struct {
	HelpdeskName    string
	DefaultLocale   string
	DefaultTimeZone string
	// AssignOnSolve is Zendesk's "assign tickets upon solve".
	AssignOnSolve bool
	// RedactCards redacts payment-card numbers in customers' messages.
	RedactCards bool
	// ShareableLinks lets staff make shareable ticket links (p9-share;
	// off by default).
	ShareableLinks bool
}

// Setting keys.
const (
	SettingHelpdeskName    = settings.KeyHelpdeskName
	SettingDefaultLocale   = settings.KeyDefaultLocale
	SettingDefaultTimeZone = settings.KeyDefaultTimeZone
)

// settingsSvc is the settings service (an uncached one when none is set).
func (s *Server) settingsSvc() *settings.Service {
	return settings.Or(s.d.Settings, s.d.DB, s.d.Events)
}

// currentSettings returns the settings (cached by the settings service).
// They only label pages, so a failed read is logged and the pages use the
// declared defaults rather than fail.
func (s *Server) currentSettings(ctx context.Context) Settings {
	st := s.settingsSvc()
	set := Settings{HelpdeskName: settings.HelpdeskName.Default(), DefaultLocale: settings.DefaultLocale.Default(),
		DefaultTimeZone: settings.DefaultTimeZone.Default(), AssignOnSolve: settings.AssignOnSolve.Default(),
		RedactCards: settings.RedactCardNumbers.Default(), ShareableLinks: settings.ShareableLinks.Default()}
	name, err1 := settings.HelpdeskName.Get(ctx, st)
	loc, err2 := settings.DefaultLocale.Get(ctx, st)
	tz, err3 := settings.DefaultTimeZone.Get(ctx, st)
	assign, err4 := settings.AssignOnSolve.Get(ctx, st)
	cards, err5 := settings.RedactCardNumbers.Get(ctx, st)
	share, err6 := settings.ShareableLinks.Get(ctx, st)
	if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
		s.log.Warn("web: reading settings; showing the defaults", "err", err)
		return set
	}
	return Settings{HelpdeskName: name, DefaultLocale: loc, DefaultTimeZone: tz, AssignOnSolve: assign, RedactCards: cards, ShareableLinks: share}
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
	if settings.HelpdeskName.Validate(in.HelpdeskName) != nil {
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
	if settings.DefaultTimeZone.Validate(in.DefaultTimeZone) != nil {
		v.Add("default_time_zone", "is not a valid time zone")
	}
	if err := v.Err(); err != nil {
		return err
	}
	st := s.settingsSvc()
	return s.d.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := settings.HelpdeskName.SetTx(ctx, st, tx, in.HelpdeskName); err != nil {
			return err
		}
		if err := settings.DefaultLocale.SetTx(ctx, st, tx, in.DefaultLocale); err != nil {
			return err
		}
		if err := settings.AssignOnSolve.SetTx(ctx, st, tx, in.AssignOnSolve); err != nil {
			return err
		}
		if err := settings.RedactCardNumbers.SetTx(ctx, st, tx, in.RedactCards); err != nil {
			return err
		}
		if err := settings.ShareableLinks.SetTx(ctx, st, tx, in.ShareableLinks); err != nil {
			return err
		}
		return settings.DefaultTimeZone.SetTx(ctx, st, tx, in.DefaultTimeZone)
	})
}
