package s23db

import (
	"context"

	"dco/internal/errs"
	"dco/internal/s23"
	"dco/internal/send"
	"dco/internal/store"
)

// Acknowledge records that the LA acknowledged a notification on the
// date given (today when zero). An LA acknowledges what it was sent; a DCO
// may record an acknowledgement the LA gave another way. version must be
// the version read. Acknowledging twice is a conflict. Audited
// "s23.acknowledge" against the child. On success it returns the
// notification as saved.
func (s *DB) Acknowledge(ctx context.Context, actor store.Actor, id, version int64, on send.Date) (Notification, error) {
	if !store.IsSystem(actor) && actor.Role != store.RoleLA && actor.Role != store.RoleDCO {
		s.st.Refuse(ctx, actor, ActionAcknowledge, s23ObjectType, id, 0)
		return Notification{}, errs.E(errs.Forbidden, "Only the local authority notified can acknowledge a notification")
	}
	return s.s23RecordDate(ctx, actor, ActionAcknowledge, id, version, on, "", func(n *Notification, on, today send.Date) error {
		if !n.Steps.AcknowledgedOn.IsZero() {
			return errs.E(errs.Conflict, "This notification was already acknowledged on %s", n.Steps.AcknowledgedOn.Long())
		}
		if n.Steps.LANotifiedOn.IsZero() {
			return errs.InvalidFields(map[string]string{s23.FieldAcknowledged: "A notification cannot be acknowledged before the LA is notified"})
		}
		n.Steps.AcknowledgedOn, n.AcknowledgedBy = on, actor.UserID
		if msg, ok := n.Steps.Check(n.Kind, today)[s23.FieldAcknowledged]; ok {
			return errs.InvalidFields(map[string]string{s23.FieldAcknowledged: msg})
		}
		return nil
	})
}

// s23RecordDate is the one transaction that records a date on a
// notification (an acknowledgement, a letter sent; on is today when zero):
// the notification read in scope and locked, its version checked, change
// made and checked, then saved with its deadlines and audited as action
// with detail before what changed.
func (s *DB) s23RecordDate(ctx context.Context, actor store.Actor, action string, id, version int64, on send.Date, detail string,
	change func(n *Notification, on, today send.Date) error) (Notification, error) {
	now := s.st.Clock()
	at := store.FmtTime(now)
	today := send.Today(now)
	if on.IsZero() {
		on = today
	}
	var n Notification
	err := s.s23Write(ctx, actor, action, id, func(t *store.Tx) error {
		var err error
		if n, err = s23InScope(ctx, t, actor, id, true); err != nil {
			return err
		}
		if n.Version != version {
			return store.ErrStale()
		}
		cur := n
		if err := change(&n, on, today); err != nil {
			return err
		}
		if err := saveS23(ctx, t, &n, at); err != nil {
			return err
		}
		if err := syncDeadlines(ctx, t, n, nil); err != nil {
			return err
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, s23ObjectType, id, n.ChildID, store.OutcomeOK, detail+s23Changed(cur, n)))
	})
	if err != nil {
		return Notification{}, err
	}
	return n, nil
}
