package exporter

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"maksa"
	"maksa/store"
)

// StatementPDF writes a printable statement of the account for from..to:
// the client, the account, the period, the opening and closing balances and
// every entry. It embeds the Go fonts, which carry the Latvian letters.
func (e *Exporter) StatementPDF(ctx context.Context, w io.Writer, iban string, from, to, created time.Time) error {
	opening, currency, err := e.Store.BalanceBefore(ctx, iban, from)
	if err != nil {
		return err
	}
	owner, err := e.owner(ctx, iban)
	if err != nil {
		return err
	}
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetTitle("Konta izraksts "+iban, true)
	pdf.SetAuthor("maksa", true)
	pdf.SetAutoPageBreak(true, 15)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("go", "", 8)
		pdf.CellFormat(0, 5, fmt.Sprintf("%s  —  %d", iban, pdf.PageNo()), "", 0, "R", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("go", "B", 14)
	pdf.CellFormat(0, 8, "Konta izraksts / Account statement", "", 1, "L", false, 0, "")
	pdf.SetFont("go", "", 10)
	for _, line := range []string{
		"Klients / Client: " + owner,
		"Konts / Account: " + iban + " (" + currency + ")",
		"Periods / Period: " + from.Format(maksa.DateLayout) + " – " + to.Format(maksa.DateLayout),
		"Sākuma atlikums / Opening balance: " + opening.StringFixed(2) + " " + currency,
	} {
		pdf.CellFormat(0, 6, line, "", 1, "L", false, 0, "")
	}
	pdf.Ln(3)
	widths := []float64{22, 26, 60, 50, 28, 28, 63}
	header := func() {
		pdf.SetFont("go", "B", 8)
		for i, h := range []string{"Datums", "Atsauce", "Darījuma partneris", "Konts", "Debets", "Kredīts", "Mērķis"} {
			pdf.CellFormat(widths[i], 6, h, "B", 0, "L", false, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("go", "", 8)
	}
	header()
	balance := opening
	err = e.Store.Entries(ctx, iban, from, to, func(en store.Entry) error {
		if pdf.GetY() > 185 {
			pdf.AddPage()
			header()
		}
		debit, credit := "", ""
		if en.Side == "CRDT" {
			credit, balance = en.Amount.StringFixed(2), balance.Add(en.Amount)
		} else {
			debit, balance = en.Amount.StringFixed(2), balance.Sub(en.Amount)
		}
		for i, v := range []string{en.BookingDate.Format(maksa.DateLayout), ServicerRef(en.PaymentID, en.Side), clip(en.CounterpartyName, 38),
			en.CounterpartyIBAN, debit, credit, clip(en.Remittance, 42)} {
			align := "L"
			if i == 4 || i == 5 {
				align = "R"
			}
			pdf.CellFormat(widths[i], 5, v, "", 0, align, false, 0, "")
		}
		pdf.Ln(-1)
		return nil
	})
	if err != nil {
		return err
	}
	pdf.Ln(3)
	pdf.SetFont("go", "B", 10)
	pdf.CellFormat(0, 6, "Beigu atlikums / Closing balance: "+balance.StringFixed(2)+" "+currency, "", 1, "L", false, 0, "")
	return pdf.Output(w)
}

// clip shortens s to n characters for a table cell.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
