package main_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/formats/pain001"
	"maksa/importer"
	"maksa/internal/test/testdb"
	"maksa/internal/test/xsdcheck"
	"maksa/nightly"
)

// kindsEnv is an env with the payment-kind directory and configuration.
func kindsEnv(t *testing.T, b testdb.Backend, config string) *env {
	t.Helper()
	e := newEnv(t, b)
	if config == "" {
		data, _ := os.ReadFile(repo("testdata/kinds/maksa.yaml"))
		config = string(data)
	}
	os.WriteFile(filepath.Join(e.home, "maksa.yaml"), []byte(config), 0o600)
	e.mustRun(0, "directory", "apply", repo("testdata/kinds/directory.yaml"))
	return e
}

const janisKey = "testdata/demo/keys/janis.key"

func TestPaymentKinds(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := kindsEnv(t, b, "")
			for _, k := range []struct {
				file string
				kind maksa.Kind
			}{{"sepa.xml", maksa.KindSEPA}, {"urgent.xml", maksa.KindUrgent}, {"crossborder.xml", maksa.KindCrossBorder},
				{"budget.xml", maksa.KindBudget}, {"internal.xml", maksa.KindInternal}, {"cash.xml", maksa.KindCash}} {
				file, kind := k.file, k.kind
				var res []importer.Result
				e.runJSON(0, &res, "import", "--user", "prep", repo("testdata/kinds/"+file))
				if res[0].Status != maksa.ACTC || res[0].Payments[0].Kind != kind {
					t.Errorf("%s: %s, kind %s; want ACTC, %s (%+v)", file, res[0].Status, res[0].Payments[0].Kind, kind, res[0].Problems)
				}
			}
			for file, codes := range map[string]string{
				"RC01-BE04-FF02-crossborder-incomplete.xml": "RC01,FF02,BE04", "FF02-sepa-charges.xml": "FF02", "RR06-budget-no-tax-code.xml": "RR06,RR06,RR06",
				"RR05-internal-budget-codes.xml": "RR05", "RR03-cash-no-identity.xml": "RR03", "AG03-kind-not-allowed.xml": "AG03",
			} {
				var res []importer.Result
				e.runJSON(1, &res, "import", "--user", "prep", repo("testdata/kinds/bad/"+file))
				var got []string
				for _, p := range res[0].Problems {
					got = append(got, string(p.Code))
				}
				if strings.Join(got, ",") != codes {
					t.Errorf("%s: codes %v, want %s", file, got, codes)
				}
			}
			e.mustRun(0, "template", "add", "--file", repo("testdata/kinds/template-rent.yaml"), "--user", "prep")
			var res []importer.Result
			e.runJSON(0, &res, "import", "--user", "prep", repo("testdata/kinds/kinds.csv"))
			if k := []maksa.Kind{res[0].Payments[0].Kind, res[0].Payments[1].Kind, res[0].Payments[2].Kind}; fmt.Sprint(k) != "[sepa cash urgent]" || res[0].Payments[0].Amount != "1250.00" {
				t.Errorf("CSV kinds %v, first amount %s (from the template)", k, res[0].Payments[0].Amount)
			}
			e.runJSON(0, &res, "pay", "--user", "prep", "--template", "rent", "--amount", "99.00", "--date", batchDay)
			if res[0].Status != maksa.ACTC {
				t.Errorf("pay: %+v", res[0])
			}
			e.mustRun(0, "sign", "--confirm-vop", "--user", "prep", "--key", repo(janisKey), "--all")
			var sum nightly.Summary
			e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", batchDay)
			if sum.Executed != 10 || sum.Cash != 2 || sum.Internal != 1 || sum.Refused != 0 {
				t.Errorf("batch %+v", sum)
			}
			codes := func(iban string) map[string]int {
				path := filepath.Join(e.home, "statements", iban, batchDay+".camt053.xml")
				xsdcheck.Validate(t, path, "camt.053.001.02.xsd")
				data, _ := os.ReadFile(path)
				out := map[string]int{}
				for _, c := range []string{"ICDT</Cd><SubFmlyCd>ESCT", "ICDT</Cd><SubFmlyCd>BOOK", "CNTR</Cd><SubFmlyCd>CWDL", "ICDT</Cd><SubFmlyCd>XBCT", "RCDT</Cd><SubFmlyCd>BOOK"} {
					out[c] = bytes.Count(data, []byte(c))
				}
				return out
			}
			if a := codes("LV21TREL9160100000000"); a["CNTR</Cd><SubFmlyCd>CWDL"] != 2 || a["ICDT</Cd><SubFmlyCd>BOOK"] != 1 || a["ICDT</Cd><SubFmlyCd>ESCT"] != 6 {
				t.Errorf("bank transaction codes of account A: %v", a)
			}
			if u := codes("LV28TREL9160300000003"); u["ICDT</Cd><SubFmlyCd>XBCT"] != 1 {
				t.Errorf("the cross-border payment's code: %v", u)
			}
			if b := codes("LV11TREL9160200000002"); b["RCDT</Cd><SubFmlyCd>BOOK"] != 1 {
				t.Errorf("the internal transfer's credit: %v", b)
			}
			var files map[string][]string
			e.runJSON(0, &files, "export", "cash-orders", "--date", batchDay)
			if rows := readCSV(t, files["files"][1]); len(rows) != 3 || rows[1][4] != "010180-12345" {
				t.Errorf("cash orders: %v", rows)
			}
			var list []maksa.Template
			e.runJSON(0, &list, "template", "list", "--user", "prep")
			if len(list) != 1 || list[0].Name != "rent" {
				t.Errorf("templates %+v", list)
			}
			e.mustRun(0, "template", "save", "rent2", "--from-payment", "1", "--user", "prep")
			e.mustRun(0, "template", "delete", "rent", "--client", "90000012345", "--user", "prep")
			list = nil
			e.runJSON(0, &list, "template", "list")
			if len(list) != 1 || list[0].Name != "rent2" || list[0].CreditorName != "Jānis Bērziņš" {
				t.Errorf("templates after save and delete: %+v", list)
			}
			e.mustRun(0, "audit", "verify")
		})
	}
}

// writePayments writes a pain.001 of payments from account A, each given
// as (creditor account, amount, execution date).
func writePayments(t *testing.T, dir, name string, payments ...[3]string) string {
	path := filepath.Join(dir, name)
	f, _ := os.Create(path)
	defer f.Close()
	w := pain001.NewWriter(f, 3)
	sum := decimal.Zero
	for _, p := range payments {
		sum = sum.Add(decimal.RequireFromString(p[1]))
	}
	w.WriteHeader(&pain001.GroupHeader{MessageID: name, CreationTime: testTime, NbOfTxs: len(payments), CtrlSum: sum, InitiatingParty: "Iestāde"})
	for i, p := range payments {
		d, _ := time.Parse(maksa.DateLayout, p[2])
		w.Write(&maksa.Payment{PaymentInfoID: fmt.Sprintf("P%d", i), EndToEndID: fmt.Sprintf("%s-%d", name, i+1), DebtorIBAN: "LV21TREL9160100000000",
			CreditorIBAN: p[0], CreditorIsIBAN: true, CreditorName: "Saņēmējs", Amount: decimal.RequireFromString(p[1]), Currency: "EUR",
			ExecutionDate: d, Remittance: "/BKK/01.100/02.200/"})
	}
	w.Close()
	return path
}

func TestCutoffsAndHolidays(t *testing.T) {
	e := kindsEnv(t, testdb.Backends(t)[0], "")
	file := writePayments(t, t.TempDir(), "late.xml",
		[3]string{"LV44HABA0551000000001", "10.00", "2026-11-25"}, // SEPA after 15:30: tomorrow
		[3]string{"LV11TREL9160200000002", "20.00", "2026-11-25"}, // internal until 18:00: today
		[3]string{"LV44HABA0551000000001", "30.00", "2026-11-28"}) // a Saturday: Monday
	cmd := []string{"--home", e.home, "--db", e.dsn, "--json", "import", "--user", "prep", file}
	var res []importer.Result
	out := runAt(t, "2026-11-25T16:00:00+02:00", cmd...)
	if err := jsonUnmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	dates := []string{res[0].Payments[0].ExecutionDate, res[0].Payments[1].ExecutionDate, res[0].Payments[2].ExecutionDate}
	if fmt.Sprint(dates) != "[2026-11-26 2026-11-25 2026-11-30]" {
		t.Errorf("execution dates %v", dates)
	}
	if len(res[0].Notes) != 2 || !strings.Contains(res[0].Notes[0].Message, "cut-off") || !strings.Contains(res[0].Notes[1].Message, "not a working day") {
		t.Errorf("notes %+v", res[0].Notes)
	}
	xsdcheck.Validate(t, res[0].Report, "pain.002.001.03.xsd")
	report, _ := os.ReadFile(res[0].Report)
	if !bytes.Contains(report, []byte("cut-off")) || !bytes.Contains(report, []byte("not a working day")) || !bytes.Contains(report, []byte("<TxSts>PDNG</TxSts>")) {
		t.Errorf("the pain.002 does not announce the moved dates:\n%s", report)
	}
}

func TestAnnouncementHold(t *testing.T) {
	cfg := "budget_codes: [\"01.100\", \"02.200\"]\nannouncement_threshold: \"500.00\"\n"
	e := kindsEnv(t, testdb.Backends(t)[0], cfg)
	dir := t.TempDir()
	e.mustRun(0, "import", "--user", "prep", writePayments(t, dir, "big.xml",
		[3]string{"LV44HABA0551000000001", "300.00", batchDay}, [3]string{"LV44HABA0551000000001", "300.00", batchDay}, [3]string{"LV44HABA0551000000001", "300.00", batchDay}))
	// Announced in time for 2026-11-30: 1000 EUR.
	e.mustRun(0, "announce", "--user", "prep", "--account", "LV21TREL9160100000000", "--date", "2026-11-30", "--amount", "1000.00")
	e.mustRun(0, "import", "--user", "prep", writePayments(t, dir, "announced.xml",
		[3]string{"LV44HABA0551000000001", "450.00", "2026-11-30"}, [3]string{"LV44HABA0551000000001", "450.00", "2026-11-30"}))
	e.mustRun(0, "sign", "--confirm-vop", "--user", "prep", "--key", repo(janisKey), "--all")
	var sum nightly.Summary
	e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", batchDay)
	if sum.Executed != 1 || sum.Held != 2 {
		t.Fatalf("unannounced day: %+v, want 1 executed (up to 500) and 2 held", sum)
	}
	var held []map[string]any
	e.runJSON(0, &held, "payments", "--status", "ACCP", "--to", batchDay)
	if len(held) != 2 || !strings.HasPrefix(fmt.Sprint(held[0]["note"]), "held:") {
		t.Errorf("held payments show no hold: %v", held)
	} else if r := e.mustRun(0, "payments", "show", fmt.Sprint(held[0]["payment_id"])); !strings.Contains(r.stdout, "Note") || !strings.Contains(r.stdout, "held:") {
		t.Errorf("payments show of a held payment:\n%s", r.stdout)
	}
	e.mustRun(0, "release", "--client", "90000012345", "--date", batchDay)
	var released []map[string]any
	e.runJSON(0, &released, "payments", "--status", "ACCP", "--to", batchDay)
	if len(released) != 2 || released[0]["released"] != true {
		t.Errorf("released payments do not say so: %v", released)
	}
	e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", batchDay)
	if sum.Executed != 2 {
		t.Errorf("after the release: %+v", sum)
	}
	e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", "2026-11-30")
	if sum.Executed != 2 || sum.Held != 0 {
		t.Errorf("announced day: %+v", sum)
	}
}

func TestLimitOverride(t *testing.T) {
	e := kindsEnv(t, testdb.Backends(t)[0], "")
	e.mustRun(0, "limits", "override", "--user", "prep", "--account", "LV21TREL9160100000000", "--date", batchDay, "--payment-limit", "50.00")
	var res []importer.Result
	e.runJSON(1, &res, "import", "--user", "prep", writePayments(t, t.TempDir(), "o.xml",
		[3]string{"LV44HABA0551000000001", "100.00", batchDay}, [3]string{"LV44HABA0551000000001", "100.00", "2026-11-26"}))
	if res[0].Payments[0].Status != maksa.RJCT || res[0].Payments[0].Reasons[0].Code != maksa.AM14 || res[0].Payments[1].Status != maksa.PDNG {
		t.Errorf("override: %+v", res[0].Payments)
	}
	// Signing today uses today's override: 100 is above a one-day payment limit of 50.
	e.mustRun(0, "limits", "override", "--user", "prep", "--account", "LV21TREL9160100000000", "--date", "2026-11-25", "--payment-limit", "50.00")
	var out []map[string]any
	e.runJSON(1, &out, "sign", "--confirm-vop", "--user", "prep", "--key", repo(janisKey), "--all")
	if reasons, _ := out[0]["reasons"].([]any); len(reasons) != 1 || !strings.Contains(fmt.Sprint(reasons[0]), "AM14") {
		t.Errorf("signing under today's override: %v", out)
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM audit_events WHERE action = 'limits.override'`); n != 2 {
		t.Errorf("%d override audit events", n)
	}
}

// TestKindShown: a payment's kind is in payments (table and JSON),
// payments show and queue; a CSV payment without a debtor name shows its
// account alone, not "()".
func TestKindShown(t *testing.T) {
	e := kindsEnv(t, testdb.Backends(t)[0], "")
	e.mustRun(0, "import", "--user", "prep", repo("testdata/kinds/crossborder.xml"))
	var found []struct {
		ID   int64  `json:"payment_id"`
		Kind string `json:"kind"`
	}
	e.runJSON(0, &found, "payments")
	if len(found) != 1 || found[0].Kind != "crossborder" {
		t.Fatalf("payments --json: %+v", found)
	}
	if r := e.mustRun(0, "payments"); !strings.Contains(r.stdout, "KIND") || !strings.Contains(r.stdout, "crossborder") {
		t.Errorf("payments table:\n%s", r.stdout)
	}
	if r := e.mustRun(0, "payments", "show", fmt.Sprint(found[0].ID)); !strings.Contains(r.stdout, "Kind") || !strings.Contains(r.stdout, "crossborder") {
		t.Errorf("payments show:\n%s", r.stdout)
	}
	var queue []struct{ Kind string }
	e.runJSON(0, &queue, "queue")
	if len(queue) != 1 || queue[0].Kind != "crossborder" {
		t.Errorf("queue --json: %+v", queue)
	}
}

// TestLateAnnouncement: an announcement after its deadline (12:30 the
// working day before) is stored but does not count, and says so.
func TestLateAnnouncement(t *testing.T) {
	e := kindsEnv(t, testdb.Backends(t)[0], "")
	// The business clock is Wednesday 2026-11-25 10:00: in time for Thursday 26th, late for the 25th itself.
	if r := e.mustRun(0, "announce", "--user", "prep", "--account", "LV21TREL9160100000000", "--date", "2026-11-26", "--amount", "800000.00"); strings.Contains(r.stderr, "Warning") {
		t.Errorf("an announcement in time warned:\n%s", r.stderr)
	}
	r := e.mustRun(0, "announce", "--user", "prep", "--account", "LV21TREL9160100000000", "--date", "2026-11-25", "--amount", "800000.00")
	if !strings.Contains(r.stderr, "Warning: the deadline for 2026-11-25 was 2026-11-24 12:30") || !strings.Contains(r.stderr, "does not count") {
		t.Errorf("a late announcement said:\n%s", r.stderr)
	}
}
