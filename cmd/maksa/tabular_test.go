package main_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maksa"
	"maksa/importer"
	"maksa/internal/test/testdb"
	"maksa/internal/test/testgen"
	"maksa/store"
)

// TestImportTabularRules imports CSV and XLSX files, good and bad, and
// checks the outcome and the position of the first problem through the CLI.
func TestImportTabularRules(t *testing.T) {
	tests := []struct {
		file     string
		status   maksa.Status
		accepted int
		code     maksa.Reason
		pos      maksa.Position
	}{
		{"csv/win1257-semicolon.csv", maksa.ACTC, 3, "", maksa.Position{}},
		{"csv/utf8-bom-comma.csv", maksa.ACTC, 2, "", maksa.Position{}},
		{"csv/utf8-addresses.csv", maksa.ACTC, 3, "", maksa.Position{}},
		{"xlsx/title-merged-formula.xlsx", maksa.ACTC, 4, "", maksa.Position{}},
		{"csv/bad/FF01-missing-column.csv", maksa.RJCT, 0, maksa.FF01, maksa.Position{File: "FF01-missing-column.csv", Line: 1}},
		{"csv/bad/FF02-bad-quote-line2.csv", maksa.RJCT, 0, maksa.FF02, maksa.Position{File: "FF02-bad-quote-line2.csv", Line: 2, Column: 53}},
		{"csv/bad/AM12-bad-amount-line3.csv", maksa.PART, 1, maksa.AM12, maksa.Position{File: "AM12-bad-amount-line3.csv", Line: 3, Field: "Summa"}},
		{"csv/bad/DT01-bad-date-line3.csv", maksa.PART, 1, maksa.DT01, maksa.Position{File: "DT01-bad-date-line3.csv", Line: 3, Field: "Izpildes datums"}},
		{"csv/bad/AC03-bad-iban-line2.csv", maksa.RJCT, 0, maksa.AC03, maksa.Position{File: "AC03-bad-iban-line2.csv", Line: 2, Field: "Saņēmēja konts"}},
		{"csv/bad/RR10-wrong-encoding-line2.csv", maksa.RJCT, 0, maksa.RR10, maksa.Position{File: "RR10-wrong-encoding-line2.csv", Line: 2, Field: "Saņēmējs"}},
		{"csv/bad/AM16-total-row.csv", maksa.RJCT, 0, maksa.AM16, maksa.Position{File: "AM16-total-row.csv", Line: 3}},
		{"xlsx/bad/AM12-bad-amount-G5.xlsx", maksa.PART, 1, maksa.AM12, maksa.Position{File: "AM12-bad-amount-G5.xlsx", Sheet: "Maksājumi", Cell: "G5", Field: "Summa"}},
		{"xlsx/bad/DT01-bad-date-I5.xlsx", maksa.PART, 1, maksa.DT01, maksa.Position{File: "DT01-bad-date-I5.xlsx", Sheet: "Maksājumi", Cell: "I5", Field: "Izpildes datums"}},
		{"xlsx/bad/AC03-bad-iban-E4.xlsx", maksa.RJCT, 0, maksa.AC03, maksa.Position{File: "AC03-bad-iban-E4.xlsx", Sheet: "Maksājumi", Cell: "E4", Field: "Saņēmēja konts"}},
	}
	b := testdb.Backends(t)[0]
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			e := importEnv(t, b)
			want := 0
			if tt.code != "" {
				want = 1
			}
			var res []importer.Result
			e.runJSON(want, &res, "import", "--user", "acc", repo("testdata/"+tt.file))
			r := res[0]
			if r.Status != tt.status || r.Accepted != tt.accepted {
				t.Fatalf("status %s, accepted %d; want %s, %d\n%+v", r.Status, r.Accepted, tt.status, tt.accepted, r.Problems)
			}
			if tt.code == "" {
				return
			}
			if p := r.Problems[0]; p.Code != tt.code || p.Position != tt.pos {
				t.Errorf("first problem %s at %+v, want %s at %+v (%s)", p.Code, p.Position, tt.code, tt.pos, p.Message)
			}
			checkReport(t, r.Report, r)
			if r.ErrorsReport == "" {
				t.Fatal("no errors.csv written")
			}
			rows := readCSV(t, r.ErrorsReport)
			if len(rows) < 2 || rows[1][2] != string(tt.code) {
				t.Errorf("errors.csv = %v, want a row for %s", rows, tt.code)
			}
		})
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestUnknownColumnIsAWarning(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	var res []importer.Result
	e.runJSON(0, &res, "validate", repo("testdata/csv/utf8-bom-comma.csv"))
	if w := res[0].Warnings; len(w) != 1 || !strings.Contains(w[0], `"Cost centre"`) {
		t.Errorf("warnings = %v, want one about Cost centre", w)
	}
}

// TestErrorsReportNeutralisesFormulas checks that text from a payment file
// that a spreadsheet would run as a formula reaches errors.csv as text.
func TestErrorsReportNeutralisesFormulas(t *testing.T) {
	e := importEnv(t, testdb.Backends(t)[0])
	file := filepath.Join(t.TempDir(), "evil.csv")
	os.WriteFile(file, []byte("Saņēmējs;Saņēmēja konts;Maksātāja konts;Summa;Izpildes datums\n"+
		"=HYPERLINK(\"http://x\");LV44HABA0551000000001;LV21TREL9160100000000;-5;27.11.2026\n"+
		"@SUM(A1);+LV44HABA0551000000001;LV21TREL9160100000000;10,00;27.11.2026\n"), 0o600)
	var res []importer.Result
	e.runJSON(1, &res, "import", "--user", "acc", file)
	for _, row := range readCSV(t, res[0].ErrorsReport)[1:] {
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("errors.csv column %d holds %q, which a spreadsheet would run", i, cell)
			}
		}
	}
}

// TestSamePaymentsInEveryFormat imports the same 50 payments exported as
// pain.001.001.03, as a Windows-1257 CSV with ";" and decimal commas, and as
// XLSX, and compares the stored payments field by field.
func TestSamePaymentsInEveryFormat(t *testing.T) {
	spec := testgen.Spec{Count: 50, PerInfo: 50, Version: 3, MessageID: "SAME-50", Seed: 9, MaxAmount: 500000,
		Date: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	writers := map[string]func(*os.File) error{
		"same.xml":  func(f *os.File) error { return spec.WritePain001(f) },
		"same.csv":  func(f *os.File) error { return spec.WriteCSV(f) },
		"same.xlsx": func(f *os.File) error { return spec.WriteXLSX(f) },
	}
	stored := map[string][]*maksa.Payment{}
	for name, write := range writers {
		path := filepath.Join(dir, name)
		f, _ := os.Create(path)
		if err := write(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		e := newEnv(t, testdb.Backends(t)[0])
		e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
		e.mustRun(0, "import", "--user", "gramatvediba", path)
		stored[name] = storedPayments(t, e)
	}
	xml, csvs, xlsx := stored["same.xml"], stored["same.csv"], stored["same.xlsx"]
	if len(xml) != 50 || len(csvs) != 50 || len(xlsx) != 50 {
		t.Fatalf("stored %d, %d, %d payments; want 50 each", len(xml), len(csvs), len(xlsx))
	}
	for i := range xml {
		for _, other := range []*maksa.Payment{csvs[i], xlsx[i]} {
			if diff := comparePayments(xml[i], other); diff != "" {
				t.Errorf("payment %d differs between pain.001 and the other format: %s", i+1, diff)
			}
		}
	}
}

func storedPayments(t *testing.T, e *env) []*maksa.Payment {
	t.Helper()
	db, err := store.Open(context.Background(), e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ps []*maksa.Payment
	if err := db.BatchPayments(context.Background(), 1, false, func(p *maksa.Payment) error {
		ps = append(ps, p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ps
}

// comparePayments compares the fields every format carries.
func comparePayments(a, b *maksa.Payment) string {
	fields := []struct {
		name string
		x, y string
	}{
		{"end-to-end id", a.EndToEndID, b.EndToEndID},
		{"debtor IBAN", a.DebtorIBAN, b.DebtorIBAN},
		{"debtor name", a.DebtorName, b.DebtorName},
		{"creditor name", a.CreditorName, b.CreditorName},
		{"creditor IBAN", a.CreditorIBAN, b.CreditorIBAN},
		{"creditor BIC", a.CreditorBIC, b.CreditorBIC},
		{"amount", a.AmountText, b.AmountText},
		{"currency", a.Currency, b.Currency},
		{"execution date", a.DateText, b.DateText},
		{"remittance", a.Remittance, b.Remittance},
		{"status", string(a.Status), string(b.Status)},
	}
	var diffs []string
	for _, f := range fields {
		if f.x != f.y {
			diffs = append(diffs, f.name+": "+f.x+" ≠ "+f.y)
		}
	}
	return strings.Join(diffs, "; ")
}
