package store

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"

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
	Position   maksa.Position
	Problem    *maksa.Problem // AM05, naming the payment it repeats
	Rejected   bool           // rejected with it; otherwise accepted with it as a note
}

// SameNote is the note an accepted payment carries for an AM05 warning.
func SameNote(pr *maksa.Problem) string { return "AM05 (a warning): " + pr.Message }

// sameKeys holds, for each accepted payment of a file, a hash of what
// makes two payments the same, and the debtor accounts and dates the file
// pays on. Sixteen bytes a payment and a sort find the candidates; an
// index over those columns, filled in random order, tripled the time of a
// large import on SQLite.
type sameKeys struct {
	seed    maphash.Seed
	keys    []sameKey
	days    map[[2]string]bool // debtor IBAN and execution date
	lastDay [2]string
	buf     []byte
}

type sameKey struct {
	hash uint64
	seq  int
}

// sameFields are what makes two payments the same, as stored.
type sameFields struct {
	debtor, creditor string
	minor            int64
	currency, date   string
	remittance       string
}

func (k *sameKeys) add(p *maksa.Payment) {
	cur, ok := maksa.LookupCurrency(p.Currency)
	if !ok {
		return
	}
	if k.days == nil {
		k.seed, k.days = maphash.MakeSeed(), map[[2]string]bool{}
	}
	f := sameFields{p.DebtorIBAN, p.CreditorIBAN, maksa.MinorUnits(p.Amount, cur), p.Currency, date(p.ExecutionDate), p.Remittance}
	k.keys = append(k.keys, sameKey{k.hash(f), p.Seq})
	if day := [2]string{f.debtor, f.date}; day != k.lastDay {
		k.days[day], k.lastDay = true, day
	}
}

func (k *sameKeys) hash(f sameFields) uint64 {
	b := k.buf[:0]
	for _, s := range [...]string{f.debtor, f.creditor, f.currency, f.date, f.remittance} {
		b = append(append(b, s...), 0)
	}
	k.buf = strconv.AppendInt(b, f.minor, 10)
	return maphash.Bytes(k.seed, k.buf)
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
// warning on them. Run it after FinishPayments.
func (im *Import) SamePayments(ctx context.Context, reject bool) ([]Same, error) {
	k := &im.same
	if len(k.keys) == 0 {
		return nil, nil
	}
	// The other batches' accepted payments on the file's debtor accounts
	// and dates, by hash (the earliest of each). They are older than the
	// file's first payment (see FinishPayments).
	var first int64
	if err := im.tx.GetContext(ctx, &first, im.tx.Rebind(`SELECT id FROM payments WHERE batch_id = ? ORDER BY seq LIMIT 1`), im.batch.ID); err != nil {
		return nil, err
	}
	earlier := map[uint64]int64{}
	for day := range k.days {
		err := im.eachSameRow(ctx, `SELECT `+sameColumns+` FROM payments WHERE debtor_iban = ? AND execution_date = ? AND id < ?`,
			[]any{day[0], day[1], first}, func(r *sameRow) {
				if h := k.hash(r.fields()); r.accepted() && (earlier[h] == 0 || r.ID < earlier[h]) {
					earlier[h] = r.ID
				}
			})
		if err != nil {
			return nil, err
		}
	}
	// Candidates: a hash seen in another batch, or earlier in the file.
	slices.SortFunc(k.keys, func(a, b sameKey) int {
		if a.hash != b.hash {
			return cmpUint(a.hash, b.hash)
		}
		return a.seq - b.seq
	})
	type candidate struct {
		seq, firstSeq int
		otherID       int64
	}
	var candidates []candidate
	for i, key := range k.keys {
		switch {
		case earlier[key.hash] != 0:
			candidates = append(candidates, candidate{seq: key.seq, otherID: earlier[key.hash]})
		case i > 0 && k.keys[i-1].hash == key.hash:
			first := i - 1
			for first > 0 && k.keys[first-1].hash == key.hash {
				first--
			}
			candidates = append(candidates, candidate{seq: key.seq, firstSeq: k.keys[first].seq})
		}
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	// Compared in full: a hash only points the way.
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
	for chunk := range slices.Chunk(seqs, 500) {
		q, args, _ := sqlx.In(`SELECT `+sameColumns+` FROM payments WHERE batch_id = ? AND seq IN (?)`, im.batch.ID, chunk)
		if err := im.eachSameRow(ctx, q, args, func(r *sameRow) { row := *r; bySeq[r.Seq] = &row }); err != nil {
			return nil, err
		}
	}
	for chunk := range slices.Chunk(ids, 500) {
		q, args, _ := sqlx.In(`SELECT `+sameColumns+` FROM payments WHERE id IN (?)`, chunk)
		if err := im.eachSameRow(ctx, q, args, func(r *sameRow) { row := *r; byID[r.ID] = &row }); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(candidates, func(a, b candidate) int { return a.seq - b.seq })
	var same []Same
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
		_ = json.Unmarshal([]byte(p.Position), &sm.Position)
		sm.Problem = maksa.Problemf(maksa.AM05, sm.Position, "the same payment (debtor, creditor account, amount, date, remittance) was already accepted %s: payment %d", where, other.ID)
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
			return nil, err
		}
		same = append(same, sm)
	}
	return same, nil
}

func (im *Import) eachSameRow(ctx context.Context, query string, args []any, fn func(*sameRow)) error {
	return eachRow(ctx, im.tx, im.tx.Rebind(query), args, func(r *sameRow) error {
		fn(r)
		return nil
	})
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
