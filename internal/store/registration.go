package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
)

// Registration requests. An NHS number is unique in dco, so registering one
// already held cannot make a second record. Within the registered child's
// ICB the refusal says so (a conflict naming nothing of the record). To a
// user outside that ICB, saying so would tell them that dco holds the
// number: their registration is instead kept as a request for the DCO team
// of their own ICB, who can find out where the child is registered and
// resolve it (ask the other ICB to move the record, or correct the NHS
// number), and the user is told it has been sent to that team. The attempt
// is audited against the registered child either way, and counts towards
// the user's identity-check throttle (identity.go).

// The audit actions of registration requests, each against the child
// registered with the request's NHS number.
const (
	// ActionRegisterRequest: a registration of an NHS number already held,
	// by a user outside the child's ICB, became a request for the DCO team
	// (outcome refused: no child was registered).
	ActionRegisterRequest = "child.register_request"
	// ActionRegisterList: a DCO listed the requests (one row per request
	// shown).
	ActionRegisterList = "child.register_request_list"
	// ActionRegisterResolve: a DCO marked a request resolved.
	ActionRegisterResolve = "child.register_request_resolve"
)

// The statuses of a registration request.
const (
	RegistrationOpen     = "open"
	RegistrationResolved = "resolved"
)

// MsgRegistrationSent is what a user is told when their registration became
// a request for the DCO team.
const MsgRegistrationSent = "Your registration has been sent to the DCO team, who will confirm it"

// RegistrationSent is CreateChild's answer when the registration became a
// request for the DCO team: no child was registered (c.ID stays 0), which
// is why it is an error, but the user did nothing wrong, and pages and the
// API answer it as accepted. It carries no code, so a caller that does not
// expect it fails loudly rather than treating it as a registration.
type RegistrationSent struct {
	RequestID int64
}

// Error returns MsgRegistrationSent.
func (e *RegistrationSent) Error() string { return MsgRegistrationSent }

// RegistrationRequest is a registration kept for the DCO team to resolve.
type RegistrationRequest struct {
	ID    int64
	ICBID int64 // the submitter's ICB, whose DCO team resolves it
	// ChildID is the child already registered with the NHS number, and
	// RegisteredICB the name of that child's ICB: where to ask.
	ChildID       int64
	RegisteredICB string
	// Child holds the details as submitted (ID 0), with LAName.
	Child          Child
	SubmittedBy    int64
	SubmitterEmail string
	SubmitterRole  Role
	SubmitterOrg   string // the submitter's organisation or LA
	SubmittedAt    time.Time
	Status         string
	ResolvedBy     int64
	ResolvedAt     time.Time
	Version        int64
}

// duplicateChild settles a registration refused because its NHS number is
// registered already (conflict, from createChild). dco itself and a user of
// the registered child's ICB are given the conflict; anyone else's
// registration is stored as a request for their DCO team and answered
// *RegistrationSent. Either way the attempt is audited against the
// registered child and counted against the user.
func (s *Store) duplicateChild(ctx context.Context, actor Actor, c *Child, conflict error) error {
	const action = "child.create"
	var other, otherICB int64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT id, icb_id FROM children WHERE nhs_number = ?"), string(c.NHSNumber)).Scan(&other, &otherICB)
	if err != nil {
		return conflict // gone since: the conflict stands, and there is nothing to audit against
	}
	own, err := actorICB(ctx, s, actor)
	if err != nil {
		return err
	}
	s.identityFailed(actor)
	if isSystem(actor) || (own != 0 && own == otherICB) {
		s.refuse(ctx, actor, action, "child", other, other)
		return conflict
	}
	icb := own
	if icb == 0 {
		icb = c.ICBID // a user of no ICB: the ICB of the LA they chose
	}
	var id int64
	err = s.write(ctx, func(t *tx) error {
		var err error
		id, err = t.insertID(ctx, `INSERT INTO registration_requests (icb_id, child_id, nhs_number, given_name, family_name,
			date_of_birth, postcode, la_id, setting, submitted_by, submitted_at, status, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 1)`,
			icb, other, string(c.NHSNumber), c.GivenName, c.FamilyName, c.DateOfBirth.String(), c.Postcode, c.LAID,
			c.Setting, actor.UserID, fmtTime(s.now()))
		if err != nil {
			return err
		}
		return t.appendAudit(ctx, entry(actor, ActionRegisterRequest, "child", other, other, OutcomeRefused, "request_id="+itoa(id)))
	})
	if err != nil {
		return err
	}
	c.ID, c.Version = 0, 0
	return &RegistrationSent{RequestID: id}
}

// errNoRequests refuses registration requests to everyone but a DCO.
func errNoRequests() error {
	return errs.E(errs.Forbidden, "Only the DCO team can see registration requests")
}

const registrationColumns = `r.id, r.icb_id, r.child_id, COALESCE(ci.name, ''), r.nhs_number, r.given_name, r.family_name,
	r.date_of_birth, r.postcode, r.la_id, la.name, r.setting, r.submitted_by, u.email, u.role, COALESCE(so.name, ''),
	r.submitted_at, r.status, r.resolved_by, r.resolved_at, r.version`

const registrationFrom = ` FROM registration_requests r
	JOIN children c ON c.id = r.child_id
	LEFT JOIN orgs ci ON ci.id = c.icb_id
	JOIN orgs la ON la.id = r.la_id
	JOIN users u ON u.id = r.submitted_by
	LEFT JOIN orgs so ON so.id = COALESCE(u.la_id, u.org_id)`

func scanRegistration(r interface{ Scan(...any) error }) (RegistrationRequest, error) {
	var q RegistrationRequest
	var nhs, dob, role, submitted, resolved string
	err := r.Scan(&q.ID, &q.ICBID, &q.ChildID, &q.RegisteredICB, &nhs, &q.Child.GivenName, &q.Child.FamilyName,
		&dob, &q.Child.Postcode, &q.Child.LAID, &q.Child.LAName, &q.Child.Setting, &q.SubmittedBy, &q.SubmitterEmail,
		&role, &q.SubmitterOrg, &submitted, &q.Status, &q.ResolvedBy, &resolved, &q.Version)
	if err != nil {
		return RegistrationRequest{}, err
	}
	q.Child.NHSNumber, q.SubmitterRole = send.NHSNumber(nhs), Role(role)
	if q.Child.DateOfBirth, err = send.ParseDate(dob); err != nil {
		return RegistrationRequest{}, err
	}
	q.SubmittedAt = parseTime(submitted)
	if resolved != "" {
		q.ResolvedAt = parseTime(resolved)
	}
	return q, nil
}

// ListRegistrationRequests returns the open registration requests of the
// DCO's ICB, oldest first (at most 200). Each is audited against the child
// registered with its NHS number, as the list shows details that identify
// that child.
func (s *Store) ListRegistrationRequests(ctx context.Context, actor Actor) ([]RegistrationRequest, error) {
	const action = ActionRegisterList
	scope, args, ok := icbWide(actor, "r")
	if !ok {
		s.refuse(ctx, actor, action, "registration_request", 0, 0)
		return nil, errNoRequests()
	}
	var out []RegistrationRequest
	err := s.write(ctx, func(t *tx) error {
		out = nil
		rows, err := t.query(ctx, "SELECT "+registrationColumns+registrationFrom+" WHERE r.status = 'open' AND "+scope+
			" ORDER BY r.id LIMIT 200", args...)
		if err != nil {
			return err
		}
		if out, err = scanAll(rows, "registration requests", scanRegistration); err != nil {
			return err
		}
		audit := make([]*AuditEntry, 0, len(out))
		for _, q := range out {
			audit = append(audit, entry(actor, action, "registration_request", q.ID, q.ChildID, OutcomeOK, ""))
		}
		return t.appendAudit(ctx, audit...)
	})
	return out, err
}

// CountRegistrationRequests returns how many registration requests of the
// DCO's ICB are open, for the home page; 0 for anyone else. It reads no
// child's details.
func (s *Store) CountRegistrationRequests(ctx context.Context, actor Actor) (int, error) {
	scope, args, ok := icbWide(actor, "r")
	if !ok {
		return 0, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT count(*) FROM registration_requests r WHERE r.status = 'open' AND "+scope), args...).Scan(&n)
	if err != nil {
		return 0, mapErr(err, "count registration requests")
	}
	return n, nil
}

// ResolveRegistrationRequest marks an open request of the DCO's ICB
// resolved: the DCO has found where the child is registered and settled it
// outside dco or by moving the record. version must be the version read; a
// request out of scope is not_found. Audited against the registered child.
func (s *Store) ResolveRegistrationRequest(ctx context.Context, actor Actor, id, version int64) error {
	scope, args, ok := icbWide(actor, "r")
	if !ok {
		s.refuse(ctx, actor, ActionRegisterResolve, "registration_request", id, 0)
		return errNoRequests()
	}
	err := s.write(ctx, func(t *tx) error {
		var childID, v int64
		var status string
		err := t.queryRow(ctx, "SELECT r.child_id, r.status, r.version FROM registration_requests r WHERE r.id = ? AND "+scope,
			append([]any{id}, args...)...).Scan(&childID, &status, &v)
		if errors.Is(err, sql.ErrNoRows) {
			return &refusal{errs.E(errs.NotFound, "No registration request was found")}
		}
		if err != nil {
			return mapErr(err, "find request")
		}
		if v != version || status != RegistrationOpen {
			return errStale()
		}
		if _, err := t.exec(ctx, "UPDATE registration_requests SET status = 'resolved', resolved_by = ?, resolved_at = ?, version = version + 1 WHERE id = ?",
			actor.UserID, fmtTime(s.now()), id); err != nil {
			return err
		}
		return t.appendAudit(ctx, entry(actor, ActionRegisterResolve, "registration_request", id, childID, OutcomeOK, ""))
	})
	var r *refusal
	if errors.As(err, &r) {
		s.refuse(ctx, actor, ActionRegisterResolve, "registration_request", id, 0)
		return r.err
	}
	return err
}
