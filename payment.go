package maksa

import (
	"time"

	"github.com/shopspring/decimal"
)

// DateLayout is how maksa writes a calendar date everywhere.
const DateLayout = "2006-01-02"

// Payment is one credit transfer order: a CdtTrfTxInf of a pain.001, a row
// of a CSV or XLSX file. Fields hold what the file said; Status and Problems
// hold what maksa decided.
type Payment struct {
	ID      int64
	BatchID int64
	Seq     int // 1-based order in the file

	PaymentInfoID string
	PaymentMethod string // TRF, CHK, TRA
	InstructionID string
	EndToEndID    string
	UETR          string

	DebtorIBAN string
	DebtorName string
	DebtorBIC  string

	CreditorIBAN   string // the creditor account: an IBAN, or another identifier when CreditorIsIBAN is false
	CreditorIsIBAN bool
	CreditorName   string
	CreditorBIC    string

	AmountText string          // the amount as written in the file
	Amount     decimal.Decimal // parsed; zero when AmountText is not a number
	// StoredMinor is the amount in minor units as the store keeps it beside
	// the amount, when it was read (the nightly batch compares the two).
	StoredMinor   *int64
	Currency      string
	ExecutionDate time.Time // a date: midnight UTC
	DateText      string    // the execution date as written in the file

	Remittance       string // unstructured remittance (Ustrd lines joined with a space)
	Reference        string // structured creditor reference (Strd/CdtrRefInf/Ref)
	Purpose          string
	CategoryPurpose  string
	Priority         string // NORM, HIGH
	ServiceLevel     string // SEPA, URGP, …
	ChargeBearer     string // SLEV, DEBT, CRED, SHAR
	UltimateDebtor   string
	UltimateCreditor string

	Kind            Kind
	CreditorID      string     // the recipient's personal code or ID document (cash orders)
	CreditorAddress Address    // the creditor's postal address (PstlAdr), its country included
	Template        string     // a template that gives the fields the row leaves out (CSV, XLSX)
	Note            string     // what maksa changed, e.g. an execution date moved past a cut-off
	Released        bool       // an operator released it from an announcement hold
	Payee           PayeeCheck // the verification of payee; zero when it does not apply

	ExecutedOn time.Time // the business date the nightly batch executed or refused it

	Position  Position                 // where the payment starts in the file
	InfoXPath string                   // XML: the path of its payment information block
	Fields    [NumFields]FieldPosition // where its fields are
	Status    Status
	Problems  []Problem
}

// Reject records a problem and marks the payment rejected.
func (p *Payment) Reject(pr *Problem) {
	pr.EndToEndID = p.EndToEndID
	p.Problems = append(p.Problems, *pr)
	p.Status = RJCT
}

// Batch is one imported file.
type Batch struct {
	ID        int64
	UserID    string
	ClientID  string
	FileName  string
	SHA256    string
	Format    string // pain.001.001.03, csv, xlsx, …
	MessageID string
	CreatedAt time.Time

	DeclaredTxs     string           // NbOfTxs as written
	DeclaredCtrlSum *decimal.Decimal // CtrlSum when present

	Transactions int
	ControlSum   decimal.Decimal // sum of all amounts read
	Accepted     int
	Rejected     int
	Status       Status
	Problems     []Problem // problems that reject the whole file
	// Settled is the status once no payment of the batch awaits a
	// signature any more (ACCP, PART, RJCT); empty until then.
	Settled Status
	// AnswerVersion is the pain.002 version of every status report of the
	// batch; 0 follows the request's version.
	AnswerVersion int
}

// Settle sets the batch status from its counts and group problems: RJCT when
// the file itself was rejected or no payment passed, ACTC when all passed,
// PART otherwise.
func (b *Batch) Settle() {
	switch {
	case len(b.Problems) > 0 || b.Accepted == 0:
		b.Status = RJCT
	case b.Rejected == 0:
		b.Status = ACTC
	default:
		b.Status = PART
	}
}
