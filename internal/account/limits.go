package account

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
)

// SettingSessions is the settings key holding the session lifetimes an admin
// chose (JSON, whole minutes). Absent fields, or no row at all, fall back to
// Service.Config and then DefaultConfig.
const SettingSessions = settings.KeySessionLimits

// Bounds of the lifetimes an admin may choose.
var (
	MinIdle     = 5 * time.Minute
	MaxIdle     = 30 * 24 * time.Hour
	MinAbsolute = time.Hour
	MaxAbsolute = 365 * 24 * time.Hour
)

type storedLimits struct {
	StaffIdle     int64 `json:"staff_idle_minutes,omitempty"`
	StaffAbsolute int64 `json:"staff_absolute_minutes,omitempty"`
	UserIdle      int64 `json:"user_idle_minutes,omitempty"`
	UserAbsolute  int64 `json:"user_absolute_minutes,omitempty"`
}

// ValidateLimits checks lifetimes an admin chose: every one set, idle
// limits within [MinIdle, MaxIdle], absolute ones within [MinAbsolute,
// MaxAbsolute], and no idle limit longer than its absolute limit. Field
// names of the error are those of the stored JSON.
func ValidateLimits(c Config) error {
	var v desk.Validation
	check := func(field string, d, lo, hi time.Duration) {
		if d < lo || d > hi {
			v.Add(field, fmt.Sprintf("must be between %d and %d minutes", int64(lo/time.Minute), int64(hi/time.Minute)))
		}
	}
	check("staff_idle", c.StaffIdle, MinIdle, MaxIdle)
	check("staff_absolute", c.StaffAbsolute, MinAbsolute, MaxAbsolute)
	check("user_idle", c.UserIdle, MinIdle, MaxIdle)
	check("user_absolute", c.UserAbsolute, MinAbsolute, MaxAbsolute)
	if c.StaffIdle > c.StaffAbsolute && c.StaffAbsolute >= MinAbsolute {
		v.Add("staff_idle", "must not be longer than the absolute limit")
	}
	if c.UserIdle > c.UserAbsolute && c.UserAbsolute >= MinAbsolute {
		v.Add("user_idle", "must not be longer than the absolute limit")
	}
	return v.Err()
}

// SessionLimits returns the session lifetimes in force: the stored ones
// (through the settings cache) over Config over DefaultConfig. When the
// stored ones cannot be read it returns the shortest of the configured and
// the last stored lifetimes it saw, so a failed read never lengthens a
// session an admin limited; SessionLimitsErr reports the failure.
func (s *Service) SessionLimits(ctx context.Context) Config {
	c, err := s.SessionLimitsErr(ctx)
	if err != nil {
		s.limMu.Lock()
		last, ok := s.limCfg, s.limOK
		s.limMu.Unlock()
		if ok {
			c = Config{StaffIdle: min(c.StaffIdle, last.StaffIdle), StaffAbsolute: min(c.StaffAbsolute, last.StaffAbsolute),
				UserIdle: min(c.UserIdle, last.UserIdle), UserAbsolute: min(c.UserAbsolute, last.UserAbsolute)}
		}
	}
	return c
}

// SessionLimitsErr is SessionLimits with the read error: on error it
// returns the configured lifetimes and the error.
func (s *Service) SessionLimitsErr(ctx context.Context) (Config, error) {
	c, d := s.Config, DefaultConfig
	c = Config{StaffIdle: or(c.StaffIdle, d.StaffIdle), StaffAbsolute: or(c.StaffAbsolute, d.StaffAbsolute),
		UserIdle: or(c.UserIdle, d.UserIdle), UserAbsolute: or(c.UserAbsolute, d.UserAbsolute)}
	raw, err := settings.SessionLimits.Get(ctx, s.settingsSvc())
	if err != nil {
		return c, fmt.Errorf("account: reading the session lifetimes: %w", err)
	}
	if raw != nil {
		var st storedLimits
		if err := json.Unmarshal(raw, &st); err != nil {
			return c, fmt.Errorf("account: the stored session lifetimes: %w: %v", settings.ErrCorrupt, err)
		}
		c.StaffIdle = or(time.Duration(st.StaffIdle)*time.Minute, c.StaffIdle)
		c.StaffAbsolute = or(time.Duration(st.StaffAbsolute)*time.Minute, c.StaffAbsolute)
		c.UserIdle = or(time.Duration(st.UserIdle)*time.Minute, c.UserIdle)
		c.UserAbsolute = or(time.Duration(st.UserAbsolute)*time.Minute, c.UserAbsolute)
	}
	s.limMu.Lock()
	s.limCfg, s.limOK = c, true
	s.limMu.Unlock()
	return c, nil
}

func (s *Service) settingsSvc() *settings.Service {
	return settings.Or(s.Settings, s.DB, nil)
}

// SetSessionLimits stores the session lifetimes (admins only; see
// ValidateLimits). Shorter limits apply to existing sessions too, from
// their next request (a longer absolute limit only to new sessions, whose
// expiry is fixed at sign-in); this process sees them at once.
func (s *Service) SetSessionLimits(ctx context.Context, c Config) error {
	p, err := desk.RequirePrincipal(ctx)
	if err != nil {
		return err
	}
	if !p.IsAdmin() {
		return desk.Forbidden("Only admins can change session lifetimes")
	}
	if err := ValidateLimits(c); err != nil {
		return err
	}
	b, _ := json.Marshal(storedLimits{
		StaffIdle: int64(c.StaffIdle / time.Minute), StaffAbsolute: int64(c.StaffAbsolute / time.Minute),
		UserIdle: int64(c.UserIdle / time.Minute), UserAbsolute: int64(c.UserAbsolute / time.Minute),
	})
	return settings.SessionLimits.Set(ctx, s.settingsSvc(), b)
}
