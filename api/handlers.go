package api

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"maksa"
	"maksa/importer"
	"maksa/store"
)

func newToken() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// pathID reads a numeric path value.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// upload takes one payment file (the raw body, or the "file" part of a
// multipart form) and imports it for the caller exactly as "maksa import"
// does. The same file twice is refused with DU01, not stored twice.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, u *maksa.User) {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxUpload)
	name := filepath.Base(r.URL.Query().Get("name"))
	body := io.Reader(r.Body)
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && strings.HasPrefix(mt, "multipart/") {
		part, err := multipart.NewReader(r.Body, params["boundary"]).NextPart()
		if err != nil {
			writeError(w, http.StatusBadRequest, maksa.FF01, "the multipart body has no file part")
			return
		}
		if fn := part.FileName(); fn != "" {
			name = filepath.Base(fn)
		}
		body = part
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		// The watcher's rule for names in the inbox: a name is a label in
		// reports, logs and errors.csv, never a place for control codes.
		writeError(w, http.StatusBadRequest, maksa.FF01, "the file name holds control characters or is not UTF-8")
		return
	}
	if name == "" || name == "." || strings.HasPrefix(name, ".") {
		name = "upload-" + s.Now().Format("20060102150405")
	}
	dir := filepath.Join(s.Home, "processing", "api", u.ID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		s.internal(w, err)
		return
	}
	tmp, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		s.internal(w, err)
		return
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, body); err != nil {
		tmp.Close()
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, maksa.FF01, fmt.Sprintf("the file is larger than %d bytes", s.MaxUpload))
			return
		}
		writeError(w, http.StatusBadRequest, maksa.FF01, "the upload broke off")
		return
	}
	tmp.Close()
	res, err := s.Importer.ImportFile(r.Context(), tmp.Name(), importer.Options{UserID: u.ID, Actor: u.ID, FileName: name, ListPayments: true})
	if err != nil {
		s.internal(w, err)
		return
	}
	s.metrics.file(res.Status)
	status := http.StatusOK
	if res.Status == maksa.RJCT {
		status = http.StatusUnprocessableEntity
	}
	if res.ProblemCount() > len(res.Problems) { // past the first ten thousand: the answer carries them all
		all := *res
		all.Problems = make([]maksa.Problem, 0, res.ProblemCount())
		if err := res.EachProblem(func(p maksa.Problem) error { all.Problems = append(all.Problems, p); return nil }); err != nil {
			s.internal(w, err)
			return
		}
		res = &all
	}
	// The answer names the reports by their place in the user's outbox,
	// never by a path on the server.
	for _, path := range []*string{&res.Report, &res.ErrorsReport} {
		if *path != "" {
			*path = "outbox/" + u.ID + "/" + filepath.Base(*path)
		}
	}
	out := map[string]any{"result": res}
	if res.BatchID != 0 {
		out["status_url"] = fmt.Sprintf("/v1/files/%d/status", res.BatchID)
	}
	writeJSON(w, status, out)
}

// internal answers a failure inside maksa without telling its details (no
// SQL, no stack): they go to the log.
func (s *Server) internal(w http.ResponseWriter, err error) {
	s.Log.Error("request failed", "err", err)
	writeError(w, http.StatusInternalServerError, maksa.NARR, "internal error; the operator's log has the details")
}

// mayView reports whether the user may see the batch: the importing user,
// or a user who sees the outgoing payments of one of its accounts.
func (s *Server) visible(r *http.Request, u *maksa.User) (store.PaymentFilter, error) {
	f := store.PaymentFilter{Restricted: true}
	d, err := s.Store.Directory(r.Context())
	if err != nil {
		return f, err
	}
	f.Outgoing, f.Incoming = d.Visible(u.ID)
	return f, nil
}

// status answers the batch's current pain.002: XML when asked for, JSON
// otherwise.
func (s *Server) status(w http.ResponseWriter, r *http.Request, u *maksa.User) {
	id, ok := pathID(r, "batch")
	b, err := s.Store.Batch(r.Context(), id)
	if !ok || errors.Is(err, store.ErrNotFound) || (err == nil && b.UserID != u.ID) {
		writeError(w, http.StatusNotFound, maksa.NARR, "no such batch of yours")
		return
	}
	if err != nil {
		s.internal(w, err)
		return
	}
	if b.Settled != "" {
		b.Status = b.Settled
	}
	if strings.Contains(r.Header.Get("Accept"), "xml") {
		w.Header().Set("Content-Type", "application/xml")
		if err := s.Importer.Pain002(r.Context(), w, b); err != nil {
			s.Log.Error("status report failed", "batch", id, "err", err)
		}
		return
	}
	var payments []map[string]any
	err = s.Store.BatchPayments(r.Context(), id, false, func(p *maksa.Payment) error {
		payments = append(payments, map[string]any{"payment_id": p.ID, "end_to_end_id": p.EndToEndID, "status": p.Status, "reasons": nonNil(p.Problems)})
		return nil
	})
	if err != nil {
		s.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"batch_id": b.ID, "file": b.FileName, "message_id": b.MessageID, "status": b.Status,
		"transactions": b.Transactions, "accepted": b.Accepted, "rejected": b.Rejected, "problems": nonNil(b.Problems), "payments": payments})
}

func nonNil(p []maksa.Problem) []maksa.Problem {
	if p == nil {
		return []maksa.Problem{}
	}
	return p
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request, u *maksa.User) {
	lines, err := s.Signing.Queue(r.Context(), u.ID, r.URL.Query().Get("account"))
	if err != nil {
		s.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, lines)
}

// payments searches with the same filters and access-mode rules as
// "maksa payments --user".
func (s *Server) payments(w http.ResponseWriter, r *http.Request, u *maksa.User) {
	f, err := s.visible(r, u)
	if err != nil {
		s.internal(w, err)
		return
	}
	q := r.URL.Query()
	f.Status, f.Account, f.Direction, f.Creditor, f.IBAN, f.EndToEnd, f.Text = q.Get("status"), q.Get("account"), q.Get("direction"), q.Get("creditor"), q.Get("iban"), q.Get("e2e"), q.Get("text")
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			d, err := time.Parse(maksa.DateLayout, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, maksa.DT01, name+" is not YYYY-MM-DD")
				return
			}
			*dst = d
		}
	}
	if v := q.Get("batch"); v != "" {
		f.Batch, _ = strconv.ParseInt(v, 10, 64)
	}
	out := []map[string]any{}
	var ids []int64
	err = s.Store.SearchPayments(r.Context(), f, func(p *maksa.Payment) error {
		out = append(out, paymentView(p))
		ids = append(ids, p.ID)
		return nil
	})
	if err != nil {
		s.internal(w, err)
		return
	}
	levels, err := s.Store.SignatureLevels(r.Context(), ids)
	if err != nil {
		s.internal(w, err)
		return
	}
	for i, id := range ids {
		if l, ok := levels[id]; ok {
			out[i]["signatures"] = l
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func paymentView(p *maksa.Payment) map[string]any {
	v := map[string]any{"payment_id": p.ID, "batch_id": p.BatchID, "end_to_end_id": p.EndToEndID, "debtor_iban": p.DebtorIBAN,
		"creditor_name": p.CreditorName, "creditor_iban": p.CreditorIBAN, "amount": p.AmountText, "currency": p.Currency,
		"execution_date": p.DateText, "kind": p.Kind, "status": p.Status, "reasons": nonNil(p.Problems)}
	if p.Payee.Result != "" {
		v["vop"] = p.Payee // the verification of payee, where it applies
	}
	if p.Note != "" {
		v["note"] = p.Note
	}
	// What else the payer gave, where it did (as maksa payments --json).
	for key, value := range map[string]string{"remittance": p.Remittance, "reference": p.Reference, "instruction_id": p.InstructionID,
		"creditor_bic": p.CreditorBIC, "ultimate_debtor": p.UltimateDebtor, "ultimate_creditor": p.UltimateCreditor,
		"purpose": p.Purpose, "category_purpose": p.CategoryPurpose} {
		if value != "" {
			v[key] = value
		}
	}
	if !p.CreditorAddress.IsZero() {
		v["creditor_address"] = p.CreditorAddress
	}
	return v
}

// visiblePayment loads a payment the user may see; it answers 404 itself
// otherwise.
func (s *Server) visiblePayment(w http.ResponseWriter, r *http.Request, u *maksa.User) *maksa.Payment {
	id, ok := pathID(r, "id")
	f, err := s.visible(r, u)
	if err != nil {
		s.internal(w, err)
		return nil
	}
	p, err := s.Store.Payment(r.Context(), id)
	if !ok || errors.Is(err, store.ErrNotFound) || (err == nil && !sees(f, p)) {
		writeError(w, http.StatusNotFound, maksa.NARR, "no such payment you may see")
		return nil
	}
	if err != nil {
		s.internal(w, err)
		return nil
	}
	return p
}

func sees(f store.PaymentFilter, p *maksa.Payment) bool {
	for _, a := range f.Outgoing {
		if a == p.DebtorIBAN {
			return true
		}
	}
	for _, a := range f.Incoming {
		if a == p.CreditorIBAN && p.Status == maksa.ACSC {
			return true
		}
	}
	return false
}

func (s *Server) payment(w http.ResponseWriter, r *http.Request, u *maksa.User) {
	p := s.visiblePayment(w, r, u)
	if p == nil {
		return
	}
	sigs, err := s.Store.PaymentSignatures(r.Context(), p.ID)
	if err != nil {
		s.internal(w, err)
		return
	}
	posts, err := s.Store.PaymentPostings(r.Context(), p.ID)
	if err != nil {
		s.internal(w, err)
		return
	}
	signatures := []map[string]any{}
	for _, sig := range sigs {
		one := map[string]any{"level": sig.Level, "user": sig.UserID, "signed_at": sig.SignedAt, "key_fingerprint": sig.Fingerprint}
		if sig.PayeeConfirmed != "" {
			one["vop_confirmed"] = sig.PayeeConfirmed
		}
		signatures = append(signatures, one)
	}
	view := paymentView(p)
	if levels, err := s.Store.SignatureLevels(r.Context(), []int64{p.ID}); err != nil {
		s.internal(w, err)
		return
	} else if l, ok := levels[p.ID]; ok {
		view["signatures"] = l
	}
	postings := []map[string]any{}
	for _, post := range posts {
		postings = append(postings, map[string]any{"account": post.Account, "side": post.Side, "amount": post.Amount.String(), "booking_date": post.BookingDate.Format(maksa.DateLayout)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"payment": view, "signatures": signatures, "postings": postings})
}

func (s *Server) digest(w http.ResponseWriter, r *http.Request, u *maksa.User) {
	p := s.visiblePayment(w, r, u)
	if p == nil {
		return
	}
	d, err := s.Signing.Digest(r.Context(), p.ID)
	if err != nil {
		s.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payment_id": p.ID, "digest": hex.EncodeToString(d), "version": "maksa-payment-v1"})
}

// sign attaches a signature the signer made on their own device over the
// payment's digest; the same checks as "maksa sign --signature-file". A
// payment the caller may not see answers 404 as one that does not exist,
// before the body is read: the endpoint tells nobody what exists.
func (s *Server) sign(w http.ResponseWriter, r *http.Request, u *maksa.User) {
	p := s.visiblePayment(w, r, u)
	if p == nil {
		return
	}
	id := p.ID
	var body struct {
		Signature string `json:"signature"` // base64
		// ConfirmVoP confirms a verification of payee that was not a
		// match (CMTC, NMTC, NOAP): the signer was told and goes on.
		ConfirmVoP bool `json:"confirm_vop"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if jsonBody(r, &body) != nil {
		writeError(w, http.StatusBadRequest, maksa.NARR, `the body must be {"signature": "<base64>", "confirm_vop": false}`)
		return
	}
	sig, err := base64.StdEncoding.DecodeString(body.Signature)
	if err != nil {
		writeError(w, http.StatusBadRequest, maksa.DS0E, "the signature is not base64")
		return
	}
	out, err := s.Signing.Attach(r.Context(), u.ID, id, sig, body.ConfirmVoP)
	if err == nil && out.Signed {
		err = s.Importer.Settle(r.Context(), []int64{out.BatchID}, u.ID)
	}
	if err != nil {
		s.internal(w, err)
		return
	}
	status := http.StatusOK
	if !out.Signed {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, out)
}

// statement answers a statement of an account the user holds a view mode on.
func (s *Server) statement(w http.ResponseWriter, r *http.Request, u *maksa.User) {
	iban := r.PathValue("iban")
	d, err := s.Store.Directory(r.Context())
	if err != nil {
		s.internal(w, err)
		return
	}
	if !d.MayViewStatements(u.ID, iban) {
		writeError(w, http.StatusForbidden, maksa.AG08, "you hold no view mode on "+iban)
		return
	}
	q := r.URL.Query()
	from, err1 := time.Parse(maksa.DateLayout, q.Get("from"))
	to, err2 := time.Parse(maksa.DateLayout, q.Get("to"))
	if err1 != nil || err2 != nil || to.Before(from) {
		writeError(w, http.StatusBadRequest, maksa.DT01, "from and to must be dates (YYYY-MM-DD), from not after to")
		return
	}
	format := q.Get("format")
	ctx, now := r.Context(), s.Now()
	switch format {
	case "", "camt053":
		w.Header().Set("Content-Type", "application/xml")
		err = s.Exporter.Statement(ctx, w, iban, from, to, now)
	case "xlsx":
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		err = s.Exporter.StatementTable(ctx, w, "xlsx", iban, from, to, now)
	case "csv":
		w.Header().Set("Content-Type", "text/csv")
		err = s.Exporter.StatementTable(ctx, w, "csv", iban, from, to, now)
	case "pdf":
		w.Header().Set("Content-Type", "application/pdf")
		err = s.Exporter.StatementPDF(ctx, w, iban, from, to, now)
	case "fidavista":
		w.Header().Set("Content-Type", "application/xml")
		err = s.Exporter.StatementFiDAViSTA(ctx, w, iban, from, to, now)
	case "camt054":
		w.Header().Set("Content-Type", "application/xml")
		err = s.Exporter.Notification(ctx, w, iban, from, to, now)
	case "camt052":
		w.Header().Set("Content-Type", "application/xml")
		err = s.Exporter.Report(ctx, w, iban, to, now) // the intraday report of the last day
	default:
		writeError(w, http.StatusBadRequest, maksa.NARR, "format must be camt053, camt054, camt052, fidavista, xlsx, csv or pdf")
		return
	}
	if err != nil {
		s.Log.Error("statement failed", "account", iban, "err", err)
	}
}
