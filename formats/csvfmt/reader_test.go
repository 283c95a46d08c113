package csvfmt_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"maksa"
	"maksa/formats/csvfmt"
	"maksa/internal/test/testgen"
)

var nov27 = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func readAll(data []byte) (*csvfmt.Reader, []*maksa.Payment, error) {
	r := csvfmt.NewReader(bytes.NewReader(data))
	r.File = "f.csv"
	r.Today = nov27
	var ps []*maksa.Payment
	for {
		p, err := r.Read()
		if err == io.EOF {
			return r, ps, nil
		}
		if err != nil {
			return r, ps, err
		}
		ps = append(ps, p)
	}
}

func TestReadWindows1257(t *testing.T) {
	data, _ := os.ReadFile("../../testdata/csv/win1257-semicolon.csv")
	r, ps, err := readAll(data)
	if err != nil {
		t.Fatal(err)
	}
	if r.Encoding != "windows-1257" || r.Delimiter != ';' || len(ps) != 3 {
		t.Fatalf("encoding %s, delimiter %q, %d payments", r.Encoding, r.Delimiter, len(ps))
	}
	want := []struct{ name, iban, amount, remit string }{
		{"Jānis Bērziņš", "LV44HABA0551000000001", "1234.56", "Alga par novembri"},
		{"SIA Koks, filiāle", "LV31UNLA0050000000002", "250.5", "Rēķins Nr. 17/2026"},
		{"Līga Ozoliņa", "LV21PARX0000000000003", "1000", "Pabalsts"},
	}
	for i, w := range want {
		p := ps[i]
		if p.CreditorName != w.name || p.CreditorIBAN != w.iban || p.AmountText != w.amount || p.Remittance != w.remit || !p.ExecutionDate.Equal(nov27) {
			t.Errorf("payment %d = %q %q %q %q %v", i+1, p.CreditorName, p.CreditorIBAN, p.AmountText, p.Remittance, p.ExecutionDate)
		}
	}
	if sum, pos := r.ControlSum(); sum != "2485.06" || pos.Line != 7 {
		t.Errorf("control sum %q at line %d, want 2485.06 at 7", sum, pos.Line)
	}
	if p := ps[0].PositionOf(maksa.FieldAmount); p.Line != 4 || p.Field != "Summa" {
		t.Errorf("amount position %+v, want line 4 [Summa]", p)
	}
}

func TestAmountsAndDates(t *testing.T) {
	for _, tt := range []struct{ amount, want string }{
		{"1234.56", "1234.56"}, {"1 234,56", "1234.56"}, {"1.234,56", "1234.56"}, {"1,234.56", "1234.56"},
		{"12,5", "12.5"}, {"1\u00a0000,00", "1000"}, {"1.234", "1.234"}, {"12,5x", "12,5x"},
	} {
		doc := "Saņēmējs;Saņēmēja konts;Maksātāja konts;Summa;Izpildes datums\nA;LV44HABA0551000000001;LV21TREL9160100000000;" + tt.amount + ";27.11.2026\n"
		_, ps, err := readAll([]byte(doc))
		if err != nil || len(ps) != 1 || ps[0].AmountText != tt.want {
			t.Errorf("amount %q read as %+v, %v; want %q", tt.amount, ps, err, tt.want)
		}
	}
	for _, tt := range []struct{ date, want string }{{"2026-11-27", "2026-11-27"}, {"27.11.2026", "2026-11-27"}, {"27/11/2026", "2026-11-27"}, {"7.1.2027", "2027-01-07"}, {"31.02.2026", ""}} {
		doc := "Saņēmējs,Saņēmēja konts,Maksātāja konts,Summa,Izpildes datums\nA,LV44HABA0551000000001,LV21TREL9160100000000,1.00," + tt.date + "\n"
		_, ps, err := readAll([]byte(doc))
		got := ""
		if err == nil && len(ps) == 1 && !ps[0].ExecutionDate.IsZero() {
			got = ps[0].ExecutionDate.Format(maksa.DateLayout)
		}
		if got != tt.want {
			t.Errorf("date %q read as %q, want %q", tt.date, got, tt.want)
		}
	}
}

func TestNoHeader(t *testing.T) {
	_, _, err := readAll([]byte("a;b;c\n1;2;3\n"))
	var p *maksa.Problem
	if !errors.As(err, &p) || p.Code != maksa.FF01 {
		t.Fatalf("error = %v, want FF01", err)
	}
}

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+371": "'+371", "-5": "'-5", "@SUM": "'@SUM", "\tx": "'\tx", "\rx": "'\rx", "Anna": "Anna", "": ""} {
		if got := csvfmt.Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzReader(f *testing.F) {
	for _, pattern := range []string{"../../testdata/csv/*.csv", "../../testdata/csv/bad/*.csv"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, _ := os.ReadFile(file)
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a failure too: the fuzzer would wait for it forever.
		var ps []*maksa.Payment
		var err error
		done := make(chan struct{})
		go func() { _, ps, err = readAll(data); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("reading %d bytes did not end in 10 s: %q", len(data), data)
		}
		if err != nil {
			var p *maksa.Problem
			if !errors.As(err, &p) {
				t.Fatalf("error %v is not a *maksa.Problem", err)
			}
		}
		for _, p := range ps {
			if p.Position.Line == 0 {
				t.Fatalf("payment without a line: %+v", p)
			}
		}
	})
}

func BenchmarkRead100k(b *testing.B) {
	var buf bytes.Buffer
	spec := testgen.Spec{Count: 100000, MessageID: "B", Seed: 1, Date: nov27}
	if err := spec.WriteCSV(&buf); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		r := csvfmt.NewReader(bytes.NewReader(buf.Bytes()))
		n := 0
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != spec.Count {
			b.Fatalf("read %d payments", n)
		}
	}
	b.ReportMetric(float64(spec.Count*b.N)/b.Elapsed().Seconds(), "payments/s")
}

// BenchmarkWrite writes 10,000 report rows (a daily report's CSV sheet).
func BenchmarkWrite(b *testing.B) {
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		w := csvfmt.NewWriter(&buf)
		for range 10000 {
			err := w.Write(csvfmt.Number("123456"), csvfmt.Text("GEN-1-E2E-1"), csvfmt.Text("LV21TREL9160100000000"), csvfmt.Text("Kreditors, SIA"),
				csvfmt.Text("LV80BANK0000435195001"), csvfmt.Number("1234.56"), csvfmt.Text("EUR"), csvfmt.Text("2026-11-27"))
			if err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
