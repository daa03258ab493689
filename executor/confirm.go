package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/ipam-teardown/ipam-teardown/internal/catalog"
	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// Presence is what a confirming read says of a step's resource.
type Presence int

// What a confirming read can find.
const (
	PresenceGone       Presence = iota // not listed (or listed in a gone status)
	PresenceInProgress                 // listed in a transitional status: the step's effect is under way
	PresenceThere                      // listed as it was before the step
	PresenceFailed                     // listed in Failed: the asynchronous operation failed
)

func (p Presence) String() string {
	return [...]string{"gone", "in progress", "present", "failed"}[p]
}

// maxConfirmPages bounds the pages of one confirming read; a resource share with more associations than that
// is not read to the end (the step is then reported, not assumed done).
const maxConfirmPages = 50

// eachPage sends call page by page, following NextToken, and hands each page's rows under key to each, until
// the last page or until each says stop. It is the executor's one paging loop (the lock's read, the members'
// read, the confirming reads), and it refuses what would make a read lie: an answer without its list (read as
// an empty page, a missing key made a lock look free and planned members look gone), a NextToken that an
// earlier page already gave (a listing that never ends), and more than maxConfirmPages pages. call.Params is
// changed (NextToken).
func eachPage(ctx context.Context, do func(context.Context, cloudapi.Call) (map[string]any, error), call cloudapi.Call,
	key string, each func(rows []map[string]any) (stop bool)) error {
	seen := map[string]bool{}
	for page := 1; ; page++ {
		if page > maxConfirmPages {
			return fmt.Errorf("%s: more than %d pages", call.Action, maxConfirmPages)
		}
		out, err := do(ctx, call)
		if err != nil {
			return err
		}
		raw, ok := out[key]
		arr, isList := raw.([]any)
		if !ok || !isList && raw != nil {
			return fmt.Errorf("%s: the answer to page %d has no list %s", call.Action, page, key)
		}
		rows := make([]map[string]any, 0, len(arr))
		for _, r := range arr {
			row, _ := r.(map[string]any)
			rows = append(rows, row)
		}
		if each(rows) {
			return nil
		}
		next := cloudapi.String(out["NextToken"])
		if next == "" {
			return nil
		}
		if seen[next] {
			return fmt.Errorf("%s: page %d answered NextToken %q, which an earlier page gave; the listing would never end", call.Action, page, next)
		}
		seen[next] = true
		call.Params["NextToken"] = next
	}
}

// confirmable reports whether the catalogue names a read that confirms the step's effect.
func confirmable(s *plans.Step) bool {
	a, ok := catalog.Lookup(s.Product, s.Action)
	return ok && a.Confirm.Action != ""
}

// Confirm reads whether the step's resource is still there, with the read the catalogue names for its action
// (paging through it), and says how it found it. Every call goes through do, which may count or retry it.
// A step whose action has no confirming read is an error.
func Confirm(ctx context.Context, do func(context.Context, cloudapi.Call) (map[string]any, error), s *plans.Step) (Presence, error) {
	ps, err := ConfirmMany(ctx, do, []*plans.Step{s})
	if err != nil {
		return PresenceThere, err
	}
	return ps[0], nil
}

// ErrBatchGoneCode is ConfirmMany's error when a read of several steps' resources answered a code that means
// gone: it does not say whose. Each is then read on its own.
var ErrBatchGoneCode = errors.New("a read of several resources answered a not-found code")

// ConfirmMany is Confirm for steps of one action and region whose read takes several resources
// (catalog.Confirm.BatchParam), at most the read's Batch of them, in one read: one call for all, and a
// Presence for each, in order. With one step it is Confirm.
func ConfirmMany(ctx context.Context, do func(context.Context, cloudapi.Call) (map[string]any, error), steps []*plans.Step) ([]Presence, error) {
	s := steps[0]
	a, ok := catalog.Lookup(s.Product, s.Action)
	if !ok || a.Confirm.Action == "" {
		return nil, fmt.Errorf("no read confirms %s", s.Action)
	}
	c := a.Confirm
	product := s.Product
	if c.Product != "" {
		product = c.Product
	}
	params, err := confirmParams(c, product, steps)
	if err != nil {
		return nil, err
	}
	wants := make([][]string, len(steps))
	for n, t := range steps {
		if wants[n] = matchValues(t, c.MatchParam); len(wants[n]) == 0 {
			return nil, fmt.Errorf("step %s has no %s to confirm", t.ID, c.MatchParam)
		}
	}
	seen, err := readPages(ctx, do, a, product, params, steps)
	if err != nil || seen == nil {
		return presences(err)
	}
	ps := make([]Presence, len(steps))
	for n, want := range wants {
		for _, id := range want {
			if p, ok := seen[id]; ok && p > ps[n] {
				ps[n] = p
			}
		}
	}
	return ps, nil
}

// confirmParams are the parameters of the read that confirms steps (of one action and region).
func confirmParams(c catalog.Confirm, product string, steps []*plans.Step) (map[string]string, error) {
	s := steps[0]
	params := map[string]string{}
	for k, v := range c.Fixed {
		params[k] = v
	}
	for readParam, stepParam := range c.Query {
		if v, ok := s.Params[stepParam]; ok {
			params[readParam] = v
		}
	}
	if len(steps) > 1 {
		list, stepParam, ok := c.BatchParam()
		if !ok || len(steps) > c.Batch {
			return nil, fmt.Errorf("%s reads %d of %s's resources at most, not %d", c.Action, max(c.Batch, 1), s.Action, len(steps))
		}
		for n, t := range steps {
			if t.Product != s.Product || t.Action != s.Action || t.Region != s.Region {
				return nil, fmt.Errorf("one read for steps %s and %s of different actions or regions", s.ID, t.ID)
			}
			params[fmt.Sprintf("%s.%d", list, n+1)] = t.Params[stepParam]
		}
		// Every resource asked for on one page, where the read says how many a page may hold.
		params["MaxResults"] = strconv.Itoa(max(len(steps), 10))
	}
	if product == catalog.ProductVpcIpam {
		params["RegionId"] = s.Region
	}
	return params, nil
}

// errGone is readPages' answer for a read of one resource that answered a code meaning it is gone.
var errGone = errors.New("gone")

// presences is ConfirmMany's answer when readPages listed nothing: one gone resource (errGone), or an error.
func presences(err error) ([]Presence, error) {
	switch {
	case errors.Is(err, errGone):
		return []Presence{PresenceGone}, nil
	case err != nil:
		return nil, err
	}
	return []Presence{PresenceThere}, nil // the answer is the resource itself
}

// readPages sends the confirming read of a's steps, page by page, and returns what it found of each id it
// lists; nil (and no error) when the answer is the resource itself (no list).
func readPages(ctx context.Context, do func(context.Context, cloudapi.Call) (map[string]any, error), a catalog.Action,
	product string, params map[string]string, steps []*plans.Step) (map[string]Presence, error) {
	s, c := steps[0], a.Confirm
	read, _ := catalog.Lookup(product, c.Action)
	// gone maps a code that says the resource is gone: errGone for one step, ErrBatchGoneCode for a read of
	// several, which cannot tell whose it was.
	gone := func(err error) error {
		code := cloudapi.Code(err)
		if a.IsNotFound(code) || read.IsNotFound(code) || code != "" && slices.Contains(c.GoneCodes, code) {
			if len(steps) > 1 {
				return fmt.Errorf("%w: %s %s", ErrBatchGoneCode, c.Action, code)
			}
			return errGone
		}
		return err
	}
	call := cloudapi.Call{Product: product, Action: c.Action, Region: s.Region, Params: params, Resource: s.ResourceID}
	if c.ListKey == "" {
		if _, err := do(ctx, call); err != nil {
			return nil, gone(err)
		}
		return nil, nil
	}
	seen := map[string]Presence{}
	err := eachPage(ctx, do, call, c.ListKey, func(rows []map[string]any) bool {
		for _, row := range rows {
			id := cloudapi.String(row[c.IDField])
			if p, ok := seen[id]; !ok || rowPresence(c, row) > p {
				seen[id] = rowPresence(c, row)
			}
		}
		return false
	})
	if err != nil {
		return nil, gone(err)
	}
	return seen, nil
}

// rowPresence is what one listed row says of its resource.
func rowPresence(c catalog.Confirm, row map[string]any) Presence {
	if c.StatusField == "" {
		return PresenceThere
	}
	switch status := cloudapi.String(row[c.StatusField]); {
	case slices.Contains(c.GoneStatuses, status):
		return PresenceGone
	case status == "Failed":
		return PresenceFailed
	case status == "Disassociating" || status == "Deleting":
		return PresenceInProgress
	}
	return PresenceThere
}

// readGroup is a set of steps whose windows one read can look at together: the same confirming read, region
// and product, and a read that takes a list of ids (catalog.Confirm.BatchParam), up to batch of them.
type readGroup struct {
	steps []int
	batch int
}

// readGroups groups the plan's asynchronous steps by the read that looks at their windows (ConfirmMany): the
// group of step i is groups[readOf[i]-1]; readOf[i] is 0 for a step whose window a read of its own looks at.
// The driver's shared reads, the resume's confirmation and Bound's count of reads all go by it.
func readGroups(steps []plans.Step) (groups []readGroup, readOf []int) {
	readOf = make([]int, len(steps))
	byKey := map[string]int{}
	for i := range steps {
		s := &steps[i]
		a, _ := catalog.Lookup(s.Product, s.Action)
		if _, _, ok := a.Confirm.BatchParam(); !ok || s.WaitFor == "" {
			continue
		}
		key := s.Product + "/" + s.Action + "/" + s.Region
		g, ok := byKey[key]
		if !ok {
			groups = append(groups, readGroup{batch: a.Confirm.Batch})
			g = len(groups)
			byKey[key] = g
		}
		groups[g-1].steps = append(groups[g-1].steps, i)
		readOf[i] = g
	}
	return groups, readOf
}

// matchValues returns the values of the step's parameters that match pattern (sorted).
func matchValues(s *plans.Step, pattern string) []string {
	var out []string
	for k, v := range s.Params {
		if catalog.MatchParam(pattern, k) {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}
