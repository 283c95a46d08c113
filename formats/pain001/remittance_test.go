package pain001_test

import (
	"fmt"
	"strings"
	"testing"

	"maksa"
)

// TestStructuredRemittance: what a structured remittance says of the
// documents paid (their type, number and date, and the additional
// remittance information) becomes the remittance text when the payer gave
// no unstructured one, follows the payer's own lines when both fit in 140
// characters, and gives way to them when they would not; the remittance's
// position is its first element.
func TestStructuredRemittance(t *testing.T) {
	invoice := `<RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>INV-7/2026</Nb><RltdDt>2026-11-02</RltdDt></RfrdDocInf>`
	long := strings.Repeat("x", 120)
	tests := []struct {
		name, rmtInf, want, at string
	}{
		{"documents alone", `<Strd>` + invoice + `<RfrdDocInf><Tp><CdOrPrtry><Prtry>AKTS</Prtry></CdOrPrtry></Tp><Nb>A-12</Nb></RfrdDocInf></Strd>`,
			"CINV INV-7/2026 2026-11-02 AKTS A-12", "RmtInf/Strd/RfrdDocInf/Tp/CdOrPrtry/Cd"},
		{"additional information", `<Strd><AddtlRmtInf>Avanss par 2. ceturksni</AddtlRmtInf></Strd>`, "Avanss par 2. ceturksni", "RmtInf/Strd/AddtlRmtInf"},
		{"lines and documents", `<Ustrd>Rēķins</Ustrd><Strd>` + invoice + `</Strd>`, "Rēķins CINV INV-7/2026 2026-11-02", "RmtInf/Ustrd"},
		{"lines that leave no room", `<Ustrd>` + long + `</Ustrd><Strd>` + invoice + `</Strd>`, long, "RmtInf/Ustrd"},
		{"a reference is not a document", `<Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd>`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := fmt.Sprintf(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn>
<GrpHdr><MsgId>RMT</MsgId><CreDtTm>2026-11-25T09:00:00</CreDtTm><NbOfTxs>1</NbOfTxs><InitgPty><Nm>P</Nm></InitgPty></GrpHdr>
<PmtInf><PmtInfId>P1</PmtInfId><PmtMtd>TRF</PmtMtd><ReqdExctnDt><Dt>2026-11-27</Dt></ReqdExctnDt><Dbtr><Nm>P</Nm></Dbtr>
<DbtrAcct><Id><IBAN>LV21TREL9160100000000</IBAN></Id></DbtrAcct><DbtrAgt><FinInstnId><BICFI>TRELLV22</BICFI></FinInstnId></DbtrAgt>
<CdtTrfTxInf><PmtId><EndToEndId>E1</EndToEndId></PmtId><Amt><InstdAmt Ccy="EUR">1.00</InstdAmt></Amt><Cdtr><Nm>C</Nm></Cdtr>
<CdtrAcct><Id><IBAN>LV44HABA0551000000001</IBAN></Id></CdtrAcct><RmtInf>%s</RmtInf></CdtTrfTxInf></PmtInf></CstmrCdtTrfInitn></Document>`, tt.rmtInf)
			_, ps, _, err := readAll("r.xml", []byte(doc))
			if err != nil || len(ps) != 1 {
				t.Fatalf("%d payments, %v", len(ps), err)
			}
			if ps[0].Remittance != tt.want {
				t.Errorf("remittance %q, want %q", ps[0].Remittance, tt.want)
			}
			if at := ps[0].Fields[maksa.FieldRemittance].Path; at != tt.at {
				t.Errorf("remittance at %q, want %q", at, tt.at)
			}
		})
	}
}
