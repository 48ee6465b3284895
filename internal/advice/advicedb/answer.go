package advicedb

import (
	"context"
	"fmt"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// A clinician's answer to one part of a request.

// Answer is how a clinician answers a contribution: written advice,
// "not known to this service" with the checks made, or existing advice
// reused. An uploaded document is UploadAdviceDocument.
type Answer struct {
	Kind       advice.Kind
	Advice     advice.Advice
	Checks     advice.Checks
	Reuse      advice.Reuse
	ReuseOfID  int64 // an earlier contribution for the same child, instead of Reuse
	ReturnedOn send.Date
}

// Record is the answer as advice.Part.Validate checks it.
func (a Answer) Record() advice.Part {
	return advice.Part{Kind: a.Kind, Advice: a.Advice, Checks: a.Checks, Reuse: a.Reuse, ReuseOf: a.ReuseOfID != 0,
		ReturnedOn: a.ReturnedOn}
}

// SetRecord puts the answer back as Validate normalised it.
func (a *Answer) SetRecord(p advice.Part) {
	a.Kind, a.Advice, a.Checks, a.Reuse, a.ReturnedOn = p.Kind, p.Advice, p.Checks, p.Reuse, p.ReturnedOn
	if !p.ReuseOf {
		a.ReuseOfID = 0
	}
}

// mayAnswer reports whether actor may record on contribution c: the DCO
// team on any, a clinician on their own.
func mayAnswer(actor store.Actor, c Contribution) bool {
	return isDCO(actor) || (actor.Role == store.RoleClinician && c.AssigneeID == actor.UserID)
}

// answerable loads a contribution for the actor to record on and checks it
// can be: theirs, its request open, the version the one read.
func answerable(ctx context.Context, t *store.Tx, actor store.Actor, id, version int64) (Contribution, Request, error) {
	c, r, err := contributionInScope(ctx, t, actor, id, true)
	if err != nil {
		return c, r, err
	}
	if !mayAnswer(actor, c) {
		return c, r, errs.E(errs.Forbidden, "This advice is assigned to someone else")
	}
	if c.Version != version {
		return c, r, store.ErrStale()
	}
	if r.State != advice.StateOpen {
		return c, r, errs.E(errs.Conflict, "The response has already gone to the LA; this advice can no longer be changed")
	}
	return c, r, nil
}

// AnswerAdviceContribution records how a contribution was answered: written
// advice (needs, provision, outcomes), not known to the service (with the
// checks made), or existing advice reused (reg 6(4): only with the
// agreement of its author, the LA and the parent or young person that it
// is sufficient, a.Reuse's three agreements, all required), with the date
// it was returned. The assigned clinician or the DCO team may record it, until the
// response goes to the LA; recording again replaces the answer. version
// must be the contribution's version read; the new version is returned.
// Audited "advice.answer".
func (s *DB) AnswerAdviceContribution(ctx context.Context, actor store.Actor, id, version int64, a Answer) (int64, error) {
	const action = "advice.answer"
	if actor.Role != store.RoleClinician && !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_contribution", id, 0)
		return 0, errs.E(errs.Forbidden, "Your role cannot record health advice")
	}
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		c, r, err := answerable(ctx, t, actor, id, version)
		if err != nil {
			return err
		}
		months, err := adviceReuseMonths(ctx, t, r.ICBID)
		if err != nil {
			return err
		}
		if a.Kind == advice.KindReuse && a.ReuseOfID != 0 {
			if err := reuseOf(ctx, t, r, months, &a); err != nil {
				return err
			}
		}
		part := a.Record()
		bad := part.Validate(r.ReceivedOn, today, months)
		a.SetRecord(part)
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		n, err := t.ExecN(ctx, `UPDATE advice_contributions SET kind = ?, needs = ?, outcomes = ?, records_reviewed = ?,
			family_contacted = ?, senco_contacted = ?, checks_note = ?, reuse_of_id = ?, reuse_source = ?, reuse_dated = ?,
			reuse_author_agreed = ?, reuse_la_agreed = ?, reuse_family_agreed = ?,
			returned_on = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(a.Kind), a.Advice.Needs, a.Advice.Outcomes, a.Checks.RecordsReviewed, a.Checks.FamilyContacted,
			a.Checks.SENCOContacted, a.Checks.Note, store.NullID(a.ReuseOfID), a.Reuse.Source, a.Reuse.Dated.String(),
			a.Reuse.AuthorAgreed, a.Reuse.LAAgreed, a.Reuse.FamilyAgreed,
			a.ReturnedOn.String(), at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if _, err := t.ExecN(ctx, "DELETE FROM advice_provisions WHERE contribution_id = ?", id); err != nil {
			return err
		}
		for i, p := range a.Advice.Provision {
			if _, err := t.ExecN(ctx, `INSERT INTO advice_provisions (contribution_id, position, who, what, how_often, how_long)
				VALUES (?, ?, ?, ?, ?, ?)`, id, i+1, p.Who, p.What, p.HowOften, p.HowLong); err != nil {
				return err
			}
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", r.ID, c.ChildID, store.OutcomeOK,
			fmt.Sprintf("contribution=%d kind=%s", id, a.Kind)))
	})
	if err != nil {
		return 0, err
	}
	return version + 1, nil
}
