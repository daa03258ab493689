package executor

import "time"

// window is what one step showed of an asynchronous window: it lasted more than lo and at most hi, measured
// from the answer that opened it (a delete's success; for a hidden window, the release's).
type window struct{ lo, hi time.Duration }

// windows learns how long the asynchronous windows of one kind (the action that opens them) last, from the
// steps of this run that have seen theirs end, so that a step still waiting is looked at again when its
// siblings' windows ended rather than on a blind exponential schedule. The windows of one kind cluster (a
// Deleting pool, a released allocation): a step that outlasted the short ones most likely ends with the next
// cluster. Where no sibling outlasted it, the exponential schedule goes on.
type windows struct {
	seen map[string][]window
}

// observe records a window of kind.
func (w *windows) observe(kind string, lo, hi time.Duration) {
	if hi <= 0 || hi < lo {
		return
	}
	if w.seen == nil {
		w.seen = map[string][]window{}
	}
	w.seen[kind] = append(w.seen[kind], window{lo: max(lo, 0), hi: hi})
}

// next says when the siblings of a step of kind expect its window to end, given that it has lasted elapsed
// so far and was last seen open at lastOpen: it returns the wait until the next cluster of their ends and
// true, or false when no sibling lasted longer. The cluster ends by the shortest end among the siblings that
// outlasted lastOpen, and not before the latest time one of those was seen open; unless the step has looked
// into that cluster already (halved is its end), the wait goes into the middle of that interval when it is
// wide, so that each step narrows the estimate for the next. The wait is at least floor.
func (w *windows) next(kind string, elapsed, lastOpen, floor, halved time.Duration) (wait, end time.Duration, ok bool) {
	var lo time.Duration
	for _, s := range w.seen[kind] {
		// Only a sibling seen open at least once says anything of long windows; one that ended within floor
		// of when this one was seen open ended with it, as far as a poll can tell: this one is longer.
		if s.lo > 0 && s.hi > lastOpen+floor && (!ok || s.hi < end) {
			end, ok = s.hi, true
		}
	}
	if !ok {
		return 0, 0, false
	}
	for _, s := range w.seen[kind] {
		if s.hi > lastOpen+floor && s.lo < end {
			lo = max(lo, s.lo)
		}
	}
	target := end
	if lo = max(lo, lastOpen); end != halved && end-lo > floor {
		target = lo + (end-lo)/2
	}
	return max(target-elapsed, floor), end, true
}
