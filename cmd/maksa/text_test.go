package main_test

import (
	"encoding/csv"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"maksa"
	"maksa/importer"
	"maksa/internal/test/testdb"
)

// textCase is one payment of TestTextRules: its texts and the code it must
// be refused with ("" when accepted).
type textCase struct {
	e2e, name, remittance string
	code                  maksa.Reason
	says                  string // a piece of the message
}

var textCases = []textCase{
	{"T-1", "Müller GmbH", "Invoice #12 & #13", "", ""},
	{"T-2", "OÜ Põhjala Õlu", `Arve <5> [a] {b} $ @ % * ; = _ " ! ~`, "", ""},
	{"T-3", "Zürcher Bäckerei AG", "Rechnung Nr. 5 – „Brot“ € 12", "", ""},
	{"T-4", "Łódź Sp. z o.o.", "Faktura 7/2026, Žalgiris UAB, Ørsted A/S, Şişli A.Ş.", "", ""},
	{"T-5", "Mu\u0308ller KG", "a decomposed ü", "", ""},
	{"T-6", strings.Repeat("N", 66) + " SIA", "a name of exactly 70 characters", "", ""},
	{"T-7", strings.Repeat("N", 67) + " SIA", "71 characters", maksa.CH16, "creditor name is 71 characters long; at most 70"},
	{"T-8", "Anna\u00a0Bērziņa", "no-break space", maksa.RR10, "U+00A0 NO-BREAK SPACE"},
	{"T-9", "Anna\u200dBērziņa", "zero-width joiner", maksa.RR10, "U+200D ZERO WIDTH JOINER"},
	{"T-10", "Anna Bērziņa\u200f", "right-to-left mark", maksa.RR10, "U+200F RIGHT-TO-LEFT MARK"},
	{"T-11", "Anna Bērziņa 😀", "emoji", maksa.RR10, "U+1F600 GRINNING FACE"},
	{"T-12", "Ivan Pеtrov", "a Cyrillic look-alike among Latin letters", maksa.RR10, "U+0435 CYRILLIC SMALL LETTER IE, the Cyrillic script) at character 7"},
	{"T-13", "Αθήνα AE", "Greek", maksa.RR10, "the Greek script"},
	{"T-14", "Jānis Ozols", strings.Repeat("r", 140), "", ""},
	{"T-15", "Jānis Ozols", strings.Repeat("r", 141), maksa.RR07, "remittance information is 141 characters long; at most 140"},
	{strings.Repeat("E", 35), "Jānis Ozols", "an id of 35 characters", "", ""},
	{strings.Repeat("E", 36), "Jānis Ozols", "an id of 36 characters", maksa.CH16, "end-to-end id is 36 characters long; at most 35"},
}

// TestTextRules imports the same payments as pain.001, CSV and XLSX, on
// SQLite and PostgreSQL: the names and texts of Europe's suppliers pass,
// every other script, invisible character and over-long value is refused
// alone, with its code, position and a message naming the character.
func TestTextRules(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"text.xml":  writeTextPain001(t, dir),
		"text.csv":  writeTextCSV(t, dir),
		"text.xlsx": writeTextXLSX(t, dir),
	}
	for _, b := range testdb.Backends(t) {
		for name, path := range files {
			t.Run(b.Name+"/"+name, func(t *testing.T) {
				e := importEnv(t, b)
				var res []importer.Result
				e.runJSON(1, &res, "import", "--user", "acc", path)
				got := problemsByPayment(res[0])
				refused := 0
				for i, c := range textCases {
					ps := got[c.e2e]
					if c.code == "" {
						if len(ps) > 0 {
							t.Errorf("%s (%q, %q) refused: %v", c.e2e, c.name, c.remittance, ps)
						}
						continue
					}
					refused++
					if len(ps) != 1 || ps[0].Code != c.code || !strings.Contains(ps[0].Message, c.says) {
						t.Errorf("%s: problems %v, want one %s saying %q", c.e2e, ps, c.code, c.says)
						continue
					}
					checkTextPosition(t, name, i, c, ps[0].Position)
				}
				if res[0].Accepted != len(textCases)-refused {
					t.Errorf("%d accepted, want %d", res[0].Accepted, len(textCases)-refused)
				}
			})
		}
	}
}

// checkTextPosition: the problem points at the field, in the file's terms.
func checkTextPosition(t *testing.T, file string, i int, c textCase, pos maksa.Position) {
	t.Helper()
	field := map[maksa.Reason]string{maksa.RR07: "RmtInf/Ustrd", maksa.CH16: "Cdtr/Nm", maksa.RR10: "Cdtr/Nm"}[c.code]
	column := map[maksa.Reason]string{maksa.RR07: "Details", maksa.CH16: "Beneficiary", maksa.RR10: "Beneficiary"}[c.code]
	cell := map[maksa.Reason]string{maksa.RR07: "I", maksa.CH16: "C", maksa.RR10: "C"}[c.code]
	if strings.HasPrefix(c.e2e, "EEE") {
		field, column, cell = "PmtId/EndToEndId", "Document No.", "A"
	}
	var want maksa.Position
	switch filepath.Ext(file) {
	case ".xml":
		want = maksa.Position{XPath: fmt.Sprintf("/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[%d]/%s", i+1, field)}
		pos.Line, pos.Column = 0, 0
	case ".csv":
		want = maksa.Position{Line: i + 2, Field: column}
	case ".xlsx":
		want = maksa.Position{Sheet: "Payments", Cell: fmt.Sprintf("%s%d", cell, i+2), Field: column}
	}
	want.File = file
	if pos != want {
		t.Errorf("%s: problem at %+v, want %+v", c.e2e, pos, want)
	}
}

func writeTextPain001(t *testing.T, dir string) string {
	var txs strings.Builder
	sum := 0
	for i, c := range textCases {
		sum += 100 + i
		fmt.Fprintf(&txs, `<CdtTrfTxInf><PmtId><EndToEndId>%s</EndToEndId></PmtId><Amt><InstdAmt Ccy="EUR">%d.%02d</InstdAmt></Amt>
<CdtrAgt><FinInstnId><BIC>HABALV22</BIC></FinInstnId></CdtrAgt><Cdtr><Nm>%s</Nm></Cdtr><CdtrAcct><Id><IBAN>LV44HABA0551000000001</IBAN></Id></CdtrAcct>
<RmtInf><Ustrd>%s</Ustrd></RmtInf></CdtTrfTxInf>
`, html.EscapeString(c.e2e), (100+i)/100, (100+i)%100, html.EscapeString(c.name), html.EscapeString(c.remittance))
	}
	doc := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn>
<GrpHdr><MsgId>TEXT-1</MsgId><CreDtTm>2026-11-25T09:00:00</CreDtTm><NbOfTxs>%d</NbOfTxs><CtrlSum>%d.%02d</CtrlSum><InitgPty><Nm>Testa pašvaldība</Nm></InitgPty></GrpHdr>
<PmtInf><PmtInfId>P1</PmtInfId><PmtMtd>TRF</PmtMtd><ReqdExctnDt>2026-11-27</ReqdExctnDt><Dbtr><Nm>Testa pašvaldība</Nm></Dbtr>
<DbtrAcct><Id><IBAN>LV21TREL9160100000000</IBAN></Id></DbtrAcct><DbtrAgt><FinInstnId><BIC>TRELLV22</BIC></FinInstnId></DbtrAgt>
%s</PmtInf></CstmrCdtTrfInitn></Document>
`, len(textCases), sum/100, sum%100, txs.String())
	path := filepath.Join(dir, "text.xml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var textHeader = []string{"Document No.", "Payer account", "Beneficiary", "Beneficiary account", "BIC", "Amount", "Currency", "Execution date", "Details"}

func textRow(i int, c textCase) []string {
	return []string{c.e2e, "LV21TREL9160100000000", c.name, "LV44HABA0551000000001", "HABALV22", fmt.Sprintf("%d.%02d", (100+i)/100, (100+i)%100), "EUR", "2026-11-27", c.remittance}
}

func writeTextCSV(t *testing.T, dir string) string {
	path := filepath.Join(dir, "text.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(textHeader)
	for i, c := range textCases {
		w.Write(textRow(i, c))
	}
	w.Flush()
	if err := f.Close(); err != nil || w.Error() != nil {
		t.Fatal(err, w.Error())
	}
	return path
}

func writeTextXLSX(t *testing.T, dir string) string {
	x := excelize.NewFile()
	x.SetSheetName("Sheet1", "Payments")
	row := func(n int, values []string) {
		cells := make([]any, len(values))
		for i, v := range values {
			cells[i] = v
		}
		x.SetSheetRow("Payments", fmt.Sprintf("A%d", n), &cells)
	}
	row(1, textHeader)
	for i, c := range textCases {
		row(i+2, textRow(i, c))
	}
	path := filepath.Join(dir, "text.xlsx")
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTemplateText: a template's texts pass the same rules as a file's —
// "Müller & Söhne" is saved and paid from, a Cyrillic name is refused when
// the template is saved, with RR10 naming the character.
func TestTemplateText(t *testing.T) {
	e := kindsEnv(t, testdb.Backends(t)[0], "")
	dir := t.TempDir()
	template := func(name, creditor string) string {
		path := filepath.Join(dir, name+".yaml")
		doc := fmt.Sprintf("client: \"90000012345\"\nname: %s\naccount: LV21TREL9160100000000\ncreditor_name: %q\ncreditor_iban: LV44HABA0551000000001\nremittance: \"Rechnung #5 & #6\"\n", name, creditor)
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	e.mustRun(0, "template", "add", "--file", template("mueller", "Müller & Söhne GmbH"), "--user", "prep")
	var res []importer.Result
	e.runJSON(0, &res, "pay", "--user", "prep", "--template", "mueller", "--amount", "12.50", "--date", "2026-11-27")
	if res[0].Accepted != 1 {
		t.Errorf("a payment from the template: %+v", res[0])
	}
	r := e.mustRun(1, "template", "add", "--file", template("ivan", "Иван Петров"), "--user", "prep")
	if !strings.Contains(r.stderr, "RR10") || !strings.Contains(r.stderr, "U+0418 CYRILLIC CAPITAL LETTER I") {
		t.Errorf("a Cyrillic template name: %s", r.stderr)
	}
}

// TestCreditorReference: an RF creditor reference (ISO 11649) is checked
// by its check digits at import (RR07 at its column); another reference
// passes as it is.
func TestCreditorReference(t *testing.T) {
	header := []string{"Document No.", "Payer account", "Beneficiary", "Beneficiary account", "BIC", "Amount", "Currency", "Execution date", "Reference"}
	rows := [][]string{
		{"R-1", "LV21TREL9160100000000", "Anna Kalniņa", "LV44HABA0551000000001", "HABALV22", "1.01", "EUR", "2026-11-27", "RF18539007547034"},
		{"R-2", "LV21TREL9160100000000", "Anna Kalniņa", "LV44HABA0551000000001", "HABALV22", "1.02", "EUR", "2026-11-27", "RF18539007547035"},
		{"R-3", "LV21TREL9160100000000", "Anna Kalniņa", "LV44HABA0551000000001", "HABALV22", "1.03", "EUR", "2026-11-27", "2026/17"},
	}
	e := importEnv(t, testdb.Backends(t)[0])
	var res []importer.Result
	e.runJSON(1, &res, "import", "--user", "acc", writeTable(t, "csv", header, rows))
	if ps := res[0].Problems; len(ps) != 1 || ps[0].EndToEndID != "R-2" || ps[0].Code != maksa.RR07 || !strings.Contains(ps[0].Message, "check digits") {
		t.Errorf("problems %v, want one RR07 for R-2's check digits", ps)
	}
}

// problemsByPayment groups an import's problems by end-to-end id.
func problemsByPayment(r importer.Result) map[string][]maksa.Problem {
	got := map[string][]maksa.Problem{}
	for _, p := range r.Problems {
		got[p.EndToEndID] = append(got[p.EndToEndID], p)
	}
	return got
}
