package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"maksa"
	"maksa/importer"
	"maksa/internal/test/testdb"
)

// addressCase is one payment of TestAddressRules.
type addressCase struct {
	e2e     string
	account string // creditor account: an IBAN, or another account number
	bic     string
	address string // the PstlAdr element's content
	code    maksa.Reason
	says    string
}

var addressCases = []addressCase{
	{"A-1", "DE89370400440532013000", "COBADEFFXXX", "", "", ""},
	{"A-2", "DE89370400440532013000", "COBADEFFXXX", "<Ctry>DE</Ctry>", "", ""},
	{"A-3", "DE89370400440532013000", "COBADEFFXXX", "<Dept>Buchhaltung</Dept><SubDept>Kreditoren</SubDept><StrtNm>Hauptstraße</StrtNm><BldgNb>5</BldgNb><BldgNm>Haus B</BldgNm><Flr>3</Flr><PstCd>10115</PstCd><TwnNm>Berlin</TwnNm><DstrctNm>Mitte</DstrctNm><Ctry>DE</Ctry>", "", ""},
	{"A-4", "DE89370400440532013000", "COBADEFFXXX", "<TwnNm>Berlin</TwnNm><Ctry>DE</Ctry><AdrLine>Hauptstraße 5</AdrLine><AdrLine>Hinterhaus</AdrLine>", "", ""},
	{"A-5", "DE89370400440532013000", "COBADEFFXXX", "<Ctry>DE</Ctry><AdrLine>Hauptstraße 5</AdrLine><AdrLine>10115 Berlin</AdrLine>", maksa.BE04, "only address lines"},
	{"A-6", "DE89370400440532013000", "COBADEFFXXX", "<StrtNm>Hauptstraße</StrtNm><BldgNb>5</BldgNb><Ctry>DE</Ctry>", maksa.BE04, "incomplete: it needs the town (TwnNm)"},
	{"A-7", "DE89370400440532013000", "COBADEFFXXX", "<TwnNm>Berlin</TwnNm><Ctry>DE</Ctry><AdrLine>a</AdrLine><AdrLine>b</AdrLine><AdrLine>c</AdrLine>", maksa.BE04, "at most two address lines"},
	{"A-8", "DE89370400440532013000", "COBADEFFXXX", "<TwnNm>Berlin</TwnNm><Ctry>XX</Ctry>", maksa.BE09, `country "XX" is not an ISO 3166 country code`},
	{"A-9", "GB82WEST12345698765432", "WESTGB2LXXX", "", maksa.BE04, "a payment leaving the EEA (GB) needs the creditor's postal address"},
	{"A-10", "GB82WEST12345698765432", "WESTGB2LXXX", "<PstCd>EC1A 1BB</PstCd><TwnNm>London</TwnNm><Ctry>GB</Ctry>", "", ""},
	{"A-11", "DE89370400440532013000", "COBADEFFXXX", "<StrtNm>" + strings.Repeat("S", 71) + "</StrtNm><TwnNm>Berlin</TwnNm><Ctry>DE</Ctry>", maksa.CH16, "creditor's street (StrtNm) is 71 characters long; at most 70"},
	{"A-12", "DE89370400440532013000", "COBADEFFXXX", "<TwnNm>Берлин</TwnNm><Ctry>DE</Ctry>", maksa.RR10, "the Cyrillic script"},
	{"A-13", "000123456789", "CHASUS33XXX", "<StrtNm>Main Street</StrtNm><BldgNb>1</BldgNb><PstCd>10001</PstCd><TwnNm>New York</TwnNm><CtrySubDvsn>NY</CtrySubDvsn><Ctry>US</Ctry>", "", ""},
	{"A-14", "000123456789", "", "<TwnNm>New York</TwnNm><Ctry>US</Ctry>", maksa.RC01, "is not an IBAN: a cross-border payment to such an account names the creditor's bank (BIC)"},
	{"A-15", "000123456789", "CHASUS33XXX", "", maksa.BE04, "a cross-border payment needs the creditor's postal address"},
	{"A-16", "DE89370400440532013000", "COBADEFFXXX", "<Dept>" + strings.Repeat("D", 71) + "</Dept><TwnNm>Berlin</TwnNm><Ctry>DE</Ctry>", maksa.CH16, "creditor's department (Dept) is 71 characters long; at most 70"},
}

// TestAddressRules imports creditors with structured, hybrid, unstructured,
// incomplete and missing addresses as pain.001.001.09 on both databases:
// from 15 November 2026 only structured and hybrid addresses pass, and a
// payment leaving the EEA or to an account that is not an IBAN needs one.
// The structured address, its department and sub-department too, is
// stored and read back whole.
func TestAddressRules(t *testing.T) {
	path := writeAddressPain001(t, t.TempDir())
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := importEnv(t, b)
			var res []importer.Result
			e.runJSON(1, &res, "import", "--user", "acc", path)
			got := problemsByPayment(res[0])
			for i, c := range addressCases {
				ps := got[c.e2e]
				switch {
				case c.code == "" && len(ps) > 0:
					t.Errorf("%s refused: %v", c.e2e, ps)
				case c.code != "" && (len(ps) != 1 || ps[0].Code != c.code || !strings.Contains(ps[0].Message, c.says)):
					t.Errorf("%s: problems %v, want one %s saying %q", c.e2e, ps, c.code, c.says)
				case c.code != "" && c.address != "" && c.code != maksa.RC01:
					want := fmt.Sprintf("/Document/CstmrCdtTrfInitn/PmtInf[%d]/CdtTrfTxInf[%d]/Cdtr/PstlAdr", addressInfo(i)+1, addressTx(i)+1)
					if ps[0].Position.XPath != want {
						t.Errorf("%s: at %s, want %s", c.e2e, ps[0].Position.XPath, want)
					}
				}
			}
			var shown struct {
				Payment struct {
					CreditorAddress maksa.Address `json:"creditor_address"`
				} `json:"payment"`
			}
			e.runJSON(0, &shown, "payments", "show", fmt.Sprint(paymentID(t, e, "A-3")))
			want := maksa.Address{Department: "Buchhaltung", SubDepartment: "Kreditoren", Street: "Hauptstraße", Building: "5", BuildingName: "Haus B", Floor: "3", PostCode: "10115", Town: "Berlin", District: "Mitte", Country: "DE"}
			if shown.Payment.CreditorAddress.String() != want.String() {
				t.Errorf("A-3 stored with the address %+v, want %+v", shown.Payment.CreditorAddress, want)
			}
		})
	}
}

// paymentID returns the id of the payment with the end-to-end id.
func paymentID(t *testing.T, e *env, e2e string) int64 {
	var found []struct {
		ID int64 `json:"payment_id"`
	}
	e.runJSON(0, &found, "payments", "--e2e", e2e)
	if len(found) != 1 {
		t.Fatalf("payments --e2e %s: %d found", e2e, len(found))
	}
	return found[0].ID
}

// The cases go into two PmtInf blocks: the euro ones from the EUR account,
// the others (an account that is not an IBAN) from the USD account.
func addressInfo(i int) int {
	if addressCases[i].account[0] >= 'A' {
		return 0
	}
	return 1
}

func addressTx(i int) int {
	n := 0
	for j := range i {
		if addressInfo(j) == addressInfo(i) {
			n++
		}
	}
	return n
}

func writeAddressPain001(t *testing.T, dir string) string {
	var blocks [2]strings.Builder
	for i, c := range addressCases {
		account := "<IBAN>" + c.account + "</IBAN>"
		if c.account[0] < 'A' {
			account = "<Othr><Id>" + c.account + "</Id></Othr>"
		}
		agent := ""
		if c.bic != "" {
			agent = "<CdtrAgt><FinInstnId><BICFI>" + c.bic + "</BICFI></FinInstnId></CdtrAgt>"
		}
		address := ""
		if c.address != "" {
			address = "<PstlAdr>" + c.address + "</PstlAdr>"
		}
		charges := ""
		if addressInfo(i) == 1 {
			charges = "<ChrgBr>SHAR</ChrgBr>"
		}
		fmt.Fprintf(&blocks[addressInfo(i)], `<CdtTrfTxInf><PmtId><EndToEndId>%s</EndToEndId></PmtId><Amt><InstdAmt Ccy="%s">1.%02d</InstdAmt></Amt>%s
%s<Cdtr><Nm>Empfänger %d</Nm>%s</Cdtr><CdtrAcct><Id>%s</Id></CdtrAcct><RmtInf><Ustrd>Rechnung %d</Ustrd></RmtInf></CdtTrfTxInf>
`, c.e2e, []string{"EUR", "USD"}[addressInfo(i)], i, charges, agent, i, address, account, i)
	}
	info := func(n int, debtor string) string {
		return fmt.Sprintf(`<PmtInf><PmtInfId>P%d</PmtInfId><PmtMtd>TRF</PmtMtd><ReqdExctnDt><Dt>2026-11-27</Dt></ReqdExctnDt><Dbtr><Nm>Testa pašvaldība</Nm></Dbtr>
<DbtrAcct><Id><IBAN>%s</IBAN></Id></DbtrAcct><DbtrAgt><FinInstnId><BICFI>TRELLV22</BICFI></FinInstnId></DbtrAgt>
%s</PmtInf>`, n+1, debtor, blocks[n].String())
	}
	doc := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn>
<GrpHdr><MsgId>ADDR-1</MsgId><CreDtTm>2026-11-25T09:00:00</CreDtTm><NbOfTxs>%d</NbOfTxs><InitgPty><Nm>Testa pašvaldība</Nm></InitgPty></GrpHdr>
%s
%s
</CstmrCdtTrfInitn></Document>
`, len(addressCases), info(0, "LV21TREL9160100000000"), info(1, "LV28TREL9160300000003"))
	path := filepath.Join(dir, "addresses.xml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAddressColumns: CSV (Latvian headers) and XLSX (English headers)
// carry the creditor's address in columns, checked by the same rules, the
// problem placed at the address's column. Settling before 15 November 2026
// an address of lines alone still passes.
func TestAddressColumns(t *testing.T) {
	rows := []struct {
		e2e, iban, street, building, postCode, town, country, line string
		code                                                       maksa.Reason
		before                                                     maksa.Reason // settling on 2026-11-12
	}{
		{"C-1", "DE89370400440532013000", "Hauptstraße", "5", "10115", "Berlin", "DE", "", "", ""},
		{"C-2", "DE89370400440532013000", "", "", "", "", "DE", "Hauptstraße 5, 10115 Berlin", maksa.BE04, ""},
		{"C-3", "DE89370400440532013000", "Hauptstraße", "5", "", "", "DE", "", maksa.BE04, ""},
		{"C-4", "GB82WEST12345698765432", "", "", "", "", "", "", maksa.BE04, maksa.BE04},
		{"C-5", "DE89370400440532013000", "", "", "", "Berlin", "XX", "", maksa.BE09, maksa.BE09},
	}
	headers := map[string][]string{
		"csv":  {"Dokumenta Nr.", "Maksātāja konts", "Saņēmējs", "Saņēmēja konts", "Saņēmēja banka", "Summa", "Valūta", "Izpildes datums", "Mērķis", "Iela", "Mājas numurs", "Pasta indekss", "Pilsēta", "Valsts", "Adrese"},
		"xlsx": {"Document No.", "Payer account", "Beneficiary", "Beneficiary account", "BIC", "Amount", "Currency", "Execution date", "Details", "Street", "Building number", "Post code", "Town", "Country", "Address line"},
	}
	addressColumns := map[string]bool{}
	for _, h := range headers {
		for _, c := range h[9:] {
			addressColumns[c] = true
		}
	}
	for _, when := range []struct{ now, date string }{{testNow, "2026-11-27"}, {"2026-11-10T10:00:00+02:00", "2026-11-12"}} {
		for _, format := range []string{"csv", "xlsx"} {
			t.Run(when.date+"/"+format, func(t *testing.T) {
				var cells [][]string
				for i, r := range rows {
					cells = append(cells, []string{r.e2e, "LV21TREL9160100000000", "Empfänger", r.iban, "COBADEFFXXX", fmt.Sprintf("1.%02d", i), "EUR", when.date, "Rechnung",
						r.street, r.building, r.postCode, r.town, r.country, r.line})
				}
				path := writeTable(t, format, headers[format], cells)
				e := importEnv(t, testdb.Backends(t)[0])
				e.now = when.now
				var res []importer.Result
				e.runJSON(1, &res, "import", "--user", "acc", path)
				got := problemsByPayment(res[0])
				for _, r := range rows {
					want := r.code
					if when.date == "2026-11-12" {
						want = r.before
					}
					ps := got[r.e2e]
					switch {
					case want == "" && len(ps) > 0:
						t.Errorf("%s refused: %v", r.e2e, ps)
					case want != "" && (len(ps) != 1 || ps[0].Code != want):
						t.Errorf("%s: problems %v, want one %s", r.e2e, ps, want)
					case want != "" && r.e2e != "C-4" && !addressColumns[ps[0].Position.Field]:
						t.Errorf("%s: problem at %+v, not at an address column", r.e2e, ps[0].Position)
					}
				}
			})
		}
	}
}

// writeTable writes a CSV (UTF-8, ";") or XLSX file of a header and rows.
func writeTable(t *testing.T, format string, header []string, rows [][]string) string {
	path := filepath.Join(t.TempDir(), "table."+format)
	if format == "csv" {
		var b strings.Builder
		for _, r := range append([][]string{header}, rows...) {
			b.WriteString(strings.Join(r, ";") + "\n")
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	x := excelize.NewFile()
	for i, r := range append([][]string{header}, rows...) {
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = v
		}
		x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &cells)
	}
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}
