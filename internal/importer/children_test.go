package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

const header = "nhs_number,given_name,family_name,date_of_birth,postcode,la_code\n"

// Valid synthetic NHS numbers from the never-issued 999 range.
const (
	nhsA = "9990000018"
	nhsB = "9990000026"
	nhsC = "9990000034"
)

var banes = store.Org{ID: 7, Kind: store.OrgLA, Name: "Bath and North East Somerset", Code: "800", ONSCode: "E06000022"}

// testLA knows one LA by DfE number and ONS code.
func testLA(code string) (store.Org, error) {
	switch strings.ToUpper(code) {
	case "800", "E06000022":
		return banes, nil
	}
	return store.Org{}, errs.E(errs.NotFound, "no LA %q", code)
}

var testToday = send.NewDate(2025, 6, 1)

func read(t *testing.T, in string) *Result {
	t.Helper()
	res, err := ReadChildren(strings.NewReader(in), Options{LA: testLA, Today: testToday})
	if err != nil {
		t.Fatalf("ReadChildren: %v", err)
	}
	return res
}

func messages(res *Result) []string {
	var out []string
	for _, e := range res.Errors {
		out = append(out, e.Error())
	}
	return out
}

func TestNHSNumbersAreValid(t *testing.T) {
	for _, n := range []string{nhsA, nhsB, nhsC} {
		if _, err := send.ParseNHSNumber(n); err != nil {
			t.Fatalf("test fixture %s: %v", n, err)
		}
	}
}

func TestReadChildrenValid(t *testing.T) {
	in := "\ufeff" + strings.ReplaceAll(
		"nhs_number,given_name,family_name,date_of_birth,postcode,la_code,setting,looked_after,personal_health_budget\n"+
			`999 000 0018,Amelia,"O'Brien, Jr",2015-03-02,ba1 1aa,800,"St Mary's Primary, Bath",yes,0`+"\n"+
			`9990000026,Oliver,Smith,2010-12-31,SN1  2DQ,e06000022,,TRUE,`+"\n"+
			"\n\n,,,,,,,,\n", "\n", "\r\n")
	res := read(t, in)
	if !resultOK(res) {
		t.Fatalf("errors: %v", messages(res))
	}
	if len(res.Notes) != 0 {
		t.Errorf("notes: got %v, want none", res.Notes)
	}
	if res.Rows != 2 || len(res.Children) != 2 {
		t.Fatalf("got %d rows, %d children, want 2 and 2", res.Rows, len(res.Children))
	}
	a, b := res.Children[0], res.Children[1]
	if a.NHSNumber != nhsA || a.GivenName != "Amelia" || a.FamilyName != "O'Brien, Jr" ||
		a.DateOfBirth.String() != "2015-03-02" || a.Postcode != "BA1 1AA" || a.LAID != banes.ID ||
		a.LAName != banes.Name || a.Setting != "St Mary's Primary, Bath" ||
		a.Flags != (store.Flags{LookedAfter: true}) {
		t.Errorf("first child: got %+v", a)
	}
	if b.NHSNumber != nhsB || b.Postcode != "SN1 2DQ" || b.LAID != banes.ID || !b.Flags.LookedAfter || b.Flags.PersonalHealthBudget {
		t.Errorf("second child: got %+v", b)
	}
}

func TestReadChildrenRowErrors(t *testing.T) {
	ok := func(nhs string) string { return nhs + ",Ada,Lovelace,2015-01-01,BA1 1AA,800" }
	tests := []struct {
		name string
		row  string // the data row, on line 2
		want string // the one error expected
	}{
		{"nhs empty", ",Ada,Lovelace,2015-01-01,BA1 1AA,800", `line 2: nhs_number: Enter the NHS number`},
		{"nhs short", "12345,Ada,Lovelace,2015-01-01,BA1 1AA,800", `line 2: nhs_number: An NHS number has 10 digits`},
		{"nhs letters", "999000001X,Ada,Lovelace,2015-01-01,BA1 1AA,800", `line 2: nhs_number: An NHS number contains only digits, spaces and hyphens`},
		{"nhs check digit", "9990000019,Ada,Lovelace,2015-01-01,BA1 1AA,800", `line 2: nhs_number: The NHS number's check digit is wrong: check it has been typed correctly`},
		{"given empty", nhsA + ", ,Lovelace,2015-01-01,BA1 1AA,800", `line 2: given_name: Enter the given name`},
		{"family empty", nhsA + ",Ada,,2015-01-01,BA1 1AA,800", `line 2: family_name: Enter the family name`},
		{"name too long", nhsA + "," + strings.Repeat("a", 101) + ",Lovelace,2015-01-01,BA1 1AA,800", `line 2: given_name: Given name must be 100 characters or fewer`},
		{"name control char", nhsA + ",\"Ada\x07\",Lovelace,2015-01-01,BA1 1AA,800", `line 2: given_name: Given name must not contain special characters such as tabs or line breaks`},
		{"name newline", nhsA + ",\"Ada\nMay\",Lovelace,2015-01-01,BA1 1AA,800", `line 2: given_name: Given name must not contain special characters such as tabs or line breaks`},
		{"name not UTF-8", nhsA + ",Ada\xff\xfe,Lovelace,2015-01-01,BA1 1AA,800", `line 2: given_name is not UTF-8 text: save the file as "CSV UTF-8" and import it again`},
		{"postcode not UTF-8", nhsA + ",Ada,Lovelace,2015-01-01,BA1\xff,800", `line 2: postcode is not UTF-8 text: save the file as "CSV UTF-8" and import it again`},
		{"dob empty", nhsA + ",Ada,Lovelace,,BA1 1AA,800", `line 2: date_of_birth: Enter the date of birth`},
		{"dob not real", nhsA + ",Ada,Lovelace,2023-02-29,BA1 1AA,800", `line 2: date_of_birth "2023-02-29" is not a real date`},
		{"dob uk form", nhsA + ",Ada,Lovelace,01/02/2015,BA1 1AA,800", `line 2: date_of_birth "01/02/2015" is not in the form YYYY-MM-DD`},
		{"dob letters", nhsA + ",Ada,Lovelace,2015-0a-01,BA1 1AA,800", `line 2: date_of_birth "2015-0a-01" is not in the form YYYY-MM-DD`},
		{"dob old", nhsA + ",Ada,Lovelace,1815-12-10,BA1 1AA,800", `line 2: date_of_birth "1815-12-10" is outside the years 1900 to 2200`},
		{"dob future", nhsA + ",Ada,Lovelace,2025-06-02,BA1 1AA,800", `line 2: date_of_birth: Date of birth must be today or in the past`},
		{"dob over 25", nhsA + ",Ada,Lovelace,1999-05-31,BA1 1AA,800", `line 2: date_of_birth: Date of birth must be within the last 26 years`},
		{"postcode bad", nhsA + ",Ada,Lovelace,2015-01-01,BATH,800", `line 2: postcode: Enter a real postcode, like BA1 1AA`},
		{"la empty", nhsA + ",Ada,Lovelace,2015-01-01,BA1 1AA,", `line 2: la_code is empty`},
		{"la unknown", nhsA + ",Ada,Lovelace,2015-01-01,BA1 1AA,999", `line 2: la_code "999" is not a local authority in dco (give its DfE number, such as 800, or its ONS code, such as E06000022)`},
		{"too few fields", nhsA + ",Ada,Lovelace,2015-01-01,BA1 1AA", `line 2: has 5 fields but the header has 6`},
		{"too many fields", ok(nhsA) + ",extra", `line 2: has 7 fields but the header has 6`},
		{"cell too long", nhsA + ",Ada,Lovelace,2015-01-01,BA1 1AA," + strings.Repeat("8", 1001), `line 2: la_code is 1001 characters long; a cell is at most 1000`},
		{"bare quote", nhsA + `,Ada,Love"lace,2015-01-01,BA1 1AA,800`, `line 2: is not valid CSV: bare " in non-quoted-field (a field containing a quote must be wrapped in quotes, with each quote doubled: "O""Brien")`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := read(t, header+tc.row+"\n"+ok(nhsC)+"\n")
			got := messages(res)
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("got %q, want [%q]", got, tc.want)
			}
			if len(res.Children) != 1 || res.Children[0].NHSNumber != nhsC {
				t.Errorf("the good row on line 3: got %d children, want it alone", len(res.Children))
			}
			if res.Errors[0].Line != 2 {
				t.Errorf("line: got %d, want 2", res.Errors[0].Line)
			}
		})
	}
}

func TestReadChildrenFlags(t *testing.T) {
	h := "nhs_number,given_name,family_name,date_of_birth,postcode,la_code,looked_after,elective_home_education,missing_education,youth_justice,continuing_care,personal_health_budget\n"
	tests := []struct {
		name  string
		cells string
		want  store.Flags
		err   string
	}{
		{"blank", ",,,,,", store.Flags{}, ""},
		{"words", "yes,No,TRUE,false,Yes,no", store.Flags{LookedAfter: true, MissingEducation: true, ContinuingCare: true}, ""},
		{"digits", "0,1,0,1,0,1", store.Flags{ElectiveHomeEd: true, YouthJustice: true, PersonalHealthBudget: true}, ""},
		{"spaces", " yes ,,,,,", store.Flags{LookedAfter: true}, ""},
		{"bad", ",,,maybe,,", store.Flags{}, `line 2: youth_justice "maybe" is not yes, no, true, false, 1, 0 or blank`},
		{"y is not accepted", "y,,,,,", store.Flags{}, `line 2: looked_after "y" is not yes, no, true, false, 1, 0 or blank`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := read(t, h+nhsA+",Ada,Lovelace,2015-01-01,BA1 1AA,800,"+tc.cells+"\n")
			got := messages(res)
			if tc.err != "" {
				if len(got) != 1 || got[0] != tc.err {
					t.Fatalf("got %q, want [%q]", got, tc.err)
				}
				return
			}
			if len(got) != 0 {
				t.Fatalf("got errors %q, want none", got)
			}
			if res.Children[0].Flags != tc.want {
				t.Errorf("got %+v, want %+v", res.Children[0].Flags, tc.want)
			}
		})
	}
}

func TestReadChildrenEdgesAccepted(t *testing.T) {
	// A blank postcode (no fixed abode, not known) is allowed, as the store
	// allows it; the 26th birthday's eve and today are both accepted.
	in := header + nhsA + ",Ada,Lovelace,2015-01-01,,800\n" +
		nhsB + ",Alan,Turing,1999-06-01,BA1 1AA,800\n" +
		nhsC + ",Grace,Hopper,2025-06-01,BA1 1AA,800\n"
	res := read(t, in)
	if !resultOK(res) || len(res.Children) != 3 {
		t.Fatalf("got %d children and errors %q, want 3 and none", len(res.Children), messages(res))
	}
	if res.Children[0].Postcode != "" {
		t.Errorf("postcode: got %q, want blank", res.Children[0].Postcode)
	}
}

func TestReadChildrenHeader(t *testing.T) {
	tests := []struct {
		name  string
		head  string
		errs  []string
		notes int
	}{
		{"missing columns", "nhs_number,given_name,family_name,postcode\n", []string{
			"line 1: the header has no date_of_birth, la_code column (a children file needs nhs_number, given_name, family_name, date_of_birth, postcode, la_code)",
		}, 0},
		{"repeated column", "nhs_number,given_name,family_name,date_of_birth,postcode,la_code,Postcode\n", []string{
			`line 1: column "postcode" appears twice in the header`,
		}, 0},
		{"case and spaces", " NHS_Number , Given_Name,family_name,DATE_OF_BIRTH,postcode,la_code\n", nil, 0},
		{"unknown column noted", "nhs_number,given_name,family_name,date_of_birth,postcode,la_code,ethnicity,\n", nil, 1},
		{"no header at all", "9990000018,Ada,Lovelace,2015-01-01,BA1 1AA,800\n", []string{
			"line 1: the header has no nhs_number, given_name, family_name, date_of_birth, postcode, la_code column (a children file needs nhs_number, given_name, family_name, date_of_birth, postcode, la_code)",
		}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := read(t, tc.head)
			got := messages(res)
			if strings.Join(got, "\n") != strings.Join(tc.errs, "\n") {
				t.Errorf("errors: got %q, want %q", got, tc.errs)
			}
			if len(res.Notes) != tc.notes {
				t.Errorf("notes: got %q, want %d", res.Notes, tc.notes)
			}
		})
	}
	res := read(t, "nhs_number,given_name,family_name,date_of_birth,postcode,la_code,ethnicity,\n")
	if want := "ignored column(s) dco does not know: ethnicity, (column 8, no name)"; !strings.HasPrefix(res.Notes[0], want) {
		t.Errorf("note: got %q, want it to start %q", res.Notes[0], want)
	}
}

func TestReadChildrenEmptyFile(t *testing.T) {
	for _, in := range []string{"", "\ufeff", "\n\n"} {
		_, err := ReadChildren(strings.NewReader(in), Options{LA: testLA, Today: testToday})
		if err == nil || !strings.Contains(err.Error(), "the file is empty") {
			t.Errorf("%q: got %v, want the file is empty", in, err)
		}
	}
}

func TestReadChildrenDuplicates(t *testing.T) {
	in := header +
		nhsA + ",Ada,Lovelace,2015-01-01,BA1 1AA,800\n" +
		nhsB + ",Alan,Turing,2014-06-23,BA2 3AB,800\n" +
		"999 000 0018,Ada,Byron,2015-01-01,BA1 1AA,800\n" +
		"\n" +
		"999-000-0026,Al,Turing,2014-06-23,BA2 3AB,800\n"
	res := read(t, in)
	want := []string{
		"line 4: nhs_number 999 000 0018 is also on line 2: each child appears once",
		"line 6: nhs_number 999 000 0026 is also on line 3: each child appears once",
	}
	if got := messages(res); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", got, want)
	}
	if res.Rows != 4 {
		t.Errorf("rows: got %d, want 4", res.Rows)
	}
}

func TestReadChildrenQuotedMultiLine(t *testing.T) {
	// A quoted field may span lines; the next row's line number follows it.
	h := "nhs_number,given_name,family_name,date_of_birth,postcode,la_code,setting\n"
	in := h + nhsA + ",Ada,Lovelace,2015-01-01,BA1 1AA,800,\"Two\nline setting\"\n" +
		nhsB + ",Alan,Turing,2023-02-29,BA2 3AB,800,\n"
	res := read(t, in)
	got := messages(res)
	want := []string{
		"line 2: setting: Setting must not contain special characters such as tabs or line breaks",
		`line 4: date_of_birth "2023-02-29" is not a real date`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReadChildrenLimits(t *testing.T) {
	row := nhsA + ",Ada,Lovelace,2015-01-01,BA1 1AA,800\n"
	t.Run("bytes", func(t *testing.T) {
		in := header + strings.Repeat(row, 100)
		_, err := ReadChildren(strings.NewReader(in), Options{LA: testLA, Today: testToday,
			Limits: Limits{MaxBytes: 1 << 10, MaxRows: 1000, MaxCell: 1000, MaxErrors: 10}})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("got %v, want ErrTooLarge", err)
		}
	})
	t.Run("bytes exactly at the limit", func(t *testing.T) {
		in := header + row
		res, err := ReadChildren(strings.NewReader(in), Options{LA: testLA, Today: testToday,
			Limits: Limits{MaxBytes: int64(len(in)), MaxRows: 10, MaxCell: 1000, MaxErrors: 10}})
		if err != nil || len(res.Children) != 1 {
			t.Fatalf("got %v, %v; want one child", res, err)
		}
	})
	t.Run("rows", func(t *testing.T) {
		in := header + strings.Repeat(row, 11)
		_, err := ReadChildren(strings.NewReader(in), Options{LA: testLA, Today: testToday,
			Limits: Limits{MaxBytes: 1 << 20, MaxRows: 10, MaxCell: 1000, MaxErrors: 10}})
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "more than 10 rows") {
			t.Fatalf("got %v, want ErrTooLarge with more than 10 rows", err)
		}
	})
	t.Run("errors kept", func(t *testing.T) {
		in := header + strings.Repeat(",,,,,x\n", 25)
		res, err := ReadChildren(strings.NewReader(in), Options{LA: testLA, Today: testToday,
			Limits: Limits{MaxBytes: 1 << 20, MaxRows: 100, MaxCell: 1000, MaxErrors: 10}})
		if err != nil {
			t.Fatal(err)
		}
		// Each row has five problems (a blank postcode is allowed); 10 are kept, 115 counted.
		if len(res.Errors) != 10 || res.MoreErrors != 115 || resultOK(res) {
			t.Errorf("got %d kept and %d more, want 10 and 115", len(res.Errors), res.MoreErrors)
		}
	})
}

func TestReadChildrenLookupFailure(t *testing.T) {
	broken := func(string) (store.Org, error) { return store.Org{}, errors.New("database is locked") }
	_, err := ReadChildren(strings.NewReader(header+nhsA+",Ada,Lovelace,2015-01-01,BA1 1AA,800\n"),
		Options{LA: broken, Today: testToday})
	if err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("got %v, want the look-up failure", err)
	}
}

func TestReadChildrenLooksUpEachLAOnce(t *testing.T) {
	calls := 0
	la := func(code string) (store.Org, error) { calls++; return testLA(code) }
	in := header + nhsA + ",A,B,2015-01-01,BA1 1AA,800\n" + nhsB + ",A,B,2015-01-01,BA1 1AA,800\n" +
		nhsC + ",A,B,2015-01-01,BA1 1AA,E06000022\n"
	if _, err := ReadChildren(strings.NewReader(in), Options{LA: la, Today: testToday}); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("look-ups: got %d, want 2", calls)
	}
}

func TestParseChildren(t *testing.T) {
	kids, rowErrs, err := ParseChildren(strings.NewReader(header+nhsA+",Ada,Lovelace,2015-01-01,BA1 1AA,800\n"+
		nhsB+",Alan,Turing,2015-02-30,BA1 1AA,800\n"), testLA)
	if err != nil {
		t.Fatal(err)
	}
	if len(kids) != 1 || len(rowErrs) != 1 || rowErrs[0].Column != "date_of_birth" {
		t.Errorf("got %d children and errors %v, want 1 and one date_of_birth error", len(kids), rowErrs)
	}
}

func FuzzParseChildren(f *testing.F) {
	f.Add([]byte(header + nhsA + ",Ada,Lovelace,2015-01-01,BA1 1AA,800\n"))
	f.Add([]byte("\ufeff" + strings.ReplaceAll(header+nhsA+",\"O'Brien, \"\"Jr\"\"\",Smith,2015-01-01,ba11aa,E06000022\n", "\n", "\r\n")))
	f.Add([]byte("nhs_number,given_name,family_name,date_of_birth,postcode,la_code,setting,looked_after,unknown\n" +
		nhsA + ",A,B,2023-02-29,SN1 2DQ,800,\"x\ny\",maybe,z\n" + nhsA + ",A,B,2015-01-01,SN1 2DQ,800,,,\n\n\n"))
	f.Add([]byte(header + `"unterminated,` + "\n"))
	f.Add([]byte(header + `a"b,c` + "\n,,,,,\n"))
	f.Add([]byte("nhs_number,nhs_number\n1,2\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := ReadChildren(bytes.NewReader(in), Options{LA: testLA, Today: testToday,
			Limits: Limits{MaxBytes: 1 << 20, MaxRows: 10_000, MaxCell: 1000, MaxErrors: 100}})
		if err != nil {
			return
		}
		if len(res.Children)+len(res.Errors) == 0 && res.MoreErrors == 0 && res.Rows > 0 {
			t.Fatalf("%d rows read but neither children nor errors", res.Rows)
		}
		for _, c := range res.Children {
			if _, err := send.ParseNHSNumber(string(c.NHSNumber)); err != nil {
				t.Fatalf("accepted a bad NHS number %q", c.NHSNumber)
			}
			if c.GivenName == "" || c.FamilyName == "" || c.DateOfBirth.IsZero() || c.LAID == 0 {
				t.Fatalf("accepted an incomplete child %+v", c)
			}
		}
	})
}

// benchFile returns a valid children file of n rows with every column.
func benchFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString("nhs_number,given_name,family_name,date_of_birth,postcode,la_code,setting,looked_after,elective_home_education,missing_education,youth_justice,continuing_care,personal_health_budget\r\n")
	given := []string{"Olivia", "Noah", "Amelia", "George", "Isla", "Muhammad"}
	family := []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson"}
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
		fmt.Fprintf(&b, "%s%d,%s,\"%s\",20%02d-%02d-%02d,BA%d %dAB,800,Hill Primary School,no,,0,yes,,no\r\n",
			nine, check, given[i%6], family[i%5], i%20+5, i%12+1, i%28+1, i%9+1, i%10)
		i++
	}
	return b.Bytes()
}

func BenchmarkParseChildren(b *testing.B) {
	const rows = 100_000
	data := benchFile(rows)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		kids, rowErrs, err := ParseChildren(bytes.NewReader(data), testLA)
		if err != nil || len(rowErrs) != 0 || len(kids) != rows {
			b.Fatalf("got %d children, %d errors (%v), %v", len(kids), len(rowErrs), rowErrs[:min(3, len(rowErrs))], err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

var _ io.Reader = (*limitedReader)(nil)

// resultOK reports whether the file had no problems at all.
func resultOK(r *Result) bool { return len(r.Errors) == 0 && r.MoreErrors == 0 }
