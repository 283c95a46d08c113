package main_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"maksa/formats/fidavista"
	"maksa/internal/test/testdb"
	"maksa/internal/test/xsdcheck"
)

// fidavistaDoc is an independent reader of FiDAViSTA statements: the
// structure the public samples have (Swedbank's, Pohjola's), read with
// encoding/xml and nothing of maksa's.
type fidavistaDoc struct {
	XMLName xml.Name `xml:"FIDAVISTA"`
	Header  struct {
		Timestamp string `xml:"Timestamp"`
		From      string `xml:"From"`
	} `xml:"Header"`
	Statement struct {
		Period struct {
			StartDate, EndDate, PrepDate string
		} `xml:"Period"`
		BankSet struct {
			Name, LegalId, Address string
		} `xml:"BankSet"`
		ClientSet struct {
			Name, LegalId string
		} `xml:"ClientSet"`
		AccountSet struct {
			AccNo   string `xml:"AccNo"`
			CcyStmt struct {
				Ccy      string `xml:"Ccy"`
				OpenBal  string `xml:"OpenBal"`
				CloseBal string `xml:"CloseBal"`
				TrxSet   []struct {
					TypeCode, TypeName, BookDate, BankRef, ExtId, DocNo, CorD, AccAmt, PmtInfo string
					CPartySet                                                                  struct {
						AccNo     string `xml:"AccNo"`
						AccHolder struct {
							Name string `xml:"Name"`
						} `xml:"AccHolder"`
						BankCode string `xml:"BankCode"`
					} `xml:"CPartySet"`
				} `xml:"TrxSet"`
			} `xml:"CcyStmt"`
		} `xml:"AccountSet"`
	} `xml:"Statement"`
}

func readFiDAViSTA(t *testing.T, path string) fidavistaDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc fidavistaDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

// TestFiDAViSTAStatement exports a statement of a night's payments as
// FiDAViSTA 1.01, from the CLI and the API, and reads it back with a
// reader that reads the public samples too: the same structure, balances
// that add up, each amount the ledger's, Latvian letters kept.
func TestFiDAViSTAStatement(t *testing.T) {
	// The samples themselves (AGPL or without a licence) are not copied
	// into testdata: their element paths are below, and the samples are
	// read too where the shared corpus lies beside the repository.
	samples := repo("../shared/corpus/fidavista")
	if _, err := os.Stat(samples); err != nil {
		t.Logf("the shared corpus is not beside the repository: the structure is checked against the paths the samples have (samplePaths)")
		samples = ""
	}
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newAPIEnv(t, b)
			e.mustRun(0, "import", "--user", "prep", writeTemp(t, "f.xml", payFile(t, "FIDA-1", 5)))
			for _, u := range []string{"s1", "s2"} {
				for id := int64(1); id <= 5; id++ {
					if c := e.signOverAPI(t, u, id); c != 200 {
						t.Fatalf("%s signs %d: %d", u, id, c)
					}
				}
			}
			e.mustRun(0, "batch", "run", "--ahead", "--date", batchDay)
			out := filepath.Join(t.TempDir(), "st.fidavista.xml")
			e.mustRun(0, "export", "statement", "--account", accountA, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "fidavista", "--out", out)
			doc := readFiDAViSTA(t, out)
			st := doc.Statement
			if doc.XMLName.Space != fidavista.Namespace || st.AccountSet.AccNo != accountA || st.AccountSet.CcyStmt.Ccy != "EUR" ||
				st.BankSet.Name != "Valsts kase" || !strings.Contains(st.BankSet.Address, "Smilšu") || st.ClientSet.Name != "Klients" || len(doc.Header.Timestamp) != 17 {
				t.Errorf("header: %+v %+v %+v", doc.Header, st.BankSet, st.ClientSet)
			}
			trx := st.AccountSet.CcyStmt.TrxSet
			if len(trx) != 5 {
				t.Fatalf("%d transactions, want the 5 executed", len(trx))
			}
			var executed []struct {
				EndToEndID string `json:"end_to_end_id"`
				Amount     string `json:"amount"`
			}
			e.runJSON(0, &executed, "payments", "--status", "ACSC", "--account", accountA)
			amounts := map[string]string{}
			for _, p := range executed {
				amounts[p.EndToEndID] = p.Amount
			}
			balance := decimal.RequireFromString(st.AccountSet.CcyStmt.OpenBal)
			for _, x := range trx {
				if x.CorD != "D" || x.TypeCode != "OUTP" || x.TypeName != "NTRF" || x.BookDate != batchDay || amounts[x.ExtId] != x.AccAmt ||
					x.CPartySet.AccHolder.Name == "" || x.CPartySet.BankCode == "" {
					t.Errorf("transaction %+v (the ledger says %s)", x, amounts[x.ExtId])
				}
				balance = balance.Sub(decimal.RequireFromString(x.AccAmt))
			}
			if !balance.Equal(decimal.RequireFromString(st.AccountSet.CcyStmt.CloseBal)) {
				t.Errorf("opening %s minus the debits is %s, the closing balance says %s", st.AccountSet.CcyStmt.OpenBal, balance, st.AccountSet.CcyStmt.CloseBal)
			}
			var api []byte
			if code := e.call(t, e.client("prep", ""), "GET", "/v1/statements/"+accountA+"?from=2026-11-01&to=2026-11-30&format=fidavista", nil, nil, &api); code != 200 {
				t.Fatalf("API: %d", code)
			}
			var fromAPI fidavistaDoc
			if err := xml.Unmarshal(api, &fromAPI); err != nil || len(fromAPI.Statement.AccountSet.CcyStmt.TrxSet) != 5 || fromAPI.Statement.AccountSet.CcyStmt.CloseBal != st.AccountSet.CcyStmt.CloseBal {
				t.Errorf("the API's FiDAViSTA statement: %v, %+v", err, fromAPI.Statement.AccountSet.CcyStmt)
			}
			// Every element maksa writes is one a public sample has, at the
			// same place.
			known := map[string]bool{"FIDAVISTA": true}
			for _, p := range samplePaths {
				known["FIDAVISTA/"+p] = true
			}
			for _, name := range []string{"intrade_example.xml", "odoolv_fidavista_example.xml"} {
				if samples == "" {
					break
				}
				s := readFiDAViSTA(t, filepath.Join(samples, name))
				if len(s.Statement.AccountSet.CcyStmt.TrxSet) == 0 || s.Statement.AccountSet.CcyStmt.CloseBal == "" || strings.TrimSpace(s.Statement.AccountSet.AccNo) == "" {
					t.Errorf("the reader does not read the public sample %s: %+v", name, s.Statement.AccountSet)
				}
				for p := range elementPaths(t, filepath.Join(samples, name)) {
					known[p] = true
				}
			}
			for p := range elementPaths(t, out) {
				if !known[p] {
					t.Errorf("maksa writes %s, which no public FiDAViSTA sample has", p)
				}
			}
		})
	}
}

func writeTemp(t *testing.T, name string, data []byte) string {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCamtNotificationsAndReports: after a night, the account's camt.054
// notification and camt.052 intraday report, in both versions, from the
// CLI and the API, are XSD-valid and say what the ledger says: the five
// debits and their amounts, and for the report the opening and the interim
// booked balance.
func TestCamtNotificationsAndReports(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testCamtNotificationsAndReports(t, b) })
	}
}

func testCamtNotificationsAndReports(t *testing.T, b testdb.Backend) {
	e := newAPIEnv(t, b)
	// The client's accounting program reads FiDAViSTA and camt.054: the
	// night writes them beside the camt.053.
	doc, _ := os.ReadFile(filepath.Join(e.dir, "directory.yaml"))
	withFormats := strings.Replace(string(doc), accountA+`, client: "1", currency: EUR, balance: "100000.00", signatures: 2}`,
		accountA+`, client: "1", currency: EUR, balance: "100000.00", signatures: 2, statements: [fidavista, camt054]}`, 1)
	if withFormats == string(doc) {
		t.Fatal("the test's directory has changed: account A's line was not found")
	}
	os.WriteFile(filepath.Join(e.dir, "directory-formats.yaml"), []byte(withFormats), 0o600) // beside the keys it names
	e.mustRun(0, "directory", "apply", filepath.Join(e.dir, "directory-formats.yaml"))
	e.mustRun(0, "import", "--user", "prep", writeTemp(t, "f.xml", payFile(t, "CAMT-1", 5)))
	for _, u := range []string{"s1", "s2"} {
		for id := int64(1); id <= 5; id++ {
			if c := e.signOverAPI(t, u, id); c != 200 {
				t.Fatalf("%s signs %d: %d", u, id, c)
			}
		}
	}
	e.mustRun(0, "batch", "run", "--ahead", "--date", batchDay)
	night := filepath.Join(e.home, "statements", accountA, batchDay)
	xsdcheck.Validate(t, night+".camt054.xml", "camt.054.001.02.xsd")
	if doc := readFiDAViSTA(t, night+".fidavista.xml"); len(doc.Statement.AccountSet.CcyStmt.TrxSet) != 5 {
		t.Errorf("the night's FiDAViSTA statement has %d transactions, want 5", len(doc.Statement.AccountSet.CcyStmt.TrxSet))
	}
	if _, err := os.Stat(filepath.Join(e.home, "statements", accountB, batchDay+".fidavista.xml")); err == nil {
		t.Error("a FiDAViSTA statement for an account that did not ask for one")
	}
	var executed []struct {
		EndToEndID string `json:"end_to_end_id"`
		Amount     string `json:"amount"`
	}
	e.runJSON(0, &executed, "payments", "--status", "ACSC", "--account", accountA)
	amounts := map[string]string{}
	total := decimal.Zero
	for _, p := range executed {
		amounts[p.EndToEndID] = p.Amount
		total = total.Add(decimal.RequireFromString(p.Amount))
	}
	dir := t.TempDir()
	for _, v := range []string{"2", "8"} {
		for _, m := range []struct {
			name, schema string
			args         []string
		}{
			{"camt054", "camt.054.001.0" + v + ".xsd", []string{"export", "statement", "--account", accountA, "--from", batchDay, "--to", batchDay, "--format", "camt054", "--camt-version", v}},
			{"camt052", "camt.052.001.0" + v + ".xsd", []string{"export", "report", "--account", accountA, "--date", batchDay, "--format", "camt052", "--camt-version", v}},
		} {
			out := filepath.Join(dir, m.name+"-"+v+".xml")
			e.mustRun(0, append(m.args, "--out", out)...)
			xsdcheck.Validate(t, out, m.schema)
			data, _ := os.ReadFile(out)
			entries := regexp.MustCompile(`<Ntry><Amt Ccy="EUR">([0-9.]+)</Amt><CdtDbtInd>DBIT</CdtDbtInd>`).FindAllStringSubmatch(string(data), -1)
			e2es := regexp.MustCompile(`<EndToEndId>([^<]+)</EndToEndId>`).FindAllStringSubmatch(string(data), -1)
			if len(entries) != 5 || len(e2es) != 5 {
				t.Fatalf("%s v%s: %d entries, want the 5 debits:\n%s", m.name, v, len(entries), data)
			}
			for i := range entries {
				if amounts[e2es[i][1]] != entries[i][1] {
					t.Errorf("%s v%s: %s is %s, the ledger says %s", m.name, v, e2es[i][1], entries[i][1], amounts[e2es[i][1]])
				}
			}
			balances := regexp.MustCompile(`<Cd>(OPBD|ITBD|CLBD)</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">([0-9.]+)</Amt>`).FindAllStringSubmatch(string(data), -1)
			switch m.name {
			case "camt054":
				if len(balances) != 0 {
					t.Errorf("a notification with balances: %v", balances)
				}
			case "camt052":
				if len(balances) != 2 || balances[0][1] != "OPBD" || balances[1][1] != "ITBD" ||
					!decimal.RequireFromString(balances[0][2]).Sub(total).Equal(decimal.RequireFromString(balances[1][2])) {
					t.Errorf("the report's balances %v do not differ by the debits %s", balances, total)
				}
			}
		}
	}
	for _, format := range []string{"camt054", "camt052"} {
		var body []byte
		if code := e.call(t, e.client("prep", ""), "GET", "/v1/statements/"+accountA+"?from="+batchDay+"&to="+batchDay+"&format="+format, nil, nil, &body); code != 200 {
			t.Fatalf("API %s: %d", format, code)
		}
		path := filepath.Join(dir, "api-"+format+".xml")
		os.WriteFile(path, body, 0o600)
		xsdcheck.Validate(t, path, "camt."+format[4:]+".001.02.xsd")
	}
}

// elementPaths returns the paths of every element of an XML file
// (FIDAVISTA/Statement/Period/StartDate …), namespaces left out.
func elementPaths(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	var stack []string
	dec := xml.NewDecoder(f)
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch e := tok.(type) {
		case xml.StartElement:
			stack = append(stack, e.Name.Local)
			out[strings.Join(stack, "/")] = true
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}

// samplePaths are the element paths (under FIDAVISTA) of the two public
// FiDAViSTA 1.01 statements of the shared corpus: intrade/fidavista
// example.xml (a Swedbank LV export) and odoo-latvia l10n_lv_fidavista
// fidavista_example.xml (Pohjola Bank Latvia), see its SOURCES.md.
var samplePaths = []string{
	"Header", "Header/From", "Header/Timestamp",
	"Statement", "Statement/Period", "Statement/Period/StartDate", "Statement/Period/EndDate", "Statement/Period/PrepDate",
	"Statement/BankSet", "Statement/BankSet/Name", "Statement/BankSet/LegalId", "Statement/BankSet/Address",
	"Statement/ClientSet", "Statement/ClientSet/Name", "Statement/ClientSet/LegalId",
	"Statement/Extension", "Statement/Extension/Page", "Statement/Extension/Partial",
	"Statement/AccountSet", "Statement/AccountSet/AccNo", "Statement/AccountSet/CcyStmt",
	"Statement/AccountSet/CcyStmt/Ccy", "Statement/AccountSet/CcyStmt/OpenBal", "Statement/AccountSet/CcyStmt/CloseBal",
	"Statement/AccountSet/CcyStmt/TrxSet", "Statement/AccountSet/CcyStmt/TrxSet/TypeCode", "Statement/AccountSet/CcyStmt/TrxSet/TypeName",
	"Statement/AccountSet/CcyStmt/TrxSet/RegDate", "Statement/AccountSet/CcyStmt/TrxSet/BookDate", "Statement/AccountSet/CcyStmt/TrxSet/ValueDate",
	"Statement/AccountSet/CcyStmt/TrxSet/BankRef", "Statement/AccountSet/CcyStmt/TrxSet/ExtId", "Statement/AccountSet/CcyStmt/TrxSet/DocNo",
	"Statement/AccountSet/CcyStmt/TrxSet/CorD", "Statement/AccountSet/CcyStmt/TrxSet/AccAmt", "Statement/AccountSet/CcyStmt/TrxSet/PmtInfo",
	"Statement/AccountSet/CcyStmt/TrxSet/CPartySet", "Statement/AccountSet/CcyStmt/TrxSet/CPartySet/AccNo",
	"Statement/AccountSet/CcyStmt/TrxSet/CPartySet/AccHolder", "Statement/AccountSet/CcyStmt/TrxSet/CPartySet/AccHolder/Name",
	"Statement/AccountSet/CcyStmt/TrxSet/CPartySet/AccHolder/LegalId", "Statement/AccountSet/CcyStmt/TrxSet/CPartySet/BankCode",
	"Statement/AccountSet/CcyStmt/TrxSet/CPartySet/Ccy", "Statement/AccountSet/CcyStmt/TrxSet/CPartySet/Amt",
}
