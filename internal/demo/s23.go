package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
)

// s23Providers are the providers that notify children of each LA (by DfE
// number): the health visiting service and the community paediatric one.
var s23Providers = map[string][]string{
	"800": {"DEMO1", "RD1"},
	"866": {"DEMO1", "RN3"},
	"865": {"DEMO2", "RNZ"},
}

// s23Voluntary are the voluntary organisations a parent in each LA is told
// about (s.23(4)): the local parent carer forum and the SEND information,
// advice and support service.
var s23Voluntary = map[string]string{
	"800": "Bath and North East Somerset Parent Carer Forum; SENDIASS Bath and North East Somerset",
	"866": "Swindon Parent Carer Forum; SENDIASS Swindon",
	"865": "Wiltshire Parent Carer Council; SENDIASS Wiltshire",
}

var s23Reasons = []string{
	"Speech and language delay; limited words at the two-year review.",
	"Global developmental delay noted at the integrated review.",
	"Social communication difficulties; referred for autism assessment.",
	"Hearing loss confirmed by audiology; hearing aids fitted.",
	"Motor delay; not yet walking independently.",
	"Visual impairment under the care of the eye clinic.",
	"Complex medical needs following neonatal care.",
	"Feeding difficulties and sensory processing differences.",
}

// s23Professional picks who at a provider formed the opinion, and their service.
func s23Professional(code string, rng *rand.Rand) (professional, service string) {
	switch code {
	case "DEMO1", "DEMO2":
		return []string{"Health visitor", "Specialist health visitor", "Community nursery nurse"}[rng.IntN(3)], "Health visiting"
	}
	return []string{"Community paediatrician", "Speech and language therapist", "Paediatric physiotherapist"}[rng.IntN(3)],
		"Community paediatrics"
}

// seedS23 makes Section 23 notifications for the demo's young children over
// the last five months: most sent to the LA within the local standard, some
// late, some still waiting, most acknowledged, a few children notified by
// two providers; and two the DCO recorded by hand: an "other" notification
// for a child already at school, and one sent to an LA other than the
// child's with the reason. It goes through the store's import and
// CreateS23, so every rule a real notification meets, these meet too.
func seedS23(ctx context.Context, s *store.Store, today send.Date, orgs map[string]store.Org, children []store.Child) error {
	codeOf := map[int64]string{}
	for code, o := range orgs {
		codeOf[o.ID] = code
	}
	rows, schoolAge := s23DemoRows(today, orgs, codeOf, children)
	res, err := s23db.New(s).Import(ctx, store.System, rows, false)
	if err != nil {
		if len(res.Problems) > 0 {
			p := res.Problems[0]
			return fmt.Errorf("demo: notifications: row %d %s: %s", p.Line, p.Field, p.Message)
		}
		return fmt.Errorf("demo: notifications: %w", err)
	}
	return seedS23ByHand(ctx, s, today, orgs, codeOf, rows, schoolAge)
}

// s23DemoRows makes the rows of the demo's notifications file: one
// notification (now and then two) of each child the duty applies to, from
// the same seed every time. schoolAge are children of six it does not.
func s23DemoRows(today send.Date, orgs map[string]store.Org, codeOf map[int64]string, children []store.Child) (rows []s23db.ImportRow, schoolAge []store.Child) {
	rng := rand.New(rand.NewPCG(0x523, 0xdc0))
	for _, c := range children {
		opinion := today.AddDays(-(3 + rng.IntN(150)))
		if applies, _ := s23.Applies(c.DateOfBirth, opinion); !applies || opinion.Before(c.DateOfBirth.AddDays(60)) {
			if send.AgeOn(c.DateOfBirth, today) == 6 {
				schoolAge = append(schoolAge, c)
			}
			continue
		}
		times := 1
		if rng.IntN(8) == 0 {
			times = 2 // known to both services: a possible duplicate for the DCO to look at
		}
		for k := 0; k < times; k++ {
			n := s23DemoNotification(rng, today, orgs, c, codeOf[c.LAID], opinion.AddDays(7*k), k)
			rows = append(rows, s23db.ImportRow{Line: len(rows) + 1, Child: c, Notification: n})
		}
	}
	return rows, schoolAge
}

// s23DemoNotification makes the k-th notification of child c, of la, whose
// opinion was formed on opinion: its steps taken so far, some late, none
// in the future.
func s23DemoNotification(rng *rand.Rand, today send.Date, orgs map[string]store.Org, c store.Child, la string, opinion send.Date, k int) s23db.Notification {
	at := func(d send.Date) send.Date { // nothing in the future
		if d.After(today) {
			return send.Date{}
		}
		return d
	}
	provider := orgs[s23Providers[la][(k+rng.IntN(2))%2]]
	professional, service := s23Professional(provider.Code, rng)
	n := s23db.Notification{
		ProviderOrgID: provider.ID,
		LAID:          c.LAID,
		Professional:  professional,
		Service:       service + ", " + c.LAName,
		Needs:         []string{s23.Needs[rng.IntN(len(s23.Needs))].Key},
		Reasons:       s23Reasons[rng.IntN(len(s23Reasons))],
		Consent:       s23.ConsentYes,
		VoluntaryOrgs: s23Voluntary[la],
	}
	if rng.IntN(10) == 0 {
		n.Consent = s23.ConsentNo
	}
	st := &n.Steps
	st.OpinionOn = opinion
	st.ParentInformedOn = at(st.OpinionOn.AddDays(rng.IntN(4)))
	if st.ParentInformedOn.IsZero() {
		return n
	}
	st.DiscussionOfferedOn = st.ParentInformedOn
	if rng.IntN(2) == 0 {
		st.DiscussionHeldOn = at(st.DiscussionOfferedOn.AddDays(1 + rng.IntN(7)))
	}
	n.ParentLetterSentOn = st.ParentInformedOn
	var days int
	switch r := rng.IntN(10); {
	case r < 7:
		days = rng.IntN(10) // within the local standard
	case r < 9:
		days = 11 + rng.IntN(10) // late
	default:
		days = 1000 // not yet
	}
	st.LANotifiedOn = at(st.ParentInformedOn.AddDays(days))
	if !st.LANotifiedOn.IsZero() {
		n.LALetterSentOn = st.LANotifiedOn
		if rng.IntN(4) != 0 {
			st.AcknowledgedOn = at(st.LANotifiedOn.AddDays(rng.IntN(14)))
		}
	}
	return n
}

// seedS23ByHand makes, by hand: an "other" notification for a child
// already at school, and a notification to an LA other than the child's,
// with the reason.
func seedS23ByHand(ctx context.Context, s *store.Store, today send.Date, orgs map[string]store.Org, codeOf map[int64]string, rows []s23db.ImportRow, schoolAge []store.Child) error {
	if len(schoolAge) > 0 {
		c := schoolAge[0]
		parent := today.AddDays(-20)
		n := s23db.Notification{
			Kind: s23.KindOther, ChildID: c.ID, ProviderOrgID: orgs[s23Providers[codeOf[c.LAID]][1]].ID,
			Professional: "Community paediatrician", Service: "Community paediatrics",
			Needs: []string{"cognition"}, Reasons: "New diagnosis after the child started school; the school knows.",
			Steps:   s23.Steps{OpinionOn: parent, ParentInformedOn: parent, DiscussionOfferedOn: parent, LANotifiedOn: parent.AddDays(2)},
			Consent: s23.ConsentYes, VoluntaryOrgs: s23Voluntary[codeOf[c.LAID]],
		}
		if err := s23db.New(s).Create(ctx, store.System, &n, nil); err != nil {
			return fmt.Errorf("demo: other notification: %w", err)
		}
	}
	for _, r := range rows {
		c := r.Child
		if codeOf[c.LAID] != "866" || c.ID == 0 {
			continue
		}
		parent := today.AddDays(-4)
		if applies, _ := s23.Applies(c.DateOfBirth, parent); !applies {
			continue
		}
		n := s23db.Notification{
			ChildID: c.ID, ProviderOrgID: orgs["DEMO1"].ID, LAID: orgs["865"].ID,
			LAReason:     "The family moved to Wiltshire last week; the address is not yet updated.",
			Professional: "Health visitor", Service: "Health visiting, Swindon",
			Needs: []string{"communication"}, Reasons: "Speech and language delay; limited words at the two-year review.",
			Steps:   s23.Steps{OpinionOn: parent, ParentInformedOn: parent, DiscussionOfferedOn: parent},
			Consent: s23.ConsentYes, VoluntaryOrgs: s23Voluntary["865"],
		}
		if err := s23db.New(s).Create(ctx, store.System, &n, nil); err != nil {
			return fmt.Errorf("demo: notification to another LA: %w", err)
		}
		break
	}
	return nil
}
