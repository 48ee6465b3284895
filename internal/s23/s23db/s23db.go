package s23db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
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

// s23Org is what a notification needs to know of an organisation.
type s23Org struct {
	kind   store.OrgKind
	name   string
	parent int64
}

// s23OrgOf reads an organisation, through cache when one is given; a missing
// one has no kind.
func s23OrgOf(ctx context.Context, t *store.Tx, id int64, cache map[int64]s23Org) (s23Org, error) {
	if o, ok := cache[id]; ok {
		return o, nil
	}
	var o s23Org
	var kind string
	err := t.QueryRow(ctx, "SELECT kind, name, COALESCE(parent_id, 0) FROM orgs WHERE id = ?", id).Scan(&kind, &o.name, &o.parent)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s23Org{}, store.MapErr(err, "find organisation")
	}
	o.kind = store.OrgKind(kind)
	if cache != nil {
		cache[id] = o
	}
	return o, nil
}

// placeS23 settles the child-dependent parts of a notification: s.23
// applies, the LA notified (the child's LA of residence unless a reason is
// given), the ICB, and the provider. It adds to bad what is wrong. cache,
// when not nil, remembers organisations across the rows of an import.
func placeS23(ctx context.Context, t *store.Tx, actor store.Actor, n *Notification, c store.Child, bad map[string]string, cache map[int64]s23Org) error {
	if n.Steps.OpinionOn.Before(c.DateOfBirth) {
		bad[s23.FieldOpinion] = "The date the opinion was formed must be on or after the child's date of birth"
	} else if applies, csaFrom := s23.Applies(c.DateOfBirth, n.Steps.OpinionOn); !applies && n.Kind == s23.KindS23 {
		if actor.Role == store.RoleDCO || store.IsSystem(actor) {
			bad["kind"] = s23.NotApplicableText(csaFrom) + ". Record it as an other notification if the LA should still be told."
		} else {
			bad["kind"] = s23.NotApplicableText(csaFrom) + ". Ask your DCO team if the LA should still be told."
		}
	}
	if n.Kind == s23.KindOther && !store.IsSystem(actor) && actor.Role != store.RoleDCO {
		bad["kind"] = "Only a DCO can record an other notification"
	}
	if n.LAID == 0 {
		n.LAID = c.LAID
	}
	if n.LAID == c.LAID {
		n.LAReason = ""
	} else if n.LAReason == "" && bad["la_reason"] == "" {
		bad["la_reason"] = "Enter why this LA is notified rather than the child's LA of residence, " + c.LAName
	}
	la, err := s23OrgOf(ctx, t, n.LAID, cache)
	if err != nil {
		return err
	}
	switch {
	case la.kind != store.OrgLA || la.parent == 0:
		bad["la_id"] = "Choose the local authority to notify"
	case actor.Role == store.RoleDCO && la.parent != actor.OrgID: // none for a DCO of no ICB
		bad["la_id"] = "Choose one of your ICB's local authorities"
	default:
		n.LAName, n.ICBID = la.name, la.parent
	}
	if actor.Role == store.RoleProvider && !store.IsSystem(actor) {
		n.ProviderOrgID = actor.OrgID
	}
	p, err := s23OrgOf(ctx, t, n.ProviderOrgID, cache)
	if err != nil {
		return err
	}
	if n.ProviderOrgID == 0 || p.kind != store.OrgProvider {
		bad["provider_org_id"] = "Choose the health provider making the notification"
		return nil
	}
	n.ProviderName = p.name
	return nil
}

// s23Child finds or registers the child of a new notification. With id set
// it is a child the actor may see. Otherwise c holds the child's details: a
// child already registered with that NHS number is used when the details
// are that child's (sameIdentity: a provider notifying a child it has not seen
// in dco before), and refused otherwise with one message whichever detail
// differs, *mismatch set to the registered child's id for the caller to
// count and audit; a child the actor may not see is returned as they typed
// it (typedView). A child not registered is registered, audited
// "child.create".
func s23Child(ctx context.Context, t *store.Tx, actor store.Actor, id int64, c *store.Child, at string, today send.Date, bad map[string]string, mismatch *int64) (store.Child, bool, error) {
	if id != 0 {
		c, err := t.ChildInScope(ctx, actor, id, false)
		return c, false, err
	}
	if c == nil {
		bad["child"] = "Choose the child, or enter their details"
		return store.Child{}, false, nil
	}
	for k, v := range t.CheckChild(c, today) {
		bad[k] = v
	}
	if _, ok := bad["nhs_number"]; ok {
		return store.Child{}, false, nil
	}
	found, err := t.ChildByNHS(ctx, c.NHSNumber)
	switch {
	case err == nil:
		visible, err := t.ChildVisible(ctx, actor, found.ID)
		if err != nil {
			return store.Child{}, false, err
		}
		switch {
		case !store.SameIdentity(found, *c, visible):
			bad["nhs_number"] = store.MsgIdentityMismatch
			*mismatch = found.ID
			return store.Child{}, false, nil
		case !visible:
			return store.TypedView(found, *c), false, nil
		}
		return found, false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return store.Child{}, false, store.MapErr(err, "find child")
	}
	if err := t.PlaceChild(ctx, actor, c, bad); err != nil {
		return store.Child{}, false, err
	}
	if msg, ok := bad["la_id"]; ok {
		// The child's own LA, not the LA notified.
		delete(bad, "la_id")
		bad["child_la_id"] = msg
	}
	if len(bad) > 0 {
		return store.Child{}, false, nil
	}
	if err := t.InsertChild(ctx, actor, c, at); err != nil {
		return store.Child{}, false, err
	}
	if err := t.AppendAudit(ctx, store.Entry(actor, "child.create", "child", c.ID, c.ID, store.OutcomeOK, "via="+ActionCreate)); err != nil {
		return store.Child{}, false, err
	}
	return *c, true, nil
}

// grantNotifier gives the provider that made a notification sight of the
// child, as GrantChildAccess would, inside the notification's transaction,
// and returns the audit row to append for it. A grant already held is left
// alone and not audited again (nil).
func grantNotifier(ctx context.Context, t *store.Tx, actor store.Actor, childID, orgID int64, at string) (*store.AuditEntry, error) {
	n, err := t.ExecN(ctx, grantNotifierSQL, childID, orgID, s23GrantReason, actor.UserID, at)
	if err != nil || n == 0 {
		return nil, err
	}
	return s23GrantEntry(actor, childID, orgID), nil
}

const grantNotifierSQL = `INSERT INTO child_access (child_id, org_id, reason, created_by, created_at)
	VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

const s23GrantReason = "made a Section 23 notification"

// s23GrantEntry is the audit row of a grant to a notifying provider.
func s23GrantEntry(actor store.Actor, childID, orgID int64) *store.AuditEntry {
	return store.Entry(actor, "child.grant", "child", childID, childID, store.OutcomeOK, "org_id="+strconv.FormatInt(orgID, 10)+" via=s23")
}

// s23JoinNeeds stores the areas of need as a comma-separated list of keys.
func s23JoinNeeds(needs []string) string { return strings.Join(needs, ",") }

const insertS23SQL = `INSERT INTO s23_notifications (icb_id, child_id, kind, provider_org_id, la_id, la_reason, professional,
	service, needs, reasons, opinion_on, parent_informed_on, discussion_offered_on, discussion_held_on, consent_to_share,
	voluntary_orgs, la_notified_on, acknowledged_on, acknowledged_by, parent_letter_sent_on, la_letter_sent_on,
	created_by_user_id, version, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`

func s23Args(actor store.Actor, n *Notification, at string) []any {
	st := n.Steps
	return []any{n.ICBID, n.ChildID, string(n.Kind), n.ProviderOrgID, n.LAID, n.LAReason, n.Professional,
		n.Service, s23JoinNeeds(n.Needs), n.Reasons, s23DateArg(st.OpinionOn), s23DateArg(st.ParentInformedOn),
		s23DateArg(st.DiscussionOfferedOn), s23DateArg(st.DiscussionHeldOn), string(n.Consent), n.VoluntaryOrgs,
		s23DateArg(st.LANotifiedOn), s23DateArg(st.AcknowledgedOn), n.AcknowledgedBy, s23DateArg(n.ParentLetterSentOn),
		s23DateArg(n.LALetterSentOn), actor.UserID, at, at}
}

// Create records a notification. The child is n.ChildID, a child the
// actor may see, or else newChild's details: matched to a registered child
// by NHS number, family name and date of birth, or registered. A provider
// notifies as its own organisation and may make only Section 23
// notifications; a DCO names the provider and may record an "other"
// notification for a child s.23 does not cover. The steps must be in the
// statute's order (s23.Steps.Check): the LA is never told before the parent.
// The provider's organisation is granted sight of the child. Sets n.ID,
// n.Version (1) and the names. Audited "s23.create" against the child.
func (s *DB) Create(ctx context.Context, actor store.Actor, n *Notification, newChild *store.Child) error {
	return s.createS23(ctx, actor, n, newChild, false)
}

// Check makes every check Create makes, against the database too, and
// writes nothing: for the "check your answers" page before a notification
// leaves the ICB. On success n holds what would be stored (names, the LA,
// the child as matched or as it would be registered, with ChildID 0 for a
// child not yet registered).
func (s *DB) Check(ctx context.Context, actor store.Actor, n *Notification, newChild *store.Child) error {
	return s.createS23(ctx, actor, n, newChild, true)
}

func (s *DB) createS23(ctx context.Context, actor store.Actor, n *Notification, newChild *store.Child, dry bool) error {
	if !mayNotify(actor) {
		s.st.Refuse(ctx, actor, ActionCreate, s23ObjectType, 0, n.ChildID)
		return errs.E(errs.Forbidden, "Your role cannot make notifications")
	}
	via := ActionCreate
	if dry {
		via = "s23.check"
	}
	if n.ChildID == 0 && newChild != nil {
		// Details to match against a registered child: an identity check.
		if err := s.st.IdentityWait(ctx, actor, via); err != nil {
			return err
		}
	}
	now := s.st.Clock()
	at := store.FmtTime(now)
	today := send.Today(now)
	n.AcknowledgedBy, n.Steps.AcknowledgedOn = 0, send.Date{}
	var registered bool
	var mismatch int64
	err := s.st.ChildWrite(ctx, actor, ActionCreate, n.ChildID, func(t *store.Tx) error {
		mismatch = 0
		bad := checkS23(n, today)
		c, created, err := s23Child(ctx, t, actor, n.ChildID, newChild, at, today, bad, &mismatch)
		if err != nil {
			return err
		}
		registered = created
		if c.ID != 0 {
			if err := placeS23(ctx, t, actor, n, c, bad, nil); err != nil {
				return err
			}
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		n.ChildID, n.Child = c.ID, c
		if dry {
			return errS23DryRun
		}
		id, err := s23ScanID(t.QueryRow(ctx, insertS23SQL, s23Args(actor, n, at)...))
		if err != nil {
			return err
		}
		n.ID, n.Version, n.CreatedBy = id, 1, actor.UserID
		n.CreatedAt, n.UpdatedAt = store.ParseTime(at), store.ParseTime(at)
		if err := syncDeadlines(ctx, t, *n, nil); err != nil {
			return err
		}
		grant, err := grantNotifier(ctx, t, actor, c.ID, n.ProviderOrgID, at)
		if err != nil {
			return err
		}
		audit := []*store.AuditEntry{store.Entry(actor, ActionCreate, s23ObjectType, id, c.ID, store.OutcomeOK, "kind="+string(n.Kind))}
		if grant != nil {
			audit = append(audit, grant)
		}
		return t.AppendAudit(ctx, audit...)
	})
	if mismatch != 0 {
		s.st.IdentityMismatch(ctx, actor, mismatch, via)
	}
	if dry && errors.Is(err, errS23DryRun) {
		if registered {
			n.ChildID, n.Child.ID = 0, 0
		}
		return nil
	}
	return err
}

func s23ScanID(r *sql.Row) (int64, error) {
	var id int64
	if err := r.Scan(&id); err != nil {
		return 0, store.MapErr(err, "insert")
	}
	return id, nil
}

// Get returns a notification the actor may see. Audited "s23.view"
// against the child; one out of scope is not_found and audited as refused.
func (s *DB) Get(ctx context.Context, actor store.Actor, id int64) (Notification, error) {
	return s.getS23(ctx, actor, id, ActionView, "")
}

// GetLetter returns a notification for printing one of its letters
// (LetterParent or LetterLA). Audited "s23.letter_view".
func (s *DB) GetLetter(ctx context.Context, actor store.Actor, id int64, letter string) (Notification, error) {
	if letter != LetterParent && letter != LetterLA {
		return Notification{}, errs.E(errs.NotFound, "No such letter")
	}
	return s.getS23(ctx, actor, id, ActionLetterView, "letter="+letter)
}

func (s *DB) getS23(ctx context.Context, actor store.Actor, id int64, action, detail string) (Notification, error) {
	var n Notification
	err := s.s23Write(ctx, actor, action, id, func(t *store.Tx) error {
		var err error
		if n, err = s23InScope(ctx, t, actor, id, false); err != nil {
			return err
		}
		if n.Others, err = s23Others(ctx, t, actor, n); err != nil {
			return err
		}
		return t.AppendAudit(ctx, store.Entry(actor, action, s23ObjectType, id, n.ChildID, store.OutcomeOK, detail))
	})
	if err != nil {
		return Notification{}, err
	}
	return n, nil
}

// s23Others counts the other notifications of n's child that actor may see.
func s23Others(ctx context.Context, t *store.Tx, actor store.Actor, n Notification) (int, error) {
	scope, args, err := s23Scope(actor, "d")
	if err != nil {
		return 0, err
	}
	var others int
	err = t.QueryRow(ctx, "SELECT count(*) FROM s23_notifications d WHERE d.child_id = ? AND d.id <> ? AND "+scope,
		append([]any{n.ChildID, n.ID}, args...)...).Scan(&others)
	return others, store.MapErr(err, "count notifications")
}

// s23Where turns a filter into SQL conditions on notifications aliased n.
func s23Where(actor store.Actor, f Filter) (string, []any, error) {
	scope, args, err := s23Scope(actor, "n")
	if err != nil {
		return "", nil, err
	}
	where := []string{scope}
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if f.LAID != 0 {
		add("n.la_id = ?", f.LAID)
	}
	if f.ProviderOrgID != 0 {
		add("n.provider_org_id = ?", f.ProviderOrgID)
	}
	if f.ChildID != 0 {
		add("n.child_id = ?", f.ChildID)
	}
	if f.Kind != "" {
		add("n.kind = ?", string(f.Kind))
	}
	if !f.NotifiedFrom.IsZero() {
		add("n.la_notified_on >= ?", f.NotifiedFrom.String())
	}
	if !f.NotifiedTo.IsZero() {
		add("n.la_notified_on <> '' AND n.la_notified_on <= ?", f.NotifiedTo.String())
	}
	switch f.Status {
	case "":
	case StatusNotInformed:
		add("n.parent_informed_on = ''")
	case StatusAwaitingLA:
		add("n.parent_informed_on <> '' AND n.la_notified_on = ''")
	case StatusOverdue:
		today := f.Today
		if today.IsZero() {
			return "", nil, errs.E(errs.Internal, "an overdue filter needs today's date")
		}
		// Overdue when today is after the local standard's due date
		// (s23.Steps.NotifyDue): the parent informed before the cut-off
		// send works out, so the deadline is counted in one place.
		if on := f.OverdueOn; !on.IsZero() {
			// As s23.ComplianceFor counts a month's backlog: parent
			// informed, the LA not told by the end of that day.
			add("n.kind = 's23' AND n.parent_informed_on <> '' AND (n.la_notified_on = '' OR n.la_notified_on > ?) AND n.parent_informed_on < ?",
				on.String(), send.LocalStandardOverdueBefore(on, f.StandardDays).String())
			break
		}
		add("n.kind = 's23' AND n.parent_informed_on <> '' AND n.la_notified_on = '' AND n.parent_informed_on < ?",
			send.LocalStandardOverdueBefore(today, f.StandardDays).String())
	case StatusUnacknowledged:
		add("n.la_notified_on <> '' AND n.acknowledged_on = ''")
	case StatusAcknowledged:
		add("n.acknowledged_on <> ''")
	case StatusDuplicate:
		dscope, dargs, _ := s23Scope(actor, "d")
		add("EXISTS (SELECT 1 FROM s23_notifications d WHERE d.child_id = n.child_id AND d.id <> n.id AND "+dscope+")", dargs...)
	default:
		return "", nil, errs.InvalidFields(map[string]string{"status": "Choose a status from the list"})
	}
	return strings.Join(where, " AND "), args, nil
}

// s23Segment is one run of a listing: the rows meeting cond, in order.
type s23Segment struct{ cond, order string }

// s23Segments are the listing order, as runs that follow one another. An
// LA reads its inbox: unacknowledged first, oldest first, then the rest
// newest first. Everyone else reads work by due date: those awaiting the
// LA by the day the parent was informed (so by due date under the local
// standard), then those whose parent is still to be told, then those sent,
// newest first. Each run's order is plain columns that the indexes of
// 0002_s23.sql serve, so a page reads a page's worth of index, not every
// notification in scope.
func s23Segments(actor store.Actor) []s23Segment {
	if actor.Role == store.RoleLA {
		return []s23Segment{
			{"n.acknowledged_on = ''", "n.la_notified_on, n.id"},
			{"n.acknowledged_on <> ''", "n.la_notified_on DESC, n.id DESC"},
		}
	}
	return []s23Segment{
		{"n.la_notified_on = '' AND n.parent_informed_on <> ''", "n.parent_informed_on, n.id"},
		{"n.la_notified_on = '' AND n.parent_informed_on = ''", "n.id DESC"},
		{"n.la_notified_on <> ''", "n.la_notified_on DESC, n.id DESC"},
	}
}

// List returns a page of the notifications the actor may see that match
// the filter, and how many match in all, each with Others set. Audited
// "s23.list" with the count and the children of the page, as a search of
// children is.
func (s *DB) List(ctx context.Context, actor store.Actor, f Filter) ([]Notification, int, error) {
	var out []Notification
	var total int
	err := s.s23Write(ctx, actor, ActionList, 0, func(t *store.Tx) error {
		where, args, err := s23Where(actor, f)
		if err != nil {
			return err
		}
		// The page's ids, run by run; then those rows with their child and
		// organisations. Sorting the narrow rows before joining, and each
		// run by an index, keeps a large LA's inbox quick.
		limit, offset := store.PageOf(f.Limit, f.Offset)
		var ids []int64
		for _, seg := range s23Segments(actor) {
			cond := where + " AND " + seg.cond
			var n int
			if err := t.QueryRow(ctx, "SELECT count(*) FROM s23_notifications n WHERE "+cond, args...).Scan(&n); err != nil {
				return store.MapErr(err, "count notifications")
			}
			total += n
			if offset >= n {
				offset -= n
				continue
			}
			if want := limit - len(ids); want > 0 {
				got, err := s23PageIDs(ctx, t, "SELECT n.id FROM s23_notifications n WHERE "+cond+" ORDER BY "+seg.order+" LIMIT ? OFFSET ?",
					append(slices.Clone(args), want, offset)...)
				if err != nil {
					return err
				}
				ids = append(ids, got...)
			}
			offset = 0
		}
		if len(ids) > 0 {
			dscope, dargs, _ := s23Scope(actor, "d")
			others := ", (SELECT count(*) FROM s23_notifications d WHERE d.child_id = n.child_id AND d.id <> n.id AND " + dscope + ")"
			in := strings.Repeat("?, ", len(ids)-1) + "?"
			idArgs := make([]any, len(ids))
			pos := make(map[int64]int, len(ids))
			for i, id := range ids {
				idArgs[i], pos[id] = id, i
			}
			rows, err := t.Query(ctx, "SELECT "+s23Columns+others+s23From+" WHERE n.id IN ("+in+")", append(dargs, idArgs...)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			out = make([]Notification, len(ids))
			for rows.Next() {
				n, err := scanS23(rows, true)
				if err != nil {
					return store.MapErr(err, "scan notification")
				}
				out[pos[n.ID]] = n
			}
			if err := rows.Err(); err != nil {
				return store.MapErr(err, "list notifications")
			}
		}
		// The children shown, not the filter's: a filter naming a child
		// the actor cannot see shows nothing of it.
		return t.AppendAudit(ctx, store.Entry(actor, ActionList, s23ObjectType, 0, 0, store.OutcomeOK, fmt.Sprintf("results=%d", total)).
			WithChildren(store.ChildIDs(out, func(n Notification) int64 { return n.ChildID })))
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// s23PageIDs runs a query of ids.
func s23PageIDs(ctx context.Context, t *store.Tx, q string, args ...any) ([]int64, error) {
	rows, err := t.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, "ids", func(rows interface{ Scan(...any) error }) (int64, error) {
		var id int64
		err := rows.Scan(&id)
		return id, err
	})
}

// s23Changed names the fields that differ, for the audit detail: names of
// fields, never their values.
func s23Changed(a, b Notification) string {
	var f []string
	add := func(changed bool, name string) {
		if changed {
			f = append(f, name)
		}
	}
	add(a.Kind != b.Kind, "kind")
	add(a.LAID != b.LAID, "la_id")
	add(a.LAReason != b.LAReason, "la_reason")
	add(a.Professional != b.Professional, "professional")
	add(a.Service != b.Service, "service")
	add(s23JoinNeeds(a.Needs) != s23JoinNeeds(b.Needs), "needs")
	add(a.Reasons != b.Reasons, "reasons")
	add(!a.Steps.OpinionOn.Equal(b.Steps.OpinionOn), s23.FieldOpinion)
	add(!a.Steps.ParentInformedOn.Equal(b.Steps.ParentInformedOn), s23.FieldParentInformed)
	add(!a.Steps.DiscussionOfferedOn.Equal(b.Steps.DiscussionOfferedOn), s23.FieldDiscussionOffered)
	add(!a.Steps.DiscussionHeldOn.Equal(b.Steps.DiscussionHeldOn), s23.FieldDiscussionHeld)
	add(!a.Steps.LANotifiedOn.Equal(b.Steps.LANotifiedOn), s23.FieldLANotified)
	add(!a.Steps.AcknowledgedOn.Equal(b.Steps.AcknowledgedOn), s23.FieldAcknowledged)
	add(a.Consent != b.Consent, "consent_to_share")
	add(a.VoluntaryOrgs != b.VoluntaryOrgs, "voluntary_orgs")
	add(!a.ParentLetterSentOn.Equal(b.ParentLetterSentOn), "parent_letter_sent_on")
	add(!a.LALetterSentOn.Equal(b.LALetterSentOn), "la_letter_sent_on")
	return "fields=" + strings.Join(f, ",")
}

// s23NotifiedFixed says why the date the LA was notified cannot go from
// was to now, or "" when it may: it may be set while it is unset, and
// once set it stays as it is. An LA that has been told cannot be untold,
// and the day it was told is the day the compliance figures count.
func s23NotifiedFixed(was, now send.Date) string {
	switch {
	case was.IsZero() || now.Equal(was):
		return ""
	case now.IsZero():
		return "The LA was notified on " + was.Long() + " and already has this notification: the date the LA was notified cannot be removed"
	}
	return "The LA was notified on " + was.Long() + " and already has this notification: the date the LA was notified cannot be changed"
}

// saveS23 writes every changeable column of n, at version n.Version, and
// moves n to the next version.
func saveS23(ctx context.Context, t *store.Tx, n *Notification, at string) error {
	st := n.Steps
	c, err := t.ExecN(ctx, `UPDATE s23_notifications SET kind = ?, la_id = ?, icb_id = ?, la_reason = ?, professional = ?,
		service = ?, needs = ?, reasons = ?, opinion_on = ?, parent_informed_on = ?, discussion_offered_on = ?,
		discussion_held_on = ?, consent_to_share = ?, voluntary_orgs = ?, la_notified_on = ?, acknowledged_on = ?,
		acknowledged_by = ?, parent_letter_sent_on = ?, la_letter_sent_on = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`,
		string(n.Kind), n.LAID, n.ICBID, n.LAReason, n.Professional, n.Service, s23JoinNeeds(n.Needs), n.Reasons,
		s23DateArg(st.OpinionOn), s23DateArg(st.ParentInformedOn), s23DateArg(st.DiscussionOfferedOn), s23DateArg(st.DiscussionHeldOn),
		string(n.Consent), n.VoluntaryOrgs, s23DateArg(st.LANotifiedOn), s23DateArg(st.AcknowledgedOn), n.AcknowledgedBy,
		s23DateArg(n.ParentLetterSentOn), s23DateArg(n.LALetterSentOn), at, n.ID, n.Version)
	if err != nil {
		return err
	}
	if c != 1 {
		return store.ErrStale()
	}
	n.Version++
	n.UpdatedAt = store.ParseTime(at)
	return nil
}

// Update saves the health side of a notification: its kind (a DCO's
// choice), the LA and the date it was told (only until the LA is told), who
// made it, the needs and reasons, the other steps, consent and the
// voluntary organisations. The child, the provider, the acknowledgement and
// the letters keep their recorded values. Once the LA has been told, the
// LA and the date it was told are fixed for every role, the DCO's
// included: the LA holds the notification from that date, so clearing it
// would take it out of the LA's inbox and changing it would move the
// compliance figures (s23NotifiedFixed). n.Version must be the version
// read: a stale one is a conflict and nothing is written. The steps must
// stay in the statute's order. Audited "s23.update" with the names of the
// fields changed.
func (s *DB) Update(ctx context.Context, actor store.Actor, n *Notification) error {
	if !mayNotify(actor) {
		s.st.Refuse(ctx, actor, ActionUpdate, s23ObjectType, n.ID, 0)
		return errs.E(errs.Forbidden, "Your role cannot change notifications")
	}
	now := s.st.Clock()
	at := store.FmtTime(now)
	today := send.Today(now)
	return s.s23Write(ctx, actor, ActionUpdate, n.ID, func(t *store.Tx) error {
		cur, err := s23InScope(ctx, t, actor, n.ID, true)
		if err != nil {
			return err
		}
		if cur.Version != n.Version {
			return store.ErrStale()
		}
		n.ChildID, n.Child, n.ProviderOrgID, n.ICBID = cur.ChildID, cur.Child, cur.ProviderOrgID, cur.ICBID
		n.Steps.AcknowledgedOn, n.AcknowledgedBy = cur.Steps.AcknowledgedOn, cur.AcknowledgedBy
		n.ParentLetterSentOn, n.LALetterSentOn = cur.ParentLetterSentOn, cur.LALetterSentOn
		n.CreatedBy, n.CreatedAt = cur.CreatedBy, cur.CreatedAt
		if n.Kind == "" {
			n.Kind = cur.Kind
		}
		bad := checkS23(n, today)
		if n.Kind != cur.Kind && actor.Role != store.RoleDCO && !store.IsSystem(actor) {
			bad["kind"] = "Only a DCO can change the kind of a notification"
		}
		if n.LAID == 0 {
			n.LAID = cur.LAID
		}
		if n.LAID != cur.LAID && !cur.Steps.LANotifiedOn.IsZero() {
			bad["la_id"] = "The LA has already been notified, so the notification cannot move to another LA"
		}
		if err := placeS23(ctx, t, actor, n, cur.Child, bad, nil); err != nil {
			return err
		}
		if msg := s23NotifiedFixed(cur.Steps.LANotifiedOn, n.Steps.LANotifiedOn); msg != "" {
			// The cause, over any ordering message it led to.
			bad[s23.FieldLANotified] = msg
			delete(bad, s23.FieldAcknowledged)
		}
		if n.Kind == cur.Kind && cur.Kind == s23.KindOther {
			delete(bad, "kind") // a provider may keep working on a DCO's "other" notification
		}
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		if err := saveS23(ctx, t, n, at); err != nil {
			return err
		}
		if err := syncDeadlines(ctx, t, *n, nil); err != nil {
			return err
		}
		return t.AppendAudit(ctx, store.Entry(actor, ActionUpdate, s23ObjectType, n.ID, n.ChildID, store.OutcomeOK, s23Changed(cur, *n)))
	})
}

// Acknowledge records that the LA acknowledged a notification on the
// date given (today when zero). An LA acknowledges what it was sent; a DCO
// may record an acknowledgement the LA gave another way. version must be
// the version read. Acknowledging twice is a conflict. Audited
// "s23.acknowledge" against the child. On success it returns the
// notification as saved.
func (s *DB) Acknowledge(ctx context.Context, actor store.Actor, id, version int64, on send.Date) (Notification, error) {
	if !store.IsSystem(actor) && actor.Role != store.RoleLA && actor.Role != store.RoleDCO {
		s.st.Refuse(ctx, actor, ActionAcknowledge, s23ObjectType, id, 0)
		return Notification{}, errs.E(errs.Forbidden, "Only the local authority notified can acknowledge a notification")
	}
	now := s.st.Clock()
	at := store.FmtTime(now)
	today := send.Today(now)
	if on.IsZero() {
		on = today
	}
	var n Notification
	err := s.s23Write(ctx, actor, ActionAcknowledge, id, func(t *store.Tx) error {
		var err error
		if n, err = s23InScope(ctx, t, actor, id, true); err != nil {
			return err
		}
		if n.Version != version {
			return store.ErrStale()
		}
		if !n.Steps.AcknowledgedOn.IsZero() {
			return errs.E(errs.Conflict, "This notification was already acknowledged on %s", n.Steps.AcknowledgedOn.Long())
		}
		if n.Steps.LANotifiedOn.IsZero() {
			return errs.InvalidFields(map[string]string{s23.FieldAcknowledged: "A notification cannot be acknowledged before the LA is notified"})
		}
		cur := n
		n.Steps.AcknowledgedOn, n.AcknowledgedBy = on, actor.UserID
		if msg, ok := n.Steps.Check(n.Kind, today)[s23.FieldAcknowledged]; ok {
			return errs.InvalidFields(map[string]string{s23.FieldAcknowledged: msg})
		}
		if err := saveS23(ctx, t, &n, at); err != nil {
			return err
		}
		if err := syncDeadlines(ctx, t, n, nil); err != nil {
			return err
		}
		return t.AppendAudit(ctx, store.Entry(actor, ActionAcknowledge, s23ObjectType, id, n.ChildID, store.OutcomeOK, s23Changed(cur, n)))
	})
	if err != nil {
		return Notification{}, err
	}
	return n, nil
}

// MarkLetterSent records that a letter was sent on the date given (today
// when zero). Sending the parent letter informs the parent, so when no
// parent-informed date is recorded it becomes that date; sending the LA
// notification tells the LA, so when no LA-notified date is recorded it
// becomes that date, which the order of the steps must allow: the LA
// notification cannot be marked sent before the parent is informed. version
// must be the version read. Audited "s23.letter_sent" against the child. On
// success it returns the notification as saved.
func (s *DB) MarkLetterSent(ctx context.Context, actor store.Actor, id, version int64, letter string, on send.Date) (Notification, error) {
	if !mayNotify(actor) {
		s.st.Refuse(ctx, actor, ActionLetterSent, s23ObjectType, id, 0)
		return Notification{}, errs.E(errs.Forbidden, "Your role cannot send notification letters")
	}
	if letter != LetterParent && letter != LetterLA {
		return Notification{}, errs.E(errs.NotFound, "No such letter")
	}
	now := s.st.Clock()
	at := store.FmtTime(now)
	today := send.Today(now)
	if on.IsZero() {
		on = today
	}
	var n Notification
	err := s.s23Write(ctx, actor, ActionLetterSent, id, func(t *store.Tx) error {
		var err error
		if n, err = s23InScope(ctx, t, actor, id, true); err != nil {
			return err
		}
		if n.Version != version {
			return store.ErrStale()
		}
		cur := n
		field := "sent_on"
		if letter == LetterParent {
			n.ParentLetterSentOn = on
			if n.Steps.ParentInformedOn.IsZero() {
				n.Steps.ParentInformedOn = on
			}
		} else {
			n.LALetterSentOn = on
			if n.Steps.LANotifiedOn.IsZero() {
				n.Steps.LANotifiedOn = on
			}
		}
		bad := n.Steps.Check(n.Kind, today)
		if on.After(today) {
			bad[field] = "The date the letter was sent must be today or in the past"
		}
		if len(bad) > 0 {
			// The person chose one date; name it as the field at fault.
			msgs := make([]string, 0, len(bad))
			for _, k := range slices.Sorted(maps.Keys(bad)) {
				msgs = append(msgs, bad[k])
			}
			return errs.InvalidFields(map[string]string{field: strings.Join(msgs, ". ")})
		}
		if err := saveS23(ctx, t, &n, at); err != nil {
			return err
		}
		if err := syncDeadlines(ctx, t, n, nil); err != nil {
			return err
		}
		return t.AppendAudit(ctx, store.Entry(actor, ActionLetterSent, s23ObjectType, id, n.ChildID, store.OutcomeOK,
			"letter="+letter+" "+s23Changed(cur, n)))
	})
	if err != nil {
		return Notification{}, err
	}
	return n, nil
}

// Compliance works out each provider's compliance for the days first to
// last under a local standard of standardDays (s23.ComplianceFor): the one
// definition the oversight page, its downloads and the API share. A DCO
// sees their ICB's providers, a provider its own figures, an LA the
// notifications made to it. It reads no child's details, so it is not
// audited.
func (s *DB) Compliance(ctx context.Context, actor store.Actor, first, last send.Date, standardDays int) ([]s23.Compliance, s23.Compliance, error) {
	scope, args, err := s23Scope(actor, "n")
	if err != nil {
		if e, ok := store.Refused(err); ok {
			return nil, s23.Compliance{}, e
		}
		return nil, s23.Compliance{}, err
	}
	// Three disjoint parts, each served by an index on (scope, la_notified_on,
	// parent_informed_on): told in the period; informed by its end and not
	// told; informed by its end and told after it.
	f, l := first.String(), last.String()
	part := `SELECT n.provider_org_id, p.name, n.kind, n.parent_informed_on, n.discussion_offered_on, n.la_notified_on
		FROM s23_notifications n JOIN orgs p ON p.id = n.provider_org_id WHERE ` + scope + ` AND n.kind = 's23' AND `
	rows, err := s.st.Query(ctx, part+`n.la_notified_on >= ? AND n.la_notified_on <= ?
		UNION ALL `+part+`n.la_notified_on = '' AND n.parent_informed_on <> '' AND n.parent_informed_on <= ?
		UNION ALL `+part+`n.la_notified_on > ? AND n.parent_informed_on <> '' AND n.parent_informed_on <= ?`,
		slices.Concat(args, []any{f, l}, args, []any{l}, args, []any{l, l})...)
	if err != nil {
		return nil, s23.Compliance{}, err
	}
	defer rows.Close()
	var rs []s23.Record
	for rows.Next() {
		var r s23.Record
		var kind, parent, offered, notified string
		if err := rows.Scan(&r.ProviderID, &r.ProviderName, &kind, &parent, &offered, &notified); err != nil {
			return nil, s23.Compliance{}, store.MapErr(err, "scan compliance")
		}
		r.Kind = s23.Kind(kind)
		for _, x := range []struct {
			v string
			d *send.Date
		}{{parent, &r.Steps.ParentInformedOn}, {offered, &r.Steps.DiscussionOfferedOn}, {notified, &r.Steps.LANotifiedOn}} {
			if x.v != "" {
				if *x.d, err = send.ParseDate(x.v); err != nil {
					return nil, s23.Compliance{}, fmt.Errorf("compliance date: %w", err)
				}
			}
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s23.Compliance{}, store.MapErr(err, "read compliance")
	}
	by, total := s23.ComplianceFor(rs, first, last, standardDays)
	return by, total, nil
}

// Config is an ICB's Section 23 configuration, from its settings (its
// own values, else the defaults), with dco's defaults filled in for
// anything unset or unreadable.
type Config struct {
	StandardDays    int
	AckStandardDays int
	ParentLetter    string
	LANotification  string
}

// Settings reads the Section 23 settings that apply to ICB icbID: the
// ICB's own where it has set them, else the defaults (ICB 0). Pass the ICB
// the figures or the letter are for: a notification's own ICB for its
// letters and status, the actor's ICB (store.Store.ActorICB) for their lists.
func (s *DB) Settings(ctx context.Context, icbID int64) (Config, error) {
	c := Config{
		StandardDays:    s23.DefaultStandardDays,
		AckStandardDays: s23.DefaultAckStandardDays,
		ParentLetter:    s23.DefaultParentLetter,
		LANotification:  s23.DefaultLANotification,
	}
	m, err := s.st.SettingsFor(ctx, icbID, s23.SettingStandardDays, s23.SettingAckStandardDays,
		s23.SettingParentLetter, s23.SettingLANotification)
	if err != nil {
		return Config{}, err
	}
	if v, ok := m[s23.SettingStandardDays]; ok {
		c.StandardDays, _ = s23.ParseStandard(v.Value, c.StandardDays)
	}
	if v, ok := m[s23.SettingAckStandardDays]; ok {
		c.AckStandardDays, _ = s23.ParseStandard(v.Value, c.AckStandardDays)
	}
	if v, ok := m[s23.SettingParentLetter]; ok && strings.TrimSpace(v.Value) != "" {
		c.ParentLetter = v.Value
	}
	if v, ok := m[s23.SettingLANotification]; ok && strings.TrimSpace(v.Value) != "" {
		c.LANotification = v.Value
	}
	return c, nil
}

// ImportRow is one row of a notifications file: the child as the file
// gives them (store.Child.LAID is their LA of residence) and the notification.
type ImportRow struct {
	Line         int // the file line, for problems
	Child        store.Child
	Notification Notification
}

// ImportProblem is what is wrong with one row.
type ImportProblem struct {
	Line    int
	Field   string
	Message string
}

// ImportResult says what an import did, or would do in a dry run.
type ImportResult struct {
	Notifications   int // notifications stored
	ChildrenMatched int // rows whose child was already registered
	ChildrenCreated int // children registered by the import
	// Problems are the rows' problems, by line; when there are any, nothing
	// was stored.
	Problems []ImportProblem
}

// s23ImportOtherLA words the problem of a row whose LA is not the LA the
// child is registered in. A row cannot carry the reason a notification to
// another LA needs, so the LA is what to fix.
func s23ImportOtherLA(registered, given string) string {
	return "The child is registered in " + registered + ", not " + given + ": give " + registered +
		" as the child's local authority, or, if the child has moved, change the local authority on their record in dco first"
}

// errS23DryRun rolls back a dry run's transaction.
var errS23DryRun = errors.New("dry run")

// Import stores many notifications in one transaction: all or none. Each
// row's child is matched by NHS number, as on the form (sameIdentity: one
// problem on nhs_number whichever detail differs, counted and audited
// against the registered child as the form's are), or registered; a
// matched child the actor may see registered in another LA than the row
// gives is a problem on la_id, as a row cannot carry the reason for
// notifying another LA. Each
// notification passes the same checks Create makes, the order of the
// steps included. Every problem in every row is reported
// by line, and any problem stores nothing (the result's Problems, with an
// invalid error). A dry run makes every check and stores nothing. Only a
// DCO or dco itself may import. Each notification is audited "s23.import",
// each child registered "child.import", each grant "child.grant".
func (s *DB) Import(ctx context.Context, actor store.Actor, rows []ImportRow, dryRun bool) (ImportResult, error) {
	if !store.IsSystem(actor) && actor.Role != store.RoleDCO {
		s.st.Refuse(ctx, actor, ActionImport, s23ObjectType, 0, 0)
		return ImportResult{}, errs.E(errs.Forbidden, "Only a DCO can import notifications")
	}
	if err := s.st.IdentityWait(ctx, actor, ActionImport); err != nil {
		return ImportResult{}, err
	}
	now := s.st.Clock()
	at, today := store.FmtTime(now), send.Today(now)
	var res ImportResult
	var mismatches []int64
	err := s.st.WriteAlone(ctx, func(t *store.Tx) error {
		res, mismatches = ImportResult{}, nil
		orgs := map[int64]s23Org{}
		stds := map[int64]standards{} // each ICB's local standards, for the ledger
		children := map[send.NHSNumber]store.Child{}
		visible := map[int64]bool{}  // children the actor may see, by id
		imported := map[int64]bool{} // children this import registers
		problem := func(line int, bad map[string]string) {
			for _, f := range slices.Sorted(maps.Keys(bad)) {
				res.Problems = append(res.Problems, ImportProblem{Line: line, Field: f, Message: bad[f]})
			}
		}
		insChild, err := t.Prepare(ctx, store.InsertChildSQL)
		if err != nil {
			return err
		}
		defer insChild.Close()
		insS23, err := t.Prepare(ctx, insertS23SQL)
		if err != nil {
			return err
		}
		defer insS23.Close()
		findChild, err := t.Prepare(ctx, "SELECT "+store.ChildColumns+store.ChildFrom+" WHERE c.nhs_number = ?")
		if err != nil {
			return err
		}
		defer findChild.Close()
		grant, err := t.Prepare(ctx, grantNotifierSQL)
		if err != nil {
			return err
		}
		defer grant.Close()
		var audit []*store.AuditEntry
		for i := range rows {
			r := &rows[i]
			c, n := r.Child, &r.Notification
			bad := t.CheckChild(&c, today)
			delete(bad, "postcode") // a notifications file carries no postcode
			if len(bad) > 0 {
				problem(r.Line, bad)
				continue
			}
			known, seen := children[c.NHSNumber]
			if !seen {
				known, err = store.ScanChild(findChild.QueryRowContext(ctx, string(c.NHSNumber)))
				switch {
				case err == nil:
					res.ChildrenMatched++
					if visible[known.ID], err = t.ChildVisible(ctx, actor, known.ID); err != nil {
						return err
					}
				case errors.Is(err, sql.ErrNoRows):
					la, err := s23OrgOf(ctx, t, c.LAID, orgs)
					if err != nil {
						return err
					}
					if la.kind != store.OrgLA || la.parent == 0 {
						problem(r.Line, map[string]string{"la_id": "Choose the child's local authority"})
						continue
					}
					if msg := store.PlaceRule(actor, actor.OrgID, c.LAID, la.parent); msg != "" { // a DCO's home is its OrgID
						problem(r.Line, map[string]string{"la_id": msg})
						continue
					}
					c.LAName, c.ICBID = la.name, la.parent
					if err := insChild.QueryRowContext(ctx, store.ChildArgs(actor, &c, at)...).Scan(&c.ID); err != nil {
						return fmt.Errorf("line %d: %w", r.Line, store.MapErr(err, "insert child"))
					}
					c.Version, c.CreatedAt, c.UpdatedAt = 1, store.ParseTime(at), store.ParseTime(at)
					audit = append(audit, store.Entry(actor, "child.import", "child", c.ID, c.ID, store.OutcomeOK, "via="+ActionImport))
					res.ChildrenCreated++
					known, visible[c.ID], imported[c.ID] = c, true, true
				default:
					return store.MapErr(err, "find child")
				}
				children[c.NHSNumber] = known
			} else {
				res.ChildrenMatched++
			}
			if !store.SameIdentity(known, c, visible[known.ID]) {
				problem(r.Line, map[string]string{"nhs_number": store.MsgIdentityMismatch})
				if !imported[known.ID] {
					mismatches = append(mismatches, known.ID)
				}
				continue
			}
			bad = checkS23(n, today)
			if err := placeS23(ctx, t, actor, n, known, bad, orgs); err != nil {
				return err
			}
			if _, ok := bad["la_reason"]; ok && n.LAReason == "" {
				// A file gives one LA, the child's and the one notified, and
				// no reason: the LA is what to fix, so say where the child is.
				delete(bad, "la_reason")
				bad["la_id"] = s23ImportOtherLA(known.LAName, n.LAName)
			}
			if len(bad) > 0 {
				problem(r.Line, bad)
				continue
			}
			n.ChildID, n.Child = known.ID, known
			if err := insS23.QueryRowContext(ctx, s23Args(actor, n, at)...).Scan(&n.ID); err != nil {
				return fmt.Errorf("line %d: %w", r.Line, store.MapErr(err, "insert notification"))
			}
			n.Version, n.CreatedBy, n.CreatedAt, n.UpdatedAt = 1, actor.UserID, store.ParseTime(at), store.ParseTime(at)
			if err := syncDeadlines(ctx, t, *n, stds); err != nil {
				return fmt.Errorf("line %d: %w", r.Line, err)
			}
			audit = append(audit, store.Entry(actor, ActionImport, s23ObjectType, n.ID, known.ID, store.OutcomeOK, "kind="+string(n.Kind)))
			g, err := grant.ExecContext(ctx, known.ID, n.ProviderOrgID, s23GrantReason, actor.UserID, at)
			if err != nil {
				return store.MapErr(err, "grant")
			}
			if k, _ := g.RowsAffected(); k > 0 {
				audit = append(audit, s23GrantEntry(actor, known.ID, n.ProviderOrgID))
			}
			res.Notifications++
		}
		if len(res.Problems) > 0 {
			return errs.E(errs.Invalid, "%d problem(s) in the file: nothing was imported", len(res.Problems))
		}
		if err := t.AppendAudit(ctx, audit...); err != nil {
			return err
		}
		if dryRun {
			return errS23DryRun
		}
		return nil
	})
	for _, id := range mismatches {
		s.st.IdentityMismatch(ctx, actor, id, ActionImport)
	}
	if errors.Is(err, errS23DryRun) {
		return res, nil
	}
	if err != nil {
		if len(res.Problems) > 0 {
			res.Notifications, res.ChildrenCreated, res.ChildrenMatched = 0, 0, 0
			return res, err
		}
		return ImportResult{}, err
	}
	return res, nil
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
