package main_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/formats/pain001"
	"maksa/internal/test/testdb"
	"maksa/nightly"
)

// TestClearingFileEPC sends payments to suppliers with names, addresses
// and remittance that are Latin but not EPC basic Latin, and checks the
// clearing file against the EPC rules (checkEPC) and its XSD, on both
// databases; the statement keeps the original text.
func TestClearingFileEPC(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newSigningEnv(t, b)
			path := filepath.Join(e.dir, "suppliers.xml")
			f, _ := os.Create(path)
			w := pain001.NewWriter(f, 9)
			payments := []*maksa.Payment{
				{EndToEndID: "EPC-1", CreditorName: "Müller & Söhne GmbH", CreditorIBAN: "DE89370400440532013000", CreditorBIC: "COBADEFFXXX",
					CreditorAddress: maksa.Address{Department: "Buchführung", Street: "Große Straße", Building: "5", PostCode: "10115", Town: "Berlin", Country: "DE"}, Remittance: "Invoice #12 & #13 – „Brot“"},
				{EndToEndID: "EPC-2", CreditorName: "Łódź Sp. z o.o.", CreditorIBAN: "PL61109010140000071219812874",
					CreditorAddress: maksa.Address{Town: "Łódź", Country: "PL", Lines: []string{"ul. Piotrkowska 12"}}, Reference: "RF18539007547034"},
				{EndToEndID: "EPC-3", CreditorName: "SIA „Kokmateriāli“", CreditorIBAN: "LV44HABA0551000000001", Remittance: "Rēķins Nr. 5", Reference: "RF18539007547034"},
			}
			w.WriteHeader(&pain001.GroupHeader{MessageID: "EPC", CreationTime: testTime, NbOfTxs: len(payments), CtrlSum: decimal.RequireFromString("6.00"), InitiatingParty: "Klients"})
			for _, p := range payments {
				p.PaymentInfoID, p.DebtorIBAN, p.DebtorName, p.CreditorIsIBAN = "P1", accountA, "Rīgas pilsētas pašvaldība", true
				p.Amount, p.Currency, p.ExecutionDate = decimal.RequireFromString("2.00"), "EUR", date(2026, 11, 27)
				w.Write(p)
			}
			w.Close()
			f.Close()
			if sum := paidOut(e, path); sum.Outbound != 3 {
				t.Fatalf("summary %+v", sum)
			}
			clearing := readSent(t, filepath.Join(e.home, "outbound", batchDay, batchDay+".pain001.xml"), "pain.001.001.09.xsd")
			data, _ := os.ReadFile(filepath.Join(e.home, "outbound", batchDay, batchDay+".pain001.xml"))
			checkEPC(t, data)
			for _, want := range []string{"<Nm>Muller + Sohne GmbH</Nm>", "<Dept>Buchfuhrung</Dept><StrtNm>Grosse Strasse</StrtNm>", "<Ustrd>Invoice No.12 + No.13 - &#39;Brot&#39;</Ustrd>",
				"<TwnNm>Lodz</TwnNm>", "<Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF18539007547034</Ref>", "<Ustrd>RF18539007547034 Rekins Nr. 5</Ustrd>",
				"<BICFI>TRELLV22</BICFI>", "<TwnNm>Riga</TwnNm>"} {
				if !bytes.Contains(data, []byte(want)) {
					t.Errorf("the clearing file lacks %s", want)
				}
			}
			if len(clearing.E2E) != 3 {
				t.Errorf("clearing file holds %v", clearing.E2E)
			}
			statement, _ := os.ReadFile(filepath.Join(e.home, "statements", accountA, batchDay+".camt053.xml"))
			if !bytes.Contains(statement, []byte("Müller &amp; Söhne GmbH")) {
				t.Error("the statement does not keep the creditor's name as written")
			}
		})
	}
}

// TestClearingFileDocuments imports a file whose payments say what they pay
// in a structured remittance (invoice numbers and dates, additional
// remittance information) and no Ustrd, as accounting programs write
// them: the clearing file, where the EPC lets only a creditor reference be
// structured, carries them as the unstructured remittance, and so does the
// statement.
func TestClearingFileDocuments(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newSigningEnv(t, b)
			tx := func(e2e, rmtInf string) string {
				return `<CdtTrfTxInf><PmtId><EndToEndId>` + e2e + `</EndToEndId></PmtId><Amt><InstdAmt Ccy="EUR">2.00</InstdAmt></Amt>
<Cdtr><Nm>SIA Kokmateriali</Nm></Cdtr><CdtrAcct><Id><IBAN>LV44HABA0551000000001</IBAN></Id></CdtrAcct><RmtInf>` + rmtInf + `</RmtInf></CdtTrfTxInf>`
			}
			doc := `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn>
<GrpHdr><MsgId>DOCS-1</MsgId><CreDtTm>2026-11-25T09:00:00</CreDtTm><NbOfTxs>2</NbOfTxs><CtrlSum>4.00</CtrlSum><InitgPty><Nm>Klients</Nm></InitgPty></GrpHdr>
<PmtInf><PmtInfId>P1</PmtInfId><PmtMtd>TRF</PmtMtd><ReqdExctnDt>` + batchDay + `</ReqdExctnDt><Dbtr><Nm>Rigas pasvaldiba</Nm></Dbtr>
<DbtrAcct><Id><IBAN>` + accountA + `</IBAN></Id></DbtrAcct><DbtrAgt><FinInstnId><BIC>TRELLV22</BIC></FinInstnId></DbtrAgt>
` + tx("DOC-1", `<Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>INV-7/2026</Nb><RltdDt>2026-11-02</RltdDt></RfrdDocInf></Strd>`) + `
` + tx("DOC-2", `<Strd><AddtlRmtInf>Avanss par 4. ceturksni</AddtlRmtInf></Strd>`) + `
</PmtInf></CstmrCdtTrfInitn></Document>`
			path := filepath.Join(e.dir, "documents.xml")
			if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			if sum := paidOut(e, path); sum.Outbound != 2 {
				t.Fatalf("summary %+v", sum)
			}
			clearingPath := filepath.Join(e.home, "outbound", batchDay, batchDay+".pain001.xml")
			readSent(t, clearingPath, "pain.001.001.09.xsd")
			data, _ := os.ReadFile(clearingPath)
			checkEPC(t, data)
			statement, _ := os.ReadFile(filepath.Join(e.home, "statements", accountA, batchDay+".camt053.xml"))
			for _, want := range []string{"<Ustrd>CINV INV-7/2026 2026-11-02</Ustrd>", "<Ustrd>Avanss par 4. ceturksni</Ustrd>"} {
				if !bytes.Contains(data, []byte(want)) {
					t.Errorf("the clearing file lacks %s", want)
				}
				if !bytes.Contains(statement, []byte(want)) {
					t.Errorf("the statement lacks %s", want)
				}
			}
		})
	}
}

// paidOut imports the file at path as prep, signs its payments at both
// levels and runs the night of batchDay; it returns the night's summary.
func paidOut(e *signingEnv, path string) nightly.Summary {
	e.mustRun(0, "import", "--user", "prep", path)
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--all")
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s2", "--key", e.signers["s2"].key, "--all")
	var sum nightly.Summary
	e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", batchDay)
	return sum
}

// checkEPC checks a clearing file against the EPC SCT Customer-to-PSP
// rules maksa follows, reading the XML on its own: every text in the EPC
// basic Latin character set; the ISO lengths (names and address lines 70,
// Ustrd 140, ids 35); a SEPA payment (EUR to an IBAN, no other service
// level) with SvcLvl SEPA and ChrgBr SLEV; the debtor's agent a BIC; every
// address structured or hybrid (TwnNm and Ctry, at most two AdrLine);
// remittance structured or unstructured, not both.
func checkEPC(t *testing.T, data []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	var path []string
	type tx struct {
		values map[string][]string
	}
	var cur, info *tx
	fail := func(format string, args ...any) { t.Errorf("EPC rules: "+format, args...) }
	limits := map[string]int{"Nm": 70, "AdrLine": 70, "Dept": 70, "SubDept": 70, "StrtNm": 70, "TwnNm": 35, "PstCd": 16, "BldgNb": 16, "Ustrd": 140, "EndToEndId": 35,
		"InstrId": 35, "PmtInfId": 35, "MsgId": 35, "Ref": 35}
	checkAddress := func(v map[string][]string, who string) {
		prefix := who + "/PstlAdr/"
		has := func(el string) bool { return len(v[prefix+el]) > 0 }
		any := false
		for k := range v {
			any = any || strings.HasPrefix(k, prefix)
		}
		if any && (!has("TwnNm") || !has("Ctry") || len(v[prefix+"AdrLine"]) > 2) {
			fail("%s address is neither structured nor hybrid: %v", who, v)
		}
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			path = append(path, tok.Name.Local)
			switch tok.Name.Local {
			case "PmtInf":
				info = &tx{values: map[string][]string{}}
			case "CdtTrfTxInf":
				cur = &tx{values: map[string][]string{}}
			}
		case xml.CharData:
			s := string(tok)
			if strings.TrimSpace(s) == "" || len(path) == 0 {
				continue
			}
			for _, r := range s {
				if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-?:().,'+ ", r)) {
					fail("%s %q holds %q, outside the EPC basic Latin set", strings.Join(path, "/"), s, r)
				}
			}
			leaf := path[len(path)-1]
			if n, ok := limits[leaf]; ok && utf8.RuneCountInString(s) > n {
				fail("%s %q is longer than %d", strings.Join(path, "/"), s, n)
			}
			target, rel := info, path[3:]
			if cur != nil && len(path) > 4 && path[3] == "CdtTrfTxInf" {
				target, rel = cur, path[4:]
			}
			if target != nil {
				key := strings.Join(rel, "/")
				target.values[key] = append(target.values[key], s)
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "CdtTrfTxInf":
				v := cur.values
				if v["Amt/InstdAmt"] != nil && len(v["CdtrAcct/Id/IBAN"]) > 0 && len(v["PmtTpInf/SvcLvl/Cd"]) > 0 && v["PmtTpInf/SvcLvl/Cd"][0] == "SEPA" {
					if fmt.Sprint(v["ChrgBr"]) != "[SLEV]" {
						fail("SEPA payment %v without ChrgBr SLEV", v["PmtId/EndToEndId"])
					}
				} else if len(v["CdtrAcct/Id/IBAN"]) > 0 && len(v["PmtTpInf/SvcLvl/Cd"]) == 0 {
					fail("payment %v to an IBAN has no service level", v["PmtId/EndToEndId"])
				}
				if len(v["RmtInf/Ustrd"]) > 0 && len(v["RmtInf/Strd/CdtrRefInf/Ref"]) > 0 {
					fail("payment %v has structured and unstructured remittance", v["PmtId/EndToEndId"])
				}
				checkAddress(v, "Cdtr")
				cur = nil
			case "PmtInf":
				if len(info.values["DbtrAgt/FinInstnId/BICFI"]) == 0 {
					fail("payment information %v names no debtor agent BIC", info.values["PmtInfId"])
				}
				checkAddress(info.values, "Dbtr")
				if len(info.values["Dbtr/PstlAdr/TwnNm"]) == 0 {
					fail("payment information %v has no debtor address", info.values["PmtInfId"])
				}
			}
			path = path[:len(path)-1]
		}
	}
}
