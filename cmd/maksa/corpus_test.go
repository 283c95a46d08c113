package main_test

import (
	"os"
	"path/filepath"
	"testing"

	"maksa"
	"maksa/importer"
	"maksa/internal/test/testdb"
)

// TestValidateCorpus runs "maksa validate --json" over every public pain.001
// sample of the shared corpus: each is read with its real number of
// transactions and control sum, and the ones that are not valid pain.001
// (by their own schema or their own totals) are rejected with a reason.
func TestValidateCorpus(t *testing.T) {
	dir := repo("../shared/corpus/pain001")
	if _, err := os.Stat(dir); err != nil {
		dir = repo("testdata/pain001/corpus")
		t.Logf("shared corpus not found beside the repository; using the copies in %s", dir)
	}
	tests := []struct {
		file         string
		format       string
		transactions int
		controlSum   string
		rejectedBy   maksa.Reason // the first problem when the file is not clean; "" for none
	}{
		{"dvbern_pain001ExampleOutput.xml", "pain.001.001.03.ch.02", 4, "4010", ""},
		{"hbci4j_test-pain-parse-00100202.xml", "", 0, "0", maksa.FF02}, // empty skeleton: no group header
		{"hbci4j_test-pain-parse-00100303.xml", "", 0, "0", maksa.FF02}, // schema-invalid: no group header
		{"hbci4j_test-pain-parse-invalid.xml", "", 0, "0", maksa.FF01},  // unknown namespace
		{"moov_International_payment_RUB_naujas_1.xml", "pain.001.001.03", 1, "1000.00", maksa.AC02},
		{"moov_International_payment_USD_naujas_1.xml", "pain.001.001.03", 1, "111.11", maksa.AC02},
		{"moov_gistfile1.xml", "pain.001.001.03", 3, "11500000", maksa.AC02},
		{"moov_musterfile_pain.001_Nov2020.xml", "pain.001.001.03.ch.02", 8, "38.00", maksa.AM19},
		{"moov_sepa_payment_naujas_1.xml", "pain.001.001.03", 1, "99.99", maksa.AC02},
		{"phpsepa_pain.001.001.09.xml", "pain.001.001.09", 1, "12.34", maksa.AC02},
		{"phpsepa_pain.001.001.10.xml", "pain.001.001.10", 1, "12.34", maksa.AC02},
		{"phpsepa_pain.001.003.03.xml", "pain.001.003.03", 1, "12.34", maksa.AC02},
		{"pyiso_gs_pain001_001_08.xml", "pain.001.001.08", 1, "10", maksa.AC02},
		{"rousseau_pain.001.001.03.xml", "pain.001.001.03", 4, "900", maksa.AM19},
		{"rousseau_pain.001.001.05.xml", "pain.001.001.05", 1, "100", maksa.AM19},
		{"rousseau_pain.001.001.09.xml", "pain.001.001.09", 5, "1100.00", maksa.AM19},
		{"sepaking_pain.001.001.03.ch.02.xml", "pain.001.001.03.ch.02", 3, "15850.00", maksa.RC01}, // Swiss postal accounts (not IBANs) with no creditor bank BIC
		{"sepaking_pain.001.002.03.xml", "pain.001.002.03", 2, "6655.86", ""},
		{"spstester_TC-CCY-GBP-NOK.xml", "pain.001.001.09", 1, "5000", ""}, // its fault (no creditor agent for GBP) is a cross-border rule, not structure
		{"spstester_TC-QR-001.xml", "pain.001.001.09", 1, "3200", ""},
		{"spstester_TC-SEPA-BATCH.xml", "pain.001.001.09", 3, "2450", ""},
		{"svapnil_crossriver_pain_001_ach_credit.xml", "", 0, "0", maksa.FF02}, // no-break spaces as indentation
		{"svapnil_sepa_pain_001_v3_multiple_pmtinf.xml", "pain.001.001.03", 2, "20.00", maksa.AM19},
	}
	e := newEnv(t, testdb.Backends(t)[0])
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("SKIP %s: not in %s", tt.file, dir)
			}
			want := 0
			if tt.rejectedBy != "" {
				want = 1
			}
			var res []importer.Result
			e.t = t
			e.runJSON(want, &res, "validate", path)
			r := res[0]
			if r.Format != tt.format || r.Transactions != tt.transactions || r.ControlSum != tt.controlSum {
				t.Errorf("format %q, %d transactions, control sum %s; want %q, %d, %s", r.Format, r.Transactions, r.ControlSum, tt.format, tt.transactions, tt.controlSum)
			}
			for _, p := range r.Problems {
				if p.Code == maksa.RR10 || p.Code == maksa.CH16 {
					t.Errorf("the corpus is Latin-script text of lawful lengths, yet %s: %s", p.Code, p.Message)
				}
			}
			switch {
			case tt.rejectedBy == "" && len(r.Problems) > 0:
				t.Errorf("unexpected problems: %+v", r.Problems)
			case tt.rejectedBy != "" && (len(r.Problems) == 0 || r.Problems[0].Code != tt.rejectedBy):
				t.Errorf("problems %+v, want first %s", r.Problems, tt.rejectedBy)
			}
		})
	}
}
