// Package testgen generates realistic payment files for tests and
// benchmarks: valid Latvian IBANs, Latvian names with diacritics, several
// payment information blocks, drawn from a fixed seed so that the same
// arguments always give the same file.
package testgen

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/formats/pain001"
)

// Spec describes a file to generate.
type Spec struct {
	Count       int       // how many payments
	PerInfo     int       // payments per PmtInf block (default 1000)
	Version     int       // pain.001.001.<Version>: 3, 9, 10 or 11
	DebtorIBANs []string  // debtor accounts, used round robin (default: the demo municipality's accounts)
	Date        time.Time // requested execution date
	MessageID   string
	Seed        uint64
	MaxAmount   int64 // largest amount in cents (default 100000 = EUR 1000.00)
	Amount      int64 // every payment's amount in cents; 0: random up to MaxAmount
	// Invalid is the share (0..1) of payments given one defect each, spread
	// evenly through the file, the defects taking turns through
	// InvalidCodes.
	Invalid float64
}

// InvalidCodes are the reason codes of the defects Spec.Invalid puts into
// payments, in turn: a creditor IBAN with wrong check digits, a zero and a
// negative amount, a malformed BIC, no creditor name, a character outside
// the allowed set.
var InvalidCodes = []maksa.Reason{maksa.AC03, maksa.AM01, maksa.AM12, maksa.RC01, maksa.RR03, maksa.RR10}

// spoil gives p the defect that code names.
func spoil(p *maksa.Payment, code maksa.Reason) {
	switch code {
	case maksa.AC03:
		digits := []byte(p.CreditorIBAN)
		digits[2] = '0' + (digits[2]-'0'+1)%10
		p.CreditorIBAN = string(digits)
	case maksa.AM01:
		p.Amount = decimal.Zero
	case maksa.AM12:
		p.Amount = p.Amount.Neg()
	case maksa.RC01:
		p.CreditorBIC = "HABA-LV22"
	case maksa.RR03:
		p.CreditorName = ""
	case maksa.RR10:
		// A tab where a space belongs, as a name copied out of a
		// spreadsheet has: a control character, yet in every encoding.
		p.CreditorName = strings.Replace(p.CreditorName, " ", "\t", 1)
	}
}

var firstNames = []string{"Anna", "Jānis", "Līga", "Pēteris", "Ilze", "Kārlis", "Māra", "Edgars", "Dace", "Ģirts", "Zane", "Andris", "Ieva", "Roberts", "Sandra"}
var lastNames = []string{"Bērziņa", "Kalniņš", "Ozoliņa", "Liepiņš", "Kļaviņa", "Zariņš", "Krūmiņa", "Vītols", "Jansone", "Šmits", "Ābele", "Eglītis", "Lapiņa", "Žagars"}
var purposes = []string{"Alga par novembri", "Rēķins Nr. %d", "Pabalsts", "Atlīdzība par pakalpojumiem", "Līgums %d/2026", "Stipendija"}

// banks are the creditors' banks: not the treasury (TREL), whose accounts
// a generated file cannot know (AC01).
var banks = []string{"HABA", "UNLA", "PARX", "RIKO", "NDEA"}
var bics = map[string]string{"HABA": "HABALV22", "UNLA": "UNLALV2X", "PARX": "PARXLV22", "RIKO": "RIKOLV2X", "NDEA": "NDEALV2X"}

// endToEndID returns "<message id>-E2E-<n>", the message id cut from the
// front where the whole would pass the 35 characters of Max35Text.
func endToEndID(messageID string, n int) string {
	suffix := fmt.Sprintf("-E2E-%d", n)
	if over := len(messageID) + len(suffix) - 35; over > 0 {
		messageID = messageID[min(over, len(messageID)):]
	}
	return messageID + suffix
}

// IBAN returns the Latvian IBAN of the given bank code and 13-digit account.
func IBAN(bank string, account int64) string {
	bban := fmt.Sprintf("%s%013d", bank, account)
	return "LV" + checkDigits("LV", bban) + bban
}

func checkDigits(country, bban string) string {
	r := 0
	for _, c := range bban + country + "00" {
		if c >= '0' && c <= '9' {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	return fmt.Sprintf("%02d", 98-r)
}

// Payments calls fn with each payment of the spec.
func (s Spec) Payments(fn func(*maksa.Payment) error) error {
	rng := rand.New(rand.NewPCG(s.Seed, 0x6d616b7361))
	debtors := s.DebtorIBANs
	if len(debtors) == 0 {
		debtors = []string{"LV21TREL9160100000000"}
	}
	perInfo := s.PerInfo
	if perInfo <= 0 {
		perInfo = 1000
	}
	maxAmount := s.MaxAmount
	if maxAmount <= 0 {
		maxAmount = 100000
	}
	for i := 0; i < s.Count; i++ {
		info := i / perInfo
		name := firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
		remit := purposes[rng.IntN(len(purposes))]
		if strings.Contains(remit, "%d") {
			remit = fmt.Sprintf(remit, rng.IntN(100000))
		}
		bank := banks[rng.IntN(len(banks))]
		p := &maksa.Payment{
			PaymentInfoID:  fmt.Sprintf("PMTINF-%d", info+1),
			PaymentMethod:  "TRF",
			InstructionID:  fmt.Sprintf("I%d", i+1),
			EndToEndID:     endToEndID(s.MessageID, i+1),
			DebtorIBAN:     debtors[info%len(debtors)],
			DebtorName:     "Rīgas pilsētas pašvaldība",
			CreditorIBAN:   IBAN(bank, rng.Int64N(1e13)),
			CreditorIsIBAN: true,
			CreditorBIC:    bics[bank],
			CreditorName:   name,
			Amount:         decimal.New(1+rng.Int64N(maxAmount), -2),
			Currency:       "EUR",
			ExecutionDate:  s.Date,
			Remittance:     remit,
		}
		if s.Amount > 0 {
			p.Amount = decimal.New(s.Amount, -2)
		}
		if s.Invalid > 0 && int(float64(i+1)*s.Invalid) > int(float64(i)*s.Invalid) {
			spoil(p, InvalidCodes[int(float64(i)*s.Invalid)%len(InvalidCodes)])
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// WriteDirectory writes a directory YAML that the spec's files import
// under: one client, the debtor accounts (one signature each, a large
// balance) and user with the prepare mode and limits no generated file
// reaches.
func (s Spec) WriteDirectory(w io.Writer, user string) error {
	debtors := s.DebtorIBANs
	if len(debtors) == 0 {
		debtors = []string{"LV21TREL9160100000000"}
	}
	const limit = `"1000000000000.00"`
	var b strings.Builder
	b.WriteString("clients:\n  - {id: \"90000012345\", name: \"Rīgas pilsētas pašvaldība\"}\naccounts:\n")
	for _, iban := range debtors {
		fmt.Fprintf(&b, "  - {iban: %s, client: \"90000012345\", currency: EUR, balance: %s, signatures: 1}\n", iban, limit)
	}
	fmt.Fprintf(&b, "users:\n  - id: %q\n    valid_until: 2099-12-31\n    grants:\n", user)
	for _, iban := range debtors {
		fmt.Fprintf(&b, "      - {account: %s, modes: [prepare, view_outgoing], payment_limit: %s, daily_limit: %s}\n", iban, limit, limit)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WritePain001 writes the spec as a pain.001 document.
func (s Spec) WritePain001(w io.Writer) error {
	var sum decimal.Decimal
	_ = s.Payments(func(p *maksa.Payment) error {
		sum = sum.Add(p.Amount)
		return nil
	})
	version := s.Version
	if version == 0 {
		version = 3
	}
	pw := pain001.NewWriter(w, version)
	if err := pw.WriteHeader(&pain001.GroupHeader{MessageID: s.MessageID, CreationTime: s.Date, NbOfTxs: s.Count,
		CtrlSum: sum, InitiatingParty: "Rīgas pilsētas pašvaldība"}); err != nil {
		return err
	}
	if err := s.Payments(pw.Write); err != nil {
		return err
	}
	return pw.Close()
}
