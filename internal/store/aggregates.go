package store

import (
	"context"
	"errors"
)

// aggregateScope is scopeOf for counts: the viewer (a board member) may see
// counts across the ICB though never a record, so for counting alone the
// viewer has the DCO's scope. Admins see no case data, not even counts.
func aggregateScope(a Actor) (string, []any, error) {
	if a.Role == RoleViewer {
		a.Role = RoleDCO
	}
	scope, args, err := scopeOf(a)
	if err != nil {
		var r *refusal
		if errors.As(err, &r) {
			return "", nil, r.err
		}
		return "", nil, err
	}
	return scope, args, nil
}

// CountChildrenByLA returns how many children the actor may count in each
// local authority, keyed by the LA's organisation id. It reads no child's
// details, so it is not a record access and is not audited; a page that
// shows the counts outside the ICB must suppress 1 to 4 (docs/design.md §5).
func (s *Store) CountChildrenByLA(ctx context.Context, actor Actor) (map[int64]int, error) {
	scope, args, err := aggregateScope(actor)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT c.la_id, count(*) FROM children c WHERE "+scope+" GROUP BY c.la_id", args...)
	if err != nil {
		return nil, mapErr(err, "count children by la")
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var la int64
		var n int
		if err := rows.Scan(&la, &n); err != nil {
			return nil, mapErr(err, "count children by la")
		}
		out[la] = n
	}
	return out, mapErr(rows.Err(), "count children by la")
}
