package store

import (
	"context"
	"errors"
	"strings"

	"dco/internal/errs"
	"dco/internal/send"
)

// changedFields names the fields that differ, for the audit detail: names of
// fields, never their values.
func changedFields(a, b Child) string {
	var f []string
	add := func(changed bool, name string) {
		if changed {
			f = append(f, name)
		}
	}
	add(a.NHSNumber != b.NHSNumber, "nhs_number")
	add(a.GivenName != b.GivenName, "given_name")
	add(a.FamilyName != b.FamilyName, "family_name")
	add(!a.DateOfBirth.Equal(b.DateOfBirth), "date_of_birth")
	add(a.Postcode != b.Postcode, "postcode")
	add(a.LAID != b.LAID, "la_id")
	add(a.Setting != b.Setting, "setting")
	add(a.Flags != b.Flags, "flags")
	return "fields=" + strings.Join(f, ",")
}

// UpdateChild saves a child the actor may see. c.Version must be the version
// read: a stale one is a conflict and nothing is written. c.LAID 0, or the
// child's own, keeps the LA; only the DCO team of the child's ICB moves a
// child to another LA, of that ICB (moveChild), and a move refused is
// audited as refused with both LAs. On success c.Version is the new
// version. Audited "child.update" with the names of changed fields and,
// for a move, the LA it left and the LA it went to.
func (s *Store) UpdateChild(ctx context.Context, actor Actor, c *Child) error {
	const action = "child.update"
	if err := s.identityWait(ctx, actor, action); err != nil {
		return err
	}
	now := s.now()
	bad := s.checkChild(c, send.Today(now))
	at := fmtTime(now)
	err := s.childWrite(ctx, actor, action, c.ID, func(t *tx) error {
		cur, err := t.childInScope(ctx, actor, c.ID, true)
		if err != nil {
			return err
		}
		if cur.Version != c.Version {
			return errStale()
		}
		to := c.LAID
		if err := t.moveChild(ctx, actor, cur, c, bad); err != nil {
			return err
		}
		if len(bad) > 0 {
			if placementRefused(bad["la_id"]) && to != 0 && to != cur.LAID {
				return &errMoveRefused{err: errs.InvalidFields(bad), from: cur.LAID, to: to}
			}
			return errs.InvalidFields(bad)
		}
		g, f := nameKey(c.GivenName), nameKey(c.FamilyName)
		n, err := t.execN(ctx, `UPDATE children SET nhs_number = ?, given_name = ?, family_name = ?, given_key = ?, family_key = ?,
			search_name = ?, date_of_birth = ?, postcode = ?, icb_id = ?, la_id = ?, setting = ?, looked_after = ?,
			elective_home_ed = ?, missing_education = ?, youth_justice = ?, continuing_care = ?, personal_health_budget = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(c.NHSNumber), c.GivenName, c.FamilyName, g, f, g+" "+f, c.DateOfBirth.String(), c.Postcode, c.ICBID, c.LAID,
			c.Setting, c.Flags.LookedAfter, c.Flags.ElectiveHomeEd, c.Flags.MissingEducation, c.Flags.YouthJustice,
			c.Flags.ContinuingCare, c.Flags.PersonalHealthBudget, at, c.ID, c.Version)
		if errs.Is(err, errs.Conflict) {
			return errDuplicateNHS(err)
		}
		if err != nil {
			return err
		}
		if n != 1 {
			return errStale()
		}
		c.Version++
		c.CreatedAt, c.UpdatedAt = cur.CreatedAt, parseTime(at)
		detail := changedFields(cur, *c)
		if c.LAID != cur.LAID {
			detail += " " + laChange(cur.LAID, c.LAID)
		}
		return t.appendAudit(ctx, entry(actor, action, "child", c.ID, c.ID, OutcomeOK, detail))
	})
	var moved *errMoveRefused
	if errors.As(err, &moved) {
		s.refuseDetail(ctx, actor, action, c.ID, laChange(moved.from, moved.to))
		return moved.err
	}
	if errs.Is(err, errs.Conflict) && errs.FieldsOf(err)["nhs_number"] != "" {
		return s.duplicateAttempt(ctx, actor, action, string(c.NHSNumber), err)
	}
	return err
}

// refuseDetail audits a refused change of a child, as refuse does, with
// what was refused in the detail (ids only).
func (s *Store) refuseDetail(ctx context.Context, a Actor, action string, childID int64, detail string) {
	e := entry(a, ActionAccessRefused, "child", childID, childID, OutcomeRefused, "action="+action+" "+detail)
	if err := s.write(ctx, func(t *tx) error { return t.appendAudit(ctx, e) }); err != nil {
		s.log.Error("audit refused change", "err", err, "user_id", a.UserID, "action", action)
	}
}
