package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// The kinds of files SentFile records.
const (
	SentClearing  = "clearing"
	SentStatement = "statement"
)

// SentFile is a clearing file or a statement the nightly batch wrote or is
// about to write: the postings of its account and day with AfterPosting <
// id <= LastPosting. Once planned, its content is fixed.
type SentFile struct {
	ID           int64     `db:"id"`
	Kind         string    `db:"kind"`
	Account      string    `db:"account_iban"`
	Day          string    `db:"day"`
	Seq          int       `db:"seq"`
	AccountSeq   int       `db:"account_seq"`
	MessageID    string    `db:"message_id"`
	AfterPosting int64     `db:"after_posting"`
	LastPosting  int64     `db:"last_posting"`
	CreatedAt    string    `db:"created_at"`
	Path         string    `db:"path"`
	Written      bool      `db:"written"`
	Created      time.Time `db:"-"` // CreatedAt, parsed
}

// Naming gives a planned file its message id and path from its day, its
// sequence number within the day and its account's sequence number.
type Naming func(seq, accountSeq int) (messageID, path string)

// PlanFile records the next file of kind for account and day: the postings
// booked since the day's last file of that kind (for a clearing file, the
// credits to the clearing account). It returns nil when there are none —
// unless empty is set and the day has no file of the kind yet, for a
// statement of an account without entries. created is the file's creation
// time, kept so that a file planned but not written (a crash) is written
// later with the same content.
func (db *DB) PlanFile(ctx context.Context, kind, account string, day, created time.Time, empty bool, name Naming) (*SentFile, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var last struct {
		Seq  int   `db:"seq"`
		Post int64 `db:"post"`
	}
	if err := tx.GetContext(ctx, &last, tx.Rebind(`SELECT COALESCE(MAX(seq), 0) AS seq, COALESCE(MAX(last_posting), 0) AS post
		FROM sent_files WHERE kind = ? AND account_iban = ? AND day = ?`), kind, account, date(day)); err != nil {
		return nil, err
	}
	side := `side IN ('CRDT', 'DBIT')`
	if kind == SentClearing {
		side = `side = 'CRDT'`
	}
	var newest sql.NullInt64
	if err := tx.GetContext(ctx, &newest, tx.Rebind(`SELECT MAX(id) FROM postings WHERE account_iban = ? AND booking_date = ? AND `+side), account, date(day)); err != nil {
		return nil, err
	}
	if newest.Int64 <= last.Post && !(empty && last.Seq == 0) {
		return nil, nil
	}
	var accountSeq int
	if err := tx.GetContext(ctx, &accountSeq, tx.Rebind(`SELECT COALESCE(MAX(account_seq), 0) FROM sent_files WHERE kind = ? AND account_iban = ?`), kind, account); err != nil {
		return nil, err
	}
	f := &SentFile{Kind: kind, Account: account, Day: date(day), Seq: last.Seq + 1, AccountSeq: accountSeq + 1,
		AfterPosting: last.Post, LastPosting: max(newest.Int64, last.Post), CreatedAt: created.Format(time.RFC3339), Created: created}
	f.MessageID, f.Path = name(f.Seq, f.AccountSeq)
	err = tx.QueryRowxContext(ctx, tx.Rebind(`INSERT INTO sent_files (kind, account_iban, day, seq, account_seq, message_id, after_posting, last_posting, created_at, path)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), f.Kind, f.Account, f.Day, f.Seq, f.AccountSeq, f.MessageID, f.AfterPosting,
		f.LastPosting, f.CreatedAt, f.Path).Scan(&f.ID)
	if err != nil {
		return nil, err
	}
	return f, tx.Commit()
}

// UnwrittenFiles returns the files of day planned but not yet written (a
// run that died between the two), in the order they were planned.
func (db *DB) UnwrittenFiles(ctx context.Context, day time.Time) ([]*SentFile, error) {
	var out []*SentFile
	err := db.x.SelectContext(ctx, &out, db.x.Rebind(`SELECT id, kind, account_iban, day, seq, account_seq, message_id, after_posting, last_posting,
		created_at, path, written = 1 AS written FROM sent_files WHERE day = ? AND written = 0 ORDER BY id`), date(day))
	if err != nil {
		return nil, err
	}
	for _, f := range out {
		if f.Created, err = time.Parse(time.RFC3339, f.CreatedAt); err != nil {
			return nil, errors.Join(errors.New("sent file "+f.MessageID+": created_at"), err)
		}
	}
	return out, nil
}

// MarkWritten records that the file is written: it is never written again.
func (db *DB) MarkWritten(ctx context.Context, id int64) error {
	_, err := db.x.ExecContext(ctx, db.x.Rebind(`UPDATE sent_files SET written = 1 WHERE id = ?`), id)
	return err
}

// NextReportNumber returns a number no status report had before: what
// makes its MsgId unique forever, whatever the clock says.
func (db *DB) NextReportNumber(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := db.x.GetContext(ctx, &n, db.x.Rebind(`INSERT INTO report_numbers (created_at) VALUES (?) RETURNING id`), now.Format(time.RFC3339))
	return n, err
}
