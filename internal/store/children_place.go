package store

import "context"

// PlacementProblem returns what is wrong, if anything, with where actor
// puts a child: registering it (c.ID 0) in c.LAID (0: an LA user's own
// LA), or moving registered child c.ID there. It is the rule CreateChild,
// UpdateChild and ImportChildren apply (placeChild, moveChild), for a route
// that has found problems of its own (child.Validate's, a date it could not
// read) and reports every problem in one round rather than stopping before
// the store. It writes nothing; a child out of scope is not_found, audited
// as refused, as for every other reading of it.
func (s *Store) PlacementProblem(ctx context.Context, actor Actor, c Child) (string, error) {
	action := "child.update"
	if c.ID == 0 {
		action = "child.create"
	}
	bad := map[string]string{}
	err := s.childWrite(ctx, actor, action, c.ID, func(t *tx) error {
		if c.ID == 0 {
			return t.placeChild(ctx, actor, &c, bad)
		}
		cur, err := t.childInScope(ctx, actor, c.ID, false)
		if err != nil {
			return err
		}
		return t.moveChild(ctx, actor, cur, &c, bad)
	})
	return bad["la_id"], err
}
