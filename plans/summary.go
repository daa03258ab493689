package plans

// Summarize fills p.Summary from p.Steps and p.Blockers. Marshal calls it, so a written plan's summary always
// matches its steps; Validate refuses one that does not.
func (p *Plan) Summarize() {
	p.Summary = summarize(p.Steps, p.Blockers)
}

func summarize(steps []Step, blockers []Blocker) Summary {
	s := Summary{Steps: len(steps), Blockers: len(blockers), ByAction: map[string]int{}}
	for _, st := range steps {
		s.ByAction[st.Action]++
		// Levels count from 0, so a plan whose deepest step is at level 3 runs in 4 waves.
		s.Levels = max(s.Levels, st.Level+1)
	}
	held := map[string]bool{}
	for _, b := range blockers {
		for _, id := range b.HeldBack {
			held[id] = true
		}
	}
	// A step held back by two blockers is one step not emitted.
	s.HeldBack = len(held)
	return s
}
