package demo

import (
	"context"
	"fmt"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
)

// adviceClinicians are the demo's Health Advisers for SEND and therapists,
// beside the demo clinician, so that "whose are they" has more than one
// answer. They have no password: nobody signs in as them.
var adviceClinicians = []struct{ local, name, org string }{
	{"has.adviser", "Demo Health Adviser for SEND", "DEMO2"},
	{"salt", "Demo Speech and Language Therapist", "DEMO1"},
}

// adviceReference is how each LA numbers its assessments (by DfE number).
var adviceReference = map[string]string{"800": "BANES/EHCNA/%04d", "866": "SBC-EHC-%04d", "865": "WCC/EHC/2025/%04d"}

// adviceProfile is one shape a demo request takes: how long ago health
// received it and how far it has gone.
type adviceProfile struct {
	receivedAgo int
	state       string // "returned", "late", "not_known", "open", "untriaged", "has", "exception", "withdrawn"
	service     string
	who         int // index into the clinicians: 0 the demo clinician, 1 the HAS adviser, 2 the therapist, -1 none
}

// adviceProfiles are the demo's requests, in the order they are made: a
// few months of returns (most on time, some late, one with an exception,
// one "not known"), and an open caseload with something in every queue.
var adviceProfiles = []adviceProfile{
	{150, "returned", "paediatrics", 0}, {140, "returned", "salt", 2}, {132, "late", "ot", 0}, {120, "not_known", advice.ServiceHAS, 1},
	{112, "returned", "paediatrics", 0}, {104, "returned", "camhs", 0}, {96, "late", "salt", 2}, {90, "returned", advice.ServiceHAS, 1},
	{84, "withdrawn", "", -1}, {80, "returned", "physio", 0}, {74, "exception", "paediatrics", 0}, {70, "returned", "salt", 2},
	{66, "not_known", advice.ServiceHAS, 1}, {60, "returned", "audiology", 0}, {56, "late", "paediatrics", 0},
	{52, "open", "paediatrics", 0}, {49, "open", advice.ServiceHAS, 1}, {46, "open", "salt", 2}, {44, "open", "ot", -1},
	{40, "open", "paediatrics", 0}, {39, "open", advice.ServiceHAS, 1}, {37, "open", "salt", 2}, {36, "open", advice.ServiceHAS, -1},
	{30, "open", "camhs", 0}, {25, "has", advice.ServiceHAS, -1}, {21, "open", "paediatrics", 0}, {14, "open", "salt", 2},
	{9, "open", advice.ServiceHAS, 1}, {4, "untriaged", "", -1}, {1, "untriaged", "", -1}, {48, "exception", "salt", 2},
}

// seedAdvice makes the demo's health advice requests through the store, so
// that each meets every rule a real one does: triaged, assigned (which
// grants the clinician the child), answered and returned on the dates the
// profile gives, relative to today. The children are spread over the LAs.
func seedAdvice(ctx context.Context, s *store.Store, today send.Date, orgs map[string]store.Org, children []store.Child, clinicianID int64) error {
	cal := send.DefaultCalendar()
	who := []int64{clinicianID}
	for _, c := range adviceClinicians {
		u := store.User{Email: c.local + "@" + EmailDomain, Name: c.name, Role: store.RoleClinician, OrgID: orgs[c.org].ID}
		if err := s.CreateUser(ctx, store.System, &u); err != nil {
			return fmt.Errorf("demo: create %s: %w", u.Email, err)
		}
		who = append(who, u.ID)
	}
	codeOf := map[int64]string{}
	for code, o := range orgs {
		codeOf[o.ID] = code
	}
	for i, p := range adviceProfiles {
		c := children[(i*37+11)%len(children)]
		received := today.AddDays(-p.receivedAgo)
		r := advicedb.Request{ChildID: c.ID, ReceivedOn: received, AssessmentRequestedOn: received.AddDays(-10 - i%7),
			LAReference: fmt.Sprintf(adviceReference[codeOf[c.LAID]], 100+i), ServicesRequested: "paediatrics,salt"}
		if err := advicedb.New(s).CreateAdviceRequest(ctx, store.System, cal, &r, nil); err != nil {
			return fmt.Errorf("demo: advice request %d: %w", i, err)
		}
		if err := adviceJourney(ctx, s, today, r, p, who); err != nil {
			return fmt.Errorf("demo: advice request %d: %w", i, err)
		}
	}
	return nil
}

// adviceJourney takes one demo request as far as its profile says.
func adviceJourney(ctx context.Context, s *store.Store, today send.Date, r advicedb.Request, p adviceProfile, who []int64) error {
	sys := store.System
	version := r.Version
	switch p.state {
	case "untriaged":
		return nil
	case "withdrawn":
		return advicedb.New(s).WithdrawAdviceRequest(ctx, sys, r.ID, version, r.ReceivedOn.AddDays(12))
	}
	triage, known := advice.TriageKnown, []string{p.service}
	if p.service == advice.ServiceHAS {
		triage, known = advice.TriageNotKnown, nil
	}
	if _, err := advicedb.New(s).TriageAdviceRequest(ctx, sys, r.ID, version, triage, known, ""); err != nil {
		return err
	}
	assignee := int64(0)
	if p.who >= 0 {
		assignee = who[p.who]
	}
	k, err := advicedb.New(s).AddAdviceContribution(ctx, sys, r.ID, p.service, assignee)
	if err != nil {
		return err
	}
	switch p.state {
	case "open", "has":
		return nil
	case "exception":
		_, err := advicedb.New(s).RecordContributionException(ctx, sys, k.ID, k.Version, advice.Exception{Kind: send.ExceptionMissedAppointment,
			Reason: "The family did not attend the clinic appointment offered; a new one has been booked.", On: r.ReceivedOn.AddDays(20)})
		return err
	}
	returned := r.ReceivedOn.AddDays(33)
	if p.state == "late" {
		returned = r.ReceivedOn.AddDays(51)
	}
	if returned.After(today) {
		returned = today
	}
	a := advicedb.Answer{Kind: advice.KindAdvice, ReturnedOn: returned, Advice: demoAdvice(p.service)}
	if p.state == "not_known" {
		a = advicedb.Answer{Kind: advice.KindNotKnown, ReturnedOn: returned, Checks: advice.Checks{RecordsReviewed: true,
			FamilyContacted: true, SENCOContacted: true, Note: "No community health input; GP records show no ongoing health needs. The family and the school SENCO agree."}}
	}
	if _, err := advicedb.New(s).AnswerAdviceContribution(ctx, sys, k.ID, k.Version, a); err != nil {
		return err
	}
	got, err := advicedb.New(s).GetAdviceRequest(ctx, sys, r.ID)
	if err != nil {
		return err
	}
	_, err = advicedb.New(s).ReturnAdviceRequest(ctx, sys, r.ID, got.Version, returned, "")
	return err
}

// demoAdvice is plausible advice from a service, for the demo's returns.
func demoAdvice(service string) advice.Advice {
	switch service {
	case "salt":
		return advice.Advice{Needs: "Expressive language delay: uses short phrases; difficulty with sequencing and narrative.",
			Provision: []advice.Provision{{Who: "Speech and language therapist", What: "Targeted language programme, set up and reviewed",
				HowOften: "Termly review; programme delivered by a teaching assistant 3 times a week", HowLong: "12 months"}},
			Outcomes: "By the end of the school year, retells a short story in sequence using linking words."}
	case "ot":
		return advice.Advice{Needs: "Fine motor and sensory processing difficulties affecting handwriting and self-care.",
			Provision: []advice.Provision{{Who: "Occupational therapist", What: "Fine motor programme and sensory strategies for the classroom",
				HowOften: "Daily, 10 minutes; OT review each half term", HowLong: "One school year"}},
			Outcomes: "Dresses independently after PE; writes a sentence legibly within the lesson time."}
	}
	return advice.Advice{Needs: "Autism spectrum condition diagnosed; anxiety in busy settings; sleep difficulties.",
		Provision: []advice.Provision{{Who: "Community paediatrician", What: "Review of sleep and medication", HowOften: "Every 6 months", HowLong: "Ongoing"},
			{Who: "School staff trained by the specialist team", What: "Visual timetable and a quiet space", HowOften: "Daily", HowLong: "Ongoing"}},
		Outcomes: "Attends a full school day with no more than one planned break in the quiet space."}
}
