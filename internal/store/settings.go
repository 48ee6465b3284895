package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"dco/internal/errs"
	"dco/internal/send"
)

// Settings are per ICB. The row of ICB 0 holds a setting's default: the
// value every ICB uses until it sets its own (its DCO, on a workflow's
// settings page), which the administrator edits (docs/design.md §6: one database
// may serve a region or the nation, so one ICB's local standards and
// letters must never become another's).

// Setting is a setting as it applies to one ICB: the ICB's own value when
// it has one, else the default.
type Setting struct {
	Key   string
	Value string
	// ICBID is the ICB whose row was read: the ICB asked about when it has
	// its own value, 0 when the value is the default.
	ICBID int64
	// Version is the version of the row read.
	Version int64
	// Own reports whether the row read is the ICB's own: false when the
	// ICB has no value of its own and Value is the default. (Read for ICB
	// 0, the default is its own.)
	Own bool
}

// SaveVersion is the version SetSetting needs to save the ICB's value over
// what was read: the version of the ICB's own row, or 0, which creates that
// row, when what was read was the default.
func (v Setting) SaveVersion() int64 {
	if v.Own {
		return v.Version
	}
	return 0
}

// reader is what settings and an actor's ICB are read through: the store's
// read pool, or a transaction (whose reads see its own writes).
type reader interface {
	query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	queryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// ActorICB returns the ICB an actor belongs to, or 0 when they belong to
// none (dco itself, and a user of no organisation). A DCO's, viewer's or
// administrator's organisation is the ICB; an LA user's ICB is their LA's
// parent, and a provider's or clinician's their organisation's parent.
func (s *Store) ActorICB(ctx context.Context, a Actor) (int64, error) {
	return actorICB(ctx, s, a)
}

func actorICB(ctx context.Context, r reader, a Actor) (int64, error) {
	if isSystem(a) {
		return 0, nil
	}
	org := a.OrgID
	switch a.Role {
	case RoleDCO, RoleViewer, RoleAdmin:
		return a.OrgID, nil
	case RoleLA:
		org = a.LAID
	}
	if org == 0 {
		return 0, nil
	}
	var icb int64
	err := r.queryRow(ctx, "SELECT COALESCE(parent_id, 0) FROM orgs WHERE id = ?", org).Scan(&icb)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, mapErr(err, "find the actor's ICB")
	}
	return icb, nil
}

// errSettingsForbidden refuses a DCO (or anyone else) another ICB's
// settings or the defaults.
func errSettingsForbidden(defaults bool) error {
	if defaults {
		return errs.E(errs.Forbidden, "Only an administrator can change the settings every ICB uses by default")
	}
	return errs.E(errs.Forbidden, "You can only use your own ICB's settings")
}

// maySetting checks that actor may read (write false) or save (write true)
// icbID's settings: dco itself and an administrator any ICB's and the
// defaults; a DCO only their own ICB's; anyone else may read their own
// ICB's and the defaults, and save none. Saving the defaults (icbID 0) is
// for dco itself and the administrator alone.
func maySetting(ctx context.Context, r reader, actor Actor, icbID int64, write bool) error {
	if isSystem(actor) || actor.Role == RoleAdmin {
		return nil
	}
	if write && (icbID == 0 || actor.Role != RoleDCO) {
		return errSettingsForbidden(icbID == 0)
	}
	if icbID == 0 {
		return nil // reading the defaults
	}
	own, err := actorICB(ctx, r, actor)
	if err != nil {
		return err
	}
	if own != icbID {
		return errSettingsForbidden(false)
	}
	return nil
}

// settingsFor reads keys as they apply to icbID: each key's own row for
// the ICB if there is one, else its default (ICB 0). A key with neither
// is left out of the map.
func settingsFor(ctx context.Context, r reader, icbID int64, keys ...string) (map[string]Setting, error) {
	args := []any{icbID}
	for _, k := range keys {
		args = append(args, k)
	}
	rows, err := r.query(ctx, "SELECT key, icb_id, value, version FROM settings WHERE icb_id IN (?, 0) AND key IN "+
		placeholders(len(keys)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Setting{}
	for rows.Next() {
		var v Setting
		if err := rows.Scan(&v.Key, &v.ICBID, &v.Value, &v.Version); err != nil {
			return nil, mapErr(err, "scan setting")
		}
		v.Own = v.ICBID == icbID
		if cur, ok := out[v.Key]; !ok || !cur.Own {
			out[v.Key] = v // the ICB's own row wins over the default
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "read settings")
	}
	return out, nil
}

// Setting returns a setting as it applies to ICB icbID (0 for the
// defaults): the ICB's own value if it has one, else the default, with the
// version of the row read and which it was. It is not_found when neither is
// set, and forbidden when actor may not read that ICB's settings (a DCO
// reads only their own ICB's).
func (s *Store) Setting(ctx context.Context, actor Actor, icbID int64, key string) (Setting, error) {
	if err := maySetting(ctx, s, actor, icbID, false); err != nil {
		return Setting{}, err
	}
	m, err := settingsFor(ctx, s, icbID, key)
	if err != nil {
		return Setting{}, err
	}
	v, ok := m[key]
	if !ok {
		return Setting{}, errs.E(errs.NotFound, "No such setting")
	}
	return v, nil
}

// SetSetting saves ICB icbID's own value of a setting (icbID 0: the
// default), never another ICB's row nor, for an ICB, the default. version
// is the version of the ICB's own row as read (Setting.SaveVersion): 0
// creates the row (a conflict if it exists); a stale version is a conflict
// and nothing is written. A DCO may save only their own ICB's settings;
// the defaults are for dco itself and the administrator; a refusal is
// audited. Audited "setting.update" with the key and the ICB, not the
// value.
func (s *Store) SetSetting(ctx context.Context, actor Actor, icbID int64, key, value string, version int64) error {
	const action = "setting.update"
	key = strings.TrimSpace(key)
	if key == "" || len(key) > 100 {
		return errs.InvalidFields(map[string]string{"key": "Enter a setting name of 100 characters or fewer"})
	}
	if icbID < 0 {
		return errs.E(errs.Invalid, "No such ICB")
	}
	at := fmtTime(s.now())
	err := s.write(ctx, func(t *tx) error {
		if err := maySetting(ctx, t, actor, icbID, true); err != nil {
			return &refusal{err}
		}
		if icbID != 0 {
			kind, err := t.orgKind(ctx, icbID)
			if err != nil {
				return err
			}
			if kind != OrgICB {
				return errs.E(errs.Invalid, "No such ICB")
			}
		}
		if version == 0 {
			if _, err := t.exec(ctx, "INSERT INTO settings (icb_id, key, value, version, updated_at) VALUES (?, ?, ?, 1, ?)",
				icbID, key, value, at); err != nil {
				if errs.Is(err, errs.Conflict) {
					return errStale()
				}
				return err
			}
		} else {
			n, err := t.execN(ctx, "UPDATE settings SET value = ?, version = version + 1, updated_at = ? WHERE icb_id = ? AND key = ? AND version = ?",
				value, at, icbID, key, version)
			if err != nil {
				return err
			}
			if n != 1 {
				return errStale()
			}
		}
		if err := t.runSettingHooks(ctx, icbID, key); err != nil {
			return err
		}
		return t.appendAudit(ctx, entry(actor, action, "setting", 0, 0, OutcomeOK, fmt.Sprintf("key=%s icb=%d", key, icbID)))
	})
	var r *refusal
	if errors.As(err, &r) {
		s.refuse(ctx, actor, action, "setting", 0, 0)
		return r.err
	}
	return err
}

// AddBankHolidays stores holidays, leaving alone any date already stored,
// and returns how many were added. Audited "bank_holidays.add".
func (s *Store) AddBankHolidays(ctx context.Context, actor Actor, hs []send.Holiday) (added int, err error) {
	for i, h := range hs {
		if h.Date.IsZero() || strings.TrimSpace(h.Title) == "" {
			return 0, errs.E(errs.Invalid, "Holiday %d needs a date and a title", i+1)
		}
	}
	err = s.write(ctx, func(t *tx) error {
		added = 0
		for _, h := range hs {
			n, err := t.execN(ctx, "INSERT INTO bank_holidays (date, title) VALUES (?, ?) ON CONFLICT (date) DO NOTHING",
				h.Date.String(), strings.TrimSpace(h.Title))
			if err != nil {
				return err
			}
			added += int(n)
		}
		return t.appendAudit(ctx, entry(actor, "bank_holidays.add", "bank_holiday", 0, 0, OutcomeOK, fmt.Sprintf("added=%d", added)))
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// BankHolidays returns every stored holiday, by date.
func (s *Store) BankHolidays(ctx context.Context) ([]send.Holiday, error) {
	rows, err := s.query(ctx, "SELECT date, title FROM bank_holidays ORDER BY date")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []send.Holiday
	for rows.Next() {
		var d, title string
		if err := rows.Scan(&d, &title); err != nil {
			return nil, mapErr(err, "scan bank holiday")
		}
		date, err := send.ParseDate(d)
		if err != nil {
			return nil, fmt.Errorf("bank holiday %q: %w", d, err)
		}
		out = append(out, send.Holiday{Date: date, Title: title})
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "read bank holidays")
	}
	return out, nil
}
