package executor

import (
	"slices"
	"testing"
	"time"
)

func TestWindowsNext(t *testing.T) {
	const ms = time.Millisecond
	const floor = 10 * ms
	for _, tc := range []struct {
		name              string
		seen              []window
		elapsed, lastOpen time.Duration
		halved            time.Duration // the end of the interval whose middle the step looked at
		want, wantEnd     time.Duration // zero: no sibling says anything, the exponential schedule goes on
	}{
		{"nothing seen", nil, 55 * ms, 50 * ms, 0, 0, 0},
		{"only shorter siblings", []window{{45 * ms, 55 * ms}, {40 * ms, 57 * ms}}, 55 * ms, 50 * ms, 0, 0, 0},
		// A sibling never seen open ended before its first look: it says nothing of long windows.
		{"siblings never seen open", []window{{0, 400 * ms}}, 300 * ms, 290 * ms, 0, 0, 0},
		// A sibling seen open at 412 ms and gone at 420 ms: look at 420 ms.
		{"a longer sibling: where it ended", []window{{0, 55 * ms}, {412 * ms, 420 * ms}}, 300 * ms, 290 * ms, 0, 120 * ms, 420 * ms},
		// A wide interval is halved, so that each step narrows the estimate for the next.
		{"a wide interval: its middle", []window{{300 * ms, 500 * ms}}, 301 * ms, 300 * ms, 0, 99 * ms, 500 * ms},
		{"a wide interval, after its middle: its end", []window{{300 * ms, 500 * ms}}, 401 * ms, 400 * ms, 500 * ms, 99 * ms, 500 * ms},
		// Siblings seen open late and closed early together narrow the interval the step looks into.
		{"the interval of several siblings", []window{{100 * ms, 600 * ms}, {450 * ms, 700 * ms}}, 200 * ms, 200 * ms, 0, 325 * ms, 600 * ms},
		// Windows of 4 to 5 s seen: one seen open at 90 ms is looked at again at 4.5 s, not on the schedule.
		{"later than the schedule", []window{{4 * time.Second, 5 * time.Second}}, 100 * ms, 90 * ms, 0, 4400 * ms, 5 * time.Second},
		{"never sooner than the floor", []window{{95 * ms, 100 * ms}}, 99 * ms, 50 * ms, 0, floor, 100 * ms},
		{"the shortest of the longer siblings", []window{{800 * ms, 900 * ms}, {400 * ms, 410 * ms}, {50 * ms, 55 * ms}}, 300 * ms, 290 * ms, 0, 110 * ms, 410 * ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w windows
			for _, s := range tc.seen {
				w.observe("DeleteIpamPool", s.lo, s.hi)
			}
			wait, end, ok := w.next("DeleteIpamPool", tc.elapsed, tc.lastOpen, floor, tc.halved)
			if ok != (tc.want != 0) || wait != tc.want || end != tc.wantEnd {
				t.Errorf("next = %v, %v, %v; want %v, %v, %v", wait, end, ok, tc.want, tc.wantEnd, tc.want != 0)
			}
			if _, _, ok := w.next("DeleteIpamScope", tc.elapsed, tc.lastOpen, floor, tc.halved); ok {
				t.Errorf("another kind's windows were used")
			}
		})
	}
}

// lookDriver is a driver with one step whose window of kind opened at t0, on a clock the test moves.
func lookDriver(t0 time.Time, now *time.Time, kind string) *driver {
	d := &driver{r: &run{opts: Options{PollInterval: 500 * time.Millisecond, PollMax: 5 * time.Second},
		now: func() time.Time { return *now }, steps: make([]StepReport, 1)}, st: make([]drive, 1)}
	d.st[0].opened, d.st[0].kind = t0, kind
	d.schedule(0)
	return d
}

// walkLooks makes n looks at step 0 of e, each finding the window still open, and returns when they went,
// after the window opened at t0.
func walkLooks(e *driver, t0 time.Time, now *time.Time, n int) []time.Duration {
	var looks []time.Duration
	*now = e.st[0].due
	for range n {
		looks = append(looks, now.Sub(t0))
		*now = now.Add(e.nextLook(0, result{sent: *now}, false))
	}
	return looks
}

// Where siblings' windows ended, a step looks there, sooner or later than the schedule; past them, the
// schedule goes on.
func TestLookSiblings(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	for _, tc := range []struct {
		name string
		seen []window
		want []time.Duration
	}{
		// Siblings were seen open at 4.06 s and gone at 6.59 s (the schedule's looks): after the first look,
		// one into the middle of that interval and one at its end instead of the schedule's 1.25, 2.375 and
		// 4.06 s; then the schedule's next look after them.
		{"longer siblings", []window{{4062500 * us, 6593750 * us}},
			[]time.Duration{500 * ms, 5328125 * us, 6593750 * us, 10390625 * us}},
		// Siblings gone by 0.9 s: two guesses before the schedule's 1.25 s look, then the schedule.
		{"shorter than the schedule's second look", []window{{600 * ms, 900 * ms}},
			[]time.Duration{500 * ms, 750 * ms, 900 * ms, 1250 * ms, 2375 * ms}},
		// At most maxGuesses looks sooner than the schedule: into the first two intervals (the first a floor
		// after the look), not the third's end at 1.2 s; and none within a floor of the last.
		{"guesses", []window{{510 * ms, 700 * ms}, {800 * ms, 1000 * ms}, {1100 * ms, 1200 * ms}},
			[]time.Duration{500 * ms, 625 * ms, 900 * ms, 1250 * ms, 2375 * ms}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			now := t0
			e := lookDriver(t0, &now, "DeleteIpamPool")
			for _, s := range tc.seen {
				e.windows.observe("DeleteIpamPool", s.lo, s.hi)
			}
			if got := walkLooks(e, t0, &now, len(tc.want)); !slices.Equal(got, tc.want) {
				t.Errorf("looks at %v, want %v", got, tc.want)
			}
		})
	}
}

// A window no sibling says anything of is looked at on the exponential schedule: PollInterval after it
// opened, then each wait half as long again as the one before, up to PollMax.
func TestLookSchedule(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	e := lookDriver(t0, &now, "DeleteIpamPool")
	looks := walkLooks(e, t0, &now, 7)
	ms, us := time.Millisecond, time.Microsecond
	// Waits of 500, 750, 1,125, 1,687.5, 2,531.25 and 3,796.875 ms, then 5 s.
	want := []time.Duration{500 * ms, 1250 * ms, 2375 * ms, 4062500 * us, 6593750 * us, 10390625 * us, 15390625 * us}
	if !slices.Equal(looks, want) {
		t.Errorf("looks at %v, want %v", looks, want)
	}
	// The report keeps the last look that saw the window open, from which MeasureBound estimates its length.
	if got := e.r.steps[0].SeenOpen.Sub(t0); got != looks[len(looks)-1] {
		t.Errorf("SeenOpen %v after the window opened, want the last look's %v", got, looks[len(looks)-1])
	}
}
