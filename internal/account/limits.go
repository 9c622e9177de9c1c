package account

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/frontdesk/frontdesk/internal/desk"
)

// SettingSessions is the settings key holding the session lifetimes an admin
// chose (JSON, whole minutes). Absent fields, or no row at all, fall back to
// Service.Config and then DefaultConfig.
const SettingSessions = "security.sessions"

// SessionSettingsTTL is how long a process trusts its copy of the stored
// lifetimes; a change made through another process applies within it.
const SessionSettingsTTL = 30 * time.Second

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
// (cached for SessionSettingsTTL) over Config over DefaultConfig. A store
// error leaves the configured lifetimes in force.
func (s *Service) SessionLimits(ctx context.Context) Config {
	now := s.now()
	s.limMu.Lock()
	if s.limOK && now.Sub(s.limAt) < SessionSettingsTTL && !now.Before(s.limAt) {
		c := s.limCfg
		s.limMu.Unlock()
		return c
	}
	s.limMu.Unlock()
	c, d := s.Config, DefaultConfig
	c = Config{StaffIdle: or(c.StaffIdle, d.StaffIdle), StaffAbsolute: or(c.StaffAbsolute, d.StaffAbsolute),
		UserIdle: or(c.UserIdle, d.UserIdle), UserAbsolute: or(c.UserAbsolute, d.UserAbsolute)}
	var raw string
	err := s.DB.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, SettingSessions).Scan(&raw)
	if err != nil && !isNoRows(err) {
		return c // not cached: try again next time
	}
	if err == nil {
		var st storedLimits
		if json.Unmarshal([]byte(raw), &st) == nil {
			c.StaffIdle = or(time.Duration(st.StaffIdle)*time.Minute, c.StaffIdle)
			c.StaffAbsolute = or(time.Duration(st.StaffAbsolute)*time.Minute, c.StaffAbsolute)
			c.UserIdle = or(time.Duration(st.UserIdle)*time.Minute, c.UserIdle)
			c.UserAbsolute = or(time.Duration(st.UserAbsolute)*time.Minute, c.UserAbsolute)
		}
	}
	s.limMu.Lock()
	s.limCfg, s.limAt, s.limOK = c, now, true
	s.limMu.Unlock()
	return c
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
	if _, err := s.DB.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, SettingSessions, string(b)); err != nil {
		return err
	}
	s.limMu.Lock()
	s.limOK = false
	s.limMu.Unlock()
	return nil
}
