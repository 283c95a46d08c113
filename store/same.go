package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"maksa"
)

// Same is an accepted payment of the file being imported that is the same
// payment — debtor, creditor account, amount, execution date and
// remittance — as one accepted before it, in this file or another batch
// (AM05).
type Same struct {
	Seq        int
	EndToEndID string
	Problem    *maksa.Problem // AM05, naming the payment it repeats, at the payment's position
	Rejected   bool           // rejected with it; otherwise accepted with it as a note
}

// SameNote is the note an accepted payment carries for an AM05 warning.
func SameNote(pr *maksa.Problem) string { return "AM05 (a warning): " + pr.Message }

// sameFields are what makes two payments the same, as stored.
type sameFields struct {
	debtor, creditor string
	minor            int64
	currency, date   string
	remittance       string
}

// sameHash is the FNV-1a hash of what makes two payments the same —
// debtor, creditor account, amount, currency, execution date, remittance —
// stored with each accepted payment (same_hash); nil for a rejected one or
// one of an unknown currency, which AM05 does not compare.
func sameHash(p *maksa.Payment) any {
	cur, ok := maksa.LookupCurrency(p.Currency)
	if !ok || p.Status == maksa.RJCT {
		return nil
	}
	return sameFields{p.DebtorIBAN, p.CreditorIBAN, maksa.MinorUnits(p.Amount, cur), p.Currency, date(p.ExecutionDate), p.Remittance}.hash()
}

func (f sameFields) hash() int64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for _, s := range [...]string{f.debtor, f.creditor, f.currency, f.date, f.remittance} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * prime
		}
		h *= prime // a zero byte between the fields
	}
	for i := range 8 {
		h = (h ^ uint64(f.minor>>(8*i)&0xff)) * prime
	}
	return int64(h)
}

// sameDays notes the debtor accounts and dates a file's accepted payments
// are on.
type sameDays struct {
	days map[[2]string]bool
	last [2]string
}

func (d *sameDays) add(p *maksa.Payment) {
	day := [2]string{p.DebtorIBAN, date(p.ExecutionDate)}
	if d.days == nil {
		d.days = map[[2]string]bool{}
	}
	if day != d.last {
		d.days[day], d.last = true, day
	}
}

// candidate is a payment of the file that may repeat another: the
// payment of the file before it (firstSeq), or of another batch (otherID).
type candidate struct {
	seq, firstSeq int
	otherID       int64
}

// sameRow is a payment as SamePayments compares it.
type sameRow struct {
	ID         int64  `db:"id"`
	BatchID    int64  `db:"batch_id"`
	Seq        int    `db:"seq"`
	Debtor     string `db:"debtor_iban"`
	Creditor   string `db:"creditor_account"`
	Minor      *int64 `db:"amount_minor"`
	Currency   string `db:"currency"`
	Date       string `db:"execution_date"`
	Remittance string `db:"remittance"`
	E2E        string `db:"end_to_end_id"`
	Position   string `db:"position"`
	Note       string `db:"note"`
	Status     string `db:"status"`
}

const sameColumns = `id, batch_id, seq, debtor_iban, creditor_account, amount_minor, currency, execution_date, remittance, end_to_end_id, position, note, status`

func (r *sameRow) fields() sameFields {
	var minor int64
	if r.Minor != nil {
		minor = *r.Minor
	}
	return sameFields{r.Debtor, r.Creditor, minor, r.Currency, r.Date, r.Remittance}
}

func (r *sameRow) accepted() bool {
	return r.Minor != nil && r.Status != string(maksa.RJCT) && r.Status != string(maksa.CANC)
}

// SamePayments finds the file's accepted payments that repeat an accepted
// payment — earlier in the file, or in another batch not rejected or
// cancelled — and rejects them with AM05 (reject) or notes the AM05
// warning on them, calling fn with each, in file order. Run it after
// FinishPayments.
func (im *Import) SamePayments(ctx context.Context, reject bool, fn func(Same) error) error {
	if len(im.same.days) == 0 {
		return nil
	}
	// Earlier in the file: the database groups the hashes (on disk when it
	// must); the first payment of each hash that repeats.
	repeated := `SELECT same_hash FROM payments WHERE batch_id = ? AND status = 'PDNG' AND same_hash IS NOT NULL GROUP BY same_hash HAVING COUNT(*) > 1`
	firstOf := map[int64]int{}
	err := eachRow(ctx, im.tx, im.tx.Rebind(`SELECT same_hash, MIN(seq) AS seq FROM payments WHERE batch_id = ? AND status = 'PDNG' AND same_hash IN (`+repeated+`)
		GROUP BY same_hash`), []any{im.batch.ID, im.batch.ID}, func(r *struct {
		Hash int64 `db:"same_hash"`
		Seq  int   `db:"seq"`
	}) error {
		firstOf[r.Hash] = r.Seq
		return nil
	})
	if err != nil {
		return err
	}
	// In other batches: for each debtor account and date of the file, the
	// earliest accepted payment of each of the file's hashes (older than
	// the file's first payment: see FinishPayments), sorted for lookup: 24
	// bytes a hash, where a file sent again whole has a million.
	var first int64
	if err := im.tx.GetContext(ctx, &first, im.tx.Rebind(`SELECT id FROM payments WHERE batch_id = ? ORDER BY seq LIMIT 1`), im.batch.ID); err != nil {
		return err
	}
	type earliest struct {
		hash int64
		day  int
		id   int64
	}
	var before []earliest
	dayOf := map[[2]string]int{}
	for day := range im.same.days {
		dayOf[day] = len(dayOf)
		earlier := `SELECT same_hash FROM payments WHERE debtor_iban = ? AND execution_date = ? AND id < ? AND status NOT IN ('RJCT', 'CANC') AND same_hash IS NOT NULL`
		// The day's first file has nothing to be compared with: PostgreSQL,
		// whose statistics do not know the file yet, would still look up
		// every one of its payments.
		var found bool
		if err := im.tx.GetContext(ctx, &found, im.tx.Rebind(`SELECT EXISTS (`+earlier+`)`), day[0], day[1], first); err != nil {
			return err
		}
		if !found {
			continue
		}
		// The batch's hashes once (on PostgreSQL an InitPlan: with IN, a
		// planner whose statistics lag behind a large import ran the
		// subquery once per earlier payment — 5 s a query at 20 k).
		mine := `IN (SELECT same_hash FROM payments WHERE batch_id = ? AND status = 'PDNG')`
		if im.db.dialect == Postgres {
			mine = `= ANY(ARRAY(SELECT same_hash FROM payments WHERE batch_id = ? AND status = 'PDNG'))`
		}
		err := eachRow(ctx, im.tx, im.tx.Rebind(`SELECT same_hash, MIN(id) AS id FROM payments WHERE debtor_iban = ? AND execution_date = ? AND id < ?
				AND status NOT IN ('RJCT', 'CANC') AND same_hash `+mine+`
			GROUP BY same_hash`), []any{day[0], day[1], first, im.batch.ID}, func(r *struct {
			Hash int64 `db:"same_hash"`
			ID   int64 `db:"id"`
		}) error {
			before = append(before, earliest{r.Hash, dayOf[day], r.ID})
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(firstOf) == 0 && len(before) == 0 {
		return nil
	}
	order := func(e earliest, hash int64, day int) int {
		return cmp.Or(cmp.Compare(e.hash, hash), cmp.Compare(e.day, day))
	}
	slices.SortFunc(before, func(a, b earliest) int { return order(a, b.hash, b.day) })
	// The file's payments in file order, a window at a time, each a
	// candidate to compare in full (a hash only points the way): another
	// batch's payment before one earlier in the file.
	const window = 500
	var candidates []candidate
	for last := 0; ; {
		var rows []struct {
			Seq    int    `db:"seq"`
			Hash   int64  `db:"same_hash"`
			Debtor string `db:"debtor_iban"`
			Date   string `db:"execution_date"`
		}
		if err := im.tx.SelectContext(ctx, &rows, im.tx.Rebind(`SELECT seq, same_hash, debtor_iban, execution_date FROM payments
			WHERE batch_id = ? AND seq > ? AND status = 'PDNG' AND same_hash IS NOT NULL ORDER BY seq LIMIT ?`), im.batch.ID, last, window); err != nil {
			return err
		}
		candidates = candidates[:0]
		for _, r := range rows {
			last = r.Seq
			day := dayOf[[2]string{r.Debtor, r.Date}]
			if i, ok := slices.BinarySearchFunc(before, r.Hash, func(e earliest, hash int64) int { return order(e, hash, day) }); ok {
				candidates = append(candidates, candidate{seq: r.Seq, otherID: before[i].id})
			} else if firstSeq, ok := firstOf[r.Hash]; ok && firstSeq < r.Seq {
				candidates = append(candidates, candidate{seq: r.Seq, firstSeq: firstSeq})
			}
		}
		if len(candidates) > 0 {
			if err := im.sameChunk(ctx, candidates, reject, fn); err != nil {
				return err
			}
		}
		if len(rows) < window {
			return nil
		}
	}
}

// sameChunk compares a chunk of candidates in full with the payments they
// may repeat, and rejects or notes those that do, calling fn with each.
func (im *Import) sameChunk(ctx context.Context, candidates []candidate, reject bool, fn func(Same) error) error {
	var seqs []int
	var ids []int64
	for _, c := range candidates {
		seqs = append(seqs, c.seq)
		if c.otherID != 0 {
			ids = append(ids, c.otherID)
		} else {
			seqs = append(seqs, c.firstSeq)
		}
	}
	bySeq, byID := map[int]*sameRow{}, map[int64]*sameRow{}
	q, args, _ := sqlx.In(`SELECT `+sameColumns+` FROM payments WHERE batch_id = ? AND seq IN (?)`, im.batch.ID, seqs)
	if err := im.eachSameRow(ctx, q, args, func(r *sameRow) { row := *r; bySeq[r.Seq] = &row }); err != nil {
		return err
	}
	if len(ids) > 0 {
		q, args, _ = sqlx.In(`SELECT `+sameColumns+` FROM payments WHERE id IN (?)`, ids)
		if err := im.eachSameRow(ctx, q, args, func(r *sameRow) { row := *r; byID[r.ID] = &row }); err != nil {
			return err
		}
	}
	for _, c := range candidates {
		p, other, where := bySeq[c.seq], byID[c.otherID], "earlier in this file"
		if c.otherID == 0 {
			other = bySeq[c.firstSeq]
		} else if other != nil {
			where = fmt.Sprintf("in batch %d", other.BatchID)
		}
		if p == nil || other == nil || p.Status != string(maksa.PDNG) || !other.accepted() || p.fields() != other.fields() {
			continue // rejected meanwhile (DU04), or another payment under the same hash
		}
		sm := Same{Seq: p.Seq, EndToEndID: p.E2E, Rejected: reject}
		var pos maksa.Position
		_ = json.Unmarshal([]byte(p.Position), &pos)
		sm.Problem = maksa.Problemf(maksa.AM05, pos, "the same payment (debtor, creditor account, amount, date, remittance) was already accepted %s: payment %d", where, other.ID)
		sm.Problem.EndToEndID = p.E2E
		var err error
		if reject {
			reasons, _ := json.Marshal([]maksa.Problem{*sm.Problem})
			_, err = im.tx.ExecContext(ctx, im.tx.Rebind(`UPDATE payments SET status = 'RJCT', reasons = ? WHERE id = ?`), string(reasons), p.ID)
		} else {
			note := SameNote(sm.Problem)
			if p.Note != "" {
				note = p.Note + "; " + note
			}
			_, err = im.tx.ExecContext(ctx, im.tx.Rebind(`UPDATE payments SET note = ? WHERE id = ?`), note, p.ID)
		}
		if err != nil {
			return err
		}
		if err := fn(sm); err != nil {
			return err
		}
	}
	return nil
}

func (im *Import) eachSameRow(ctx context.Context, query string, args []any, fn func(*sameRow)) error {
	return eachRow(ctx, im.tx, im.tx.Rebind(query), args, func(r *sameRow) error {
		fn(r)
		return nil
	})
}
