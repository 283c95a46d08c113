package importer

import (
	"context"
	"strings"

	"maksa"
	"maksa/vop"
)

// payees verifies the payees of one file's payments (Verification of
// Payee): a payment to a treasury account against its holder in the
// directory, at once; one to another bank by asking that bank's VoP
// service, in parallel while the file is read, its answer stored before
// the batch is committed.
type payees struct {
	holders map[string]*maksa.Client // every treasury account's holder
	rq      *vop.Requester
	ctx     context.Context
	// matched remembers the verifications against treasury accounts, so
	// that a payee paid again (a tax account, a salary) is matched once.
	matched    map[vop.Query]maksa.PayeeCheck
	registered map[*maksa.Client]*vop.Registered // the holders' names, taken apart once
	round      *vop.Round
	pending    map[int]awaited // the other banks' answers awaited, by seq
	// optedOut counts the payments left unchecked because their client
	// opted out for files of many payments; first is the first of them,
	// checked after all when it turns out to be the file's only payment.
	optedOut int
	first    *maksa.Payment
}

func newPayees(ctx context.Context, holders map[string]*maksa.Client, rq *vop.Requester) *payees {
	if rq == nil {
		rq = &vop.Requester{} // no routes: every other bank's payee is NOAP
	}
	return &payees{holders: holders, rq: rq, ctx: ctx, pending: map[int]awaited{}, matched: map[vop.Query]maksa.PayeeCheck{},
		registered: map[*maksa.Client]*vop.Registered{}}
}

// maxMatched bounds the verifications a file remembers.
const maxMatched = 100_000

// awaited is a payment whose payee's bank was asked.
type awaited struct {
	endToEndID, creditor string
	answer               *vop.Pending
}

// Applies reports whether the verification of payee applies to a payment:
// a credit transfer in euro to an IBAN.
func Applies(p *maksa.Payment) bool {
	return p.Kind != maksa.KindCash && p.Currency == "EUR" && p.CreditorIsIBAN && p.Status != maksa.RJCT
}

// check decides p's verification, or starts it.
func (v *payees) check(p *maksa.Payment) {
	if !Applies(p) {
		return
	}
	if c := v.holders[p.DebtorIBAN]; c != nil && c.PayeeOptOut {
		p.Payee = maksa.PayeeCheck{Result: maksa.PayeeOptedOut}
		if v.optedOut++; v.optedOut == 1 {
			first := *p
			v.first = &first
		}
		return
	}
	v.verify(p)
}

// verify checks p's payee against the treasury's register or asks the
// payee's bank.
func (v *payees) verify(p *maksa.Payment) {
	if h := v.holders[p.CreditorIBAN]; h != nil {
		key := vop.Query{IBAN: p.CreditorIBAN, Name: p.CreditorName, ID: p.CreditorID}
		if c, ok := v.matched[key]; ok {
			p.Payee = c // a payee the file pays again
			return
		}
		reg := v.registered[h]
		if reg == nil {
			reg = vop.Prepare(vop.Holder{Name: h.Name, RegNo: h.RegNo})
			v.registered[h] = reg
		}
		p.Payee = reg.Match(p.CreditorName, p.CreditorID)
		if len(v.matched) < maxMatched {
			key = vop.Query{IBAN: strings.Clone(key.IBAN), Name: strings.Clone(key.Name), ID: strings.Clone(key.ID)}
			v.matched[key] = p.Payee
		}
		return
	}
	q := vop.Query{IBAN: p.CreditorIBAN, BIC: p.CreditorBIC, Name: p.CreditorName, ID: p.CreditorID}
	if c, ok := v.rq.Unroutable(q); ok {
		p.Payee = c // known at once: nothing to hold
		return
	}
	if v.round == nil {
		v.round = v.rq.Start(v.ctx)
	}
	// What is held until the answers come is cut loose from the reader's
	// blocks, which hold the values of a hundred payments.
	q = vop.Query{IBAN: strings.Clone(q.IBAN), BIC: strings.Clone(q.BIC), Name: strings.Clone(q.Name), ID: strings.Clone(q.ID)}
	v.pending[p.Seq] = awaited{endToEndID: strings.Clone(p.EndToEndID), creditor: q.Name, answer: v.round.Ask(q)}
}

// finish waits for the other banks' answers and returns every check
// decided after its payment was written, by seq, telling res of each. A
// file of one payment whose client opted out is checked after all.
func (v *payees) finish(transactions int, res *Result) map[int]maksa.PayeeCheck {
	late := map[int]maksa.PayeeCheck{}
	if transactions == 1 && v.optedOut == 1 {
		res.payee(v.first, maksa.PayeeCheck{}) // uncounted: it is checked now
		v.first.Payee = maksa.PayeeCheck{}
		v.verify(v.first)
		if _, asked := v.pending[v.first.Seq]; !asked {
			late[v.first.Seq] = v.first.Payee
			res.payee(v.first, v.first.Payee)
		}
	}
	v.close()
	for seq, a := range v.pending {
		c := a.answer.Wait()
		late[seq] = c
		res.payee(&maksa.Payment{EndToEndID: a.endToEndID, CreditorName: a.creditor}, c)
	}
	return late
}

// close lets the requests' workers go (a file rejected whole never
// finishes its payments).
func (v *payees) close() {
	if v.round != nil {
		v.round.Close()
		v.round = nil
	}
}

// PayeeWarning is a payment whose verification a signer must confirm.
type PayeeWarning struct {
	EndToEndID string           `json:"end_to_end_id"`
	Creditor   string           `json:"creditor_name"`
	Check      maksa.PayeeCheck `json:"vop"`
}

// keptPayeeWarnings is how many warnings a Result lists; the rest are
// counted (payments --vop lists them all).
const keptPayeeWarnings = 1000

// payee counts a payment's verification, listing it when a signer must
// confirm it. A zero check takes back an earlier count of the payment
// (the opted-out payment of a file of one, checked at the end).
func (r *Result) payee(p *maksa.Payment, c maksa.PayeeCheck) {
	if c.Result == "" {
		if r.PayeeCounts[maksa.PayeeOptedOut]--; r.PayeeCounts[maksa.PayeeOptedOut] == 0 {
			delete(r.PayeeCounts, maksa.PayeeOptedOut)
		}
		return
	}
	if r.PayeeCounts == nil {
		r.PayeeCounts = map[maksa.PayeeResult]int{}
	}
	r.PayeeCounts[c.Result]++
	if c.NeedsConfirmation() && len(r.PayeeWarnings) < keptPayeeWarnings {
		r.PayeeWarnings = append(r.PayeeWarnings, PayeeWarning{EndToEndID: p.EndToEndID, Creditor: p.CreditorName, Check: c})
	}
}
