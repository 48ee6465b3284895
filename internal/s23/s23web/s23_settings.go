package s23web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"dco/internal/errs"
	"dco/internal/s23"
	"dco/internal/store"
	"dco/internal/web"
)

// s23SettingsPage is the DCO's settings for notifications: their ICB's own
// values, or the defaults where the ICB has not set its own.
type s23SettingsPage struct {
	web.Page
	Standard, AckDays             string
	ParentLetter, LANotification  string
	Versions                      map[string]int64
	Fields                        []s23.Field
	StandardErr, AckErr           string
	ParentLetterErr, LANotifErr   string
	DefaultParent, DefaultLANotif string
	// ICBName is the ICB whose values the page edits (icb); NoICB is set
	// when the DCO belongs to no ICB, who sees the defaults and cannot save
	// them.
	icb     int64
	ICBName string
	NoICB   bool
	// Own says of each setting whether the ICB has its own value (false:
	// the default every ICB uses until it sets its own).
	Own map[string]bool
}

// s23SettingKeys are the settings the page edits, in its order.
var s23SettingKeys = []string{s23.SettingStandardDays, s23.SettingAckStandardDays, s23.SettingParentLetter, s23.SettingLANotification}

// s23SettingsLoad reads the settings of the DCO's ICB. Each version is the
// version of the ICB's own row, or 0 where the ICB has none, so that saving
// creates the ICB's own row and never changes the default.
func (s *Web) s23SettingsLoad(ctx context.Context, actor store.Actor) (*s23SettingsPage, error) {
	icb, err := s.Store().ActorICB(ctx, actor)
	if err != nil {
		return nil, err
	}
	cfg, err := s.db.Settings(ctx, icb)
	if err != nil {
		return nil, err
	}
	p := &s23SettingsPage{
		Standard: strconv.Itoa(cfg.StandardDays), AckDays: strconv.Itoa(cfg.AckStandardDays),
		ParentLetter: cfg.ParentLetter, LANotification: cfg.LANotification,
		Versions: map[string]int64{}, Own: map[string]bool{}, Fields: s23.Fields,
		DefaultParent: s23.DefaultParentLetter, DefaultLANotif: s23.DefaultLANotification,
		icb: icb, NoICB: icb == 0,
	}
	if icb != 0 {
		o, err := s.Store().GetOrg(ctx, icb)
		if err != nil {
			return nil, err
		}
		p.ICBName = o.Name
	}
	for _, k := range s23SettingKeys {
		v, err := s.Store().Setting(ctx, actor, icb, k)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		p.Versions[k], p.Own[k] = v.SaveVersion(), icb != 0 && v.Own
	}
	p.Title = "Notification settings"
	p.Back, p.BackText = "/s23-notifications", "Notifications"
	return p, nil
}

func (s *Web) s23SettingsForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.s23SettingsLoad(r.Context(), s.Actor(r))
	s.Show(w, r, "s23_settings.html", p, err)
}

// s23SettingsSave saves what changed as the DCO's ICB's own values; what
// did not change stays as it was, the ICB's own or the default. Each
// setting carries the version it was read at, so two DCOs saving at once
// cannot overwrite each other unnoticed. A template naming a field that
// does not exist is refused, so a typing slip cannot reach a family's
// letter.
func (s *Web) s23SettingsSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	cur, err := s.s23SettingsLoad(ctx, actor)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p := *cur
	p.Versions = map[string]int64{}
	for _, k := range s23SettingKeys {
		p.Versions[k], _ = strconv.ParseInt(r.PostFormValue(k+"-version"), 10, 64)
	}
	p.Standard = strings.TrimSpace(r.PostFormValue(s23.SettingStandardDays))
	p.AckDays = strings.TrimSpace(r.PostFormValue(s23.SettingAckStandardDays))
	p.ParentLetter = strings.ReplaceAll(r.PostFormValue(s23.SettingParentLetter), "\r\n", "\n")
	p.LANotification = strings.ReplaceAll(r.PostFormValue(s23.SettingLANotification), "\r\n", "\n")
	bad := map[string]string{}
	if _, ok := s23.ParseStandard(p.Standard, 0); !ok {
		bad[s23.SettingStandardDays] = "Enter the local standard as a whole number of days from 1 to 365"
	}
	if _, ok := s23.ParseStandard(p.AckDays, 0); !ok {
		bad[s23.SettingAckStandardDays] = "Enter the acknowledgement standard as a whole number of days from 1 to 365"
	}
	tmpl := func(key, label, v string) {
		switch {
		case strings.TrimSpace(v) == "":
			bad[key] = "Enter the " + label + " (the default text is shown below it)"
		case len(v) > 20000:
			bad[key] = "The " + label + " must be 20,000 characters or fewer"
		default:
			if u := s23.UnknownFields(v); len(u) > 0 {
				bad[key] = "The " + label + " uses {{" + strings.Join(u, "}}, {{") + "}}, which dco does not know: use the fields listed"
			}
		}
	}
	tmpl(s23.SettingParentLetter, "parent letter", p.ParentLetter)
	tmpl(s23.SettingLANotification, "LA notification", p.LANotification)
	reshow := func(status int, fields map[string]string) {
		p.StandardErr, p.AckErr = fields[s23.SettingStandardDays], fields[s23.SettingAckStandardDays]
		p.ParentLetterErr, p.LANotifErr = fields[s23.SettingParentLetter], fields[s23.SettingLANotification]
		p.SetErrors(fields, s23SettingKeys, nil)
		s.Render(w, r, status, "s23_settings.html", &p)
	}
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	values := map[string]string{
		s23.SettingStandardDays: p.Standard, s23.SettingAckStandardDays: p.AckDays,
		s23.SettingParentLetter: p.ParentLetter, s23.SettingLANotification: p.LANotification,
	}
	was := map[string]string{
		s23.SettingStandardDays: cur.Standard, s23.SettingAckStandardDays: cur.AckDays,
		s23.SettingParentLetter: cur.ParentLetter, s23.SettingLANotification: cur.LANotification,
	}
	for _, k := range s23SettingKeys {
		if values[k] == was[k] && p.Versions[k] == cur.Versions[k] {
			continue // unchanged: no write, no audit row
		}
		if err := s.Store().SetSetting(ctx, actor, cur.icb, k, values[k], p.Versions[k]); err != nil {
			if fresh, ferr := s.s23SettingsLoad(ctx, actor); ferr == nil {
				p.Versions = fresh.Versions
			}
			s.FailForm(w, r, web.StaleToMessage(err), reshow)
			return
		}
	}
	s.SetFlash(w, r, flashS23Settings)
	http.Redirect(w, r, "/s23-notifications/settings", http.StatusSeeOther)
}
