package advicedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"dco/internal/advice"
	"dco/internal/send"
	"dco/internal/store"
)

// Reading requests and their parts in the actor's scope, and scanning them.

// adviceScope returns the SQL condition, on advice_requests aliased r, that
// limits rows to what a may see. A clinician's is driven from the
// contributions assigned to them, through an index: a request they hold a
// part of stays theirs to read once it is returned or withdrawn (the advice
// they wrote), while the child's record does not (store.Tx.GrantWork).
func adviceScope(a store.Actor) (string, []any, error) {
	if cond, args, ok := store.ICBWide(a, "r"); ok {
		return cond, args, nil
	}
	switch a.Role {
	case store.RoleLA:
		return "r.la_id = ?", []any{a.LAID}, nil
	case store.RoleClinician:
		return "r.id IN (SELECT k0.request_id FROM advice_contributions k0 WHERE k0.assignee_id = ?)", []any{a.UserID}, nil
	}
	return "", nil, errNoAdvice()
}

// adviceWrite runs fn in a write transaction; a refusal by scope is audited
// against the request in a transaction of its own once fn's has rolled back.
func (s *DB) adviceWrite(ctx context.Context, actor store.Actor, action string, requestID int64, fn func(t *store.Tx) error) error {
	return s.st.ScopedWrite(ctx, actor, action, "advice_request", requestID, 0, fn)
}

const adviceColumns = `r.id, r.icb_id, r.la_id, la.name, la.code, r.child_id, c.given_name, c.family_name, c.nhs_number,
	c.date_of_birth, r.la_reference, r.received_on, r.assessment_requested_on, r.services_requested, r.request_note,
	r.due_on, r.state, r.triage, r.known_services, r.triage_note, r.triaged_at, r.returned_on, r.outcome,
	r.response_note, r.exception, r.exception_reason, r.exception_on, r.imported, r.version, r.created_at, r.updated_at, r.withdrawn_on`

const adviceFrom = ` FROM advice_requests r JOIN children c ON c.id = r.child_id JOIN orgs la ON la.id = r.la_id`

func scanAdvice(row interface{ Scan(...any) error }) (Request, error) {
	var r Request
	var nhs, dob, received, assessment, due, state, triage, triagedAt, returned, outcome, exc, excOn, created, updated, withdrawn string
	err := row.Scan(&r.ID, &r.ICBID, &r.LAID, &r.LAName, &r.LACode, &r.ChildID, &r.GivenName, &r.FamilyName, &nhs,
		&dob, &r.LAReference, &received, &assessment, &r.ServicesRequested, &r.RequestNote,
		&due, &state, &triage, &r.KnownServices, &r.TriageNote, &triagedAt, &returned, &outcome,
		&r.ResponseNote, &exc, &r.Exception.Reason, &excOn, &r.Imported, &r.Version, &created, &updated, &withdrawn)
	if err != nil {
		return Request{}, err
	}
	r.NHSNumber = send.NHSNumber(nhs)
	r.State, r.Triage, r.Outcome, r.Exception.Kind = advice.State(state), advice.Triage(triage), advice.Outcome(outcome), send.Exception(exc)
	for _, d := range []struct {
		dst *send.Date
		src string
	}{{&r.DateOfBirth, dob}, {&r.ReceivedOn, received}, {&r.AssessmentRequestedOn, assessment}, {&r.DueOn, due},
		{&r.ReturnedOn, returned}, {&r.Exception.On, excOn}, {&r.WithdrawnOn, withdrawn}} {
		if *d.dst, err = store.OptDate(d.src); err != nil {
			return Request{}, fmt.Errorf("advice request %d: %w", r.ID, err)
		}
	}
	if triagedAt != "" {
		r.TriagedAt = store.ParseTime(triagedAt)
	}
	r.CreatedAt, r.UpdatedAt = store.ParseTime(created), store.ParseTime(updated)
	return r, nil
}

const contributionColumns = `k.id, k.request_id, k.child_id, k.service, COALESCE(k.assignee_id, 0), COALESCE(u.name, ''),
	COALESCE(u.email, ''), k.kind, k.needs, k.outcomes, k.records_reviewed, k.family_contacted, k.senco_contacted,
	k.checks_note, COALESCE(k.reuse_of_id, 0), k.reuse_source, k.reuse_dated, k.reuse_author_agreed, k.reuse_la_agreed,
	k.reuse_family_agreed, k.returned_on, k.exception, k.exception_reason, k.exception_on, k.version, k.created_at, k.updated_at`

const contributionFrom = ` FROM advice_contributions k LEFT JOIN users u ON u.id = k.assignee_id`

func scanContribution(row interface{ Scan(...any) error }) (Contribution, error) {
	var c Contribution
	var kind, reuseDated, returned, exc, excOn, created, updated string
	err := row.Scan(&c.ID, &c.RequestID, &c.ChildID, &c.Service, &c.AssigneeID, &c.AssigneeName,
		&c.AssigneeEmail, &kind, &c.Advice.Needs, &c.Advice.Outcomes, &c.Checks.RecordsReviewed, &c.Checks.FamilyContacted,
		&c.Checks.SENCOContacted, &c.Checks.Note, &c.ReuseOfID, &c.Reuse.Source, &reuseDated, &c.Reuse.AuthorAgreed,
		&c.Reuse.LAAgreed, &c.Reuse.FamilyAgreed, &returned, &exc, &c.Exception.Reason, &excOn, &c.Version, &created, &updated)
	if err != nil {
		return Contribution{}, err
	}
	c.Kind, c.Exception.Kind = advice.Kind(kind), send.Exception(exc)
	if c.Reuse.Dated, err = store.OptDate(reuseDated); err != nil {
		return c, err
	}
	if c.ReturnedOn, err = store.OptDate(returned); err != nil {
		return c, err
	}
	if c.Exception.On, err = store.OptDate(excOn); err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = store.ParseTime(created), store.ParseTime(updated)
	return c, nil
}

// requestInScope reads one request the actor may see; lock holds its row
// for an update.
func requestInScope(ctx context.Context, t *store.Tx, actor store.Actor, id int64, lock bool) (Request, error) {
	scope, args, err := adviceScope(actor)
	if err != nil {
		return Request{}, err
	}
	q := "SELECT " + adviceColumns + adviceFrom + " WHERE r.id = ? AND " + scope
	if lock && t.Engine() == store.EnginePostgres {
		q += " FOR UPDATE OF r"
	}
	r, err := scanAdvice(t.QueryRow(ctx, q, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Request{}, errAdviceNotFound()
	}
	if err != nil {
		return Request{}, store.MapErr(err, "read advice request")
	}
	return r, nil
}

// contributionInScope reads one contribution and its request, if the actor
// may see the request; lock holds both rows.
func contributionInScope(ctx context.Context, t *store.Tx, actor store.Actor, id int64, lock bool) (Contribution, Request, error) {
	var requestID int64
	err := t.QueryRow(ctx, "SELECT request_id FROM advice_contributions WHERE id = ?", id).Scan(&requestID)
	if errors.Is(err, sql.ErrNoRows) {
		return Contribution{}, Request{}, errAdviceNotFound()
	}
	if err != nil {
		return Contribution{}, Request{}, store.MapErr(err, "find contribution")
	}
	r, err := requestInScope(ctx, t, actor, requestID, lock)
	if err != nil {
		return Contribution{}, Request{}, err
	}
	q := "SELECT " + contributionColumns + contributionFrom + " WHERE k.id = ?"
	if lock && t.Engine() == store.EnginePostgres {
		q += " FOR UPDATE OF k"
	}
	c, err := scanContribution(t.QueryRow(ctx, q, id))
	if err != nil {
		return Contribution{}, Request{}, store.MapErr(err, "read contribution")
	}
	return c, r, nil
}

// loadContributions fills the contributions of requests, with provision
// and the newest document of each; full is false for lists, which need only
// who, which service and whether each is done.
func loadContributions(ctx context.Context, t *store.Tx, rs []Request, full bool) error {
	if len(rs) == 0 {
		return nil
	}
	index := make(map[int64]int, len(rs))
	marks := make([]string, 0, len(rs))
	ids := make([]any, 0, len(rs))
	for i, r := range rs {
		index[r.ID] = i
		marks = append(marks, "?")
		ids = append(ids, r.ID)
	}
	in := "(" + strings.Join(marks, ", ") + ")"
	rows, err := t.Query(ctx, "SELECT "+contributionColumns+contributionFrom+" WHERE k.request_id IN "+in+" ORDER BY k.id", ids...)
	if err != nil {
		return err
	}
	byID := map[int64]*Contribution{}
	all, err := store.ScanAll(rows, "contributions", scanContribution)
	if err != nil {
		return err
	}
	if full && len(all) > 0 {
		for i := range all {
			byID[all[i].ID] = &all[i]
		}
		if err := loadProvision(ctx, t, in, ids, byID); err != nil {
			return err
		}
		if err := loadDocuments(ctx, t, in, ids, byID); err != nil {
			return err
		}
	}
	for _, c := range all {
		r := &rs[index[c.RequestID]]
		r.Contributions = append(r.Contributions, c)
	}
	return nil
}

func loadProvision(ctx context.Context, t *store.Tx, in string, ids []any, byID map[int64]*Contribution) error {
	rows, err := t.Query(ctx, `SELECT p.contribution_id, p.who, p.what, p.how_often, p.how_long
		FROM advice_provisions p JOIN advice_contributions k ON k.id = p.contribution_id
		WHERE k.request_id IN `+in+` ORDER BY p.contribution_id, p.position`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p advice.Provision
		if err := rows.Scan(&id, &p.Who, &p.What, &p.HowOften, &p.HowLong); err != nil {
			return store.MapErr(err, "scan provision")
		}
		if c := byID[id]; c != nil {
			c.Advice.Provision = append(c.Advice.Provision, p)
		}
	}
	return store.MapErr(rows.Err(), "read provision")
}
