package cloudapi

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)

// at is t0 plus s seconds.
func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// succeed feeds successes at perSec from second from to second to, each answered as it is sent.
func succeed(a *adaptiveRate, from, to, perSec float64) {
	for s := from; s < to; s += 1 / perSec {
		a.observe(at(s), at(s), false)
	}
}

func near(got, want float64) bool { return math.Abs(got-want) <= 0.02*want }

func checkRate(t *testing.T, a *adaptiveRate, what string, want float64) {
	t.Helper()
	got := a.current()
	if !near(got, want) {
		t.Errorf("%s: rate %.2f, want %.2f", what, got, want)
	}
	if l := float64(a.lim.Limit()); l != got {
		t.Errorf("%s: the bucket fills at %.2f, the rate is %.2f", what, l, got)
	}
}

func TestAdaptiveSlowStartDoublesEachSecond(t *testing.T) {
	a := newAdaptiveRate(t0, 0, zerolog.Nop())
	checkRate(t, a, "start", AutoQPSStart)
	// The calls run well above the rate, so the measured rate never holds it back.
	succeed(a, 0, 1, 200)
	a.observe(at(1), at(1), false)
	checkRate(t, a, "after 1 s", 2*AutoQPSStart)
	succeed(a, 1, 2, 200)
	a.observe(at(2), at(2), false)
	checkRate(t, a, "after 2 s", 4*AutoQPSStart)
}

// TestAdaptiveStart: Config.QPSAutoStart sets where the rate starts, within [AutoQPSMin, AutoQPSMax]; zero
// (and NaN) is AutoQPSStart; the slow start doubles from there.
func TestAdaptiveStart(t *testing.T) {
	for _, tt := range []struct{ start, want float64 }{
		{0, AutoQPSStart}, {math.NaN(), AutoQPSStart}, {200, 200}, {0.2, AutoQPSMin}, {5000, AutoQPSMax},
	} {
		a := newAdaptiveRate(t0, tt.start, zerolog.Nop())
		checkRate(t, a, fmt.Sprintf("start %v", tt.start), tt.want)
	}
	a := newAdaptiveRate(t0, 200, zerolog.Nop())
	succeed(a, 0, 1, 1000)
	a.observe(at(1), at(1), false)
	checkRate(t, a, "start 200, after 1 s", 400)
}

func TestAdaptiveThrottleHalvesThenCubicRecovers(t *testing.T) {
	a := newAdaptiveRate(t0, 0, zerolog.Nop())
	succeed(a, 0, 3, 100) // measured settles at 100; slow start reaches 80
	checkRate(t, a, "before the throttle", 80)
	a.observe(at(3), at(3), true)
	checkRate(t, a, "after the throttle", 40) // min(rate 80, measured 100) / 2
	k := math.Cbrt(80 * 0.5 / autoScale)      // seconds back to 80
	succeed(a, 3, 3+k/2, 100)
	a.observe(at(3+k/2), at(3+k/2), false)
	checkRate(t, a, "half way", 80-autoScale*math.Pow(k/2, 3))
	succeed(a, 3+k/2, 3+k, 100)
	a.observe(at(3+k), at(3+k), false)
	checkRate(t, a, "back at the old maximum", 80)
	succeed(a, 3+k, 3+k+2, 100)
	a.observe(at(3+k+2), at(3+k+2), false)
	checkRate(t, a, "probing past it", 80+autoScale*8)
}

func TestAdaptiveThrottleCutsOnceForCallsAlreadySent(t *testing.T) {
	a := newAdaptiveRate(t0, 0, zerolog.Nop())
	succeed(a, 0, 3, 100)
	a.observe(at(2.9), at(3), true)
	checkRate(t, a, "first throttle", 40)
	// Calls queued before the cut and answered after it: the cut already answered them.
	for _, s := range []float64{2.95, 2.99, 2.999} {
		a.observe(at(s), at(3.01), true)
	}
	checkRate(t, a, "throttles of calls sent before the cut", 40)
	// A call queued after the cut and throttled: the halved rate is still too high.
	a.observe(at(3.02), at(3.03), true)
	if got := a.current(); got >= 40*autoBeta+1 || got < 10 {
		t.Errorf("a throttle of a call queued after the cut: rate %.2f, want about 20 (half of min(40, measured))", got)
	}
	if a.throttles != 5 {
		t.Errorf("%d throttles counted, want 5", a.throttles)
	}
}

func TestAdaptiveBounds(t *testing.T) {
	a := newAdaptiveRate(t0, 0, zerolog.Nop())
	for i := range 20 {
		s := float64(i) / 10
		a.observe(at(s), at(s), true)
	}
	checkRate(t, a, "after 20 throttles", AutoQPSMin)

	b := newAdaptiveRate(t0, 0, zerolog.Nop())
	succeed(b, 0, 12, 5000)
	checkRate(t, b, "after 12 s of slow start at 5000 calls/s", AutoQPSMax)
}

func TestAdaptiveNeverPastTwiceTheMeasuredRate(t *testing.T) {
	a := newAdaptiveRate(t0, 0, zerolog.Nop())
	// 15 calls a second (the caller has few calls in flight): slow start would be at 10 x 2^4 by 4 s.
	succeed(a, 0, 4, 15)
	a.observe(at(4), at(4), false)
	if got := a.current(); got > 2*15*1.05 {
		t.Errorf("at 15 calls/s: rate %.2f, want at most about 30", got)
	}
	if a.current() < 20 {
		t.Errorf("at 15 calls/s: rate %.2f, want it to have grown towards 30", a.current())
	}
	// A pause: the first answer after it finds the measured rate low, and the rate follows it down.
	a.observe(at(10), at(10), false)
	a.observe(at(10.6), at(10.6), false)
	if got := a.current(); got > AutoQPSStart*1.05 {
		t.Errorf("after a pause of 6 s: rate %.2f, want about %v", got, AutoQPSStart)
	}
}

func TestClientRate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want float64
	}{
		{Config{}, DefaultQPS},
		{Config{QPS: 25}, 25},
		{Config{QPS: -1}, math.Inf(1)},
		{Config{QPS: 25, QPSAuto: true}, AutoQPSStart},
	} {
		tc.cfg.Region, tc.cfg.AccessKey = "cn-hangzhou", AccessKey{ID: "id", Secret: "secret"}
		c, err := New(t.Context(), tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Rate(); got != tc.want {
			t.Errorf("QPS %v, QPSAuto %v: Rate %v, want %v", tc.cfg.QPS, tc.cfg.QPSAuto, got, tc.want)
		}
		if tc.cfg.QPSAuto && (c.adaptive == nil || c.limiter != c.adaptive.lim || c.limiter.Burst() != 1) {
			t.Errorf("QPSAuto: the client's bucket is not the adaptive one with a burst of 1")
		}
	}
}

// TestAdaptiveCutWakesTheWaiting: a call waiting in the bucket when the rate is cut asks again, so that it
// goes at the new rate; the time it reports is that of its second asking, after the cut.
func TestAdaptiveCutWakesTheWaiting(t *testing.T) {
	a := newAdaptiveRate(time.Now(), 0, zerolog.Nop())
	a.lim.SetLimit(0.01) // the token after this one is 100 s away
	if _, err := a.wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	type result struct {
		queued time.Time
		err    error
	}
	done := make(chan result, 1)
	go func() {
		q, err := a.wait(t.Context())
		done <- result{q, err}
	}()
	for a.lim.Tokens() > -0.5 { // until the waiter holds its reservation
		time.Sleep(time.Millisecond)
	}
	before := time.Now()
	a.observe(before.Add(-time.Second), time.Now(), true) // the cut: 10 calls/s halved, not 0.01
	r := <-done                                           // without the wake-up, in 100 s
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.queued.Before(before) {
		t.Errorf("the waiter reports asking at %v, before the cut at %v", r.queued, before)
	}
}

// TestAdaptiveReachedIsThePeakNotTheEnd: a run that went at 200 calls a second and then only waited on windows
// (a call every 2 s) ends with a fill rate near the start; what it reached, the figure the summary reports, is
// the rate its calls were answered at, not that end. Before reached, the summary printed the end (10 after
// about 11,000 calls in 38 s).
func TestAdaptiveReachedIsThePeakNotTheEnd(t *testing.T) {
	a := newAdaptiveRate(t0, 0, zerolog.Nop())
	if got, n, ok := a.reached(); ok || n != 0 {
		t.Errorf("before any answer: reached %v (%d throttles, measured %v), want nothing measured", got, n, ok)
	}
	succeed(a, 0, 10, 200)
	for s := 10.0; s < 40; s += 2 {
		a.observe(at(s), at(s), false)
	}
	if end := a.current(); end > 2*AutoQPSStart {
		t.Fatalf("the fill rate at the end is %.1f: the test wants a run whose rate fell back", end)
	}
	got, n, _ := a.reached()
	if got < 150 || got > 210 || n != 0 {
		t.Errorf("reached %.1f (%d throttles), want about 200 and none: the rate the calls went at", got, n)
	}
	a.observe(at(41), at(41), true)
	if _, n, _ := a.reached(); n != 1 {
		t.Errorf("after a throttle: %d throttles, want 1", n)
	}
}
