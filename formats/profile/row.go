package profile

import (
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
)

// positionField is the maksa.Field whose position a profile field records.
var positionField = map[Field]maksa.Field{
	DebtorIBAN: maksa.FieldDebtorAccount, DebtorName: maksa.FieldDebtorName, CreditorName: maksa.FieldCreditorName,
	CreditorIBAN: maksa.FieldCreditorAccount, CreditorBIC: maksa.FieldCreditorBIC, Amount: maksa.FieldAmount,
	Currency: maksa.FieldCurrency, ExecutionDate: maksa.FieldExecutionDate, EndToEndID: maksa.FieldEndToEndID,
	Remittance: maksa.FieldRemittance, UltimateDebtor: maksa.FieldUltimateDebtor, UltimateCreditor: maksa.FieldUltimateCreditor,
}

// addressField are the fields of the creditor's address: the first of
// their columns that holds something is where a problem with the address is.
var addressField = map[Field]bool{CreditorCountry: true, CreditorStreet: true, CreditorBuilding: true, CreditorPostCode: true, CreditorTown: true, CreditorAddress: true}

// Row says how one row's cells are to be read.
type Row struct {
	Cells []string
	// Line is the row's line (CSV) or row number (XLSX), for positions.
	Line int
	// Numeric reports whether column i holds a number cell (XLSX): its
	// amount is a plain decimal and its date an Excel serial date.
	Numeric func(i int) bool
}

// Payment builds the payment a row describes. Values that cannot be read
// are kept as written, so that the rules reject them with their position:
// an amount becomes AmountText in ISO form when it parses, and stays as
// written when it does not.
func (c *Columns) Payment(row Row, today time.Time) *maksa.Payment {
	p := &maksa.Payment{CreditorIsIBAN: true}
	for _, f := range Fields {
		v, col := c.Value(row.Cells, f)
		if mf, ok := positionField[f]; ok && (v != "" || col >= 0) {
			p.Fields[mf] = maksa.FieldPosition{Line: int32(row.Line), Column: int32(col + 1), Path: c.Header(col)}
		}
		if addressField[f] && col >= 0 && (p.Fields[maksa.FieldCreditorAddress].Column == 0 || v != "" && p.CreditorAddress.IsZero()) {
			p.Fields[maksa.FieldCreditorAddress] = maksa.FieldPosition{Line: int32(row.Line), Column: int32(col + 1), Path: c.Header(col)}
		}
		numeric := col >= 0 && row.Numeric != nil && row.Numeric(col)
		switch f {
		case DebtorIBAN:
			p.DebtorIBAN = compactIBAN(v)
		case DebtorName:
			p.DebtorName = v
		case CreditorName:
			p.CreditorName = v
		case CreditorIBAN:
			p.CreditorIBAN = compactIBAN(v)
			// An account that does not start with a country code is a
			// cross-border account number, not a mistyped IBAN.
			p.CreditorIsIBAN = len(p.CreditorIBAN) < 2 || isLetter(p.CreditorIBAN[0]) || isLetter(p.CreditorIBAN[1])
		case CreditorBIC:
			p.CreditorBIC = strings.ToUpper(v)
		case CreditorCountry:
			p.CreditorAddress.Country = strings.ToUpper(v)
		case CreditorStreet:
			p.CreditorAddress.Street = v
		case CreditorBuilding:
			p.CreditorAddress.Building = v
		case CreditorPostCode:
			p.CreditorAddress.PostCode = v
		case CreditorTown:
			p.CreditorAddress.Town = v
		case Amount:
			p.AmountText = v
			if d, ok := c.ParseAmount(v, numeric); ok {
				p.Amount, p.AmountText = d, d.String()
			}
		case Currency:
			p.Currency = strings.ToUpper(v)
		case ExecutionDate:
			p.DateText = v
			p.ExecutionDate = parseDate(v, numeric)
		case EndToEndID:
			p.EndToEndID, p.InstructionID = v, v
		case Remittance:
			p.Remittance = v
		case Reference:
			p.Reference = v
		case Purpose:
			p.Purpose = v
		case Urgency:
			p.Priority = c.urgency(v)
		case UltimateDebtor:
			p.UltimateDebtor = v
		case UltimateCreditor:
			p.UltimateCreditor = v
		case Type:
			p.Kind = c.kind(v)
		case Template:
			p.Template = v
		case CreditorID:
			p.CreditorID = v
		case CreditorAddress:
			if v != "" {
				p.CreditorAddress.Lines = append(p.CreditorAddress.Lines, v)
			}
		case ChargeBearer:
			p.ChargeBearer = strings.ToUpper(v)
		}
	}
	if p.Currency == "" {
		p.Currency = "EUR"
	}
	if p.EndToEndID == "" {
		p.EndToEndID = "NOTPROVIDED"
	}
	if p.DateText == "" {
		p.ExecutionDate = today
		p.DateText = today.Format(maksa.DateLayout)
	}
	return p
}

// kind reads the type column: the kind's name, or the words accounting
// programs use; a kind maksa does not know is kept to be refused.
func (c *Columns) kind(v string) maksa.Kind {
	switch c.folder.fold(v) {
	case "":
		return ""
	case "cash", "skaidra nauda", "skaidras naudas izmaksa", "kase":
		return maksa.KindCash
	case "urgent", "steidzams":
		return maksa.KindUrgent
	case "budget", "tax", "budzets", "nodoklis", "nodokli":
		return maksa.KindBudget
	case "crossborder", "cross border", "arvalstu", "arzemju":
		return maksa.KindCrossBorder
	case "sepa", "parasts":
		return maksa.KindSEPA
	case "internal", "ieksejs":
		return maksa.KindInternal
	}
	return maksa.Kind(strings.ToLower(v))
}

// compactIBAN removes the spaces people write IBANs with.
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }

func compactIBAN(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// urgency maps the words accounting programs use to ISO priority codes.
func (c *Columns) urgency(v string) string {
	switch c.folder.fold(v) {
	case "", "n", "norm", "normal", "parasts", "nav":
		return ""
	case "u", "x", "high", "urgent", "steidzams", "ja", "yes", "1":
		return "HIGH"
	}
	return strings.ToUpper(v)
}

// ParseAmount reads an amount as accounting programs write it: "1234.56",
// "1 234,56", "1.234,56", "1,234.56". With both separators the last one is
// the decimal mark; a lone comma is a decimal comma (unless the profile says
// point); a lone point is a decimal point (unless the profile says comma).
// An amount that is ambiguous in this way and was meant the other way
// always ends up with three decimals, which the rules reject, so no amount
// is silently misread. Number cells of a spreadsheet are plain decimals,
// possibly with binary floating-point noise, which is rounded off.
// numeric says the value is such a number cell.
func (c *Columns) ParseAmount(s string, numeric bool) (decimal.Decimal, bool) {
	if numeric {
		d, err := decimal.NewFromString(s)
		if err != nil {
			return d, false
		}
		// Round off the noise and keep only the decimals that are there.
		d, err = decimal.NewFromString(d.Round(10).String())
		return d, err == nil
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '\u00a0', '\u202f', '\'':
		default:
			b.WriteRune(r)
		}
	}
	t := b.String()
	comma, point := strings.LastIndexByte(t, ','), strings.LastIndexByte(t, '.')
	decimalMark := byte('.')
	switch {
	case comma >= 0 && point >= 0 && comma > point, comma >= 0 && point < 0 && c.profile.Decimal != "point":
		decimalMark = ','
	case comma < 0 && point >= 0 && c.profile.Decimal == "comma":
		decimalMark = ','
	}
	var out strings.Builder
	for i := 0; i < len(t); i++ {
		switch ch := t[i]; {
		case ch == decimalMark:
			out.WriteByte('.')
		case ch == ',' || ch == '.':
			// a grouping mark
		default:
			out.WriteByte(ch)
		}
	}
	d, err := maksa.ParseDecimal(out.String())
	return d, err == nil
}

// dateLayouts are the date forms accepted in CSV and text cells.
var dateLayouts = []string{maksa.DateLayout, "02.01.2006", "2.1.2006", "02/01/2006", "2/1/2006", "2006.01.02", "20060102"}

// parseDate reads a date; an XLSX number cell is an Excel serial date. The
// zero time when it is no date.
func parseDate(s string, numeric bool) time.Time {
	if s == "" {
		return time.Time{}
	}
	if numeric && len(s) != 8 {
		serial, err := strconv.ParseFloat(s, 64)
		if err != nil || serial < 1 || serial > 2958465 {
			return time.Time{}
		}
		// Excel's day 1 is 1900-01-01 and it counts a 29 February 1900 that never was.
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(serial))
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// ControlSum reads the amount of a control total row, in ISO form when it
// parses and as written otherwise.
func (c *Columns) ControlSum(row Row) string {
	v, col := c.Value(row.Cells, Amount)
	numeric := col >= 0 && row.Numeric != nil && row.Numeric(col)
	if d, ok := c.ParseAmount(v, numeric); ok {
		return d.String()
	}
	return v
}
