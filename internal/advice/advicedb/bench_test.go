package advicedb

import (
	"context"
	"dco/internal/advice"
	"dco/internal/send"
	"dco/internal/store"
	"fmt"
	"testing"
	"time"
)

// BenchmarkListAdviceRequests lists 2,000 health-advice requests of one
// ICB as its DCO would: the first page of the list (50), a page of a CSV
// download (1,000) and one child's requests. Each listing is audited, as in
// service, so this measures what the audit of a listing costs.
func BenchmarkListAdviceRequests(b *testing.B) {
	store.ForEachEngineBench(b, func(b *testing.B, s *store.Store) {
		ctx := context.Background()
		icb := store.Org{Kind: store.OrgICB, Name: "ICB", Code: "QOX"}
		la := store.Org{Kind: store.OrgLA, Name: "LA", Code: "800"}
		for _, o := range []*store.Org{&icb, &la} {
			if err := s.CreateOrg(ctx, store.System, o); err != nil {
				b.Fatal(err)
			}
		}
		dco := store.User{Email: "dco@example.nhs.uk", Name: "DCO", Role: store.RoleDCO, OrgID: icb.ID}
		if err := s.CreateUser(ctx, store.System, &dco); err != nil {
			b.Fatal(err)
		}
		actor := store.Actor{UserID: dco.ID, Email: dco.Email, Role: dco.Role, OrgID: dco.OrgID}
		rows := make([]ImportRow, 2000)
		for i := range rows {
			rows[i] = ImportRow{Line: i + 2, LAID: la.ID, LAReference: fmt.Sprintf("EHC-%d", i),
				Child:      child(b, i, la.ID),
				ReceivedOn: send.NewDate(2025, time.Month(1+i%5), 1+i%28)}
		}
		if _, err := New(s).ImportAdviceRequests(ctx, actor, send.DefaultCalendar(), rows, false); err != nil {
			b.Fatalf("import: %v", err)
		}
		one, _, err := s.SearchChildren(ctx, actor, store.ChildFilter{Query: string(rows[42].Child.NHSNumber)})
		if err != nil || len(one) != 1 {
			b.Fatalf("find child: %v %v", one, err)
		}
		clock := advice.NewClock(send.DefaultCalendar(), send.Today(testNow))
		filters := map[string]Filter{
			"firstpage": {},
			"page1000":  {Limit: 1000},
			"child":     {ChildID: one[0].ID},
		}
		for _, name := range []string{"firstpage", "page1000", "child"} {
			f := filters[name]
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					if _, _, err := New(s).ListAdviceRequests(ctx, actor, clock, f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}
