package pain001_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"maksa"
	"maksa/formats/pain001"
	"maksa/internal/test/testgen"
	"maksa/internal/test/xsdcheck"
)

var update = flag.Bool("update", false, "update golden files")

// readAll reads every payment of doc; it returns the first error.
func readAll(name string, doc []byte) (*pain001.Header, []*maksa.Payment, []pain001.PaymentInfo, error) {
	r := pain001.NewReader(bytes.NewReader(doc))
	r.File = name
	var infos []pain001.PaymentInfo
	r.OnPaymentInfo = func(pi pain001.PaymentInfo) { infos = append(infos, pi) }
	h, err := r.Header()
	if err != nil {
		return nil, nil, nil, err
	}
	var ps []*maksa.Payment
	for {
		p, err := r.Read()
		if err == io.EOF {
			return h, ps, infos, nil
		}
		if err != nil {
			return h, ps, infos, err
		}
		ps = append(ps, p)
	}
}

const ns3 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"

func TestReaderErrors(t *testing.T) {
	good, err := os.ReadFile("../../testdata/pain001/good-3.xml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		doc  string
		want *maksa.Problem
	}{
		{"empty", "", &maksa.Problem{Code: maksa.FF01, Message: "not an XML document: no root element", Position: maksa.Position{File: "f.xml", Line: 1, Column: 1}}},
		{"not xml", "IBAN;Summa\n", &maksa.Problem{Code: maksa.FF01, Message: "not an XML document: text outside the root element", Position: maksa.Position{File: "f.xml", Line: 2, Column: 1}}},
		{"wrong root", `<Invoice xmlns="x"/>`, &maksa.Problem{Code: maksa.FF01, Message: "root element <Invoice> is not an ISO 20022 Document", Position: maksa.Position{File: "f.xml", Line: 1, Column: 21, XPath: "/Invoice"}}},
		{"no namespace", `<Document><CstmrCdtTrfInitn/></Document>`, &maksa.Problem{Code: maksa.FF01, Message: "the Document has no namespace, so its message type is unknown", Position: maksa.Position{File: "f.xml", Line: 1, Column: 11, XPath: "/Document"}}},
		{"direct debit", `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"/>`, &maksa.Problem{Code: maksa.FF01, Message: `namespace "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02" is not a pain.001 version maksa reads`, Position: maksa.Position{File: "f.xml", Line: 1, Column: 67, XPath: "/Document"}}},
		{"version 13", `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.13"/>`, &maksa.Problem{Code: maksa.FF01, Message: `namespace "urn:iso:std:iso:20022:tech:xsd:pain.001.001.13" is not a pain.001 version maksa reads`, Position: maksa.Position{File: "f.xml", Line: 1, Column: 67, XPath: "/Document"}}},
		{"other message", `<Document xmlns="` + ns3 + `"><CstmrDrctDbtInitn/></Document>`, &maksa.Problem{Code: maksa.FF01, Message: "<CstmrDrctDbtInitn> is not a pain.001 message (expected CstmrCdtTrfInitn)", Position: maksa.Position{File: "f.xml", Line: 1, Column: 86, XPath: "/Document/CstmrDrctDbtInitn"}}},
		{"no group header", `<Document xmlns="` + ns3 + `"><CstmrCdtTrfInitn></CstmrCdtTrfInitn></Document>`, &maksa.Problem{Code: maksa.FF02, Message: "the message has no group header (GrpHdr)", Position: maksa.Position{File: "f.xml", Line: 1, Column: 114}}},
		{"no message id", `<Document xmlns="` + ns3 + `"><CstmrCdtTrfInitn><GrpHdr><NbOfTxs>1</NbOfTxs></GrpHdr></CstmrCdtTrfInitn></Document>`, &maksa.Problem{Code: maksa.FF02, Message: "the group header has no MsgId", Position: maksa.Position{File: "f.xml", Line: 1, Column: 121, XPath: "/Document/CstmrCdtTrfInitn"}}},
		{"dtd", "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">]>\n<Document/>", &maksa.Problem{Code: maksa.FF02, Message: "DTDs and entity declarations are not accepted", Position: maksa.Position{File: "f.xml", Line: 2, Column: 10}}},
		{"mixed content", `<Document xmlns="` + ns3 + `">text<CstmrCdtTrfInitn/></Document>`, &maksa.Problem{Code: maksa.FF02, Message: "element <Document> has text mixed with child elements", Position: maksa.Position{File: "f.xml", Line: 1, Column: 89, XPath: "/Document"}}},
		{"mismatched tag", `<Document xmlns="` + ns3 + `"><CstmrCdtTrfInitn></Document>`, &maksa.Problem{Code: maksa.FF02, Message: "XML is not well formed: element <CstmrCdtTrfInitn> closed by </Document>", Position: maksa.Position{File: "f.xml", Line: 1, Column: 95, XPath: "/Document/CstmrCdtTrfInitn"}}},
		{"bad encoding", `<?xml version="1.0" encoding="EBCDIC-X"?><Document/>`, &maksa.Problem{Code: maksa.FF01, Message: `not an XML document: unsupported encoding "EBCDIC-X"`, Position: maksa.Position{File: "f.xml", Line: 1, Column: 1}}},
		{"invalid utf-8", "<Document xmlns=\"" + ns3 + "\">\xff</Document>", &maksa.Problem{Code: maksa.FF02, Message: "XML is not well formed: invalid UTF-8", Position: maksa.Position{File: "f.xml", Line: 1, Column: 66, XPath: "/Document"}}},
		{"truncated", string(good[:len(good)/2]), &maksa.Problem{Code: maksa.FF02, Message: "XML is not well formed: unexpected EOF", Position: maksa.Position{File: "f.xml", Line: 50, Column: 35, XPath: "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[1]/CdtrAcct/Id/IBAN"}}},
		{"deep nesting", `<Document xmlns="` + ns3 + `"><CstmrCdtTrfInitn><GrpHdr><MsgId>M</MsgId></GrpHdr>` + strings.Repeat("<a>", 100), &maksa.Problem{Code: maksa.FF02, Message: "elements nested deeper than 64 levels", Position: maksa.Position{File: "f.xml", Line: 1, Column: 306, XPath: "/Document/CstmrCdtTrfInitn" + strings.Repeat("/a", 62)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := readAll("f.xml", []byte(tt.doc))
			var got *maksa.Problem
			if !errors.As(err, &got) {
				t.Fatalf("error = %v, want a *maksa.Problem", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problem =\n%#v\nwant\n%#v", *got, *tt.want)
			}
		})
	}
}

// TestReaderEncodings reads the same payment from documents in several
// encodings, with a BOM, without a declaration and with a namespace prefix.
func TestReaderEncodings(t *testing.T) {
	for _, file := range []string{"windows-1257.xml", "iso-8859-13.xml", "utf8-bom.xml", "prefixed-ns2.xml", "no-declaration.xml"} {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile("../../testdata/pain001/" + file)
			if err != nil {
				t.Fatal(err)
			}
			h, ps, _, err := readAll(file, data)
			if err != nil {
				t.Fatal(err)
			}
			if h.Format != "pain.001.001.03" || len(ps) != 1 {
				t.Fatalf("format %s, %d payments", h.Format, len(ps))
			}
			p := ps[0]
			if p.CreditorName != "Ģirts Šķēle-Ābeļkoks" || p.Remittance != "Alga par novembri, Ņ Ž Č" || p.AmountText != "12.34" || p.Currency != "EUR" {
				t.Errorf("payment read as %q, %q, %s %s", p.CreditorName, p.Remittance, p.AmountText, p.Currency)
			}
		})
	}
}

// golden is the part of a payment the golden files record.
type golden struct {
	Header   *pain001.Header
	Infos    []pain001.PaymentInfo
	Payments []goldenPayment
}

type goldenPayment struct {
	Seq                                                       int
	PaymentInfoID, InstructionID, EndToEndID, UETR            string
	DebtorIBAN, DebtorName, DebtorBIC                         string
	CreditorIBAN                                              string
	CreditorIsIBAN                                            bool
	CreditorName, CreditorBIC                                 string
	CreditorAddress                                           maksa.Address
	AmountText, Currency, DateText                            string
	Remittance, Reference, Purpose, CategoryPurpose           string
	Priority, ServiceLevel, ChargeBearer                      string
	UltimateDebtor, UltimateCreditor                          string
	Position                                                  string
	AmountAt, CreditorAccountAt, DebtorAccountAt, ExecutionAt string
}

func toGolden(p *maksa.Payment) goldenPayment {
	return goldenPayment{p.Seq, p.PaymentInfoID, p.InstructionID, p.EndToEndID, p.UETR, p.DebtorIBAN, p.DebtorName, p.DebtorBIC,
		p.CreditorIBAN, p.CreditorIsIBAN, p.CreditorName, p.CreditorBIC, p.CreditorAddress, p.AmountText, p.Currency, p.DateText,
		p.Remittance, p.Reference, p.Purpose, p.CategoryPurpose, p.Priority, p.ServiceLevel, p.ChargeBearer,
		p.UltimateDebtor, p.UltimateCreditor, p.Position.String(),
		p.PositionOf(maksa.FieldAmount).String(), p.PositionOf(maksa.FieldCreditorAccount).String(),
		p.PositionOf(maksa.FieldDebtorAccount).String(), p.PositionOf(maksa.FieldExecutionDate).String()}
}

// TestReaderGolden reads every readable sample under testdata/pain001 and
// compares what it read with testdata/pain001/golden/<file>.golden.
func TestReaderGolden(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/pain001/*.xml")
	corpus, _ := filepath.Glob("../../testdata/pain001/corpus/*.xml")
	for _, path := range append(files, corpus...) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			h, ps, infos, err := readAll(name, data)
			if err != nil {
				var p *maksa.Problem
				if !errors.As(err, &p) {
					t.Fatal(err)
				}
				h = &pain001.Header{Format: "ERROR " + p.Error()}
			}
			g := golden{Header: h, Infos: infos}
			for _, p := range ps {
				g.Payments = append(g.Payments, toGolden(p))
			}
			got, _ := json.MarshalIndent(g, "", "  ")
			goldenPath := filepath.Join("../../testdata/pain001/golden", name+".golden")
			if *update {
				os.MkdirAll(filepath.Dir(goldenPath), 0o755)
				if err := os.WriteFile(goldenPath, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(append(got, '\n'), want) {
				t.Errorf("read differs from %s (run go test -update after checking the change):\n%s", goldenPath, got)
			}
		})
	}
}

// TestWriterRoundTrip writes generated payments as pain.001.001.03, .09 and
// .10, checks each against its official XSD and reads it back unchanged.
func TestWriterRoundTrip(t *testing.T) {
	for _, version := range []int{3, 9, 10} {
		t.Run(fmt.Sprintf("v%02d", version), func(t *testing.T) {
			spec := testgen.Spec{Count: 50, PerInfo: 20, Version: version, MessageID: "RT-1", Seed: 7,
				Date: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), DebtorIBANs: []string{"LV21TREL9160100000000", "LV91TREL9160100000001"}}
			path := filepath.Join(t.TempDir(), "out.xml")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := spec.WritePain001(f); err != nil {
				t.Fatal(err)
			}
			f.Close()
			xsdcheck.Validate(t, path, fmt.Sprintf("pain.001.001.%02d.xsd", version))
			data, _ := os.ReadFile(path)
			h, got, infos, err := readAll("out.xml", data)
			if err != nil {
				t.Fatal(err)
			}
			if h.NbOfTxs != "50" || h.MessageID != "RT-1" || len(infos) != 3 {
				t.Errorf("header %+v, %d payment information blocks", h, len(infos))
			}
			i := 0
			spec.Payments(func(want *maksa.Payment) error {
				g := got[i]
				i++
				if g.EndToEndID != want.EndToEndID || g.CreditorName != want.CreditorName || g.CreditorIBAN != want.CreditorIBAN ||
					g.DebtorIBAN != want.DebtorIBAN || !g.Amount.Equal(want.Amount) || g.Currency != want.Currency ||
					!g.ExecutionDate.Equal(want.ExecutionDate) || g.Remittance != want.Remittance || g.PaymentInfoID != want.PaymentInfoID {
					t.Errorf("payment %d read back as\n%+v\nwant\n%+v", i, g, want)
				}
				return nil
			})
			if i != len(got) {
				t.Errorf("read %d payments, wrote %d", len(got), i)
			}
		})
	}
}

func FuzzReader(f *testing.F) {
	for _, pattern := range []string{"../../testdata/pain001/*.xml", "../../testdata/pain001/bad/*.xml", "../../testdata/pain001/corpus/*.xml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, _ := os.ReadFile(file)
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, ps, _, err := readAll("fuzz.xml", data)
		if err != nil {
			var p *maksa.Problem
			if !errors.As(err, &p) {
				t.Fatalf("error %v is not a *maksa.Problem", err)
			}
			if p.Code != maksa.FF01 && p.Code != maksa.FF02 {
				t.Fatalf("reader problem with code %s", p.Code)
			}
		}
		for _, p := range ps {
			if p.Seq == 0 || p.Position.Line == 0 {
				t.Fatalf("payment without position: %+v", p)
			}
		}
	})
}

func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	spec := testgen.Spec{Count: 10000, Version: 3, MessageID: "BENCH", Seed: 1, Date: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	if err := spec.WritePain001(&buf); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		_, ps, _, err := readAll("bench.xml", buf.Bytes())
		if err != nil || len(ps) != spec.Count {
			b.Fatal(err, len(ps))
		}
	}
	b.ReportMetric(float64(spec.Count*b.N)/b.Elapsed().Seconds(), "payments/s")
}

// TestReaderVersions checks that each sample's schema accepts it, and that
// the reader tells the versions apart.
func TestReaderVersions(t *testing.T) {
	for file, format := range map[string]string{"v02.xml": "pain.001.001.02", "good-3.xml": "pain.001.001.03", "v09.xml": "pain.001.001.09"} {
		path := "../../testdata/pain001/" + file
		xsdcheck.Validate(t, path, format+".xsd")
		data, _ := os.ReadFile(path)
		h, ps, _, err := readAll(file, data)
		if err != nil || h.Format != format || len(ps) == 0 || ps[0].ExecutionDate.IsZero() {
			t.Errorf("%s: format %v, %d payments, err %v", file, h, len(ps), err)
		}
	}
}

// BenchmarkWrite writes 10,000 generated payments as pain.001.001.03 (the
// nightly batch's outbound file is this writer).
func BenchmarkWrite(b *testing.B) {
	spec := testgen.Spec{Count: 10000, Version: 3, MessageID: "BENCH", Seed: 1, Date: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	var ps []*maksa.Payment
	spec.Payments(func(p *maksa.Payment) error {
		ps = append(ps, p)
		return nil
	})
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		w := pain001.NewWriter(&buf, 3)
		if err := w.WriteHeader(&pain001.GroupHeader{MessageID: "BENCH", CreationTime: spec.Date, NbOfTxs: len(ps), InitiatingParty: "Valsts kase"}); err != nil {
			b.Fatal(err)
		}
		for _, p := range ps {
			if err := w.Write(p); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportMetric(float64(len(ps)*b.N)/b.Elapsed().Seconds(), "payments/s")
}
