package store

import (
	"context"
	"fmt"
	"strings"

	"dco/internal/errs"
	"dco/internal/send"
)

// Setting returns a setting's value and version; not_found if it is unset.
func (s *Store) Setting(ctx context.Context, key string) (value string, version int64, err error) {
	if err := s.queryRow(ctx, "SELECT value, version FROM settings WHERE key = ?", key).Scan(&value, &version); err != nil {
		return "", 0, scanErr(err, "No such setting")
	}
	return value, version, nil
}

// SetSetting saves a setting. version is the version read: 0 creates the
// setting (a conflict if it exists); a stale version is a conflict and
// nothing is written. Audited "setting.update" with the key, not the value.
func (s *Store) SetSetting(ctx context.Context, actor Actor, key, value string, version int64) error {
	key = strings.TrimSpace(key)
	if key == "" || len(key) > 100 {
		return errs.InvalidFields(map[string]string{"key": "Enter a setting name of 100 characters or fewer"})
	}
	at := fmtTime(s.now())
	return s.write(ctx, func(t *tx) error {
		if version == 0 {
			if _, err := t.exec(ctx, "INSERT INTO settings (key, value, version, updated_at) VALUES (?, ?, 1, ?)", key, value, at); err != nil {
				if errs.Is(err, errs.Conflict) {
					return errStale()
				}
				return err
			}
		} else {
			n, err := t.execN(ctx, "UPDATE settings SET value = ?, version = version + 1, updated_at = ? WHERE key = ? AND version = ?",
				value, at, key, version)
			if err != nil {
				return err
			}
			if n != 1 {
				return errStale()
			}
		}
		return t.appendAudit(ctx, entry(actor, "setting.update", "setting", 0, 0, OutcomeOK, "key="+key))
	})
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
