package exporter

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"maksa"
	"maksa/formats/csvfmt"
	"maksa/formats/xlsxfmt"
	"maksa/internal/tempfile"
)

// The tables of the daily report.
var (
	summaryCols = []xlsxfmt.Column{{Header: "Client", Width: 30}, {Header: "Account", Width: 24}, {Header: "Currency", Width: 9},
		{Header: "Executed", Width: 10}, {Header: "Executed sum", Width: 16, Amount: true}, {Header: "Rejected", Width: 10}, {Header: "Awaiting signature", Width: 18}}
	executedCols = []xlsxfmt.Column{{Header: "Payment", Width: 10}, {Header: "Batch", Width: 8}, {Header: "End-to-end id", Width: 26},
		{Header: "Debtor account", Width: 24}, {Header: "Creditor", Width: 30}, {Header: "Creditor account", Width: 24},
		{Header: "Amount", Width: 14, Amount: true}, {Header: "Currency", Width: 9}, {Header: "Requested date", Width: 14}, {Header: "Transfer", Width: 10},
		{Header: "Kind", Width: 12}, {Header: "Verification of payee", Width: 22}}
	rejectedCols = []xlsxfmt.Column{{Header: "Payment", Width: 10}, {Header: "Batch", Width: 8}, {Header: "End-to-end id", Width: 26},
		{Header: "Debtor account", Width: 24}, {Header: "Creditor", Width: 30}, {Header: "Amount", Width: 14, Amount: true},
		{Header: "Currency", Width: 9}, {Header: "Code", Width: 8}, {Header: "Reason", Width: 28}, {Header: "Message", Width: 60}}
	awaitingCols = []xlsxfmt.Column{{Header: "Payment", Width: 10}, {Header: "Batch", Width: 8}, {Header: "End-to-end id", Width: 26},
		{Header: "Debtor account", Width: 24}, {Header: "Creditor", Width: 30}, {Header: "Amount", Width: 14, Amount: true},
		{Header: "Currency", Width: 9}, {Header: "Execution date", Width: 14}, {Header: "Signed", Width: 8}, {Header: "Required", Width: 9}}
	limitCols = []xlsxfmt.Column{{Header: "User", Width: 16}, {Header: "Account", Width: 24}, {Header: "Payment limit", Width: 16, Amount: true},
		{Header: "Daily limit", Width: 16, Amount: true}, {Header: "Used", Width: 16, Amount: true}, {Header: "Remaining", Width: 16, Amount: true}}
)

type accountSummary struct {
	client, currency           string
	executed, rejected, waited int
	sum                        maksa.Sum // a decimal.Decimal's Add allocates, for each executed payment
}

// DailyReport writes the report of a business day into dir: daily.xlsx
// with the sheets Summary, Executed, Rejected, Awaiting signature and
// Limit usage, or (format "csv") one CSV file per sheet. It returns the
// files written.
func (e *Exporter) DailyReport(ctx context.Context, dir string, day time.Time, format string) ([]string, error) {
	d, err := e.Store.Directory(ctx)
	if err != nil {
		return nil, err
	}
	summary := map[string]*accountSummary{}
	clients := map[string]string{}
	for _, c := range d.Clients {
		clients[c.ID] = c.Name
	}
	for _, a := range d.Accounts {
		summary[a.IBAN] = &accountSummary{client: clients[a.ClientID], currency: a.Currency}
	}
	internal, err := e.accounts(ctx)
	if err != nil {
		return nil, err
	}
	out := &tables{format: format, dir: dir, created: e.EndOfDay(day)}
	defer out.abort()
	summarySheet, err := out.add("Summary", summaryCols)
	if err != nil {
		return nil, err
	}
	executed, err := out.add("Executed", executedCols)
	if err != nil {
		return nil, err
	}
	rejected, err := out.add("Rejected", rejectedCols)
	if err != nil {
		return nil, err
	}
	err = e.executedOn(ctx, day, 0, func(p *maksa.Payment) error {
		s := summary[p.DebtorIBAN]
		if s == nil {
			s = &accountSummary{currency: p.Currency}
			summary[p.DebtorIBAN] = s
		}
		if p.Status == maksa.ACSC {
			s.executed++
			s.sum.Add(p.Amount)
			transfer := "outbound"
			if internal[p.CreditorIBAN] {
				transfer = "internal"
			}
			return executed.Row(p.ID, p.BatchID, p.EndToEndID, p.DebtorIBAN, p.CreditorName, p.CreditorIBAN, p.Amount, p.Currency, p.DateText, transfer, string(p.Kind), string(p.Payee.Result))
		}
		s.rejected++
		for _, pr := range p.Problems {
			if err := rejected.Row(p.ID, p.BatchID, p.EndToEndID, p.DebtorIBAN, p.CreditorName, p.Amount, p.Currency, string(pr.Code), pr.Code.Info().Name, pr.Message); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	awaiting, err := out.add("Awaiting signature", awaitingCols)
	if err != nil {
		return nil, err
	}
	err = e.Store.AwaitingSignature(ctx, day, func(p *maksa.Payment, done, required int) error {
		if s := summary[p.DebtorIBAN]; s != nil {
			s.waited++
		}
		return awaiting.Row(p.ID, p.BatchID, p.EndToEndID, p.DebtorIBAN, p.CreditorName, p.Amount, p.Currency, p.DateText, done, required)
	})
	if err != nil {
		return nil, err
	}
	limits, err := out.add("Limit usage", limitCols)
	if err != nil {
		return nil, err
	}
	usage, err := e.Store.LimitUsage(ctx, day)
	if err != nil {
		return nil, err
	}
	for _, u := range usage {
		remaining := u.Grant.DailyLimit.Sub(u.Used)
		if err := limits.Row(u.Grant.UserID, u.Grant.AccountIBAN, u.Grant.PaymentLimit, u.Grant.DailyLimit, u.Used, remaining); err != nil {
			return nil, err
		}
	}
	ibans := make([]string, 0, len(summary))
	for iban := range summary {
		ibans = append(ibans, iban)
	}
	sort.Strings(ibans)
	for _, iban := range ibans {
		s := summary[iban]
		if err := summarySheet.Row(s.client, iban, s.currency, s.executed, s.sum.Decimal(), s.rejected, s.waited); err != nil {
			return nil, err
		}
	}
	return out.close()
}

// tables writes several report tables: the sheets of one workbook, or one
// CSV file each.
type tables struct {
	format  string
	dir     string
	created time.Time
	wb      *xlsxfmt.Workbook
	sheets  []*xlsxfmt.Sheet
	files   []*os.File
	writers []*csvfmt.Writer
	names   []string
}

type rowWriter interface{ Row(values ...any) error }

type csvTable struct{ w *csvfmt.Writer }

func (t csvTable) Row(values ...any) error { return t.w.Write(csvCells(values)...) }

func (t *tables) add(name string, cols []xlsxfmt.Column) (rowWriter, error) {
	if err := os.MkdirAll(t.dir, 0o750); err != nil {
		return nil, err
	}
	if t.format == "csv" {
		path := filepath.Join(t.dir, fileName(name)+".csv")
		f, err := tempfile.Create(t.dir, fileName(name))
		if err != nil {
			return nil, err
		}
		w := csvfmt.NewWriter(f)
		t.files, t.writers, t.names = append(t.files, f), append(t.writers, w), append(t.names, path)
		header := make([]csvfmt.Cell, len(cols))
		for i, c := range cols {
			header[i] = csvfmt.Text(c.Header)
		}
		return csvTable{w}, w.Write(header...)
	}
	if t.wb == nil {
		var err error
		if t.wb, err = xlsxfmt.NewWorkbook(t.created); err != nil {
			return nil, err
		}
	}
	s, err := t.wb.Sheet(name, cols)
	t.sheets = append(t.sheets, s)
	return s, err
}

// fileName is the CSV file name of a sheet: "Limit usage" is "limit-usage".
func fileName(sheet string) string { return strings.ReplaceAll(strings.ToLower(sheet), " ", "-") }

func (t *tables) close() ([]string, error) {
	if t.format == "csv" {
		for i, f := range t.files {
			if err := t.writers[i].Flush(); err != nil {
				return nil, err
			}
			if err := f.Close(); err != nil {
				return nil, err
			}
			name := filepath.Base(t.names[i])
			var err error
			if t.names[i], err = PublishOnce(f.Name(), t.dir, strings.TrimSuffix(name, ".csv"), ".csv"); err != nil {
				return nil, err
			}
		}
		t.files = nil
		return t.names, nil
	}
	// The workbook can be written once: to a temporary file, then to the
	// first free name (daily.xlsx, daily.2.xlsx …) unless one holds the same.
	tmp, err := tempfile.Write(t.dir, "daily", func(w io.Writer) error { return t.wb.Close(w, t.sheets...) })
	if err != nil {
		return nil, err
	}
	path, err := PublishOnce(tmp, t.dir, "daily", ".xlsx")
	return []string{path}, err
}

func (t *tables) abort() {
	if t.wb != nil {
		t.wb.Discard()
	}
	for _, f := range t.files {
		f.Close()
		os.Remove(f.Name())
	}
}

var cashCols = []xlsxfmt.Column{{Header: "Payment", Width: 10}, {Header: "Account", Width: 24}, {Header: "Client", Width: 30},
	{Header: "Recipient", Width: 30}, {Header: "Personal code or document", Width: 24}, {Header: "Amount", Width: 14, Amount: true},
	{Header: "Currency", Width: 9}, {Header: "End-to-end id", Width: 26}}

// CashOrders writes the cash-withdrawal orders executed on day, for the
// bank that pays them out: cash-orders.xlsx and cash-orders.csv in dir.
func (e *Exporter) CashOrders(ctx context.Context, dir string, day time.Time) ([]string, error) {
	d, err := e.Store.Directory(ctx)
	if err != nil {
		return nil, err
	}
	clients := map[string]string{}
	for _, a := range d.Accounts {
		for _, c := range d.Clients {
			if c.ID == a.ClientID {
				clients[a.IBAN] = c.Name
			}
		}
	}
	var files []string
	for _, format := range []string{"xlsx", "csv"} {
		path := filepath.Join(dir, "cash-orders."+format)
		err := WriteFile(path, func(w io.Writer) error {
			t, err := newTable(w, format, e.EndOfDay(day), "Cash orders", cashCols)
			if err != nil {
				return err
			}
			err = e.executedOn(ctx, day, 0, func(p *maksa.Payment) error {
				if p.Kind != maksa.KindCash || p.Status != maksa.ACSC {
					return nil
				}
				return t.Row(p.ID, p.DebtorIBAN, clients[p.DebtorIBAN], p.CreditorName, p.CreditorID, p.Amount, p.Currency, p.EndToEndID)
			})
			if err != nil {
				return err
			}
			return t.Close()
		})
		if err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	return files, nil
}
