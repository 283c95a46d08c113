package main

import (
	"database/sql"
	"fmt"
	"strconv"
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
	// The postings are written as the rows are read (one connection, one
	// transaction): the bench holds only the ids, so that the maksa
	// processes it starts after do not inherit a large resident set.
	const perInsert = 100
	posting := "(?, ?, ?, ?, ?, ?, ?, ?)"
	insertSQL := func(n int) string {
		return `INSERT INTO postings (payment_id, account_iban, side, amount_minor, currency, booking_date, counterparty_iban, counterparty_name) VALUES ` +
			strings.TrimSuffix(strings.Repeat(posting+", ", n), ", ")
	}
	insert, err := tx.Prepare(insertSQL(perInsert))
	if err != nil {
		rows.Close()
		return 0, err
	}
	defer insert.Close()
	var ids []int64
	var args []any
	for rows.Next() {
		var packed string
		if err := rows.Scan(&packed); err != nil {
			rows.Close()
			return 0, err
		}
		p := strings.Split(packed, "\x1f")
		id, debtor, creditor, name, minor, currency := p[0], p[1], p[2], p[3], p[4], p[5]
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, n)
		args = append(args, id, debtor, "DBIT", minor, currency, day, creditor, name, id, "LV00FLOORCLEARING", "CRDT", minor, currency, day, debtor, "")
		if len(args) == perInsert*8 {
			if _, err := insert.Exec(args...); err != nil {
				rows.Close()
				return 0, fmt.Errorf("the night's floor, postings: %v", err)
			}
			args = args[:0]
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(args) > 0 {
		if _, err := tx.Exec(insertSQL(len(args)/8), args...); err != nil {
			return 0, fmt.Errorf("the night's floor, postings: %v", err)
		}
	}
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		args := []any{day}
		for _, id := range chunk {
			args = append(args, id)
		}
		if _, err := tx.Exec(`UPDATE payments SET status = 'ACSC', executed_on = ? WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")+`)`, args...); err != nil {
			return 0, fmt.Errorf("the night's floor, statuses: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, fmt.Errorf("the night's floor: no payment due on %s in %s", day, path)
	}
	return time.Since(start), nil
}
