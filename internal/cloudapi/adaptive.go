package cloudapi

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

// The adaptive rate (Config.QPSAuto) follows the client-side rate limiting of the AWS SDKs' adaptive retry
// mode: a token bucket whose fill rate grows along a cubic curve (CUBIC, RFC 9438) while calls succeed and is
// cut by a factor on a throttling answer, never beyond twice the rate the client actually achieved. It
// differs in four ways: the bucket is on from the first call, at a low rate, and the rate doubles each second
// until the first throttle (the slow start of TCP CUBIC) rather than running unlimited into the service's
// cap; the cut halves the rate rather than taking 0.7 of it; one throttle cuts once, however many calls that
// were already on the way come back throttled too (a cut for each would take a burst of parallel calls down
// to the floor); and a cut sends the calls waiting in the bucket back to ask at the new rate.
const (
	// AutoQPSStart is where the adaptive rate starts: the default rate, so auto is never faster at first
	// than no --qps at all.
	AutoQPSStart = DefaultQPS
	// AutoQPSMin and AutoQPSMax bound the adaptive rate.
	AutoQPSMin = 1
	AutoQPSMax = 1000

	autoBeta    = 0.5                    // the cut on a throttle
	autoScale   = 0.4                    // CUBIC's C, in calls/s per s³, as the AWS SDKs use it
	autoSmooth  = 0.8                    // weight of the newest bucket in the measured rate
	autoBucket  = 500 * time.Millisecond // the measured rate's time bucket
	autoDoubled = time.Second            // slow start doubles the rate this often
	autoLogStep = 1.25                   // an increase is logged when the rate grew by this factor since the last log
)

// adaptiveRate is the token bucket of Config.QPSAuto and the state that sets its rate. Every answer goes to
// observe, with the time its call was let through; the clock is a parameter, so that tests drive it.
type adaptiveRate struct {
	lim *rate.Limiter
	log zerolog.Logger

	mu           sync.Mutex
	cut          chan struct{} // closed (and replaced) at each cut, to wake the calls waiting in the bucket
	rate         float64       // the bucket's fill rate
	first        float64       // the rate it started at (Config.QPSAutoStart)
	slowStart    bool          // no throttle yet
	start        time.Time     // of the slow start
	lastMax      float64       // the rate the last throttle cut, CUBIC's W_max
	lastThrottle time.Time     // of the last cut
	k            float64       // seconds from the last cut until the cubic is back at lastMax
	measured     float64       // smoothed answers per second; 0 until the first bucket closed
	peak         float64       // the highest measured rate: what the run really reached
	bucket       time.Time     // start of the current measuring bucket
	count        int           // answers in the current bucket
	logged       float64       // the rate last logged
	throttles    int           // throttling answers seen
}

// newAdaptiveRate starts at start calls a second (0: AutoQPSStart), kept within [AutoQPSMin, AutoQPSMax].
func newAdaptiveRate(now time.Time, start float64, log zerolog.Logger) *adaptiveRate {
	if start == 0 || math.IsNaN(start) {
		start = AutoQPSStart
	}
	start = min(max(start, AutoQPSMin), AutoQPSMax)
	return &adaptiveRate{
		lim:       rate.NewLimiter(rate.Limit(start), 1),
		cut:       make(chan struct{}),
		log:       log,
		rate:      start,
		first:     start,
		slowStart: true,
		start:     now,
		bucket:    now.Truncate(autoBucket),
		logged:    start,
	}
}

// wait takes a token from the bucket, as rate.Limiter.Wait does, and returns the time the call asked for
// the token it got. A call waiting when the rate is cut asks again: the bucket keeps the times it gave out at
// the old rate, and the calls lined up behind a throttle would otherwise all go at that rate into a service
// that has just said it is too fast (with 32 calls in flight, a throttle each).
func (a *adaptiveRate) wait(ctx context.Context) (time.Time, error) {
	for {
		a.mu.Lock()
		cut := a.cut
		a.mu.Unlock()
		queued := time.Now()
		r := a.lim.ReserveN(queued, 1)
		d := r.DelayFrom(queued)
		if d == 0 {
			return queued, nil
		}
		if dl, ok := ctx.Deadline(); ok && dl.Sub(queued) < d {
			r.Cancel()
			return queued, fmt.Errorf("rate: Wait(n=1) would exceed context deadline")
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
			return queued, nil
		case <-cut:
			t.Stop()
			r.Cancel()
		case <-ctx.Done():
			t.Stop()
			r.Cancel()
			return queued, ctx.Err()
		}
	}
}

// reached is the highest rate the run's calls were answered at (smoothed over the measuring buckets), and
// the number of throttling answers. It is what a run learnt about the account: the fill rate at the end is not,
// since it falls back towards the start whenever the calls thin out (twice the measured rate at most), so a
// run whose last phase waits on windows ends near AutoQPSStart whatever it reached before. measured is false
// until the first measuring bucket closed: a run of a few calls (one that failed at its first) learnt nothing
// about the account, and its start rate is no figure to pass on.
func (a *adaptiveRate) reached() (qps float64, throttles int, measured bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.peak, a.throttles, a.peak > 0
}

// current is the rate the bucket fills at now.
func (a *adaptiveRate) current() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rate
}

// observe takes one answer: that of a call that asked the bucket at queued and was answered at now, throttled
// or not (any other failure counts as an answer that was not throttled: the rate is about flow control only).
// A call that asked before the last cut was let through at the rate before it (the bucket does not
// reschedule the calls waiting in it), so its throttle is not a reason to cut again.
func (a *adaptiveRate) observe(queued, now time.Time, throttled bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.measure(now)
	if throttled {
		a.throttles++
		if queued.Before(a.lastThrottle) {
			return // queued before the last cut: that cut was the answer to it
		}
		use := a.rate
		if a.measured > 0 {
			use = min(use, a.measured)
		}
		a.lastMax = use
		a.k = math.Cbrt(use * (1 - autoBeta) / autoScale)
		a.lastThrottle = now
		a.slowStart = false
		a.set(now, use*autoBeta, "throttled")
		close(a.cut)
		a.cut = make(chan struct{})
		return
	}
	var next float64
	if a.slowStart {
		next = a.first * math.Exp2(now.Sub(a.start).Seconds()/autoDoubled.Seconds())
	} else {
		t := now.Sub(a.lastThrottle).Seconds() - a.k
		next = autoScale*t*t*t + a.lastMax
	}
	// Never more than twice what the calls achieved: a rate the client cannot use (too few calls in flight,
	// a pause between phases) must not pile up and then be spent at once on the service.
	next = min(next, max(2*a.measured, a.first))
	a.set(now, next, "")
}

// measure counts an answer in the measured rate, closing the bucket when now is past it.
func (a *adaptiveRate) measure(now time.Time) {
	a.count++
	b := now.Truncate(autoBucket)
	if b.After(a.bucket) {
		r := float64(a.count) / b.Sub(a.bucket).Seconds()
		a.measured = autoSmooth*r + (1-autoSmooth)*a.measured
		a.peak = max(a.peak, a.measured)
		a.bucket, a.count = b, 0
	}
}

// set changes the fill rate, within its bounds, logging a cut and each notable rise.
func (a *adaptiveRate) set(now time.Time, r float64, why string) {
	r = min(max(r, AutoQPSMin), AutoQPSMax)
	if r == a.rate {
		return
	}
	a.rate = r
	a.lim.SetLimitAt(now, rate.Limit(r))
	if why != "" || r >= a.logged*autoLogStep || r <= a.logged/autoLogStep {
		ev := a.log.Debug().Float64("qps", math.Round(r*10)/10).Float64("measured_qps", math.Round(a.measured*10)/10)
		if why != "" {
			ev = ev.Str("reason", why)
		}
		ev.Msg("adaptive rate changed")
		a.logged = r
	}
}
