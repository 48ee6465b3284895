package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"dco/internal/errs"
)

// GrantChildAccess lets a clinician (userID) or a provider organisation
// (orgID), exactly one of them, see a child, for a recorded reason. Only a
// DCO (within their scope) or dco itself may grant. Granting twice is not an
// error. Audited "child.grant".
func (s *Store) GrantChildAccess(ctx context.Context, actor Actor, childID, userID, orgID int64, reason string) error {
	const action = "child.grant"
	if !isSystem(actor) && actor.Role != RoleDCO {
		s.refuse(ctx, actor, action, "child", childID, childID)
		return errs.E(errs.Forbidden, "Only a DCO can give access to a child's record")
	}
	reason = strings.TrimSpace(reason)
	bad := map[string]string{}
	if (userID == 0) == (orgID == 0) {
		bad["grantee"] = "Choose a clinician or a provider organisation"
	}
	switch {
	case reason == "":
		bad["reason"] = "Enter the reason for giving access"
	case len(reason) > 200:
		bad["reason"] = "The reason must be 200 characters or fewer"
	}
	at := fmtTime(s.now())
	return s.childWrite(ctx, actor, action, childID, func(t *tx) error {
		if _, err := t.childInScope(ctx, actor, childID, false); err != nil {
			return err
		}
		detail := ""
		if userID != 0 {
			var role string
			var disabled bool
			// Held, so that a part's grant taken back meanwhile sees this one.
			if err := t.lockClinicians(ctx, userID); err != nil {
				return err
			}
			err := t.queryRow(ctx, "SELECT role, disabled FROM users WHERE id = ?", userID).Scan(&role, &disabled)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return mapErr(err, "find user")
			}
			if Role(role) != RoleClinician || disabled {
				bad["user_id"] = "Choose a clinician"
			}
			detail = "user_id=" + itoa(userID)
		}
		if orgID != 0 {
			k, err := t.orgKind(ctx, orgID)
			if err != nil {
				return err
			}
			if k != OrgProvider {
				bad["org_id"] = "Choose a provider organisation"
			}
			detail = "org_id=" + itoa(orgID)
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		if _, err := t.exec(ctx, `INSERT INTO child_access (child_id, user_id, org_id, reason, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, childID, nullID(userID), nullID(orgID), reason, actor.UserID, at); err != nil {
			return err
		}
		return t.appendAudit(ctx, entry(actor, action, "child", childID, childID, OutcomeOK, detail))
	})
}
