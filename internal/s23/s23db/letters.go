package s23db

import (
	"context"
	"maps"
	"slices"
	"strings"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// MarkLetterSent records that a letter was sent on the date given (today
// when zero). Sending the parent letter informs the parent, so when no
// parent-informed date is recorded it becomes that date; sending the LA
// notification tells the LA, so when no LA-notified date is recorded it
// becomes that date, which the order of the steps must allow: the LA
// notification cannot be marked sent before the parent is informed. version
// must be the version read. Audited "s23.letter_sent" against the child. On
// success it returns the notification as saved.
func (s *DB) MarkLetterSent(ctx context.Context, actor store.Actor, id, version int64, letter string, on send.Date) (Notification, error) {
	if !mayNotify(actor) {
		s.st.Refuse(ctx, actor, ActionLetterSent, s23ObjectType, id, 0)
		return Notification{}, errs.E(errs.Forbidden, "Your role cannot send notification letters")
	}
	if letter != LetterParent && letter != LetterLA {
		return Notification{}, errs.E(errs.NotFound, "No such letter")
	}
	return s.s23RecordDate(ctx, actor, ActionLetterSent, id, version, on, "letter="+letter+" ", func(n *Notification, on, today send.Date) error {
		field := "sent_on"
		if letter == LetterParent {
			n.ParentLetterSentOn = on
			if n.Steps.ParentInformedOn.IsZero() {
				n.Steps.ParentInformedOn = on
			}
		} else {
			n.LALetterSentOn = on
			if n.Steps.LANotifiedOn.IsZero() {
				n.Steps.LANotifiedOn = on
			}
		}
		bad := n.Steps.Check(n.Kind, today)
		if on.After(today) {
			bad[field] = "The date the letter was sent must be today or in the past"
		}
		if len(bad) > 0 {
			// The person chose one date; name it as the field at fault.
			msgs := make([]string, 0, len(bad))
			for _, k := range slices.Sorted(maps.Keys(bad)) {
				msgs = append(msgs, bad[k])
			}
			return errs.InvalidFields(map[string]string{field: strings.Join(msgs, ". ")})
		}
		return nil
	})
}
