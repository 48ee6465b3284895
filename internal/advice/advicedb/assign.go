package advicedb

import (
	"context"
	"fmt"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/store"
)

// Access that work gives lasts as long as the work. Assigning a part of a
// request to a clinician grants them the child for that part: one
// child_access row naming the contribution, made in the transaction that
// assigns them. When the part is reassigned or removed, or the request is
// returned or withdrawn, the row goes in the transaction that does it, and
// a clinician left with no sight of the child (no other open part, no grant
// a DCO made for a recorded reason through GrantChildAccess) gets a
// "child.revoke" audit row in the child's access history. The clinician
// keeps read access to the request they hold a part of, and so to the advice
// they wrote, after it closes (adviceScope, which reads the parts, not the
// grants): what they told the LA is theirs to look back on. The child's
// record, with the rest of the child's requests, notifications and details,
// is not.

// clinicianOfICB is the SQL condition, on users aliased u, for an active
// clinician of the ICB given as its one argument: one whose organisation is
// a provider of that ICB (orgs.parent_id), or the ICB itself. A clinician
// with no organisation belongs to no ICB and is nobody's to assign.
const clinicianOfICB = `u.role = 'clinician' AND NOT u.disabled
	AND u.org_id IN (SELECT o.id FROM orgs o WHERE o.id = ? OR o.parent_id = ?)`

// checkAssignee checks that userID (when set) is an active clinician of
// the ICB icbID, the ICB of the request: assigning gives the clinician the
// child's record, so a DCO cannot hand a child to another ICB's staff by
// sending their id.
func checkAssignee(ctx context.Context, t *store.Tx, userID, icbID int64, bad map[string]string) error {
	if userID == 0 {
		return nil
	}
	var n int
	err := t.QueryRow(ctx, "SELECT count(*) FROM users u WHERE u.id = ? AND "+clinicianOfICB, userID, icbID, icbID).Scan(&n)
	if err != nil {
		return store.MapErr(err, "find user")
	}
	if n == 0 {
		bad["assignee_id"] = "Choose a clinician from the list: only active clinicians of this ICB's providers can be assigned"
	}
	return nil
}

// CliniciansOfICB lists the active clinicians who may be assigned advice
// on the ICB's requests (clinicianOfICB), by name; with icbID 0, none: a
// DCO of no ICB sees no request, so has no one to assign (README,
// "Accounts"). It reads names only, as ListUsers does, and is not audited.
func (s *DB) CliniciansOfICB(ctx context.Context, icbID int64) ([]store.User, error) {
	if icbID == 0 {
		return nil, nil
	}
	rows, err := s.st.Query(ctx, "SELECT "+store.UserColumns+" FROM users u WHERE "+clinicianOfICB+" ORDER BY u.name, u.id", icbID, icbID)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, "clinicians", store.ScanUser)
}

// workGrantReason is the reason recorded with a grant made by assigning a
// part of request requestID.
func workGrantReason(requestID int64) string {
	return "assigned health advice request " + itoa(requestID)
}

// requestParts is EndWorkGrants' condition for every part of the request
// given as its argument.
const requestParts = "contribution_id IN (SELECT k.id FROM advice_contributions k WHERE k.request_id = ?)"

// AddAdviceContribution asks a service for its part of the advice, assigned
// to a clinician (assigneeID) or, with assigneeID 0, to the service or the
// HAS team to allocate. The clinician is given access to the child for this
// part in the same transaction (store.Tx.GrantWork). Only the DCO team assigns.
// Audited "advice.assign".
func (s *DB) AddAdviceContribution(ctx context.Context, actor store.Actor, requestID int64, service string, assigneeID int64) (Contribution, error) {
	const action = "advice.assign"
	if !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", requestID, 0)
		return Contribution{}, errs.E(errs.Forbidden, "Only the DCO team can assign advice")
	}
	bad := map[string]string{}
	if !advice.ValidService(service) {
		bad["service"] = "Choose the service asked for advice"
	}
	at := store.FmtTime(s.st.Clock())
	var c Contribution
	err := s.adviceWrite(ctx, actor, action, requestID, func(t *store.Tx) error {
		r, err := requestInScope(ctx, t, actor, requestID, true)
		if err != nil {
			return err
		}
		if err := checkAssignee(ctx, t, assigneeID, r.ICBID, bad); err != nil {
			return err
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		if r.State != advice.StateOpen {
			return errs.E(errs.Conflict, "This request has been %s; no more advice can be asked for", r.State)
		}
		id, err := t.InsertID(ctx, `INSERT INTO advice_contributions (request_id, child_id, service, assignee_id, assigned_by,
			version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
			requestID, r.ChildID, service, store.NullID(assigneeID), actor.UserID, at, at)
		if err != nil {
			return err
		}
		var grant *store.AuditEntry
		if assigneeID != 0 {
			if grant, err = t.GrantWork(ctx, actor, r.ChildID, assigneeID, id, workGrantReason(requestID), at); err != nil {
				return err
			}
		}
		c = Contribution{ID: id, RequestID: requestID, ChildID: r.ChildID, Service: service, AssigneeID: assigneeID,
			Version: 1, CreatedAt: store.ParseTime(at), UpdatedAt: store.ParseTime(at)}
		es := []*store.AuditEntry{store.Entry(actor, action, "advice_request", requestID, r.ChildID, store.OutcomeOK,
			fmt.Sprintf("contribution=%d service=%s user_id=%d", id, service, assigneeID))}
		if grant != nil {
			es = append(es, grant)
		}
		return t.AppendAudit(ctx, es...)
	})
	if err != nil {
		return Contribution{}, err
	}
	return c, nil
}

// AssignAdviceContribution gives an open contribution to a clinician (or
// back to its service with 0), granting them the child in the same
// transaction and taking back the grant the part gave the clinician it
// leaves (store.Tx.EndWorkGrants: "child.revoke" when that was their last).
// version must be the contribution's version read. Audited "advice.assign".
func (s *DB) AssignAdviceContribution(ctx context.Context, actor store.Actor, contributionID, version, assigneeID int64) error {
	const action = "advice.assign"
	if !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_contribution", contributionID, 0)
		return errs.E(errs.Forbidden, "Only the DCO team can assign advice")
	}
	at := store.FmtTime(s.st.Clock())
	return s.adviceWrite(ctx, actor, action, contributionID, func(t *store.Tx) error {
		c, r, err := contributionInScope(ctx, t, actor, contributionID, true)
		if err != nil {
			return err
		}
		bad := map[string]string{}
		if err := checkAssignee(ctx, t, assigneeID, r.ICBID, bad); err != nil {
			return err
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		if r.State != advice.StateOpen || c.Done() {
			return errs.E(errs.Conflict, "This advice has been returned and can no longer be reassigned")
		}
		n, err := t.ExecN(ctx, `UPDATE advice_contributions SET assignee_id = ?, assigned_by = ?, version = version + 1,
			updated_at = ? WHERE id = ? AND version = ?`, store.NullID(assigneeID), actor.UserID, at, contributionID, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if err := t.LockUsers(ctx, c.AssigneeID, assigneeID); err != nil { // both, in order
			return err
		}
		es := []*store.AuditEntry{store.Entry(actor, action, "advice_request", r.ID, r.ChildID, store.OutcomeOK,
			fmt.Sprintf("contribution=%d user_id=%d", contributionID, assigneeID))}
		if c.AssigneeID != 0 && c.AssigneeID != assigneeID {
			ended, err := t.EndWorkGrants(ctx, actor, r.ChildID, fmt.Sprintf("contribution=%d reassigned", contributionID),
				"contribution_id = ?", contributionID)
			if err != nil {
				return err
			}
			es = append(es, ended...)
		}
		if assigneeID != 0 {
			grant, err := t.GrantWork(ctx, actor, r.ChildID, assigneeID, contributionID, workGrantReason(r.ID), at)
			if err != nil {
				return err
			}
			if grant != nil {
				es = append(es, grant)
			}
		}
		return t.AppendAudit(ctx, es...)
	})
}

// RemoveAdviceContribution takes back a contribution asked for by mistake,
// while it is open and nothing has been recorded on it, with the grant it
// gave its clinician (store.Tx.EndWorkGrants). Audited "advice.unassign".
func (s *DB) RemoveAdviceContribution(ctx context.Context, actor store.Actor, contributionID, version int64) error {
	const action = "advice.unassign"
	if !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_contribution", contributionID, 0)
		return errs.E(errs.Forbidden, "Only the DCO team can assign advice")
	}
	return s.adviceWrite(ctx, actor, action, contributionID, func(t *store.Tx) error {
		c, r, err := contributionInScope(ctx, t, actor, contributionID, true)
		if err != nil {
			return err
		}
		if c.Version != version {
			return store.ErrStale()
		}
		if r.State != advice.StateOpen || c.Done() || c.Exception.Kind != "" {
			return errs.E(errs.Conflict, "Advice that has been returned, or has an exception recorded, cannot be removed")
		}
		var docs int
		if err := t.QueryRow(ctx, "SELECT count(*) FROM advice_documents WHERE contribution_id = ?", contributionID).Scan(&docs); err != nil {
			return store.MapErr(err, "count documents")
		}
		if docs > 0 {
			return errs.E(errs.Conflict, "Advice with an uploaded document cannot be removed")
		}
		if _, err := t.ExecN(ctx, "DELETE FROM advice_provisions WHERE contribution_id = ?", contributionID); err != nil {
			return err
		}
		ended, err := t.EndWorkGrants(ctx, actor, r.ChildID, fmt.Sprintf("contribution=%d removed", contributionID),
			"contribution_id = ?", contributionID)
		if err != nil {
			return err
		}
		n, err := t.ExecN(ctx, "DELETE FROM advice_contributions WHERE id = ? AND version = ?", contributionID, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		return t.AppendAudit(ctx, append([]*store.AuditEntry{store.Entry(actor, action, "advice_request", r.ID, r.ChildID, store.OutcomeOK,
			fmt.Sprintf("contribution=%d service=%s", contributionID, c.Service))}, ended...)...)
	})
}
