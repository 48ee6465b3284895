package advicedb

import (
	"context"
	"fmt"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// Reg 8(2) exceptions recorded against a request or one of its parts.

// RecordContributionException records a reg 8(2) exception on a
// contribution: which, why and when. When the request has none yet it
// takes the same exception, in the same transaction, since the time limit
// is the request's. version is the contribution's version read. Audited
// "advice.exception".
func (s *DB) RecordContributionException(ctx context.Context, actor store.Actor, id, version int64, e advice.Exception) (int64, error) {
	const action = "advice.exception"
	if actor.Role != store.RoleClinician && !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_contribution", id, 0)
		return 0, errs.E(errs.Forbidden, "Your role cannot record exceptions")
	}
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		c, r, err := answerable(ctx, t, actor, id, version)
		if err != nil {
			return err
		}
		if bad := advice.CheckException(&e, r.ReceivedOn, r.DueOn, today); len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		n, err := t.ExecN(ctx, `UPDATE advice_contributions SET exception = ?, exception_reason = ?, exception_on = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(e.Kind), e.Reason, e.On.String(), at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if r.Exception.Kind == "" {
			if _, err := t.ExecN(ctx, `UPDATE advice_requests SET exception = ?, exception_reason = ?, exception_on = ?,
				version = version + 1, updated_at = ? WHERE id = ?`, string(e.Kind), e.Reason, e.On.String(), at, r.ID); err != nil {
				return err
			}
			if err := syncAdviceDeadline(ctx, t, r.ID); err != nil {
				return err
			}
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", r.ID, c.ChildID, store.OutcomeOK,
			fmt.Sprintf("contribution=%d exception=%s", id, e.Kind)))
	})
	if err != nil {
		return 0, err
	}
	return version + 1, nil
}

// RecordAdviceException records, or with an empty Kind clears, the reg 8(2)
// exception of an open request. Only the DCO team may. version is the
// request's version read. Audited "advice.exception".
func (s *DB) RecordAdviceException(ctx context.Context, actor store.Actor, id, version int64, e advice.Exception) (int64, error) {
	const action = "advice.exception"
	if !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", id, 0)
		return 0, errs.E(errs.Forbidden, "Only the DCO team can record an exception on a request")
	}
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		r, err := requestInScope(ctx, t, actor, id, true)
		if err != nil {
			return err
		}
		if r.Version != version {
			return store.ErrStale()
		}
		if r.State != advice.StateOpen {
			return errs.E(errs.Conflict, "This request has been %s; its exception can no longer be changed", r.State)
		}
		if e.Kind == "" {
			e = advice.Exception{}
		} else if bad := advice.CheckException(&e, r.ReceivedOn, r.DueOn, today); len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		n, err := t.ExecN(ctx, `UPDATE advice_requests SET exception = ?, exception_reason = ?, exception_on = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(e.Kind), e.Reason, e.On.String(), at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if err := syncAdviceDeadline(ctx, t, id); err != nil {
			return err
		}
		detail := "exception=" + string(e.Kind)
		if e.Kind == "" {
			detail = "exception cleared"
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", id, r.ChildID, store.OutcomeOK, detail))
	})
	if err != nil {
		return 0, err
	}
	return version + 1, nil
}
