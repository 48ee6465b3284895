package s23db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"dco/internal/errs"
	"dco/internal/s23"
	"dco/internal/send"
	"dco/internal/store"
)

// Section 23 notifications (Children and Families Act 2014 s.23). The rules
// (the order of the steps, when s.23 applies, compliance) are internal/s23's;
// this file stores notifications, keeps each actor to its own, and audits
// every read and change as an access to the child's record, in the same
// transaction.
//
// Scope (docs/design.md §2):
//   - dco: every notification of their ICB (none when they have none);
//   - provider: the notifications their organisation made;
//   - la: the notifications made to their LA, once the LA has been told
//     (an LA cannot see what it has not yet been sent);
//   - clinician, viewer and admin: none.
// A notification out of scope is not_found, exactly as an absent one is, and
// the attempt is audited as refused.

// Notification is one Section 23 (or other) notification of a child to
// a local authority.
type Notification struct {
	ID    int64
	ICBID int64 // the ICB of the LA notified, set by the store
	Kind  s23.Kind
	// ChildID is the child notified. store.Child is filled on read: NHS number,
	// names, date of birth, postcode and LA of residence.
	ChildID int64
	Child   store.Child
	// ProviderOrgID is the health provider making the notification; for a
	// provider user it is always their own organisation.
	ProviderOrgID int64
	ProviderName  string
	// LAID is the LA notified: the child's LA of residence unless LAReason
	// says why another.
	LAID          int64
	LAName        string
	LAReason      string
	Professional  string // who formed the opinion: name and role
	Service       string // their service, e.g. "Health visiting, Swindon"
	Needs         []string
	Reasons       string
	Steps         s23.Steps
	Consent       s23.Consent
	VoluntaryOrgs string // the voluntary organisations the parent was told about (s.23(4))
	// AcknowledgedBy is the user who recorded the LA's acknowledgement.
	AcknowledgedBy     int64
	ParentLetterSentOn send.Date
	LALetterSentOn     send.Date
	// Others is how many other notifications of the same child the reader
	// may see: more than zero flags a possible duplicate.
	Others    int
	CreatedBy int64
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Filter narrows a listing of notifications. Empty fields do not filter.
type Filter struct {
	LAID          int64
	ProviderOrgID int64
	ChildID       int64
	Kind          s23.Kind
	// Status is one of the Status values.
	Status string
	// NotifiedFrom and NotifiedTo keep notifications whose LA was told on
	// those days or between them: a month's notifications.
	NotifiedFrom, NotifiedTo send.Date
	// Today and StandardDays settle which are overdue, for StatusOverdue.
	Today        send.Date
	StandardDays int
	// OverdueOn, with StatusOverdue, judges on that day instead of
	// Today: the notifications waiting past the standard at its end,
	// including those whose LA was told only later. It is the compliance
	// table's "waiting past the standard at month end", as a list.
	OverdueOn send.Date
	Limit     int // page size, default 50
	Offset    int
}

// The statuses a listing can be narrowed to.
const (
	StatusNotInformed    = "not_informed"   // the parent has not been informed yet
	StatusAwaitingLA     = "awaiting_la"    // the parent is informed; the LA not yet
	StatusOverdue        = "overdue"        // awaiting the LA beyond the local standard
	StatusUnacknowledged = "unacknowledged" // the LA is told and has not acknowledged
	StatusAcknowledged   = "acknowledged"   // the LA has acknowledged
	StatusDuplicate      = "duplicate"      // the child has another notification
)

// Statuses lists the statuses in the order filters offer them.
var Statuses = []string{StatusNotInformed, StatusAwaitingLA, StatusOverdue,
	StatusUnacknowledged, StatusAcknowledged, StatusDuplicate}

// The audit actions of notifications.
const (
	ActionCreate      = "s23.create"
	ActionView        = "s23.view"
	ActionLetterView  = "s23.letter_view"
	ActionList        = "s23.list"
	ActionUpdate      = "s23.update"
	ActionAcknowledge = "s23.acknowledge"
	ActionLetterSent  = "s23.letter_sent"
	ActionImport      = "s23.import"
)

// The letters of a notification.
const (
	LetterParent = "parent" // the letter to the parent
	LetterLA     = "la"     // the notification to the LA
)

const s23ObjectType = "s23_notification"

// s23Scope returns the SQL condition, on notifications aliased alias, that
// limits rows to what a may see.
func s23Scope(a store.Actor, alias string) (string, []any, error) {
	if cond, args, ok := store.ICBWide(a, alias); ok {
		return cond, args, nil
	}
	switch a.Role {
	case store.RoleProvider:
		return alias + ".provider_org_id = ?", []any{a.OrgID}, nil
	case store.RoleLA:
		return alias + ".la_id = ? AND " + alias + ".la_notified_on <> ''", []any{a.LAID}, nil
	}
	return "", nil, store.Refusal(errs.E(errs.Forbidden, "Your role does not give access to notifications"))
}

// mayNotify reports whether an actor may make and change notifications.
func mayNotify(a store.Actor) bool {
	return store.IsSystem(a) || a.Role == store.RoleDCO || a.Role == store.RoleProvider
}

func errS23NotFound() error {
	return store.Refusal(errs.E(errs.NotFound, "No notification was found"))
}

// s23Write runs fn in a write transaction for actor; if fn was refused by
// scope, the refusal is audited in a transaction of its own.
func (s *DB) s23Write(ctx context.Context, actor store.Actor, action string, id int64, fn func(t *store.Tx) error) error {
	return s.st.ScopedWrite(ctx, actor, action, s23ObjectType, id, 0, fn)
}

// s23Columns follow store.ChildColumns in every notification query: the child's
// columns first, so scanChild reads them.
const s23Columns = store.ChildColumns + `, n.id, n.icb_id, n.kind, n.child_id, n.provider_org_id, p.name, n.la_id, nla.name, n.la_reason,
	n.professional, n.service, n.needs, n.reasons, n.opinion_on, n.parent_informed_on, n.discussion_offered_on,
	n.discussion_held_on, n.consent_to_share, n.voluntary_orgs, n.la_notified_on, n.acknowledged_on, n.acknowledged_by,
	n.parent_letter_sent_on, n.la_letter_sent_on, n.created_by_user_id, n.version, n.created_at, n.updated_at`

const s23From = ` FROM s23_notifications n
	JOIN children c ON c.id = n.child_id
	JOIN orgs la ON la.id = c.la_id
	JOIN orgs p ON p.id = n.provider_org_id
	JOIN orgs nla ON nla.id = n.la_id`

// s23WithExtra lets scanChild read a row that has further columns after the
// child's, scanning those into extra.
type s23WithExtra struct {
	r     interface{ Scan(...any) error }
	extra []any
}

func (w s23WithExtra) Scan(dest ...any) error { return w.r.Scan(append(dest, w.extra...)...) }

func scanS23(r interface{ Scan(...any) error }, others bool) (Notification, error) {
	var n Notification
	var kind, needs, consent, created, updated string
	var dates [10]string
	extra := []any{&n.ID, &n.ICBID, &kind, &n.ChildID, &n.ProviderOrgID, &n.ProviderName, &n.LAID, &n.LAName, &n.LAReason,
		&n.Professional, &n.Service, &needs, &n.Reasons, &dates[0], &dates[1], &dates[2], &dates[3], &consent,
		&n.VoluntaryOrgs, &dates[4], &dates[5], &n.AcknowledgedBy, &dates[6], &dates[7], &n.CreatedBy, &n.Version,
		&created, &updated}
	if others {
		extra = append(extra, &n.Others)
	}
	c, err := store.ScanChild(s23WithExtra{r: r, extra: extra})
	if err != nil {
		return Notification{}, err
	}
	n.Child = c
	n.Kind, n.Consent = s23.Kind(kind), s23.Consent(consent)
	if needs != "" {
		n.Needs = strings.Split(needs, ",")
	}
	ptrs := []*send.Date{&n.Steps.OpinionOn, &n.Steps.ParentInformedOn, &n.Steps.DiscussionOfferedOn, &n.Steps.DiscussionHeldOn,
		&n.Steps.LANotifiedOn, &n.Steps.AcknowledgedOn, &n.ParentLetterSentOn, &n.LALetterSentOn}
	for i, p := range ptrs {
		if dates[i] == "" {
			continue
		}
		if *p, err = send.ParseDate(dates[i]); err != nil {
			return Notification{}, fmt.Errorf("notification %d date: %w", n.ID, err)
		}
	}
	n.CreatedAt, n.UpdatedAt = store.ParseTime(created), store.ParseTime(updated)
	return n, nil
}

// s23DateArg stores a date, "" when unset.
func s23DateArg(d send.Date) string { return d.String() }

// s23InScope reads one notification if actor may see it; lock holds the row
// for an update. Otherwise it is a refusal: not_found, or forbidden for a
// role that sees no notifications.
func s23InScope(ctx context.Context, t *store.Tx, actor store.Actor, id int64, lock bool) (Notification, error) {
	scope, args, err := s23Scope(actor, "n")
	if err != nil {
		return Notification{}, err
	}
	q := "SELECT " + s23Columns + s23From + " WHERE n.id = ? AND " + scope
	if lock && t.Engine() == store.EnginePostgres {
		q += " FOR UPDATE OF n"
	}
	n, err := scanS23(t.QueryRow(ctx, q, append([]any{id}, args...)...), false)
	if errors.Is(err, sql.ErrNoRows) {
		return Notification{}, errS23NotFound()
	}
	if err != nil {
		return Notification{}, store.MapErr(err, "read notification")
	}
	return n, nil
}

// Record is what of n a person gives, the part s23.Notification.Validate
// checks.
func (n *Notification) Record() s23.Notification {
	return s23.Notification{Kind: n.Kind, LAReason: n.LAReason, Professional: n.Professional, Service: n.Service,
		Needs: n.Needs, Reasons: n.Reasons, Steps: n.Steps, Consent: n.Consent, VoluntaryOrgs: n.VoluntaryOrgs}
}

// SetRecord puts r, as Validate normalised it, back into n.
func (n *Notification) SetRecord(r s23.Notification) {
	n.Kind, n.LAReason, n.Professional, n.Service = r.Kind, r.LAReason, r.Professional, r.Service
	n.Needs, n.Reasons, n.Steps, n.Consent, n.VoluntaryOrgs = r.Needs, r.Reasons, r.Steps, r.Consent, r.VoluntaryOrgs
}

// checkS23 normalises a notification's own fields and returns what is wrong
// with them: s23.Notification.Validate, the one set of rules every route
// uses. The child, the organisations and whether s.23 applies need the
// database; the caller checks those.
func checkS23(n *Notification, today send.Date) map[string]string {
	r := n.Record()
	bad := r.Validate(today)
	n.SetRecord(r)
	return bad
}

// DB is the Section 23 workflow's store: its SQL, on the kernel store's
// transactions, scoping and audit.
type DB struct{ st *store.Store }

// New returns the Section 23 store on st, and has st keep the Section 23
// clocks in the ledger of deadlines in step with the ICBs' local standards
// whenever one is saved (syncStandards).
func New(st *store.Store) *DB {
	if st != nil { // nil: only to read the workflow's routes
		st.OnSettingSaved(DeadlineKind, syncStandards)
	}
	return &DB{st: st}
}

// Store returns the kernel store the workflow runs on.
func (s *DB) Store() *store.Store { return s.st }
