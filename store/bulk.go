package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"maksa"
)

// paymentColumns are the columns the bulk path writes, in order.
var paymentColumns = []string{
	"batch_id", "seq", "user_id", "pmt_inf_id", "pmt_mtd", "instr_id", "end_to_end_id", "uetr",
	"debtor_iban", "debtor_name", "debtor_bic", "creditor_account", "creditor_is_iban", "creditor_name",
	"creditor_bic", "creditor_country", "amount", "amount_minor", "currency", "execution_date",
	"remittance", "reference", "purpose", "category_purpose", "priority", "service_level",
	"charge_bearer", "ultimate_debtor", "ultimate_creditor", "position", "status", "reasons",
	"kind", "creditor_id", "creditor_address", "note", "same_hash", "vop_result", "vop_name", "vop_note",
}

const noReasons = "[]"

// paymentValues returns p's values in paymentColumns order.
func paymentValues(b *maksa.Batch, p *maksa.Payment) []any {
	var minor any // NULL unless the amount is valid for its currency
	if cur, ok := maksa.LookupCurrency(p.Currency); ok && p.Status != maksa.RJCT {
		minor = maksa.MinorUnits(p.Amount, cur)
	}
	amount := p.AmountText
	if minor != nil {
		cur, _ := maksa.LookupCurrency(p.Currency)
		amount = maksa.FormatAmount(p.Amount, cur)
	}
	pos, _ := json.Marshal(p.Position)
	reasons := noReasons
	if len(p.Problems) > 0 {
		js, _ := json.Marshal(p.Problems)
		reasons = string(js)
	}
	isIBAN := 0
	if p.CreditorIsIBAN {
		isIBAN = 1
	}
	return []any{
		b.ID, p.Seq, b.UserID, p.PaymentInfoID, p.PaymentMethod, p.InstructionID, p.EndToEndID, p.UETR,
		p.DebtorIBAN, p.DebtorName, p.DebtorBIC, p.CreditorIBAN, isIBAN, p.CreditorName,
		p.CreditorBIC, p.CreditorAddress.Country, amount, minor, p.Currency, date(p.ExecutionDate),
		p.Remittance, p.Reference, p.Purpose, p.CategoryPurpose, p.Priority, p.ServiceLevel,
		p.ChargeBearer, p.UltimateDebtor, p.UltimateCreditor, string(pos), string(p.Status), reasons,
		string(p.Kind), p.CreditorID, p.CreditorAddress.Encode(), p.Note, sameHash(p),
		string(p.Payee.Result), p.Payee.Name, p.Payee.Note,
	}
}

// rowWriter writes payment rows in bulk inside a transaction.
type rowWriter interface {
	add(ctx context.Context, values []any) error
	close(ctx context.Context) error // flush what is queued
	abort()
}

// copyWriter streams rows with PostgreSQL's COPY.
type copyWriter struct {
	stmt   *sql.Stmt
	closed bool
}

func newCopyWriter(ctx context.Context, tx *sqlx.Tx) (*copyWriter, error) {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("payments", paymentColumns...))
	if err != nil {
		return nil, err
	}
	return &copyWriter{stmt: stmt}, nil
}

func (w *copyWriter) add(ctx context.Context, values []any) error {
	_, err := w.stmt.ExecContext(ctx, values...)
	return err
}

func (w *copyWriter) close(ctx context.Context) error {
	if w.closed {
		return nil
	}
	w.closed = true
	if _, err := w.stmt.ExecContext(ctx); err != nil {
		w.stmt.Close()
		return err
	}
	return w.stmt.Close()
}

func (w *copyWriter) abort() {
	if !w.closed {
		w.closed = true
		w.stmt.Close()
	}
}

// insertWriter writes payment rows with multi-row INSERT statements
// (SQLite).
type insertWriter struct{ rows *multiInsert }

func newInsertWriter(ctx context.Context, tx *sqlx.Tx) (*insertWriter, error) {
	rows, err := newMultiInsert(ctx, tx, "payments", paymentColumns...)
	return &insertWriter{rows: rows}, err
}

func (w *insertWriter) add(_ context.Context, values []any) error { return w.rows.add(values...) }

func (w *insertWriter) close(context.Context) error {
	defer w.rows.close()
	return w.rows.flush()
}

func (w *insertWriter) abort() { w.rows.close() }

// pipeWriter hands rows to a goroutine that writes them, so that reading,
// checking and encoding the payments (on one core) and writing to the
// database (on another) overlap. Rows are passed in chunks, in file order;
// after the first write error the goroutine only drains the pipe, and add
// and close return that error.
type pipeWriter struct {
	next    rowWriter
	chunks  chan [][]any
	chunk   [][]any
	done    chan error
	failed  atomic.Pointer[error]
	err     error
	stopped bool
}

const pipeChunk = 256

func newPipeWriter(ctx context.Context, next rowWriter) *pipeWriter {
	w := &pipeWriter{next: next, chunks: make(chan [][]any, 4), done: make(chan error, 1),
		chunk: make([][]any, 0, pipeChunk)}
	go func() {
		var err error
		for chunk := range w.chunks {
			for _, values := range chunk {
				if err != nil {
					break
				}
				if err = next.add(ctx, values); err != nil {
					w.failed.Store(&err)
				}
			}
		}
		w.done <- err
	}()
	return w
}

func (w *pipeWriter) add(ctx context.Context, values []any) error {
	if err := w.failed.Load(); err != nil {
		return *err
	}
	w.chunk = append(w.chunk, values)
	if len(w.chunk) < pipeChunk {
		return nil
	}
	select {
	case w.chunks <- w.chunk:
		w.chunk = make([][]any, 0, pipeChunk)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop sends what is left, ends the goroutine and returns its error.
func (w *pipeWriter) stop() error {
	if w.stopped {
		return w.err
	}
	w.stopped = true
	if len(w.chunk) > 0 {
		w.chunks <- w.chunk
		w.chunk = nil
	}
	close(w.chunks)
	w.err = <-w.done
	return w.err
}

func (w *pipeWriter) close(ctx context.Context) error {
	if err := w.stop(); err != nil {
		return err
	}
	return w.next.close(ctx)
}

func (w *pipeWriter) abort() {
	w.stop()
	w.next.abort()
}
