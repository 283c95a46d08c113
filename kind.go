package maksa

// Kind is the kind of a payment order. Each kind has its own rules, cut-off
// time and bank transaction code.
type Kind string

// The kinds of payment orders.
const (
	KindSEPA        Kind = "sepa"        // domestic or SEPA credit transfer in euro (the default)
	KindUrgent      Kind = "urgent"      // instruction priority HIGH, service level URGP or INST
	KindCrossBorder Kind = "crossborder" // not in euro, or to a creditor outside SEPA
	KindBudget      Kind = "budget"      // a tax or budget payment to the State Revenue Service
	KindInternal    Kind = "internal"    // between two treasury accounts
	KindCash        Kind = "cash"        // a cash-withdrawal order
)

// Kinds lists every kind.
var Kinds = []Kind{KindSEPA, KindUrgent, KindCrossBorder, KindBudget, KindInternal, KindCash}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// TransactionCode returns the ISO 20022 bank transaction code (domain,
// family, sub-family) of a payment of this kind on the debited (credit
// false) or credited account.
func (k Kind) TransactionCode(credit bool) (domain, family, subFamily string) {
	family = "ICDT"
	if credit {
		family = "RCDT"
	}
	switch k {
	case KindCash:
		return "PMNT", "CNTR", "CWDL"
	case KindInternal:
		return "PMNT", family, "BOOK"
	case KindCrossBorder:
		return "PMNT", family, "XBCT"
	}
	return "PMNT", family, "ESCT"
}

// sepaCountries are the countries of the SEPA scheme.
var sepaCountries = map[string]bool{
	"AD": true, "AT": true, "BE": true, "BG": true, "CH": true, "CY": true, "CZ": true, "DE": true, "DK": true, "EE": true,
	"ES": true, "FI": true, "FR": true, "GB": true, "GI": true, "GR": true, "HR": true, "HU": true, "IE": true, "IS": true,
	"IT": true, "LI": true, "LT": true, "LU": true, "LV": true, "MC": true, "MT": true, "NL": true, "NO": true, "PL": true,
	"PT": true, "RO": true, "SE": true, "SI": true, "SK": true, "SM": true, "VA": true,
}

// InSEPA reports whether an IBAN belongs to a SEPA country.
func InSEPA(iban string) bool { return len(iban) >= 2 && sepaCountries[iban[:2]] }
