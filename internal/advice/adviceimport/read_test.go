package adviceimport

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/errs"
	"dco/internal/importer"
	"dco/internal/send"
	"dco/internal/store"
)

const adviceHeader = "la_code,la_reference,nhs_number,given_name,family_name,date_of_birth,received_on,returned_on,outcome,exception,exception_on\n"

var adviceToday = send.NewDate(2025, 6, 2)

var banes = store.Org{ID: 7, Kind: store.OrgLA, Name: "Bath and North East Somerset", Code: "800", ONSCode: "E06000022"}

// testLA knows one LA by DfE number and ONS code.
func testLA(code string) (store.Org, error) {
	switch strings.ToUpper(code) {
	case "800", "E06000022":
		return banes, nil
	}
	return store.Org{}, errs.E(errs.NotFound, "no LA %q", code)
}

func readAdvice(t *testing.T, in string) *Result {
	t.Helper()
	res, err := Read(strings.NewReader(in), Options{LA: testLA, Today: adviceToday})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return res
}

func TestReadAdviceRows(t *testing.T) {
	tests := []struct {
		name string
		row  string
		want string // the one error, "" for none
	}{
		{"open", "800,EHC1,9990000018,Ava,Smith,2018-03-01,2025-05-01,,,,", ""},
		{"returned on time", "800,EHC1,9990000018,Ava,Smith,2018-03-01,2025-04-01,2025-05-13,advice,,", ""},
		{"not known", "E06000022,,9990000018,Ava,Smith,2018-03-01,2025-04-01,2025-04-20,not_known,,", ""},
		{"withdrawn", "800,,9990000018,Ava,Smith,2018-03-01,2025-04-01,2025-04-02,withdrawn,,", ""},
		{"exception", "800,,9990000018,Ava,Smith,2018-03-01,2025-04-01,2025-06-01,advice,absent_from_area,2025-04-10", ""},
		{"upper case codes", "800,,9990000018,Ava,Smith,2018-03-01,2025-04-01,2025-06-01,ADVICE,Missed_Appointment,2025-05-13", ""},
		{"unknown LA", "801,,9990000018,Ava,Smith,2018-03-01,2025-05-01,,,,",
			`line 2: la_code "801" is not a local authority in dco (give its DfE number, such as 800, or its ONS code, such as E06000022)`},
		{"bad NHS number", "800,,9990000019,Ava,Smith,2018-03-01,2025-05-01,,,,", "line 2: nhs_number: The NHS number's check digit is wrong"},
		{"no received date", "800,,9990000018,Ava,Smith,2018-03-01,,,,,", "line 2: received_on: Enter the date health received the request"},
		{"impossible date", "800,,9990000018,Ava,Smith,2018-03-01,2025-02-29,,,,", `line 2: received_on "2025-02-29" is not a real date`},
		{"US date", "800,,9990000018,Ava,Smith,2018-03-01,05/01/2025,,,,", `line 2: received_on "05/01/2025" is not in the form YYYY-MM-DD`},
		{"received in the future", "800,,9990000018,Ava,Smith,2018-03-01,2025-06-03,,,,", "line 2: received_on: The date received must be today or in the past"},
		{"returned before received", "800,,9990000018,Ava,Smith,2018-03-01,2025-05-01,2025-04-30,advice,,",
			"line 2: returned_on 2025-04-30 is before received_on 2025-05-01"},
		{"returned without outcome", "800,,9990000018,Ava,Smith,2018-03-01,2025-05-01,2025-05-30,,,",
			"line 2: returned_on is set but outcome is empty: give advice, not_known or withdrawn"},
		{"outcome without date", "800,,9990000018,Ava,Smith,2018-03-01,2025-05-01,,advice,,", "line 2: outcome is advice but returned_on is empty"},
		{"unknown outcome", "800,,9990000018,Ava,Smith,2018-03-01,2025-05-01,2025-05-30,done,,",
			`line 2: outcome "done" is not advice, not_known, withdrawn or blank`},
		{"unknown exception", "800,,9990000018,Ava,Smith,2018-03-01,2025-05-01,,,holiday,2025-05-02",
			`line 2: exception "holiday" is not missed_appointment, exceptional_circumstances, absent_from_area or blank`},
		{"exception without date", "800,,9990000018,Ava,Smith,2018-03-01,2025-05-01,,,absent_from_area,",
			"line 2: exception is absent_from_area but exception_on is empty"},
		{"date without exception", "800,,9990000018,Ava,Smith,2018-03-01,2025-05-01,,,,2025-05-02",
			"line 2: exception_on is set but exception is empty"},
		{"missed appointment after six weeks", "800,,9990000018,Ava,Smith,2018-03-01,2025-04-01,2025-06-01,advice,missed_appointment,2025-05-14",
			"line 2: exception_on 2025-05-14 is after the six weeks ended on 2025-05-13: a missed appointment counts only within them"},
		{"exception after return", "800,,9990000018,Ava,Smith,2018-03-01,2025-04-01,2025-05-01,advice,exceptional_circumstances,2025-05-02",
			"line 2: exception_on 2025-05-02 is after returned_on 2025-05-01"},
		{"no given name", "800,,9990000018,,Smith,2018-03-01,2025-05-01,,,,", "line 2: given_name: Enter the given name"},
		{"born in the future", "800,,9990000018,Ava,Smith,2025-07-01,2025-05-01,,,,", "line 2: date_of_birth: Date of birth must be today or in the past"},
		{"too old", "800,,9990000018,Ava,Smith,1990-01-01,2025-05-01,,,,",
			"line 2: date_of_birth: Date of birth must be within the last 26 years"},
		{"long reference", "800," + strings.Repeat("R", 51) + ",9990000018,Ava,Smith,2018-03-01,2025-05-01,,,,",
			"line 2: la_reference: The LA reference must be 50 characters or fewer"},
		{"short row", "800,,9990000018,Ava", "line 2: has 4 fields but the header has 11"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readAdvice(t, adviceHeader+tc.row+"\n")
			var got []string
			for _, e := range res.Errors {
				got = append(got, e.Error())
			}
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("got %q, want no errors", got)
			case tc.want == "" && len(res.Rows) != 1:
				t.Errorf("got %d rows, want 1", len(res.Rows))
			case tc.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tc.want)):
				t.Errorf("got %q, want %q", got, tc.want)
			case tc.want != "" && len(res.Rows) != 0:
				t.Errorf("a bad row was kept")
			}
		})
	}
}

func TestReadAdviceValues(t *testing.T) {
	res := readAdvice(t, "\xEF\xBB\xBF"+adviceHeader+
		"800,EHC1,999 000 0018, Ava ,Smith,2018-03-01,2025-04-01,2025-06-01,ADVICE,absent_from_area,2025-04-10\n"+
		",,,,,,,,,,\n")
	if !res.OK() || len(res.Rows) != 1 || res.Read != 1 {
		t.Fatalf("got %+v", res)
	}
	r := res.Rows[0]
	if r.Line != 2 || r.LAID != banes.ID || r.LAReference != "EHC1" || r.Child.NHSNumber != "9990000018" || r.Child.GivenName != "Ava" ||
		r.ReceivedOn.String() != "2025-04-01" || r.ReturnedOn.String() != "2025-06-01" || r.Outcome != advice.OutcomeAdvice ||
		r.Exception != send.ExceptionAbsentFromArea || r.ExceptionOn.String() != "2025-04-10" {
		t.Errorf("row: %+v", r)
	}
}

// Every bad row is reported by its line; the good ones are not.
func TestReadAdviceEveryBadRowByLine(t *testing.T) {
	in := adviceHeader +
		"800,A,9990000018,Ava,Smith,2018-03-01,2025-05-01,,,,\n" + // 2 good
		"800,A,9990000026,Ben,Jones,2018-03-01,2025-05-01,,,,\n" + // 3 reference repeated
		"800,B,9990000018,Eve,Smith,2018-03-01,2025-05-01,,,,\n" + // 4 same NHS number, other name
		"\"800\",\"C, D\",9990000034,\"Cy\",Ng,2018-03-01,2025-05-01,,,,\n" + // 5 good, quoted
		"800,E,9990000034,Cy,Ng,2018-03-01,2025-13-01,,,,\n" + // 6 bad date
		"800,F,9990000042,\"Di\nna\",Ng,2018-03-01,2025-05-01,,,,\n" // 7-8 a name over two lines
	res := readAdvice(t, in)
	lines := map[int]string{}
	for _, e := range res.Errors {
		lines[e.Line] = e.Message
	}
	for _, l := range []int{3, 4, 6, 7} {
		if lines[l] == "" {
			t.Errorf("line %d not reported: %v", l, res.Errors)
		}
	}
	if len(lines) != 4 {
		t.Errorf("got %d lines reported, want 4: %v", len(lines), res.Errors)
	}
	if len(res.Rows) != 2 || res.Read != 6 {
		t.Errorf("rows %d read %d, want 2 and 6", len(res.Rows), res.Read)
	}
}

func TestReadAdviceHeader(t *testing.T) {
	res := readAdvice(t, "la_code,nhs_number,extra\n800,9990000018,x\n")
	if res.OK() || !strings.Contains(res.Errors[0].Message, "the header has no la_reference, given_name") {
		t.Errorf("missing columns: %v", res.Errors)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "extra") {
		t.Errorf("notes: %v", res.Notes)
	}
	if _, err := Read(strings.NewReader(""), Options{LA: testLA, Today: adviceToday}); err == nil {
		t.Errorf("empty file: no error")
	}
	big := adviceHeader + strings.Repeat("800,,9990000018,Ava,Smith,2018-03-01,2025-05-01,,,,\n", 10)
	if _, err := Read(strings.NewReader(big), Options{LA: testLA, Today: adviceToday, Limits: importer.Limits{MaxBytes: 100, MaxRows: 10, MaxCell: 100, MaxErrors: 10}}); err == nil {
		t.Errorf("file over the byte limit: no error")
	}
}

func FuzzReadAdvice(f *testing.F) {
	f.Add([]byte(adviceHeader + "800,A,9990000018,Ava,Smith,2018-03-01,2025-05-01,2025-05-30,advice,missed_appointment,2025-05-02\n"))
	f.Add([]byte(adviceHeader + "\"unterminated\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := Read(bytes.NewReader(b), Options{LA: testLA, Today: adviceToday})
		if err == nil && res.OK() {
			for _, r := range res.Rows {
				if r.ReceivedOn.IsZero() {
					t.Fatalf("a row without a received date was kept: %+v", r)
				}
			}
		}
	})
}

// adviceBenchFile is a valid advice file of n rows.
func adviceBenchFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString(adviceHeader)
	i := 0
	for body := 0; i < n; body++ {
		nine := fmt.Sprintf("999%06d", body)
		sum := 0
		for k := 0; k < 9; k++ {
			sum += int(nine[k]-'0') * (10 - k)
		}
		check := (11 - sum%11) % 11
		if check == 10 {
			continue
		}
		fmt.Fprintf(&b, "800,REF%d,%s%d,Ava,Smith,2015-%02d-%02d,2025-0%d-%02d,2025-05-30,advice,,\n", i, nine, check, i%12+1, i%28+1, i%4+1, i%28+1)
		i++
	}
	return b.Bytes()
}

func BenchmarkReadAdvice(b *testing.B) {
	const rows = 100_000
	data := adviceBenchFile(rows)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		res, err := Read(bytes.NewReader(data), Options{LA: testLA, Today: adviceToday})
		if err != nil || !res.OK() || len(res.Rows) != rows {
			b.Fatalf("rows %d errors %v err %v", len(res.Rows), res.Errors[:min(3, len(res.Errors))], err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// The database's problems with the rows that parsed join the file's, in
// line order, the file's first on a shared line, none repeated, and no
// more than MaxErrors kept.
func TestAdviceAddStoreErrors(t *testing.T) {
	in := adviceHeader +
		"800,A,9990000018,Ava,Smith,2018-03-01,2025-05-01,,,,\n" + // 2 good in the file
		"800,B,9990000026,Ben,Jones,2018-03-01,2025-05-01,,done,,\n" + // 3 bad outcome
		"800,C,9990000034,Cy,Ng,2018-03-01,2025-05-01,,,,\n" + // 4 good in the file
		"800,D,9990000042,Di,Ng,2018-03-01,2025-13-01,,,,\n" // 5 bad date
	tests := []struct {
		name  string
		max   int
		store []advicedb.LineError
		want  []string
		more  int
	}{
		{"no database problems", 0, nil, []string{
			`line 3: outcome "done" is not advice, not_known, withdrawn or blank`,
			`line 5: received_on "2025-13-01" is not a real date`}, 0},
		{"merged by line", 0, []advicedb.LineError{
			{Line: 4, Message: `la_reference "C" is already recorded for this LA`},
			{Line: 2, Message: "nhs_number 999 000 0018 is registered with a different name or date of birth"}}, []string{
			"line 2: nhs_number 999 000 0018 is registered with a different name or date of birth",
			`line 3: outcome "done" is not advice, not_known, withdrawn or blank`,
			`line 4: la_reference "C" is already recorded for this LA`,
			`line 5: received_on "2025-13-01" is not a real date`}, 0},
		{"a problem already reported is not repeated", 0, []advicedb.LineError{
			{Line: 3, Message: `outcome "done" is not advice, not_known, withdrawn or blank`},
			{Line: 3, Message: "la_reference \"B\" is already recorded for this LA"}}, []string{
			`line 3: outcome "done" is not advice, not_known, withdrawn or blank`,
			`line 3: la_reference "B" is already recorded for this LA`,
			`line 5: received_on "2025-13-01" is not a real date`}, 0},
		{"no more than MaxErrors kept", 2, []advicedb.LineError{{Line: 2, Message: "x"}, {Line: 4, Message: "y"}}, []string{
			"line 2: x",
			`line 3: outcome "done" is not advice, not_known, withdrawn or blank`}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lim := importer.DefaultLimits
			if tc.max != 0 {
				lim.MaxErrors = tc.max
			}
			res, err := Read(strings.NewReader(in), Options{LA: testLA, Today: adviceToday, Limits: lim})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rows) != 2 {
				t.Fatalf("rows that parsed: got %d, want 2", len(res.Rows))
			}
			res.AddStoreErrors(tc.store)
			var got []string
			for _, e := range res.Errors {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if res.MoreErrors != tc.more {
				t.Errorf("more errors: got %d, want %d", res.MoreErrors, tc.more)
			}
		})
	}
}

// TestReadNotUTF8 is issue 8 item 7 for the advice requests file: a cell
// that is not UTF-8 is refused by the rule every file shares, naming the
// line and the column (importer.TestReadNotUTF8 for the children file).
func TestReadNotUTF8(t *testing.T) {
	const msg = ` is not UTF-8 text: save the file as "CSV UTF-8" and import it again`
	in := adviceHeader + "800,R1,9990000018,Ada,Love\xfflace,2015-01-01,2025-05-01,,,,\n"
	want := "line 2: family_name" + msg
	res := readAdvice(t, in)
	var got []string
	for _, e := range res.Errors {
		got = append(got, e.Error())
	}
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want [%q]", got, want)
	}
}
