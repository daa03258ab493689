package timeline

import "time"

// CriticalPath returns the chain of steps that determined when the run ended, first to last (step ids): the
// step that ended last, the step it waited for, and so on back to a step that waited for none. A step waited
// for the one of its dependencies (depends_on) that ended last; under the levels schedule, or in a report
// without dependencies, for the step of a lower level that ended last (a level starts when the one before it
// has ended). Steps that never started are not on it.
func CriticalPath(r *Report) []string {
	hasDeps := false
	index := make(map[string]int, len(r.Steps))
	for i, s := range r.Steps {
		index[s.ID] = i
		hasDeps = hasDeps || len(s.DependsOn) > 0
	}
	byLevel := r.Schedule == "levels" || !hasDeps
	ended := func(i int) (time.Time, bool) {
		s := r.Steps[i]
		if s.Start.IsZero() {
			return time.Time{}, false
		}
		return latest(s), true
	}
	// later reports whether step i ended after step j (ties go to the later start, then the larger id, so
	// that the path does not depend on the report's order).
	later := func(i, j int) bool {
		ti, _ := ended(i)
		tj, _ := ended(j)
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		if si, sj := r.Steps[i].Start, r.Steps[j].Start; !si.Equal(sj) {
			return si.After(sj)
		}
		return r.Steps[i].ID > r.Steps[j].ID
	}
	last := -1
	for i := range r.Steps {
		if _, ok := ended(i); ok && (last < 0 || later(i, last)) {
			last = i
		}
	}
	if last < 0 {
		return nil
	}
	var path []string
	seen := map[int]bool{}
	for cur := last; cur >= 0 && !seen[cur]; {
		seen[cur] = true
		path = append(path, r.Steps[cur].ID)
		next := -1
		consider := func(j int) {
			if _, ok := ended(j); ok && j != cur && !seen[j] && (next < 0 || later(j, next)) {
				next = j
			}
		}
		if byLevel {
			for j, s := range r.Steps {
				if s.Level < r.Steps[cur].Level {
					consider(j)
				}
			}
		} else {
			for _, d := range r.Steps[cur].DependsOn {
				if j, ok := index[d]; ok {
					consider(j)
				}
			}
		}
		cur = next
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}
