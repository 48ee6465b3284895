// Package s23 holds the rules of Section 23 notifications: Children and
// Families Act 2014 s.23, the duty of an ICB, NHS trust or NHS foundation
// trust that thinks a child under compulsory school age has (or probably
// has) special educational needs or a disability to tell the parent, give
// them the chance to discuss it, then bring it to the attention of the local
// authority, and point the parent to voluntary organisations that may help.
//
// It decides whether s.23 applies to a child on a date, checks the order of
// the steps (nothing lets the LA be told before the parent), computes each
// provider's compliance with the ICB's local standard for a month, words the
// status tags, and fills the ICB's letter templates. It is pure: no I/O, no
// database, no HTTP. Every date calculation goes through internal/send.
package s23

import (
	"strconv"

	"dco/internal/send"
)

// Kind says whether a notification is made under s.23 or is another
// notification of a child to the LA that s.23 does not require (a child
// already of compulsory school age, say), which a DCO may still record.
type Kind string

// The kinds.
const (
	KindS23   Kind = "s23"
	KindOther Kind = "other"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindS23 || k == KindOther }

// Label words the kind as pages show it.
func (k Kind) Label() string {
	switch k {
	case KindS23:
		return "Section 23 notification"
	case KindOther:
		return "Other notification"
	}
	return string(k)
}

// Consent is what the parent said about sharing information with the LA.
// s.23 does not make the notification depend on consent; ICBs record it
// because the parent leaflet asks for it (BSW's S23 process, 2023).
type Consent string

// The answers; ConsentNotRecorded is for records imported from elsewhere.
const (
	ConsentYes         Consent = "yes"
	ConsentNo          Consent = "no"
	ConsentNotRecorded Consent = ""
)

// Valid reports whether c is a known answer.
func (c Consent) Valid() bool { return c == ConsentYes || c == ConsentNo || c == ConsentNotRecorded }

// Label words the answer.
func (c Consent) Label() string {
	switch c {
	case ConsentYes:
		return "Yes, the parent agreed to information being shared with the LA"
	case ConsentNo:
		return "No, the parent did not agree to information being shared"
	}
	return "Not recorded"
}

// Need is one of the four broad areas of special educational need (SEND
// Code of Practice 2015, paragraphs 6.28 to 6.35), the vocabulary a
// notification uses to say why the child is brought to the LA's attention.
type Need struct {
	Key, Label string
}

// Needs are the four broad areas of need, in the Code of Practice's order.
var Needs = []Need{
	{"communication", "Communication and interaction"},
	{"cognition", "Cognition and learning"},
	{"semh", "Social, emotional and mental health"},
	{"sensory_physical", "Sensory and/or physical needs"},
}

// NeedLabel returns the label of a need's key, and whether it is one.
func NeedLabel(key string) (string, bool) {
	for _, n := range Needs {
		if n.Key == key {
			return n.Label, true
		}
	}
	return "", false
}

// Applies reports whether s.23 applies to a child born on dob when the
// health body forms its opinion on the date on: s.23(1) covers "a child who
// is under compulsory school age", so it applies before the first day of
// compulsory school age and not from that day (Education Act 1996 s.8, via
// send.Derive). csaFrom is that first day, for the warning.
func Applies(dob, on send.Date) (applies bool, csaFrom send.Date) {
	d := send.Derive(dob, on)
	return on.Before(d.CompulsorySchoolAgeFrom), d.CompulsorySchoolAgeFrom
}

// NotApplicableText explains why s.23 does not apply, for the warning a
// form shows and the error a provider gets.
func NotApplicableText(csaFrom send.Date) string {
	return "Section 23 does not apply: the child has been of compulsory school age since " + csaFrom.Long() +
		", and s.23 covers only children under compulsory school age"
}

// Steps are the dates of a notification's steps; a zero date is a step not
// yet taken.
type Steps struct {
	OpinionOn           send.Date // the health body formed its opinion (s.23(1))
	ParentInformedOn    send.Date // the parent was told of the opinion and the duty (s.23(2)(a))
	DiscussionOfferedOn send.Date // the parent was offered a discussion (s.23(2)(b))
	DiscussionHeldOn    send.Date // the discussion took place, if it did
	LANotifiedOn        send.Date // the LA was told (s.23(3))
	AcknowledgedOn      send.Date // the LA acknowledged receipt
}

// The field names Check reports against; forms, the API and imports use
// the same names.
const (
	FieldOpinion           = "opinion_on"
	FieldParentInformed    = "parent_informed_on"
	FieldDiscussionOffered = "discussion_offered_on"
	FieldDiscussionHeld    = "discussion_held_on"
	FieldLANotified        = "la_notified_on"
	FieldAcknowledged      = "acknowledged_on"
)

// Check returns, by field, what is wrong with the steps taken by today.
//
// The order is the statute's. The parent is informed of the opinion
// (s.23(2)(a)), so not before it was formed; a discussion is offered about
// that opinion (s.23(2)(b)), so not before the parent was told of it; and
// only "then" (s.23(3)) is the LA told. The LA can never be marked notified
// without, or before, the date the parent was informed, for either kind: a
// family should never hear from the LA first. For a s.23 notification the
// discussion must also have been offered by the day the LA is told. The
// same day for two steps is allowed: a health visitor often informs the
// parent, offers the discussion and sends the notification on one visit.
func (st Steps) Check(kind Kind, today send.Date) map[string]string {
	bad := map[string]string{}
	future := func(field string, d send.Date, what string) {
		if !d.IsZero() && d.After(today) {
			bad[field] = "The date " + what + " must be today or in the past"
		}
	}
	future(FieldOpinion, st.OpinionOn, "the opinion was formed")
	future(FieldParentInformed, st.ParentInformedOn, "the parent was informed")
	future(FieldDiscussionOffered, st.DiscussionOfferedOn, "the discussion was offered")
	future(FieldDiscussionHeld, st.DiscussionHeldOn, "the discussion was held")
	future(FieldLANotified, st.LANotifiedOn, "the LA was notified")
	future(FieldAcknowledged, st.AcknowledgedOn, "the LA acknowledged the notification")

	set := func(field, msg string) {
		if _, ok := bad[field]; !ok {
			bad[field] = msg
		}
	}
	if st.OpinionOn.IsZero() {
		set(FieldOpinion, "Enter the date the opinion was formed")
	}
	if !st.ParentInformedOn.IsZero() && !st.OpinionOn.IsZero() && st.ParentInformedOn.Before(st.OpinionOn) {
		set(FieldParentInformed, "The date the parent was informed must be on or after the date the opinion was formed")
	}
	if !st.DiscussionOfferedOn.IsZero() {
		switch {
		case st.ParentInformedOn.IsZero():
			set(FieldDiscussionOffered, "Enter the date the parent was informed before the date a discussion was offered")
		case st.DiscussionOfferedOn.Before(st.ParentInformedOn):
			set(FieldDiscussionOffered, "The date the discussion was offered must be on or after the date the parent was informed")
		}
	}
	if !st.DiscussionHeldOn.IsZero() {
		switch {
		case st.DiscussionOfferedOn.IsZero():
			set(FieldDiscussionHeld, "Enter the date the discussion was offered before the date it was held")
		case st.DiscussionHeldOn.Before(st.DiscussionOfferedOn):
			set(FieldDiscussionHeld, "The date the discussion was held must be on or after the date it was offered")
		}
	}
	if !st.LANotifiedOn.IsZero() {
		switch {
		case st.ParentInformedOn.IsZero():
			set(FieldLANotified, "The LA cannot be notified before the parent is informed: enter the date the parent was informed first")
		case st.LANotifiedOn.Before(st.ParentInformedOn):
			set(FieldLANotified, "The date the LA was notified must be on or after the date the parent was informed: the parent is told first")
		case kind == KindS23 && st.DiscussionOfferedOn.IsZero():
			set(FieldLANotified, "The LA cannot be notified before the parent is offered a discussion: enter the date the discussion was offered first")
		case kind == KindS23 && st.LANotifiedOn.Before(st.DiscussionOfferedOn):
			set(FieldLANotified, "The date the LA was notified must be on or after the date the discussion was offered")
		}
	}
	if !st.AcknowledgedOn.IsZero() {
		switch {
		case st.LANotifiedOn.IsZero():
			set(FieldAcknowledged, "A notification cannot be acknowledged before the LA is notified")
		case st.AcknowledgedOn.Before(st.LANotifiedOn):
			set(FieldAcknowledged, "The date of acknowledgement must be on or after the date the LA was notified")
		}
	}
	return bad
}

// DefaultOpinionOn is the opinion date to assume when none is given: the
// earliest step recorded, or today when none is.
func (st Steps) DefaultOpinionOn(today send.Date) send.Date {
	d := today
	for _, s := range []send.Date{st.ParentInformedOn, st.DiscussionOfferedOn, st.DiscussionHeldOn, st.LANotifiedOn} {
		if !s.IsZero() && s.Before(d) {
			d = s
		}
	}
	return d
}

// DaysToNotify returns the days from the parent being informed to the LA
// being notified, and whether both steps are recorded.
func (st Steps) DaysToNotify() (int, bool) {
	if st.ParentInformedOn.IsZero() || st.LANotifiedOn.IsZero() {
		return 0, false
	}
	return st.ParentInformedOn.DaysUntil(st.LANotifiedOn), true
}

// NotifyDue returns the day the LA should be notified by under the local
// standard: standardDays from the parent being informed, counted by
// send.LocalStandardDue. s.23 sets no deadline (docs/design.md §4); the standard is
// the ICB's own (setting s23_standard_days). ok is false until the parent
// is informed.
func (st Steps) NotifyDue(standardDays int) (send.Date, bool) {
	if st.ParentInformedOn.IsZero() {
		return send.Date{}, false
	}
	return send.LocalStandardDue(st.ParentInformedOn, standardDays), true
}

// NotifiedWithin reports whether the LA was told within the local standard
// of standardDays from the parent being informed (send.LocalStandardMet),
// and whether both steps are recorded.
func (st Steps) NotifiedWithin(standardDays int) (within, ok bool) {
	if st.ParentInformedOn.IsZero() || st.LANotifiedOn.IsZero() {
		return false, false
	}
	return send.LocalStandardMet(st.ParentInformedOn, st.LANotifiedOn, standardDays), true
}

// AckDue returns the day the LA should acknowledge a notification by under
// the local standard: ackDays from the LA being notified, counted by
// send.LocalStandardDue (setting s23_ack_standard_days). ok is false until
// the LA is notified.
func (st Steps) AckDue(ackDays int) (send.Date, bool) {
	if st.LANotifiedOn.IsZero() {
		return send.Date{}, false
	}
	return send.LocalStandardDue(st.LANotifiedOn, ackDays), true
}

// DefaultStandardDays is the local standard, in days from the parent being
// informed to the LA being notified, when the ICB has not set one.
const DefaultStandardDays = 10

// DefaultAckStandardDays is the local standard, in days from the LA being
// notified to its acknowledgement, when the ICB has not set one.
const DefaultAckStandardDays = 10

// ParseStandard reads a local standard in days as typed in settings: a
// whole number from 1 to 365. It returns def, false for anything else.
func ParseStandard(v string, def int) (int, bool) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 365 {
		return def, false
	}
	return n, true
}
