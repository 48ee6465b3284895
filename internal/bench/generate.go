package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"dco/internal/errs"
	"dco/internal/importer"
	"dco/internal/send"
	"dco/internal/store"
)

// The bench's organisations and users. The ICB codes and the e-mail domain
// mark a bench database: Open refuses to write into any other. The first
// ICB's ODS-style code is BENCH (as it always was, so that a dataset kept
// before --icbs existed is still the bench's); the others are BENCH02 to
// BENCH42. Real ICB codes are three characters starting with Q (the demo's
// is QOX), so none can collide. Bench organisations carry no ONS code at
// all rather than invented ones, which could be mistaken for real ones
// (real ICBs are E54…, real LAs E06–E10…). LA codes run from 001, below
// every real DfE number (201 to 938), so no bench LA can be mistaken for
// a real one.
const (
	ICBCode     = "BENCH"
	icbName     = "Bench Integrated Care Board (synthetic)"
	icbPrefix   = "Bench Integrated Care Board"
	laPrefix    = "Bench Local Authority "
	EmailDomain = "bench.dco.test" // RFC 2606 reserves .test: no mail can reach anyone
	maxLAs      = 199
	// MaxICBs is how many ICBs a dataset may have: England's 42.
	MaxICBs = 42
)

// icbCodeRE matches the codes of the bench's ICBs after the first.
var icbCodeRE = regexp.MustCompile(`^BENCH[0-9]{2}$`)

// icbOrg is the bench's i-th ICB (1-based). The first keeps the code and
// name the bench has always used.
func icbOrg(i int) store.Org {
	if i == 1 {
		return store.Org{Kind: store.OrgICB, Name: icbName, Code: ICBCode}
	}
	return store.Org{Kind: store.OrgICB, Name: fmt.Sprintf("%s %02d (synthetic)", icbPrefix, i), Code: fmt.Sprintf("%s%02d", ICBCode, i)}
}

// ErrNotBench is returned for a database that holds anything other than a
// bench dataset: the bench writes synthetic children and must never do so
// beside real records.
var ErrNotBench = errors.New("bench: the database holds organisations or users that are not the bench's; name a new file, or leave out --db")

// ErrOtherICBs is returned for a kept dataset made with another number of
// ICBs than the run asks for: topping it up would measure neither.
var ErrOtherICBs = errors.New("bench: the kept dataset was made with another number of ICBs")

// dataset is the synthetic nation, or ICB, a run measures.
type dataset struct {
	icb      store.Org   // ICB 1: the measured DCO's and board member's
	icbs     []store.Org // every ICB, ICB 1 first, then in code order
	las      []store.Org // in code order: child k lives in las[k % len(las)]
	children int         // children stored
	advice   int         // advice requests stored
	la       store.User  // an LA caseworker of las[0], which is in ICB 1
	dco      store.User  // ICB 1's DCO
	viewer   store.User  // a board member of ICB 1
	reused   bool        // the dataset was in the database before this run
}

// icbLAs returns the LAs of ICB 1, in code order.
func (d *dataset) icbLAs() []store.Org {
	var out []store.Org
	for _, o := range d.las {
		if o.ParentID == d.icb.ID {
			out = append(out, o)
		}
	}
	return out
}

// loadDataset returns the bench dataset already in s, or a new empty one
// (its organisations and users created) when s holds nothing. Anything
// else is ErrNotBench; a bench dataset with other than nICBs ICBs is
// ErrOtherICBs.
func loadDataset(ctx context.Context, s *store.Store, nLAs, nICBs int) (*dataset, error) {
	orgs, err := s.ListOrgs(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotBench, err)
	}
	users, err := s.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotBench, err)
	}
	if len(orgs) == 0 && len(users) == 0 {
		return createDataset(ctx, s, nLAs, nICBs)
	}
	if err := checkBench(orgs, users); err != nil {
		return nil, err
	}
	d := &dataset{reused: true}
	for _, o := range orgs {
		switch o.Kind {
		case store.OrgICB:
			d.icbs = append(d.icbs, o)
			if o.Code == ICBCode {
				d.icb = o
			}
		case store.OrgLA:
			d.las = append(d.las, o)
		}
	}
	if len(d.icbs) != nICBs {
		return nil, fmt.Errorf("%w: it has %d and this run asks for %d; run with --icbs %d to reuse it, or name a new file",
			ErrOtherICBs, len(d.icbs), nICBs, len(d.icbs))
	}
	sort.Slice(d.icbs, func(i, j int) bool { return d.icbs[i].Code < d.icbs[j].Code }) // BENCH before BENCH02
	sort.Slice(d.las, func(i, j int) bool { return d.las[i].Code < d.las[j].Code })
	if len(d.las) == 0 {
		return nil, fmt.Errorf("%w (the bench ICB has no local authorities)", ErrNotBench)
	}
	if d.las[0].ParentID != d.icb.ID {
		return nil, fmt.Errorf("%w (its first local authority is not in ICB 1)", ErrNotBench)
	}
	for _, bu := range benchUsers(d) {
		found, err := s.GetUserByEmail(ctx, bu.user.Email)
		if err != nil {
			return nil, fmt.Errorf("bench: find %s: %w", bu.user.Email, err)
		}
		*bu.dst = found
	}
	if d.children, err = s.CountChildren(ctx, store.System); err != nil {
		return nil, fmt.Errorf("bench: count children: %w", err)
	}
	if d.advice, err = countAdvice(ctx, s); err != nil {
		return nil, err
	}
	return d, nil
}

// checkBench returns ErrNotBench unless every organisation is a bench ICB
// (ICB 1, code BENCH, among them) or an LA of one, and every user has a
// bench address.
func checkBench(orgs []store.Org, users []store.User) error {
	icbs := map[int64]bool{}
	first := false
	for _, o := range orgs {
		if o.Kind != store.OrgICB {
			continue
		}
		if !strings.HasPrefix(o.Name, icbPrefix) || (o.Code != ICBCode && !icbCodeRE.MatchString(o.Code)) {
			return ErrNotBench
		}
		icbs[o.ID] = true
		first = first || o.Code == ICBCode
	}
	if !first {
		return ErrNotBench
	}
	for _, o := range orgs {
		bench := (o.Kind == store.OrgICB) ||
			(o.Kind == store.OrgLA && icbs[o.ParentID] && strings.HasPrefix(o.Name, laPrefix))
		if !bench {
			return ErrNotBench
		}
	}
	for _, u := range users {
		if !strings.HasSuffix(u.Email, "@"+EmailDomain) {
			return ErrNotBench
		}
	}
	return nil
}

// benchUser is one of the users a dataset needs and where it goes.
type benchUser struct {
	dst  *store.User
	user store.User
}

// benchUsers returns the users a dataset needs. They have no password:
// nobody can sign in as them through the form, and the bench gives them
// sessions directly.
func benchUsers(d *dataset) []benchUser {
	return []benchUser{
		{&d.la, store.User{Email: "la@" + EmailDomain, Name: "Bench LA caseworker", Role: store.RoleLA, LAID: d.las[0].ID}},
		{&d.dco, store.User{Email: "dco@" + EmailDomain, Name: "Bench DCO", Role: store.RoleDCO, OrgID: d.icb.ID}},
		{&d.viewer, store.User{Email: "viewer@" + EmailDomain, Name: "Bench board member", Role: store.RoleViewer, OrgID: d.icb.ID}},
	}
}

// createDataset makes nICBs bench ICBs, nLAs local authorities and the
// users. The LAs go to the ICBs round-robin: LA i (DfE number i, from 1)
// belongs to ICB (i-1) mod nICBs + 1, so ICB 1 holds LAs 001, nICBs+1,
// 2·nICBs+1, …, and with 153 LAs and 42 ICBs the first 27 ICBs have four
// LAs and the rest three. Children follow their LA (child k lives in LA
// k mod nLAs + 1), so each ICB holds its LAs' share of them.
func createDataset(ctx context.Context, s *store.Store, nLAs, nICBs int) (*dataset, error) {
	d := &dataset{}
	for i := 1; i <= nICBs; i++ {
		o := icbOrg(i)
		if err := s.CreateOrg(ctx, store.System, &o); err != nil {
			return nil, fmt.Errorf("bench: create ICB %s: %w", o.Code, err)
		}
		d.icbs = append(d.icbs, o)
	}
	d.icb = d.icbs[0]
	for i := 1; i <= nLAs; i++ {
		o := store.Org{Kind: store.OrgLA, Name: fmt.Sprintf("%s%03d", laPrefix, i), Code: fmt.Sprintf("%03d", i), ParentID: d.icbs[(i-1)%nICBs].ID}
		if err := s.CreateOrg(ctx, store.System, &o); err != nil {
			return nil, fmt.Errorf("bench: create LA %s: %w", o.Code, err)
		}
		d.las = append(d.las, o)
	}
	for _, bu := range benchUsers(d) {
		u := bu.user
		if err := s.CreateUser(ctx, store.System, &u); err != nil {
			return nil, fmt.Errorf("bench: create %s: %w", u.Email, err)
		}
		*bu.dst = u
	}
	return d, nil
}

// --- NHS numbers ---

// nhsSeq yields the valid NHS numbers of the never-issued 999 range
// (999 000 0000 to 999 999 9999) in ascending order: a nine-digit body and
// its modulus 11 check digit, skipping bodies whose check would be 10 and
// the one number of a repeated digit.
type nhsSeq struct{ body int }

func (q *nhsSeq) next() (string, bool) {
	for q.body < 1_000_000 {
		b := 999_000_000 + q.body
		q.body++
		if n, ok := send.CompleteNHSNumber(strconv.Itoa(b)); ok {
			return string(n), true
		}
	}
	return "", false
}

// skip advances past n numbers.
func (q *nhsSeq) skip(n int) {
	for range n {
		if _, ok := q.next(); !ok {
			return
		}
	}
}

// Capacity is how many children a bench dataset can hold: one for each
// valid NHS number in the 999 range, about 909,000, well above the
// national 650,000.
func Capacity() int {
	var q nhsSeq
	n := 0
	for {
		if _, ok := q.next(); !ok {
			return n
		}
		n++
	}
}

// --- Children ---

// Names common in England and Wales; every combination is synthetic.
var (
	givenNames = []string{
		"Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia", "Willow",
		"Rosie", "Sophia", "Isabella", "Grace", "Daisy", "Sienna", "Poppy", "Elsie", "Emily", "Ella",
		"Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry",
		"Theodore", "Freddie", "Jack", "Charlie", "Theo", "Alfie", "Jacob", "Thomas", "Finley", "Arlo",
	}
	familyNames = []string{
		"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
		"Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
		"Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
		"Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen",
	}
	postcodeAreas = []string{"BA", "SN", "BS", "GL", "OX", "RG", "SP", "TA", "EX", "PL"}
	settings      = []string{"Mainstream primary school", "Primary academy", "Special school (primary)",
		"Mainstream secondary school", "Secondary academy", "Special school (secondary)",
		"Further education college", "Pre-school nursery", "Alternative provision", ""}
)

// inwardLetters are the letters a postcode's inward code may end with.
const inwardLetters = "ABDEFGHJLNPQRSTUWXYZ"

// mix is splitmix64: child k's fields are drawn from mix(k), so the same
// index always gives the same child whatever the batch size.
func mix(k uint64) uint64 {
	z := k + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

const csvHeader = "nhs_number,given_name,family_name,date_of_birth,postcode,la_code,setting," +
	"looked_after,elective_home_education,missing_education,youth_justice,continuing_care,personal_health_budget\n"

// childrenCSV writes children from..from+n-1 as a children import file
// with every column, as an LA's spreadsheet would be saved. q must stand
// at child from's NHS number.
func childrenCSV(q *nhsSeq, from, n int, las []store.Org, today send.Date) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(csvHeader) + n*120)
	b.WriteString(csvHeader)
	yesNo := func(v bool) string {
		if v {
			return "yes"
		}
		return "no"
	}
	for k := from; k < from+n; k++ {
		nhs, ok := q.next()
		if !ok {
			return nil, fmt.Errorf("bench: the 999 range has no NHS number left for child %d", k+1)
		}
		h := mix(uint64(k))
		var days int
		if h%10 < 7 {
			days = 4*365 + int(h>>8%(12*365)) // most children with plans are of school age
		} else {
			days = 1 + int(h>>8%(25*365))
		}
		la := k % len(las)
		area := postcodeAreas[la%len(postcodeAreas)]
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s%d %d%c%c,%s,%s,%s,%s,%s,%s,%s,%s\n",
			nhs, givenNames[h>>24%uint64(len(givenNames))], familyNames[h>>32%uint64(len(familyNames))],
			today.AddDays(-days), area, 1+h>>40%20, h>>44%10,
			inwardLetters[h>>48%uint64(len(inwardLetters))], inwardLetters[h>>52%uint64(len(inwardLetters))],
			las[la].Code, settings[h>>56%uint64(len(settings))],
			yesNo(h>>59%13 == 0), yesNo(h>>20%25 == 0), yesNo(h>>21%50 == 0),
			yesNo(h>>22%33 == 0), yesNo(h>>23%33 == 0), yesNo(h>>25%20 == 0))
	}
	return b.Bytes(), nil
}

// importSample is one timed import call: parsing a batch's CSV, then
// storing it.
type importSample struct {
	rows         int
	parse, store time.Duration
}

// fill imports children until the dataset holds want of them, in batches
// of batch rows: each batch is a CSV file parsed by the importer with full
// validation and stored by one ImportChildren call (all or nothing), which
// writes one audit row per child. progress, when not nil, is told after
// every batch.
func fill(ctx context.Context, s *store.Store, d *dataset, want, batch int, progress func(done, want int, elapsed time.Duration)) ([]importSample, error) {
	var q nhsSeq
	q.skip(d.children)
	today := send.Today(time.Now())
	la := func(code string) (store.Org, error) { return s.FindLA(ctx, code) }
	var out []importSample
	start := time.Now()
	for d.children < want {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		n := min(batch, want-d.children)
		data, err := childrenCSV(&q, d.children, n, d.las, today)
		if err != nil {
			return out, err
		}
		t0 := time.Now()
		cs, rowErrs, err := importer.ParseChildren(bytes.NewReader(data), la)
		t1 := time.Now()
		if err != nil {
			return out, fmt.Errorf("bench: parse batch: %w", err)
		}
		if len(rowErrs) > 0 {
			return out, fmt.Errorf("bench: the generated file has %d problems, the first %v", len(rowErrs), rowErrs[0])
		}
		stored, err := s.ImportChildren(ctx, store.System, cs)
		t2 := time.Now()
		if err != nil {
			return out, fmt.Errorf("bench: import batch at child %d: %w", d.children+1, describe(err))
		}
		out = append(out, importSample{rows: stored, parse: t1.Sub(t0), store: t2.Sub(t1)})
		d.children += stored
		if progress != nil {
			progress(d.children, want, time.Since(start))
		}
	}
	return out, nil
}

// describe adds a coded error's field problems to it, which its message
// alone leaves out.
func describe(err error) error {
	if f := errs.FieldsOf(err); len(f) > 0 {
		return fmt.Errorf("%w %v", err, f)
	}
	return err
}

// sampleNHS returns up to n NHS numbers of the dataset's children in its
// first LA, spread evenly over the dataset.
func sampleNHS(d *dataset, n int) []string {
	ofFirst := (d.children + len(d.las) - 1) / len(d.las) // children 0, L, 2L, … live in las[0]
	step := max(1, ofFirst/n)
	var out []string
	var q nhsSeq
	for k := 0; k < d.children && len(out) < n; k++ {
		nhs, ok := q.next()
		if !ok {
			break
		}
		if k%len(d.las) == 0 && (k/len(d.las))%step == 0 {
			out = append(out, nhs)
		}
	}
	return out
}
