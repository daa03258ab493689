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

// next is how long a step of kind, whose window has lasted elapsed so far and was seen open at lastOpen,
// should wait before looking again: to the shortest end among the siblings that lasted longer than it has,
// or, with middle, into the middle of that sibling's interval when it is wide, so that each step narrows the
// estimate; at least floor, and never later than fallback (the exponential schedule).
func (w *windows) next(kind string, elapsed, lastOpen, floor, fallback time.Duration, middle bool) time.Duration {
	best, found := window{}, false
	for _, s := range w.seen[kind] {
		// Only a sibling seen open at least once says anything of long windows; one that ended within floor
		// of when this one was seen open ended with it, as far as a poll can tell: this one is longer.
		if s.lo > 0 && s.hi > lastOpen+floor && (!found || s.hi < best.hi || s.hi == best.hi && s.lo > best.lo) {
			best, found = s, true
		}
	}
	if !found {
		return fallback
	}
	target := best.hi
	if lo := max(best.lo, lastOpen); middle && lo < best.hi && best.hi-lo > floor {
		target = lo + (best.hi-lo)/2
	}
	return min(max(target-elapsed, floor), fallback)
}
