package importer

import (
	"strings"
	"testing"
)

// TestReadNotUTF8 is issue 8 item 7 for the imports: a cell that is not
// UTF-8 is refused by the one rule every file shares (sheet.run), naming
// the line and the column, in the children file (and the workflows' files
// alike: adviceimport and s23import's TestReadNotUTF8), and so is a header
// that is not.
func TestReadNotUTF8(t *testing.T) {
	const msg = ` is not UTF-8 text: save the file as "CSV UTF-8" and import it again`
	tests := []struct {
		name string
		read func(in string) ([]RowError, error)
		in   string
		want string
	}{
		{"children, given name", func(in string) ([]RowError, error) {
			res, err := ReadChildren(strings.NewReader(in), Options{LA: testLA, Today: testToday})
			if err != nil {
				return nil, err
			}
			return res.Errors, nil
		}, header + nhsA + ",Ada\xff\xfe,Lovelace,2015-01-01,BA1 1AA,800\n", "line 2: given_name" + msg},
		{"children, header", func(in string) ([]RowError, error) {
			res, err := ReadChildren(strings.NewReader(in), Options{LA: testLA, Today: testToday})
			if err != nil {
				return nil, err
			}
			return res.Errors, nil
		}, "nhs_number,given_name,family_name,date_of_birth,postcode,la_code,not\xffutf8\n", "line 1: column 7 of the header" + msg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs, err := tc.read(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("got %q, want [%q]", got, tc.want)
			}
		})
	}
}
