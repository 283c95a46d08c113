package signing

import (
	"fmt"
	"reflect"
	"testing"

	"maksa"
)

// TestOutcomeSpool: what a set signed in one transaction reports after
// its commit is every outcome as it was decided, in order.
func TestOutcomeSpool(t *testing.T) {
	s, err := newOutcomeSpool()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	var want []Outcome
	for i := range 3000 {
		o := Outcome{PaymentID: int64(i + 1), EndToEndID: fmt.Sprintf("Rēķins-%d", i), BatchID: 7, Level: 1, Required: 2, Signed: i%3 != 0,
			Status: maksa.PDNG, Reasons: []maksa.Problem{}}
		if !o.Signed {
			o.Level = 0
			o.Reasons = []maksa.Problem{{Code: maksa.AM14, Message: "above the limit of 5000.00 EUR", EndToEndID: o.EndToEndID}}
		}
		want = append(want, o)
		if err := s.add(o); err != nil {
			t.Fatal(err)
		}
	}
	var got []Outcome
	if err := s.replay(func(o Outcome) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("replayed %d outcomes, not the %d kept; first %+v, want %+v", len(got), len(want), got[0], want[0])
	}
}
