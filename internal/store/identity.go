package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"dco/internal/errs"
)

// Identity checks. Two answers could tell a user something about a child
// they may not see: whether the details they typed are those of the child
// registered with an NHS number (a workflow's record about a child new to
// the user is matched to the registered child), and whether an NHS
// number is registered at all (registering a child). Both are decided here,
// once for every route (page, API, import), so that:
//
//   - a mismatch is one message whichever detail differs, and shows nothing
//     of the registered child;
//   - a match with a child the user may not see shows only what they typed;
//   - every mismatch and every attempt to register a number already held is
//     audited against the registered child, so its DCO sees the attempts in
//     "who has accessed this record";
//   - a user whose attempts keep failing waits, as a password guesser does
//     (auth.Throttle: 5 free, then 1 s doubling to 15 minutes, forgotten
//     after a day without a failure). A success does not clear the count:
//     otherwise checking a child one knows would reset it between guesses.
//
// dco itself (imports run from the command line, the demo) is never
// throttled: it sees every child already.

// ActionIdentityMismatch is the audit action of details given with an NHS
// number that were not those of the child registered with it: recorded
// against that child, outcome refused, the detail naming the route, never a
// value.
const ActionIdentityMismatch = "child.identity_mismatch"

// msgIdentityMismatch is the one answer to details that are not those of
// the child registered with the NHS number given: it names no field and
// nothing of the registered child.
const msgIdentityMismatch = "A child with this NHS number is already registered with different details. " +
	"Check the NHS number, family name, date of birth and local authority. If they are right, ask your DCO team to check the child's record."

// sameIdentity is the one decision whether details typed with an NHS number
// are those of the child registered with it (known). The family name
// (compared as nameKey does) and the date of birth must agree; a given
// name may differ, as a child is often known by another. For a child the
// actor may not see (visible false) the LA must agree too: otherwise what
// the actor is told next (which LA is notified, why another) would depend
// on the registered LA, which they did not type.
func sameIdentity(known, typed Child, visible bool) bool {
	if nameKey(known.FamilyName) != nameKey(typed.FamilyName) || !known.DateOfBirth.Equal(typed.DateOfBirth) {
		return false
	}
	return visible || known.LAID == typed.LAID
}

// typedView is what an actor who may not see the registered child known is
// shown of it after a match: the details they typed, with the registered
// child's id (what a notification is attached to) and its LA, which they
// typed too (sameIdentity).
func typedView(known, typed Child) Child {
	v := Child{ID: known.ID, NHSNumber: known.NHSNumber, GivenName: typed.GivenName, FamilyName: typed.FamilyName,
		DateOfBirth: typed.DateOfBirth, Postcode: typed.Postcode, LAID: known.LAID, LAName: known.LAName, ICBID: known.ICBID}
	return v
}

// childVisible reports whether actor may see the child id: the scope every
// read of a child uses (scopeOf).
func (t *tx) childVisible(ctx context.Context, actor Actor, id int64) (bool, error) {
	scope, args, err := scopeOf(actor)
	if err != nil {
		return false, nil // a role that sees no child
	}
	var one int
	err = t.queryRow(ctx, "SELECT 1 FROM children c WHERE c.id = ? AND "+scope, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err, "check scope")
	}
	return true, nil
}

// identityKey is the throttle's key for an actor: one per user, whichever
// route or address they use.
func identityKey(a Actor) string { return "user:" + itoa(a.UserID) }

// identityWait refuses an actor who must wait after too many failed
// identity checks, before anything is looked up, so that the refusal says
// nothing of the child asked about. The refusal is audited; action is what
// was attempted.
func (s *Store) identityWait(ctx context.Context, actor Actor, action string) error {
	if isSystem(actor) {
		return nil
	}
	wait := s.identity.Wait(identityKey(actor), s.now())
	if wait <= 0 {
		return nil
	}
	s.auditAlone(ctx, actor, entry(actor, ActionAccessRefused, "child", 0, 0, OutcomeRefused, "action="+action+" throttled"))
	msg := tooManyAttempts(wait)
	return &errs.Error{Code: errs.TooMany, Message: msg, Fields: map[string]string{"nhs_number": msg}}
}

// identityFailed counts a failed identity check against actor.
func (s *Store) identityFailed(actor Actor) {
	if isSystem(actor) {
		return
	}
	s.identity.Fail(identityKey(actor), s.now())
}

// identityMismatch counts and audits a mismatch against the registered
// child; via names the route (the workflow's check, create or import).
func (s *Store) identityMismatch(ctx context.Context, actor Actor, childID int64, via string) {
	if isSystem(actor) {
		return
	}
	s.identityFailed(actor)
	s.auditAlone(ctx, actor, entry(actor, ActionIdentityMismatch, "child", childID, childID, OutcomeRefused, "via="+via))
}

// auditAlone appends one audit row in a transaction of its own, for an
// attempt whose own transaction was rolled back or never began.
func (s *Store) auditAlone(ctx context.Context, actor Actor, e *AuditEntry) {
	if err := s.write(ctx, func(t *tx) error { return t.appendAudit(ctx, e) }); err != nil {
		s.log.Error("audit identity check", "err", err, "user_id", actor.UserID, "action", e.Action)
	}
}

// tooManyAttempts words a throttle's wait in whole minutes, rounded up, and
// says what to do instead of waiting.
func tooManyAttempts(wait time.Duration) string {
	mins := int((wait + time.Minute - 1) / time.Minute)
	when := "1 minute"
	if mins > 1 {
		when = fmt.Sprintf("%d minutes", mins)
	}
	return "You have made too many attempts. Wait " + when + ", then try again, or ask your DCO team for help."
}

// duplicateAttempt settles an NHS number refused as registered already by a
// route that cannot turn the attempt into a registration request (changing
// a child's NHS number, registering a child with a workflow's request): the
// conflict stands, but it is audited against the registered child, under
// action, and counted against the user as every identity check is. It
// returns conflict.
func (s *Store) duplicateAttempt(ctx context.Context, actor Actor, action string, nhs string, conflict error) error {
	var other int64
	if err := s.db.QueryRowContext(ctx, s.rebind("SELECT id FROM children WHERE nhs_number = ?"), nhs).Scan(&other); err != nil {
		return conflict // gone since, or unreadable: nothing to audit against
	}
	s.identityFailed(actor)
	s.refuse(ctx, actor, action, "child", other, other)
	return conflict
}
