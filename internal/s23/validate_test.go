package s23

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"dco/internal/send"
)

// TestValidate: the one set of rules for a notification's own fields finds
// every problem at once, and normalises what it keeps.
func TestValidate(t *testing.T) {
	today := send.NewDate(2025, 6, 2)
	good := func() Notification {
		return Notification{Professional: "Jo Test, health visitor", Needs: []string{"semh", " semh"}, Consent: ConsentYes,
			Steps: Steps{ParentInformedOn: send.NewDate(2025, 5, 1), DiscussionOfferedOn: send.NewDate(2025, 5, 1)}}
	}
	tests := []struct {
		name   string
		change func(*Notification)
		want   map[string]string
	}{
		{"valid", func(*Notification) {}, map[string]string{}},
		{"unknown kind", func(n *Notification) { n.Kind = "sx" },
			map[string]string{"kind": "Choose whether this is a Section 23 notification or another notification"}},
		{"no professional", func(n *Notification) { n.Professional = " \r\n " },
			map[string]string{"professional": "Enter the name and role of the professional"}},
		{"professional too long", func(n *Notification) { n.Professional = strings.Repeat("é", MaxProfessional+1) },
			map[string]string{"professional": "The name and role of the professional must be 200 characters or fewer"}},
		{"professional at the limit", func(n *Notification) { n.Professional = strings.Repeat("é", MaxProfessional) }, map[string]string{}},
		{"service not UTF-8", func(n *Notification) { n.Service = "Health \xff visiting" }, map[string]string{"service": MsgNotUTF8}},
		{"reasons with a control character", func(n *Notification) { n.Reasons = "Delay\x07" },
			map[string]string{"reasons": "The reasons must not contain control characters"}},
		{"reasons with line breaks and tabs", func(n *Notification) { n.Reasons = "Delay\r\n\tand more" }, map[string]string{}},
		{"voluntary organisations too long", func(n *Notification) { n.VoluntaryOrgs = strings.Repeat("a", MaxVoluntaryOrgs+1) },
			map[string]string{"voluntary_orgs": "The voluntary organisations must be 1000 characters or fewer"}},
		{"LA reason too long", func(n *Notification) { n.LAReason = strings.Repeat("a", MaxLAReason+1) },
			map[string]string{"la_reason": "The reason for notifying this LA must be 500 characters or fewer"}},
		{"unknown need", func(n *Notification) { n.Needs = []string{"speech"} },
			map[string]string{"needs": "Choose the areas of need from the list"}},
		{"no need and no reasons", func(n *Notification) { n.Needs = nil },
			map[string]string{"needs": "Choose at least one area of need, or enter the reasons"}},
		{"reasons instead of needs", func(n *Notification) { n.Needs, n.Reasons = nil, "Delay" }, map[string]string{}},
		{"unknown consent", func(n *Notification) { n.Consent = "maybe" }, map[string]string{"consent_to_share": MsgConsent}},
		{"consent not recorded", func(n *Notification) { n.Consent = ConsentNotRecorded }, map[string]string{}},
		{"LA before the parent", func(n *Notification) { n.Steps.LANotifiedOn = send.NewDate(2025, 4, 30) },
			map[string]string{FieldLANotified: "The date the LA was notified must be on or after the date the parent was informed: the parent is told first"}},
		{"everything at once", func(n *Notification) {
			n.Professional, n.Needs = "", nil
			n.Steps.ParentInformedOn, n.Steps.DiscussionOfferedOn = send.NewDate(2025, 6, 3), send.Date{}
		}, map[string]string{
			"professional":      "Enter the name and role of the professional",
			"needs":             "Choose at least one area of need, or enter the reasons",
			FieldParentInformed: "The date the parent was informed must be today or in the past",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := good()
			tt.change(&n)
			got := n.Validate(today)
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	n := good()
	n.Reasons = "  Delay\r\nand more "
	if bad := n.Validate(today); len(bad) > 0 {
		t.Fatalf("got %v, want no problems", bad)
	}
	if n.Kind != KindS23 || !slices.Equal(n.Needs, []string{"semh"}) || n.Reasons != "Delay\nand more" ||
		!n.Steps.OpinionOn.Equal(send.NewDate(2025, 5, 1)) {
		t.Errorf("normalised: got kind %q needs %v reasons %q opinion %s, want s23 [semh] \"Delay\\nand more\" 2025-05-01",
			n.Kind, n.Needs, n.Reasons, n.Steps.OpinionOn)
	}
}
