package s23

import (
	"reflect"
	"strings"
	"testing"

	"dco/internal/send"
)

func d(t testing.TB, s string) send.Date {
	t.Helper()
	if s == "" {
		return send.Date{}
	}
	v, err := send.ParseDate(s)
	if err != nil {
		t.Fatalf("date %q: %v", s, err)
	}
	return v
}

// TestCheckOrder is the ordering rule: nothing lets the LA be told before
// the parent (s.23(2) then s.23(3)).
func TestCheckOrder(t *testing.T) {
	today := "2025-06-02"
	tests := []struct {
		name                                            string
		kind                                            Kind
		opinion, parent, offered, held, notified, acked string
		want                                            []string // fields refused
	}{
		{name: "nothing yet but the opinion", kind: KindS23, opinion: "2025-05-01"},
		{name: "parent informed only", kind: KindS23, opinion: "2025-05-01", parent: "2025-05-02"},
		{name: "all in order", kind: KindS23, opinion: "2025-05-01", parent: "2025-05-02", offered: "2025-05-02", held: "2025-05-09", notified: "2025-05-12", acked: "2025-05-13"},
		{name: "same day parent and LA allowed", kind: KindS23, opinion: "2025-05-01", parent: "2025-05-06", offered: "2025-05-06", notified: "2025-05-06"},
		{name: "everything on one day", kind: KindS23, opinion: "2025-06-02", parent: "2025-06-02", offered: "2025-06-02", held: "2025-06-02", notified: "2025-06-02", acked: "2025-06-02"},
		{name: "LA before parent refused", kind: KindS23, opinion: "2025-05-01", parent: "2025-05-06", offered: "2025-05-06", notified: "2025-05-05", want: []string{FieldLANotified}},
		{name: "LA without parent date refused", kind: KindS23, opinion: "2025-05-01", notified: "2025-05-05", want: []string{FieldLANotified}},
		{name: "LA without parent date refused for other kind too", kind: KindOther, opinion: "2025-05-01", notified: "2025-05-05", want: []string{FieldLANotified}},
		{name: "LA before parent refused for other kind too", kind: KindOther, opinion: "2025-05-01", parent: "2025-05-06", notified: "2025-05-05", want: []string{FieldLANotified}},
		{name: "LA without discussion offered refused under s.23", kind: KindS23, opinion: "2025-05-01", parent: "2025-05-02", notified: "2025-05-05", want: []string{FieldLANotified}},
		{name: "LA before discussion offered refused under s.23", kind: KindS23, opinion: "2025-05-01", parent: "2025-05-02", offered: "2025-05-07", notified: "2025-05-05", want: []string{FieldLANotified}},
		{name: "other kind needs no discussion offer", kind: KindOther, opinion: "2025-05-01", parent: "2025-05-02", notified: "2025-05-05"},
		{name: "discussion held before LA not needed", kind: KindS23, opinion: "2025-05-01", parent: "2025-05-02", offered: "2025-05-02", notified: "2025-05-03", held: "2025-05-20"},
		{name: "parent before opinion refused", kind: KindS23, opinion: "2025-05-03", parent: "2025-05-02", want: []string{FieldParentInformed}},
		{name: "offer before parent informed refused", kind: KindS23, opinion: "2025-05-01", parent: "2025-05-05", offered: "2025-05-04", want: []string{FieldDiscussionOffered}},
		{name: "offer without parent informed refused", kind: KindS23, opinion: "2025-05-01", offered: "2025-05-04", want: []string{FieldDiscussionOffered}},
		{name: "held without offer refused", kind: KindS23, opinion: "2025-05-01", parent: "2025-05-01", held: "2025-05-04", want: []string{FieldDiscussionHeld}},
		{name: "held before offer refused", kind: KindS23, opinion: "2025-05-01", parent: "2025-05-01", offered: "2025-05-05", held: "2025-05-04", want: []string{FieldDiscussionHeld}},
		{name: "acknowledged before notified refused", kind: KindS23, opinion: "2025-05-01", parent: "2025-05-01", offered: "2025-05-01", notified: "2025-05-05", acked: "2025-05-04", want: []string{FieldAcknowledged}},
		{name: "acknowledged without notification refused", kind: KindS23, opinion: "2025-05-01", parent: "2025-05-01", acked: "2025-05-04", want: []string{FieldAcknowledged}},
		{name: "no opinion date", kind: KindS23, want: []string{FieldOpinion}},
		{name: "future dates refused", kind: KindS23, opinion: "2025-06-03", parent: "2025-06-03", offered: "2025-06-03", notified: "2025-06-03", want: []string{FieldDiscussionOffered, FieldLANotified, FieldOpinion, FieldParentInformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Steps{
				OpinionOn: d(t, tt.opinion), ParentInformedOn: d(t, tt.parent), DiscussionOfferedOn: d(t, tt.offered),
				DiscussionHeldOn: d(t, tt.held), LANotifiedOn: d(t, tt.notified), AcknowledgedOn: d(t, tt.acked),
			}
			bad := st.Check(tt.kind, d(t, today))
			var got []string
			for f := range bad {
				got = append(got, f)
			}
			sortStrings(got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("refused fields: got %v (%v), want %v", got, bad, tt.want)
			}
		})
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestCheckOrderMessage pins the words a person sees when the LA would be
// told first.
func TestCheckOrderMessage(t *testing.T) {
	st := Steps{OpinionOn: d(t, "2025-05-01"), ParentInformedOn: d(t, "2025-05-06"), DiscussionOfferedOn: d(t, "2025-05-06"), LANotifiedOn: d(t, "2025-05-05")}
	got := st.Check(KindS23, d(t, "2025-06-02"))[FieldLANotified]
	if want := "The date the LA was notified must be on or after the date the parent was informed: the parent is told first"; got != want {
		t.Errorf("message: got %q, want %q", got, want)
	}
}

// TestApplies is s.23(1): under compulsory school age only. The first day
// of compulsory school age comes from EXAMPLES.md.
func TestApplies(t *testing.T) {
	tests := []struct {
		name, dob, on string
		want          bool
		csaFrom       string
	}{
		{"baby", "2024-03-10", "2025-06-02", true, "2029-03-31"},
		{"day before compulsory school age", "2018-01-01", "2023-03-30", true, "2023-03-31"},
		{"first day of compulsory school age", "2018-01-01", "2023-03-31", false, "2023-03-31"},
		{"day after", "2018-01-01", "2023-04-01", false, "2023-03-31"},
		{"fifth birthday on a prescribed day: the day before", "2018-12-31", "2023-12-30", true, "2023-12-31"},
		{"fifth birthday on a prescribed day: that day", "2018-12-31", "2023-12-31", false, "2023-12-31"},
		{"born 1 September: a term later", "2018-09-01", "2023-12-30", true, "2023-12-31"},
		{"young person", "2005-04-01", "2025-06-02", false, "2010-08-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, from := Applies(d(t, tt.dob), d(t, tt.on))
			if got != tt.want || !from.Equal(d(t, tt.csaFrom)) {
				t.Errorf("Applies(%s, %s): got %v, %s, want %v, %s", tt.dob, tt.on, got, from, tt.want, tt.csaFrom)
			}
		})
	}
	if got := NotApplicableText(d(t, "2023-03-31")); !strings.Contains(got, "since 31 March 2023") {
		t.Errorf("warning: got %q, want it to name 31 March 2023", got)
	}
}

func TestDefaultOpinionOn(t *testing.T) {
	today := d(t, "2025-06-02")
	if got := (Steps{}).DefaultOpinionOn(today); !got.Equal(today) {
		t.Errorf("no steps: got %s, want today", got)
	}
	st := Steps{ParentInformedOn: d(t, "2025-05-06"), LANotifiedOn: d(t, "2025-05-09")}
	if got := st.DefaultOpinionOn(today); !got.Equal(d(t, "2025-05-06")) {
		t.Errorf("steps: got %s, want 2025-05-06", got)
	}
}

func TestProgress(t *testing.T) {
	cal := send.DefaultCalendar()
	today := d(t, "2025-06-02") // a Monday
	tests := []struct {
		name             string
		kind             Kind
		parent, notified string
		colour           Colour
		label, detail    string
	}{
		{"not started", KindS23, "", "", Grey, "Parent not yet informed", ""},
		{"in progress", KindS23, "2025-06-01", "", Blue, "In progress", "due in 9 days"},
		{"due within five working days", KindS23, "2025-05-27", "", Orange, "LA notification due", "due in 4 days"},
		{"due today", KindS23, "2025-05-23", "", Orange, "LA notification due", "due today"},
		{"overdue", KindS23, "2025-05-20", "", Red, "LA notification overdue", "3 days overdue"},
		{"on time on the last day", KindS23, "2025-05-01", "2025-05-11", Green, "LA notified on time", "10 days after the parent was informed"},
		{"late", KindS23, "2025-05-01", "2025-05-12", Yellow, "LA notified late", "11 days after the parent was informed"},
		{"same day", KindS23, "2025-05-01", "2025-05-01", Green, "LA notified on time", "0 days after the parent was informed"},
		{"other kind, not yet sent", KindOther, "2025-05-01", "", Blue, "LA not yet notified", ""},
		{"other kind, sent late is still sent", KindOther, "2025-04-01", "2025-05-12", Green, "LA notified", "on 12 May 2025"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Steps{ParentInformedOn: d(t, tt.parent), DiscussionOfferedOn: d(t, tt.parent), LANotifiedOn: d(t, tt.notified)}
			got := Progress(tt.kind, st, 10, cal, today)
			want := Tag{Colour: tt.colour, Label: tt.label, Detail: tt.detail}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestReceipt(t *testing.T) {
	cal := send.DefaultCalendar()
	today := d(t, "2025-06-02")
	tests := []struct {
		name            string
		notified, acked string
		colour          Colour
		label, detail   string
	}{
		{"not sent", "", "", Grey, "Not yet sent to the LA", ""},
		{"received today", "2025-06-02", "", Blue, "Awaiting acknowledgement", "received today, acknowledgement due in 10 days"},
		{"received 1 day ago", "2025-06-01", "", Blue, "Awaiting acknowledgement", "received 1 day ago, acknowledgement due in 9 days"},
		{"ageing", "2025-05-26", "", Orange, "Acknowledgement due", "received 7 days ago, acknowledgement due in 3 days"},
		{"received 12 days ago", "2025-05-21", "", Red, "Acknowledgement overdue", "received 12 days ago, acknowledgement 2 days overdue"},
		{"acknowledged in time", "2025-05-21", "2025-05-22", Green, "Acknowledged", "on 22 May 2025"},
		{"acknowledged on the last day", "2025-05-12", "2025-05-22", Green, "Acknowledged", "on 22 May 2025"},
		{"acknowledged the day after", "2025-05-11", "2025-05-22", Yellow, "Acknowledged late", "on 22 May 2025"},
		{"acknowledged late", "2025-05-01", "2025-05-22", Yellow, "Acknowledged late", "on 22 May 2025"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Receipt(Steps{LANotifiedOn: d(t, tt.notified), AcknowledgedOn: d(t, tt.acked)}, 10, cal, today)
			want := Tag{Colour: tt.colour, Label: tt.label, Detail: tt.detail}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// TestLocalStandardDates: the due dates of the two local standards and the
// on-time test, each counted by send's local-standard rule (docs/design.md §4).
func TestLocalStandardDates(t *testing.T) {
	tests := []struct {
		name             string
		parent, notified string
		days             int
		notifyDue        string // "" when not yet due
		ackDue           string
		within, both     bool
	}{
		{name: "nothing yet", days: 10},
		{name: "parent informed only", parent: "2025-05-01", days: 10, notifyDue: "2025-05-11"},
		{name: "LA told on the last day", parent: "2025-05-01", notified: "2025-05-11", days: 10,
			notifyDue: "2025-05-11", ackDue: "2025-05-21", within: true, both: true},
		{name: "LA told a day late", parent: "2025-05-01", notified: "2025-05-12", days: 10,
			notifyDue: "2025-05-11", ackDue: "2025-05-22", within: false, both: true},
		{name: "a standard of 5 days", parent: "2025-05-01", notified: "2025-05-06", days: 5,
			notifyDue: "2025-05-06", ackDue: "2025-05-11", within: true, both: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Steps{ParentInformedOn: d(t, tt.parent), LANotifiedOn: d(t, tt.notified)}
			if due, ok := st.NotifyDue(tt.days); due.String() != tt.notifyDue || ok != (tt.notifyDue != "") {
				t.Errorf("NotifyDue: got %s, %v, want %q", due, ok, tt.notifyDue)
			}
			if due, ok := st.AckDue(tt.days); due.String() != tt.ackDue || ok != (tt.ackDue != "") {
				t.Errorf("AckDue: got %s, %v, want %q", due, ok, tt.ackDue)
			}
			if within, ok := st.NotifiedWithin(tt.days); within != tt.within || ok != tt.both {
				t.Errorf("NotifiedWithin: got %v, %v, want %v, %v", within, ok, tt.within, tt.both)
			}
		})
	}
}

// TestComplianceForMonth works one month by hand: March 2025, standard 10
// days.
func TestComplianceForMonth(t *testing.T) {
	rec := func(p int64, name string, kind Kind, parent, notified string) Record {
		return Record{ProviderID: p, ProviderName: name, Kind: kind,
			Steps: Steps{ParentInformedOn: d(t, parent), DiscussionOfferedOn: d(t, parent), LANotifiedOn: d(t, notified)}}
	}
	rs := []Record{
		// Health visiting: three notified in March (2, 10 and 14 days), one
		// notified in February (not counted), one open since 10 March
		// (overdue at 31 March), one open since 25 March (not yet overdue).
		rec(1, "Health visiting", KindS23, "2025-03-01", "2025-03-03"),
		rec(1, "Health visiting", KindS23, "2025-03-05", "2025-03-15"),
		rec(1, "Health visiting", KindS23, "2025-03-10", "2025-03-24"),
		rec(1, "Health visiting", KindS23, "2025-02-01", "2025-02-05"),
		rec(1, "Health visiting", KindS23, "2025-03-10", ""),
		rec(1, "Health visiting", KindS23, "2025-03-25", ""),
		// Notified in April after a March start: open and overdue at the
		// end of March.
		rec(1, "Health visiting", KindS23, "2025-03-12", "2025-04-02"),
		// Community paediatrics: one on the last day of the month (same
		// day), one "other" (not counted).
		rec(2, "Community paediatrics", KindS23, "2025-03-31", "2025-03-31"),
		rec(2, "Community paediatrics", KindOther, "2025-03-01", "2025-03-30"),
		// A provider with nothing in March does not appear.
		rec(3, "School nursing", KindS23, "2025-04-01", "2025-04-02"),
	}
	by, total := ComplianceFor(rs, d(t, "2025-03-01"), d(t, "2025-03-31"), 10)
	if len(by) != 2 {
		t.Fatalf("providers: got %d (%+v), want 2", len(by), by)
	}
	cp, hv := by[0], by[1]
	if cp.ProviderName != "Community paediatrics" || hv.ProviderName != "Health visiting" {
		t.Fatalf("order: got %s, %s", cp.ProviderName, hv.ProviderName)
	}
	check := func(name string, got Compliance, notified, first, within, open, max int, median, pctWithin string) {
		t.Helper()
		if got.Notified != notified || got.ParentFirst != first || got.WithinStandard != within || got.OpenOverdue != open ||
			got.MaxDays != max || got.Median() != median || got.PercentWithinStandard() != pctWithin {
			t.Errorf("%s: got notified %d, parent first %d, within %d, open overdue %d, max %d, median %q, %s within; "+
				"want %d, %d, %d, %d, %d, %q, %s", name, got.Notified, got.ParentFirst, got.WithinStandard, got.OpenOverdue,
				got.MaxDays, got.Median(), got.PercentWithinStandard(), notified, first, within, open, max, median, pctWithin)
		}
	}
	check("health visiting", hv, 3, 3, 2, 2, 14, "10", "67%")
	check("community paediatrics", cp, 1, 1, 1, 0, 0, "0", "100%")
	check("total", total, 4, 4, 3, 2, 14, "6", "75%")
	if hv.PercentParentFirst() != "100%" {
		t.Errorf("parent first: got %s, want 100%%", hv.PercentParentFirst())
	}

	none, tot := ComplianceFor(rs, d(t, "2024-01-01"), d(t, "2024-01-31"), 10)
	if len(none) != 0 || tot.Notified != 0 || tot.Median() != "" || tot.PercentWithinStandard() != "" {
		t.Errorf("empty month: got %+v, %+v", none, tot)
	}
}

func TestFill(t *testing.T) {
	values := map[string]string{"child_name": "Ada {{la_name}} <b>", "la_name": "Swindon", "reasons": ""}
	tests := []struct{ name, tmpl, want string }{
		{"plain", "Dear parent of {{child_name}}", "Dear parent of Ada {{la_name}} <b>"},
		{"spaces inside", "{{ la_name }}!", "Swindon!"},
		{"unknown left as written", "{{nope}} and {{la_name}}", "{{nope}} and Swindon"},
		{"unclosed left", "{{la_name", "{{la_name"},
		{"adjacent", "{{la_name}}{{la_name}}", "SwindonSwindon"},
		{"no template execution", `{{printf "%s" "x"}} {{.}} {{template "a"}}`, `{{printf "%s" "x"}} {{.}} {{template "a"}}`},
		{"blank value", "[{{reasons}}]", "[]"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fill(tt.tmpl, values); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTemplateFields(t *testing.T) {
	if got := UnknownFields("{{child_name}} {{chld_name}} {{ la }} {{chld_name}}"); !reflect.DeepEqual(got, []string{"chld_name", "la"}) {
		t.Errorf("unknown: got %v", got)
	}
	for _, tmpl := range []string{DefaultParentLetter, DefaultLANotification} {
		if u := UnknownFields(tmpl); len(u) != 0 {
			t.Errorf("default template uses unknown fields %v", u)
		}
	}
	l := Letter{ChildGivenName: "Ada", ChildFamilyName: "Lovelace", ChildDateOfBirth: d(t, "2023-02-17"),
		ChildNHSNumber: "9990001235", LAName: "Swindon", Needs: []string{"cognition", "semh", "bogus"},
		Steps: Steps{ParentInformedOn: d(t, "2025-05-06")}, Consent: ConsentYes}
	v := l.Values()
	for _, f := range Fields {
		if _, ok := v[f.Name]; !ok {
			t.Errorf("field %s has no value", f.Name)
		}
	}
	if len(v) != len(Fields) {
		t.Errorf("values: got %d, want %d", len(v), len(Fields))
	}
	if v["child_name"] != "Ada Lovelace" || v["child_date_of_birth"] != "17 February 2023" ||
		v["child_nhs_number"] != "999 000 1235" || v["needs"] != "Cognition and learning\nSocial, emotional and mental health" ||
		v["parent_informed_on"] != "6 May 2025" || v["la_notified_on"] != "" {
		t.Errorf("values: got %v", v)
	}
	blank := BlankFields("{{la_notified_on}} {{child_name}} {{reasons}} {{la_notified_on}} {{nope}}", v)
	if !reflect.DeepEqual(blank, []string{"la_notified_on", "reasons"}) {
		t.Errorf("blank: got %v", blank)
	}
	filled := Fill(DefaultParentLetter, v)
	if !strings.Contains(filled, "Dear parent or carer of Ada Lovelace") || strings.Contains(filled, "{{") {
		t.Errorf("default letter filled: %s", filled)
	}
}

func TestParseStandard(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
		ok   bool
	}{{"10", 10, true}, {"1", 1, true}, {"365", 365, true}, {"0", 7, false}, {"366", 7, false}, {"ten", 7, false}, {"", 7, false}} {
		if got, ok := ParseStandard(tt.in, 7); got != tt.want || ok != tt.ok {
			t.Errorf("ParseStandard(%q): got %d, %v, want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
