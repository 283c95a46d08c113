// Package soak is the kill campaign: it runs the real maksa binary against
// a temporary home, kills it with SIGKILL at random moments while the
// watcher imports, while signers sign and while the nightly batch runs,
// starts it again, and at the end checks that nothing was lost or done
// twice. "make soak" runs it long; the tests run it short.
package soak

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"maksa/internal/test/testgen"
)

// Config says what to run.
type Config struct {
	Binary string // the maksa binary
	Home   string // an empty folder
	DSN    string // the database (sqlite:PATH or postgres://…)
	Cycles int
	Seed   uint64
	Log    func(format string, args ...any)
}

// Report is what the campaign did and found.
type Report struct {
	Cycles, Files, CLIFiles, Payments, Kills, Checks int
	Violations                                       []string
}

const (
	account = "LV21TREL9160100000000"
	day     = "2026-11-27"
	now     = "2026-11-25T10:00:00+02:00"
)

// command is maksa with args on the campaign's home and database, at the
// campaign's business time.
func (c Config) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.Binary, append([]string{"--home", c.Home, "--db", c.DSN}, args...)...)
	cmd.Env = append(os.Environ(), "MAKSA_NOW="+now)
	return cmd
}

// laterAnswer names a later pain.002 for a file already answered once.
var laterAnswer = regexp.MustCompile(`\.\d+\.pain002\.xml$`)

// Run runs the campaign.
func Run(ctx context.Context, c Config) (*Report, error) {
	rep := &Report{}
	rng := mrand.New(mrand.NewPCG(c.Seed, 7))
	keyFile, err := setup(ctx, c)
	if err != nil {
		return nil, err
	}
	run := func(args ...string) error {
		out, err := c.command(ctx, args...).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
			c.Log("maksa %v refused something: %s", args, lastLine(out))
			return nil // part of the game
		}
		if err != nil {
			return fmt.Errorf("maksa %v: %v\n%s", args, err, out)
		}
		return nil
	}
	// kill runs maksa and kills it with SIGKILL after a random moment.
	kill := func(args ...string) {
		cmd := c.command(ctx, args...)
		if cmd.Start() != nil {
			return
		}
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		rep.Kills++
	}
	inbox := filepath.Join(c.Home, "inbox", "u")
	os.MkdirAll(inbox, 0o755)
	for cycle := 0; cycle < c.Cycles; cycle++ {
		for i := 0; i < 3; i++ {
			n := 1 + rng.IntN(300)
			spec := testgen.Spec{Count: n, PerInfo: 100, MessageID: fmt.Sprintf("S%d-%d", cycle, i), Seed: uint64(cycle*10 + i), DebtorIBANs: []string{account},
				Date: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), MaxAmount: 5000}
			var buf bytes.Buffer
			if err := spec.WritePain001(&buf); err != nil {
				return nil, err
			}
			tmp := filepath.Join(c.Home, "tmp.xml")
			os.WriteFile(tmp, buf.Bytes(), 0o644)
			os.Rename(tmp, filepath.Join(inbox, fmt.Sprintf("c%03d-%d.xml", cycle, i)))
			rep.Files++
			rep.Payments += n
		}
		// One file by hand: killed during "maksa import", then imported
		// again to the end — stored once whichever moment the kill hit.
		spec := testgen.Spec{Count: 1 + rng.IntN(500), PerInfo: 100, MessageID: fmt.Sprintf("CLI%d", cycle), Seed: uint64(cycle*10 + 9), DebtorIBANs: []string{account},
			Date: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), MaxAmount: 5000}
		var buf bytes.Buffer
		if err := spec.WritePain001(&buf); err != nil {
			return nil, err
		}
		cli := filepath.Join(c.Home, fmt.Sprintf("cli-c%03d.xml", cycle))
		os.WriteFile(cli, buf.Bytes(), 0o644)
		kill("import", "--user", "u", cli)
		if err := run("import", "--user", "u", cli); err != nil {
			return nil, err
		}
		rep.CLIFiles++
		rep.Payments += spec.Count
		time.Sleep(250 * time.Millisecond)
		kill("watch", "--quiet", "200ms", "--instance", "soak")
		sign := []string{"sign", "--confirm-vop", "--user", "u", "--key", keyFile, "--all"}
		if cycle%2 == 1 { // every other cycle signs what awaits as one set
			sign = append(sign, "--set")
		}
		kill(sign...)
		if cycle%3 == 2 {
			kill("batch", "run", "--ahead", "--date", day)
		}
		rep.Cycles++
		c.Log("cycle %d: %d files, %d payments, %d kills", cycle+1, rep.Files, rep.Payments, rep.Kills)
	}
	// Let everything finish, then check.
	if err := run("watch", "--once", "--quiet", "200ms", "--instance", "soak"); err != nil {
		return nil, err
	}
	if err := run("sign", "--confirm-vop", "--user", "u", "--key", keyFile, "--all", "--set"); err != nil { // exit 1 (nothing left to sign) is part of the game
		return nil, err
	}
	if err := run("batch", "run", "--ahead", "--date", day); err != nil {
		return nil, err
	}
	return rep, check(ctx, c, rep, run)
}

// setup writes the directory (one account, one user who prepares and signs)
// and returns the user's private key file.
func setup(ctx context.Context, c Config) (string, error) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	pub, _ := x509.MarshalPKIXPublicKey(key.Public())
	keyFile := filepath.Join(c.Home, "u.key")
	os.MkdirAll(c.Home, 0o755)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(c.Home, "u.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
	doc := `clients: [{id: "1", name: K}]
accounts: [{iban: ` + account + `, client: "1", currency: EUR, balance: "100000000.00", signatures: 1}]
users:
  - id: u
    valid_until: 2030-01-01
    keys: [u.pub]
    grants: [{account: ` + account + `, modes: [prepare, sign1, view_all], payment_limit: "1000000000", daily_limit: "1000000000"}]
`
	path := filepath.Join(c.Home, "directory.yaml")
	os.WriteFile(path, []byte(doc), 0o644)
	// The day's total passes the 700,000 EUR announcement threshold after
	// some 40 cycles: it is announced, or the batch would hold the rest.
	for _, args := range [][]string{{"directory", "apply", path}, {"announce", "--account", account, "--date", day, "--amount", "100000000", "--user", "u"}} {
		if out, err := c.command(ctx, args...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("%v: %v\n%s", args, err, out)
		}
	}
	return keyFile, nil
}

// check verifies the invariants.
func check(ctx context.Context, c Config, rep *Report, run func(...string) error) error {
	violate := func(format string, args ...any) {
		rep.Violations = append(rep.Violations, fmt.Sprintf(format, args...))
	}
	driver, source := "postgres", c.DSN
	if p, ok := strings.CutPrefix(c.DSN, "sqlite:"); ok {
		driver, source = "sqlite", p
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		return err
	}
	defer db.Close()
	count := func(q string) int {
		var n int
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			violate("query %s: %v", q, err)
		}
		rep.Checks++
		return n
	}
	if n := count(`SELECT COUNT(*) FROM batches WHERE status <> 'RJCT'`); n != rep.Files+rep.CLIFiles {
		violate("%d batches for %d files", n, rep.Files+rep.CLIFiles)
	}
	if n := count(`SELECT COUNT(*) FROM batches WHERE status <> 'RJCT' AND file_name LIKE 'cli-%'`); n != rep.CLIFiles {
		violate("%d batches for %d files imported by hand", n, rep.CLIFiles)
	}
	if n := count(`SELECT COUNT(*) FROM payments`); n != rep.Payments {
		violate("%d payments stored, %d dropped", n, rep.Payments)
	}
	if n := count(`SELECT COUNT(*) FROM watch_claims WHERE state <> 'done'`); n != 0 {
		violate("%d watched files not finished", n)
	}
	if n := count(`SELECT COUNT(*) FROM payments WHERE status = 'ACSC'`); n != count(`SELECT COUNT(*) FROM postings WHERE side = 'DBIT'`) {
		violate("%d executed payments, %d debit postings", n, count(`SELECT COUNT(*) FROM postings WHERE side = 'DBIT'`))
	}
	if n := count(`SELECT COUNT(*) FROM (SELECT payment_id FROM postings WHERE side = 'DBIT' GROUP BY payment_id HAVING COUNT(*) > 1) twice`); n != 0 {
		violate("%d payments debited twice", n)
	}
	if n := count(`SELECT COUNT(*) FROM payments WHERE status NOT IN ('ACSC', 'RJCT')`); n != 0 {
		violate("%d payments neither executed nor refused at the end", n)
	}
	// Each file has one first answer; signing it later adds a numbered
	// answer (<file>.2.pain002.xml) and execution an .executed- report.
	var reports, archived int
	filepath.Walk(filepath.Join(c.Home, "outbox"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".pain002.xml") && !strings.Contains(p, ".executed-") && !laterAnswer.MatchString(p) {
			reports++
		}
		return nil
	})
	filepath.Walk(filepath.Join(c.Home, "archive"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			archived++
		}
		return nil
	})
	rep.Checks += 2
	if reports != rep.Files+rep.CLIFiles || archived != rep.Files {
		violate("%d first answers for %d files, %d archived originals for %d watched files", reports, rep.Files+rep.CLIFiles, archived, rep.Files)
	}
	// The ledger: opening balance plus postings is the statement's closing balance.
	var opening string
	var minor int64
	db.QueryRowContext(ctx, `SELECT opening_balance FROM accounts WHERE iban = '`+account+`'`).Scan(&opening)
	db.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN side = 'CRDT' THEN amount_minor ELSE -amount_minor END), 0) FROM postings WHERE account_iban = '`+account+`'`).Scan(&minor)
	ledger := decimal.RequireFromString(opening).Add(decimal.New(minor, -2))
	// The day's statements (one a run that booked something) chain: each
	// opens where the one before closed, numbered without gaps, and the
	// last closes at the ledger.
	statements, _ := filepath.Glob(filepath.Join(c.Home, "statements", account, day+"*.camt053.xml"))
	type statement struct {
		Seq int `xml:"BkToCstmrStmt>Stmt>ElctrncSeqNb"`
		Bal []struct {
			Cd  string `xml:"Tp>CdOrPrtry>Cd"`
			Amt string `xml:"Amt"`
		} `xml:"BkToCstmrStmt>Stmt>Bal"`
	}
	var chain []statement
	for _, path := range statements {
		data, err := os.ReadFile(path)
		var st statement
		if err != nil || xml.Unmarshal(data, &st) != nil || len(st.Bal) != 2 {
			violate("statement %s unreadable: %v", path, err)
			continue
		}
		chain = append(chain, st)
	}
	slices.SortFunc(chain, func(a, b statement) int { return a.Seq - b.Seq })
	rep.Checks++
	switch {
	case len(chain) == 0:
		violate("no statement of %s", day)
	case !decimal.RequireFromString(chain[len(chain)-1].Bal[1].Amt).Equal(ledger):
		violate("the last statement closes at %v, the ledger at %s", chain[len(chain)-1].Bal, ledger)
	}
	for i := 1; i < len(chain); i++ {
		if chain[i].Seq != chain[i-1].Seq+1 || chain[i].Bal[0].Amt != chain[i-1].Bal[1].Amt {
			violate("statement %d does not follow statement %d: %v after %v", chain[i].Seq, chain[i-1].Seq, chain[i].Bal, chain[i-1].Bal)
		}
	}
	// No payment leaves in two clearing files.
	clearing, _ := filepath.Glob(filepath.Join(c.Home, "outbound", day, "*.pain001.xml"))
	sent := map[string]string{}
	for _, path := range clearing {
		data, err := os.ReadFile(path)
		var doc struct {
			IDs []string `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf>PmtId>EndToEndId"`
		}
		if err != nil || xml.Unmarshal(data, &doc) != nil {
			violate("clearing file %s unreadable: %v", path, err)
		}
		for _, id := range doc.IDs {
			if other, ok := sent[id]; ok {
				violate("payment %s is in two clearing files: %s and %s", id, other, filepath.Base(path))
			}
			sent[id] = filepath.Base(path)
		}
	}
	rep.Checks++
	rep.Checks++
	if err := run("audit", "verify"); err != nil {
		violate("audit verify: %v", err)
	}
	return nil
}

// lastLine is the last line of a command's output.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}
