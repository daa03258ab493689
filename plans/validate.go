package plans

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/dag"
)

// maxProblems bounds how many problems one error lists; past it, the count is given.
const maxProblems = 20

// FieldError is one problem in a plan, at the field named by its JSON path ("steps[3].depends_on[0].id").
type FieldError struct {
	Field string
	Msg   string
	Err   error // a sentinel such as ErrUnsupportedVersion, or nil
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }
func (e *FieldError) Unwrap() error { return e.Err }

// ValidationError lists the problems Validate found, in the order of the file.
type ValidationError struct {
	Problems []*FieldError // at most maxProblems
	Omitted  int           // problems found beyond those listed
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 && e.Omitted == 0 {
		return "invalid plan: " + e.Problems[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid plan: %d problems:", len(e.Problems)+e.Omitted)
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "\n  ... and %d more", e.Omitted)
	}
	return b.String()
}

// Unwrap returns the problems, so errors.As finds a *FieldError and errors.Is a sentinel.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// Validate checks everything a plan must satisfy apart from its checksum and the spelling of its keys
// (which belong to the file; Read checks them): the format version; a plan id and region; unique, non-empty
// step ids; every depends_on naming another step of the plan, no cycle, and each step's level above the
// levels of the steps it depends on; a region and resource id on every step; each step against its action in
// the catalogue (internal/catalog): a teardown action, its product, its resource type, one of its wait
// states, every parameter it requires and none it does not take, no DryRun or ClientToken (the executor adds
// them), a resource id made of the params as the catalogue says (so the id a reviewer reads is the one the
// call acts on), dry-run codes only on an action that takes DryRun; the canonical order Marshal writes
// (sorted, without duplicates); blockers that name a resource and a reason and hold back only steps that are
// not in the plan; a summary that matches; and nothing that looks like a credential anywhere.
// The error is a *ValidationError listing every problem found, each naming the field and the value at fault.
func Validate(p *Plan) error {
	if p == nil {
		return errors.New("invalid plan: nil")
	}
	v := &validator{actions: teardownActions()}
	v.header(p)
	index := v.steps(p.Steps)
	v.blockers(p.Blockers, index)
	v.summary(p)
	v.credentials(p)
	return v.err()
}

type validator struct {
	actions  map[string]catalog.Action // the teardown actions by name
	problems []*FieldError
	omitted  int
}

// teardownActions returns the catalogue's teardown actions by name. Validate reads the catalogue once per
// plan, not once per step: reading it builds the whole table.
func teardownActions() map[string]catalog.Action {
	as := catalog.Teardown()
	m := make(map[string]catalog.Action, len(as))
	for _, a := range as {
		m[a.Name] = a
	}
	return m
}

func (v *validator) add(err error, field, format string, args ...any) {
	if len(v.problems) >= maxProblems {
		v.omitted++
		return
	}
	v.problems = append(v.problems, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...), Err: err})
}

func (v *validator) errorf(field, format string, args ...any) { v.add(nil, field, format, args...) }

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems, Omitted: v.omitted}
}

func versionError(version int) *FieldError {
	return &FieldError{Field: "format_version", Err: ErrUnsupportedVersion,
		Msg: fmt.Sprintf("%d is not supported; this build reads version %d only", version, FormatVersion)}
}

func (v *validator) header(p *Plan) {
	if p.FormatVersion != FormatVersion {
		v.problems = append(v.problems, versionError(p.FormatVersion))
	}
	if p.PlanID == "" {
		v.errorf("plan_id", "is empty; the executor derives its lock and client tokens from it")
	}
	if p.Region == "" {
		v.errorf("region", "is empty; a plan is made for one region")
	}
	v.sortedUnique("selector.ipam_ids", p.Selector.IPAMIDs)
}

// steps checks each step and the graph they form; it returns the index of each step id.
func (v *validator) steps(steps []Step) map[string]int {
	index := make(map[string]int, len(steps))
	for i := range steps {
		s := &steps[i]
		// The field name is made only for a message: a large plan has many steps and no problem.
		f := func() string { return "steps[" + strconv.Itoa(i) + "]" }
		switch j, dup := index[s.ID]; {
		case s.ID == "":
			v.errorf(f()+".id", "is empty")
		case dup:
			v.errorf(f()+".id", "%q is already the id of steps[%d]; step ids are unique", s.ID, j)
		default:
			index[s.ID] = i
		}
		if i > 0 && compareStepPtr(&steps[i-1], s) > 0 {
			v.errorf(f(), "%q (level %d) comes after %q (level %d); steps are sorted by (level, id)", s.ID, s.Level, steps[i-1].ID, steps[i-1].Level)
		}
		a, known := v.actions[s.Action]
		switch {
		case !known:
			v.errorf(f()+".action", "%q is not a teardown action this tool knows (known: %s)", s.Action, strings.Join(ActionNames(), ", "))
		case s.Product != a.Product:
			v.errorf(f()+".product", "%q does not match action %s, which belongs to %s", s.Product, s.Action, a.Product)
		}
		if known {
			v.stepAction(f, s, &a)
		}
		if s.ResourceID == "" {
			v.errorf(f()+".resource_id", "is empty")
		}
		if s.Region == "" {
			v.errorf(f()+".region", "is empty")
		}
		if s.Level < 0 {
			v.errorf(f()+".level", "%d is negative", s.Level)
		}
		for _, k := range []string{"DryRun", "ClientToken"} {
			if _, ok := s.Params[k]; ok {
				v.errorf(f()+".params."+k, "is set; the executor adds %s itself and the plan must not", k)
			}
		}
		if r, ok := s.Params["RegionId"]; ok && s.Region != "" && r != s.Region {
			v.errorf(f()+".params.RegionId", "%q differs from the step's region %q", r, s.Region)
		}
		if len(s.DryRunCodes) > 1 {
			v.sortedUnique(f()+".dry_run_codes", s.DryRunCodes)
		}
		for k, im := range s.Implies {
			if im.ResourceID == "" {
				v.errorf(fmt.Sprintf("%s.implies[%d].resource_id", f(), k), "is empty")
			}
			if k > 0 && compareImplied(s.Implies[k-1], im) >= 0 {
				v.errorf(fmt.Sprintf("%s.implies[%d]", f(), k), "%s %q is out of order or repeated; implies are sorted by (resource_type, resource_id)", im.ResourceType, im.ResourceID)
			}
		}
	}

	// Edges need every step id known first.
	edgesOK := true
	for i, s := range steps {
		for j, d := range s.DependsOn {
			f := func() string { return fmt.Sprintf("steps[%d].depends_on[%d].id", i, j) }
			_, ok := index[d.ID]
			switch {
			case d.ID == "":
				v.errorf(f(), "is empty")
				edgesOK = false
			case d.ID == s.ID:
				v.errorf(f(), "%q is the step itself; a step cannot wait for itself", d.ID)
				edgesOK = false
			case !ok:
				v.errorf(f(), "%q names no step of this plan", d.ID)
				edgesOK = false
			}
			if j > 0 && s.DependsOn[j-1].ID >= d.ID {
				v.errorf(f(), "%q is out of order or repeated; depends_on is sorted by id without duplicates", d.ID)
			}
		}
	}
	if edgesOK && len(index) == len(steps) {
		v.graph(steps, index)
	}
	return index
}

// stepAction checks a step against its action in the catalogue: the resource type, the wait state, the
// params (every required one given and not empty, none the action does not take), and that the resource id
// is the one the params name, so that what a reviewer reads in resource_id is what the call acts on.
func (v *validator) stepAction(f func() string, s *Step, a *catalog.Action) {
	if !a.DryRun && len(s.DryRunCodes) > 0 {
		v.errorf(f()+".dry_run_codes", "%s takes no DryRun, so it has no dry-run codes", s.Action)
	}
	if s.ResourceType != a.PlanResourceType {
		v.errorf(f()+".resource_type", "%q is not what %s removes; its steps say %q", s.ResourceType, s.Action, a.PlanResourceType)
	}
	if s.WaitFor != "" && !slices.Contains(a.WaitFor, s.WaitFor) {
		if len(a.WaitFor) == 0 {
			v.errorf(f()+".wait_for", "%q: %s has no state to wait for", s.WaitFor, s.Action)
		} else {
			v.errorf(f()+".wait_for", "%q is not a state of %s (it has %s)", s.WaitFor, s.Action, strings.Join(a.WaitFor, ", "))
		}
	}

	for _, req := range a.Required {
		if !strings.Contains(req, ".N") {
			switch val, ok := s.Params[req]; {
			case !ok:
				v.errorf(f()+".params."+req, "is missing; %s requires it", s.Action)
			case val == "":
				v.errorf(f()+".params."+req, "is empty; %s requires it", s.Action)
			}
			continue
		}
		found := false
		for k := range s.Params {
			if catalog.MatchParam(req, k) {
				found = true
				break
			}
		}
		if !found {
			v.errorf(f()+".params."+strings.Replace(req, ".N", ".1", 1), "is missing; %s requires %s (a list numbered from 1)", s.Action, req)
		}
	}
	var extra []string
	for k := range s.Params {
		if k == "DryRun" || k == "ClientToken" {
			continue // reported on their own: the executor's, not the plan's
		}
		if !slices.Contains(a.Required, k) && !slices.Contains(a.Optional, k) && !a.AllowsParam(k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra) // map order is random; the report is not
	for _, k := range extra {
		v.errorf(fmt.Sprintf("%s.params[%q]", f(), k), "is not a parameter of %s (it takes %s)", s.Action, paramList(*a))
	}

	if s.ResourceID == "" {
		return // reported already
	}
	if len(a.PlanResourceID) == 0 {
		// The step's resource is its IPAM, which the call does not name.
		if s.ResourceID != s.IPAMID {
			v.errorf(f()+".resource_id", "%q is not the step's ipam_id %q; a %s step's resource is the IPAM whose members it removes", s.ResourceID, s.IPAMID, s.Action)
		}
		return
	}
	var want string
	for i, name := range a.PlanResourceID {
		val, ok := s.Params[name]
		if !ok || val == "" {
			return // reported as a missing param
		}
		if i == 0 {
			want = val
		} else {
			want += "/" + val
		}
	}
	if s.ResourceID != want {
		v.errorf(f()+".resource_id", "%q is not the resource the call acts on, which is %q (%s of its params)", s.ResourceID, want,
			strings.Join(a.PlanResourceID, "/"))
	}
}

// paramList names the parameters an action takes, for a message.
func paramList(a catalog.Action) string {
	names := append(slices.Clone(a.Required), a.Optional...)
	return strings.Join(names, ", ")
}

// graph checks that the dependencies form a DAG (internal/dag, which names a cycle) and that levels rise
// along every edge. A cycle is reported instead of the levels: they can never be right around one.
func (v *validator) graph(steps []Step, index map[string]int) {
	var deps []int // reused: dag.New copies each node's dependencies
	_, err := dag.New(len(steps), func(i int) []int {
		deps = deps[:0]
		for _, d := range steps[i].DependsOn {
			deps = append(deps, index[d.ID]) // steps checked that every id is a step's
		}
		return deps
	})
	var ce *dag.CycleError
	switch {
	case errors.As(err, &ce):
		for _, cycle := range ce.Cycles {
			ids := make([]string, len(cycle))
			for k, n := range cycle {
				ids[k] = strconv.Quote(steps[n].ID)
			}
			// A cycle starts at its smallest index: the field is the first step of the file in it.
			v.errorf(fmt.Sprintf("steps[%d].depends_on", cycle[0]), "dependency cycle: %s (each must finish before the next; a cycle can never run)",
				strings.Join(ids, " -> "))
		}
		return
	case err != nil:
		v.errorf("steps", "cannot order the steps: %v", err)
		return
	}
	for i, s := range steps {
		for j, d := range s.DependsOn {
			dl := steps[index[d.ID]].Level
			if s.Level <= dl {
				v.errorf(fmt.Sprintf("steps[%d].level", i), "%d is not above %d, the level of %q (depends_on[%d]); a step's level is above those of the steps it waits for",
					s.Level, dl, d.ID, j)
			}
		}
	}
}

func (v *validator) blockers(bs []Blocker, index map[string]int) {
	for i, b := range bs {
		f := func() string { return "blockers[" + strconv.Itoa(i) + "]" }
		if b.ResourceID == "" {
			v.errorf(f()+".resource_id", "is empty")
		}
		if b.Reason == "" {
			v.errorf(f()+".reason", "is empty; a blocker says why in words a person understands")
		}
		if i > 0 && compareBlocker(bs[i-1], b) >= 0 {
			v.errorf(f(), "%q is out of order or repeated; blockers are sorted by (resource_id, reason)", b.ResourceID)
		}
		if len(b.HeldBack) > 1 {
			v.sortedUnique(f()+".held_back", b.HeldBack)
		}
		for k, id := range b.HeldBack {
			if j, ok := index[id]; ok {
				v.errorf(fmt.Sprintf("%s.held_back[%d]", f(), k), "%q is steps[%d] of this plan; a held-back step is not emitted", id, j)
			}
		}
	}
}

func (v *validator) summary(p *Plan) {
	want := summarize(p.Steps, p.Blockers)
	got := p.Summary
	check := func(field string, got, want int, what string) {
		if got != want {
			v.errorf("summary."+field, "%d does not match the plan, which has %d %s", got, want, what)
		}
	}
	check("steps", got.Steps, want.Steps, "steps")
	check("levels", got.Levels, want.Levels, "levels")
	check("blockers", got.Blockers, want.Blockers, "blockers")
	check("held_back", got.HeldBack, want.HeldBack, "held-back steps")
	keys := make([]string, 0, len(want.ByAction)+len(got.ByAction))
	for k := range want.ByAction {
		keys = append(keys, k)
	}
	for k := range got.ByAction {
		if _, ok := want.ByAction[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		check(fmt.Sprintf("by_action[%q]", k), got.ByAction[k], want.ByAction[k], k+" steps")
	}
}

// sortedUnique reports the first element of ss that is not strictly after the one before it.
func (v *validator) sortedUnique(field string, ss []string) {
	for i := 1; i < len(ss); i++ {
		if ss[i-1] >= ss[i] {
			v.errorf(fmt.Sprintf("%s[%d]", field, i), "%q is out of order or repeated; the list is sorted without duplicates", ss[i])
			return
		}
	}
}

// Credentials never belong in a plan: a plan is reviewed and committed. These patterns catch the ones that
// could end up there by mistake: an AccessKey ID (permanent ones start with LTAI, STS ones with "STS."), a
// key = value pair naming a credential, or a pasted Authorization header. Compiled once, never changed.
var credentialValue = regexp.MustCompile(`LTAI[0-9A-Za-z]{12,}|STS\.[0-9A-Za-z]{16,}|(?i)(access_?key_?(id|secret)|security_?token)\s*[=:]|acs3-hmac-sha256\s+credential`)

// credentials walks every string of the plan (values, and the keys of maps: params, selector tags,
// summary) and refuses any that looks like a credential or is not valid UTF-8. The message names the field and never repeats the
// value.
func (v *validator) credentials(p *Plan) {
	w := credentialWalker{v: v}
	w.walk(reflect.ValueOf(p).Elem())
}

type pathSegment struct {
	name  string // a field name or map key
	index int    // a slice index when name is ""
	isKey bool
}

type credentialWalker struct {
	v    *validator
	path []pathSegment
}

func (w *credentialWalker) field() string {
	var b strings.Builder
	for _, s := range w.path {
		switch {
		case s.name == "" && !s.isKey:
			fmt.Fprintf(&b, "[%d]", s.index)
		case s.isKey && !isIdent(s.name):
			fmt.Fprintf(&b, "[%q]", s.name)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

var timeType = reflect.TypeFor[time.Time]()

func (w *credentialWalker) walk(rv reflect.Value) {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !rv.IsNil() {
			w.walk(rv.Elem())
		}
	case reflect.Struct:
		if rv.Type() == timeType {
			return
		}
		t := rv.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			w.path = append(w.path, pathSegment{name: name})
			w.walk(rv.Field(i))
			w.path = w.path[:len(w.path)-1]
		}
	case reflect.Slice, reflect.Array:
		// Steps and blockers are nearly all of a large plan and nearly always clean: check those without
		// reflection, and walk (for the messages, in order) only one that has something to report.
		var clean func(i int) bool
		switch ss := rv.Interface().(type) {
		case []Step:
			clean = func(i int) bool { return stepClean(&ss[i]) }
		case []Blocker:
			clean = func(i int) bool { return blockerClean(&ss[i]) }
		}
		for i := range rv.Len() {
			if clean != nil && clean(i) {
				continue
			}
			w.path = append(w.path, pathSegment{index: i})
			w.walk(rv.Index(i))
			w.path = w.path[:len(w.path)-1]
		}
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return
		}
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			w.path = append(w.path, pathSegment{name: k.String(), isKey: true})
			if !utf8.ValidString(k.String()) {
				w.v.errorf(w.field(), "the key is not valid UTF-8")
			}
			if credentialKeyName(k.String()) {
				w.v.errorf(w.field(), "the key names a credential; a plan file must never hold credentials")
			}
			w.walk(rv.MapIndex(k))
			w.path = w.path[:len(w.path)-1]
		}
	case reflect.String:
		if !utf8.ValidString(rv.String()) {
			// encoding/json would write U+FFFD instead, and the file would not say what the plan held.
			w.v.errorf(w.field(), "is not valid UTF-8")
		}
		if s := rv.String(); mayHoldCredential(s) && credentialValue.MatchString(s) {
			w.v.errorf(w.field(), "the value looks like a credential (an AccessKey ID, secret or token); a plan file must never hold credentials")
		}
	}
}

// stringClean reports whether walk finds nothing to report in a string value.
func stringClean(s string) bool {
	return utf8.ValidString(s) && !(mayHoldCredential(s) && credentialValue.MatchString(s))
}

// stepClean reports whether walk finds nothing to report in s; it must look at every string walk looks at.
func stepClean(s *Step) bool {
	for _, v := range [...]string{s.ID, s.Action, s.Product, s.ResourceType, s.ResourceID, s.IPAMID, s.Region, s.Rule, s.WaitFor} {
		if !stringClean(v) {
			return false
		}
	}
	for k, v := range s.Params {
		if !utf8.ValidString(k) || credentialKeyName(k) || !stringClean(v) {
			return false
		}
	}
	for _, d := range s.DependsOn {
		if !stringClean(d.ID) || !stringClean(d.Rule) {
			return false
		}
	}
	for _, c := range s.DryRunCodes {
		if !stringClean(c) {
			return false
		}
	}
	for _, im := range s.Implies {
		if !stringClean(im.ResourceType) || !stringClean(im.ResourceID) || !stringClean(im.Reason) {
			return false
		}
	}
	return true
}

// blockerClean is stepClean for a blocker.
func blockerClean(b *Blocker) bool {
	for _, v := range [...]string{b.ResourceType, b.ResourceID, b.IPAMID, b.Reason, b.Rule} {
		if !stringClean(v) {
			return false
		}
	}
	for _, ids := range [...][]string{b.HeldBack, b.Pruned} {
		for _, id := range ids {
			if !stringClean(id) {
				return false
			}
		}
	}
	return true
}

// credentialKeyName reports whether a map key names a credential: "AccessKeyId", "access_key_secret",
// "SecurityToken", "db-password" and the like, ignoring case and the separators _ - . and space.
func credentialKeyName(k string) bool {
	var buf [64]byte // most keys fit: no allocation
	b := buf[:0]
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case c == '_' || c == '-' || c == '.' || c == ' ':
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, c)
		}
	}
	for _, c := range [...]string{"accesskey", "secret", "securitytoken", "ststoken", "password", "credential"} {
		if bytes.Contains(b, []byte(c)) {
			return true
		}
	}
	return false
}

// mayHoldCredential is a cheap filter in front of credentialValue: every string the pattern can match
// contains one of "LTAI", "STS." or, ignoring ASCII case, "key", "token" or "hmac", and most strings of a
// plan (ids, regions, rules) contain none. One pass over s, without allocating; credentialStarts marks the
// bytes those can start with (L S K k T t H h), so most bytes cost one lookup.
func mayHoldCredential(s string) bool {
	for i := 0; i < len(s); i++ {
		if credentialStarts[s[i]] == 0 {
			continue
		}
		switch s[i] {
		case 'L':
			if strings.HasPrefix(s[i:], "LTAI") {
				return true
			}
		case 'S':
			if strings.HasPrefix(s[i:], "STS.") {
				return true
			}
		}
		switch s[i] | 0x20 { // ASCII lower case (other bytes match none of the cases)
		case 'k':
			if hasPrefixFoldASCII(s[i:], "key") {
				return true
			}
		case 't':
			if hasPrefixFoldASCII(s[i:], "token") {
				return true
			}
		case 'h':
			if hasPrefixFoldASCII(s[i:], "hmac") {
				return true
			}
		}
	}
	return false
}

// credentialStarts has a 1 at the bytes L, S, K, k, T, t, H and h: a constant, indexed by byte.
const credentialStarts = "" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // 0x00
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // 0x10
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // 0x20
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // 0x30
	"\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x01\x01\x00\x00\x00" + // 0x40: H K L
	"\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // 0x50: S T
	"\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x01\x00\x00\x00\x00" + // 0x60: h k
	"\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // 0x70: t
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" + // 0x80
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// hasPrefixFoldASCII is strings.HasPrefix ignoring ASCII case, without allocating; prefix is lower case.
func hasPrefixFoldASCII(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for j := 0; j < len(prefix); j++ {
		c := s[j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[j] {
			return false
		}
	}
	return true
}
