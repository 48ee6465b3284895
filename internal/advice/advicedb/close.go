package advicedb

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// The response returned to the LA, or the request withdrawn.

// ReturnAdviceRequest sends the combined health response to the LA: every
// contribution must be answered. It records the date returned and the
// outcome (advice, or not known when every service said so). version must
// be the request's version read: when two people return the same request,
// exactly one succeeds and the other gets a conflict. Only the DCO team
// returns. The grants the request's parts gave their clinicians end with it
// (store.Tx.EndWorkGrants). Audited "advice.return".
func (s *DB) ReturnAdviceRequest(ctx context.Context, actor store.Actor, id, version int64, returnedOn send.Date, note string) (Request, error) {
	const action = "advice.return"
	if !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", id, 0)
		return Request{}, errs.E(errs.Forbidden, "Only the DCO team can send the response to the LA")
	}
	note = strings.TrimSpace(note)
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	var out Request
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		r, err := requestInScope(ctx, t, actor, id, true)
		if err != nil {
			return err
		}
		if r.Version != version {
			return store.ErrStale()
		}
		if r.State != advice.StateOpen {
			return errs.E(errs.Conflict, "This request has already been %s", r.State)
		}
		r, kinds, err := returnable(ctx, t, r, returnedOn, note, today)
		if err != nil {
			return err
		}
		outcome := advice.OutcomeOf(kinds)
		n, err := t.ExecN(ctx, `UPDATE advice_requests SET state = 'returned', returned_on = ?, outcome = ?, response_note = ?,
			returned_by = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND state = 'open'`,
			returnedOn.String(), string(outcome), note, actor.UserID, at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if err := syncAdviceDeadline(ctx, t, id); err != nil {
			return err
		}
		ended, err := t.EndWorkGrants(ctx, actor, r.ChildID, fmt.Sprintf("request=%d returned", id), requestParts, id)
		if err != nil {
			return err
		}
		r.State, r.ReturnedOn, r.Outcome, r.ResponseNote = advice.StateReturned, returnedOn, outcome, note
		r.Version, r.UpdatedAt = version+1, store.ParseTime(at)
		out = r
		onTime, counted := r.OnTime()
		return t.AppendAudit(ctx, append([]*store.AuditEntry{store.Entry(actor, action, "advice_request", id, r.ChildID, store.OutcomeOK,
			fmt.Sprintf("outcome=%s on_time=%v counted=%v", outcome, onTime, counted))}, ended...)...)
	})
	if err != nil {
		return Request{}, err
	}
	return out, nil
}

// WithdrawAdviceRequest closes an open request the LA no longer needs
// answered, on the date given. The LA that asked or the DCO team may. The
// grants the request's parts gave their clinicians end with it
// (store.Tx.EndWorkGrants). Audited "advice.withdraw".
func (s *DB) WithdrawAdviceRequest(ctx context.Context, actor store.Actor, id, version int64, on send.Date) error {
	const action = "advice.withdraw"
	if !mayRequest(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", id, 0)
		return errs.E(errs.Forbidden, "Your role cannot withdraw advice requests")
	}
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	return s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		r, err := requestInScope(ctx, t, actor, id, true)
		if err != nil {
			return err
		}
		if r.Version != version {
			return store.ErrStale()
		}
		if r.State != advice.StateOpen {
			return errs.E(errs.Conflict, "This request has already been %s", r.State)
		}
		bad := map[string]string{}
		advice.CheckWithdrawn(bad, "withdrawn_on", on, r.ReceivedOn, today)
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		n, err := t.ExecN(ctx, `UPDATE advice_requests SET state = 'withdrawn', withdrawn_on = ?, outcome = 'withdrawn',
			withdrawn_by = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND state = 'open'`,
			on.String(), actor.UserID, at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if err := syncAdviceDeadline(ctx, t, id); err != nil {
			return err
		}
		ended, err := t.EndWorkGrants(ctx, actor, r.ChildID, fmt.Sprintf("request=%d withdrawn", id), requestParts, id)
		if err != nil {
			return err
		}
		return t.AppendAudit(ctx, append([]*store.AuditEntry{store.Entry(actor, action, "advice_request", id, r.ChildID, store.OutcomeOK, "")}, ended...)...)
	})
}

// returnable checks that request r can be returned to the LA on
// returnedOn with note: the date and the note by their rules, and every
// part of it answered. It returns r with its parts loaded and how each was
// answered.
func returnable(ctx context.Context, t *store.Tx, r Request, returnedOn send.Date, note string, today send.Date) (Request, []advice.Kind, error) {
	bad := map[string]string{}
	advice.CheckReturned(bad, "returned_on", returnedOn, r.ReceivedOn, today)
	if utf8.RuneCountInString(note) > advice.MaxText {
		bad["response_note"] = fmt.Sprintf("The covering note must be %d characters or fewer", advice.MaxText)
	}
	rs := []Request{r}
	if err := loadContributions(ctx, t, rs, false); err != nil {
		return r, nil, err
	}
	r = rs[0]
	var kinds []advice.Kind
	open := 0
	for _, c := range r.Contributions {
		if !c.Done() {
			open++
		}
		kinds = append(kinds, c.Kind)
	}
	switch {
	case len(r.Contributions) == 0:
		bad[""] = "No advice has been asked for yet: assign the request to a service or the HAS team first"
	case open == 1:
		bad[""] = "1 contribution has not been returned yet"
	case open > 1:
		bad[""] = fmt.Sprintf("%d contributions have not been returned yet", open)
	}
	if len(bad) > 0 {
		return r, nil, errs.InvalidFields(bad)
	}
	return r, kinds, nil
}
