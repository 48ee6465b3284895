package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// escapeLike escapes LIKE's wildcards; queries use ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// searchWhere turns a filter into SQL conditions on children aliased c.
func searchWhere(f ChildFilter) (string, []any) {
	var where []string
	var args []any
	if q := strings.TrimSpace(f.Query); q != "" {
		digits := strings.NewReplacer(" ", "", "-", "").Replace(q)
		if digits != "" && strings.Trim(digits, "0123456789") == "" {
			if len(digits) == 10 {
				where, args = append(where, "c.nhs_number = ?"), append(args, digits)
			} else {
				where, args = append(where, `c.nhs_number LIKE ? ESCAPE '\'`), append(args, escapeLike(digits)+"%")
			}
		} else {
			where, args = append(where, `c.search_name LIKE ? ESCAPE '\'`), append(args, "%"+escapeLike(nameKey(q))+"%")
		}
	}
	if !f.DateOfBirth.IsZero() {
		where, args = append(where, "c.date_of_birth = ?"), append(args, f.DateOfBirth.String())
	}
	if f.LAID != 0 {
		where, args = append(where, "c.la_id = ?"), append(args, f.LAID)
	}
	if len(where) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(where, " AND "), args
}

// SearchChildren returns a page of the children the actor may see that match
// the filter, ordered by family name, given name and id, and how many match
// in all. Query matches an NHS number (whole, or its first digits) or a
// fragment of "given family", in any case. Audited "child.search" with the
// count and the children on the page (withChildren), so that each one's
// access log shows the search.
func (s *Store) SearchChildren(ctx context.Context, actor Actor, f ChildFilter) ([]Child, int, error) {
	const action = "child.search"
	var out []Child
	var total int
	err := s.childWrite(ctx, actor, action, 0, func(t *tx) error {
		scope, sargs, err := scopeOf(actor)
		if err != nil {
			return err
		}
		where, args := searchWhere(f)
		where = scope + " AND " + where
		args = append(sargs, args...)
		if err := t.queryRow(ctx, "SELECT count(*) FROM children c WHERE "+where, args...).Scan(&total); err != nil {
			return mapErr(err, "count children")
		}
		limit, offset := pageOf(f.Limit, f.Offset)
		if total > offset {
			rows, err := t.query(ctx, "SELECT "+childColumns+childFrom+" WHERE "+where+
				" ORDER BY c.family_key, c.given_key, c.id LIMIT ? OFFSET ?", append(args, limit, offset)...)
			if err != nil {
				return err
			}
			if out, err = scanChildren(rows); err != nil {
				return err
			}
		}
		return t.appendAudit(ctx, entry(actor, action, "child", 0, 0, OutcomeOK, fmt.Sprintf("results=%d", total)).
			withChildren(childIDs(out, func(c Child) int64 { return c.ID })))
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// FindDuplicates returns the children the actor may see that may be c: the
// same NHS number, or the same family name, given name (in any case) and
// date of birth; c itself (by c.ID) is left out. When c.ID names a child the
// actor may not see, it is not_found and audited as refused. Audited
// "child.duplicates" with the count and the children found.
func (s *Store) FindDuplicates(ctx context.Context, actor Actor, c Child) ([]Child, error) {
	const action = "child.duplicates"
	var out []Child
	err := s.childWrite(ctx, actor, action, c.ID, func(t *tx) error {
		scope, args, err := scopeOf(actor)
		if err != nil {
			return err
		}
		if c.ID != 0 {
			if _, err := t.childInScope(ctx, actor, c.ID, false); err != nil {
				return err
			}
		}
		nhs := strings.NewReplacer(" ", "", "-", "").Replace(string(c.NHSNumber))
		rows, err := t.query(ctx, "SELECT "+childColumns+childFrom+" WHERE "+scope+
			` AND c.id <> ? AND (c.nhs_number = ? OR (c.family_key = ? AND c.given_key = ? AND c.date_of_birth = ?))
			ORDER BY c.family_key, c.given_key, c.id LIMIT 100`,
			append(args, c.ID, nhs, nameKey(c.FamilyName), nameKey(c.GivenName), c.DateOfBirth.String())...)
		if err != nil {
			return err
		}
		if out, err = scanChildren(rows); err != nil {
			return err
		}
		return t.appendAudit(ctx, entry(actor, action, "child", c.ID, c.ID, OutcomeOK, fmt.Sprintf("results=%d", len(out))).
			withChildren(childIDs(out, func(d Child) int64 { return d.ID })))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CountChildren returns how many children the actor may see. It reads no
// record, so it is not audited; viewer and admin are forbidden, as for every
// other child method.
func (s *Store) CountChildren(ctx context.Context, actor Actor) (int, error) {
	scope, args, err := scopeOf(actor)
	if err != nil {
		var r *refusal
		if errors.As(err, &r) {
			return 0, r.err
		}
		return 0, err
	}
	var n int
	if err := s.queryRow(ctx, "SELECT count(*) FROM children c WHERE "+scope, args...).Scan(&n); err != nil {
		return 0, mapErr(err, "count children")
	}
	return n, nil
}
