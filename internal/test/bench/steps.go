package main

import (
	"cmp"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"maksa"
	"maksa/internal/test/foreign"

	_ "github.com/lib/pq"  // PostgreSQL driver, for the schemas
	_ "modernc.org/sqlite" // SQLite driver, for the reference loop
)

// The bench directory's account, importing user and signer.
const (
	account = "LV21TREL9160100000000"
	user    = "bench"
	signer  = "signer"
)

// bench holds what the steps share.
type bench struct {
	config
	log    *log.Logger
	root   string // the repository
	maksa  string // the binary
	day    string // the payments' execution date: the next working day
	dirYML string
	homes  int
	// batchHome is the SQLite import of the batch's size, kept for the
	// nightly step.
	batchHome string
}

func run(cfg config, logw io.Writer) ([]row, error) {
	b := &bench{config: cfg, log: log.New(logw, "bench: ", log.Ltime)}
	if err := b.setUp(); err != nil {
		return nil, err
	}
	var rows []row
	add := func(r row, err error) error {
		if err == nil {
			rows = append(rows, r)
			b.log.Printf("%s %s: %.0f/s", r.step, count(r.size), r.perSecond())
		}
		return err
	}
	largest := b.sizes[len(b.sizes)-1]
	for _, n := range b.sizes {
		if err := add(b.validate(n, n == largest)); err != nil {
			return rows, err
		}
	}
	if err := add(b.validateForeign(largest)); err != nil {
		return rows, err
	}
	var imported row // of the largest size
	for _, n := range b.sizes {
		r, err := b.importSQLite(n, n == largest)
		if err := add(r, err); err != nil {
			return rows, err
		}
		imported = r
	}

	if b.postgres != "" {
		for _, n := range b.sizes {
			if err := add(b.importPostgres(n, n == largest)); err != nil {
				return rows, err
			}
		}
	} else {
		b.log.Printf("SKIP PostgreSQL import: MAKSA_TEST_POSTGRES is not set")
	}
	for _, format := range []string{"csv", "xlsx"} {
		if err := add(b.importTabular(format)); err != nil {
			return rows, err
		}
	}
	if err := add(b.watch()); err != nil {
		return rows, err
	}
	for _, set := range []bool{false, true} {
		if err := add(b.signing(set)); err != nil {
			return rows, err
		}
	}
	day, err := b.nightly(imported)
	rows = append(rows, day...)
	if err != nil {
		return rows, err
	}
	if b.postgres != "" {
		day, err := b.nightlyPostgres()
		rows = append(rows, day...)
		if err != nil {
			return rows, err
		}
	}
	// The steps measured in this process come last: a child's peak RSS, as
	// Linux reports it, starts from its parent's at the fork, so that a
	// larger bench process would inflate every maksa measured after it.
	if err := add(b.payeesAtTreasury(largest, imported)); err != nil {
		return rows, err
	}
	return rows, add(b.payeesAtBanks(1000))
}

func (b *bench) setUp() error {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return fmt.Errorf("finding the repository: %v", err)
	}
	b.root = strings.TrimSpace(string(out))
	if err := os.MkdirAll(filepath.Join(b.dir, "files"), 0o755); err != nil {
		return err
	}
	b.maksa = filepath.Join(b.dir, "maksa")
	build := exec.Command("go", "build", "-o", b.maksa, "./cmd/maksa")
	build.Dir, build.Stderr = b.root, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building maksa: %v", err)
	}
	// The children inherit MAKSA_NOW when the caller set it (the smoke
	// test does, from its clock); the payments are due on the next working
	// day after the business today.
	now := time.Now()
	if v := os.Getenv("MAKSA_NOW"); v != "" {
		if now, err = time.Parse(time.RFC3339, v); err != nil {
			return fmt.Errorf("MAKSA_NOW: %v", err)
		}
	}
	b.day = maksa.Calendar{}.NextWorkingDay(now).Format(maksa.DateLayout)
	key := filepath.Join(b.root, "testdata/demo/keys/janis.pub") // Ed25519
	limit := `"1000000000000.00"`
	directory := fmt.Sprintf(`clients: [{id: "90000012345", name: "Bench"}]
accounts:
  - {iban: %s, client: "90000012345", currency: EUR, balance: %s, signatures: 1}
users:
  - id: %s
    valid_until: 2099-12-31
    grants: [{account: %s, modes: [prepare, view_outgoing], payment_limit: %s, daily_limit: %s}]
  - id: %s
    valid_until: 2099-12-31
    keys: [%s]
    grants: [{account: %s, modes: [sign1], payment_limit: %s, daily_limit: %s, card_valid_until: 2099-12-31}]
`, account, limit, user, account, limit, limit, signer, key, account, limit, limit)
	b.dirYML = filepath.Join(b.dir, "directory.yaml")
	return os.WriteFile(b.dirYML, []byte(directory), 0o644)
}

// file returns a generated file of n payments, made once and kept.
func (b *bench) file(format string, n int) (string, error) {
	ext := map[string]string{"pain001": "xml", "csv": "csv", "xlsx": "xlsx"}[format]
	path := filepath.Join(b.dir, "files", fmt.Sprintf("%s-%d-%s.%s", format, n, b.day, ext))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	b.log.Printf("generating %s", filepath.Base(path))
	tmp := path + ".part"
	if _, _, err := timed(b.maksa, "--home", b.dir, "dev", "gen", "--format", format, "--count", fmt.Sprint(n),
		"--date", b.day, "--message-id", fmt.Sprintf("BENCH-%s-%d", format, n), "--out", tmp); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}

// home makes a fresh maksa home with the bench directory applied, on SQLite
// or on the given database.
func (b *bench) home(db string) (string, []string, error) {
	b.homes++
	home := filepath.Join(b.dir, fmt.Sprintf("home-%d", b.homes))
	if err := os.RemoveAll(home); err != nil {
		return "", nil, err
	}
	args := []string{"--home", home}
	if db != "" {
		args = append(args, "--db", db)
	}
	_, _, err := timed(b.maksa, append(args, "directory", "apply", b.dirYML)...)
	return home, args, err
}

// imported imports the file at path as the bench user into a fresh home
// on db (SQLite when empty) and returns the step's row and the home, which
// the caller removes.
func (b *bench) imported(step, path string, n int, db string) (row, string, error) {
	home, args, err := b.home(db)
	if err != nil {
		return row{}, home, err
	}
	r := row{step: step, size: n, count: n, bytes: size(path)}
	r.wall, r.rss, err = timed(b.maksa, append(args, "import", "--user", user, path)...)
	return r, home, err
}

// judge sets the target of the largest size's row: at least ratio times
// the reference, and the RSS bound.
func (r *row) judge(last bool, ratio float64) {
	if last {
		r.target = fmt.Sprintf("≥ %g× %s; RSS < 100 MB", ratio, r.ref)
		r.met = yesNo(r.ratio() >= ratio && r.rss < 100e6)
	}
}

func (b *bench) validate(n int, last bool) (row, error) {
	path, err := b.file("pain001", n)
	if err != nil {
		return row{}, err
	}
	return b.validateFile("validate pain.001.001.03", path, n, last)
}

// validateForeign validates a file of n payments another program wrote
// (internal/test/foreign: its own encoder, a namespace prefix,
// pretty-printed, structured addresses, 140-character remittances).
func (b *bench) validateForeign(n int) (row, error) {
	path := filepath.Join(b.dir, "files", fmt.Sprintf("foreign-%d-%s.xml", n, b.day))
	if _, err := os.Stat(path); err != nil {
		b.log.Printf("generating %s", filepath.Base(path))
		day, _ := time.Parse(maksa.DateLayout, b.day)
		f, err := os.Create(path + ".part")
		if err != nil {
			return row{}, err
		}
		err = foreign.WritePrefixed(f, foreign.Spec{Count: n, Seed: 9, MessageID: fmt.Sprintf("FOREIGN-%d", n), Date: day, Debtor: account, Prefix: "p", Indent: true})
		if err := cmp.Or(err, f.Close(), os.Rename(path+".part", path)); err != nil {
			return row{}, err
		}
	}
	return b.validateFile("validate pain.001.001.09 of another program", path, n, true)
}

// validateFile validates the file at path, against xmllint --stream on it.
func (b *bench) validateFile(step, path string, n int, last bool) (row, error) {
	r := row{step: step, size: n, count: n, bytes: size(path), byMB: true}
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		b.log.Printf("SKIP the xmllint reference: xmllint is not installed")
	}
	// Both take their best of three runs, taken in turns: validating reads
	// no database, and single runs on a shared machine differ by a fifth.
	var ref time.Duration
	for range 3 {
		wall, rss, err := timed(b.maksa, "--home", b.dir, "validate", "--json", path)
		if err != nil {
			return r, err
		}
		if r.wall == 0 || wall < r.wall {
			r.wall = wall
		}
		r.rss = max(r.rss, rss)
		if xmllint == "" {
			continue
		}
		if wall, _, err = timed(xmllint, "--stream", "--noout", path); err != nil {
			return r, err
		}
		if ref == 0 || wall < ref {
			ref = wall
		}
	}
	if xmllint != "" {
		r.ref, r.refRate = "xmllint --stream", float64(r.bytes)/1e6/ref.Seconds()
		r.judge(last, 2)
	}
	return r, nil
}

func (b *bench) importSQLite(n int, last bool) (row, error) {
	path, err := b.file("pain001", n)
	if err != nil {
		return row{}, err
	}
	r, home, err := b.imported("import into SQLite", path, n, "")
	if n == b.batch && err == nil {
		b.batchHome = home // the nightly step signs and executes these payments
	} else {
		defer os.RemoveAll(home)
	}
	if err != nil {
		return r, err
	}
	loop, err := insertLoop(filepath.Join(home, "maksa.db"), filepath.Join(b.dir, "reference.db"))
	if err != nil {
		return r, err
	}
	r.ref, r.refRate = "multi-row insert loop (floor)", float64(n)/loop.Seconds()
	r.judge(last, 0.5)
	return r, nil
}

// insertLoop copies the payments maksa stored in src into a table of the
// same columns, unique key and indexes (no foreign keys) in a new database
// dst, one prepared INSERT per row in one transaction, and returns the time
// spent inserting (reading src is timed apart and subtracted).
func insertLoop(src, dst string) (time.Duration, error) {
	os.Remove(dst)
	from, err := sql.Open("sqlite", src)
	if err != nil {
		return 0, err
	}
	defer from.Close()
	// The reference's pages are as large as maksa's (store.PageSize for a
	// database it made): the page size is set before the first change.
	var pageSize int
	if err := from.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		return 0, err
	}
	to, err := sql.Open("sqlite", dst)
	if err != nil {
		return 0, err
	}
	defer func() { to.Close(); os.Remove(dst) }()
	to.SetMaxOpenConns(1) // the pragmas hold for the one connection
	for _, pragma := range []string{fmt.Sprintf("page_size = %d", pageSize), "journal_mode = WAL", "synchronous = NORMAL"} {
		if _, err := to.Exec("PRAGMA " + pragma); err != nil {
			return 0, err
		}
	}
	var ddl string
	if err := from.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'payments'`).Scan(&ddl); err != nil {
		return 0, err
	}
	cols, err := columns(from)
	if err != nil {
		return 0, err
	}
	if _, err := to.Exec(plainTable(ddl)); err != nil {
		return 0, fmt.Errorf("reference table: %v", err)
	}
	// The same indexes: what a store must keep up to date is part of the job.
	indexes, err := from.Query(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'payments' AND sql IS NOT NULL`)
	if err != nil {
		return 0, err
	}
	var ddls []string
	for indexes.Next() {
		var d string
		indexes.Scan(&d)
		ddls = append(ddls, strings.Replace(strings.Replace(d, " ON payments ", " ON ref ", 1), "INDEX payments_", "INDEX ref_", 1))
	}
	indexes.Close()
	for _, d := range ddls {
		if _, err := to.Exec(d); err != nil {
			return 0, fmt.Errorf("reference index: %v", err)
		}
	}
	scan := func(each func([]any) error) (time.Duration, error) {
		start := time.Now()
		rows, err := from.Query("SELECT " + strings.Join(cols, ", ") + " FROM payments")
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return 0, err
			}
			if err := each(vals); err != nil {
				return 0, err
			}
		}
		return time.Since(start), rows.Err()
	}
	reading, err := scan(func([]any) error { return nil })
	if err != nil {
		return 0, err
	}
	tx, err := to.Begin()
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// The floor: multi-row INSERTs of 100 rows, one prepared statement.
	const perInsert = 100
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	insert := func(n int) string {
		return "INSERT INTO ref (" + strings.Join(cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+",", n), ",")
	}
	stmt, err := tx.Prepare(insert(perInsert))
	if err != nil {
		return 0, err
	}
	var args []any
	start := time.Now()
	both, err := scan(func(v []any) error {
		if args = append(args, v...); len(args) == perInsert*len(cols) {
			_, err := stmt.Exec(args...)
			args = args[:0]
			return err
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if len(args) > 0 {
		if _, err := tx.Exec(insert(len(args)/len(cols)), args...); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	both = max(both, time.Since(start))
	return max(both-reading, time.Millisecond), nil
}

// columns lists the payments table's columns but its generated id.
func columns(db *sql.DB) ([]string, error) {
	rows, err := db.Query(`SELECT name FROM pragma_table_info('payments') WHERE name <> 'id'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// plainTable turns the payments table's DDL into a table "ref" of the same
// columns with no constraints: each column definition keeps its name and type.
func plainTable(ddl string) string {
	body := ddl[strings.Index(ddl, "(")+1 : strings.LastIndex(ddl, ")")]
	var defs []string
	depth, start := 0, 0
	parts := []string{}
	for i, c := range body {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, body[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, body[start:])
	for _, p := range parts {
		f := strings.Fields(p)
		if strings.ToUpper(f[0]) == "UNIQUE" {
			defs = append(defs, strings.TrimSpace(p))
			continue
		}
		if len(f) < 2 || f[0] == "id" || slices.Contains([]string{"PRIMARY", "FOREIGN", "CHECK", "CONSTRAINT"}, strings.ToUpper(f[0])) {
			continue
		}
		defs = append(defs, f[0]+" "+f[1])
	}
	return "CREATE TABLE ref (" + strings.Join(defs, ", ") + ")"
}

func (b *bench) importPostgres(n int, last bool) (row, error) {
	path, err := b.file("pain001", n)
	if err != nil {
		return row{}, err
	}
	db, err := sql.Open("postgres", b.postgres)
	if err != nil {
		return row{}, err
	}
	defer db.Close()
	dsn, schema, drop, err := b.schema()
	if err != nil {
		return row{}, err
	}
	defer drop()
	r, home, err := b.imported("import into PostgreSQL", path, n, dsn)
	defer os.RemoveAll(home)
	if err != nil {
		return r, err
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		b.log.Printf("SKIP the psql \\copy reference: psql is not installed")
		return r, nil
	}
	csv := filepath.Join(b.dir, "payments.csv")
	defer os.Remove(csv)
	// The same columns, indexes and foreign key (each row's batch is
	// checked): what a store must keep up to date is part of the job.
	if _, err := db.Exec(fmt.Sprintf("CREATE TABLE %s.ref (LIKE %s.payments INCLUDING DEFAULTS INCLUDING INDEXES)", schema, schema)); err != nil {
		return r, err
	}
	if err := copyForeignKeys(db, schema+".payments", schema+".ref"); err != nil {
		return r, err
	}
	if _, _, err := timed(psql, b.postgres, "-v", "ON_ERROR_STOP=1", "-c", fmt.Sprintf(`\copy %s.payments TO '%s' CSV`, schema, csv)); err != nil {
		return r, err
	}
	wall, _, err := timed(psql, b.postgres, "-v", "ON_ERROR_STOP=1", "-c", fmt.Sprintf(`\copy %s.ref FROM '%s' CSV`, schema, csv))
	if err != nil {
		return r, err
	}
	r.ref, r.refRate = "psql \\copy (floor)", float64(n)/wall.Seconds()
	r.judge(last, 0.5)
	return r, nil
}

// schema makes a PostgreSQL schema of its own for a step and returns the
// DSN that works in it, its name, and what drops it.
func (b *bench) schema() (string, string, func(), error) {
	schema := fmt.Sprintf("bench_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	db, err := sql.Open("postgres", b.postgres)
	if err != nil {
		return "", "", nil, err
	}
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		return "", "", nil, err
	}
	drop := func() { db.Exec("DROP SCHEMA " + schema + " CASCADE"); db.Close() }
	u, err := url.Parse(b.postgres)
	if err != nil {
		drop()
		return "", "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema, drop, nil
}

// copyForeignKeys gives table to the foreign keys of table from, which
// CREATE TABLE … LIKE leaves out.
func copyForeignKeys(db *sql.DB, from, to string) error {
	rows, err := db.Query(`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`, from)
	if err != nil {
		return err
	}
	var defs []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return err
		}
		defs = append(defs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range defs {
		if _, err := db.Exec("ALTER TABLE " + to + " ADD " + d); err != nil {
			return fmt.Errorf("reference foreign key: %v", err)
		}
	}
	return nil
}

func (b *bench) importTabular(format string) (row, error) {
	path, err := b.file(format, b.tabular)
	if err != nil {
		return row{}, err
	}
	r, home, err := b.imported("import "+strings.ToUpper(format)+" into SQLite", path, b.tabular, "")
	defer os.RemoveAll(home)
	if format == "xlsx" {
		r.target, r.met = "RSS < 100 MB", yesNo(r.rss < 100e6)
	}
	return r, err
}

// watch drops small files one at a time, renamed into the inbox, and
// measures the time from the drop to the pain.002 in the outbox.
func (b *bench) watch() (row, error) {
	home, args, err := b.home("")
	if err != nil {
		return row{}, err
	}
	defer os.RemoveAll(home)
	small, err := b.file("pain001", 5)
	if err != nil {
		return row{}, err
	}
	data, err := os.ReadFile(small)
	if err != nil {
		return row{}, err
	}
	inbox, outbox := filepath.Join(home, "inbox", user), filepath.Join(home, "outbox", user)
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		return row{}, err
	}
	w := exec.Command(b.maksa, append(args, "watch")...)
	logFile, err := os.Create(filepath.Join(home, "watch.log"))
	if err != nil {
		return row{}, err
	}
	defer logFile.Close()
	w.Stdout, w.Stderr = logFile, logFile
	if err := w.Start(); err != nil {
		return row{}, err
	}
	defer func() { w.Process.Signal(syscall.SIGTERM); w.Wait() }()
	time.Sleep(500 * time.Millisecond)
	var latencies []time.Duration
	start := time.Now()
	for i := range b.watchFiles {
		name := fmt.Sprintf("latency-%03d.xml", i)
		// Each file its own message id, so that none is a duplicate.
		doc := strings.Replace(string(data), "BENCH-pain001-5", fmt.Sprintf("LAT-%d-%d", time.Now().UnixNano(), i), 1)
		tmp := filepath.Join(home, name)
		if err := os.WriteFile(tmp, []byte(doc), 0o644); err != nil {
			return row{}, err
		}
		dropped := time.Now()
		if err := os.Rename(tmp, filepath.Join(inbox, name)); err != nil {
			return row{}, err
		}
		report := filepath.Join(outbox, name+".pain002.xml")
		for {
			if _, err := os.Stat(report); err == nil {
				break
			}
			if time.Since(dropped) > 30*time.Second {
				return row{}, fmt.Errorf("watcher: no report for %s after 30 s; see %s", name, logFile.Name())
			}
			time.Sleep(2 * time.Millisecond)
		}
		latencies = append(latencies, time.Since(dropped))
	}
	slices.Sort(latencies)
	median, p99 := latencies[len(latencies)/2], latencies[(len(latencies)*99)/100]
	r := row{step: fmt.Sprintf("watcher: drop to pain.002, %d files one by one", b.watchFiles), size: 5, count: b.watchFiles * 5, wall: time.Since(start),
		rate:   fmt.Sprintf("median %d ms, p99 %d ms", median.Milliseconds(), p99.Milliseconds()),
		target: "median < 300 ms, p99 < 1 s", met: yesNo(median < 300*time.Millisecond && p99 < time.Second)}
	return r, nil
}

// signing imports b.sign payments and times signing them all, one
// signature each (set false) or as one set (set true), the set against
// importing them. The target for the set is at a million payments
// (the night's row, see night); here both take well under a second, and a
// target would judge the machine's noise.
func (b *bench) signing(set bool) (row, error) {
	path, err := b.file("pain001", b.sign)
	if err != nil {
		return row{}, err
	}
	home, args, err := b.home("")
	if err != nil {
		return row{}, err
	}
	defer os.RemoveAll(home)
	imported, _, err := timed(b.maksa, append(args, "import", "--user", user, path)...)
	if err != nil {
		return row{}, err
	}
	r := row{step: "sign (Ed25519, SQLite)", size: b.sign, count: b.sign}
	sign := append(args, "sign", "--confirm-vop", "--user", signer, "--key", filepath.Join(b.root, "testdata/demo/keys/janis.key"), "--all")
	if set {
		r.step, sign = "sign --all as one set (Ed25519, SQLite)", append(sign, "--set")
	}
	r.wall, r.rss, err = timed(b.maksa, sign...)
	if set && err == nil {
		r.ref, r.refRate = "import of the same payments", float64(b.sign)/imported.Seconds()
	}
	return r, err
}

// nightly signs b.batch imported payments as one set (as the issue's
// night of set-signed payments), then times the nightly batch and a
// camt.053 statement of all its entries; imported is the SQLite import of
// those payments when it was measured before (zero otherwise). The night
// is compared with the least its database work costs (nightFloor) and
// with the import's rate.
func (b *bench) nightly(imported row) ([]row, error) {
	var err error
	home, args := b.batchHome, []string{"--home", b.batchHome}
	if home == "" || imported.size != b.batch { // not among the sizes imported before
		var path string
		if path, err = b.file("pain001", b.batch); err != nil {
			return nil, err
		}
		if imported, home, err = b.imported("import into SQLite", path, b.batch, ""); err != nil {
			os.RemoveAll(home)
			return nil, err
		}
		args = []string{"--home", home}
	}
	defer os.RemoveAll(home)
	sign, batch, err := b.night("SQLite", home, args)
	if err != nil {
		return []row{sign, batch}, err
	}
	out := filepath.Join(home, "statement.xml")
	camt := row{step: "camt.053 statement", size: b.batch, count: b.batch, target: "≥ 100 MB/s; RSS < 100 MB"}
	if camt.wall, camt.rss, err = timed(b.maksa, append(args, "export", "statement", "--account", account, "--from", b.day, "--to", b.day, "--format", "camt053", "--out", out)...); err != nil {
		return []row{sign, batch, camt}, err
	}
	camt.bytes = size(out)
	camt.met = yesNo(camt.mbPerSecond() >= 100 && camt.rss < 100e6)
	floor, err := nightFloor(filepath.Join(home, "before-the-night.db"), b.day)
	if err != nil {
		return []row{sign, batch, camt}, err
	}
	importRate := imported.perSecond()
	sign.ref, sign.refRate, sign.target = "import of the same payments", importRate, "≥ 1× the import; RSS < 100 MB"
	sign.met = yesNo(sign.ratio() >= 1 && sign.rss < 100e6)
	batch.ref, batch.refRate = "the ledger's writes alone (floor)", float64(b.batch)/floor.Seconds()
	batch.target = fmt.Sprintf("≥ 50,000/s and ≥ 0.5× the import (%.0f/s); RSS < 100 MB", importRate)
	batch.met = yesNo(batch.perSecond() >= 50000 && batch.perSecond() >= importRate/2 && batch.rss < 100e6)
	return []row{sign, batch, camt}, nil
}

// night signs the payments imported into home as one set, releases the
// day and times its nightly batch (db names the database in the rows);
// a copy of the SQLite database as the night finds it is left in home as
// before-the-night.db.
func (b *bench) night(db, home string, args []string) (sign, batch row, err error) {
	b.log.Printf("signing %d payments for the batch (%s)", b.batch, db)
	sign = row{step: fmt.Sprintf("sign --all as one set before the batch (%s)", db), size: b.batch, count: b.batch}
	if sign.wall, sign.rss, err = timed(b.maksa, append(args, "sign", "--confirm-vop", "--user", signer, "--key", filepath.Join(b.root, "testdata/demo/keys/janis.key"), "--all", "--set")...); err != nil {
		return sign, batch, err
	}
	// The generated total passes the announcement threshold: an operator
	// releases the day's payments, as after a late announcement.
	if _, _, err := timed(b.maksa, append(args, "release", "--client", "90000012345", "--date", b.day)...); err != nil {
		return sign, batch, err
	}
	if db == "SQLite" {
		for _, suffix := range []string{"", "-wal"} {
			if err := copyFile(filepath.Join(home, "maksa.db"+suffix), filepath.Join(home, "before-the-night.db"+suffix)); err != nil && !os.IsNotExist(err) {
				return sign, batch, err
			}
		}
	}
	batch = row{step: fmt.Sprintf("nightly batch run (%s)", db), size: b.batch, count: b.batch}
	var summary strings.Builder
	if batch.wall, batch.rss, batch.cpu, err = timedOut(&summary, b.maksa, append(args, "--json", "batch", "run", "--ahead", "--date", b.day)...); err != nil {
		return sign, batch, err
	}
	var sum struct{ Executed, Held, Refused int }
	if err := json.Unmarshal([]byte(summary.String()), &sum); err != nil || sum.Executed != b.batch {
		return sign, batch, fmt.Errorf("the %s batch executed %d of %d payments (%d held, %d refused; %v)", db, sum.Executed, b.batch, sum.Held, sum.Refused, err)
	}
	return sign, batch, nil
}

// nightlyPostgres runs the night of b.batch set-signed payments on
// PostgreSQL, in a schema of its own, against their import's rate.
func (b *bench) nightlyPostgres() ([]row, error) {
	path, err := b.file("pain001", b.batch)
	if err != nil {
		return nil, err
	}
	dsn, _, drop, err := b.schema()
	if err != nil {
		return nil, err
	}
	defer drop()
	imported, home, err := b.imported("import into PostgreSQL", path, b.batch, dsn)
	defer os.RemoveAll(home)
	if err != nil {
		return nil, err
	}
	sign, batch, err := b.night("PostgreSQL", home, []string{"--home", home, "--db", dsn})
	if err != nil {
		return nil, err
	}
	batch.ref, batch.refRate = "import of the same payments", imported.perSecond()
	return []row{sign, batch}, nil
}

// copyFile copies a file through a small buffer: a database of a million
// payments read whole would become the bench's resident set, and every
// maksa process started after would report it as its own peak.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func size(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// maxRSS is the peak resident set of a finished process, in bytes.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}
