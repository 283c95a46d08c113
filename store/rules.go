package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"maksa"
)

// limitOverrides reads a user's one-day limit changes.
func limitOverrides(ctx context.Context, q sqlx.QueryerContext, userID string) (map[maksa.DayKey]maksa.LimitOverride, error) {
	var rows []struct {
		Account string `db:"account_iban"`
		Day     string `db:"day"`
		Payment string `db:"payment_limit"`
		Daily   string `db:"daily_limit"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, sqlx.Rebind(bindOf(q), `SELECT account_iban, day, payment_limit, daily_limit FROM limit_overrides WHERE user_id = ?`), userID); err != nil {
		return nil, err
	}
	out := map[maksa.DayKey]maksa.LimitOverride{}
	for _, r := range rows {
		p, _ := decimal.NewFromString(r.Payment)
		d, _ := decimal.NewFromString(r.Daily)
		out[maksa.DayKey{Account: r.Account, Date: parseDate(r.Day)}] = maksa.LimitOverride{PaymentLimit: p, DailyLimit: d}
	}
	return out, nil
}

// OverrideLimits changes a user's limits on an account for one day. The
// grant must exist. It is an audit event.
func (db *DB) OverrideLimits(ctx context.Context, user, account string, day time.Time, o maksa.LimitOverride, actor string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM grants WHERE user_id = ? AND account_iban = ?`), user, account); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("user %s has no grant on %s: %w", user, account, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM limit_overrides WHERE user_id = ? AND account_iban = ? AND day = ?`), user, account, date(day)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO limit_overrides (user_id, account_iban, day, payment_limit, daily_limit, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		user, account, date(day), o.PaymentLimit.String(), o.DailyLimit.String(), actor, ts(db.Now())); err != nil {
		return err
	}
	details := map[string]string{"user": user, "account": account, "date": date(day), "payment_limit": o.PaymentLimit.String(), "daily_limit": o.DailyLimit.String()}
	if err := db.appendAudit(ctx, tx, actor, "limits.override", user+"/"+account, details); err != nil {
		return err
	}
	return tx.Commit()
}

// Announce records that a client's account will send a large total on day.
func (db *DB) Announce(ctx context.Context, account string, day time.Time, amount decimal.Decimal, user string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO announcements (account_iban, day, amount, user_id, announced_at) VALUES (?, ?, ?, ?, ?)`),
		account, date(day), amount.String(), user, ts(db.Now())); err != nil {
		return err
	}
	if err := db.appendAudit(ctx, tx, user, "announce", account, map[string]string{"date": date(day), "amount": amount.String()}); err != nil {
		return err
	}
	return tx.Commit()
}

// Announced returns, per client, the total announced for day by deadline.
func (db *DB) Announced(ctx context.Context, day, deadline time.Time) (map[string]decimal.Decimal, error) {
	var rows []struct {
		Client string `db:"client_id"`
		Amount string `db:"amount"`
	}
	err := db.x.SelectContext(ctx, &rows, db.x.Rebind(`SELECT a.client_id, n.amount FROM announcements n JOIN accounts a ON a.iban = n.account_iban
		WHERE n.day = ? AND n.announced_at <= ?`), date(day), ts(deadline))
	out := map[string]decimal.Decimal{}
	for _, r := range rows {
		d, _ := decimal.NewFromString(r.Amount)
		out[r.Client] = out[r.Client].Add(d)
	}
	return out, err
}

// Hold notes why payments wait — their client's unannounced total — for
// the payments of a chunk at once: the ids by the note they get, in one
// transaction.
func (db *DB) Hold(ctx context.Context, held map[string][]int64) error {
	if len(held) == 0 {
		return nil
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for why, ids := range held {
		for start := 0; start < len(ids); start += 500 {
			q, args, err := sqlx.In(`UPDATE payments SET note = ? WHERE id IN (?)`, why, ids[start:min(start+500, len(ids))])
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(q), args...); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// Release lets held payments go: those given, or every due payment of a
// client's accounts on day. It returns how many.
func (db *DB) Release(ctx context.Context, ids []int64, client string, day time.Time, actor string) (int, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var res interface{ RowsAffected() (int64, error) }
	if len(ids) > 0 {
		q, args, err := sqlx.In(`UPDATE payments SET released = 1 WHERE status IN ('PDNG', 'ACCP') AND id IN (?)`, ids)
		if err != nil {
			return 0, err
		}
		res, err = tx.ExecContext(ctx, tx.Rebind(q), args...)
		if err != nil {
			return 0, err
		}
	} else {
		res, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE payments SET released = 1 WHERE status IN ('PDNG', 'ACCP') AND execution_date = ?
			AND debtor_iban IN (SELECT iban FROM accounts WHERE client_id = ?)`), date(day), client)
		if err != nil {
			return 0, err
		}
	}
	n, _ := res.RowsAffected()
	details := map[string]any{"payments": ids, "client": client, "date": date(day), "released": n}
	if err := db.appendAudit(ctx, tx, actor, "payments.release", "announcement hold", details); err != nil {
		return 0, err
	}
	return int(n), tx.Commit()
}

type templateRow struct {
	ClientID string `db:"client_id"`
	Name     string `db:"name"`
	Fields   string `db:"fields"`
}

func (r templateRow) template() *maksa.Template {
	t := &maksa.Template{}
	_ = json.Unmarshal([]byte(r.Fields), t)
	t.ClientID, t.Name = r.ClientID, r.Name
	return t
}

// SaveTemplate adds or replaces a template. It is an audit event.
func (db *DB) SaveTemplate(ctx context.Context, t *maksa.Template, actor string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	js, _ := json.Marshal(t)
	if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM templates WHERE client_id = ? AND name = ?`), t.ClientID, t.Name); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO templates (client_id, name, fields, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)`),
		t.ClientID, t.Name, string(js), actor, ts(db.Now())); err != nil {
		return err
	}
	if err := db.appendAudit(ctx, tx, actor, "template.save", t.ClientID+"/"+t.Name, t); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteTemplate removes a template. Returns ErrNotFound if there is none.
func (db *DB) DeleteTemplate(ctx context.Context, client, name, actor string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM templates WHERE client_id = ? AND name = ?`), client, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("template %s/%s: %w", client, name, ErrNotFound)
	}
	if err := db.appendAudit(ctx, tx, actor, "template.delete", client+"/"+name, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// Templates returns the templates, of one client or all, sorted.
func (db *DB) Templates(ctx context.Context, client string) ([]*maksa.Template, error) {
	var rows []templateRow
	q, args := `SELECT client_id, name, fields FROM templates`, []any{}
	if client != "" {
		q, args = q+` WHERE client_id = ?`, append(args, client)
	}
	if err := db.x.SelectContext(ctx, &rows, db.x.Rebind(q+` ORDER BY client_id, name`), args...); err != nil {
		return nil, err
	}
	out := make([]*maksa.Template, len(rows))
	for i, r := range rows {
		out[i] = r.template()
	}
	return out, nil
}
