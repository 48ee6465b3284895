package advicedb

import (
	"context"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// Recording an LA's request for health advice.

// checkRequest normalises the fields of a request that an LA or the DCO
// type and returns what is wrong with them: the request's one
// Validate (advice.Request.Validate), as the form, the API and the import
// apply it.
func checkRequest(r *Request, today send.Date) map[string]string {
	rec := r.Record()
	bad := rec.Validate(today)
	r.SetRecord(rec)
	return bad
}

// Record is the request's own fields, as advice.Request.Validate checks
// them.
func (r Request) Record() advice.Request {
	return advice.Request{LAReference: r.LAReference, ReceivedOn: r.ReceivedOn, AssessmentRequestedOn: r.AssessmentRequestedOn,
		ServicesRequested: r.ServicesRequested, RequestNote: r.RequestNote}
}

// SetRecord puts the request's own fields back, as Validate normalised them.
func (r *Request) SetRecord(rec advice.Request) {
	r.LAReference, r.ReceivedOn, r.AssessmentRequestedOn = rec.LAReference, rec.ReceivedOn, rec.AssessmentRequestedOn
	r.ServicesRequested, r.RequestNote = rec.ServicesRequested, rec.RequestNote
}

// mayRequest reports whether a role may send advice requests in.
func mayRequest(a store.Actor) bool {
	return store.IsSystem(a) || a.Role == store.RoleDCO || a.Role == store.RoleLA
}

func errDuplicateReference(err error) error {
	const msg = "Your LA has already sent a request with this reference"
	return &errs.Error{Code: errs.Conflict, Message: msg, Fields: map[string]string{"la_reference": msg}, Err: err}
}

// CreateAdviceRequest records an LA's request for health advice about a
// child the actor may see (r.ChildID) or, when r.ChildID is 0, about the
// child register describes, registered in the same transaction. The LA is
// the child's LA of residence; an LA user may only ask about their own
// LA's children. The due date is the health-advice rule of cal. Audited
// "advice.create" with the child (and "child.create" for a new child).
func (s *DB) CreateAdviceRequest(ctx context.Context, actor store.Actor, cal *send.Calendar, r *Request, register *store.Child) error {
	const action = "advice.create"
	if !mayRequest(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", 0, r.ChildID)
		return errs.E(errs.Forbidden, "Your role cannot send advice requests")
	}
	if register != nil && r.ChildID == 0 {
		if err := s.st.IdentityWait(ctx, actor, "child.create"); err != nil {
			return err
		}
	}
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	bad := checkRequest(r, today)
	var due send.Date
	if _, ok := bad["received_on"]; !ok {
		var err error
		if due, err = advice.Due(cal, r.ReceivedOn); err != nil {
			return err
		}
	}
	err := s.st.ChildWrite(ctx, actor, action, r.ChildID, func(t *store.Tx) error {
		var child store.Child
		switch {
		case r.ChildID != 0:
			var err error
			if child, err = t.ChildInScope(ctx, actor, r.ChildID, false); err != nil {
				return err
			}
		case register != nil:
			var err error
			if child, err = registerWithRequest(ctx, t, actor, register, bad, today, at); err != nil {
				return err
			}
		default:
			bad["nhs_number"] = "Enter the child's NHS number"
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		if err := insertRequest(ctx, t, actor, r, child, due, at); err != nil {
			return err
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", r.ID, r.ChildID, store.OutcomeOK, ""))
	})
	if register != nil && r.ChildID == 0 && errs.Is(err, errs.Conflict) && errs.FieldsOf(err)["nhs_number"] != "" {
		return s.st.DuplicateAttempt(ctx, actor, "child.create", string(register.NHSNumber), err)
	}
	return err
}

// registerWithRequest registers the child a request names when it is not
// yet registered: the kernel's check of the child and its placement, with
// the request's own problems (bad) in the same answer, then the child's
// row and its "child.create" audit.
func registerWithRequest(ctx context.Context, t *store.Tx, actor store.Actor, register *store.Child, bad map[string]string, today send.Date, at string) (store.Child, error) {
	if !store.MayRegister(actor) {
		return store.Child{}, errs.E(errs.Forbidden, "Your role cannot register children")
	}
	cbad := t.CheckChild(register, today)
	if err := t.PlaceChild(ctx, actor, register, cbad); err != nil {
		return store.Child{}, err
	}
	for k, v := range cbad {
		bad[k] = v
	}
	if len(bad) > 0 {
		return store.Child{}, errs.InvalidFields(bad)
	}
	var id int64
	if err := t.QueryRow(ctx, store.InsertChildSQL, store.ChildArgs(actor, register, at)...).Scan(&id); err != nil {
		if err := store.MapErr(err, "insert child"); errs.Is(err, errs.Conflict) {
			return store.Child{}, store.ErrDuplicateNHS(err)
		} else {
			return store.Child{}, err
		}
	}
	register.ID, register.Version = id, 1
	register.CreatedAt, register.UpdatedAt = store.ParseTime(at), store.ParseTime(at)
	if err := t.AppendAudit(ctx, store.Entry(actor, "child.create", "child", id, id, store.OutcomeOK, "with an advice request")); err != nil {
		return store.Child{}, err
	}
	return *register, nil
}

// insertRequest stores a new request r about child, due on due, and
// starts its deadline.
func insertRequest(ctx context.Context, t *store.Tx, actor store.Actor, r *Request, child store.Child, due send.Date, at string) error {
	r.ChildID, r.LAID, r.ICBID, r.LAName = child.ID, child.LAID, child.ICBID, child.LAName
	r.GivenName, r.FamilyName, r.NHSNumber, r.DateOfBirth = child.GivenName, child.FamilyName, child.NHSNumber, child.DateOfBirth
	r.DueOn, r.State = due, advice.StateOpen
	id, err := t.InsertID(ctx, `INSERT INTO advice_requests (icb_id, la_id, child_id, la_reference, received_on,
		assessment_requested_on, services_requested, request_note, due_on, state, created_by, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, 1, ?, ?)`,
		r.ICBID, r.LAID, r.ChildID, r.LAReference, r.ReceivedOn.String(), r.AssessmentRequestedOn.String(),
		r.ServicesRequested, r.RequestNote, r.DueOn.String(), actor.UserID, at, at)
	if errs.Is(err, errs.Conflict) {
		return errDuplicateReference(err)
	}
	if err != nil {
		return err
	}
	r.ID, r.Version = id, 1
	r.CreatedAt, r.UpdatedAt = store.ParseTime(at), store.ParseTime(at)
	return syncAdviceDeadline(ctx, t, id)
}
