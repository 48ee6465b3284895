package store

import (
	"context"
	"fmt"
	"strings"
)

// Access that work gives lasts as long as the work. A workflow that hands a
// user work on a child (a part of a request assigned to a clinician) grants
// them the child for that work: one child_access row naming the work's id
// (contribution_id), made in the transaction that hands it over (GrantWork).
// When the work moves or closes, the row goes in the transaction that does
// it (EndWorkGrants), and a user left with no sight of the child (no other
// work, no grant a DCO made for a recorded reason through GrantChildAccess)
// gets a "child.revoke" audit row in the child's access history.

// lockClinicians holds the users' rows until the transaction ends, in id
// order, so that whether a clinician still sees a child after a grant is
// taken back is decided on what other transactions have committed: two
// parts of theirs moved at once must not each count on the other's grant
// and leave the end of their access unaudited (two processes on one
// database: each has one committer). NO KEY UPDATE, as it conflicts with
// itself but not with the key-share locks that rows referencing the user
// take: an assignment has taken one by then. SQLite has one writer at a
// time and needs no lock.
func (t *tx) lockClinicians(ctx context.Context, ids ...int64) error {
	if t.s.engine != EnginePostgres {
		return nil
	}
	var marks []string
	var args []any
	for _, id := range ids {
		if id != 0 {
			marks = append(marks, "?")
			args = append(args, id)
		}
	}
	if len(args) == 0 {
		return nil
	}
	rows, err := t.query(ctx, "SELECT id FROM users WHERE id IN ("+strings.Join(marks, ", ")+") ORDER BY id FOR NO KEY UPDATE", args...)
	if err != nil {
		return err
	}
	_, err = scanAll(rows, "users", func(r interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	return err
}

// grantWork gives user userID sight of child childID for a piece of work
// (workID, recorded in child_access.contribution_id), in the transaction
// that hands them the work, so that no one holds work on a child they
// cannot open; reason is recorded with the grant. It returns the
// "child.grant" audit entry (as GrantChildAccess writes) when the user
// could not see the child before, and nil when other work or a DCO's grant
// already let them.
func (t *tx) grantWork(ctx context.Context, actor Actor, childID, userID, workID int64, reason, at string) (*AuditEntry, error) {
	if err := t.lockClinicians(ctx, userID); err != nil {
		return nil, err
	}
	var had int
	if err := t.queryRow(ctx, "SELECT count(*) FROM child_access WHERE user_id = ? AND child_id = ?", userID, childID).Scan(&had); err != nil {
		return nil, mapErr(err, "read child access")
	}
	n, err := t.execN(ctx, `INSERT INTO child_access (child_id, user_id, contribution_id, reason, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		childID, userID, workID, reason, actor.UserID, at)
	if err != nil || n == 0 || had > 0 {
		return nil, err
	}
	return entry(actor, "child.grant", "child", childID, childID, OutcomeOK,
		fmt.Sprintf("user_id=%d contribution=%d", userID, workID)), nil
}

// endWorkGrants takes back the grants made for the contributions that cond
// (a condition on child_access's contribution_id, with one argument) picks,
// because that work moved or closed (why, for the audit: "contribution=5
// reassigned"). Call it in the transaction of the change. It returns a
// "child.revoke" audit entry for each clinician it leaves with no sight of
// the child: no other open part and no DCO's grant.
func (t *tx) endWorkGrants(ctx context.Context, actor Actor, childID int64, why, cond string, arg int64) ([]*AuditEntry, error) {
	rows, err := t.query(ctx, "SELECT DISTINCT user_id FROM child_access WHERE contribution_id IS NOT NULL AND "+cond+
		" ORDER BY user_id", arg)
	if err != nil {
		return nil, err
	}
	users, err := scanAll(rows, "grants", func(r interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
	if err != nil || len(users) == 0 {
		return nil, err
	}
	if err := t.lockClinicians(ctx, users...); err != nil {
		return nil, err
	}
	if _, err := t.exec(ctx, "DELETE FROM child_access WHERE contribution_id IS NOT NULL AND "+cond, arg); err != nil {
		return nil, err
	}
	var es []*AuditEntry
	for _, u := range users {
		var left int
		if err := t.queryRow(ctx, "SELECT count(*) FROM child_access WHERE user_id = ? AND child_id = ?", u, childID).Scan(&left); err != nil {
			return nil, mapErr(err, "read child access")
		}
		if left == 0 {
			es = append(es, entry(actor, "child.revoke", "child", childID, childID, OutcomeOK,
				fmt.Sprintf("user_id=%d %s", u, why)))
		}
	}
	return es, nil
}

// legacyWorkGrant is the condition, on child_access, for a grant made by
// assigning work before grants named their part: one per clinician and
// child, with no contribution and the reason older dco wrote, which the
// condition matches word for word (the one workflow that assigned work
// then; internal/layout's TestWorkflowsStandAlone knows this line).
const legacyWorkGrant = `contribution_id IS NULL AND user_id IS NOT NULL AND reason LIKE 'assigned health advice request %'`

// endLegacyWorkGrants is the part of the work_grants migration that SQL
// cannot do: it removes the grants made by assignment before grants named
// their part (the migration has given every open part its own), auditing
// "child.revoke" as dco itself for each clinician whose work had already
// moved or closed, so that the child's access history says when their
// access ended.
func endLegacyWorkGrants(ctx context.Context, t *tx) error {
	rows, err := t.query(ctx, `SELECT g.user_id, g.child_id FROM child_access g WHERE `+legacyWorkGrant+`
		AND NOT EXISTS (SELECT 1 FROM child_access w WHERE w.user_id = g.user_id AND w.child_id = g.child_id
			AND w.contribution_id IS NOT NULL)
		ORDER BY g.child_id, g.user_id`)
	if err != nil {
		return err
	}
	type pair struct{ user, child int64 }
	ended, err := scanAll(rows, "grants", func(r interface{ Scan(...any) error }) (pair, error) {
		var p pair
		return p, r.Scan(&p.user, &p.child)
	})
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, "DELETE FROM child_access WHERE "+legacyWorkGrant); err != nil {
		return err
	}
	es := make([]*AuditEntry, 0, len(ended))
	for _, p := range ended {
		es = append(es, entry(System, "child.revoke", "child", p.child, p.child, OutcomeOK,
			fmt.Sprintf("user_id=%d the advice work that gave access had moved or closed", p.user)))
	}
	return t.appendAudit(ctx, es...)
}
