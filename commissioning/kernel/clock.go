package kernel

import (
	"sync"
	"time"
)

// Clock is Hearth's one clock for the Go side: every service and the web layer take
// the same Clock from cmd/hearth, so a test that moves a FakeClock moves time for
// services and handlers alike.
//
// Which clock governs which rule:
//   - The injected Clock decides everything Go decides: today's date in England
//     (DateOf), dates that must be today or earlier or later (a start, an end, an
//     admission, a reopening), stale vacancies and their reminders, review and
//     update due dates, timestamps Go writes (decided_at, paid_at, closed_at of a
//     referral…), sessions, tokens, throttles and TOTP steps, and what a page shows
//     as open, paused or due.
//   - The database's clock (now(), clock_timestamp()) governs the deadlines: a bid
//     is refused after a request's deadline by a trigger on bids, CloseDue closes
//     requests whose deadline has passed, and submitting a request takes its
//     submitted_at from now(). Rows' created_at/updated_at defaults are the
//     database's too. A test moves these by writing the deadline (or the row's
//     time) in SQL, not by moving the Clock.
//   - A page may compare a database deadline with the injected Clock to decide what
//     to show (the bid form), but the database has the last word.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
var SystemClock Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// FakeClock is a Clock a test sets and moves. It is safe for concurrent use. Made by
// NewFakeClock it stands still; made by NewRunningFakeClock it follows the wall clock
// (shifted by every Advance) until the first Set stops it.
type FakeClock struct {
	mu      sync.Mutex
	t       time.Time
	running bool
	shift   time.Duration
}

// NewFakeClock returns a FakeClock stopped at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{t: t} }

// NewRunningFakeClock returns a FakeClock that tells the wall-clock time until a test
// moves it: a test harness can give it to everything and leave most tests on real time.
func NewRunningFakeClock() *FakeClock { return &FakeClock{running: true} }

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return time.Now().Add(c.shift)
	}
	return c.t
}

// Set stops the clock at t.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t, c.running = t, false
}

// Advance moves the clock on by d (back, if d is negative).
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		c.shift += d
		return
	}
	c.t = c.t.Add(d)
}

// London is England's time zone, in which Hearth's days begin and end.
var London = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return l
}()

// DateOf is the date it is in England at t, as midnight UTC (dates are stored as dates).
func DateOf(t time.Time) time.Time {
	n := t.In(London)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}
