package s23db

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"dco/internal/errs"
	"dco/internal/s23"
	"dco/internal/send"
	"dco/internal/store"
)

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
