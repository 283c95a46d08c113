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

// TestMemberSpool: a set's list kept chunk by chunk gives every member
// back in order, and the digest of each member of the chunk being decided.
func TestMemberSpool(t *testing.T) {
	s, err := newMemberSpool()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	var want []Member
	for chunk := range 3 {
		for i := range 1000 {
			m := Member{PaymentID: int64(chunk*5000 + i*3 + 1)}
			m.Digest[0], m.Digest[31] = byte(i), byte(chunk)
			s.add(m)
			want = append(want, m)
		}
		if d, ok := s.digest(int64(chunk*5000 + 4)); !ok || d[0] != 1 || d[31] != byte(chunk) {
			t.Errorf("chunk %d: the digest of its second member: %x, %v", chunk, d, ok)
		}
		if _, ok := s.digest(int64(chunk*5000 + 2)); ok {
			t.Errorf("chunk %d: a digest for a payment not listed", chunk)
		}
		if err := s.endChunk(); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // hashed, then stored
		var got []Member
		if err := s.each(func(m Member) error { got = append(got, m); return nil }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || s.count != len(want) {
			t.Fatalf("%d members given back of %d", len(got), len(want))
		}
	}
}
