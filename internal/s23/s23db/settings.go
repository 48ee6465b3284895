package s23db

import (
	"context"
	"strings"

	"dco/internal/s23"
)

// Config is an ICB's Section 23 configuration, from its settings (its
// own values, else the defaults), with dco's defaults filled in for
// anything unset or unreadable.
type Config struct {
	StandardDays    int
	AckStandardDays int
	ParentLetter    string
	LANotification  string
}

// Settings reads the Section 23 settings that apply to ICB icbID: the
// ICB's own where it has set them, else the defaults (ICB 0). Pass the ICB
// the figures or the letter are for: a notification's own ICB for its
// letters and status, the actor's ICB (store.Store.ActorICB) for their lists.
func (s *DB) Settings(ctx context.Context, icbID int64) (Config, error) {
	c := Config{
		StandardDays:    s23.DefaultStandardDays,
		AckStandardDays: s23.DefaultAckStandardDays,
		ParentLetter:    s23.DefaultParentLetter,
		LANotification:  s23.DefaultLANotification,
	}
	m, err := s.st.SettingsFor(ctx, icbID, s23.SettingStandardDays, s23.SettingAckStandardDays,
		s23.SettingParentLetter, s23.SettingLANotification)
	if err != nil {
		return Config{}, err
	}
	if v, ok := m[s23.SettingStandardDays]; ok {
		c.StandardDays, _ = s23.ParseStandard(v.Value, c.StandardDays)
	}
	if v, ok := m[s23.SettingAckStandardDays]; ok {
		c.AckStandardDays, _ = s23.ParseStandard(v.Value, c.AckStandardDays)
	}
	if v, ok := m[s23.SettingParentLetter]; ok && strings.TrimSpace(v.Value) != "" {
		c.ParentLetter = v.Value
	}
	if v, ok := m[s23.SettingLANotification]; ok && strings.TrimSpace(v.Value) != "" {
		c.LANotification = v.Value
	}
	return c, nil
}
