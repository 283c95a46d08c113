package maksa

import "time"

// Clock returns the current business time. Every use of "now" goes through
// one, so that tests and replays are deterministic.
type Clock func() time.Time

// ClockFrom returns a clock that reads start at the moment it is made and
// runs on from there in real time.
func ClockFrom(start time.Time) Clock {
	began := time.Now()
	return func() time.Time { return start.Add(time.Since(began)) }
}

// Day returns the calendar date of t in its location, as midnight UTC, the
// form maksa keeps dates in.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
