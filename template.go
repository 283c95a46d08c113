package maksa

import "github.com/shopspring/decimal"

// Template is a named, saved set of payment fields a client's users fill
// payments from.
type Template struct {
	ClientID     string `json:"client" yaml:"client"`
	Name         string `json:"name" yaml:"name"`
	DebtorIBAN   string `json:"account,omitempty" yaml:"account"` // the default debtor account
	CreditorName string `json:"creditor_name" yaml:"creditor_name"`
	CreditorIBAN string `json:"creditor_iban" yaml:"creditor_iban"`
	CreditorBIC  string `json:"creditor_bic,omitempty" yaml:"creditor_bic"`
	Remittance   string `json:"remittance,omitempty" yaml:"remittance"`
	Kind         Kind   `json:"kind,omitempty" yaml:"kind"`
	Amount       string `json:"amount,omitempty" yaml:"amount"` // optional
}

// Fill gives p the template's fields that p leaves empty.
func (t *Template) Fill(p *Payment) {
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&p.DebtorIBAN, t.DebtorIBAN)
	fill(&p.CreditorName, t.CreditorName)
	if p.CreditorIBAN == "" {
		p.CreditorIBAN, p.CreditorIsIBAN = t.CreditorIBAN, CheckIBAN(t.CreditorIBAN) == nil
	}
	fill(&p.CreditorBIC, t.CreditorBIC)
	fill(&p.Remittance, t.Remittance)
	if p.Kind == "" {
		p.Kind = t.Kind
	}
	if p.AmountText == "" && t.Amount != "" {
		p.AmountText = t.Amount
		p.Amount, _ = decimal.NewFromString(t.Amount)
	}
}

// LimitOverride is a one-day change of a user's limits on an account.
type LimitOverride struct {
	PaymentLimit decimal.Decimal
	DailyLimit   decimal.Decimal
}
