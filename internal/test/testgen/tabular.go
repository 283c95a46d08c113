package testgen

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"maksa"
)

// Headers are the Latvian column headers the tabular writers use, as an
// accounting program exports them.
var Headers = []string{"Dokumenta Nr.", "Maksātāja konts", "Maksātājs", "Saņēmējs", "Saņēmēja konts", "Saņēmēja banka", "Summa", "Valūta", "Izpildes datums", "Mērķis"}

// decimalComma writes an amount the Latvian way: "1 234,56".
func decimalComma(p *maksa.Payment) string {
	s := p.Amount.StringFixed(2)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String() + "," + frac
}

// WriteCSV writes the spec as a Windows-1257 CSV with ";" delimiters,
// decimal commas and dd.mm.yyyy dates, as Latvian accounting programs do.
func (s Spec) WriteCSV(w io.Writer) error {
	enc := charmap.Windows1257.NewEncoder().Writer(w)
	cw := csv.NewWriter(enc)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := cw.Write(Headers); err != nil {
		return err
	}
	err := s.Payments(func(p *maksa.Payment) error {
		return cw.Write([]string{p.EndToEndID, p.DebtorIBAN, p.DebtorName, p.CreditorName, p.CreditorIBAN, p.CreditorBIC,
			decimalComma(p), p.Currency, p.ExecutionDate.Format("02.01.2006"), p.Remittance})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the spec as a workbook with a title row above the
// header, amounts as number cells and dates as date cells.
func (s Spec) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Maksājumi"
	f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	amountStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 4})
	if err := sw.SetRow("A1", []any{"Maksājumu saraksts"}); err != nil {
		return err
	}
	if err := sw.MergeCell("A1", "J1"); err != nil {
		return err
	}
	header := make([]any, len(Headers))
	for i, h := range Headers {
		header[i] = h
	}
	if err := sw.SetRow("A3", header); err != nil {
		return err
	}
	row := 4
	err = s.Payments(func(p *maksa.Payment) error {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		row++
		return sw.SetRow(cell, []any{p.EndToEndID, p.DebtorIBAN, p.DebtorName, p.CreditorName, p.CreditorIBAN, p.CreditorBIC,
			excelize.Cell{Value: p.Amount.InexactFloat64(), StyleID: amountStyle}, p.Currency,
			excelize.Cell{Value: p.ExecutionDate, StyleID: dateStyle}, p.Remittance})
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
