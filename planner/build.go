package planner

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/dag"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/plans"
)

// Options are the choices a user makes when planning. The embedded plans.Options are the ones a plan
// records (Build copies them into Plan.Options), so that the executor can plan a fresh inventory again with
// the same ones (OptionsFor); the rest name and date one plan.
//
// plans.Options.Exclude lists resource ids (IPAM, scope, pool, allocation, discovery, share, member) the plan
// must not touch, with everything inside them; ProtectTag protects the IPAMs, scopes, pools and discoveries
// carrying the tag, "key" (any value) or "key=value"; KeepVPCAllocations reports the pools' VPC allocations
// as blockers instead of releasing them; KeepDiscoveries keeps the caller's custom resource discoveries.
type Options struct {
	plans.Options
	PlanID      string           // "" draws "plan-" and 16 random hex digits
	ToolVersion string           // recorded in the plan
	Now         func() time.Time // default time.Now
}

// OptionsFor returns the options to plan p's inventory again with: the planning options p records, its plan
// id and tool version. The executor's drift check builds a plan of a fresh inventory with them and compares
// its steps and blockers with p's.
func OptionsFor(p *plans.Plan) Options {
	o := Options{Options: p.Options, PlanID: p.PlanID, ToolVersion: p.ToolVersion}
	o.Exclude = slices.Clone(p.Options.Exclude)
	return o
}

// maxShareResources is how many Resources.N one DisassociateResourceShare takes (reference 5.4).
const maxShareResources = 5

// unit is one logical operation on one resource. Most units become one step; the units of a group (the
// members of one IPAM, the resources of one share) are merged into batched steps after the blockers have
// removed what they hold back.
type unit struct {
	step   plans.Step // the step this unit becomes (for a grouped unit: the fields its batch shares)
	group  string     // "" for a step of its own
	item   [2]string  // a grouped unit's entry: (MemberId, MemberType) or (ResourceId, ResourceType)
	owners []string   // the resource ids that contain this unit's resource, itself first (for blockers)
}

type edge struct {
	from, to int // unit indexes: from must finish before to
	rule     string
}

type pendingBlocker struct {
	b        plans.Blocker
	resource string // the owner key whose units are the blocker's own ("" for none)
	holds    []int  // units it holds back directly: those a missing edge would have ordered after it
}

type builder struct {
	snap     *inventory.Snapshot
	opts     Options
	units    []unit
	index    map[string]int // unit id -> index
	edges    []edge
	byOwner  map[string][]int
	kind     map[string]string // owner key -> resource type, for blockers
	blockers []pendingBlocker
	errs     []error // edges a rule family could not draw: a bug, never dropped in silence
}

// Build plans the teardown of the IPAMs in snap. It is deterministic: two snapshots of the same state give
// plans that differ only in PlanID and CreatedAt. What the tool must not or cannot remove is a blocker, and
// the steps that need it gone are held back; the steps that only cleared the way for held-back ones are
// pruned, so that the plan changes nothing that stays. It fails on a snapshot whose dependencies form a
// cycle (the error names the steps) and on an Exclude id that names nothing in the snapshot.
func Build(snap *inventory.Snapshot, opts Options) (*plans.Plan, error) {
	if snap == nil {
		return nil, errors.New("planner: no snapshot")
	}
	if snap.Region == "" {
		return nil, errors.New("planner: snapshot: region is empty")
	}
	protectKey, protectValue, protectHasValue := strings.Cut(opts.ProtectTag, "=")
	if opts.ProtectTag != "" && protectKey == "" {
		return nil, fmt.Errorf("planner: protect tag %q: the key is empty", opts.ProtectTag)
	}
	// key= would protect only the resources whose value is empty: an unset shell variable would leave the
	// resources it meant to keep unprotected. The commands name the flag or line; this is the rule for all.
	if protectHasValue && strings.TrimSpace(protectValue) == "" {
		return nil, fmt.Errorf("planner: protect tag %q: the value is empty (give key alone to protect any value)", opts.ProtectTag)
	}
	n := len(snap.Shares) + len(snap.Discoveries)
	for _, ip := range snap.IPAMs {
		n += 1 + len(ip.Scopes) + len(ip.Members) + len(ip.Associations)
		for _, p := range ip.Pools {
			n += 1 + len(p.CIDRs) + len(p.Allocations)
		}
	}
	// n bounds the units; sizing up front keeps a large plan from copying its units while it grows.
	b := &builder{
		snap:    snap,
		opts:    opts,
		units:   make([]unit, 0, n),
		edges:   make([]edge, 0, 2*n),
		index:   make(map[string]int, n),
		byOwner: make(map[string][]int, n),
		kind:    make(map[string]string, n),
	}
	for i := range snap.IPAMs {
		b.ipam(&snap.IPAMs[i])
	}
	b.discoveries()
	b.shares()
	if err := b.exclusions(); err != nil {
		return nil, err
	}
	if opts.ProtectTag != "" {
		b.protected(protectKey, protectValue, protectHasValue)
	}
	b.transitions()
	if err := errors.Join(b.errs...); err != nil {
		return nil, err
	}
	return b.plan()
}

func (b *builder) add(u unit) int {
	id := u.step.ID
	if i, ok := b.index[id]; ok {
		return i
	}
	if u.step.Params == nil {
		u.step.Params = map[string]string{}
	}
	info, _ := plans.LookupAction(u.step.Action)
	u.step.Product = info.Product
	i := len(b.units)
	b.units = append(b.units, u)
	b.index[id] = i
	for _, o := range u.owners {
		b.byOwner[o] = append(b.byOwner[o], i)
	}
	return i
}

// edge records that unit from must finish before unit to, because of rule. A rule family looks its units up
// before it draws an edge and turns a lookup that misses into a blocker; an edge that still names no unit is
// a bug, and Build fails on it rather than plan the two steps unordered.
func (b *builder) edge(from, to int, rule string) {
	if from < 0 || to < 0 || from == to {
		name := func(u int) string {
			if u < 0 {
				return "(no step)"
			}
			return b.units[u].step.ID
		}
		b.errs = append(b.errs, fmt.Errorf("planner: rule %s: cannot draw the edge %s -> %s", rule, name(from), name(to)))
		return
	}
	b.edges = append(b.edges, edge{from: from, to: to, rule: rule})
}

func (b *builder) unitIndex(id string) int {
	if i, ok := b.index[id]; ok {
		return i
	}
	return -1
}

func (b *builder) block(resourceType, resourceID, ipamID, reason, rule string) {
	b.blockers = append(b.blockers, pendingBlocker{
		b:        plans.Blocker{ResourceType: resourceType, ResourceID: resourceID, IPAMID: ipamID, Reason: reason, Rule: rule},
		resource: resourceID,
	})
}

// blockUnits records a blocker that owns the units of the resource seed ("" for none) and holds back the
// units holds directly, whatever the edges say: the steps a missing edge would have ordered after it.
func (b *builder) blockUnits(bl plans.Blocker, seed string, holds []int) {
	b.blockers = append(b.blockers, pendingBlocker{b: bl, resource: seed, holds: holds})
}

func (b *builder) own(key, resourceType string) {
	if _, ok := b.kind[key]; !ok {
		b.kind[key] = resourceType
	}
}

// Step ids: "<verb>/<resource id>", stable and readable.
func ipamStepID(id string) string            { return "delete-ipam/" + id }
func scopeStepID(id string) string           { return "delete-scope/" + id }
func poolStepID(id string) string            { return "delete-pool/" + id }
func cidrStepID(pool, cidr string) string    { return "delete-cidr/" + pool + "/" + cidr }
func allocationStepID(id string) string      { return "delete-allocation/" + id }
func dissociateStepID(ipam, d string) string { return "dissociate-discovery/" + ipam + "/" + d }
func discoveryStepID(id string) string       { return "delete-discovery/" + id }

// plan removes what the blockers hold back and what only served it (holdBack, prune), merges the grouped
// units into batched steps, and orders and levels the steps with internal/dag.
func (b *builder) plan() (*plans.Plan, error) {
	blockers, removed := b.holdBack()

	// Surviving units become steps; grouped ones are batched.
	stepOf := make([]int, len(b.units))
	steps := make([]plans.Step, 0, len(b.units))
	groups := map[string][]int{}
	var groupOrder []string
	for i := range b.units {
		if removed[i] {
			stepOf[i] = -1
			continue
		}
		if g := b.units[i].group; g != "" {
			if _, ok := groups[g]; !ok {
				groupOrder = append(groupOrder, g)
			}
			groups[g] = append(groups[g], i)
			continue
		}
		stepOf[i] = len(steps)
		steps = append(steps, b.units[i].step)
	}
	for _, g := range groupOrder {
		members := groups[g]
		slices.SortFunc(members, func(x, y int) int {
			return cmp.Or(strings.Compare(b.units[x].item[1], b.units[y].item[1]), strings.Compare(b.units[x].item[0], b.units[y].item[0]))
		})
		size := len(members)
		if b.units[members[0]].step.Action == "DisassociateResourceShare" {
			size = maxShareResources
		}
		batches := (len(members) + size - 1) / size
		for k := 0; k < batches; k++ {
			batch := members[k*size : min((k+1)*size, len(members))]
			st := b.units[batch[0]].step
			st.ID = g
			if batches > 1 {
				st.ID += "/" + strconv.Itoa(k+1)
			}
			st.Params = map[string]string{}
			for key, v := range b.units[batch[0]].step.Params {
				st.Params[key] = v
			}
			rules := []string{}
			for n, u := range batch {
				stepOf[u] = len(steps)
				rules = append(rules, b.units[u].step.Rule)
				if st.Action == "RemoveIpamMembers" {
					st.Params[fmt.Sprintf("Members.%d.MemberId", n+1)] = b.units[u].item[0]
					st.Params[fmt.Sprintf("Members.%d.MemberType", n+1)] = b.units[u].item[1]
				} else {
					st.Params[fmt.Sprintf("Resources.%d.ResourceId", n+1)] = b.units[u].item[0]
					st.Params[fmt.Sprintf("Resources.%d.ResourceType", n+1)] = b.units[u].item[1]
				}
			}
			slices.Sort(rules)
			st.Rule = rules[0]
			steps = append(steps, st)
		}
	}

	// Edges between steps, one per pair (the first rule in table order wins; pairs with two rules do not
	// occur with this table).
	for _, e := range b.edges {
		from, to := stepOf[e.from], stepOf[e.to]
		if from < 0 || to < 0 || from == to {
			continue
		}
		steps[to].DependsOn = append(steps[to].DependsOn, plans.Dependency{ID: steps[from].ID, Rule: e.rule})
	}
	for i := range steps {
		d := steps[i].DependsOn
		slices.SortFunc(d, func(x, y plans.Dependency) int {
			return cmp.Or(strings.Compare(x.ID, y.ID), strings.Compare(x.Rule, y.Rule))
		})
		steps[i].DependsOn = slices.CompactFunc(d, func(x, y plans.Dependency) bool { return x.ID == y.ID })
		if steps[i].DependsOn == nil {
			steps[i].DependsOn = []plans.Dependency{}
		}
	}

	if err := order(steps); err != nil {
		return nil, err
	}

	now := time.Now
	if b.opts.Now != nil {
		now = b.opts.Now
	}
	planID := b.opts.PlanID
	if planID == "" {
		var buf [8]byte
		if _, err := rand.Read(buf[:]); err != nil {
			return nil, fmt.Errorf("planner: plan id: %w", err)
		}
		planID = "plan-" + hex.EncodeToString(buf[:])
	}
	sel := b.snap.Selector
	sel.IPAMIDs = slices.Sorted(slices.Values(sel.IPAMIDs))
	recorded := b.opts.Options
	recorded.Exclude = slices.Compact(slices.Sorted(slices.Values(recorded.Exclude))) // nil when empty; the file says []
	p := &plans.Plan{
		FormatVersion:        plans.FormatVersion,
		PlanID:               planID,
		CreatedAt:            now().UTC(),
		ToolVersion:          b.opts.ToolVersion,
		Region:               b.snap.Region,
		AccountID:            b.snap.AccountID,
		Selector:             sel,
		Options:              recorded,
		InventoryFingerprint: b.snap.Fingerprint(),
		Steps:                steps,
		Blockers:             blockers,
	}
	p.Summarize()
	return p, nil
}

// order sorts steps in place by (level, id), where a step's level is the longest path to it from a step
// with no dependency, and fills the dry-run codes from the rule table. A cycle is an error naming its steps.
// It sorts indexes rather than the (large) steps themselves, and moves each step once at the end.
func order(steps []plans.Step) error {
	byID := make([]int, len(steps)) // rank by id -> index in steps; the graph's nodes are the ranks
	for i := range byID {
		byID[i] = i
	}
	slices.SortFunc(byID, func(x, y int) int { return strings.Compare(steps[x].ID, steps[y].ID) })
	rank := make(map[string]int, len(steps))
	for r, i := range byID {
		rank[steps[i].ID] = r
	}
	var deps []int // reused: dag.New copies each node's dependencies
	g, err := dag.New(len(steps), func(r int) []int {
		deps = deps[:0]
		for _, d := range steps[byID[r]].DependsOn {
			deps = append(deps, rank[d.ID]) // plan() draws edges between steps only: every id is a step's
		}
		return deps
	})
	if err != nil {
		return cycleError(steps, byID, err)
	}
	rules := ruleIndex()
	level := g.Levels()
	for r, i := range byID {
		s := &steps[i]
		info, _ := plans.LookupAction(s.Action)
		var codes []string
		for _, d := range s.DependsOn {
			if c := rules[d.Rule].DryRunCode; c != "" && info.HasDryRun {
				codes = append(codes, c)
			}
		}
		slices.Sort(codes)
		s.DryRunCodes = slices.Compact(codes)
		s.Level = level[r]
	}
	// byID is in id order; a stable sort by level gives (level, id).
	slices.SortStableFunc(byID, func(x, y int) int { return cmp.Compare(steps[x].Level, steps[y].Level) })
	permute(steps, byID)
	return nil
}

// permute puts steps in the order of idx (position k receives the step at idx[k]), moving each step once;
// idx is used up.
func permute(steps []plans.Step, idx []int) {
	for i := range idx {
		if idx[i] < 0 {
			continue
		}
		tmp := steps[i]
		j := i
		for {
			k := idx[j]
			idx[j] = -1
			if k == i {
				steps[j] = tmp
				break
			}
			steps[j] = steps[k]
			j = k
		}
	}
}

// cycleError names the steps of each cycle dag.New found: the steps of each strongly connected component,
// by id.
func cycleError(steps []plans.Step, byID []int, err error) error {
	var ce *dag.CycleError
	if !errors.As(err, &ce) {
		return fmt.Errorf("planner: ordering the steps: %w", err)
	}
	var cycles []string
	for _, comp := range ce.Components {
		ids := make([]string, len(comp))
		for k, r := range comp {
			ids[k] = steps[byID[r]].ID
		}
		slices.Sort(ids)
		cycles = append(cycles, strings.Join(ids, ", "))
	}
	return fmt.Errorf("planner: the dependencies form a cycle, so no order can satisfy them (is the snapshot consistent?): %s", strings.Join(cycles, "; "))
}
