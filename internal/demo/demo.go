// Package demo seeds a database with a synthetic but realistic ICB, so that
// dco can be tried, shown and tested end to end: NHS Bath and North East
// Somerset, Swindon and Wiltshire ICB with its three local authorities, its
// main health providers, about 300 children and one user of every role.
//
// The organisations are real and public (docs/design.md §7). The children are not:
// their NHS numbers come from the 999 range that is never issued, and their
// names, dates of birth and postcodes are drawn from a fixed pseudo-random
// sequence, so every seeded database holds the same people. Demo users exist
// only where this package made them: no other code path creates them.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"dco/internal/auth"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// ICBCode is the ODS code of the demo ICB; its presence marks a demo database.
const ICBCode = "QOX"

// EmailDomain is the domain of every demo user's address. It is under
// .test, which RFC 2606 reserves, so no message can ever reach anyone.
const EmailDomain = "demo.dco.test"

// ChildrenPerLA is how many synthetic children each LA gets, by DfE number:
// roughly in proportion to the three LAs' populations.
var ChildrenPerLA = map[string]int{"800": 80, "866": 100, "865": 120}

// User is a demo user as Seed reports it.
type User struct {
	Email        string
	Role         store.Role
	Organisation string // the user's provider, LA or ICB, "" when none
}

// Result is what Seed did.
type Result struct {
	// Created is true when this call seeded the data, false when the demo
	// ICB was there already and nothing was written.
	Created bool
	// Users are the demo users, one per role (three LA users), in the
	// order they were made.
	Users []User
	// Children is how many children this call seeded (0 when not Created).
	Children int
}

type orgSpec struct {
	kind      store.OrgKind
	name      string
	code, ons string
}

// The organisations. LA numbers and ONS codes are DfE's and ONS's; ODS codes
// are NHS England's where dco is sure of them, and DEMO… where it is not.
var (
	icbSpec = orgSpec{store.OrgICB, "NHS Bath and North East Somerset, Swindon and Wiltshire Integrated Care Board", ICBCode, "E54000040"}
	laSpecs = []orgSpec{
		{store.OrgLA, "Bath and North East Somerset", "800", "E06000022"},
		{store.OrgLA, "Swindon", "866", "E06000030"},
		{store.OrgLA, "Wiltshire", "865", "E06000054"},
	}
	providerSpecs = []orgSpec{
		{store.OrgProvider, "HCRG Care Group", "DEMO1", ""},
		{store.OrgProvider, "Wiltshire Health and Care", "DEMO2", ""},
		{store.OrgProvider, "Great Western Hospitals NHS Foundation Trust", "RN3", ""},
		{store.OrgProvider, "Royal United Hospitals Bath NHS Foundation Trust", "RD1", ""},
		{store.OrgProvider, "Salisbury NHS Foundation Trust", "RNZ", ""},
		{store.OrgProvider, "Oxford Health NHS Foundation Trust", "RNU", ""},
	}
)

type userSpec struct {
	local string // before the @
	name  string
	role  store.Role
	org   string // ODS code or LA number of the user's organisation
}

// userSpecs are made in this order; the DCO comes first because it is the
// account a visitor tries first.
var userSpecs = []userSpec{
	{"dco", "Demo DCO", store.RoleDCO, ICBCode},
	{"clinician", "Demo Clinician", store.RoleClinician, "RD1"},
	{"provider", "Demo Provider", store.RoleProvider, "DEMO1"},
	{"la.banes", "Demo Bath and North East Somerset caseworker", store.RoleLA, "800"},
	{"la.swindon", "Demo Swindon caseworker", store.RoleLA, "866"},
	{"la.wiltshire", "Demo Wiltshire caseworker", store.RoleLA, "865"},
	{"viewer", "Demo Board Member", store.RoleViewer, ICBCode},
	{"admin", "Demo Administrator", store.RoleAdmin, ICBCode},
}

// Emails returns every demo user's address, in the order Seed makes them.
func Emails() []string {
	out := make([]string, len(userSpecs))
	for i, u := range userSpecs {
		out[i] = u.local + "@" + EmailDomain
	}
	return out
}

// Settings are the local standards the demo sets as the defaults (the
// values of every ICB that has not set its own) when they are not set.
var Settings = []struct{ Key, Value string }{
	{"s23_standard_days", "10"},
	{"qa_standard_working_days", "10"},
}

// ErrNotDemo is returned when the database holds data that is not the
// demo's: seeding it would put accounts with a published password beside
// real records.
var ErrNotDemo = errors.New("demo: the database already holds organisations or users that are not the demo's; seed a new, empty database")

// Seed seeds the demo ICB once. If the demo ICB is already there it writes
// nothing and returns the demo users with Created false. It refuses
// (ErrNotDemo) a database with other organisations or users, and one where
// the demo ICB exists without its users. The password must be at least
// auth.MinPasswordLength characters; it is hashed once and the hash is
// shared by every demo user. now sets the children's ages; it should be
// the store's clock, which refuses dates of birth in the future.
func Seed(ctx context.Context, s *store.Store, password string, now time.Time) (Result, error) {
	icb, err := s.FindOrgByCode(ctx, store.OrgICB, ICBCode)
	switch {
	case err == nil:
		return existing(ctx, s, icb)
	case !errs.Is(err, errs.NotFound):
		return Result{}, fmt.Errorf("demo: find ICB: %w", err)
	}
	if err := empty(ctx, s); err != nil {
		return Result{}, err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return Result{}, fmt.Errorf("demo: %w", err)
	}

	orgs := map[string]store.Org{} // by code
	for _, spec := range append(append([]orgSpec{icbSpec}, laSpecs...), providerSpecs...) {
		o := store.Org{Kind: spec.kind, Name: spec.name, Code: spec.code, ONSCode: spec.ons}
		if err := s.CreateOrg(ctx, store.System, &o); err != nil {
			return Result{}, fmt.Errorf("demo: create %s: %w", spec.name, err)
		}
		orgs[spec.code] = o
	}

	children := Children(send.Today(now), orgs)
	n, err := s.ImportChildren(ctx, store.System, children)
	if err != nil {
		return Result{}, fmt.Errorf("demo: import children: %w", err)
	}
	if err := settings(ctx, s); err != nil {
		return Result{}, err
	}

	res := Result{Created: true, Children: n}
	ids := map[string]int64{}
	for _, spec := range userSpecs {
		o := orgs[spec.org]
		u := store.User{Email: spec.local + "@" + EmailDomain, Name: spec.name, Role: spec.role, PasswordHash: hash}
		if spec.role == store.RoleLA {
			u.LAID = o.ID
		} else {
			u.OrgID = o.ID
		}
		if err := s.CreateUser(ctx, store.System, &u); err != nil {
			return Result{}, fmt.Errorf("demo: create %s: %w", u.Email, err)
		}
		ids[spec.local] = u.ID
		res.Users = append(res.Users, User{Email: u.Email, Role: u.Role, Organisation: o.Name})
	}
	if err := grants(ctx, s, children, ids["clinician"], orgs["DEMO1"].ID); err != nil {
		return Result{}, err
	}
	if err := seedS23(ctx, s, send.Today(now), orgs, children); err != nil { // Section 23 notifications (s23.go)
		return Result{}, err
	}
	if err := seedAdvice(ctx, s, send.Today(now), orgs, children, ids["clinician"]); err != nil { // health advice (advice.go)
		return Result{}, err
	}
	return res, nil
}

// existing reports the demo users of a database already seeded.
func existing(ctx context.Context, s *store.Store, icb store.Org) (Result, error) {
	res := Result{}
	for _, email := range Emails() {
		u, err := s.GetUserByEmail(ctx, email)
		if errs.Is(err, errs.NotFound) {
			return Result{}, fmt.Errorf("%w (it has %s, but not the demo user %s)", ErrNotDemo, icb.Name, email)
		}
		if err != nil {
			return Result{}, fmt.Errorf("demo: find %s: %w", email, err)
		}
		name := ""
		id := u.OrgID
		if u.LAID != 0 {
			id = u.LAID
		}
		if id != 0 {
			o, err := s.GetOrg(ctx, id)
			if err != nil {
				return Result{}, fmt.Errorf("demo: organisation of %s: %w", email, err)
			}
			name = o.Name
		}
		res.Users = append(res.Users, User{Email: u.Email, Role: u.Role, Organisation: name})
	}
	return res, nil
}

// empty returns ErrNotDemo unless the database has no organisations and no users.
func empty(ctx context.Context, s *store.Store) error {
	orgs, err := s.ListOrgs(ctx, "")
	if err != nil {
		return fmt.Errorf("demo: list organisations: %w", err)
	}
	users, err := s.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("demo: list users: %w", err)
	}
	if len(orgs) > 0 || len(users) > 0 {
		return ErrNotDemo
	}
	return nil
}

// settings sets each of Settings that is not set, as a default (ICB 0).
func settings(ctx context.Context, s *store.Store) error {
	for _, kv := range Settings {
		_, err := s.Setting(ctx, store.System, 0, kv.Key)
		if err == nil {
			continue
		}
		if !errs.Is(err, errs.NotFound) {
			return fmt.Errorf("demo: read setting %s: %w", kv.Key, err)
		}
		if err := s.SetSetting(ctx, store.System, 0, kv.Key, kv.Value, 0); err != nil {
			return fmt.Errorf("demo: set %s: %w", kv.Key, err)
		}
	}
	return nil
}

// grants gives the clinician and the provider organisation a few children
// each, from every LA, so that their pages are not empty.
func grants(ctx context.Context, s *store.Store, children []store.Child, clinicianID, providerOrgID int64) error {
	const each = 6
	for i := 0; i < each; i++ {
		c := children[i*len(children)/each]
		if err := s.GrantChildAccess(ctx, store.System, c.ID, clinicianID, 0, "demo: allocated for health advice"); err != nil {
			return fmt.Errorf("demo: grant clinician access: %w", err)
		}
		c = children[(i*len(children)+len(children)/2)/each]
		if err := s.GrantChildAccess(ctx, store.System, c.ID, 0, providerOrgID, "demo: known to the health visiting service"); err != nil {
			return fmt.Errorf("demo: grant provider access: %w", err)
		}
	}
	return nil
}

// Children returns the synthetic children, ChildrenPerLA of each LA in
// orgs (keyed by DfE number), born up to 25 years before today. The same
// today gives the same children.
func Children(today send.Date, orgs map[string]store.Org) []store.Child {
	rng := rand.New(rand.NewPCG(0x5e4d, 0xdc0))
	seen := map[send.NHSNumber]bool{}
	var out []store.Child
	for _, la := range laSpecs {
		org := orgs[la.code]
		for i := 0; i < ChildrenPerLA[la.code]; i++ {
			c := store.Child{
				NHSNumber:  nhsNumber(rng, seen),
				GivenName:  givenNames[rng.IntN(len(givenNames))],
				FamilyName: familyNames[rng.IntN(len(familyNames))],
				LAID:       org.ID,
				LAName:     org.Name,
			}
			age := birth(rng, today, &c)
			c.Postcode = postcode(rng, la.code)
			c.Setting = setting(rng, age)
			c.Flags = flags(rng, age)
			out = append(out, c)
		}
	}
	return out
}

// nhsNumber draws an unused NHS number from 999 000 0000–999 999 9999 that
// passes the modulus 11 check.
func nhsNumber(rng *rand.Rand, seen map[send.NHSNumber]bool) send.NHSNumber {
	for {
		n, ok := send.CompleteNHSNumber(fmt.Sprintf("999%06d", rng.IntN(1_000_000)))
		if !ok || seen[n] {
			continue
		}
		seen[n] = true
		return n
	}
}

// birth sets a date of birth between today and 25 years before it, most
// often of school age as most children with plans are, and returns the age
// in whole years.
func birth(rng *rand.Rand, today send.Date, c *store.Child) int {
	var days int
	if rng.IntN(10) < 7 {
		days = 4*365 + rng.IntN(12*365) // 4 to 16
	} else {
		days = 1 + rng.IntN(25*365) // 0 to 25
	}
	c.DateOfBirth = today.AddDays(-days)
	return days / 365
}

// Postcode districts of each LA, by DfE number: the BA and SN areas.
var districts = map[string][]string{
	"800": {"BA1", "BA2", "BA3"},
	"866": {"SN1", "SN2", "SN3", "SN4", "SN5", "SN25", "SN26"},
	"865": {"SN8", "SN9", "SN10", "SN11", "SN12", "SN13", "SN14", "SN15", "SN16", "BA12", "BA13", "BA14", "BA15"},
}

// inwardLetters are the letters a postcode's inward code may end with.
const inwardLetters = "ABDEFGHJLNPQRSTUWXYZ"

func postcode(rng *rand.Rand, la string) string {
	d := districts[la]
	return fmt.Sprintf("%s %d%c%c", d[rng.IntN(len(d))], rng.IntN(10),
		inwardLetters[rng.IntN(len(inwardLetters))], inwardLetters[rng.IntN(len(inwardLetters))])
}

// setting picks a kind of setting fitting the age. The demo names kinds of
// setting rather than schools, so that no real school is linked to a
// synthetic child.
func setting(rng *rand.Rand, age int) string {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	switch {
	case age < 2:
		return "At home (not yet in an early years setting)"
	case age < 4:
		return pick("Pre-school nursery", "Childminder", "Maintained nursery school")
	case age < 11:
		return pick("Mainstream primary school", "Mainstream primary school", "Primary academy",
			"Special school (primary)", "Resourced provision in a primary school")
	case age < 16:
		return pick("Mainstream secondary school", "Secondary academy", "Special school (secondary)",
			"Alternative provision", "Independent special school")
	case age < 19:
		return pick("Sixth form", "Further education college", "Special school (post-16)", "Specialist post-16 institution")
	default:
		return pick("Further education college", "Supported internship", "Apprenticeship",
			"Not in education, employment or training")
	}
}

// flags sets a few circumstances, at rough national proportions.
func flags(rng *rand.Rand, age int) store.Flags {
	pct := func(p int) bool { return rng.IntN(100) < p }
	schoolAge := age >= 5 && age < 16
	return store.Flags{
		LookedAfter:          age < 18 && pct(8),
		ElectiveHomeEd:       schoolAge && pct(4),
		MissingEducation:     schoolAge && pct(2),
		YouthJustice:         age >= 10 && age < 18 && pct(3),
		ContinuingCare:       pct(3),
		PersonalHealthBudget: pct(5),
	}
}

// givenNames and familyNames are common in England and Wales (ONS baby
// names and surname frequencies); any resemblance to a real child is
// chance, and no real NHS number goes with it.
var givenNames = []string{
	"Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia", "Willow",
	"Rosie", "Sophia", "Isabella", "Grace", "Daisy", "Sienna", "Poppy", "Elsie", "Emily", "Ella",
	"Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry",
	"Theodore", "Freddie", "Jack", "Charlie", "Theo", "Alfie", "Jacob", "Thomas", "Finley", "Arlo",
}

var familyNames = []string{
	"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
	"Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
	"Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
	"Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen",
}
