package maksa

import "strconv"

// Field names a payment field whose place in the file readers record, so
// that a problem with it can say exactly where it is.
type Field int

// The fields with recorded positions.
const (
	FieldEndToEndID Field = iota
	FieldAmount
	FieldCurrency
	FieldExecutionDate
	FieldDebtorAccount
	FieldDebtorName
	FieldDebtorBIC
	FieldCreditorAccount
	FieldCreditorName
	FieldCreditorBIC
	FieldRemittance
	FieldUltimateDebtor
	FieldUltimateCreditor
	FieldCreditorAddress
	NumFields
)

// FieldPosition is where a field of a payment is: for XML its line, column
// and element path (relative to the payment, or to its payment information
// block when InInfo is set); for CSV the line and column header; for XLSX
// the row, column and header.
type FieldPosition struct {
	Line   int32
	Column int32
	Path   string
	InInfo bool
}

// PositionOf returns the full position of field f of p: the payment's own
// position refined by what the reader recorded for the field. A field the
// reader did not see is placed at the payment with the path where it was
// expected.
func (p *Payment) PositionOf(f Field) Position {
	pos := p.Position
	fp := p.Fields[f]
	if fp.Line > 0 {
		pos.Line, pos.Column = int(fp.Line), int(fp.Column)
	}
	switch {
	case pos.Sheet != "":
		if fp.Column > 0 {
			pos.Cell = CellName(int(fp.Column), int(fp.Line))
		}
		pos.Field = fp.Path
		pos.Line, pos.Column = 0, 0
	case pos.XPath != "":
		base := pos.XPath
		if fp.InInfo {
			base = p.InfoXPath
		}
		if fp.Path != "" {
			pos.XPath = base + "/" + fp.Path
		}
	default:
		pos.Field = fp.Path
		pos.Column = 0
	}
	return pos
}

// CellName returns the spreadsheet name of the 1-based column and row: (4, 17) is "D17".
func CellName(col, row int) string {
	name := ""
	for col > 0 {
		col--
		name = string(rune('A'+col%26)) + name
		col /= 26
	}
	return name + strconv.Itoa(row)
}
