package s23db

import (
	"context"

	"dco/internal/errs"
	"dco/internal/store"
)

// Get returns a notification the actor may see. Audited "s23.view"
// against the child; one out of scope is not_found and audited as refused.
func (s *DB) Get(ctx context.Context, actor store.Actor, id int64) (Notification, error) {
	return s.getS23(ctx, actor, id, ActionView, "")
}

// GetLetter returns a notification for printing one of its letters
// (LetterParent or LetterLA). Audited "s23.letter_view".
func (s *DB) GetLetter(ctx context.Context, actor store.Actor, id int64, letter string) (Notification, error) {
	if letter != LetterParent && letter != LetterLA {
		return Notification{}, errs.E(errs.NotFound, "No such letter")
	}
	return s.getS23(ctx, actor, id, ActionLetterView, "letter="+letter)
}

func (s *DB) getS23(ctx context.Context, actor store.Actor, id int64, action, detail string) (Notification, error) {
	var n Notification
	err := s.s23Write(ctx, actor, action, id, func(t *store.Tx) error {
		var err error
		if n, err = s23InScope(ctx, t, actor, id, false); err != nil {
			return err
		}
		if n.Others, err = s23Others(ctx, t, actor, n); err != nil {
			return err
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, s23ObjectType, id, n.ChildID, store.OutcomeOK, detail))
	})
	if err != nil {
		return Notification{}, err
	}
	return n, nil
}

// s23Others counts the other notifications of n's child that actor may see.
func s23Others(ctx context.Context, t *store.Tx, actor store.Actor, n Notification) (int, error) {
	scope, args, err := s23Scope(actor, "d")
	if err != nil {
		return 0, err
	}
	var others int
	err = t.QueryRow(ctx, "SELECT count(*) FROM s23_notifications d WHERE d.child_id = ? AND d.id <> ? AND "+scope,
		append([]any{n.ChildID, n.ID}, args...)...).Scan(&others)
	return others, store.MapErr(err, "count notifications")
}
