// Package testclock gives tests their "today". By default it is the real
// date in Riga; MAKSA_TEST_TODAY=YYYY-MM-DD moves it, so that the whole
// suite can be run as if on another day (31 December, a leap day, the day
// after a holiday). Go reads the wall clock without libc, so faketime cannot
// do this from outside.
//
// A test never mixes this clock with the wall clock or with a fixed date of
// its own: either every date it uses is fixed (a business clock such as
// MAKSA_NOW=2026-11-25T10:00:00+02:00 with data written for that day), or
// every date comes from here. A test that takes its day from here joins
// TEST_DAYS_RUN in the Makefile, so that make test-days (and CI) runs it
// on the other days too.
package testclock

import (
	"fmt"
	"os"
	"sync"
	"time"

	"maksa"
)

// Env names the variable that moves "today" for the test suite.
const Env = "MAKSA_TEST_TODAY"

// Riga is the business time zone the tests run in.
var Riga = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Riga")
	if err != nil {
		panic(err)
	}
	return loc
}()

var today = sync.OnceValue(func() time.Time {
	v := os.Getenv(Env)
	if v == "" {
		return maksa.Day(time.Now().In(Riga))
	}
	d, err := time.Parse(maksa.DateLayout, v)
	if err != nil {
		panic(fmt.Sprintf("%s=%q: want a date YYYY-MM-DD (e.g. 2028-02-29)", Env, v))
	}
	return d
})

// Today returns the suite's today as midnight UTC, the form maksa keeps
// dates in. It panics if MAKSA_TEST_TODAY is set but is not a date.
func Today() time.Time { return today() }

// Now returns 10:00 in Riga on the suite's today: a fixed time of day, so
// that no test passes or fails by the hour it runs (the SEPA cut-off is
// 15:30, the internal one 18:00).
func Now() time.Time {
	y, m, d := Today().Date()
	return time.Date(y, m, d, 10, 0, 0, 0, Riga)
}

// RFC3339 returns Now as MAKSA_NOW takes it.
func RFC3339() string { return Now().Format(time.RFC3339) }
