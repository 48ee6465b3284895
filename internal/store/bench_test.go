package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"dco/internal/send"
)

// BenchmarkSearchChildren searches 10,000 children, half in each of two
// LAs, as an LA caseworker would: by name fragment, by NHS number, and the
// first page of the whole list. Each search is audited, as in service.
func BenchmarkSearchChildren(b *testing.B) {
	engines := []struct {
		name string
		open func(testing.TB) *Store
	}{{EngineSQLite, OpenTestSQLite}, {EnginePostgres, OpenTestPostgres}}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			s := e.open(b) // OpenTestPostgres skips without DCO_TEST_POSTGRES_URL
			s.Now = func() time.Time { return testNow }
			ctx := context.Background()
			icb := Org{Kind: OrgICB, Name: "ICB", Code: "QOX"}
			la1 := Org{Kind: OrgLA, Name: "LA one", Code: "800"}
			la2 := Org{Kind: OrgLA, Name: "LA two", Code: "866"}
			for _, o := range []*Org{&icb, &la1, &la2} {
				if err := s.CreateOrg(ctx, System, o); err != nil {
					b.Fatal(err)
				}
			}
			families := []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright"}
			cs := make([]Child, 10000)
			for i := range cs {
				la := la1.ID
				if i%2 == 1 {
					la = la2.ID
				}
				cs[i] = Child{
					NHSNumber:   nhsNumber(b, i),
					GivenName:   fmt.Sprintf("Child%d", i),
					FamilyName:  families[i%len(families)] + fmt.Sprint(i%97),
					DateOfBirth: send.NewDate(2008+i%16, time.Month(1+i%12), 1+i%28),
					LAID:        la,
				}
			}
			if n, err := s.ImportChildren(ctx, System, cs); err != nil || n != len(cs) {
				b.Fatalf("import: %d %v", n, err)
			}
			actor := Actor{UserID: 1, Email: "la@example.gov.uk", Role: RoleLA, LAID: la1.ID}
			filters := map[string]ChildFilter{
				"name":      {Query: "smith1"},
				"nhs":       {Query: string(cs[4242].NHSNumber)},
				"firstpage": {},
				"page1000":  {Limit: 1000}, // a CSV download's page
			}
			for _, name := range []string{"name", "nhs", "firstpage", "page1000"} {
				f := filters[name]
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						if _, _, err := s.SearchChildren(ctx, actor, f); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkAuditWithChildren is what naming the children of a page costs
// a listing's audit row (withChildren): one row and its commit, naming no
// child, a first page's 50 and a download page's 1,000, out of 10,000
// children, the pages moving through them as paging does.
func BenchmarkAuditWithChildren(b *testing.B) {
	engines := []struct {
		name string
		open func(testing.TB) *Store
	}{{EngineSQLite, OpenTestSQLite}, {EnginePostgres, OpenTestPostgres}}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			s := e.open(b) // OpenTestPostgres skips without DCO_TEST_POSTGRES_URL
			ctx := context.Background()
			actor := Actor{UserID: 1, Email: "la@example.gov.uk", Role: RoleLA, LAID: 1}
			for _, n := range []int{0, 50, 1000} {
				b.Run(fmt.Sprintf("children=%d", n), func(b *testing.B) {
					ids := make([]int64, n)
					from := int64(1)
					for b.Loop() {
						for i := range ids {
							ids[i] = 1 + (from+int64(i))%10000
						}
						from += int64(n)
						e := entry(actor, "child.search", "child", 0, 0, OutcomeOK, fmt.Sprintf("results=%d", n)).withChildren(ids)
						if err := s.write(ctx, func(t *tx) error { return t.appendAudit(ctx, e) }); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkImportChildren imports batches of 1,000 children, with full
// validation and an audit row each; rows/s is reported.
func BenchmarkImportChildren(b *testing.B) {
	s := OpenTestSQLite(b)
	s.Now = func() time.Time { return testNow }
	ctx := context.Background()
	icb := Org{Kind: OrgICB, Name: "ICB", Code: "QOX"}
	la := Org{Kind: OrgLA, Name: "LA", Code: "800"}
	for _, o := range []*Org{&icb, &la} {
		if err := s.CreateOrg(ctx, System, o); err != nil {
			b.Fatal(err)
		}
	}
	const batch = 1000
	n := 0
	start := time.Now()
	for b.Loop() {
		cs := make([]Child, batch)
		for i := range cs {
			cs[i] = Child{NHSNumber: nhsNumber(b, n), GivenName: "Given", FamilyName: "Family",
				DateOfBirth: send.NewDate(2015, 3, 1), Postcode: "BA1 1AA", LAID: la.ID}
			n++
		}
		if _, err := s.ImportChildren(ctx, System, cs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
}
