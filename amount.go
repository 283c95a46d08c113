package maksa

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Amount errors. They wrap into a Problem with the reason code given.
var (
	ErrAmountSyntax    = errors.New("amount is not a decimal number")
	ErrAmountZero      = errors.New("amount is zero")
	ErrAmountNegative  = errors.New("amount is negative")
	ErrAmountDecimals  = errors.New("amount has more decimals than the currency allows")
	ErrAmountTooLarge  = errors.New("amount has more than 18 digits")
	ErrUnknownCurrency = errors.New("currency is not an ISO 4217 code")
)

// ParseDecimal parses a plain decimal string as ISO 20022 writes it
// ("1234.56": digits, an optional point, no exponent, no grouping). With
// at most 18 digits, the number is read into an int64 as it is checked
// (what decimal.NewFromString would make of it, without its general
// parsing: a million amounts a file).
func ParseDecimal(s string) (decimal.Decimal, error) {
	a, err := ParsePlainAmount(s)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return a.Decimal(), nil
}

// PlainAmount is an amount as ParseDecimal reads it, before it becomes a
// decimal.Decimal (whose big.Int is an allocation): its value is
// Coefficient × 10^-Decimals.
type PlainAmount struct {
	Coefficient int64
	Decimals    int32
}

// ParsePlainAmount reads s as ParseDecimal does, with the same errors.
func ParsePlainAmount(s string) (PlainAmount, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return PlainAmount{}, ErrAmountSyntax
	}
	var value int64
	var decimals int32
	digits, point, negative := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits++; digits <= 18 {
				value = value*10 + int64(c-'0')
			}
			if point {
				decimals++
			}
		case c == '.' && !point:
			point = true
		case (c == '-' || c == '+') && i == 0:
			negative = c == '-'
		default:
			return PlainAmount{}, ErrAmountSyntax
		}
	}
	if digits == 0 {
		return PlainAmount{}, ErrAmountSyntax
	}
	if digits > 18 {
		return PlainAmount{}, ErrAmountTooLarge
	}
	if negative {
		value = -value
	}
	return PlainAmount{Coefficient: value, Decimals: decimals}, nil
}

// Decimal returns a as a decimal.Decimal.
func (a PlainAmount) Decimal() decimal.Decimal { return decimal.New(a.Coefficient, -a.Decimals) }

// Check is CheckAmount(a.Decimal(), c), without the decimal: the
// structural check of a million amounts a file.
func (a PlainAmount) Check(c Currency) (Reason, error) {
	switch {
	case a.Coefficient == 0:
		return AM01, ErrAmountZero
	case a.Coefficient < 0:
		return AM12, ErrAmountNegative
	case a.Decimals > c.MinorUnits && a.Coefficient%pow10[a.Decimals-c.MinorUnits] != 0:
		return AM12, fmt.Errorf("%w: %s allows %d", ErrAmountDecimals, c.Code, c.MinorUnits)
	}
	return "", nil
}

// CheckAmount reports whether d is a valid payment amount in currency c:
// positive and with no more decimals than c's minor units. It returns the
// reason code with the error: AM01 for zero, AM12 otherwise.
func CheckAmount(d decimal.Decimal, c Currency) (Reason, error) {
	switch {
	case d.IsZero():
		return AM01, ErrAmountZero
	case d.IsNegative():
		return AM12, ErrAmountNegative
	case -d.Exponent() > c.MinorUnits && !d.Equal(d.Truncate(c.MinorUnits)):
		return AM12, fmt.Errorf("%w: %s allows %d", ErrAmountDecimals, c.Code, c.MinorUnits)
	}
	return "", nil
}

// MinorUnits returns d in the currency's minor units (cents for EUR).
// The caller has checked d with CheckAmount.
func MinorUnits(d decimal.Decimal, c Currency) int64 {
	return d.Shift(c.MinorUnits).IntPart()
}

// FormatAmount writes d with exactly the currency's number of decimals.
func FormatAmount(d decimal.Decimal, c Currency) string {
	return d.StringFixed(c.MinorUnits)
}

// AppendAmount appends FormatAmount(d, c) to dst. An amount that has the
// currency's decimals already (as one made from minor units has) is
// written from its int64 coefficient, without big-number arithmetic.
func AppendAmount(dst []byte, d decimal.Decimal, c Currency) []byte {
	if d.Exponent() != -c.MinorUnits || d.NumDigits() > 18 {
		return append(dst, FormatAmount(d, c)...)
	}
	n := d.CoefficientInt64()
	if n < 0 {
		dst, n = append(dst, '-'), -n
	}
	var tmp [24]byte
	digits := strconv.AppendInt(tmp[:0], n, 10)
	minor := int(c.MinorUnits)
	if len(digits) <= minor { // 5 cents is "0.05"
		dst = append(dst, '0', '.')
		for range minor - len(digits) {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	whole := len(digits) - minor
	dst = append(dst, digits[:whole]...)
	if minor > 0 {
		dst = append(append(dst, '.'), digits[whole:]...)
	}
	return dst
}

// FromMinorUnits is the inverse of MinorUnits.
func FromMinorUnits(units int64, c Currency) decimal.Decimal {
	return decimal.New(units, -c.MinorUnits)
}

// Sum is an exact running total of decimals. While the numbers added have
// at most sumDecimals decimals and twelve digits, as amounts do, it adds
// them in an int64 — decimal.Decimal.Add allocates for every addition, a
// million a file — and keeps the others in a decimal.Decimal. The zero
// Sum is zero.
type Sum struct {
	small int64           // the numbers that fit, in units of 10^-sumDecimals
	exp   int32           // the smallest exponent added, 0 at most, as decimal.Decimal.Add keeps it
	rest  decimal.Decimal // the numbers that did not fit
}

const sumDecimals = 6

// Add adds d to the sum.
func (s *Sum) Add(d decimal.Decimal) {
	exp := d.Exponent()
	s.exp = min(s.exp, exp)
	if exp <= 0 && exp >= -sumDecimals && d.NumDigits() <= 12 && s.small > -4e18 && s.small < 4e18 {
		s.small += d.CoefficientInt64() * pow10[sumDecimals+exp] // below 10^18 added to below 4·10^18
		return
	}
	s.rest = s.rest.Add(d)
}

// Decimal returns the sum, with the exponent decimal.Decimal.Add would have
// given it: the smallest of the numbers added.
func (s Sum) Decimal() decimal.Decimal {
	if s.exp >= -sumDecimals {
		return decimal.New(s.small/pow10[sumDecimals+s.exp], s.exp).Add(s.rest)
	}
	return decimal.New(s.small, -sumDecimals).Add(s.rest)
}

// pow10 are the powers of ten up to 10^18, the most decimals an amount
// of 18 digits can have.
var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// FormatMoney writes an amount for people, the one way every message and
// table does: with its currency's decimals and its code, "58995.00 EUR".
func FormatMoney(d decimal.Decimal, currency string) string {
	if c, ok := LookupCurrency(currency); ok {
		return FormatAmount(d, c) + " " + currency
	}
	return d.String() + " " + currency
}
