package main_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"maksa"
	pain002fmt "maksa/formats/pain002"
	"maksa/importer"
	"maksa/internal/test/testdb"
	"maksa/internal/test/testgen"
	"maksa/internal/test/xsdcheck"
)

// importEnv is an env with the import test directory applied.
func importEnv(t *testing.T, b testdb.Backend) *env {
	t.Helper()
	e := newEnv(t, b)
	e.mustRun(0, "directory", "apply", repo("testdata/import/directory.yaml"))
	return e
}

// TestImportRules imports one crafted file per rule and checks the reason
// code, the position and the batch outcome, through the CLI.
func TestImportRules(t *testing.T) {
	tests := []struct {
		file     string
		user     string
		status   maksa.Status
		accepted int
		rejected int
		code     maksa.Reason
		line     int
		xpath    string
		e2e      string
	}{
		{"good-3.xml", "acc", maksa.ACTC, 3, 0, "", 0, "", ""},
		{"utf16le-bom.xml", "acc", maksa.ACTC, 3, 0, "", 0, "", ""},
		{"utf16be-bom.xml", "acc", maksa.ACTC, 3, 0, "", 0, "", ""},
		{"addresses-v09.xml", "acc", maksa.PART, 3, 1, maksa.BE04, 44, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[3]/Cdtr/PstlAdr", "ADDR-LINES-ONLY"},
		{"bad/FF01-not-xml.xml", "acc", maksa.RJCT, 0, 0, maksa.FF01, 0, "", ""}, // named .xml, not XML: said so, not read as CSV
		{"bad/FF01-binary.png", "acc", maksa.RJCT, 0, 0, maksa.FF01, 0, "", ""},
		{"bad/FF01-unknown-namespace.xml", "acc", maksa.RJCT, 0, 0, maksa.FF01, 2, "/Document", ""},
		{"bad/FF02-truncated.xml", "acc", maksa.RJCT, 0, 1, maksa.FF02, 60, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[2]/PmtId/EndToEndId", ""},
		{"bad/FF02-dtd.xml", "acc", maksa.RJCT, 0, 0, maksa.FF02, 2, "", ""},
		{"bad/FF02-no-group-header.xml", "acc", maksa.RJCT, 0, 0, maksa.FF02, 4, "/Document/CstmrCdtTrfInitn/PmtInf[1]", ""},
		{"bad/FF02-e2e-missing.xml", "acc", maksa.PART, 1, 1, maksa.FF02, 54, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[2]", ""},
		{"bad/AM18-nboftxs-not-number.xml", "acc", maksa.RJCT, 0, 1, maksa.AM18, 4, "/Document/CstmrCdtTrfInitn/GrpHdr/NbOfTxs", ""},
		{"bad/AM19-nboftxs-group.xml", "acc", maksa.RJCT, 0, 2, maksa.AM19, 4, "/Document/CstmrCdtTrfInitn/GrpHdr/NbOfTxs", ""},
		{"bad/AM20-nboftxs-pmtinf.xml", "acc", maksa.RJCT, 0, 2, maksa.AM20, 56, "/Document/CstmrCdtTrfInitn/PmtInf[2]/NbOfTxs", ""},
		{"bad/AM10-ctrlsum-malformed.xml", "acc", maksa.RJCT, 0, 1, maksa.AM10, 4, "/Document/CstmrCdtTrfInitn/GrpHdr/CtrlSum", ""},
		{"bad/AM16-ctrlsum-group.xml", "acc", maksa.RJCT, 0, 2, maksa.AM16, 4, "/Document/CstmrCdtTrfInitn/GrpHdr/CtrlSum", ""},
		{"bad/AM17-ctrlsum-pmtinf.xml", "acc", maksa.RJCT, 0, 2, maksa.AM17, 56, "/Document/CstmrCdtTrfInitn/PmtInf[2]/CtrlSum", ""},
		{"bad/AM12-amount-decimals.xml", "acc", maksa.PART, 1, 1, maksa.AM12, 59, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[2]/Amt/InstdAmt", "X-2"},
		{"bad/AM12-amount-comma.xml", "acc", maksa.RJCT, 0, 1, maksa.AM12, 34, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[1]/Amt/InstdAmt", "X-1"},
		{"bad/AM01-amount-zero.xml", "acc", maksa.PART, 1, 1, maksa.AM01, 59, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[2]/Amt/InstdAmt", "X-2"},
		{"bad/AM03-currency-unknown.xml", "acc", maksa.RJCT, 0, 1, maksa.AM03, 35, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[1]/Amt/InstdAmt/@Ccy", "X-1"},
		{"bad/AM03-currency-not-account.xml", "acc", maksa.RJCT, 0, 1, maksa.AM03, 35, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[1]/Amt/InstdAmt/@Ccy", "X-1"},
		{"bad/AC02-debtor-iban-checksum.xml", "acc", maksa.RJCT, 0, 1, maksa.AC02, 22, "/Document/CstmrCdtTrfInitn/PmtInf[1]/DbtrAcct/Id/IBAN", "X-1"},
		{"bad/AC02-debtor-unknown.xml", "acc", maksa.RJCT, 0, 1, maksa.AC02, 22, "/Document/CstmrCdtTrfInitn/PmtInf[1]/DbtrAcct/Id/IBAN", "X-1"},
		{"bad/AC03-creditor-iban.xml", "acc", maksa.RJCT, 0, 1, maksa.AC03, 47, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[1]/CdtrAcct/Id/IBAN", "X-1"},
		{"bad/CH16-message-id-too-long.xml", "acc", maksa.RJCT, 0, 3, maksa.CH16, 4, "/Document/CstmrCdtTrfInitn/GrpHdr", ""},
		{"bad/RR10-message-id.xml", "acc", maksa.RJCT, 0, 3, maksa.RR10, 4, "/Document/CstmrCdtTrfInitn/GrpHdr", ""},
		{"bad/AC01-treasury-bank-code.xml", "acc", maksa.RJCT, 0, 1, maksa.AC01, 47, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[1]/CdtrAcct/Id/IBAN", "X-1"},
		{"bad/RC01-creditor-bic.xml", "acc", maksa.RJCT, 0, 1, maksa.RC01, 39, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[1]/CdtrAgt/FinInstnId/BIC", "X-1"},
		{"bad/AC06-account-blocked.xml", "acc", maksa.RJCT, 0, 1, maksa.AC06, 22, "/Document/CstmrCdtTrfInitn/PmtInf[1]/DbtrAcct/Id/IBAN", "X-1"},
		{"bad/AC04-account-closed.xml", "acc", maksa.RJCT, 0, 1, maksa.AC04, 22, "/Document/CstmrCdtTrfInitn/PmtInf[1]/DbtrAcct/Id/IBAN", "X-1"},
		{"good-3.xml", "viewer", maksa.RJCT, 0, 3, maksa.AG08, 24, "/Document/CstmrCdtTrfInitn/PmtInf[1]/DbtrAcct/Id/IBAN", "E2E-1"},
		{"good-3.xml", "blockeduser", maksa.RJCT, 0, 3, maksa.AG08, 24, "/Document/CstmrCdtTrfInitn/PmtInf[1]/DbtrAcct/Id/IBAN", "E2E-1"},
		{"good-3.xml", "expired", maksa.RJCT, 0, 3, maksa.AG08, 24, "/Document/CstmrCdtTrfInitn/PmtInf[1]/DbtrAcct/Id/IBAN", "E2E-1"},
		{"good-3.xml", "oldcard", maksa.RJCT, 0, 3, maksa.AG08, 24, "/Document/CstmrCdtTrfInitn/PmtInf[1]/DbtrAcct/Id/IBAN", "E2E-1"},
		{"good-3.xml", "nobody", maksa.RJCT, 0, 3, maksa.AG08, 24, "/Document/CstmrCdtTrfInitn/PmtInf[1]/DbtrAcct/Id/IBAN", "E2E-1"},
		{"bad/AM14-over-payment-limit.xml", "acc", maksa.PART, 1, 1, maksa.AM14, 59, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[2]/Amt/InstdAmt", "X-2"},
		{"bad/AM21-daily-limit.xml", "acc", maksa.PART, 3, 1, maksa.AM21, 83, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[3]/Amt/InstdAmt", "X-3"},
		{"bad/DT01-bad-date.xml", "acc", maksa.RJCT, 0, 1, maksa.DT01, 16, "/Document/CstmrCdtTrfInitn/PmtInf[1]/ReqdExctnDt", "X-1"},
		{"bad/CH04-date-past.xml", "acc", maksa.RJCT, 0, 1, maksa.CH04, 16, "/Document/CstmrCdtTrfInitn/PmtInf[1]/ReqdExctnDt", "X-1"},
		{"bad/CH03-date-future.xml", "acc", maksa.RJCT, 0, 1, maksa.CH03, 16, "/Document/CstmrCdtTrfInitn/PmtInf[1]/ReqdExctnDt", "X-1"},
		{"bad/DU04-e2e-repeated.xml", "acc", maksa.PART, 2, 1, maksa.DU04, 54, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[2]/PmtId/EndToEndId", "SAME-1"},
		{"bad/RR10-characters.xml", "acc", maksa.RJCT, 0, 1, maksa.RR10, 43, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[1]/Cdtr/Nm", "X-1"},
		{"bad/RR03-creditor-name-missing.xml", "acc", maksa.RJCT, 0, 1, maksa.RR03, 30, "/Document/CstmrCdtTrfInitn/PmtInf[1]/CdtTrfTxInf[1]", "X-1"},
	}
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.user+"/"+tt.file, func(t *testing.T) {
					e := importEnv(t, b)
					want := 0
					if tt.code != "" {
						want = 1
					}
					// Each file is imported after a dry run, which must store nothing.
					var dry []importer.Result
					e.runJSON(want, &dry, "import", "--dry-run", "--user", tt.user, repo("testdata/pain001/"+tt.file))
					var got []importer.Result
					e.runJSON(want, &got, "import", "--user", tt.user, repo("testdata/pain001/"+tt.file))
					r := got[0]
					if r.Status != tt.status || r.Accepted != tt.accepted || r.Rejected != tt.rejected {
						t.Fatalf("status %s, accepted %d, rejected %d; want %s, %d, %d\nproblems: %+v", r.Status, r.Accepted, r.Rejected, tt.status, tt.accepted, tt.rejected, r.Problems)
					}
					if dry[0].Status != r.Status || dry[0].Accepted != r.Accepted || dry[0].BatchID != 0 {
						t.Errorf("dry run: %+v, import: %+v", dry[0], r)
					}
					if tt.code == "" {
						if len(r.Problems) != 0 {
							t.Errorf("unexpected problems %+v", r.Problems)
						}
						return
					}
					p := r.Problems[0]
					wantPos := maksa.Position{File: filepath.Base(tt.file), Line: tt.line, XPath: tt.xpath}
					p.Position.Column = 0
					if tt.xpath == "" {
						p.Position.XPath = ""
					}
					if p.Code != tt.code || p.Position != wantPos || p.EndToEndID != tt.e2e || p.Message == "" {
						t.Errorf("first problem = %+v\nwant code %s at %+v, end-to-end id %q", p, tt.code, wantPos, tt.e2e)
					}
					if r.Report == "" {
						t.Fatalf("no pain.002 report written")
					}
					checkReport(t, r.Report, r)
				})
			}
		})
	}
}

// pain002 is the part of a pain.002.001.03 the tests read back.
type pain002 struct {
	Group struct {
		MsgID   string   `xml:"OrgnlMsgId"`
		Status  string   `xml:"GrpSts"`
		Reasons []string `xml:"StsRsnInf>Rsn>Cd"`
	} `xml:"CstmrPmtStsRpt>OrgnlGrpInfAndSts"`
	Txs []struct {
		E2E     string   `xml:"OrgnlEndToEndId"`
		Status  string   `xml:"TxSts"`
		Reasons []string `xml:"StsRsnInf>Rsn>Cd"`
	} `xml:"CstmrPmtStsRpt>OrgnlPmtInfAndSts>TxInfAndSts"`
}

// checkReport checks that the pain.002 at path is valid against the XSD of
// the version that answers the request's, and says what the import result
// says: the group status and exactly the rejected transactions with their
// codes.
func checkReport(t *testing.T, path string, r importer.Result) pain002 {
	t.Helper()
	xsdcheck.Validate(t, path, fmt.Sprintf("pain.002.001.%02d.xsd", pain002fmt.VersionFor(r.Format)))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep pain002
	if err := xml.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Group.Status != string(r.Status) {
		t.Errorf("report group status %s, want %s", rep.Group.Status, r.Status)
	}
	// A file rejected whole has payments rejected without reasons of their own.
	// An accepted payment is listed when its verification of payee must be
	// confirmed (NARR).
	wantTx := map[string][]string{}
	told := map[string]bool{} // accepted, listed for their verification of payee
	groupRejected := r.Status == maksa.RJCT && len(r.Payments) == 0
	for _, p := range r.Payments {
		if p.Status != maksa.RJCT {
			if p.Payee != nil && p.Payee.NeedsConfirmation() && r.Status != maksa.RJCT {
				wantTx[p.EndToEndID] = append(wantTx[p.EndToEndID], string(maksa.NARR))
				told[p.EndToEndID] = true
			}
			continue
		}
		if len(p.Reasons) == 0 {
			groupRejected = true
		}
		e2e := p.EndToEndID
		if e2e == "" {
			e2e = "NOTPROVIDED"
		}
		for _, reason := range p.Reasons {
			wantTx[e2e] = append(wantTx[e2e], string(reason.Code))
		}
	}
	if groupRejected {
		if len(rep.Txs) != 0 || len(rep.Group.Reasons) == 0 {
			t.Errorf("a file rejected whole must report group reasons and no transactions: %+v", rep)
		}
		return rep
	}
	gotTx := map[string][]string{}
	for _, tx := range rep.Txs {
		if tx.Status != "RJCT" && !told[tx.E2E] {
			t.Errorf("report lists %s with status %s; only rejected transactions, and those whose verification of payee must be confirmed, belong there", tx.E2E, tx.Status)
		}
		gotTx[tx.E2E] = append(gotTx[tx.E2E], tx.Reasons...)
	}
	if strings.Join(keys(gotTx), ",") != strings.Join(keys(wantTx), ",") {
		t.Errorf("report lists %v, want exactly the rejected %v", gotTx, wantTx)
	}
	for e2e, codes := range wantTx {
		if strings.Join(gotTx[e2e], ",") != strings.Join(codes, ",") {
			t.Errorf("report reasons for %s = %v, want %v", e2e, gotTx[e2e], codes)
		}
	}
	return rep
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestImportDuplicates(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := importEnv(t, b)
			good := repo("testdata/pain001/good-3.xml")
			var first, second, third []importer.Result
			e.runJSON(0, &first, "import", "--user", "acc", good)
			batches := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM batches`)
			payments := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM payments`)

			// The same file again: DU01, nothing stored, its own report.
			e.runJSON(1, &second, "import", "--user", "acc", good)
			if p := second[0].Problems; second[0].Status != maksa.RJCT || len(p) != 1 || p[0].Code != maksa.DU01 {
				t.Fatalf("second import: %+v", second[0])
			}
			if second[0].BatchID != 0 || testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM batches`) != batches || testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM payments`) != payments {
				t.Errorf("the duplicate stored something")
			}
			if second[0].Report == first[0].Report || !strings.HasSuffix(second[0].Report, "good-3.xml.2.pain002.xml") {
				t.Errorf("reports %s and %s: the second must not overwrite the first", first[0].Report, second[0].Report)
			}
			// Its errors.csv carries its report's number, though the first had none.
			if !strings.HasSuffix(second[0].ErrorsReport, "good-3.xml.2.errors.csv") {
				t.Errorf("errors report %q, want good-3.xml.2.errors.csv beside %s", second[0].ErrorsReport, second[0].Report)
			}
			// When that name is taken, the next free one: nothing is overwritten.
			taken := filepath.Join(e.home, "outbox", "acc", "good-3.xml.3.errors.csv")
			if err := os.WriteFile(taken, []byte("kept"), 0o600); err != nil {
				t.Fatal(err)
			}
			e.runJSON(1, &second, "import", "--user", "acc", good)
			if kept, _ := os.ReadFile(taken); string(kept) != "kept" || !strings.HasSuffix(second[0].Report, "good-3.xml.3.pain002.xml") ||
				!strings.HasSuffix(second[0].ErrorsReport, "good-3.xml.errors.csv") {
				t.Errorf("with %s taken: report %s, errors %s, the taken file holds %q", filepath.Base(taken), second[0].Report, second[0].ErrorsReport, kept)
			}
			checkReport(t, second[0].Report, second[0])

			// Another file with the same message id for the same client: DU01.
			e.runJSON(1, &third, "import", "--user", "acc", repo("testdata/pain001/bad/DU01-message-id.xml"))
			if p := third[0].Problems; len(p) != 1 || p[0].Code != maksa.DU01 || !strings.Contains(p[0].Message, "MSG-GOOD-3") {
				t.Fatalf("same message id: %+v", third[0])
			}
			if testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM payments`) != payments {
				t.Errorf("the duplicate message stored payments")
			}

			// An end-to-end id of an earlier batch on the same debtor account: DU04.
			var again []importer.Result
			e.runJSON(1, &again, "import", "--user", "acc", repo("testdata/pain001/bad/DU04-e2e-repeated.xml"))
			e.runJSON(1, &again, "import", "--user", "acc", repo("testdata/pain001/partial.xml"))
			if again[0].Accepted != 2 {
				t.Fatalf("partial.xml: %+v", again[0])
			}
		})
	}
}

func TestDailyLimitCountsEarlierFiles(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := importEnv(t, b)
			var res []importer.Result
			// 3 × 9000 accepted of 34000: 25000 used … minus the rejected third: 9000+9000+7000 = 25000.
			e.runJSON(1, &res, "import", "--user", "acc", repo("testdata/pain001/bad/AM21-daily-limit.xml"))
			if res[0].Accepted != 3 {
				t.Fatalf("first file: %+v", res[0])
			}
			// The daily limit of 25000 is used up: a new payment that day is refused.
			e.runJSON(1, &res, "import", "--user", "acc", repo("testdata/pain001/good-3.xml"))
			if res[0].Accepted != 0 || res[0].Problems[0].Code != maksa.AM21 {
				t.Fatalf("second file: %+v", res[0])
			}
		})
	}
}

func TestPartiallyRejectedReport(t *testing.T) {
	e := importEnv(t, testdb.Backends(t)[0])
	// Temporaries of reports that a crash cut short, two hours ago: the
	// next reports written into that outbox remove them.
	left := []string{filepath.Join(e.home, "outbox", "acc", ".report-4242.tmp"), filepath.Join(e.home, "outbox", "acc", ".errors-4242.tmp")}
	for _, path := range left {
		leaveOld(t, path)
	}
	var res []importer.Result
	e.runJSON(1, &res, "import", "--user", "acc", repo("testdata/pain001/partial.xml"))
	for _, path := range left {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", filepath.Base(path), err)
		}
	}
	rep := checkReport(t, res[0].Report, res[0])
	rejected := rep.Txs[:0:0]
	for _, tx := range rep.Txs {
		if tx.Status == "RJCT" {
			rejected = append(rejected, tx)
		} else if strings.Join(tx.Reasons, ",") != "NARR" { // the payee's verification (NOAP: the test asks no other bank)
			t.Errorf("report lists accepted %s with %v", tx.E2E, tx.Reasons)
		}
	}
	if rep.Group.Status != "PART" || len(rejected) != 1 || rejected[0].E2E != "P-2" || strings.Join(rejected[0].Reasons, ",") != "AC03" {
		t.Errorf("report = %+v, want PART rejecting only P-2 with AC03", rep)
	}
	// The payments list gives ids to stored payments and says which were rejected.
	if len(res[0].Payments) != 3 || res[0].Payments[1].Status != maksa.RJCT || res[0].Payments[0].PaymentID == 0 || res[0].Payments[0].Amount != "10.00" {
		t.Errorf("payments = %+v", res[0].Payments)
	}
}

// TestSamePaymentsWarnOrReject: a file that repeats accepted payments under
// new end-to-end ids is accepted with an AM05 warning on each — in the
// result and in the pain.002 — and, once the configuration says
// same_payments: reject, rejected with AM05.
func TestSamePaymentsWarnOrReject(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	spec := testgen.Spec{Count: 3, MessageID: "FIRST", Date: nov27, Seed: 7}
	e.mustRun(0, "import", "--user", "gramatvediba", writePain001(t, spec))
	spec.MessageID = "AGAIN" // the same payments, other end-to-end ids
	var res []importer.Result
	e.runJSON(0, &res, "import", "--user", "gramatvediba", writePain001(t, spec))
	if res[0].Status != maksa.ACTC || len(res[0].Notes) != 3 || !strings.Contains(res[0].Notes[0].Message, "AM05 (a warning): the same payment") ||
		!strings.Contains(res[0].Notes[0].Message, "in batch 1") {
		t.Fatalf("repeated payments: %+v", res[0])
	}
	report, err := os.ReadFile(res[0].Report)
	if err != nil || strings.Count(string(report), "AM05 (a warning)") != 3 {
		t.Errorf("the pain.002 does not carry the three warnings (%v):\n%s", err, report)
	}
	os.WriteFile(filepath.Join(e.home, "maksa.yaml"), []byte("same_payments: reject\n"), 0o600)
	spec.MessageID = "THIRD"
	e.runJSON(1, &res, "import", "--user", "gramatvediba", writePain001(t, spec))
	if res[0].Status != maksa.RJCT || res[0].Rejected != 3 || len(res[0].Problems) != 3 || res[0].Problems[0].Code != maksa.AM05 {
		t.Fatalf("repeated payments, same_payments: reject: %+v", res[0])
	}
	os.WriteFile(filepath.Join(e.home, "maksa.yaml"), []byte("same_payments: maybe\n"), 0o600)
	if r := e.run("import", "--user", "gramatvediba", writePain001(t, spec)); r.code != 2 || !strings.Contains(r.stderr, "warn or reject") {
		t.Errorf("same_payments: maybe: exit %d, %s", r.code, r.stderr)
	}
}

// TestValidatePrintsEveryProblem: validate prints every problem of a file
// with more of them than a result holds in memory (12,000: the rest wait on
// disk), in file order, in the table and in --json; and --json prints what
// encoding/json would for the results it gives.
func TestValidatePrintsEveryProblem(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	big := filepath.Join(t.TempDir(), "big.xml")
	e.mustRun(0, "dev", "gen", "--count", "24000", "--invalid", "0.5", "--date", "2026-11-27", "--out", big)
	files := []string{repo("testdata/pain001/partial.xml"), big, repo("testdata/pain001/good-3.xml"), repo("testdata/pain001/bad/AM10-ctrlsum-malformed.xml")}
	r := e.run(append([]string{"--json", "validate"}, files...)...)
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var res []importer.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res) != len(files) {
		t.Fatalf("%d results, %v", len(res), err)
	}
	var again bytes.Buffer
	enc := json.NewEncoder(&again)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil || again.String() != r.stdout {
		t.Errorf("the output is not what encoding/json prints for its results (%v)", err)
	}
	problems := res[1].Problems
	if len(problems) != 12000 || res[1].Rejected != 12000 {
		t.Fatalf("big.xml: %d problems, %d rejected; want 12000", len(problems), res[1].Rejected)
	}
	for i := 1; i < len(problems); i++ {
		if problems[i].Position.Line < problems[i-1].Position.Line {
			t.Fatalf("problem %d at line %d after one at line %d", i, problems[i].Position.Line, problems[i-1].Position.Line)
		}
	}
	if len(res[0].Problems) != 1 || len(res[2].Problems) != 0 || len(res[3].Problems) == 0 {
		t.Errorf("the other files: %d, %d, %d problems", len(res[0].Problems), len(res[2].Problems), len(res[3].Problems))
	}
	text := e.run("validate", big)
	if n := strings.Count(text.stdout, "  big.xml:"); text.code != 1 || n != 12000 {
		t.Errorf("the table lists %d problems of big.xml, want 12000 (exit %d)", n, text.code)
	}
}

// TestErrorsCSVAmountAsWritten: errors.csv shows an amount with more
// decimals than its currency has as it was written, never rounded to look
// valid.
func TestErrorsCSVAmountAsWritten(t *testing.T) {
	e := importEnv(t, testdb.Backends(t)[0])
	var res []importer.Result
	e.runJSON(1, &res, "import", "--user", "acc", repo("testdata/pain001/bad/AM12-amount-decimals.xml"))
	rows := readCSV(t, res[0].ErrorsReport)
	if len(rows) != 2 || rows[1][2] != "AM12" || rows[1][7] != "100.001" {
		t.Errorf("errors.csv = %q, want the AM12 row with the amount 100.001 as written", rows)
	}
}

// TestAmountMessage: an amount that is no number is told once, with what
// to write instead.
func TestAmountMessage(t *testing.T) {
	e := importEnv(t, testdb.Backends(t)[0])
	var res []importer.Result
	e.runJSON(1, &res, "validate", "--user", "acc", repo("testdata/pain001/bad/AM12-amount-comma.xml"))
	if ps := res[0].Problems; len(ps) == 0 || ps[0].Code != maksa.AM12 || ps[0].Message != `amount "12,50" is not a number: write digits with a point before the decimals, e.g. 1500.00` {
		t.Errorf("problems %+v", ps)
	}
}

// TestRejectedAmountFormat: a rejected payment's amount is shown in the
// currency's format (10.00) like an accepted one's; one with more decimals
// than its currency has is shown as written.
func TestRejectedAmountFormat(t *testing.T) {
	e := importEnv(t, testdb.Backends(t)[0])
	path := writeTable(t, "csv", []string{"Document No.", "Payer account", "Beneficiary", "Beneficiary account", "Amount", "Execution date"},
		[][]string{{"F-1", "LV21TREL9160100000000", "Anna", "LV44HABA0551000000000", "10", "2026-11-27"}, // a bad IBAN: AC03
			{"F-2", "LV21TREL9160100000000", "Anna", "LV44HABA0551000000001", "100.001", "2026-11-27"}})
	var res []importer.Result
	e.runJSON(1, &res, "import", "--user", "acc", path)
	got := map[string]string{}
	for _, p := range res[0].Payments {
		got[p.EndToEndID] = p.Amount
	}
	if got["F-1"] != "10.00" || got["F-2"] != "100.001" {
		t.Errorf("amounts %v, want F-1 10.00 and F-2 100.001", got)
	}
}

// TestLimitMessageAmounts: a limit refusal writes every amount one way,
// with the currency's decimals and its code.
func TestLimitMessageAmounts(t *testing.T) {
	e := importEnv(t, testdb.Backends(t)[0])
	var res []importer.Result
	e.runJSON(1, &res, "import", "--user", "acc", repo("testdata/pain001/bad/AM14-over-payment-limit.xml"))
	if ps := res[0].Problems; len(ps) != 1 || ps[0].Message != "amount 10000.01 EUR is above acc's single-payment limit of 10000.00 EUR on LV21TREL9160100000000" {
		t.Errorf("problems %+v", ps)
	}
}

// TestJunkNamedXML: a file named .xml whose content is no XML is told
// that, not answered with what a CSV file would lack.
func TestJunkNamedXML(t *testing.T) {
	e := importEnv(t, testdb.Backends(t)[0])
	var res []importer.Result
	e.runJSON(1, &res, "validate", repo("testdata/pain001/bad/FF01-not-xml.xml"))
	if ps := res[0].Problems; len(ps) != 1 || ps[0].Code != maksa.FF01 || !strings.Contains(ps[0].Message, "promises XML") {
		t.Errorf("problems %+v", ps)
	}
}
