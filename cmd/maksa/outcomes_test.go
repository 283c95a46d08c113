package main

import (
	"bytes"
	"testing"

	"maksa"
	"maksa/signing"
)

// TestOutcomeReportJSON: outcomes printed one at a time make exactly the
// array printJSON makes of them all, also when there are none.
func TestOutcomeReportJSON(t *testing.T) {
	outcomes := []signing.Outcome{
		{PaymentID: 1, EndToEndID: "E<1>", BatchID: 3, Level: 1, Required: 2, Signed: true, Status: maksa.PDNG, Reasons: []maksa.Problem{}},
		{PaymentID: 2, EndToEndID: "E&2", BatchID: 3, Status: maksa.PDNG, Reasons: []maksa.Problem{{Code: maksa.AM21, Message: "over the \"limit\""}}},
	}
	for n := range len(outcomes) + 1 {
		var streamed, whole bytes.Buffer
		m := &Main{JSON: true, Stdout: &streamed}
		r := m.newOutcomeReport("signed")
		for _, o := range outcomes[:n] {
			if err := r.add(o); err != nil {
				t.Fatal(err)
			}
		}
		r.end()
		(&Main{Stdout: &whole}).printJSON(append([]signing.Outcome{}, outcomes[:n]...))
		if streamed.String() != whole.String() {
			t.Errorf("%d outcomes:\n%s\nwant\n%s", n, streamed.String(), whole.String())
		}
	}
}
