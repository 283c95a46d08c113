package console

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/history"
	"maksa/importer"
	"maksa/signing"
	"maksa/store"
)

// queuePage lists what awaits the user's signature, of one account or all.
func (s *Server) queuePage(w http.ResponseWriter, r *http.Request, c *call) {
	account := r.URL.Query().Get("account")
	type total struct {
		Account, Currency string
		Count             int
		Sum               decimal.Decimal
	}
	var lines []signing.QueueLine
	var totals []*total
	byAccount := map[string]*total{}
	count := 0
	err := s.Signing.EachInQueue(r.Context(), c.user.ID, account, func(l signing.QueueLine) error {
		count++
		if len(lines) < queueShown {
			lines = append(lines, l)
		}
		key := l.DebtorIBAN + " " + l.Currency
		sum := byAccount[key]
		if sum == nil {
			sum = &total{Account: l.DebtorIBAN, Currency: l.Currency}
			byAccount[key] = sum
			totals = append(totals, sum)
		}
		sum.Count++
		if d, err := decimal.NewFromString(l.Amount); err == nil {
			sum.Sum = sum.Sum.Add(d)
		}
		return nil
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	d, err := s.Store.Directory(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var accounts []string
	for _, g := range d.Grants {
		if g.UserID == c.user.ID && slices.ContainsFunc(g.Modes, func(m maksa.Mode) bool { return strings.HasPrefix(string(m), "sign") }) {
			accounts = append(accounts, g.AccountIBAN)
		}
	}
	slices.Sort(accounts)
	cutoffs := map[maksa.Kind]string{} // the time of day after which a kind counts as the next working day's
	for k, d := range s.Importer.Rules.Cutoffs {
		cutoffs[k] = fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
	}
	data := map[string]any{"Lines": lines, "Totals": totals, "Count": count, "Accounts": accounts, "Account": account, "Cutoffs": cutoffs}
	if count > len(lines) {
		data["More"] = t(c.lang, "queue.more", len(lines), count)
	}
	s.render(w, r, "queue", c, data)
}

// queueShown is the most payments the queue page lists; "all" signs the
// whole queue (of the account chosen) however long.
const queueShown = 500

// confirmShown is the most payments whose payee verification outcome the
// page lists for the signer to confirm; the count says how many there are.
const confirmShown = 50

// selectedIDs reads the payment ids a request names (ids=1,2,3 or the
// JSON body's ids).
func selectedIDs(values []string) ([]int64, error) {
	var ids []int64
	for _, v := range values {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil || id <= 0 {
				return nil, fmt.Errorf("%q is not a payment id", f)
			}
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// prepareSet lists the selected payments that await the user's signature
// as a set: its list (as "maksa queue digest --list" writes it), the
// message and digest the browser signs, and the outcomes of the payee
// verification the signer must confirm.
func (s *Server) prepareSet(w http.ResponseWriter, r *http.Request, c *call) {
	var body struct {
		IDs     []int64 `json:"ids"`
		All     bool    `json:"all"`     // the whole queue, of Account when given
		Account string  `json:"account"` // with All
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || (len(body.IDs) == 0 && !body.All) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": t(c.lang, "queue.none")})
		return
	}
	chosen := map[int64]bool{}
	for _, id := range body.IDs {
		chosen[id] = true
	}
	keep := func(p *maksa.Payment) bool { return chosen[p.ID] }
	if body.All {
		keep = func(p *maksa.Payment) bool { return body.Account == "" || p.DebtorIBAN == body.Account }
	}
	confirm, confirmCount := []map[string]any{}, 0
	members, err := s.Signing.QueueSet(r.Context(), c.user.ID, func(p *maksa.Payment) bool {
		if !keep(p) {
			return false
		}
		if p.Payee.NeedsConfirmation() {
			if confirmCount++; len(confirm) < confirmShown {
				confirm = append(confirm, map[string]any{"payment_id": p.ID, "creditor": p.CreditorName, "vop": p.Payee})
			}
		}
		return true
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(members) == 0 {
		writeJSON(w, http.StatusConflict, map[string]string{"error": t(c.lang, "queue.empty")})
		return
	}
	instance, err := s.Signing.Instance(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	digest, err := signing.SetDigest(instance, members)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	message, err := signing.SetMessage(instance, members)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var list bytes.Buffer
	if err := signing.WriteSetList(&list, members, digest); err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"list": list.String(), "message": base64.StdEncoding.EncodeToString(message),
		"digest": base64.StdEncoding.EncodeToString(digest), "digest_hex": hex.EncodeToString(digest), "count": len(members), "confirm": confirm, "confirm_count": confirmCount})
}

// signSet signs a set the browser signed: the same path as "maksa sign
// --set-list --signature-file".
func (s *Server) signSet(w http.ResponseWriter, r *http.Request, c *call) {
	var body struct {
		List       string `json:"list"`
		Signature  string `json:"signature"` // base64
		ConfirmVoP bool   `json:"confirm_vop"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<20)
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "a JSON body {list, signature, confirm_vop}"})
		return
	}
	members, listed, err := signing.ReadSetList(strings.NewReader(body.List))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	instance, err := s.Signing.Instance(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if d, err := signing.SetDigest(instance, members); err != nil || !bytes.Equal(d, listed) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the list's payments do not give the digest its header names"})
		return
	}
	sig, err := base64.StdEncoding.DecodeString(body.Signature)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the signature is not base64"})
		return
	}
	sig = s.Signing.BrowserSetSignature(r.Context(), c.user.ID, listed, sig)
	signed, batches := 0, map[int64]bool{}
	var refused []map[string]any
	_, err = s.Signing.SignSet(r.Context(), c.user.ID, members, sig, body.ConfirmVoP, func(o signing.Outcome) error {
		batches[o.BatchID] = true
		if o.Signed {
			signed++
			return nil
		}
		for _, p := range o.Reasons {
			refused = append(refused, map[string]any{"payment_id": o.PaymentID, "code": p.Code, "message": p.Message})
		}
		return nil
	})
	var pr *maksa.Problem
	if errors.As(err, &pr) {
		s.audit(r, c.user.ID, http.StatusUnprocessableEntity, "set refused: "+string(pr.Code))
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": string(pr.Code) + ": " + pr.Message})
		return
	}
	if err == nil {
		err = s.Importer.Settle(r.Context(), sortedKeys(batches), c.user.ID)
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"signed": signed, "refused": refused, "message": t(c.lang, "queue.signed", signed, len(members)-signed)})
}

func sortedKeys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// refuse refuses the selected payments with a reason (RJCT, DS02), as
// "maksa reject" does.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, c *call) {
	ids, err := selectedIDs(r.Form["ids"])
	reason := strings.TrimSpace(r.FormValue("reason"))
	if err != nil || len(ids) == 0 || reason == "" {
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, r, "error", c, map[string]any{"Code": maksa.NARR, "Message": t(c.lang, "queue.none") + " " + t(c.lang, "queue.reason")})
		return
	}
	outcomes, err := s.Signing.Reject(r.Context(), c.user.ID, ids, reason)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	batches := map[int64]bool{}
	for _, o := range outcomes {
		batches[o.BatchID] = true
	}
	if err := s.Importer.Settle(r.Context(), sortedKeys(batches), c.user.ID); err != nil {
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/ui/queue", http.StatusSeeOther)
}

// searchLimit is the most payments a search page lists.
const searchLimit = 500

// paymentsPage searches the payments the user may see, with the CLI's
// filters.
func (s *Server) paymentsPage(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	f, err := s.visible(r.Context(), c)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	f.Status, f.Account, f.Text = q.Get("status"), q.Get("account"), q.Get("text")
	f.Creditor, f.IBAN, f.EndToEnd = q.Get("creditor"), strings.ReplaceAll(strings.ToUpper(q.Get("iban")), " ", ""), q.Get("e2e")
	if d := q.Get("direction"); d == "in" || d == "out" {
		f.Direction = d
	}
	if v := q.Get("vop"); v != "" {
		f.Payee = []string{v}
	}
	data := map[string]any{"Q": q, "Statuses": []maksa.Status{maksa.PDNG, maksa.ACCP, maksa.ACSC, maksa.RJCT, maksa.CANC},
		"Payees": []maksa.PayeeResult{maksa.PayeeMatch, maksa.PayeeCloseMatch, maksa.PayeeNoMatch, maksa.PayeeNotPossible, maksa.PayeeOptedOut}}
	if v := q.Get("batch"); v != "" {
		if f.Batch, err = strconv.ParseInt(v, 10, 64); err != nil {
			data["Error"] = t(c.lang, "err.batch")
		}
	}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			if *dst, err = time.Parse(maksa.DateLayout, v); err != nil {
				data["Error"] = t(c.lang, "err.dates")
			}
		}
	}
	var bounds [2]*decimal.Decimal
	for i, name := range []string{"min", "max"} {
		if v := q.Get(name); v != "" {
			d, err := maksa.ParseDecimal(strings.ReplaceAll(v, ",", "."))
			if err != nil {
				data["Error"] = t(c.lang, "err.amount")
			}
			bounds[i] = &d
		}
	}
	var found []*maksa.Payment
	if data["Error"] == nil {
		found, err = s.search(r.Context(), f, c, data, func(p *maksa.Payment) bool {
			return (bounds[0] == nil || !p.Amount.LessThan(*bounds[0])) && (bounds[1] == nil || !p.Amount.GreaterThan(*bounds[1]))
		})
		if err != nil {
			s.internal(w, r, err)
			return
		}
	}
	data["Payments"] = found
	s.render(w, r, "payments", c, data)
}

// search returns the first searchLimit payments the filter selects and
// keep takes, noting in data["More"] when there are more.
func (s *Server) search(ctx context.Context, f store.PaymentFilter, c *call, data map[string]any, keep func(*maksa.Payment) bool) ([]*maksa.Payment, error) {
	var found []*maksa.Payment
	errEnough := errors.New("enough")
	err := s.Store.SearchPayments(ctx, f, func(p *maksa.Payment) error {
		if !keep(p) {
			return nil
		}
		if len(found) == searchLimit {
			data["More"] = t(c.lang, "pay.more", searchLimit)
			return errEnough
		}
		found = append(found, p)
		return nil
	})
	if errors.Is(err, errEnough) {
		err = nil
	}
	return found, err
}

// visible is what the user's access modes let them see.
func (s *Server) visible(ctx context.Context, c *call) (store.PaymentFilter, error) {
	f := store.PaymentFilter{Restricted: true}
	d, err := s.Store.Directory(ctx)
	if err != nil {
		return f, err
	}
	f.Outgoing, f.Incoming = d.Visible(c.user.ID)
	return f, nil
}

// visiblePayment reads the payment of the path's id if the user may see
// it; it answers 404 itself otherwise.
func (s *Server) visiblePayment(w http.ResponseWriter, r *http.Request, c *call) *maksa.Payment {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f, ferr := s.visible(r.Context(), c)
	if ferr != nil {
		s.internal(w, r, ferr)
		return nil
	}
	var p *maksa.Payment
	if err == nil {
		p, err = s.Store.Payment(r.Context(), id)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) && !strings.Contains(err.Error(), "invalid syntax") {
		s.internal(w, r, err)
		return nil
	}
	if p == nil || !(slices.Contains(f.Outgoing, p.DebtorIBAN) || (p.Status == maksa.ACSC && slices.Contains(f.Incoming, p.CreditorIBAN))) {
		w.WriteHeader(http.StatusNotFound)
		s.render(w, r, "error", c, map[string]any{"Code": maksa.NARR, "Message": t(c.lang, "err.notfound")})
		return nil
	}
	return p
}

// paymentPage shows one payment and its whole history; its script asks
// paymentEvents to be told of changes.
func (s *Server) paymentPage(w http.ResponseWriter, r *http.Request, c *call) {
	p := s.visiblePayment(w, r, c)
	if p == nil {
		return
	}
	h, err := history.Of(r.Context(), s.Store, p)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, "payment", c, map[string]any{"H": h, "Title": t(c.lang, "one.title", p.ID), "Location": s.Location})
}

// paymentEvents streams (Server-Sent Events) a "change" each time the
// payment's state, signatures or postings change, until the session ends;
// the stream is not the user's activity and keeps no session alive.
func (s *Server) paymentEvents(w http.ResponseWriter, r *http.Request, c *call) {
	p := s.visiblePayment(w, r, c)
	if p == nil {
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	flusher.Flush()
	last := ""
	tick := time.NewTicker(s.Poll)
	defer tick.Stop()
	for {
		state, err := s.paymentState(r.Context(), p.ID)
		if err != nil {
			return
		}
		if last != "" && state != last {
			fmt.Fprintf(w, "event: change\ndata: %s\n\n", state)
			flusher.Flush()
		}
		last = state
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
		if alive, err := s.Store.SessionAlive(r.Context(), c.token, s.Now(), s.IdleTimeout, s.SessionLifetime); err != nil || !alive {
			fmt.Fprint(w, "event: ended\ndata: session\n\n")
			flusher.Flush()
			return
		}
	}
}

// paymentState is what paymentEvents compares: status, signatures,
// postings, hold.
func (s *Server) paymentState(ctx context.Context, id int64) (string, error) {
	p, err := s.Store.Payment(ctx, id)
	if err != nil {
		return "", err
	}
	levels, err := s.Store.SignatureLevels(ctx, []int64{id})
	if err != nil {
		return "", err
	}
	posts, err := s.Store.PaymentPostings(ctx, id)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %d %d %t %s", p.Status, levels[id].Done, len(posts), p.Released, p.Note), nil
}

// filesPage lists the user's latest files and offers an upload.
func (s *Server) filesPage(w http.ResponseWriter, r *http.Request, c *call) {
	batches, err := s.Store.UserBatches(r.Context(), c.user.ID, 50)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, "files", c, map[string]any{"Batches": batches})
}

// upload imports a payment file for the user exactly as the inbox and the
// API do, and shows its answer.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, c *call) {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxUpload+1<<20)
	file, header, err := r.FormFile("file")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, r, "error", c, map[string]any{"Code": maksa.FF01, "Message": t(c.lang, "files.choose")})
		return
	}
	defer file.Close()
	name := filepath.Base(header.Filename)
	if !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 || strings.HasPrefix(name, ".") {
		name = "upload-" + s.Now().Format("20060102150405")
	}
	dir := filepath.Join(s.Home, "processing", "ui", c.user.ID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		s.internal(w, r, err)
		return
	}
	tmp, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		s.internal(w, r, err)
		return
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, file)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	res, err := s.Importer.ImportFile(r.Context(), tmp.Name(), importer.Options{UserID: c.user.ID, Actor: c.user.ID, FileName: name})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.audit(r, c.user.ID, http.StatusOK, fmt.Sprintf("uploaded %s: %s", name, res.Status))
	if res.BatchID != 0 {
		http.Redirect(w, r, fmt.Sprintf("/ui/files/%d", res.BatchID), http.StatusSeeOther)
		return
	}
	w.WriteHeader(http.StatusUnprocessableEntity) // refused whole before anything was stored
	s.render(w, r, "file", c, map[string]any{"Result": res, "Title": t(c.lang, "file.title", name), "Back": "/ui/files"})
}

// userBatch reads the path's batch if it is the user's; it answers 404
// itself otherwise.
func (s *Server) userBatch(w http.ResponseWriter, r *http.Request, c *call) *maksa.Batch {
	id, err := strconv.ParseInt(r.PathValue("batch"), 10, 64)
	var b *maksa.Batch
	if err == nil {
		b, err = s.Store.Batch(r.Context(), id)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) && !strings.Contains(err.Error(), "invalid syntax") {
		s.internal(w, r, err)
		return nil
	}
	if b == nil || b.UserID != c.user.ID {
		w.WriteHeader(http.StatusNotFound)
		s.render(w, r, "error", c, map[string]any{"Code": maksa.NARR, "Message": t(c.lang, "err.notfound")})
		return nil
	}
	if b.Settled != "" {
		b.Status = b.Settled
	}
	return b
}

// filePage shows a file's answer: its status, problems and payments.
func (s *Server) filePage(w http.ResponseWriter, r *http.Request, c *call) {
	b := s.userBatch(w, r, c)
	if b == nil {
		return
	}
	var payments []*maksa.Payment
	errEnough := errors.New("enough")
	data := map[string]any{"Batch": b, "Title": t(c.lang, "file.title", b.FileName)}
	err := s.Store.BatchPayments(r.Context(), b.ID, false, func(p *maksa.Payment) error {
		if len(payments) == searchLimit {
			data["More"] = t(c.lang, "file.more", searchLimit)
			return errEnough
		}
		payments = append(payments, p)
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		s.internal(w, r, err)
		return
	}
	data["Payments"] = payments
	s.render(w, r, "file", c, data)
}

// fileAnswer downloads the file's current pain.002.
func (s *Server) fileAnswer(w http.ResponseWriter, r *http.Request, c *call) {
	b := s.userBatch(w, r, c)
	if b == nil {
		return
	}
	spool, err := os.CreateTemp("", "maksa-pain002-*") // as a statement: flat memory, no half file
	if err != nil {
		s.internal(w, r, err)
		return
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	if err := s.Importer.Pain002(r.Context(), spool, b); err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="batch-%d.pain002.xml"`, b.ID))
	http.ServeContent(w, r, "", s.Now(), spool)
}

// statementFormats are what the statements page offers: format, file
// extension, content type.
var statementFormats = [][3]string{
	{"pdf", "pdf", "application/pdf"},
	{"xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	{"csv", "csv", "text/csv"},
	{"camt053", "camt053.xml", "application/xml"},
	{"fidavista", "fidavista.xml", "application/xml"},
	{"camt054", "camt054.xml", "application/xml"},
}

// statementsPage offers the statements of the accounts the user may view.
func (s *Server) statementsPage(w http.ResponseWriter, r *http.Request, c *call) {
	d, err := s.Store.Directory(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var accounts []string
	for _, g := range d.Grants {
		if g.UserID == c.user.ID && g.HasViewMode() {
			accounts = append(accounts, g.AccountIBAN)
		}
	}
	slices.Sort(accounts)
	today := maksa.Day(s.Now().In(s.Location)).Format(maksa.DateLayout)
	s.render(w, r, "statements", c, map[string]any{"Accounts": accounts, "Formats": statementFormats, "Today": today})
}

// statement downloads one account's statement for from..to in a format.
func (s *Server) statement(w http.ResponseWriter, r *http.Request, c *call) {
	iban, format := r.PathValue("iban"), r.PathValue("format")
	d, err := s.Store.Directory(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !d.MayViewStatements(c.user.ID, iban) {
		s.refuse403(w, r, c, maksa.AG08, t(c.lang, "err.view", iban))
		return
	}
	q := r.URL.Query()
	from, err1 := time.Parse(maksa.DateLayout, q.Get("from"))
	to, err2 := time.Parse(maksa.DateLayout, q.Get("to"))
	if err1 != nil || err2 != nil || to.Before(from) {
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, r, "error", c, map[string]any{"Code": maksa.DT01, "Message": t(c.lang, "err.dates")})
		return
	}
	i := slices.IndexFunc(statementFormats, func(f [3]string) bool { return f[0] == format })
	if i < 0 {
		http.NotFound(w, r)
		return
	}
	// The statement is written to a temporary file first: memory stays
	// flat for any period, and a failure halfway is an error page, not a
	// truncated download.
	spool, err := os.CreateTemp("", "maksa-statement-*")
	if err != nil {
		s.internal(w, r, err)
		return
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	ctx, now, ex := r.Context(), s.Now(), s.Exporter
	switch format {
	case "pdf":
		err = ex.StatementPDF(ctx, spool, iban, from, to, now)
	case "xlsx", "csv":
		err = ex.StatementTable(ctx, spool, format, iban, from, to, now)
	case "camt053":
		err = ex.Statement(ctx, spool, iban, from, to, now)
	case "fidavista":
		err = ex.StatementFiDAViSTA(ctx, spool, iban, from, to, now)
	case "camt054":
		err = ex.Notification(ctx, spool, iban, from, to, now)
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.audit(r, c.user.ID, http.StatusOK, "statement "+format)
	w.Header().Set("Content-Type", statementFormats[i][2])
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s.%s"`, iban, from.Format(maksa.DateLayout), to.Format(maksa.DateLayout), statementFormats[i][1]))
	http.ServeContent(w, r, "", now, spool)
}

// limitsPage shows the user's grants with their limits and what the user
// prepared for today's execution under each.
func (s *Server) limitsPage(w http.ResponseWriter, r *http.Request, c *call) {
	d, err := s.Store.Directory(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	usage, err := s.Store.LimitUsage(r.Context(), maksa.Day(s.Now().In(s.Location)))
	if err != nil {
		s.internal(w, r, err)
		return
	}
	type line struct {
		Grant    maksa.Grant
		Currency string
		Used     string
		Left     string
	}
	currency := map[string]string{}
	for _, a := range d.Accounts {
		currency[a.IBAN] = a.Currency
	}
	var lines []line
	for _, g := range d.Grants {
		if g.UserID != c.user.ID {
			continue
		}
		l := line{Grant: g, Currency: currency[g.AccountIBAN]}
		for _, u := range usage {
			if u.Grant.UserID == g.UserID && u.Grant.AccountIBAN == g.AccountIBAN {
				l.Used, l.Left = u.Used.StringFixed(2), g.DailyLimit.Sub(u.Used).StringFixed(2)
			}
		}
		lines = append(lines, l)
	}
	s.render(w, r, "limits", c, map[string]any{"Lines": lines})
}
