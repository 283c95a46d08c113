package maksa

import (
	"fmt"
	"strconv"
	"strings"
)

// Position says where in a file a value or a problem is. Only the fields
// that apply to the file's format are set.
type Position struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	XPath  string `json:"xpath,omitempty"` // XML: /Document/CstmrCdtTrfInitn/PmtInf[2]/CdtTrfTxInf[5]/Amt
	Field  string `json:"field,omitempty"` // CSV: the column header
	Sheet  string `json:"sheet,omitempty"` // XLSX sheet name
	Cell   string `json:"cell,omitempty"`  // XLSX cell, "D17"
}

// String prints the fields that are set: "pay.xml:12:7 /Document/…",
// "pay.csv:8 [Summa]", "pay.xlsx Payments!D17".
func (p Position) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
		if p.Column > 0 {
			b.WriteString(":" + strconv.Itoa(p.Column))
		}
	}
	if p.Sheet != "" || p.Cell != "" {
		sep(&b)
		b.WriteString(p.Sheet + "!" + p.Cell)
	}
	if p.XPath != "" {
		sep(&b)
		b.WriteString(p.XPath)
	}
	if p.Field != "" {
		sep(&b)
		b.WriteString("[" + p.Field + "]")
	}
	return b.String()
}

func sep(b *strings.Builder) {
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
}

// Problem is one reason a file or a payment was rejected: an ISO 20022
// reason code, a message a treasury accountant understands, and where.
type Problem struct {
	Code       Reason   `json:"code"`
	Message    string   `json:"message"`
	Position   Position `json:"position"`
	EndToEndID string   `json:"end_to_end_id,omitempty"`
}

// Error implements error: "pay.xml:12:7 /Document/…/Amt: AM12 amount is zero".
func (p *Problem) Error() string {
	pos := p.Position.String()
	if pos == "" {
		return fmt.Sprintf("%s %s", p.Code, p.Message)
	}
	return fmt.Sprintf("%s: %s %s", pos, p.Code, p.Message)
}

// Problemf returns a Problem with a formatted message.
func Problemf(code Reason, pos Position, format string, args ...any) *Problem {
	return &Problem{Code: code, Message: fmt.Sprintf(format, args...), Position: pos}
}
