package bwtimetable

import (
	"context"
	"sync"
	"time"
)

// Clock is the time source of a Scheduler; tests pass a fake one.
type Clock interface {
	Now() time.Time
	// After delivers once d has passed on this clock.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// RealClock is the system clock.
func RealClock() Clock { return realClock{} }

// recheck bounds how long the scheduler sleeps: it looks at the clock at
// least this often, so a suspended machine or a changed system clock is
// caught up within a minute rather than trusting a long timer.
const recheck = time.Minute

// Scheduler applies a Timetable: it calls apply with the rate in force now,
// and again at each change, from Set and from Run's goroutine (never at
// once: calls are serialised, and only a different rate is applied).
type Scheduler struct {
	clock Clock
	apply func(bps int64)

	mu      sync.Mutex // guards the fields below and serialises apply
	tt      Timetable
	applied int64
	started bool          // apply was called at least once
	wake    chan struct{} // buffered(1): Set tells Run to look again
}

// NewScheduler returns a scheduler with no limit in force that calls apply
// on changes. A nil clock means the system clock.
func NewScheduler(clock Clock, apply func(bps int64)) *Scheduler {
	if clock == nil {
		clock = RealClock()
	}
	return &Scheduler{clock: clock, apply: apply, wake: make(chan struct{}, 1)}
}

// Set replaces the timetable and applies its rate for now before it
// returns. Safe from any goroutine, with or without Run.
func (s *Scheduler) Set(tt Timetable) {
	s.mu.Lock()
	s.tt = tt
	s.mu.Unlock()
	s.tick()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Timetable returns the timetable set last.
func (s *Scheduler) Timetable() Timetable {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tt
}

// State returns the rate in force and when it next changes (zero: never),
// by the timetable at the clock's now.
func (s *Scheduler) State() (rate int64, until time.Time) {
	s.mu.Lock()
	tt := s.tt
	s.mu.Unlock()
	return tt.At(s.clock.Now())
}

// tick applies the rate in force now and returns when to look again.
func (s *Scheduler) tick() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	rate, until := s.tt.At(now)
	if !s.started || rate != s.applied {
		s.apply(rate)
		s.applied, s.started = rate, true
	}
	if until.IsZero() {
		return recheck
	}
	return min(max(until.Sub(now), time.Millisecond), recheck)
}

// Run switches the rate at each boundary until ctx ends. Run may be called
// again after it returned, but not twice at once.
func (s *Scheduler) Run(ctx context.Context) {
	for {
		d := s.tick()
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-s.clock.After(d):
		}
	}
}

// Describe says what the timetable puts in force at the clock's now, as
// Describe does ("limit 512 KiB/s until 18:00"); "" when the timetable is
// one rate.
func (s *Scheduler) Describe() string {
	s.mu.Lock()
	tt := s.tt
	s.mu.Unlock()
	if _, constant := tt.IsConstant(); constant {
		return ""
	}
	now := s.clock.Now()
	rate, until := tt.At(now)
	return Describe(rate, until, now)
}
