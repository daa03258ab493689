package executor

import (
	"fmt"
	"slices"
	"time"
)

// look is what the driver knows of the asynchronous window a step waits for, and when it looks at it next.
type look struct {
	// The exponential schedule of looks at the window (polls, or retries behind a hidden window): the next
	// look is due at due, the one after pollWait later. Looks that the windows of siblings suggest come
	// between and do not move it.
	due      time.Time
	pollWait time.Duration
	// The window: when it opened (the call's or, for a hidden window, the release's answer), its kind (the
	// action that opened it), and how long it had lasted when last seen open.
	opened   time.Time
	kind     string
	lastOpen time.Duration
	hidden   bool          // the window is a hidden one of a step this one depends on; only this step's answers show its end
	timed    bool          // the step first looked at its window on the schedule (not long after it ended): a measure of it
	spread   bool          // the hidden windows it waits for opened too far apart to tell which one it measures
	guesses  int           // looks it made sooner than the schedule, where a sibling's window ended (at most maxGuesses)
	halved   time.Duration // the end of the siblings' interval whose middle it last looked at (windows.next)
	// riding counts the reads queued or under way that carry the step as a rider; while it is not zero, the
	// step's own look, when its timer fires, waits for their answer instead (lookDue) rather than queueing a
	// read of its own behind them (under a rate limit, the reads wait their turn for a while).
	riding  int
	lookDue bool
}

// openHidden reports whether step i waits out hidden windows (hiddenDependency) of steps this run finished,
// and if so takes the last of them as the window the step waits for: a released allocation holds its CIDR
// for a while after its delete answered, and only the CIDR's own answer shows when that ends.
func (d *driver) openHidden(i int) bool {
	r := d.r
	st := &d.st[i]
	var first time.Time
	for _, dep := range r.plan.Steps[i].DependsOn {
		j := r.index[dep.ID]
		if !hiddenDependency(r.plan, r.index, &r.plan.Steps[i], dep.ID) || r.steps[j].Outcome != OutcomeDone {
			continue
		}
		end := r.steps[j].End
		if end.After(st.opened) {
			st.opened, st.kind, st.hidden = end, r.plan.Steps[j].Action, true
		}
		if first.IsZero() || end.Before(first) {
			first = end
		}
	}
	st.spread = st.hidden && st.opened.Sub(first) > d.pollFloor()
	return st.hidden
}

// schedule starts the exponential schedule of looks at step i's window, which opened at st.opened: the first
// look PollInterval after, then waits that grow (Options.pollWaitAfter).
func (d *driver) schedule(i int) {
	st := &d.st[i]
	st.due = st.opened.Add(d.r.opts.PollInterval)
	st.pollWait = d.r.opts.pollWaitAfter(d.r.opts.PollInterval)
	st.lastOpen, st.guesses, st.halved = 0, 0, 0
}

// pollFloor is the shortest wait between two looks at a window: a quarter of the first poll's wait.
func (d *driver) pollFloor() time.Duration { return d.r.opts.PollInterval / 4 }

// maxGuesses is how many looks sooner than the schedule a step may make (nextLook).
const maxGuesses = 2

// nextLook is how long step i waits before looking at its window again after res saw it open. Where the
// windows of its siblings (same kind, this run) say when windows that outlasted it ended, there: sooner
// than the exponential schedule's next look, up to maxGuesses times (a wrong guess costs one call, and the
// schedule goes on unmoved), or later, skipping looks of the schedule that no sibling's end supports (the
// emulator's heavy tail, and real deletes, cluster: the long windows of one kind end about together; a
// schedule that doubles its waits blindly found mid-length windows later, see Options.pollWaitAfter).
// Otherwise the schedule's next look. The cost of a look skipped: a window that ends between the clusters
// its siblings showed (windows of a kind that grow during a run) is found at the next cluster's end, not at
// the schedule's look (BENCHMARKS.md, "Teardown strategies", item 11).
func (d *driver) nextLook(i int, res result, shared bool) time.Duration {
	st := &d.st[i]
	d.sawOpen(i, res)
	now, floor := d.r.now(), d.pollFloor()
	// After a look off the schedule, the schedule's next look may be due at once: not within floor of it.
	// A look on another step's read (ride) within the wait before the schedule's next look takes its place
	// (pollWait is half as long again as that wait): while other steps' reads look at the window often
	// enough, the step sends none of its own.
	for st.due.Before(now.Add(floor)) || shared && st.due.Sub(res.sent) < st.pollWait*2/3 {
		st.due = st.due.Add(st.pollWait)
		st.pollWait = d.r.opts.pollWaitAfter(st.pollWait)
	}
	scheduled := st.due.Sub(now)
	wait, end, ok := d.windows.next(st.kind, now.Sub(st.opened), st.lastOpen, floor, st.halved)
	switch {
	case !ok:
		return scheduled
	case wait > scheduled:
		// The siblings that lasted this long all lasted past the schedule's next look: that look would
		// find this window open too. Fewer calls, and no later than their ends.
	case wait < scheduled && st.guesses < maxGuesses:
		st.guesses++
	default:
		return scheduled
	}
	if wait < end-(now.Sub(st.opened)) {
		st.halved = end // a look into the middle of the siblings' interval: the next one goes to its end
	}
	return wait
}

// sawOpen records that res, a read sent at res.sent, found step i's window still open.
func (d *driver) sawOpen(i int, res result) {
	st := &d.st[i]
	st.lastOpen, st.timed = res.sent.Sub(st.opened), true
	if !st.hidden {
		d.r.steps[i].SeenOpen = res.sent
	}
}

// closed records the end of step i's window, seen by res, for its siblings.
func (d *driver) closed(i int, res result) {
	st := &d.st[i]
	if st.kind != "" && st.timed && !(st.hidden && st.spread) {
		d.windows.observe(st.kind, st.lastOpen, res.answered.Sub(st.opened))
	}
	st.kind, st.hidden, st.timed, st.lastOpen = "", false, false, 0
}

// lookAgain reads step i's window again after wait, which a read found p, unless that would pass the
// step's deadline.
func (d *driver) lookAgain(i int, p Presence, wait time.Duration) {
	if d.r.now().Add(wait).After(d.st[i].deadline) {
		s := &d.r.plan.Steps[i]
		d.w.transition(i, stateFinished, OutcomeFailed,
			fmt.Errorf("%s %s is still %s after %s (--step-timeout)", s.ResourceType, s.ResourceID, p, d.r.opts.StepTimeout))
		return
	}
	d.later(task{step: i, kind: taskPoll}, wait)
}

// due is a task whose timer fired (stepDriver). A look at a window takes as riders the waiting steps its read
// can look at too, and goes with the priority of the most urgent of them; a step whose look a read already
// queued or under way carries waits for that read's answer instead.
func (d *driver) due(t task) (task, bool) {
	if t.kind != taskPoll {
		return t, true
	}
	if d.st[t.step].riding > 0 {
		d.st[t.step].lookDue = true // a read carrying it is on its way: its answer is this look
		return t, false
	}
	t.riders = d.riders(t.step)
	for _, j := range t.riders {
		d.st[j].riding++
		// The read answers for its riders too: it goes as soon as the most urgent of them would.
		if p := d.w.nodes[j].priority; p.prio > t.prio || p.prio == t.prio && p.through > t.through {
			t.priority = p
		}
	}
	return t, true
}

// dropped is a task the run dropped when it stopped (stepDriver): its riders' own looks, if they waited
// for it, go (and, the run stopping, their steps are interrupted).
func (d *driver) dropped(t task) {
	for _, j := range t.riders {
		d.st[j].riding--
		d.unride(j)
	}
}

// riders are the steps whose windows step i's poll looks at too, in the same read: those of its read group
// that wait for their next look behind a timer (a step whose own look is queued or under way has its answer
// coming), the ones whose looks are due soonest first, as many as the read takes besides step i's. Each
// costs nothing: the read is sent anyway, a few ids longer, and a rider found over is done without its own
// call; with many windows open at once (the pools of a tree), most are found over by others' reads.
func (d *driver) riders(i int) []int {
	g := d.readOf[i]
	if g == 0 {
		return nil
	}
	var out []int
	for _, j := range d.reads[g-1].steps {
		if j != i && d.w.nodes[j].state == stateWaiting && d.w.behindTimer(j) {
			out = append(out, j)
		}
	}
	if n := d.reads[g-1].batch - 1; len(out) > n {
		slices.SortFunc(out, func(a, b int) int {
			if c := d.st[a].due.Compare(d.st[b].due); c != 0 {
				return c
			}
			return a - b
		})
		out = out[:n]
	}
	return out
}

// ride takes what another step's read found of step j's window as a look of j's own: j is done if the
// window is over, and otherwise looks again when nextLook says, instead of when it was going to.
func (d *driver) ride(j int, p Presence, res result) {
	st := &d.st[j]
	if d.w.nodes[j].state != stateWaiting || p == PresenceFailed {
		d.unride(j) // finished; or failed, which its own read will report
		return
	}
	switch {
	case st.lookDue:
		st.lookDue = false // its own look was due and waited for this read
	case !d.w.cancelTimer(j):
		return // its own look is under way, or firing: that answer decides
	}
	d.r.steps[j].SharedLooks++
	if p == PresenceGone {
		d.closed(j, res)
		d.w.transition(j, stateFinished, OutcomeDone, nil)
		return
	}
	d.lookAgain(j, p, d.nextLook(j, res, true))
}

// unride sends step j's own look, which waited for reads that carried it, once none is left to answer it:
// the last of them failed, or was never sent (the run stops).
func (d *driver) unride(j int) {
	st := &d.st[j]
	if !st.lookDue || st.riding > 0 {
		return
	}
	st.lookDue = false
	if d.w.nodes[j].state != stateWaiting {
		return
	}
	d.push(task{step: j, kind: taskPoll}) // when the run stops, push marks the step interrupted
}
