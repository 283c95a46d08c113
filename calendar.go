package maksa

import (
	"sync"
	"time"
)

// Calendar tells the treasury's working days: not Saturdays or Sundays,
// not Latvian public holidays (which include the TARGET2 closing days), and
// not the extra closing days of the configuration.
type Calendar struct {
	// Closed are extra non-working days, YYYY-MM-DD.
	Closed map[string]bool
}

// WorkingDay reports whether d (a date) is a working day.
func (c Calendar) WorkingDay(d time.Time) bool {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	if len(c.Closed) > 0 && c.Closed[d.Format(DateLayout)] {
		return false
	}
	y, m, day := d.Date()
	for _, h := range holidays(y) {
		if hm, hd := h.Month(), h.Day(); hm == m && hd == day {
			return false
		}
	}
	return true
}

// holidayYears keeps LatvianHolidays of each year asked for: the
// validator asks once per payment.
var holidayYears sync.Map // int -> []time.Time

func holidays(year int) []time.Time {
	if h, ok := holidayYears.Load(year); ok {
		return h.([]time.Time)
	}
	h := LatvianHolidays(year)
	holidayYears.Store(year, h)
	return h
}

// NextWorkingDay returns the first working day after d.
func (c Calendar) NextWorkingDay(d time.Time) time.Time {
	for d = Day(d).AddDate(0, 0, 1); !c.WorkingDay(d); d = d.AddDate(0, 0, 1) {
	}
	return d
}

// PreviousWorkingDay returns the last working day before d.
func (c Calendar) PreviousWorkingDay(d time.Time) time.Time {
	for d = Day(d).AddDate(0, 0, -1); !c.WorkingDay(d); d = d.AddDate(0, 0, -1) {
	}
	return d
}

// LatvianHolidays returns the public holidays of Latvia in a year: New
// Year, Good Friday, Easter Sunday and Monday, Labour Day, the Restoration
// of Independence (4 May) and Proclamation (18 November) days — moved to
// Monday when they fall on a weekend — Midsummer Eve and Day, and 24, 25,
// 26 and 31 December. The TARGET2 closing days (1 January, Good Friday,
// Easter Monday, 1 May, 25 and 26 December) are among them.
func LatvianHolidays(year int) []time.Time {
	day := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, time.UTC) }
	easter := easterSunday(year)
	out := []time.Time{
		day(time.January, 1),
		easter.AddDate(0, 0, -2), easter, easter.AddDate(0, 0, 1),
		day(time.May, 1),
		day(time.June, 23), day(time.June, 24),
		day(time.December, 24), day(time.December, 25), day(time.December, 26), day(time.December, 31),
	}
	for _, d := range []time.Time{day(time.May, 4), day(time.November, 18)} {
		out = append(out, d)
		switch d.Weekday() {
		case time.Saturday:
			out = append(out, d.AddDate(0, 0, 2))
		case time.Sunday:
			out = append(out, d.AddDate(0, 0, 1))
		}
	}
	return out
}

// easterSunday computes Easter Sunday (Gregorian, the anonymous algorithm).
func easterSunday(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	dayOfMonth := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), dayOfMonth, 0, 0, 0, 0, time.UTC)
}
