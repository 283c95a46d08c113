package signing_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"maksa/signing"
)

type setVector struct {
	Instance      string   `json:"instance"`
	Members       []string `json:"members"` // "<payment id> <digest hex>"
	Serialisation string   `json:"serialisation"`
	Digest        string   `json:"digest"`
}

// TestSetVectors keeps the serialisation and digest of sample sets in
// testdata/signing/set-vectors.json, so that an outside implementation (a
// signing device) can check its own.
func TestSetVectors(t *testing.T) {
	const instance = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	one, two := sha256.Sum256([]byte("payment 7")), sha256.Sum256([]byte("payment 42"))
	sets := [][]signing.Member{{}, {{PaymentID: 42, Digest: two}}, {{PaymentID: 7, Digest: one}, {PaymentID: 42, Digest: two}}}
	var got []setVector
	for _, members := range sets {
		v := setVector{Instance: instance, Members: []string{}}
		var ser strings.Builder
		ser.WriteString("maksa-set-v1=0:\ninstance=36:" + instance + "\n")
		n := itoa(int64(len(members)))
		ser.WriteString("count=" + itoa(int64(len(n))) + ":" + n + "\n")
		for _, m := range members {
			v.Members = append(v.Members, itoa(m.PaymentID)+" "+hex.EncodeToString(m.Digest[:]))
			ser.WriteString(itoa(m.PaymentID) + ":" + hex.EncodeToString(m.Digest[:]) + "\n")
		}
		v.Serialisation = ser.String()
		d, err := signing.SetDigest(instance, members)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256([]byte(v.Serialisation)); !bytes.Equal(d, sum[:]) {
			t.Errorf("set %d: the digest is not the SHA-256 of the documented serialisation", len(got))
		}
		v.Digest = hex.EncodeToString(d)
		got = append(got, v)
	}
	path := "../testdata/signing/set-vectors.json"
	if *update {
		js, _ := json.MarshalIndent(got, "", "  ")
		os.WriteFile(path, append(js, '\n'), 0o644)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []setVector
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Fatalf("%d vectors, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Digest != want[i].Digest || got[i].Serialisation != want[i].Serialisation {
			t.Errorf("vector %d:\n%+v\nwant\n%+v", i, got[i], want[i])
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestSetDigestOrderAndCount: members out of order, twice, or not the
// count announced are an error, never a digest.
func TestSetDigestOrderAndCount(t *testing.T) {
	d := sha256.Sum256(nil)
	if _, err := signing.SetDigest("i", []signing.Member{{PaymentID: 2, Digest: d}, {PaymentID: 1, Digest: d}}); err == nil {
		t.Error("members out of order gave a digest")
	}
	if _, err := signing.SetDigest("i", []signing.Member{{PaymentID: 2, Digest: d}, {PaymentID: 2, Digest: d}}); err == nil {
		t.Error("a member twice gave a digest")
	}
	h := signing.NewSetHasher("i", 3)
	h.Add(signing.Member{PaymentID: 1, Digest: d})
	if _, err := h.Sum(); err == nil {
		t.Error("1 member of 3 gave a digest")
	}
}

func TestSetListRoundTrip(t *testing.T) {
	a, b := sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b"))
	members := []signing.Member{{PaymentID: 3, Digest: a}, {PaymentID: 10, Digest: b}}
	digest, _ := signing.SetDigest("i", members)
	var buf bytes.Buffer
	if err := signing.WriteSetList(&buf, members, digest); err != nil {
		t.Fatal(err)
	}
	got, gotDigest, err := signing.ReadSetList(&buf)
	if err != nil || len(got) != 2 || got[1] != members[1] || !bytes.Equal(gotDigest, digest) {
		t.Fatalf("round trip: %v %x %v", got, gotDigest, err)
	}
	for _, bad := range []string{"", "# maksa-set-v2 0 00\n", "# maksa-set-v1 2 " + hex.EncodeToString(digest) + "\n3 " + hex.EncodeToString(a[:]) + "\n",
		"# maksa-set-v1 1 " + hex.EncodeToString(digest) + "\nx " + hex.EncodeToString(a[:]) + "\n", "# maksa-set-v1 1 " + hex.EncodeToString(digest) + "\n3 abc\n"} {
		if _, _, err := signing.ReadSetList(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadSetList(%q) accepted it", bad)
		}
	}
}
