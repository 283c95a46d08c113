package main_test

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"maksa/internal/test/testdb"
)

// payerFieldsFile is a pain.001.001.09 of one payment with what a payer's
// program may give besides the essentials: an instruction id, the
// creditor's BIC and structured address with its department, ultimate
// debtor and creditor, purpose and category purpose, and a structured
// creditor reference (RF) with no unstructured remittance.
const payerFieldsFile = `<?xml version="1.0" encoding="UTF-8"?>
<p:Document xmlns:p="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">
<p:CstmrCdtTrfInitn>
<p:GrpHdr><p:MsgId>PAYER-FIELDS-1</p:MsgId><p:CreDtTm>2026-11-26T09:00:00</p:CreDtTm><p:NbOfTxs>1</p:NbOfTxs><p:InitgPty><p:Nm>Klients</p:Nm></p:InitgPty></p:GrpHdr>
<p:PmtInf><p:PmtInfId>PI-1</p:PmtInfId><p:PmtMtd>TRF</p:PmtMtd>
<p:PmtTpInf><p:CtgyPurp><p:Cd>SUPP</p:Cd></p:CtgyPurp></p:PmtTpInf>
<p:ReqdExctnDt><p:Dt>2026-11-27</p:Dt></p:ReqdExctnDt>
<p:Dbtr><p:Nm>Klients</p:Nm></p:Dbtr><p:DbtrAcct><p:Id><p:IBAN>%s</p:IBAN></p:Id></p:DbtrAcct>
<p:DbtrAgt><p:FinInstnId><p:BICFI>TRELLV22</p:BICFI></p:FinInstnId></p:DbtrAgt>
<p:UltmtDbtr><p:Nm>Nodokļu pārvalde</p:Nm></p:UltmtDbtr>
<p:CdtTrfTxInf>
<p:PmtId><p:InstrId>INSTR-77</p:InstrId><p:EndToEndId>E2E-RF-1</p:EndToEndId></p:PmtId>
<p:Amt><p:InstdAmt Ccy="EUR">125.40</p:InstdAmt></p:Amt>
<p:CdtrAgt><p:FinInstnId><p:BICFI>HABALV22</p:BICFI></p:FinInstnId></p:CdtrAgt>
<p:Cdtr><p:Nm>SIA Kalniņš &amp; Partneri</p:Nm><p:PstlAdr><p:Dept>Grāmatvedība</p:Dept><p:StrtNm>Brīvības iela</p:StrtNm><p:BldgNb>21</p:BldgNb><p:PstCd>LV-1010</p:PstCd><p:TwnNm>Rīga</p:TwnNm><p:Ctry>LV</p:Ctry></p:PstlAdr></p:Cdtr>
<p:CdtrAcct><p:Id><p:IBAN>LV44HABA0551000000001</p:IBAN></p:Id></p:CdtrAcct>
<p:UltmtCdtr><p:Nm>Ēriks Šteins</p:Nm></p:UltmtCdtr>
<p:Purp><p:Cd>SUPP</p:Cd></p:Purp>
<p:RmtInf><p:Strd><p:CdtrRefInf><p:Tp><p:CdOrPrtry><p:Cd>SCOR</p:Cd></p:CdOrPrtry></p:Tp><p:Ref>RF18539007547034</p:Ref></p:CdtrRefInf></p:Strd></p:RmtInf>
</p:CdtTrfTxInf>
</p:PmtInf>
</p:CstmrCdtTrfInitn>
</p:Document>
`

// TestPaymentShowsWhatThePayerGave: a payment's structured creditor
// reference, instruction id, creditor BIC and address, ultimate debtor and
// creditor, purpose and category purpose are shown by maksa payments
// --json, the API's payment and the console's payment page — a signer
// deciding whether to sign a tax payment sees its RF reference, where its
// remittance is empty.
func TestPaymentShowsWhatThePayerGave(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newAPIEnv(t, b)
			var up struct{ Result struct{ Accepted int } }
			file := fmt.Sprintf(payerFieldsFile, accountA)
			if code := e.call(t, e.client("prep", ""), "POST", "/v1/files?name=rf.xml", bytes.NewReader([]byte(file)), nil, &up); code != 200 || up.Result.Accepted != 1 {
				t.Fatalf("upload: %d, %+v", code, up)
			}
			want := map[string]string{"reference": "RF18539007547034", "instruction_id": "INSTR-77", "creditor_bic": "HABALV22",
				"ultimate_debtor": "Nodokļu pārvalde", "ultimate_creditor": "Ēriks Šteins", "purpose": "SUPP", "category_purpose": "SUPP"}
			check := func(where string, got map[string]any) {
				t.Helper()
				for k, v := range want {
					if got[k] != v {
						t.Errorf("%s: %s = %v, want %q", where, k, got[k], v)
					}
				}
				if a, _ := got["creditor_address"].(map[string]any); a["department"] != "Grāmatvedība" || a["town"] != "Rīga" {
					t.Errorf("%s: creditor_address %v", where, got["creditor_address"])
				}
			}
			var listed []map[string]any
			e.runJSON(0, &listed, "payments")
			if len(listed) != 1 {
				t.Fatalf("maksa payments: %v", listed)
			}
			check("maksa payments --json", listed[0])
			var shown struct {
				Payment map[string]any `json:"payment"`
			}
			e.call(t, e.client("prep", ""), "GET", "/v1/payments/1", nil, nil, &shown)
			check("GET /v1/payments/1", shown.Payment)

			prep, code := e.consoleLogin(t, "prep", "")
			if code != 200 {
				t.Fatalf("prep's login: %d", code)
			}
			_, page := e.page(t, prep, "GET", "/ui/payments/1", nil)
			for _, s := range []string{`<dd id="reference">RF18539007547034</dd>`, "INSTR-77", "Nodokļu pārvalde", "Ēriks Šteins", "Grāmatvedība", "Brīvības iela 21"} {
				if !strings.Contains(page, s) {
					t.Errorf("the console's payment page has no %q", s)
				}
			}
		})
	}
}

// TestQueueShowsWhatIsSigned: a signer's queue shows what each payment is
// for — its creditor reference and remittance, both of which a signature
// covers — in maksa queue (its table and --json), the API's queue and the
// console's queue page.
func TestQueueShowsWhatIsSigned(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newAPIEnv(t, b)
			file := strings.Replace(fmt.Sprintf(payerFieldsFile, accountA), `<p:RmtInf>`, `<p:RmtInf><p:Ustrd>Rēķins Nr. 2026/117 &amp; PVN</p:Ustrd>`, 1)
			var up struct{ Result struct{ Accepted int } }
			if code := e.call(t, e.client("prep", ""), "POST", "/v1/files?name=rf.xml", bytes.NewReader([]byte(file)), nil, &up); code != 200 || up.Result.Accepted != 1 {
				t.Fatalf("upload: %d, %+v", code, up)
			}
			const reference, remittance = "RF18539007547034", "Rēķins Nr. 2026/117 & PVN"
			if out := e.run("queue", "--user", "s1").stdout; !strings.Contains(out, "REMITTANCE") || !strings.Contains(out, reference+" "+remittance) {
				t.Errorf("maksa queue:\n%s", out)
			}
			var lines []map[string]any
			e.runJSON(0, &lines, "queue", "--user", "s1")
			if len(lines) != 1 || lines[0]["reference"] != reference || lines[0]["remittance"] != remittance {
				t.Errorf("maksa queue --json: %v", lines)
			}
			lines = nil
			e.call(t, e.client("s1", ""), "GET", "/v1/queue", nil, nil, &lines)
			if len(lines) != 1 || lines[0]["reference"] != reference || lines[0]["remittance"] != remittance {
				t.Errorf("GET /v1/queue: %v", lines)
			}
			s1, code := e.consoleLogin(t, "s1", "")
			if code != 200 {
				t.Fatalf("s1's login: %d", code)
			}
			_, page := e.page(t, s1, "GET", "/ui/queue", nil)
			if !strings.Contains(page, `<span class="reference">`+reference+`</span> Rēķins Nr. 2026/117 &amp; PVN</td>`) {
				t.Errorf("the console's queue shows no reference and remittance:\n%s", page)
			}
		})
	}
}

// TestSearchFindsWhatThePayerGave: free-text search (maksa payments
// --text, the API's and the console's) finds a payment by its creditor
// reference, instruction id, ultimate creditor or the creditor's street,
// in any case: an accountant looks a tax payment up by its RF reference.
func TestSearchFindsWhatThePayerGave(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newAPIEnv(t, b)
			var up struct{ Result struct{ Accepted int } }
			if code := e.call(t, e.client("prep", ""), "POST", "/v1/files?name=rf.xml", bytes.NewReader([]byte(fmt.Sprintf(payerFieldsFile, accountA))), nil, &up); code != 200 || up.Result.Accepted != 1 {
				t.Fatalf("upload: %d, %+v", code, up)
			}
			for text, n := range map[string]int{"rf18539007547034": 1, "INSTR-77": 1, "ēRIKS ŠTEINS": 1, "brīvības": 1, "nodokļu": 1, "RF00000000000000": 0} {
				var found []map[string]any
				e.runJSON(0, &found, "payments", "--text", text)
				if len(found) != n {
					t.Errorf("maksa payments --text %q: %d found, want %d", text, len(found), n)
				}
				found = nil
				e.call(t, e.client("prep", ""), "GET", "/v1/payments?text="+url.QueryEscape(text), nil, nil, &found)
				if len(found) != n {
					t.Errorf("GET /v1/payments?text=%s: %d found, want %d", text, len(found), n)
				}
			}
		})
	}
}
