package main_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"maksa/internal/test/testdb"
	"maksa/internal/test/xsdcheck"
	"maksa/nightly"
)

// sentDocument is what TestDayRunTwice reads of a clearing file or a
// statement.
type sentDocument struct {
	MsgID   string   `xml:"CstmrCdtTrfInitn>GrpHdr>MsgId"`
	NbOfTxs int      `xml:"CstmrCdtTrfInitn>GrpHdr>NbOfTxs"`
	E2E     []string `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf>PmtId>EndToEndId"`
	StmtMsg string   `xml:"BkToCstmrStmt>GrpHdr>MsgId"`
	StmtID  string   `xml:"BkToCstmrStmt>Stmt>Id"`
	Seq     int      `xml:"BkToCstmrStmt>Stmt>ElctrncSeqNb"`
	Bal     []struct {
		Code   string `xml:"Tp>CdOrPrtry>Cd"`
		Amount string `xml:"Amt"`
	} `xml:"BkToCstmrStmt>Stmt>Bal"`
	Entries int `xml:"BkToCstmrStmt>Stmt>TxsSummry>TtlNtries>NbOfNtries"`
}

// TestDayRunTwice runs a day, signs more payments of that day, runs it
// again, and runs the next working day, on both databases: no file once
// written changes (statements, clearing files, status reports, daily
// reports), no message id repeats, no payment is in two clearing
// files, the account's statements are numbered without gaps and each
// opens where the one before closed, and every file passes its XSD.
func TestDayRunTwice(t *testing.T) {
	const next = "2026-11-30" // the Monday after batchDay
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newSigningEnv(t, b)
			signAll := func() {
				e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--all")
				e.mustRun(0, "sign", "--confirm-vop", "--user", "s2", "--key", e.signers["s2"].key, "--all")
			}
			e.importPayments(t, "first.xml", date(2026, 11, 27), [2]string{accountA, "10.00"}, [2]string{accountA, "20.00"}, [2]string{accountA, "30.00"})
			signAll()
			var status struct{ Counts map[string]map[string]int }
			e.runJSON(0, &status, "status")
			if b := status.Counts["batches"]; b["ACCP"] != 1 || b["ACTC"] != 0 { // fully signed: ACCP, no longer ACTC
				t.Errorf("status counts batches %v, want 1 ACCP", b)
			}
			var sum nightly.Summary
			e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", batchDay)
			if sum.Outbound != 3 || len(sum.Statements) != 1 {
				t.Fatalf("first run: %+v", sum)
			}
			first := hashes(t, e.home)

			e.importPayments(t, "second.xml", date(2026, 11, 27), [2]string{accountA, "40.00"}, [2]string{accountA, "50.00"})
			signAll()
			e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", batchDay)
			if sum.Outbound != 2 || len(sum.Statements) != 1 || filepath.Base(sum.Statements[0]) != batchDay+".2.camt053.xml" {
				t.Fatalf("second run: %+v", sum)
			}
			e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", batchDay)
			if sum.Executed != 0 || len(sum.Statements) != 0 || len(sum.Files) != 1 { // the daily report only
				t.Fatalf("a third run with nothing new: %+v", sum)
			}

			e.importPayments(t, "monday.xml", date(2026, 11, 30), [2]string{accountA, "60.00"})
			signAll()
			e.now = "2026-11-30T20:00:00+02:00"
			e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", next)

			after := hashes(t, e.home)
			for path, hash := range first {
				if after[path] != hash {
					t.Errorf("%s was rewritten", path)
				}
			}
			// The day's daily report grew in the second run: a second one.
			for _, path := range []string{"reports/" + batchDay + "/daily.xlsx", "reports/" + batchDay + "/daily.2.xlsx", "outbox/prep/second.xml.executed-" + batchDay + ".pain002.xml"} {
				if after[path] == "" {
					t.Errorf("no %s", path)
				}
			}
			if after["reports/"+batchDay+"/daily.3.xlsx"] != "" {
				t.Error("a run with nothing new wrote a third daily report")
			}
			clearing := []string{"outbound/" + batchDay + "/" + batchDay + ".pain001.xml", "outbound/" + batchDay + "/" + batchDay + ".2.pain001.xml",
				"outbound/" + next + "/" + next + ".pain001.xml"}
			wantTxs := []int{3, 2, 1}
			ids, sent := map[string]bool{}, map[string]string{}
			for i, path := range clearing {
				doc := readSent(t, filepath.Join(e.home, path), "pain.001.001.09.xsd")
				data, _ := os.ReadFile(filepath.Join(e.home, path))
				checkEPC(t, data)
				if doc.NbOfTxs != wantTxs[i] || len(doc.E2E) != wantTxs[i] {
					t.Errorf("%s: NbOfTxs %d, %d payments; want %d", path, doc.NbOfTxs, len(doc.E2E), wantTxs[i])
				}
				if ids[doc.MsgID] {
					t.Errorf("%s: MsgId %s repeats", path, doc.MsgID)
				}
				ids[doc.MsgID] = true
				for _, id := range doc.E2E {
					if other, ok := sent[id]; ok {
						t.Errorf("payment %s is in %s and in %s", id, other, path)
					}
					sent[id] = path
				}
			}
			if len(sent) != 6 {
				t.Errorf("%d payments in the clearing files, want 6", len(sent))
			}
			statements := []string{batchDay + ".camt053.xml", batchDay + ".2.camt053.xml", next + ".camt053.xml"}
			wantEntries := []int{3, 2, 1}
			var closing string
			for i, name := range statements {
				doc := readSent(t, filepath.Join(e.home, "statements", accountA, name), "camt.053.001.02.xsd")
				if doc.Seq != i+1 || doc.Entries != wantEntries[i] || ids[doc.StmtMsg] || doc.StmtID != doc.StmtMsg {
					t.Errorf("%s: ElctrncSeqNb %d, %d entries, MsgId %s (Id %s); want %d, %d and a new id", name, doc.Seq, doc.Entries, doc.StmtMsg, doc.StmtID, i+1, wantEntries[i])
				}
				ids[doc.StmtMsg] = true
				if i > 0 && (len(doc.Bal) != 2 || doc.Bal[0].Amount != closing) {
					t.Errorf("%s opens at %v, the statement before closed at %s", name, doc.Bal, closing)
				}
				if len(doc.Bal) == 2 {
					closing = doc.Bal[1].Amount
				}
			}
			if closing != "99790.00" {
				t.Errorf("the last statement closes at %s, want 100000.00 less 210.00", closing)
			}
			names := filesIn(t, filepath.Join(e.home, "statements", accountA))
			if len(names) != 3 {
				t.Errorf("statements %v, want the three above", names)
			}

			// An empty day: no clearing file, and valid empty statements.
			e.now = "2026-12-01T20:00:00+02:00"
			e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", "2026-12-01", "--all-accounts")
			if _, err := os.Stat(filepath.Join(e.home, "outbound", "2026-12-01")); !os.IsNotExist(err) || len(sum.Statements) != 2 {
				t.Errorf("an empty day: %+v, outbound folder %v", sum, err)
			}
			for _, path := range sum.Statements {
				if doc := readSent(t, path, "camt.053.001.02.xsd"); doc.Entries != 0 || len(doc.Bal) != 2 || doc.Bal[0].Amount != doc.Bal[1].Amount {
					t.Errorf("%s on an empty day: %+v", path, doc)
				}
			}
		})
	}
}

func readSent(t *testing.T, path, schema string) sentDocument {
	t.Helper()
	xsdcheck.Validate(t, path, schema)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc sentDocument
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

func filesIn(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// TestBatchAhead: a batch for a day after the business day would execute
// that day's payments early: it is refused unless --ahead is given, and
// then the summary and the audit log say so.
func TestBatchAhead(t *testing.T) {
	e := newSigningEnv(t, testdb.Backends(t)[0]) // the business day is 2026-11-25
	e.importPayments(t, "early.xml", date(2026, 11, 27), [2]string{accountA, "10.00"})
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--all")
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s2", "--key", e.signers["s2"].key, "--all")
	r := e.mustRun(2, "batch", "run", "--date", batchDay)
	if !strings.Contains(r.stderr, "after the business day 2026-11-25") || !strings.Contains(r.stderr, "--ahead") {
		t.Errorf("the refusal does not say why and what to do:\n%s", r.stderr)
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM payments WHERE status = 'ACSC'`); n != 0 {
		t.Fatalf("%d payments executed by a refused run", n)
	}
	var sum nightly.Summary
	e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", batchDay)
	if !sum.Ahead || sum.Executed != 1 {
		t.Errorf("summary %+v, want the payment executed ahead", sum)
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM audit_events WHERE action = 'batch.run' AND details LIKE '%"ahead":true%'`); n != 1 {
		t.Errorf("%d audit events of a run ahead, want 1", n)
	}
}
