package s23import

import (
	"strings"
	"testing"

	"dco/internal/errs"
	"dco/internal/importer"
	"dco/internal/s23"
	"dco/internal/send"
	"dco/internal/store"
)

func s23Lookups() (importer.LAFunc, ProviderFunc) {
	la := func(code string) (store.Org, error) {
		if code == "800" || code == "E06000022" {
			return store.Org{ID: 2, Kind: store.OrgLA, Name: "Bath and North East Somerset", Code: "800"}, nil
		}
		return store.Org{}, errs.E(errs.NotFound, "no")
	}
	prov := func(code string) (store.Org, error) {
		if code == "NLX" {
			return store.Org{ID: 4, Kind: store.OrgProvider, Name: "HCRG Care Group", Code: "NLX"}, nil
		}
		return store.Org{}, errs.E(errs.NotFound, "no")
	}
	return la, prov
}

// childCheck is the kernel's check of a child's details, on a test store.
func childCheck(t *testing.T) func(*store.Child, send.Date) map[string]string {
	return store.OpenTestSQLite(t).CheckChild
}

const s23Header = "nhs_number,given_name,family_name,date_of_birth,la_code,provider_code,professional,reason,parent_informed_on,discussion_offered_on,la_notified_on\n"

func TestReadS23Rows(t *testing.T) {
	la, prov := s23Lookups()
	tests := []struct {
		name string
		row  string
		want string // the one error, "" for none
	}{
		{"valid", "9991000003,Ava,S,2023-01-15,800,NLX,HV,Delay,2025-05-01,2025-05-01,2025-05-06", ""},
		{"same day parent and LA", "9991000003,Ava,S,2023-01-15,800,NLX,HV,Delay,2025-05-06,2025-05-06,2025-05-06", ""},
		{"nothing yet", "9991000003,Ava,S,2023-01-15,800,NLX,HV,Delay,,,", ""},
		{"LA before parent", "9991000003,Ava,S,2023-01-15,800,NLX,HV,Delay,2025-05-06,2025-05-06,2025-05-05",
			"line 2: la_notified_on: The date the LA was notified must be on or after the date the parent was informed: the parent is told first"},
		{"LA without parent", "9991000003,Ava,S,2023-01-15,800,NLX,HV,Delay,,,2025-05-05",
			"line 2: la_notified_on: The LA cannot be notified before the parent is informed: enter the date the parent was informed first"},
		{"offer before parent", "9991000003,Ava,S,2023-01-15,800,NLX,HV,Delay,2025-05-06,2025-05-05,",
			"line 2: discussion_offered_on: The date the discussion was offered must be on or after the date the parent was informed"},
		{"unknown LA", "9991000003,Ava,S,2023-01-15,801,NLX,HV,Delay,,,",
			`line 2: la_code "801" is not a local authority in dco (give its DfE number, such as 800, or its ONS code, such as E06000022)`},
		{"unknown provider", "9991000003,Ava,S,2023-01-15,800,ABC,HV,Delay,,,",
			`line 2: provider_code "ABC" is not a health provider in dco (give its ODS code)`},
		{"no reason", "9991000003,Ava,S,2023-01-15,800,NLX,HV,,,,", "line 2: reason: Choose at least one area of need, or enter the reasons"},
		{"born after the first step", "9991000003,Ava,S,2025-05-02,800,NLX,HV,Delay,2025-05-01,,",
			"line 2: date_of_birth 2025-05-02 is after the first step recorded (2025-05-01)"},
		{"future", "9991000003,Ava,S,2023-01-15,800,NLX,HV,Delay,2025-06-03,,",
			"line 2: parent_informed_on: The date the parent was informed must be today or in the past"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Read(strings.NewReader(s23Header+tt.row+"\n"), Options{LA: la, Provider: prov, CheckChild: childCheck(t), Today: send.NewDate(2025, 6, 2)})
			if err != nil {
				t.Fatal(err)
			}
			var got string
			if len(res.Errors) > 0 {
				got = res.Errors[0].Error()
			}
			if got != tt.want || len(res.Errors) > 1 {
				t.Errorf("got %v, want %q", res.Errors, tt.want)
			}
			if tt.want == "" && (len(res.Rows) != 1 || res.Rows[0].Line != 2 || res.Rows[0].Notification.ProviderOrgID != 4 || res.Rows[0].Child.LAID != 2) {
				t.Errorf("rows: got %+v", res.Rows)
			}
		})
	}
}

func TestReadS23SchoolAge(t *testing.T) {
	la, prov := s23Lookups()
	// Born 1 January 2020: compulsory school age from 31 March 2025.
	in := s23Header +
		"9991000003,Ava,S,2020-01-01,800,NLX,HV,Delay,2025-03-30,2025-03-30,\n" +
		"9991000070,Ben,S,2020-01-01,800,NLX,HV,Delay,2025-03-31,,2025-04-01\n"
	res, err := Read(strings.NewReader(in), Options{LA: la, Provider: prov, CheckChild: childCheck(t), Today: send.NewDate(2025, 6, 2)})
	if err != nil || !res.OK() || len(res.Rows) != 2 {
		t.Fatalf("got %+v, %v", res, err)
	}
	if res.Rows[0].Notification.Kind != s23.KindS23 || res.Rows[1].Notification.Kind != s23.KindOther {
		t.Errorf("kinds: got %s, %s; want s23 the day before compulsory school age, other on its first day",
			res.Rows[0].Notification.Kind, res.Rows[1].Notification.Kind)
	}
	if len(res.Notes) != 1 || !strings.HasPrefix(res.Notes[0], "line 3: the child was of compulsory school age (from 2025-03-31)") {
		t.Errorf("notes: got %v", res.Notes)
	}
}

func TestReadS23Header(t *testing.T) {
	la, prov := s23Lookups()
	res, err := Read(strings.NewReader("nhs_number,given_name\n"), Options{LA: la, Provider: prov, CheckChild: childCheck(t)})
	if err != nil || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "the header has no family_name, date_of_birth") {
		t.Errorf("got %+v, %v", res, err)
	}
	if _, err := Read(strings.NewReader(""), Options{LA: la, Provider: prov, CheckChild: childCheck(t)}); err == nil {
		t.Errorf("empty file: want an error")
	}
}

// TestReadNotUTF8: a cell of a notifications file that is not UTF-8 is
// refused by the rule every file shares (importer.TestReadNotUTF8), naming
// the line and the column.
func TestReadNotUTF8(t *testing.T) {
	la, prov := s23Lookups()
	in := s23Header + "9991000003,Ava,S,2023-01-15,800,NLX,H\xc0V,Delay,,,\n"
	res, err := Read(strings.NewReader(in), Options{LA: la, Provider: prov, CheckChild: childCheck(t), Today: send.NewDate(2025, 6, 2)})
	if err != nil {
		t.Fatal(err)
	}
	const want = "line 2: professional is not UTF-8 text: save the file as \"CSV UTF-8\" and import it again"
	if len(res.Errors) != 1 || res.Errors[0].Error() != want {
		t.Errorf("got %v, want %q", res.Errors, want)
	}
}
