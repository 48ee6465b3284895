package store

import (
	"context"

	"dco/internal/errs"
	"dco/internal/send"
)

// msgDuplicateNHS is the one answer to registering an NHS number that dco
// holds already, wherever that child lives: it names neither the other
// record nor its LA, and says what to do next.
const msgDuplicateNHS = "A child with this NHS number is already registered. Check the NHS number; if the child has moved to your area, ask the DCO team to move their record."

func errDuplicateNHS(err error) error {
	const msg = msgDuplicateNHS
	return &errs.Error{Code: errs.Conflict, Message: msg, Fields: map[string]string{"nhs_number": msg}, Err: err}
}

const insertChildSQL = `INSERT INTO children (nhs_number, given_name, family_name, given_key, family_key, search_name,
	date_of_birth, postcode, icb_id, la_id, setting, looked_after, elective_home_ed, missing_education, youth_justice,
	continuing_care, personal_health_budget, created_by_org_id, created_by_user_id, version, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`

// childInsert and childRow make a multi-row insertChildSQL: childFields
// arguments a row, as childArgs gives them.
const (
	childInsert = `INSERT INTO children (nhs_number, given_name, family_name, given_key, family_key, search_name,
	date_of_birth, postcode, icb_id, la_id, setting, looked_after, elective_home_ed, missing_education, youth_justice,
	continuing_care, personal_health_budget, created_by_org_id, created_by_user_id, version, created_at, updated_at) VALUES `
	childRow    = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)"
	childFields = 21
	childChunk  = 40
)

// firstDuplicateNHS returns the index of the first child in cs whose NHS
// number is registered already or comes earlier in cs, or -1.
func (t *tx) firstDuplicateNHS(ctx context.Context, cs []Child) (int, error) {
	first := -1
	seen := make(map[string]bool, len(cs))
	for i := range cs {
		nhs := string(cs[i].NHSNumber)
		if seen[nhs] {
			first = i
			break
		}
		seen[nhs] = true
	}
	const chunk = 500
	args := make([]any, 0, chunk)
	for start := 0; start < len(cs) && (first < 0 || start < first); start += chunk {
		part := cs[start:min(start+chunk, len(cs))]
		args = args[:0]
		for i := range part {
			args = append(args, string(part[i].NHSNumber))
		}
		rows, err := t.queryPrepared(ctx, insertRowsSQL("SELECT nhs_number FROM children WHERE nhs_number IN (", "?", len(part), ")"), args...)
		if err != nil {
			return 0, err
		}
		registered, err := scanAll(rows, "NHS numbers", scanString)
		if err != nil {
			return 0, err
		}
		known := map[string]bool{}
		for _, nhs := range registered {
			known[nhs] = true
		}
		for i := range part {
			if known[string(part[i].NHSNumber)] && (first < 0 || start+i < first) {
				first = start + i
				break
			}
		}
	}
	return first, nil
}

// childArgs are insertChildSQL's arguments for c, created by actor at now.
func childArgs(actor Actor, c *Child, now string) []any {
	var byOrg any
	if actor.Role == RoleProvider && !isSystem(actor) {
		byOrg = nullID(actor.OrgID)
	}
	g, f := nameKey(c.GivenName), nameKey(c.FamilyName)
	return []any{string(c.NHSNumber), c.GivenName, c.FamilyName, g, f, g + " " + f,
		c.DateOfBirth.String(), c.Postcode, c.ICBID, c.LAID, c.Setting, c.Flags.LookedAfter, c.Flags.ElectiveHomeEd,
		c.Flags.MissingEducation, c.Flags.YouthJustice, c.Flags.ContinuingCare, c.Flags.PersonalHealthBudget,
		byOrg, actor.UserID, now, now}
}

// grantRegistrar gives a provider that registered a child sight of it.
func (t *tx) grantRegistrar(ctx context.Context, actor Actor, childID int64, now string) error {
	if actor.Role != RoleProvider || isSystem(actor) || actor.OrgID == 0 {
		return nil
	}
	_, err := t.exec(ctx, `INSERT INTO child_access (child_id, org_id, reason, created_by, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, childID, actor.OrgID, "registered by this organisation", actor.UserID, now)
	return err
}

// CreateChild registers a child, setting c.ID, c.Version (1), c.LAName and
// c.ICBID. An LA user registers children of their own LA (c.LAID 0 means
// theirs); a DCO, provider or clinician only in an LA of its own ICB
// (placeRule), a refusal audited with the LA asked for; a provider's
// organisation is granted sight of the child it registers. Audited
// "child.create".
//
// An NHS number already registered is settled by duplicateChild
// (registration.go): for a user of the registered child's ICB, a conflict
// whose message says nothing of the other record, not even whether it is in
// the actor's own LA; for anyone else, a request for their DCO team,
// answered *RegistrationSent, so that they are not told dco holds the
// number. The attempt is audited against the record it collided with, so
// the DCO sees it in "who has accessed this record" and can move a child
// who has changed LA, and it counts towards the user's identity-check
// throttle: a user who must wait is refused (too_many) before anything is
// looked up.
func (s *Store) CreateChild(ctx context.Context, actor Actor, c *Child) error {
	const action = "child.create"
	if !mayRegister(actor) {
		s.refuse(ctx, actor, action, "child", 0, 0)
		return errs.E(errs.Forbidden, "Your role cannot register children")
	}
	if err := s.identityWait(ctx, actor, action); err != nil {
		return err
	}
	err := s.createChild(ctx, actor, c)
	if errs.Is(err, errs.Invalid) && placementRefused(errs.FieldsOf(err)["la_id"]) {
		s.refuseDetail(ctx, actor, action, 0, "la_to="+itoa(c.LAID))
	}
	if errs.Is(err, errs.Conflict) && errs.FieldsOf(err)["nhs_number"] != "" {
		return s.duplicateChild(ctx, actor, c, err)
	}
	return err
}

func (s *Store) createChild(ctx context.Context, actor Actor, c *Child) error {
	const action = "child.create"
	now := s.now()
	bad := s.checkChild(c, send.Today(now))
	at := fmtTime(now)
	return s.write(ctx, func(t *tx) error {
		if err := t.placeChild(ctx, actor, c, bad); err != nil {
			return err
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		var id int64
		if err := t.queryRow(ctx, insertChildSQL, childArgs(actor, c, at)...).Scan(&id); err != nil {
			if err := mapErr(err, "insert child"); errs.Is(err, errs.Conflict) {
				return errDuplicateNHS(err)
			} else {
				return err
			}
		}
		if err := t.grantRegistrar(ctx, actor, id, at); err != nil {
			return err
		}
		c.ID, c.Version = id, 1
		c.CreatedAt, c.UpdatedAt = parseTime(at), parseTime(at)
		return t.appendAudit(ctx, entry(actor, action, "child", id, id, OutcomeOK, ""))
	})
}
