package advicedb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// Health advice for EHC needs assessments (SEND Regulations 2014 reg 8).
//
// Scope. Every query carries the actor's scope on advice_requests aliased r:
//   - dco: the requests of the ICB the DCO's OrgID names; none when it names none;
//   - la: requests made by the actor's LA;
//   - clinician: requests with a contribution assigned to the actor, and no
//     others, even for a child they may see for another reason;
//   - provider, viewer, admin: none (forbidden); System: every request.
// A request out of scope is not_found, exactly as an absent one is, and the
// attempt is audited as access.refused. Every read and change of a request
// is audited with its child's id, in the transaction that made it.

// Request is an LA's request to health for advice and information
// about one child for an EHC needs assessment.
type Request struct {
	ID          int64
	ICBID       int64
	LAID        int64 // the LA that asked
	LAName      string
	LACode      string
	ChildID     int64
	GivenName   string
	FamilyName  string
	NHSNumber   send.NHSNumber
	DateOfBirth send.Date
	LAReference string // the LA's own reference for the assessment
	// ReceivedOn is when health received the request: the reg 8(1) clock
	// starts here.
	ReceivedOn send.Date
	// AssessmentRequestedOn starts the LA's 20-week clock (reg 13(2)); the
	// zero date when the LA did not give it.
	AssessmentRequestedOn send.Date
	ServicesRequested     string // service codes, comma separated (advice.JoinServices)
	RequestNote           string
	// DueOn is ReceivedOn plus six weeks, from the statutory clock.
	DueOn               send.Date
	State               advice.State
	Triage              advice.Triage
	KnownServices       string // service codes the child is known to, or waiting for
	TriageNote          string
	TriagedAt           time.Time
	ReturnedOn          send.Date // the date the response was returned to the LA
	WithdrawnOn         send.Date // the date the LA withdrew the request
	Outcome             advice.Outcome
	ResponseNote        string
	Exception           advice.Exception
	Imported            bool // from a spreadsheet: no contributions are held
	Version             int64
	CreatedAt           time.Time
	UpdatedAt           time.Time
	Contributions       []Contribution
	ContributionsHidden bool // an LA sees the contributions once the response is returned
}

// Facts are what the request's status is derived from.
func (r Request) Facts() advice.Facts {
	return advice.Facts{State: r.State, Due: r.DueOn, Returned: r.ReturnedOn, Exception: r.Exception.Kind, Started: r.Triage != ""}
}

// QueueFacts are what the work queues are decided on.
func (r Request) QueueFacts() advice.QueueFacts {
	f := advice.QueueFacts{Facts: r.Facts(), Unassigned: len(r.Contributions) == 0 && !r.ContributionsHidden,
		Parts: len(r.Contributions)}
	for _, c := range r.Contributions {
		if c.Kind == "" && c.AssigneeID == 0 {
			f.Unassigned = true
		}
		if !c.Done() {
			f.OpenParts++
		}
	}
	return f
}

// OnTime says whether a returned request was returned within six weeks and
// whether it counts in the on-time measure (send.OnTime).
func (r Request) OnTime() (onTime, counted bool) {
	if r.State != advice.StateReturned {
		return false, false
	}
	return send.OnTime(r.DueOn, r.ReturnedOn, r.Exception.Kind)
}

// ClosedOn is the date the request was returned or withdrawn; zero while
// it is open.
func (r Request) ClosedOn() send.Date {
	if r.State == advice.StateWithdrawn {
		return r.WithdrawnOn
	}
	return r.ReturnedOn
}

// Assignees names the clinicians given the request's contributions, once each.
func (r Request) Assignees() []string {
	var out []string
	seen := map[int64]bool{}
	for _, c := range r.Contributions {
		if c.AssigneeID != 0 && !seen[c.AssigneeID] {
			seen[c.AssigneeID] = true
			out = append(out, c.AssigneeName)
		}
	}
	return out
}

// Contribution is one service's or clinician's part of the answer.
type Contribution struct {
	ID            int64
	RequestID     int64
	ChildID       int64
	Service       string // an advice.Services code
	AssigneeID    int64  // the clinician; 0 while the service or HAS team has not allocated one
	AssigneeName  string
	AssigneeEmail string
	Kind          advice.Kind // how it was answered; "" while open
	Advice        advice.Advice
	Checks        advice.Checks
	ReuseOfID     int64 // the earlier contribution reused, when it was in dco
	Reuse         advice.Reuse
	ReturnedOn    send.Date
	Exception     advice.Exception
	Document      *Document // the newest upload, without its content
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Done reports whether the contribution has been answered.
func (c Contribution) Done() bool { return c.Kind != "" }

// Document is advice uploaded as a file.
type Document struct {
	ID             int64
	ContributionID int64
	RequestID      int64
	ChildID        int64
	Filename       string
	ContentType    string
	Size           int64
	SHA256         string
	Content        []byte // only from GetAdviceDocument
	CreatedAt      time.Time
}

// Filter narrows a list of requests. Empty fields do not filter.
type Filter struct {
	LAID       int64
	ChildID    int64
	Status     advice.Status // derived on the clock's day
	Open       bool          // open requests only
	Queue      advice.Queue
	Month      string // YYYY-MM of the date received
	AssigneeID int64  // waiting on this clinician: a contribution of theirs still open
	Service    string // waiting on this service: a contribution from it still open
	Unassigned bool   // in advice.QueueUnassigned: not triaged, or a part with no clinician
	// ToReturn keeps the open requests waiting on the DCO team alone: with
	// parts, every one answered, the combined response not yet sent to the
	// LA (advice.QueueFacts.ToReturn).
	ToReturn bool
	Limit    int // page size, default 50
	Offset   int
}

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

// Count is one row of a work-queue table: the open requests (or, by
// service and by assignee, open contributions) in each queue.
type Count struct {
	ID          int64  // the LA or the clinician; 0 for "no one yet"
	Code        string // the LA's DfE number, or the service's code
	Label       string
	Overdue     int
	DueThisWeek int
	Unassigned  int
	Paused      int
	AtRisk      int
	Open        int
}

// The groupings AdviceQueueCounts offers.
const (
	ByLA       = "la"
	ByService  = "service"
	ByAssignee = "assignee"
)

// --- scope, reading and scanning ---

// errNoAdvice is the refusal for a role that has no part in advice requests.
func errNoAdvice() error {
	return store.Refusal(errs.E(errs.Forbidden, "Your role does not handle health advice requests"))
}

func errAdviceNotFound() error {
	return store.Refusal(errs.E(errs.NotFound, "No advice request was found"))
}

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

const documentColumns = `d.id, d.contribution_id, d.request_id, d.child_id, d.filename, d.content_type, d.size_bytes, d.sha256, d.created_at`

func scanDocument(row interface{ Scan(...any) error }, content bool) (Document, error) {
	var d Document
	var created string
	dst := []any{&d.ID, &d.ContributionID, &d.RequestID, &d.ChildID, &d.Filename, &d.ContentType, &d.Size, &d.SHA256, &created}
	if content {
		dst = append(dst, &d.Content)
	}
	if err := row.Scan(dst...); err != nil {
		return Document{}, err
	}
	d.CreatedAt = store.ParseTime(created)
	return d, nil
}

func loadDocuments(ctx context.Context, t *store.Tx, in string, ids []any, byID map[int64]*Contribution) error {
	rows, err := t.Query(ctx, "SELECT "+documentColumns+" FROM advice_documents d WHERE d.request_id IN "+in+" ORDER BY d.id", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDocument(rows, false)
		if err != nil {
			return store.MapErr(err, "scan document")
		}
		if c := byID[d.ContributionID]; c != nil {
			c.Document = &d // ordered by id: the newest wins
		}
	}
	return store.MapErr(rows.Err(), "read documents")
}

// hideFromLA keeps an open request's contributions from the LA: what the
// LA receives is the combined response, once it is returned.
func hideFromLA(actor store.Actor, r *Request) {
	if actor.Role == store.RoleLA && !store.IsSystem(actor) && r.State != advice.StateReturned {
		r.Contributions = nil
		r.ContributionsHidden = true
	}
}

// GetAdviceRequest returns a request the actor may see with its
// contributions, their provision and documents (an LA sees contributions
// once the response is returned). Audited "advice.view" with the child.
func (s *DB) GetAdviceRequest(ctx context.Context, actor store.Actor, id int64) (Request, error) {
	const action = "advice.view"
	var r Request
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		var err error
		if r, err = requestInScope(ctx, t, actor, id, false); err != nil {
			return err
		}
		rs := []Request{r}
		if err := loadContributions(ctx, t, rs, true); err != nil {
			return err
		}
		r = rs[0]
		hideFromLA(actor, &r)
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", id, r.ChildID, store.OutcomeOK, ""))
	})
	if err != nil {
		return Request{}, err
	}
	return r, nil
}

// GetAdviceRequestOf returns the request a contribution belongs to, as
// GetAdviceRequest does, for pages addressed by the contribution. A
// contribution of a request out of scope is not_found. Audited
// "advice.view" with the child.
func (s *DB) GetAdviceRequestOf(ctx context.Context, actor store.Actor, contributionID int64) (Request, error) {
	const action = "advice.view"
	var r Request
	err := s.adviceWrite(ctx, actor, action, 0, func(t *store.Tx) error {
		_, req, err := contributionInScope(ctx, t, actor, contributionID, false)
		if err != nil {
			return err
		}
		rs := []Request{req}
		if err := loadContributions(ctx, t, rs, true); err != nil {
			return err
		}
		r = rs[0]
		hideFromLA(actor, &r)
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", r.ID, r.ChildID, store.OutcomeOK, "contribution="+itoa(contributionID)))
	})
	if err != nil {
		return Request{}, err
	}
	return r, nil
}

// adviceWhere turns a filter into SQL conditions on r, judged on the
// clock's day. Each status and queue is the SQL form of advice.Clock's
// Status and In; a test holds them together.
func adviceWhere(f Filter, c advice.Clock) (string, []any, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	today, soon, week := c.Today.String(), c.Soon.String(), c.WeekEnd.String()
	if f.LAID != 0 {
		add("r.la_id = ?", f.LAID)
	}
	if f.ChildID != 0 {
		add("r.child_id = ?", f.ChildID)
	}
	if f.Open {
		add("r.state = 'open'")
	}
	if f.Month != "" {
		if len(f.Month) != 7 {
			return "", nil, errs.InvalidFields(map[string]string{"month": "Enter the month as YYYY-MM"})
		}
		if _, err := send.ParseDate(f.Month + "-01"); err != nil {
			return "", nil, errs.InvalidFields(map[string]string{"month": "Enter the month as YYYY-MM"})
		}
		add("r.received_on >= ? AND r.received_on <= ?", f.Month+"-01", f.Month+"-31")
	}
	if f.AssigneeID != 0 {
		add("r.id IN (SELECT ka.request_id FROM advice_contributions ka WHERE ka.assignee_id = ? AND ka.kind = '')", f.AssigneeID)
	}
	if f.Service != "" {
		add("r.id IN (SELECT ks.request_id FROM advice_contributions ks WHERE ks.service = ? AND ks.kind = '')", f.Service)
	}
	if f.Unassigned {
		add("r.state = 'open' AND " + unassignedSQL)
	}
	if f.ToReturn {
		add("r.state = 'open' AND " + toReturnSQL)
	}
	const open = "r.state = 'open' AND "
	switch f.Status {
	case "":
	case advice.StatusNotStarted:
		add(open+"r.exception = '' AND r.due_on > ? AND r.triage = ''", soon)
	case advice.StatusInProgress:
		add(open+"r.exception = '' AND r.due_on > ? AND r.triage <> ''", soon)
	case advice.StatusDueSoon:
		add(open+"r.exception = '' AND r.due_on >= ? AND r.due_on <= ?", today, soon)
	case advice.StatusOverdue:
		add(open+"r.exception = '' AND r.due_on < ?", today)
	case advice.StatusPaused:
		add(open + "r.exception <> ''")
	case advice.StatusOnTime:
		add("r.state = 'returned' AND r.returned_on <= r.due_on")
	case advice.StatusLate:
		add("r.state = 'returned' AND r.returned_on > r.due_on")
	case advice.StatusWithdrawn:
		add("r.state = 'withdrawn'")
	default:
		return "", nil, errs.InvalidFields(map[string]string{"status": "Choose a status from the list"})
	}
	switch f.Queue {
	case "":
	case advice.QueueOverdue:
		add(open+"r.exception = '' AND r.due_on < ?", today)
	case advice.QueueDueThisWeek:
		add(open+"r.exception = '' AND r.due_on >= ? AND r.due_on <= ?", today, week)
	case advice.QueueAtRisk:
		add(open+"r.due_on <= ?", week)
	case advice.QueueUnassigned:
		add(open + unassignedSQL)
	case advice.QueuePaused:
		add(open + "r.exception <> ''")
	default:
		return "", nil, errs.InvalidFields(map[string]string{"queue": "Choose a work queue from the list"})
	}
	if len(where) == 0 {
		return "1 = 1", nil, nil
	}
	return strings.Join(where, " AND "), args, nil
}

// unassignedSQL is advice.QueueUnassigned on r: not triaged, or no
// contribution yet, or an open contribution with no clinician.
const unassignedSQL = `(r.triage = ''
	OR NOT EXISTS (SELECT 1 FROM advice_contributions ku WHERE ku.request_id = r.id)
	OR EXISTS (SELECT 1 FROM advice_contributions ku WHERE ku.request_id = r.id AND ku.kind = '' AND ku.assignee_id IS NULL))`

// toReturnSQL is advice.QueueFacts.ToReturn on an open r: it has parts,
// and none is still open.
const toReturnSQL = `EXISTS (SELECT 1 FROM advice_contributions kr WHERE kr.request_id = r.id)
	AND NOT EXISTS (SELECT 1 FROM advice_contributions kr WHERE kr.request_id = r.id AND kr.kind = '')`

// ListAdviceRequests returns a page of the requests the actor may see that
// match the filter on the clock's day, by due date, with who is assigned
// to each, and how many match in all. Audited "advice.list" with the count
// and the children of the page, as a search of children is.
func (s *DB) ListAdviceRequests(ctx context.Context, actor store.Actor, clock advice.Clock, f Filter) ([]Request, int, error) {
	const action = "advice.list"
	var out []Request
	var total int
	err := s.adviceWrite(ctx, actor, action, 0, func(t *store.Tx) error {
		scope, sargs, err := adviceScope(actor)
		if err != nil {
			return err
		}
		where, args, err := adviceWhere(f, clock)
		if err != nil {
			return err
		}
		where = scope + " AND " + where
		args = append(sargs, args...)
		if err := t.QueryRow(ctx, "SELECT count(*) FROM advice_requests r WHERE "+where, args...).Scan(&total); err != nil {
			return store.MapErr(err, "count advice requests")
		}
		limit, offset := store.PageOf(f.Limit, f.Offset)
		if total > offset {
			rows, err := t.Query(ctx, "SELECT "+adviceColumns+adviceFrom+" WHERE "+where+
				" ORDER BY r.due_on, r.id LIMIT ? OFFSET ?", append(args, limit, offset)...)
			if err != nil {
				return err
			}
			if out, err = store.ScanAll(rows, "advice requests", scanAdvice); err != nil {
				return err
			}
			if err := loadContributions(ctx, t, out, false); err != nil {
				return err
			}
			for i := range out {
				hideFromLA(actor, &out[i])
			}
		}
		// The children shown, not the filter's: a filter naming a child
		// the actor cannot see shows nothing of it.
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", 0, 0, store.OutcomeOK, fmt.Sprintf("results=%d", total)).
			WithChildren(store.ChildIDs(out, func(r Request) int64 { return r.ChildID })))
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// AdviceQueueCounts counts the open requests the actor may see in each work
// queue on the clock's day, grouped by LA, or counts open contributions by
// service or by assignee. It reads counts only, no record, so it is not
// audited.
func (s *DB) AdviceQueueCounts(ctx context.Context, actor store.Actor, clock advice.Clock, by string) ([]Count, error) {
	scope, sargs, err := adviceScope(actor)
	if err != nil {
		if e, ok := store.Refused(err); ok {
			return nil, e
		}
		return nil, err
	}
	today, week := clock.Today.String(), clock.WeekEnd.String()
	sums := `SUM(CASE WHEN r.exception = '' AND r.due_on < ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.exception = '' AND r.due_on >= ? AND r.due_on <= ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN %s THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.exception <> '' THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.due_on <= ? THEN 1 ELSE 0 END),
		count(*)`
	var q string
	switch by {
	case ByLA:
		q = `SELECT r.la_id, la.code, la.name, ` + fmt.Sprintf(sums, unassignedSQL) + `
			FROM advice_requests r JOIN orgs la ON la.id = r.la_id
			WHERE r.state = 'open' AND ` + scope + ` GROUP BY r.la_id, la.code, la.name ORDER BY la.name`
	case ByService:
		// Requests waiting on each service: the list filtered by service
		// and queue shows exactly the requests counted.
		q = `SELECT 0, k.service, k.service, ` + fmt.Sprintf(sums, unassignedSQL) + `
			FROM (SELECT DISTINCT request_id, service FROM advice_contributions WHERE kind = '') k
			JOIN advice_requests r ON r.id = k.request_id
			WHERE r.state = 'open' AND ` + scope + ` GROUP BY k.service`
	case ByAssignee:
		// Requests waiting on each clinician, as the list filtered by
		// assignee and queue shows them; parts with no clinician are not
		// anyone's and are counted by the unassigned queue instead.
		q = `SELECT k.assignee_id, u.email, u.name, ` + fmt.Sprintf(sums, unassignedSQL) + `
			FROM (SELECT DISTINCT request_id, assignee_id FROM advice_contributions WHERE kind = '' AND assignee_id IS NOT NULL) k
			JOIN advice_requests r ON r.id = k.request_id JOIN users u ON u.id = k.assignee_id
			WHERE r.state = 'open' AND ` + scope + ` GROUP BY k.assignee_id, u.email, u.name ORDER BY u.name, k.assignee_id`
	default:
		return nil, errs.E(errs.Invalid, "unknown grouping %q", by)
	}
	args := append([]any{today, today, week, week}, sargs...)
	rows, err := s.st.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.ID, &c.Code, &c.Label, &c.Overdue, &c.DueThisWeek, &c.Unassigned, &c.Paused, &c.AtRisk, &c.Open); err != nil {
			return nil, store.MapErr(err, "scan advice counts")
		}
		if by == ByService {
			c.Label = advice.ServiceLabel(c.Code)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, store.MapErr(err, "read advice counts")
	}
	if by == ByService {
		// In the order forms offer the services.
		rank := map[string]int{}
		for i, sv := range advice.Services() {
			rank[sv.Code] = i
		}
		sort.SliceStable(out, func(i, j int) bool { return rank[out[i].Code] < rank[out[j].Code] })
	}
	return out, nil
}

// --- requests in ---

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
			if !store.MayRegister(actor) {
				return errs.E(errs.Forbidden, "Your role cannot register children")
			}
			cbad := t.CheckChild(register, today)
			if err := t.PlaceChild(ctx, actor, register, cbad); err != nil {
				return err
			}
			for k, v := range cbad {
				bad[k] = v
			}
			if len(bad) > 0 {
				return errs.InvalidFields(bad)
			}
			var id int64
			if err := t.QueryRow(ctx, store.InsertChildSQL, store.ChildArgs(actor, register, at)...).Scan(&id); err != nil {
				if err := store.MapErr(err, "insert child"); errs.Is(err, errs.Conflict) {
					return store.ErrDuplicateNHS(err)
				} else {
					return err
				}
			}
			register.ID, register.Version = id, 1
			register.CreatedAt, register.UpdatedAt = store.ParseTime(at), store.ParseTime(at)
			if err := t.AppendAudit(ctx, store.Entry(actor, "child.create", "child", id, id, store.OutcomeOK, "with an advice request")); err != nil {
				return err
			}
			child = *register
		default:
			bad["nhs_number"] = "Enter the child's NHS number"
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
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
		if err := syncAdviceDeadline(ctx, t, id); err != nil {
			return err
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", id, r.ChildID, store.OutcomeOK, ""))
	})
	if register != nil && r.ChildID == 0 && errs.Is(err, errs.Conflict) && errs.FieldsOf(err)["nhs_number"] != "" {
		return s.st.DuplicateAttempt(ctx, actor, "child.create", string(register.NHSNumber), err)
	}
	return err
}

// UpdateAdviceRequest saves the LA's details of an open request: its
// reference, the date the assessment was requested, the services asked
// and the note; a DCO may also correct the date received, which moves the
// due date by cal. r.Version must be the version read. Audited
// "advice.update" with the names of the fields changed.
func (s *DB) UpdateAdviceRequest(ctx context.Context, actor store.Actor, cal *send.Calendar, r *Request) error {
	const action = "advice.update"
	if !mayRequest(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", r.ID, 0)
		return errs.E(errs.Forbidden, "Your role cannot change advice requests")
	}
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	return s.adviceWrite(ctx, actor, action, r.ID, func(t *store.Tx) error {
		cur, err := requestInScope(ctx, t, actor, r.ID, true)
		if err != nil {
			return err
		}
		if cur.Version != r.Version {
			return store.ErrStale()
		}
		if cur.State != advice.StateOpen {
			return errs.E(errs.Conflict, "This request has been %s and can no longer be changed", cur.State)
		}
		if actor.Role != store.RoleDCO && !store.IsSystem(actor) && !r.ReceivedOn.Equal(cur.ReceivedOn) {
			return errs.InvalidFields(map[string]string{"received_on": "Only the DCO team can change the date health received the request"})
		}
		bad := checkRequest(r, today)
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		due, err := advice.Due(cal, r.ReceivedOn)
		if err != nil {
			return err
		}
		var changed []string
		for _, f := range []struct {
			name string
			diff bool
		}{
			{"la_reference", cur.LAReference != r.LAReference}, {"received_on", !cur.ReceivedOn.Equal(r.ReceivedOn)},
			{"assessment_requested_on", !cur.AssessmentRequestedOn.Equal(r.AssessmentRequestedOn)},
			{"services_requested", cur.ServicesRequested != r.ServicesRequested}, {"request_note", cur.RequestNote != r.RequestNote},
		} {
			if f.diff {
				changed = append(changed, f.name)
			}
		}
		n, err := t.ExecN(ctx, `UPDATE advice_requests SET la_reference = ?, received_on = ?, assessment_requested_on = ?,
			services_requested = ?, request_note = ?, due_on = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, r.LAReference, r.ReceivedOn.String(), r.AssessmentRequestedOn.String(),
			r.ServicesRequested, r.RequestNote, due.String(), at, r.ID, r.Version)
		if errs.Is(err, errs.Conflict) {
			return errDuplicateReference(err)
		}
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if err := syncAdviceDeadline(ctx, t, r.ID); err != nil {
			return err
		}
		keep := *r
		*r = cur
		r.LAReference, r.ReceivedOn, r.AssessmentRequestedOn = keep.LAReference, keep.ReceivedOn, keep.AssessmentRequestedOn
		r.ServicesRequested, r.RequestNote, r.DueOn = keep.ServicesRequested, keep.RequestNote, due
		r.Version, r.UpdatedAt = cur.Version+1, store.ParseTime(at)
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", r.ID, r.ChildID, store.OutcomeOK, "fields="+strings.Join(changed, ",")))
	})
}

// --- triage and assignment ---

// isDCO reports whether the actor is the DCO team or dco itself.
func isDCO(a store.Actor) bool { return store.IsSystem(a) || a.Role == store.RoleDCO }

// TriageAdviceRequest records the DCO's triage of an open request: whether
// the child is known to health services, not known to any, or on a waiting
// list, which services, and a note. version must be the version read.
// Audited "advice.triage".
func (s *DB) TriageAdviceRequest(ctx context.Context, actor store.Actor, id, version int64, triage advice.Triage, services []string, note string) (int64, error) {
	const action = "advice.triage"
	if !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", id, 0)
		return 0, errs.E(errs.Forbidden, "Only the DCO team can triage advice requests")
	}
	bad := map[string]string{}
	if _, err := advice.ParseTriage(string(triage)); err != nil || triage == "" {
		bad["triage"] = "Select whether the child is known to health services, not known, or on a waiting list"
	}
	codes, unknown := advice.JoinServices(services)
	if len(unknown) > 0 {
		bad["known_services"] = "Choose services from the list"
	}
	if triage != advice.TriageNotKnown && triage != "" && codes == "" {
		bad["known_services"] = "Select the services that know the child, or hold the waiting list"
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 2000 {
		bad["triage_note"] = "The note must be 2000 characters or fewer"
	}
	if triage == advice.TriageNotKnown {
		codes = ""
	}
	at := store.FmtTime(s.st.Clock())
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		cur, err := requestInScope(ctx, t, actor, id, true)
		if err != nil {
			return err
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		if cur.State != advice.StateOpen {
			return errs.E(errs.Conflict, "This request has been %s and can no longer be triaged", cur.State)
		}
		n, err := t.ExecN(ctx, `UPDATE advice_requests SET triage = ?, known_services = ?, triage_note = ?, triaged_at = ?,
			triaged_by = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(triage), codes, note, at, actor.UserID, at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", id, cur.ChildID, store.OutcomeOK, "triage="+string(triage)))
	})
	if err != nil {
		return 0, err
	}
	return version + 1, nil
}

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

// --- contributions answered ---

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

// AdviceReuseMonths is the setting advice_reuse_months as it applies to
// ICB icbID (its own value, else the default): how old advice given for
// another purpose may be and still be offered for reuse. It is
// advice.DefaultReuseMonths when unset or unreadable. Pass the request's
// ICB.
func (s *DB) AdviceReuseMonths(ctx context.Context, icbID int64) int {
	n, err := adviceReuseMonths(ctx, s.st, icbID)
	if err != nil {
		return advice.DefaultReuseMonths
	}
	return n
}

// adviceReuseMonths reads advice_reuse_months for an ICB through r (the
// store, or a transaction); an
// unset or unusable value is advice.DefaultReuseMonths.
func adviceReuseMonths(ctx context.Context, r interface {
	SettingsFor(ctx context.Context, icbID int64, keys ...string) (map[string]store.Setting, error)
}, icbID int64) (int, error) {
	m, err := r.SettingsFor(ctx, icbID, "advice_reuse_months")
	if err != nil {
		return 0, err
	}
	v, ok := m["advice_reuse_months"]
	if !ok {
		return advice.DefaultReuseMonths, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.Value))
	if err != nil || n < 1 || n > 120 {
		return advice.DefaultReuseMonths, nil
	}
	return n, nil
}

// AdviceReuseCandidates lists advice already returned for the request's
// child, in dco, dated within the reuse period before the request was
// received: what can be offered for reuse under reg 6(4). Audited
// "advice.reuse_candidates" with the child.
func (s *DB) AdviceReuseCandidates(ctx context.Context, actor store.Actor, requestID int64) ([]Contribution, error) {
	const action = "advice.reuse_candidates"
	var out []Contribution
	err := s.adviceWrite(ctx, actor, action, requestID, func(t *store.Tx) error {
		r, err := requestInScope(ctx, t, actor, requestID, false)
		if err != nil {
			return err
		}
		months, err := adviceReuseMonths(ctx, t, r.ICBID)
		if err != nil {
			return err
		}
		if out, err = reuseCandidates(ctx, t, r, months); err != nil {
			return err
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", requestID, r.ChildID, store.OutcomeOK, fmt.Sprintf("results=%d", len(out))))
	})
	return out, err
}

func reuseCandidates(ctx context.Context, t *store.Tx, r Request, months int) ([]Contribution, error) {
	from := advice.ReuseFrom(r.ReceivedOn, months)
	rows, err := t.Query(ctx, "SELECT "+contributionColumns+contributionFrom+`
		WHERE k.child_id = ? AND k.request_id <> ? AND k.kind IN ('advice', 'document')
		AND k.returned_on >= ? AND k.returned_on <= ? ORDER BY k.returned_on DESC, k.id DESC LIMIT 50`,
		r.ChildID, r.ID, from.String(), r.ReceivedOn.String())
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, "contributions", scanContribution)
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

// reuseOf fills a.Reuse's source and date from the earlier contribution
// a.ReuseOfID, which must be one of the request's reuse candidates; the
// agreements recorded for this reuse are kept.
func reuseOf(ctx context.Context, t *store.Tx, r Request, months int, a *Answer) error {
	cands, err := reuseCandidates(ctx, t, r, months)
	if err != nil {
		return err
	}
	for _, c := range cands {
		if c.ID == a.ReuseOfID {
			a.Reuse.Source = fmt.Sprintf("%s advice returned on %s", advice.ServiceLabel(c.Service), c.ReturnedOn.Long())
			a.Reuse.Dated = c.ReturnedOn
			return nil
		}
	}
	return errs.InvalidFields(map[string]string{"reuse_of_id": fmt.Sprintf("Choose advice returned for this child in the %d months before the request", months)})
}

// UploadAdviceDocument stores advice written elsewhere as the answer to a
// contribution: a PDF or DOCX (by its content, not its name) of at most
// advice.MaxDocument bytes, with the date it was returned. Earlier uploads
// are kept; the newest is the advice. Audited "advice.document.upload".
func (s *DB) UploadAdviceDocument(ctx context.Context, actor store.Actor, id, version int64, filename string, content []byte, returnedOn send.Date) (Document, error) {
	const action = "advice.document.upload"
	if actor.Role != store.RoleClinician && !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_contribution", id, 0)
		return Document{}, errs.E(errs.Forbidden, "Your role cannot record health advice")
	}
	bad := map[string]string{}
	ctype, ok := advice.SniffDocument(content)
	switch {
	case len(content) == 0:
		bad["document"] = "Select a PDF or Word (DOCX) file"
	case len(content) > advice.MaxDocument:
		bad["document"] = "The file must be smaller than 10 MB"
	case !ok:
		bad["document"] = "The file must be a PDF or a Word document (DOCX)"
	}
	name := advice.CleanFilename(filename, ctype)
	sum := sha256.Sum256(content)
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	var d Document
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		c, r, err := answerable(ctx, t, actor, id, version)
		if err != nil {
			return err
		}
		advice.CheckReturned(bad, "returned_on", returnedOn, r.ReceivedOn, today)
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		docID, err := t.InsertID(ctx, `INSERT INTO advice_documents (contribution_id, request_id, child_id, filename,
			content_type, size_bytes, sha256, content, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, r.ID, c.ChildID, name, ctype, len(content), hex.EncodeToString(sum[:]), content, actor.UserID, at)
		if err != nil {
			return err
		}
		n, err := t.ExecN(ctx, `UPDATE advice_contributions SET kind = 'document', needs = '', outcomes = '',
			records_reviewed = ?, family_contacted = ?, senco_contacted = ?, checks_note = '', reuse_of_id = NULL,
			reuse_source = '', reuse_dated = '', returned_on = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, false, false, false, returnedOn.String(), at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if _, err := t.ExecN(ctx, "DELETE FROM advice_provisions WHERE contribution_id = ?", id); err != nil {
			return err
		}
		d = Document{ID: docID, ContributionID: id, RequestID: r.ID, ChildID: c.ChildID, Filename: name,
			ContentType: ctype, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: store.ParseTime(at)}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", r.ID, c.ChildID, store.OutcomeOK,
			fmt.Sprintf("contribution=%d document=%d bytes=%d", id, docID, len(content))))
	})
	if err != nil {
		return Document{}, err
	}
	return d, nil
}

// GetAdviceDocument returns an uploaded document with its content, if the
// actor may see its request: an LA only once the response is returned.
// Audited "advice.document.view" with the child.
func (s *DB) GetAdviceDocument(ctx context.Context, actor store.Actor, docID int64) (Document, error) {
	const action = "advice.document.view"
	var d Document
	err := s.adviceWrite(ctx, actor, action, docID, func(t *store.Tx) error {
		var requestID int64
		err := t.QueryRow(ctx, "SELECT request_id FROM advice_documents WHERE id = ?", docID).Scan(&requestID)
		if errors.Is(err, sql.ErrNoRows) {
			return errAdviceNotFound()
		}
		if err != nil {
			return store.MapErr(err, "find document")
		}
		r, err := requestInScope(ctx, t, actor, requestID, false)
		if err != nil {
			return err
		}
		// An LA receives documents with the combined response, not before.
		visible := r
		hideFromLA(actor, &visible)
		if visible.ContributionsHidden {
			return errAdviceNotFound()
		}
		d, err = scanDocument(t.QueryRow(ctx, "SELECT "+documentColumns+", d.content FROM advice_documents d WHERE d.id = ?", docID), true)
		if err != nil {
			return store.MapErr(err, "read document")
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", r.ID, r.ChildID, store.OutcomeOK, "document="+itoa(docID)))
	})
	if err != nil {
		return Document{}, err
	}
	return d, nil
}

// --- exceptions ---

// RecordContributionException records a reg 8(2) exception on a
// contribution: which, why and when. When the request has none yet it
// takes the same exception, in the same transaction, since the time limit
// is the request's. version is the contribution's version read. Audited
// "advice.exception".
func (s *DB) RecordContributionException(ctx context.Context, actor store.Actor, id, version int64, e advice.Exception) (int64, error) {
	const action = "advice.exception"
	if actor.Role != store.RoleClinician && !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_contribution", id, 0)
		return 0, errs.E(errs.Forbidden, "Your role cannot record exceptions")
	}
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		c, r, err := answerable(ctx, t, actor, id, version)
		if err != nil {
			return err
		}
		if bad := advice.CheckException(&e, r.ReceivedOn, r.DueOn, today); len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		n, err := t.ExecN(ctx, `UPDATE advice_contributions SET exception = ?, exception_reason = ?, exception_on = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(e.Kind), e.Reason, e.On.String(), at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if r.Exception.Kind == "" {
			if _, err := t.ExecN(ctx, `UPDATE advice_requests SET exception = ?, exception_reason = ?, exception_on = ?,
				version = version + 1, updated_at = ? WHERE id = ?`, string(e.Kind), e.Reason, e.On.String(), at, r.ID); err != nil {
				return err
			}
			if err := syncAdviceDeadline(ctx, t, r.ID); err != nil {
				return err
			}
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", r.ID, c.ChildID, store.OutcomeOK,
			fmt.Sprintf("contribution=%d exception=%s", id, e.Kind)))
	})
	if err != nil {
		return 0, err
	}
	return version + 1, nil
}

// RecordAdviceException records, or with an empty Kind clears, the reg 8(2)
// exception of an open request. Only the DCO team may. version is the
// request's version read. Audited "advice.exception".
func (s *DB) RecordAdviceException(ctx context.Context, actor store.Actor, id, version int64, e advice.Exception) (int64, error) {
	const action = "advice.exception"
	if !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", id, 0)
		return 0, errs.E(errs.Forbidden, "Only the DCO team can record an exception on a request")
	}
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		r, err := requestInScope(ctx, t, actor, id, true)
		if err != nil {
			return err
		}
		if r.Version != version {
			return store.ErrStale()
		}
		if r.State != advice.StateOpen {
			return errs.E(errs.Conflict, "This request has been %s; its exception can no longer be changed", r.State)
		}
		if e.Kind == "" {
			e = advice.Exception{}
		} else if bad := advice.CheckException(&e, r.ReceivedOn, r.DueOn, today); len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		n, err := t.ExecN(ctx, `UPDATE advice_requests SET exception = ?, exception_reason = ?, exception_on = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(e.Kind), e.Reason, e.On.String(), at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if err := syncAdviceDeadline(ctx, t, id); err != nil {
			return err
		}
		detail := "exception=" + string(e.Kind)
		if e.Kind == "" {
			detail = "exception cleared"
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", id, r.ChildID, store.OutcomeOK, detail))
	})
	if err != nil {
		return 0, err
	}
	return version + 1, nil
}

// --- the response to the LA ---

// ReturnAdviceRequest sends the combined health response to the LA: every
// contribution must be answered. It records the date returned and the
// outcome (advice, or not known when every service said so). version must
// be the request's version read: when two people return the same request,
// exactly one succeeds and the other gets a conflict. Only the DCO team
// returns. The grants the request's parts gave their clinicians end with it
// (store.Tx.EndWorkGrants). Audited "advice.return".
func (s *DB) ReturnAdviceRequest(ctx context.Context, actor store.Actor, id, version int64, returnedOn send.Date, note string) (Request, error) {
	const action = "advice.return"
	if !isDCO(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", id, 0)
		return Request{}, errs.E(errs.Forbidden, "Only the DCO team can send the response to the LA")
	}
	note = strings.TrimSpace(note)
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	var out Request
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		r, err := requestInScope(ctx, t, actor, id, true)
		if err != nil {
			return err
		}
		if r.Version != version {
			return store.ErrStale()
		}
		if r.State != advice.StateOpen {
			return errs.E(errs.Conflict, "This request has already been %s", r.State)
		}
		bad := map[string]string{}
		advice.CheckReturned(bad, "returned_on", returnedOn, r.ReceivedOn, today)
		if utf8.RuneCountInString(note) > advice.MaxText {
			bad["response_note"] = fmt.Sprintf("The covering note must be %d characters or fewer", advice.MaxText)
		}
		rs := []Request{r}
		if err := loadContributions(ctx, t, rs, false); err != nil {
			return err
		}
		r = rs[0]
		var kinds []advice.Kind
		open := 0
		for _, c := range r.Contributions {
			if !c.Done() {
				open++
			}
			kinds = append(kinds, c.Kind)
		}
		switch {
		case len(r.Contributions) == 0:
			bad[""] = "No advice has been asked for yet: assign the request to a service or the HAS team first"
		case open == 1:
			bad[""] = "1 contribution has not been returned yet"
		case open > 1:
			bad[""] = fmt.Sprintf("%d contributions have not been returned yet", open)
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		outcome := advice.OutcomeOf(kinds)
		n, err := t.ExecN(ctx, `UPDATE advice_requests SET state = 'returned', returned_on = ?, outcome = ?, response_note = ?,
			returned_by = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND state = 'open'`,
			returnedOn.String(), string(outcome), note, actor.UserID, at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if err := syncAdviceDeadline(ctx, t, id); err != nil {
			return err
		}
		ended, err := t.EndWorkGrants(ctx, actor, r.ChildID, fmt.Sprintf("request=%d returned", id), requestParts, id)
		if err != nil {
			return err
		}
		r.State, r.ReturnedOn, r.Outcome, r.ResponseNote = advice.StateReturned, returnedOn, outcome, note
		r.Version, r.UpdatedAt = version+1, store.ParseTime(at)
		out = r
		onTime, counted := r.OnTime()
		return t.AppendAudit(ctx, append([]*store.AuditEntry{store.Entry(actor, action, "advice_request", id, r.ChildID, store.OutcomeOK,
			fmt.Sprintf("outcome=%s on_time=%v counted=%v", outcome, onTime, counted))}, ended...)...)
	})
	if err != nil {
		return Request{}, err
	}
	return out, nil
}

// WithdrawAdviceRequest closes an open request the LA no longer needs
// answered, on the date given. The LA that asked or the DCO team may. The
// grants the request's parts gave their clinicians end with it
// (store.Tx.EndWorkGrants). Audited "advice.withdraw".
func (s *DB) WithdrawAdviceRequest(ctx context.Context, actor store.Actor, id, version int64, on send.Date) error {
	const action = "advice.withdraw"
	if !mayRequest(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", id, 0)
		return errs.E(errs.Forbidden, "Your role cannot withdraw advice requests")
	}
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	return s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		r, err := requestInScope(ctx, t, actor, id, true)
		if err != nil {
			return err
		}
		if r.Version != version {
			return store.ErrStale()
		}
		if r.State != advice.StateOpen {
			return errs.E(errs.Conflict, "This request has already been %s", r.State)
		}
		bad := map[string]string{}
		advice.CheckWithdrawn(bad, "withdrawn_on", on, r.ReceivedOn, today)
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		n, err := t.ExecN(ctx, `UPDATE advice_requests SET state = 'withdrawn', withdrawn_on = ?, outcome = 'withdrawn',
			withdrawn_by = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND state = 'open'`,
			on.String(), actor.UserID, at, id, version)
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if err := syncAdviceDeadline(ctx, t, id); err != nil {
			return err
		}
		ended, err := t.EndWorkGrants(ctx, actor, r.ChildID, fmt.Sprintf("request=%d withdrawn", id), requestParts, id)
		if err != nil {
			return err
		}
		return t.AppendAudit(ctx, append([]*store.AuditEntry{store.Entry(actor, action, "advice_request", id, r.ChildID, store.OutcomeOK, "")}, ended...)...)
	})
}

// DB is the health advice workflow's store, on the kernel store.
type DB struct{ st *store.Store }

// New returns the advice store on st.
func New(st *store.Store) *DB { return &DB{st: st} }

// itoa writes an id for an audit detail or a key.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
