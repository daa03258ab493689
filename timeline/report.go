// Package timeline draws a run of a teardown plan from its report (the JSON that apply --report, destroy and
// demo write): a Gantt chart with one row per step, grouped by IPAM and level, the call and the wait of each
// step in two shades, retries, failed and skipped steps, the critical path, and L (the least time the run
// could have taken) as a vertical line. It renders SVG, or an HTML page holding the SVG, a legend and a table
// of the steps, with no external asset.
//
// It reads the report's JSON with its own types rather than the executor's: the executor brings the cloud
// SDK with it, and a chart of a file should not need it.
package timeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Report is the part of a run's report the chart draws.
type Report struct {
	PlanID   string    `json:"plan_id"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Outcome  string    `json:"outcome"`
	Schedule string    `json:"schedule"`
	Steps    []Step    `json:"steps"`
	Retries  int       `json:"retries"`
	Message  string    `json:"message,omitempty"`
	Bound    *Bound    `json:"bound,omitempty"`
	// Label, when set, is put before the plan id in the chart's title (the benchmark names its strategy).
	Label string `json:"-"`
}

// Step is one step's part of the report.
type Step struct {
	ID         string    `json:"id"`
	Action     string    `json:"action"`
	ResourceID string    `json:"resource_id"`
	IPAMID     string    `json:"ipam_id,omitempty"`
	Level      int       `json:"level"`
	Start      time.Time `json:"start,omitzero"`
	// Sent is when the step's first call left the queue; zero in a report older than the field, where the
	// whole of Start..Called is drawn as the call.
	Sent     time.Time `json:"sent,omitzero"`
	Called   time.Time `json:"called,omitzero"`
	End      time.Time `json:"end,omitzero"`
	Attempts int       `json:"attempts"` // calls sent, a dry run repeated before the call included
	// Retries are the calls sent again after a failure; nil in a report older than the field, where a step
	// with more than one attempt counts as retried.
	Retries   *int     `json:"retries"`
	Polls     int      `json:"polls"`
	Outcome   string   `json:"outcome"`
	Code      string   `json:"code,omitempty"`
	Message   string   `json:"message,omitempty"`
	DependsOn []string `json:"depends_on,omitempty"`
}

// Bound is L as the report records it (executor.BoundReport).
type Bound struct {
	L           float64 `json:"l_ms"`
	Latency     float64 `json:"latency_ms"`
	DeleteDelay float64 `json:"delete_delay_ms"`
	Parallelism int     `json:"parallelism"`
	QPS         float64 `json:"qps,omitempty"`
	Source      string  `json:"source"`
	Note        string  `json:"note,omitempty"`
}

// Duration is L.
func (b *Bound) Duration() time.Duration { return time.Duration(b.L * float64(time.Millisecond)) }

// ReadFile reads and checks the report at path; its errors name the file.
func ReadFile(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err // *fs.PathError names the file
	}
	return Parse(data, path)
}

// Read reads and checks a report from r; name is how errors call it.
func Read(r io.Reader, name string) (*Report, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return Parse(data, name)
}

// Parse checks that data is a run's report with at least one step and decodes it. A plan file, another JSON
// document or a report whose fields have the wrong type is refused with a message that names name and the
// field.
func Parse(data []byte, name string) (*Report, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty file, not a report (write one with apply --report FILE or demo --report FILE)", name)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("%s: not a report (a JSON object): %w", name, err)
	}
	if _, ok := fields["outcome"]; !ok {
		if _, plan := fields["format_version"]; plan {
			return nil, fmt.Errorf("%s: a plan file, not a report: draw the report that apply --report FILE wrote", name)
		}
	}
	for _, f := range []string{"plan_id", "outcome", "steps"} {
		if _, ok := fields[f]; !ok {
			return nil, fmt.Errorf("%s: not a report: no field %q", name, f)
		}
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s: not a report: field %s is a JSON %s, want %s", name, te.Field, te.Value, te.Type)
		}
		return nil, fmt.Errorf("%s: not a report: %w", name, err)
	}
	if len(r.Steps) == 0 {
		return nil, fmt.Errorf("%s: the report of plan %s has no steps (field steps is empty): nothing to draw", name, r.PlanID)
	}
	seen := make(map[string]bool, len(r.Steps))
	for i, s := range r.Steps {
		switch {
		case s.ID == "":
			return nil, fmt.Errorf("%s: steps[%d]: no id", name, i)
		case seen[s.ID]:
			return nil, fmt.Errorf("%s: steps[%d]: id %s appears twice", name, i, s.ID)
		case s.Outcome == "":
			return nil, fmt.Errorf("%s: steps[%d] (%s): no outcome", name, i, s.ID)
		case !s.Start.IsZero() && !s.End.IsZero() && s.End.Before(s.Start):
			return nil, fmt.Errorf("%s: steps[%d] (%s): end %s is before start %s", name, i, s.ID, s.End.Format(time.RFC3339Nano), s.Start.Format(time.RFC3339Nano))
		}
		seen[s.ID] = true
	}
	for i, s := range r.Steps {
		for _, d := range s.DependsOn {
			if !seen[d] {
				return nil, fmt.Errorf("%s: steps[%d] (%s): depends_on names %s, which is not a step of the report", name, i, s.ID, d)
			}
		}
	}
	if r.Bound != nil && r.Bound.L < 0 {
		return nil, fmt.Errorf("%s: bound.l_ms %g: want a duration, not negative", name, r.Bound.L)
	}
	return &r, nil
}

// Span is the execute phase as the steps show it: from the first step's start to the last step's end (or
// last call, for a step that has not ended). ok is false when no step started.
func (r *Report) Span() (start, end time.Time, ok bool) {
	for _, s := range r.Steps {
		if s.Start.IsZero() {
			continue
		}
		if !ok || s.Start.Before(start) {
			start = s.Start
		}
		last := latest(s)
		if !ok || last.After(end) {
			end = last
		}
		ok = true
	}
	return start, end, ok
}

// latest is the last time the step reports.
func latest(s Step) time.Time {
	t := s.Start
	if s.Called.After(t) {
		t = s.Called
	}
	if s.End.After(t) {
		t = s.End
	}
	return t
}

// Retried is how many times the step's calls were sent again: Retries, or in an older report every attempt
// after the first.
func (s *Step) Retried() int {
	if s.Retries != nil {
		return *s.Retries
	}
	return max(s.Attempts-1, 0)
}

// sentAt is when the step's calls began: Sent, or Start in a report without it (or with a Sent out of order).
func (s *Step) sentAt() time.Time {
	if s.Sent.IsZero() || s.Sent.Before(s.Start) {
		return s.Start
	}
	return s.Sent
}
