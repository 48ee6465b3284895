package s23db

import (
	"context"
	"strings"

	"dco/internal/errs"
	"dco/internal/s23"
	"dco/internal/send"
	"dco/internal/store"
)

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
