package pain001_test

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"maksa"
	"maksa/formats/pain001"
)

// endless yields a prefix, then the same byte again and again.
type endless struct {
	prefix string
	fill   byte
	left   int
}

func (e *endless) Read(p []byte) (int, error) {
	if e.prefix != "" {
		n := copy(p, e.prefix)
		e.prefix = e.prefix[n:]
		return n, nil
	}
	if e.left <= 0 {
		return 0, io.EOF
	}
	n := min(len(p), e.left)
	for i := range p[:n] {
		p[i] = e.fill
	}
	e.left -= n
	return n, nil
}

func readProblem(t *testing.T, r io.Reader) *maksa.Problem {
	t.Helper()
	pr := pain001.NewReader(r)
	for {
		_, err := pr.Read()
		if err == io.EOF {
			t.Fatal("a hostile document was read without a problem")
		}
		var p *maksa.Problem
		if errors.As(err, &p) {
			return p
		}
		if err != nil {
			t.Fatalf("error %v is not a problem", err)
		}
	}
}

// TestHostileDocuments feeds documents built to exhaust the reader and
// checks each is refused within bounded memory.
func TestHostileDocuments(t *testing.T) {
	head := `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn><GrpHdr><MsgId>`
	tests := []struct {
		name string
		r    io.Reader
		want string
	}{
		{"a 2 GB text node", &endless{prefix: head, fill: 'x', left: 2 << 30}, "longer than"},
		{"a 1 GB tag", &endless{prefix: "<Document xmlns", fill: 'x', left: 1 << 30}, "longer than"},
		{"billion laughs", strings.NewReader(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><Document>&lol2;</Document>`), "DTD"},
		{"external entity", strings.NewReader(`<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Document>&xxe;</Document>`), "DTD"},
		{"10,000 levels deep", &endless{prefix: head + "M</MsgId><NbOfTxs>1</NbOfTxs></GrpHdr>", fill: 0, left: 0}, ""},
		{"a NUL byte", strings.NewReader(head + "M\x00</MsgId>"), "not well formed"},
	}
	deep := head + "M</MsgId><NbOfTxs>1</NbOfTxs></GrpHdr>" + strings.Repeat("<PmtInf>", 10000)
	tests[4].r, tests[4].want = strings.NewReader(deep), "nested deeper"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := readProblem(t, tt.r)
			if p.Code != maksa.FF02 || !strings.Contains(p.Message, tt.want) {
				t.Errorf("problem %v, want FF02 mentioning %q", p, tt.want)
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > 64<<20 {
				t.Errorf("the heap holds %d MB", ms.HeapAlloc>>20)
			}
		})
	}
}

// TestHugeNbOfTxs: a file that claims a billion transactions holds one; the
// reader allocates nothing for the claim.
func TestHugeNbOfTxs(t *testing.T) {
	doc := `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn><GrpHdr><MsgId>M</MsgId><NbOfTxs>1000000000</NbOfTxs></GrpHdr>` +
		`<PmtInf><PmtInfId>P</PmtInfId><NbOfTxs>1000000000</NbOfTxs><CdtTrfTxInf><PmtId><EndToEndId>E</EndToEndId></PmtId><Amt><InstdAmt Ccy="EUR">1.00</InstdAmt></Amt></CdtTrfTxInf></PmtInf></CstmrCdtTrfInitn></Document>`
	var infos []pain001.PaymentInfo
	r := pain001.NewReader(strings.NewReader(doc))
	r.OnPaymentInfo = func(pi pain001.PaymentInfo) { infos = append(infos, pi) }
	h, err := r.Header()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if h.NbOfTxs != "1000000000" || n != 1 || infos[0].Count != 1 {
		t.Errorf("claimed %s, read %d", h.NbOfTxs, n)
	}
}
