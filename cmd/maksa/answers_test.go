package main_test

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/formats/pain001"
	"maksa/internal/test/testdb"
	"maksa/internal/test/xsdcheck"
)

// answer is what TestAnswers reads of a pain.002.
type answer struct {
	XMLName xml.Name
	MsgID   string `xml:"CstmrPmtStsRpt>GrpHdr>MsgId"`
	Group   struct {
		Status    string `xml:"GrpSts"`
		NbTxs     int    `xml:"OrgnlNbOfTxs"`
		PerStatus []struct {
			Count  int    `xml:"DtldNbOfTxs"`
			Status string `xml:"DtldSts"`
		} `xml:"NbOfTxsPerSts"`
	} `xml:"CstmrPmtStsRpt>OrgnlGrpInfAndSts"`
}

// TestAnswers follows every status report of four files — a
// pain.001.001.09, a pain.001.001.03, one imported with --pain002-version
// 10, one of a user whose directory entry asks for .10 — through import,
// signing and execution: each report is in the version the request calls
// for (or the one the command or the directory asks), valid against its
// XSD, under a message id of its own; the executed report's group status is PART when a payment was
// refused at import.
func TestAnswers(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newSigningEnv(t, b)
			write := func(name string, version int) string {
				path := filepath.Join(e.dir, name)
				f, _ := os.Create(path)
				w := pain001.NewWriter(f, version)
				w.WriteHeader(&pain001.GroupHeader{MessageID: name, CreationTime: testTime, NbOfTxs: 3, CtrlSum: decimal.RequireFromString("6.00"), InitiatingParty: "Klients"})
				for i, creditor := range []string{"Jānis Bērziņš", "Anna Kalniņa", ""} { // the third has no name: RR03
					w.Write(&maksa.Payment{PaymentInfoID: "P1", EndToEndID: fmt.Sprintf("%s-%d", name, i+1), DebtorIBAN: accountA, CreditorIBAN: "LV44HABA0551000000001",
						CreditorIsIBAN: true, CreditorName: creditor, Amount: decimal.RequireFromString("2.00"), Currency: "EUR", ExecutionDate: date(2026, 11, 27)})
				}
				w.Close()
				f.Close()
				return path
			}
			e.mustRun(1, "import", "--user", "prep", write("v09.xml", 9))
			e.mustRun(1, "import", "--user", "prep", write("v03.xml", 3))
			e.mustRun(1, "import", "--user", "prep", "--pain002-version", "10", write("v03-asked-10.xml", 3))
			// The directory asks .10 for every file of prep's.
			directory := filepath.Join(e.dir, "directory.yaml")
			doc, _ := os.ReadFile(directory)
			os.WriteFile(directory, []byte(strings.Replace(string(doc), "  - id: prep\n", "  - id: prep\n    pain002_version: 10\n", 1)), 0o644)
			e.mustRun(0, "directory", "apply", directory)
			e.mustRun(1, "import", "--user", "prep", write("v03-user-10.xml", 3))
			e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--all")
			e.mustRun(0, "sign", "--confirm-vop", "--user", "s2", "--key", e.signers["s2"].key, "--all")
			var status struct{ Counts map[string]map[string]int }
			e.runJSON(0, &status, "status")
			if b := status.Counts["batches"]; b["PART"] != 4 || b["ACTC"] != 0 { // signed: settled PART, no longer ACTC
				t.Errorf("status counts batches %v, want 4 PART", b)
			}
			e.mustRun(0, "batch", "run", "--ahead", "--date", batchDay)
			ids := map[string]string{}
			for file, version := range map[string]int{"v09.xml": 10, "v03.xml": 3, "v03-asked-10.xml": 10, "v03-user-10.xml": 10} {
				for _, report := range []string{file + ".pain002.xml", file + ".2.pain002.xml", file + ".executed-" + batchDay + ".pain002.xml"} {
					path := filepath.Join(e.home, "outbox", "prep", report)
					xsdcheck.Validate(t, path, fmt.Sprintf("pain.002.001.%02d.xsd", version))
					data, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					var a answer
					if err := xml.Unmarshal(data, &a); err != nil {
						t.Fatal(err)
					}
					if want := fmt.Sprintf("urn:iso:std:iso:20022:tech:xsd:pain.002.001.%02d", version); a.XMLName.Space != want {
						t.Errorf("%s is %s, want %s", report, a.XMLName.Space, want)
					}
					if other, ok := ids[a.MsgID]; ok {
						t.Errorf("%s and %s share the MsgId %s", report, other, a.MsgID)
					}
					ids[a.MsgID] = report
					// Two of three accepted, then signed, then executed: PART each time.
					if a.Group.Status != "PART" || a.Group.NbTxs != 3 {
						t.Errorf("%s: GrpSts %s, OrgnlNbOfTxs %d; want PART, 3", report, a.Group.Status, a.Group.NbTxs)
					}
					// The executed report counts what it lists: the two executed.
					if strings.Contains(report, ".executed-") && fmt.Sprint(a.Group.PerStatus) != "[{2 ACSC}]" {
						t.Errorf("%s: NbOfTxsPerSts %v, want 2 ACSC", report, a.Group.PerStatus)
					}
				}
			}
		})
	}
}
