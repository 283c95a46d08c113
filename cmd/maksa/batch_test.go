package main_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moov-io/iso20022/pkg/camt_v08"
	"github.com/moov-io/iso20022/pkg/document"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"maksa/formats/epc"
	"maksa/formats/pain001"
	"maksa/internal/test/testdb"
	"maksa/internal/test/testgen"
	"maksa/internal/test/xsdcheck"
	"maksa/nightly"
)

const batchDay = "2026-11-27" // a Friday

// camtStatement is the part of a camt.053.001.02 the tests read back.
type camtStatement struct {
	Balances []struct {
		Code   string `xml:"Tp>CdOrPrtry>Cd"`
		Amount string `xml:"Amt"`
		Sign   string `xml:"CdtDbtInd"`
	} `xml:"BkToCstmrStmt>Stmt>Bal"`
	Entries []struct {
		Amount string `xml:"Amt"`
		Sign   string `xml:"CdtDbtInd"`
		E2E    string `xml:"NtryDtls>TxDtls>Refs>EndToEndId"`
		SubFam string `xml:"BkTxCd>Domn>Fmly>SubFmlyCd"`
	} `xml:"BkToCstmrStmt>Stmt>Ntry"`
}

func signed(amount, sign string) decimal.Decimal {
	d := decimal.RequireFromString(amount)
	if sign == "DBIT" {
		return d.Neg()
	}
	return d
}

// readStatement checks a statement against the XSD and that its closing
// balance is its opening balance plus credits minus debits.
func readStatement(t *testing.T, path string) camtStatement {
	t.Helper()
	xsdcheck.Validate(t, path, "camt.053.001.02.xsd")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st camtStatement
	if err := xml.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Balances) != 2 || st.Balances[0].Code != "OPBD" || st.Balances[1].Code != "CLBD" {
		t.Fatalf("%s: balances %+v", path, st.Balances)
	}
	sum := signed(st.Balances[0].Amount, st.Balances[0].Sign)
	for _, e := range st.Entries {
		sum = sum.Add(signed(e.Amount, e.Sign))
	}
	if closing := signed(st.Balances[1].Amount, st.Balances[1].Sign); !sum.Equal(closing) {
		t.Errorf("%s: opening + entries = %s, closing = %s", path, sum, closing)
	}
	return st
}

// hashes returns the MD5 of every file the batch writes.
func hashes(t *testing.T, home string) map[string]string {
	out := map[string]string{}
	for _, dir := range []string{"statements", "outbound", "reports", "outbox"} {
		for _, f := range files(t, filepath.Join(home, dir)) {
			if dir == "outbox" && !strings.Contains(f, ".executed-") {
				continue
			}
			data, _ := os.ReadFile(filepath.Join(home, dir, f))
			sum := md5.Sum(data)
			out[dir+"/"+f] = hex.EncodeToString(sum[:])
		}
	}
	return out
}

// batchEnv imports pain.001, CSV and XLSX payments, signs them, leaves
// some awaiting signature, and tampers with one.
func batchEnv(t *testing.T, b testdb.Backend) *signingEnv {
	e := newSigningEnv(t, b)
	day := date(2026, 11, 27)
	// 1..5: pain.001 — an internal transfer to account B, more than the account holds, three ordinary ones.
	e.importPayments(t, "pay.xml", day, [2]string{accountA, "2500.00"}, [2]string{accountA, "150000.00"}, [2]string{accountA, "10.00"},
		[2]string{accountA, "20.00"}, [2]string{accountA, "30.00"})
	testdb.Exec(t, e.dsn, `UPDATE payments SET creditor_account = ?, creditor_name = 'Klients', kind = 'internal' WHERE id = 1`, accountB)
	for i, format := range []string{"csv", "xlsx"} {
		e.drop("prep", "x."+format, format, "direct", testgen.Spec{Count: 3, MessageID: fmt.Sprintf("T%d", i), Seed: uint64(i + 5), Date: day, DebtorIBANs: []string{accountA}, MaxAmount: 100000})
		e.mustRun(0, "import", "--user", "prep", filepath.Join(e.home, "inbox", "prep", "x."+format))
	}
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--all")
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s2", "--key", e.signers["s2"].key, "--all")
	testdb.Exec(t, e.dsn, `UPDATE payments SET amount = '21.00', amount_minor = 2100 WHERE id = 4`)
	e.importPayments(t, "late.xml", day, [2]string{accountA, "40.00"})
	return e
}

func TestNightlyBatch(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := batchEnv(t, b)
			var sum nightly.Summary
			e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", batchDay)
			// 11 signed: 9 executed (one internal), 150000 refused AM04, the tampered one DS0E; 1 awaits signatures.
			if sum.Executed != 9 || sum.Internal != 1 || sum.Outbound != 8 || sum.Refused != 2 || sum.Awaiting != 1 {
				t.Fatalf("summary %+v", sum)
			}
			e.mustRun(0, "audit", "verify", "--anchor", sum.AuditAnchor) // the run's anchor is the log's
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM postings`); n != 18 {
				t.Errorf("%d postings, want 2 per executed payment", n)
			}
			a := readStatement(t, filepath.Join(e.home, "statements", accountA, batchDay+".camt053.xml"))
			if data, _ := os.ReadFile(filepath.Join(e.home, "statements", accountA, batchDay+".camt053.xml")); !strings.Contains(string(data), "<AddtlTxInf>kind sepa; verification of payee NOAP</AddtlTxInf>") {
				t.Error("the statement's entries do not tell the payment's kind and verification of payee (AddtlTxInf)")
			}
			bst := readStatement(t, filepath.Join(e.home, "statements", accountB, batchDay+".camt053.xml"))
			if len(a.Entries) != 9 || len(bst.Entries) != 1 || bst.Entries[0].Sign != "CRDT" || bst.Entries[0].SubFam != "BOOK" || bst.Entries[0].Amount != "2500.00" {
				t.Errorf("statement A has %d entries, B %+v", len(a.Entries), bst.Entries)
			}
			if bst.Balances[1].Amount != "102500.00" {
				t.Errorf("account B closes at %s, want 102500.00", bst.Balances[1].Amount)
			}
			outbound := filepath.Join(e.home, "outbound", batchDay, batchDay+".pain001.xml")
			xsdcheck.Validate(t, outbound, "pain.001.001.09.xsd")
			if data, _ := os.ReadFile(outbound); bytes.Count(data, []byte("<CdtTrfTxInf>")) != 8 {
				t.Errorf("outbound file holds %d payments, want 8", bytes.Count(data, []byte("<CdtTrfTxInf>")))
			} else {
				checkEPC(t, data)
			}
			if r := e.run("validate", outbound); r.code != 0 { // its NbOfTxs and CtrlSum included
				t.Errorf("the outbound file does not validate:\n%s%s", r.stdout, r.stderr)
			}
			checkOutbound(t, e.dsn, outbound)
			report := filepath.Join(e.home, "outbox", "prep", "pay.xml.executed-"+batchDay+".pain002.xml")
			xsdcheck.Validate(t, report, "pain.002.001.03.xsd")
			data, _ := os.ReadFile(report)
			for _, want := range []string{"<GrpSts>PART</GrpSts>", "<Cd>AM04</Cd>", "<Cd>DS0E</Cd>", "<TxSts>ACSC</TxSts>"} {
				if !bytes.Contains(data, []byte(want)) {
					t.Errorf("execution report lacks %s", want)
				}
			}
			checkDailyReport(t, filepath.Join(e.home, "reports", batchDay, "daily.xlsx"))

			// Running the day again executes nothing and writes the same bytes.
			before := hashes(t, e.home)
			e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", batchDay)
			if sum.Executed != 0 || sum.Refused != 0 {
				t.Errorf("the second run executed again: %+v", sum)
			}
			after := hashes(t, e.home)
			if len(before) == 0 || fmt.Sprint(before) != fmt.Sprint(after) {
				t.Errorf("the second run wrote different files:\n%v\n%v", before, after)
			}
			e.mustRun(0, "audit", "verify")
		})
	}
}

func checkDailyReport(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Executed,Rejected,Awaiting signature,Limit usage" {
		t.Errorf("sheets %s", got)
	}
	count := func(sheet string) int {
		rows, _ := f.GetRows(sheet)
		return len(rows) - 1
	}
	if count("Executed") != 9 || count("Rejected") != 2 || count("Awaiting signature") != 1 {
		t.Errorf("report rows: executed %d, rejected %d, awaiting %d", count("Executed"), count("Rejected"), count("Awaiting signature"))
	}
	if h, _ := f.GetCellValue("Executed", "K1"); h != "Kind" {
		t.Errorf("the Executed sheet's K1 is %q, want the Kind column", h)
	} else if k, _ := f.GetCellValue("Executed", "K2"); k == "" {
		t.Error("an executed payment's kind is empty in the daily report")
	}
	if h, _ := f.GetCellValue("Executed", "L1"); h != "Verification of payee" {
		t.Errorf("the Executed sheet's L1 is %q, want the verification of payee", h)
	} else if v, _ := f.GetCellValue("Executed", "L3"); v != "NOAP" { // the test asks no other bank
		t.Errorf("an executed payment's verification of payee in the daily report: %q", v)
	}
	if typ, _ := f.GetCellType("Executed", "G2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("amounts are not numbers: %v", typ)
	}
	if v, _ := f.GetCellValue("Rejected", "H2"); v != "AM04" && v != "DS0E" {
		t.Errorf("Rejected!H2 = %q, want a reason code", v)
	}
	if panes, _ := f.GetPanes("Executed"); !panes.Freeze {
		t.Error("the header row is not frozen")
	}
}

// TestStatementReadByMoov writes the statements as camt.053.001.08 and
// reads them with moov-io/iso20022 as an independent check.
func TestStatementReadByMoov(t *testing.T) {
	e := batchEnv(t, testdb.Backends(t)[0])
	e.mustRun(0, "batch", "run", "--ahead", "--date", batchDay, "--camt-version", "8")
	path := filepath.Join(e.home, "statements", accountA, batchDay+".camt053.xml")
	xsdcheck.Validate(t, path, "camt.053.001.08.xsd")
	data, _ := os.ReadFile(path)
	doc, err := document.ParseIso20022Document(data)
	if err != nil {
		t.Fatalf("moov cannot read the statement: %v", err)
	}
	msg := doc.InspectMessage().(*camt_v08.BankToCustomerStatementV08)
	st := msg.Stmt[0]
	if len(st.Ntry) != 9 || len(st.Bal) != 2 || string(st.Acct.Id.IBAN) != accountA {
		t.Errorf("moov read %d entries, %d balances, account %s", len(st.Ntry), len(st.Bal), st.Acct.Id.IBAN)
	}
}

func TestBatchRefusals(t *testing.T) {
	var pg *testdb.Backend
	for _, b := range testdb.Backends(t) {
		if b.Name == "postgres" {
			pg = &b
		}
	}
	e := newSigningEnv(t, testdb.Backends(t)[0])
	r := e.run("batch", "run", "--ahead", "--date", "2026-11-28")
	if r.code != 2 || !strings.Contains(r.stderr, "not a working day") {
		t.Errorf("a Saturday: exit %d, %s", r.code, r.stderr)
	}
	// A run that crashed while writing the CSV report left a temporary
	// behind; the next writing of that table removes it (an hour old).
	left := filepath.Join(e.home, "reports", batchDay, ".executed-4242.tmp")
	leaveOld(t, left)
	e.runJSON(0, new(nightly.Summary), "batch", "run", "--ahead", "--date", batchDay, "--format", "csv")
	for _, name := range []string{"summary.csv", "executed.csv", "rejected.csv", "awaiting-signature.csv", "limit-usage.csv"} {
		if _, err := os.Stat(filepath.Join(e.home, "reports", batchDay, name)); err != nil {
			t.Errorf("CSV report: %v", err)
		}
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("the temporary a crash left behind is still there: %v", err)
	}
	if pg == nil {
		t.Skip("SKIP concurrent batch runs: needs PostgreSQL (MAKSA_TEST_POSTGRES)")
	}
	// Two batch runs at once on PostgreSQL: one runs, the other is refused; nothing is posted twice.
	e = batchEnv(t, *pg)
	codes := make(chan int, 2)
	for range 2 {
		go func() {
			cmd := exec.Command(binary, "--home", e.home, "--db", e.dsn, "batch", "run", "--ahead", "--date", batchDay)
			cmd.Env = append(os.Environ(), "MAKSA_NOW="+testNow)
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			codes <- code
		}()
	}
	a, b := <-codes, <-codes
	if !(a == 0 && (b == 0 || b == 2)) && !(b == 0 && a == 2) {
		t.Errorf("exit codes %d and %d: one run must succeed, the other succeed after it or be refused", a, b)
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM postings`); n != 18 {
		t.Errorf("%d postings after two concurrent runs, want 18", n)
	}
}

// TestStatementExports exports a period statement in every format and
// checks who may.
func TestStatementExports(t *testing.T) {
	e := batchEnv(t, testdb.Backends(t)[0])
	e.mustRun(0, "batch", "run", "--ahead", "--date", batchDay)
	for _, format := range []string{"camt053", "xlsx", "csv", "pdf"} {
		var out map[string]string
		e.runJSON(0, &out, "export", "statement", "--account", accountA, "--from", "2026-11-01", "--to", "2026-11-30", "--format", format, "--user", "view")
		data, err := os.ReadFile(out["file"])
		if err != nil || len(data) == 0 {
			t.Fatalf("%s: %v", format, err)
		}
		switch format {
		case "camt053":
			st := readStatement(t, out["file"])
			if len(st.Entries) != 9 {
				t.Errorf("period statement has %d entries, want 9", len(st.Entries))
			}
		case "csv":
			if rows := readCSV(t, out["file"]); len(rows) != 12 { // header, opening, 9 entries, closing
				t.Errorf("CSV statement has %d rows", len(rows))
			}
		case "pdf":
			pdftotext, err := exec.LookPath("pdftotext")
			if err != nil {
				if os.Getenv("CI") != "" {
					t.Fatal("pdftotext (poppler-utils) is not installed in CI")
				}
				t.Log("SKIP reading the PDF back: pdftotext is not installed")
				continue
			}
			text, err := exec.Command(pdftotext, "-layout", out["file"], "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"Konta izraksts", "Sākuma atlikums", "Jānis Bērziņš", accountA, "100000.00"} {
				if !strings.Contains(string(text), want) {
					t.Errorf("the PDF does not show %q:\n%s", want, text)
				}
			}
		}
	}
	r := e.run("export", "statement", "--account", accountA, "--from", "2026-11-01", "--to", "2026-11-30", "--user", "s3")
	if r.code != 1 || !strings.Contains(r.stderr, "no view mode") {
		t.Errorf("a user without a view mode: exit %d, %s", r.code, r.stderr)
	}
	var seen []map[string]any
	e.runJSON(0, &seen, "payments", "--user", "s3")
	if len(seen) != 0 {
		t.Errorf("s3 (a signer of account B only) sees %d payments of account A", len(seen))
	}
	e.runJSON(0, &seen, "payments", "--user", "s1b", "--status", "ACSC", "--min", "1000")
	if len(seen) == 0 {
		t.Error("s1b sees no executed payment of its account")
	}
	e.runJSON(0, &seen, "payments", "--direction", "in", "--account", accountB)
	if len(seen) != 1 {
		t.Errorf("account B has %d incoming payments, want the internal transfer", len(seen))
	}
	var history map[string]any
	e.runJSON(0, &history, "payments", "show", "1")
	if sigs, _ := history["signatures"].([]any); len(sigs) != 2 {
		t.Errorf("history of payment 1: %v", history)
	}
	// Each state it went through, in order, with its time.
	var states []string
	list, _ := history["states"].([]any)
	for _, s := range list {
		st := s.(map[string]any)
		if at, _ := st["at"].(string); at == "" || strings.HasPrefix(at, "0001") {
			t.Errorf("a state without its time: %v", st)
		}
		states = append(states, fmt.Sprint(st["status"]))
	}
	if strings.Join(states, " ") != "PDNG PDNG ACCP ACSC" {
		t.Errorf("payment 1 went through %v, want imported, signed at level 1, at level 2 (ACCP), executed", list)
	}
}

// checkOutbound: each payment of the outbound clearing file says what the
// executed payment with its end-to-end id says.
func checkOutbound(t *testing.T, dsn, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := pain001.NewReader(f)
	for {
		p, err := r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got := []string{p.DebtorIBAN, p.DebtorName, p.CreditorIBAN, p.CreditorName, p.CreditorBIC, p.CreditorAddress.Country, p.AmountText, p.Currency, p.Remittance, p.InstructionID, p.PaymentInfoID}
		want := make([]string, len(got))
		dest := make([]any, len(want))
		for i := range want {
			dest[i] = &want[i]
		}
		testdb.Row(t, dsn, `SELECT debtor_iban, debtor_name, creditor_account, creditor_name, creditor_bic, creditor_country, amount, currency, remittance, instr_id, pmt_inf_id
			FROM payments WHERE status = 'ACSC' AND end_to_end_id = '`+p.EndToEndID+`'`, dest...)
		if want[10] == "" {
			want[10] = "NOTPROVIDED" // a CSV or XLSX payment has no PmtInfId of its own
		}
		for _, i := range []int{1, 3, 8, 9, 10} { // texts go out in the EPC basic Latin set
			want[i] = epc.Basic(want[i])
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("outbound payment %s says %q, the payment %q", p.EndToEndID, got, want)
		}
	}
}

// leaveOld writes a file at path, as a write cut short two hours ago would
// have left it.
func leaveOld(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// TestLedgerVerify: after a batch the ledger verifies; each way of breaking
// it by hand — a day total that is not the sum of its postings, a payment
// with one posting, a debit and credit that differ, postings of a payment
// not executed, an executed payment without postings, one booked on
// another day — is found and named, with exit 1.
func TestLedgerVerify(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := batchEnv(t, b)
			e.runJSON(0, new(nightly.Summary), "batch", "run", "--ahead", "--date", batchDay)
			type check struct {
				OK        bool     `json:"ok"`
				Postings  int      `json:"postings"`
				DayTotals int      `json:"day_totals"`
				Found     int      `json:"found"`
				Faults    []string `json:"faults"`
			}
			var c check
			e.runJSON(0, &c, "ledger", "verify")
			if !c.OK || c.Postings != 18 || c.DayTotals != 3 || c.Found != 0 || len(c.Faults) != 0 {
				t.Fatalf("a ledger as the batch left it: %+v", c)
			}
			if r := e.mustRun(0, "ledger", "verify"); !strings.Contains(r.stdout, "OK: 18 postings and 3 day totals verify.") {
				t.Errorf("text: %s", r.stdout)
			}
			var ids []int64 // three executed payments with their pairs of postings
			for range 3 {
				var id int64
				testdb.Row(t, e.dsn, fmt.Sprintf(`SELECT MIN(payment_id) FROM postings WHERE payment_id > %d`, max(1, slices.Max(append(ids, 0)))), &id)
				ids = append(ids, id)
			}
			var executed []int64
			for _, q := range []string{`SELECT MAX(id) FROM payments WHERE status = 'ACSC'`, `SELECT MIN(id) FROM payments WHERE status = 'RJCT' AND executed_on <> ''`,
				`SELECT MIN(id) FROM payments WHERE status = 'PDNG'`} {
				var id int64
				testdb.Row(t, e.dsn, q, &id)
				executed = append(executed, id)
			}
			testdb.Exec(t, e.dsn, `UPDATE day_totals SET net_minor = net_minor + 7 WHERE account_iban = ?`, accountB)
			testdb.Exec(t, e.dsn, `DELETE FROM postings WHERE payment_id = ? AND side = 'CRDT'`, ids[0])
			testdb.Exec(t, e.dsn, `UPDATE postings SET amount_minor = amount_minor + 5 WHERE payment_id = ? AND side = 'DBIT'`, ids[1])
			testdb.Exec(t, e.dsn, `UPDATE payments SET status = 'RJCT' WHERE id = ?`, executed[0])
			testdb.Exec(t, e.dsn, `UPDATE payments SET status = 'ACSC', executed_on = ? WHERE id = ?`, batchDay, executed[2])
			testdb.Exec(t, e.dsn, `UPDATE postings SET booking_date = '2026-11-26' WHERE payment_id = ?`, ids[2])
			e.runJSON(1, &c, "ledger", "verify")
			want := []string{
				fmt.Sprintf("payment %d has 1 postings, 1 of them debits", ids[0]),
				fmt.Sprintf("payment %d: its debit", ids[1]),
				fmt.Sprintf("payment %d is RJCT but has 2 postings", executed[0]),
				fmt.Sprintf("payment %d executed on %s is booked on 2026-11-26", ids[2], batchDay),
				fmt.Sprintf("payment %d is executed (ACSC) but has no postings", executed[2]),
				accountB + " on " + batchDay + " in EUR: the day total says",
				" on 2026-11-26 in EUR: postings net ",
			}
			faults := strings.Join(c.Faults, "\n")
			for _, w := range want {
				if !strings.Contains(faults, w) {
					t.Errorf("no fault %q in:\n%s", w, faults)
				}
			}
			if c.OK || c.Found != len(c.Faults) || c.Found < len(want) {
				t.Errorf("found %d, ok %v:\n%s", c.Found, c.OK, faults)
			}
			if r := e.run("ledger", "verify"); r.code != 1 || !strings.Contains(r.stdout, "BROKEN: ") {
				t.Errorf("text: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}
