package signing

import (
	"bytes"
	"context"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"maksa"
	"maksa/store"
)

// Service signs, refuses and verifies stored payments.
type Service struct {
	Store    *store.DB
	Now      maksa.Clock
	Location *time.Location
	// SignDays is how many days after its execution date a payment may
	// still await signatures before it is cancelled (DS24).
	SignDays int
	// Patience is how long signing waits for a database that went away,
	// a chunk of payments at a time, logging the outage on Outage (0: it
	// gives up at once).
	Patience time.Duration
	Outage   store.Outage

	instance string
	keys     sync.Map // PEM → *PublicKey, parsed once
	sets     sync.Map // set id → *setVerdict, each set signature verified once
	expanded sync.Map // PEM → *voi.ExpandedPublicKey of an Ed25519 key, for batches
}

// verifyWithAny finds the user's directory key that verifies sig over the
// digest, parsing each key once. Returns ErrBadSignature when none does.
func (s *Service) verifyWithAny(keys []maksa.Key, digest, sig []byte) (*PublicKey, error) {
	for _, k := range keys {
		if pk, err := s.publicKey(k); err == nil && Verify(pk.Key, digest, sig) == nil {
			return pk, nil
		}
	}
	return nil, ErrBadSignature
}

// publicKey parses directory key k, once; what it returns carries k's
// revocation and fingerprint.
func (s *Service) publicKey(k maksa.Key) (*PublicKey, error) {
	cached, ok := s.keys.Load(k.PEM)
	if !ok {
		pk, err := ParsePublicKey(k)
		if err != nil {
			return nil, err
		}
		cached, _ = s.keys.LoadOrStore(k.PEM, pk)
	}
	pk := *cached.(*PublicKey)
	pk.Revoked, pk.Fingerprint = k.Revoked, k.Fingerprint
	return &pk, nil
}

// Outcome is what happened to one payment. It is the JSON contract of
// "maksa sign" and "maksa reject".
type Outcome struct {
	PaymentID  int64           `json:"payment_id"`
	EndToEndID string          `json:"end_to_end_id"`
	BatchID    int64           `json:"batch_id"`
	Level      int             `json:"level"`
	Required   int             `json:"required"`
	Signed     bool            `json:"signed"`
	Status     maksa.Status    `json:"status"`
	Reasons    []maksa.Problem `json:"reasons"`
}

func (s *Service) today() time.Time { return maksa.Day(s.Now().In(s.Location)) }

// Instance returns the installation id signatures bind.
func (s *Service) Instance(ctx context.Context) (string, error) {
	if s.instance == "" {
		id, err := s.Store.Instance(ctx)
		if err != nil {
			return "", err
		}
		s.instance = id
	}
	return s.instance, nil
}

// Digest returns the digest a signer signs for the payment.
func (s *Service) Digest(ctx context.Context, paymentID int64) ([]byte, error) {
	instance, err := s.Instance(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.Payment(ctx, paymentID)
	if err != nil {
		return nil, err
	}
	return Digest(instance, p), nil
}

// produced is a signature of one payment: the directory key that verifies
// it and its value, or the set whose signature signs the payment (value
// empty).
type produced struct {
	key   *PublicKey
	value []byte
	set   int64
}

// sign decides on each payment's signature and stores the accepted ones:
// produce makes the signature of a payment for its digest, or refuses.
// each gets the outcomes, in the order of ids, as they are committed.
func (s *Service) sign(ctx context.Context, user string, ids []int64, confirm bool, produce func(u *maksa.User, p *maksa.Payment, digest []byte) (produced, *maksa.Problem),
	each func(Outcome) error) error {
	instance, err := s.Instance(ctx)
	if err != nil {
		return err
	}
	// made holds the signatures made for the chunk being signed: when the
	// database committed a chunk but its answer was lost, the chunk is
	// tried again and finds them stored.
	made := map[int64]produced{}
	day := s.today()
	decide := s.decider(user, confirm, made, func(p *maksa.Payment) []byte { return Digest(instance, p) }, produce)
	for start := 0; start < len(ids); start += store.SignChunk {
		chunk := ids[start:min(start+store.SignChunk, len(ids))]
		clear(made)
		var results []store.SignResult
		// A chunk whose transaction the database lost is signed again
		// once it answers (its outcomes are reported once, after commit).
		err := s.Outage.Retry(ctx, s.Patience, func() (err error) {
			results, err = s.Store.SignPayments(ctx, chunk, user, day, decide)
			return err
		})
		if err != nil {
			return err
		}
		for i, id := range chunk {
			o, err := outcome(id, results[i])
			if err != nil {
				return err
			}
			if err := each(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// decider returns the decision on a payment's next signature by user, as
// read in a signing transaction: the level, four eyes, the signer's grant
// and limits, the verification of payee (confirm), the earlier signatures
// made over the payment as it is now (digestOf), and the signature that
// produce makes. made holds what an earlier try of the same chunk
// produced, found stored again (nil: no chunk is tried again).
func (s *Service) decider(user string, confirm bool, made map[int64]produced, digestOf func(*maksa.Payment) []byte,
	produce func(u *maksa.User, p *maksa.Payment, digest []byte) (produced, *maksa.Problem)) func(*store.SignState) (*store.Signature, error) {
	day, now := s.today(), s.Now()
	return func(st *store.SignState) (*store.Signature, error) {
		p := st.Payment
		for _, sig := range st.Signatures {
			if m, ok := made[p.ID]; ok && sig.UserID == user && bytes.Equal(sig.Value, m.value) && sig.SetID == m.set {
				return nil, errStoredBefore
			}
		}
		level := len(st.Signatures) + 1
		if p.Status != maksa.PDNG || level > st.Account.Signatures {
			return nil, maksa.Problemf(maksa.NARR, p.Position, "payment %d does not await a signature (status %s)", p.ID, p.Status)
		}
		for _, sig := range st.Signatures {
			if sig.UserID == user {
				return nil, maksa.Problemf(maksa.DS26, p.Position, "%s signed this payment already at level %d: a second signature must come from someone else", user, sig.Level)
			}
		}
		if pr := CheckSigner(st.User, st.Grant, level, day); pr != nil {
			return nil, pr
		}
		if pr := maksa.CheckLimits(st.Grant, p, st.SignedToday, maksa.Signing); pr != nil {
			return nil, pr
		}
		if p.Payee.NeedsConfirmation() && !confirm {
			return nil, unconfirmed(p)
		}
		digest := digestOf(p)
		if pr := verifyStored(st.Signatures, digest); pr != nil {
			return nil, pr
		}
		one, pr := produce(st.User, p, digest)
		if pr != nil {
			return nil, pr
		}
		if code, err := one.key.Accept(now); err != nil {
			return nil, maksa.Problemf(code, p.Position, "%v", err)
		}
		if made != nil {
			made[p.ID] = one
		}
		sig := &store.Signature{Level: level, UserID: user, Fingerprint: one.key.Fingerprint, Value: one.value, Digest: hex.EncodeToString(digest), SetID: one.set}
		if p.Payee.NeedsConfirmation() {
			sig.PayeeConfirmed = p.Payee.Result
		}
		return sig, nil
	}
}

// unconfirmed refuses to sign a payment whose verification of payee the
// signer did not confirm: the payer must have been told before signing.
func unconfirmed(p *maksa.Payment) *maksa.Problem {
	hint := "sign it with --confirm-vop (confirm_vop in the API) if it is right"
	if p.Payee.Result == maksa.PayeeCloseMatch {
		hint += ", or take the registered name first: maksa payments correct-name " + fmt.Sprint(p.ID)
	}
	return maksa.Problemf(maksa.NARR, p.Position, "not signed: verification of payee %s for %q; %s", p.Payee, p.CreditorName, hint)
}

// verifyStored checks that every earlier signature was made over the
// payment as it is now: a payment changed after it was signed refuses
// further signatures (DS0E).
func verifyStored(sigs []store.Signature, digest []byte) *maksa.Problem {
	for _, sig := range sigs {
		if sig.Digest != hex.EncodeToString(digest) {
			return maksa.Problemf(maksa.DS0E, maksa.Position{}, "the payment changed after %s signed it at level %d: the signature no longer matches", sig.UserID, sig.Level)
		}
	}
	return nil
}

// errStoredBefore marks a payment whose signature an earlier try of its
// chunk stored: the database committed it, but its answer was lost.
var errStoredBefore = errors.New("signed by an earlier try whose commit was not confirmed")

// outcome turns the result of a store call into an Outcome; refusals
// become reasons, other errors stay errors.
func outcome(id int64, r store.SignResult) (Outcome, error) {
	o := Outcome{PaymentID: id, Reasons: []maksa.Problem{}}
	if r.Found {
		o.EndToEndID, o.BatchID, o.Status = r.EndToEndID, r.BatchID, r.Status
		o.Level, o.Required = r.Level, r.Required
	}
	err := r.Err
	var pr *maksa.Problem
	switch {
	case errors.As(err, &pr):
		pr.EndToEndID = o.EndToEndID
		pr.Position = maksa.Position{}
		o.Reasons = append(o.Reasons, *pr)
		return o, nil
	case errors.Is(err, errStoredBefore):
		err = nil
	case errors.Is(err, store.ErrNotPending):
		o.Reasons = append(o.Reasons, maksa.Problem{Code: maksa.NARR, Message: err.Error(), EndToEndID: o.EndToEndID})
		return o, nil
	case errors.Is(err, store.ErrNotFound):
		o.Reasons = append(o.Reasons, maksa.Problem{Code: maksa.NARR, Message: fmt.Sprintf("payment %d does not exist", id)})
		return o, nil
	case err != nil:
		return o, err
	}
	o.Signed = true
	return o, nil
}

// SignWithKey signs each payment at the user's next level with the user's
// private key and returns the outcomes. confirm says that the signer
// confirms the verification of payee of the payments it was no match for
// (without it, those are not signed). A key the directory does not list
// for the user is refused (DS0C).
func (s *Service) SignWithKey(ctx context.Context, user string, key crypto.Signer, ids []int64, confirm bool) ([]Outcome, error) {
	out := make([]Outcome, 0, len(ids))
	err := s.SignEachWithKey(ctx, user, key, ids, confirm, func(o Outcome) error {
		out = append(out, o)
		return nil
	})
	return out, err
}

// SignEachWithKey is SignWithKey handing each outcome to each as soon as
// its chunk is committed, so that a million payments need not be held.
func (s *Service) SignEachWithKey(ctx context.Context, user string, key crypto.Signer, ids []int64, confirm bool, each func(Outcome) error) error {
	return s.sign(ctx, user, ids, confirm, func(u *maksa.User, _ *maksa.Payment, digest []byte) (produced, *maksa.Problem) {
		if u == nil {
			return produced{}, maksa.Problemf(maksa.DS0H, maksa.Position{}, "the signer is not in the directory")
		}
		pk, err := FindKey(u.Keys, key.Public())
		if err != nil {
			return produced{}, maksa.Problemf(maksa.DS0C, maksa.Position{}, "%v", err)
		}
		sig, err := Sign(key, digest)
		if err != nil {
			return produced{}, maksa.Problemf(maksa.DS0E, maksa.Position{}, "cannot sign: %v", err)
		}
		return produced{key: pk, value: sig}, nil
	}, each)
}

// Attach adds a signature made elsewhere (on a smart card or token) over
// the payment's digest. It must verify with one of the user's directory
// keys (DS0E otherwise).
func (s *Service) Attach(ctx context.Context, user string, id int64, sig []byte, confirm bool) (Outcome, error) {
	var out Outcome
	err := s.sign(ctx, user, []int64{id}, confirm, func(u *maksa.User, _ *maksa.Payment, digest []byte) (produced, *maksa.Problem) {
		if u == nil {
			return produced{}, maksa.Problemf(maksa.DS0H, maksa.Position{}, "the signer is not in the directory")
		}
		pk, err := s.verifyWithAny(u.Keys, digest, sig)
		if err != nil {
			return produced{}, maksa.Problemf(maksa.DS0E, maksa.Position{}, "the signature does not verify with any key of %s over payment %d's digest", u.ID, id)
		}
		return produced{key: pk, value: sig}, nil
	}, func(o Outcome) error {
		out = o
		return nil
	})
	return out, err
}

// errRefusedBefore says that the user refused the payment already: a
// retried refusal (its commit's answer lost) is a no-op with the first
// outcome.
var errRefusedBefore = errors.New("refused before by this user")

// refusalBy returns the user's refusal of p (DS02), or nil.
func refusalBy(p *maksa.Payment, user string) *maksa.Problem {
	if p.Status != maksa.RJCT {
		return nil
	}
	for i, pr := range p.Problems {
		if pr.Code == maksa.DS02 && strings.HasPrefix(pr.Message, "refused by "+user+": ") {
			found := p.Problems[i]
			found.EndToEndID, found.Position = p.EndToEndID, maksa.Position{}
			return &found
		}
	}
	return nil
}

// Reject refuses payments on behalf of a signer: any user holding a sign
// mode on the debtor account may refuse a payment that awaits signatures.
func (s *Service) Reject(ctx context.Context, user string, ids []int64, reason string) ([]Outcome, error) {
	day := s.today()
	var out []Outcome
	for _, id := range ids {
		st, err := s.Store.RejectPayment(ctx, id, user, reason, day, func(st *store.SignState) error {
			if first := refusalBy(st.Payment, user); first != nil {
				return errRefusedBefore // a retry: the refusal is done already
			}
			if st.Payment.Status != maksa.PDNG {
				return maksa.Problemf(maksa.NARR, maksa.Position{}, "payment %d does not await signatures (status %s)", id, st.Payment.Status)
			}
			for level := 1; level <= 4; level++ {
				if CheckSigner(st.User, st.Grant, level, day) == nil {
					return nil
				}
			}
			return maksa.Problemf(maksa.DS0H, maksa.Position{}, "%s is no signer of account %s and may not refuse its payments", user, st.Account.IBAN)
		})
		if errors.Is(err, errRefusedBefore) { // the first outcome, again
			o, _ := outcome(id, store.ResultOf(st, nil))
			o.Signed, o.Status, o.Reasons = false, maksa.RJCT, []maksa.Problem{*refusalBy(st.Payment, user)}
			out = append(out, o)
			continue
		}
		o, err := outcome(id, store.ResultOf(st, err))
		if err != nil {
			return out, err
		}
		if o.Signed { // the refusal went through
			o.Signed, o.Status = false, maksa.RJCT
			o.Reasons = append(o.Reasons, maksa.Problem{Code: maksa.DS02, Message: "refused by " + user + ": " + reason, EndToEndID: o.EndToEndID})
		}
		out = append(out, o)
	}
	return out, nil
}

// VerifyAll checks, as execution must, that the payment carries its
// account's levels of signatures, each by a different user with a key the
// directory still lists unrevoked, each over the payment as it is now.
// Returns a *maksa.Problem (DS0E, DS0C, DS24) when it does not.
func (s *Service) VerifyAll(ctx context.Context, p *maksa.Payment, required int, keysOf func(user string) []maksa.Key) error {
	sigs, err := s.Store.PaymentSignatures(ctx, p.ID)
	if err != nil {
		return err
	}
	return s.Verify(ctx, p, required, sigs, keysOf)
}

// Verify is VerifyAll over signatures the caller read.
func (s *Service) Verify(ctx context.Context, p *maksa.Payment, required int, sigs []store.Signature, keysOf func(user string) []maksa.Key) error {
	verdicts, err := s.VerifyMany(ctx, []Signed{{Payment: p, Required: required, Sigs: sigs}}, keysOf)
	if err != nil {
		return err
	}
	return verdicts[0]
}

// Expire cancels (DS24) the payments whose signatures were not complete
// SignDays after their execution date, and returns the batches touched.
func (s *Service) Expire(ctx context.Context, actor string) ([]int64, error) {
	return s.Store.ExpireUnsigned(ctx, s.today().AddDate(0, 0, -s.SignDays), actor)
}

// QueueLine is one payment in a signer's queue.
type QueueLine struct {
	PaymentID     int64      `json:"payment_id"`
	BatchID       int64      `json:"batch_id"`
	EndToEndID    string     `json:"end_to_end_id"`
	DebtorIBAN    string     `json:"debtor_iban"`
	CreditorName  string     `json:"creditor_name"`
	CreditorIBAN  string     `json:"creditor_iban"`
	Amount        string     `json:"amount"`
	Currency      string     `json:"currency"`
	ExecutionDate string     `json:"execution_date"`
	Kind          maksa.Kind `json:"kind"`
	// Remittance and Reference (the structured creditor reference, RF…)
	// are what the payee is told the payment is for, where the payer gave
	// them: both are signed.
	Remittance string `json:"remittance,omitempty"`
	Reference  string `json:"reference,omitempty"`
	// Payee is the verification of payee, where it applies; a signer must
	// confirm CMTC, NMTC and NOAP (sign --confirm-vop).
	Payee        *maksa.PayeeCheck `json:"vop,omitempty"`
	LevelsDone   int               `json:"levels_done"`
	LevelsNeeded int               `json:"levels_required"`
	SignedBy     []string          `json:"signed_by"`
}

// Queue lists the payments awaiting signatures, of one account or all;
// for a user, only those the user may sign next.
func (s *Service) Queue(ctx context.Context, user, account string) ([]QueueLine, error) {
	out := []QueueLine{}
	err := s.EachInQueue(ctx, user, account, func(l QueueLine) error {
		out = append(out, l)
		return nil
	})
	return out, err
}

// EachInQueue is Queue handing each line to fn, without holding them.
func (s *Service) EachInQueue(ctx context.Context, user, account string, fn func(QueueLine) error) error {
	return s.eachQueued(ctx, user, account, func(it store.QueueItem) error {
		p := it.Payment
		l := QueueLine{PaymentID: p.ID, BatchID: p.BatchID, EndToEndID: p.EndToEndID, DebtorIBAN: p.DebtorIBAN,
			CreditorName: p.CreditorName, CreditorIBAN: p.CreditorIBAN, Amount: p.AmountText, Currency: p.Currency, Kind: p.Kind,
			ExecutionDate: p.DateText, Remittance: p.Remittance, Reference: p.Reference, LevelsDone: len(it.SignedBy), LevelsNeeded: it.Required, SignedBy: nonNil(it.SignedBy)}
		if p.Payee.Result != "" {
			l.Payee = &p.Payee
		}
		return fn(l)
	})
}

// eachQueued calls fn with each payment awaiting signatures (of the
// account, when not empty), for a user only those the user may sign next.
func (s *Service) eachQueued(ctx context.Context, user, account string, fn func(store.QueueItem) error) error {
	var grants map[string]*maksa.Grant
	var u *maksa.User
	if user != "" {
		d, err := s.Store.Directory(ctx)
		if err != nil {
			return err
		}
		grants = map[string]*maksa.Grant{}
		for i := range d.Grants {
			if d.Grants[i].UserID == user {
				grants[d.Grants[i].AccountIBAN] = &d.Grants[i]
			}
		}
		u = d.User(user)
	}
	day := s.today()
	return s.Store.Queue(ctx, account, func(it store.QueueItem) error {
		p := it.Payment
		if user != "" {
			if contains(it.SignedBy, user) || CheckSigner(u, grants[p.DebtorIBAN], len(it.SignedBy)+1, day) != nil {
				return nil
			}
		}
		return fn(it)
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
