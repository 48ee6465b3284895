package s23web

import (
	"context"
	"net/http"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

// The JSON API and the CSV downloads for Section 23 notifications. The API
// shares the form's request type (s23Input) and validation (s23Validate)
// and the store's rules; only decoding and encoding differ.

// s23JSON is a notification as the API returns it.
type s23JSON struct {
	ID                     int64         `json:"id"`
	Kind                   s23.Kind      `json:"kind"`
	Child                  s23ChildJSON  `json:"child"`
	ProviderCode           string        `json:"provider_code"`
	ProviderName           string        `json:"provider_name"`
	LACode                 string        `json:"la_code"`
	LAName                 string        `json:"la_name"`
	LAReason               string        `json:"la_reason"`
	Professional           string        `json:"professional"`
	Service                string        `json:"service"`
	Needs                  []string      `json:"needs"`
	Reasons                string        `json:"reasons"`
	OpinionOn              send.Date     `json:"opinion_on"`
	ParentInformedOn       send.Date     `json:"parent_informed_on"`
	DiscussionOfferedOn    send.Date     `json:"discussion_offered_on"`
	DiscussionHeldOn       send.Date     `json:"discussion_held_on"`
	LANotifiedOn           send.Date     `json:"la_notified_on"`
	AcknowledgedOn         send.Date     `json:"acknowledged_on"`
	ConsentToShare         s23.Consent   `json:"consent_to_share"`
	VoluntaryOrganisations string        `json:"voluntary_organisations"`
	ParentLetterSentOn     send.Date     `json:"parent_letter_sent_on"`
	LALetterSentOn         send.Date     `json:"la_letter_sent_on"`
	Status                 s23StatusJSON `json:"status"`
	OtherNotifications     int           `json:"other_notifications"`
	Version                int64         `json:"version"`
}

// s23ChildJSON is the child as a notification shows it.
type s23ChildJSON struct {
	ID          int64     `json:"id"`
	NHSNumber   string    `json:"nhs_number"`
	GivenName   string    `json:"given_name"`
	FamilyName  string    `json:"family_name"`
	DateOfBirth send.Date `json:"date_of_birth"`
	LACode      string    `json:"la_code"`
}

// s23StatusJSON is the status tag as words and a colour (docs/design.md §8).
type s23StatusJSON struct {
	Colour s23.Colour `json:"colour"`
	Label  string     `json:"label"`
	Detail string     `json:"detail"`
}

// s23Codes maps organisation ids to codes, for JSON.
func (s *Web) s23OrgCodes(ctx context.Context) (map[int64]string, error) {
	orgs, err := s.Store().ListOrgs(ctx, "")
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(orgs))
	for _, o := range orgs {
		m[o.ID] = o.Code
	}
	return m, nil
}

func s23ToJSON(n s23db.Notification, codes map[int64]string, tag s23.Tag) s23JSON {
	needs := n.Needs
	if needs == nil {
		needs = []string{}
	}
	return s23JSON{
		ID: n.ID, Kind: n.Kind,
		Child: s23ChildJSON{ID: n.ChildID, NHSNumber: string(n.Child.NHSNumber), GivenName: n.Child.GivenName,
			FamilyName: n.Child.FamilyName, DateOfBirth: n.Child.DateOfBirth, LACode: codes[n.Child.LAID]},
		ProviderCode: codes[n.ProviderOrgID], ProviderName: n.ProviderName, LACode: codes[n.LAID], LAName: n.LAName,
		LAReason: n.LAReason, Professional: n.Professional, Service: n.Service, Needs: needs, Reasons: n.Reasons,
		OpinionOn: n.Steps.OpinionOn, ParentInformedOn: n.Steps.ParentInformedOn, DiscussionOfferedOn: n.Steps.DiscussionOfferedOn,
		DiscussionHeldOn: n.Steps.DiscussionHeldOn, LANotifiedOn: n.Steps.LANotifiedOn, AcknowledgedOn: n.Steps.AcknowledgedOn,
		ConsentToShare: n.Consent, VoluntaryOrganisations: n.VoluntaryOrgs,
		ParentLetterSentOn: n.ParentLetterSentOn, LALetterSentOn: n.LALetterSentOn,
		Status:             s23StatusJSON{Colour: tag.Colour, Label: tag.Label, Detail: tag.Detail},
		OtherNotifications: n.Others, Version: n.Version,
	}
}

// writeS23 answers with one notification.
func (s *Web) writeS23(w http.ResponseWriter, r *http.Request, status int, actor store.Actor, n s23db.Notification) {
	ctx := r.Context()
	codes, err := s.s23OrgCodes(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	cfg, err := s.db.Settings(ctx, n.ICBID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	tag, err := s.s23Tagger(ctx, actor.Role, cfg)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	web.WriteJSON(w, status, s23ToJSON(n, codes, tag(n)))
}

// s23Request is the JSON body of POST and PATCH. A POST names the child by
// child_id or gives its details in child; a PATCH sends version and the
// fields it changes. An LA sends only acknowledged_on.
type s23Request struct {
	ChildID                *int64          `json:"child_id"`
	Child                  *s23ChildDetail `json:"child"`
	Kind                   *string         `json:"kind"`
	ProviderCode           *string         `json:"provider_code"`
	LACode                 *string         `json:"la_code"`
	LAReason               *string         `json:"la_reason"`
	Professional           *string         `json:"professional"`
	Service                *string         `json:"service"`
	Needs                  *[]string       `json:"needs"`
	Reasons                *string         `json:"reasons"`
	OpinionOn              *string         `json:"opinion_on"`
	ParentInformedOn       *string         `json:"parent_informed_on"`
	DiscussionOfferedOn    *string         `json:"discussion_offered_on"`
	DiscussionHeldOn       *string         `json:"discussion_held_on"`
	LANotifiedOn           *string         `json:"la_notified_on"`
	AcknowledgedOn         *string         `json:"acknowledged_on"`
	ConsentToShare         *string         `json:"consent_to_share"`
	VoluntaryOrganisations *string         `json:"voluntary_organisations"`
	Version                *int64          `json:"version"`
}

// s23ChildDetail is a child given by its details.
type s23ChildDetail struct {
	NHSNumber   string `json:"nhs_number"`
	GivenName   string `json:"given_name"`
	FamilyName  string `json:"family_name"`
	DateOfBirth string `json:"date_of_birth"`
	LACode      string `json:"la_code"`
	Postcode    string `json:"postcode"`
}

// s23Known are the properties a request may carry, at the top level and in child.
var (
	s23Known = map[string]bool{"child_id": true, "child": true, "kind": true, "provider_code": true, "la_code": true,
		"la_reason": true, "professional": true, "service": true, "needs": true, "reasons": true, "opinion_on": true,
		"parent_informed_on": true, "discussion_offered_on": true, "discussion_held_on": true, "la_notified_on": true,
		"acknowledged_on": true, "consent_to_share": true, "voluntary_organisations": true, "version": true}
	s23ChildKnown = map[string]bool{"nhs_number": true, "given_name": true, "family_name": true, "date_of_birth": true,
		"la_code": true, "postcode": true}
)

// decodeS23JSON reads a request, naming any property it does not know
// rather than ignoring it, so a client's typo does not look like a saved value.
func decodeS23JSON(r *http.Request) (s23Request, error) {
	var req s23Request
	err := web.DecodeStrict(r, &req, s23Known, map[string]map[string]bool{"child": s23ChildKnown}, "The request has fields this API does not know")
	return req, err
}

// apply lays the request over in (empty for POST, the stored notification
// for PATCH).
func (req s23Request) apply(in s23Input) s23Input {
	in.FromForm = false
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	if req.ChildID != nil {
		in.ChildID = *req.ChildID
	}
	if c := req.Child; c != nil {
		in.NHSNumber, in.GivenName, in.FamilyName = c.NHSNumber, c.GivenName, c.FamilyName
		in.DOB, in.ChildLACode, in.Postcode = s23DateIn{Text: c.DateOfBirth}, c.LACode, c.Postcode
	}
	set(&in.Kind, req.Kind)
	set(&in.ProviderCode, req.ProviderCode)
	set(&in.LACode, req.LACode)
	set(&in.LAReason, req.LAReason)
	set(&in.Professional, req.Professional)
	set(&in.Service, req.Service)
	if req.Needs != nil {
		in.Needs = *req.Needs
	}
	set(&in.Reasons, req.Reasons)
	set(&in.Consent, req.ConsentToShare)
	set(&in.VoluntaryOrgs, req.VoluntaryOrganisations)
	if in.Dates == nil {
		in.Dates = map[string]s23DateIn{}
	}
	for f, v := range map[string]*string{s23.FieldOpinion: req.OpinionOn, s23.FieldParentInformed: req.ParentInformedOn,
		s23.FieldDiscussionOffered: req.DiscussionOfferedOn, s23.FieldDiscussionHeld: req.DiscussionHeldOn, s23.FieldLANotified: req.LANotifiedOn} {
		if v != nil {
			in.Dates[f] = s23DateIn{Text: *v}
		}
	}
	if req.Version != nil {
		in.Version = *req.Version
	}
	return in
}

// apiS23Fields renames the store's field names to the API's.
func apiS23Fields(err error) error {
	return s23RenameFields(s23FormFieldsOf(err), map[string]string{"voluntary_orgs": "voluntary_organisations", "child_la_code": "child.la_code",
		"nhs_number": "child.nhs_number", "given_name": "child.given_name", "family_name": "child.family_name",
		"date_of_birth": "child.date_of_birth", "postcode": "child.postcode"})
}
