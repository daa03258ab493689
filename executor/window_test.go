package executor

import (
	"slices"
	"testing"
	"time"
)

func TestWindowsNext(t *testing.T) {
	const ms = time.Millisecond
	const floor, fallback = 10 * ms, 200 * ms
	for _, tc := range []struct {
		name              string
		seen              []window
		elapsed, lastOpen time.Duration
		middle            bool // the step's first guess
		want              time.Duration
	}{
		{"nothing seen: the exponential schedule", nil, 55 * ms, 50 * ms, true, fallback},
		{"only shorter siblings: the exponential schedule", []window{{45 * ms, 55 * ms}, {40 * ms, 57 * ms}}, 55 * ms, 50 * ms, true, fallback},
		// A sibling never seen open ended before its first look: it says nothing of long windows.
		{"siblings never seen open: the exponential schedule", []window{{0, 400 * ms}}, 300 * ms, 290 * ms, true, fallback},
		// A sibling seen open at 412 ms and gone at 420 ms: look at 420 ms, not 200 ms later.
		{"a longer sibling: where it ended", []window{{0, 55 * ms}, {412 * ms, 420 * ms}}, 300 * ms, 290 * ms, true, 120 * ms},
		// A wide interval is halved, so that each step narrows the estimate for the next.
		{"a wide interval: its middle", []window{{300 * ms, 500 * ms}}, 301 * ms, 300 * ms, true, 99 * ms},
		{"never later than the exponential schedule", []window{{4 * time.Second, 5 * time.Second}}, 100 * ms, 90 * ms, true, fallback},
		{"never sooner than the floor", []window{{95 * ms, 100 * ms}}, 99 * ms, 50 * ms, true, floor},
		// A second guess, after the middle found the window open, goes where the sibling was seen closed.
		{"a wide interval, second guess: its end", []window{{300 * ms, 500 * ms}}, 401 * ms, 400 * ms, false, 99 * ms},
		{"the shortest of the longer siblings", []window{{800 * ms, 900 * ms}, {400 * ms, 410 * ms}, {50 * ms, 55 * ms}}, 300 * ms, 290 * ms, true, 110 * ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w windows
			for _, s := range tc.seen {
				w.observe("DeleteIpamPool", s.lo, s.hi)
			}
			if got := w.next("DeleteIpamPool", tc.elapsed, tc.lastOpen, floor, fallback, tc.middle); got != tc.want {
				t.Errorf("next = %v, want %v", got, tc.want)
			}
			if got := w.next("DeleteIpamScope", tc.elapsed, tc.lastOpen, floor, fallback, tc.middle); got != fallback {
				t.Errorf("another kind's windows were used: %v", got)
			}
		})
	}
}

// A window no sibling says anything of is looked at on the exponential schedule: PollInterval after it
// opened, then each wait half as long again as the one before, up to PollMax.
func TestLookSchedule(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	e := &engine{r: &run{opts: Options{PollInterval: 500 * time.Millisecond, PollMax: 5 * time.Second},
		now: func() time.Time { return now }, steps: make([]StepReport, 1)}, st: make([]stepRun, 1)}
	e.st[0].opened = t0
	e.schedule(0)
	var looks []time.Duration
	for range 7 {
		now = e.st[0].due // the look goes when it is due and finds the window still open
		looks = append(looks, now.Sub(t0))
		now = now.Add(e.nextLook(0, result{sent: now}))
		if !now.Equal(e.st[0].due) {
			t.Fatalf("after the look at %v, the next is at %v, not the schedule's %v", looks[len(looks)-1], now.Sub(t0), e.st[0].due.Sub(t0))
		}
	}
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
