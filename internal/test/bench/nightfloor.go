package main

import (
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// nightFloor measures the least the nightly batch must do to its database,
// in the SQLite database at path (a copy of a home's as the night finds
// it), with the driver maksa uses: read the payments due on day (the
// columns a booking needs, packed into one value a row as maksa reads
// them), book each one's two postings (multi-row INSERTs of 100 rows, one
// prepared statement) and mark them executed (1,000 at a time by id), in
// one transaction. No signature is verified, no balance or day total
// kept, no audit event or file written: what the night does on top of
// this is what its ratio to the floor shows.
func nightFloor(path, day string) (time.Duration, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	start := time.Now()
	tx, err := db.Begin()
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.Query(`SELECT format('%d'||char(31)||'%s'||char(31)||'%s'||char(31)||'%s'||char(31)||'%d'||char(31)||'%s',
		id, debtor_iban, creditor_account, creditor_name, amount_minor, currency)
		FROM payments WHERE status = 'ACCP' AND execution_date <= ? ORDER BY execution_date, id`, day)
	if err != nil {
		return 0, err
	}
	var due [][]string
	for rows.Next() {
		var packed string
		if err := rows.Scan(&packed); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, strings.Split(packed, "\x1f"))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	const perInsert = 100
	posting := "(?, ?, ?, ?, ?, ?, ?, ?)"
	insert, err := tx.Prepare(`INSERT INTO postings (payment_id, account_iban, side, amount_minor, currency, booking_date, counterparty_iban, counterparty_name) VALUES ` +
		strings.TrimSuffix(strings.Repeat(posting+", ", perInsert), ", "))
	if err != nil {
		return 0, err
	}
	defer insert.Close()
	var args []any
	for i, p := range due {
		id, debtor, creditor, name, minor, currency := p[0], p[1], p[2], p[3], p[4], p[5]
		args = append(args, id, debtor, "DBIT", minor, currency, day, creditor, name, id, "LV00FLOORCLEARING", "CRDT", minor, currency, day, debtor, "")
		if len(args) == perInsert*8 || i == len(due)-1 {
			q := insert
			if len(args) < perInsert*8 { // the last, shorter
				if q, err = tx.Prepare(`INSERT INTO postings (payment_id, account_iban, side, amount_minor, currency, booking_date, counterparty_iban, counterparty_name) VALUES ` +
					strings.TrimSuffix(strings.Repeat(posting+", ", len(args)/8), ", ")); err != nil {
					return 0, err
				}
			}
			if _, err := q.Exec(args...); err != nil {
				return 0, fmt.Errorf("the night's floor, postings: %v", err)
			}
			args = args[:0]
		}
	}
	for start := 0; start < len(due); start += 1000 {
		chunk := due[start:min(start+1000, len(due))]
		ids := []any{day}
		for _, p := range chunk {
			ids = append(ids, p[0])
		}
		if _, err := tx.Exec(`UPDATE payments SET status = 'ACSC', executed_on = ? WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")+`)`, ids...); err != nil {
			return 0, fmt.Errorf("the night's floor, statuses: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	if len(due) == 0 {
		return 0, fmt.Errorf("the night's floor: no payment due on %s in %s", day, path)
	}
	return time.Since(start), nil
}
