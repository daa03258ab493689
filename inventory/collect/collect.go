// Package collect is the SDK side of the inventory: it lists what exists under the selected IPAMs through
// the cloud API and returns it as an inventory.Snapshot. It is kept apart from package inventory so that the
// snapshot model (and everything that only reads snapshots and plans) links no SDK.
package collect

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// API is what Collect needs of the cloud: reads with retries, the region, and who is calling.
type API interface {
	Read(ctx context.Context, call cloudapi.Call) (map[string]any, error)
	Region() string
	CallerAccount(ctx context.Context) (string, error)
}

// Options tune Collect.
type Options struct {
	Parallelism int       // concurrent calls; 0: DefaultParallelism
	Progress    io.Writer // one line per finished listing phase, and counts at most every ProgressEvery; nil: none
	Now         func() time.Time
}

// ProgressEvery is how often, at most, the listing of pools' CIDRs and allocations (the long phase: two
// listings a pool) says how far it got.
const ProgressEvery = 10 * time.Second

// DefaultParallelism bounds concurrent listing calls; the client's token bucket bounds their rate.
const DefaultParallelism = 8

// pageSize is the largest MaxResults every listing used here accepts (reference 1.8).
const pageSize = "100"

// Collect lists everything under the IPAMs sel selects in api's region, as the calling account sees it. It
// makes only read calls. Listings run in phases (IPAMs; then scopes, associations and the region-wide lists;
// then pools per scope; then CIDRs and allocations per pool), each phase bounded-parallel.
func Collect(ctx context.Context, api API, sel inventory.Selector, opts Options) (*inventory.Snapshot, error) {
	if err := sel.Validate(); err != nil {
		return nil, err
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = DefaultParallelism
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &collector{api: api, region: api.Region(), opts: opts, start: opts.Now()}
	c.last = c.start
	account, err := api.CallerAccount(ctx)
	if err != nil {
		return nil, fmt.Errorf("inventory: caller account: %w", err)
	}
	snap := &inventory.Snapshot{Region: c.region, AccountID: account, Selector: sel, CollectedAt: opts.Now().UTC().Truncate(time.Second)}

	ipams, err := c.selectIPAMs(ctx, sel, opts.Now())
	if err != nil {
		return nil, err
	}
	c.progress("%d IPAM(s) selected in %s", len(ipams), c.region)

	// Phase 1: per IPAM scopes and associations; region-wide discoveries, members, shared pools, shares.
	var members []inventory.Member
	var sharedPools []inventory.Pool
	var rawShares []inventory.ShareAssociation
	g := c.group(ctx)
	for i := range ipams {
		ip := &ipams[i]
		g.Go(func() error {
			scopes, err := c.scopes(g.ctx, ip.ID)
			ip.Scopes = scopes
			return err
		})
		g.Go(func() error {
			as, err := c.associations(g.ctx, ip.ID)
			ip.Associations = as
			return err
		})
	}
	g.Go(func() error {
		var err error
		snap.Discoveries, err = c.discoveries(g.ctx)
		return err
	})
	g.Go(func() error {
		var err error
		members, err = c.members(g.ctx)
		return err
	})
	g.Go(func() error {
		var err error
		sharedPools, err = c.pools(g.ctx, cloudapi.Call{Params: map[string]string{"IsShared": "true"}}, account)
		return err
	})
	g.Go(func() error {
		var err error
		rawShares, err = c.shares(g.ctx)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	nScopes := 0
	for _, ip := range ipams {
		nScopes += len(ip.Scopes)
	}
	c.progress("%d scope(s), %d discovery(ies), %d member(s), %d pool(s) shared with %s", nScopes, len(snap.Discoveries), len(members), len(sharedPools), account)

	// Phase 2: the pool tree of every scope.
	g = c.group(ctx)
	scopePools := make([][][]inventory.Pool, len(ipams))
	for i := range ipams {
		ip := &ipams[i]
		scopePools[i] = make([][]inventory.Pool, len(ip.Scopes))
		for j, sc := range ip.Scopes {
			g.Go(func() error {
				ps, err := c.pools(g.ctx, cloudapi.Call{Params: map[string]string{"IpamScopeId": sc.ID}, Resource: sc.ID}, account)
				scopePools[i][j] = ps
				return err
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var all []*inventory.Pool // every pool whose CIDRs and allocations are listed next
	nPools := 0
	for i := range ipams {
		ip := &ipams[i]
		for _, ps := range scopePools[i] {
			for _, p := range ps {
				if p.IPAMID == ip.ID {
					ip.Pools = append(ip.Pools, p)
				}
			}
		}
		setDepths(ip.Pools)
		nPools += len(ip.Pools)
		for k := range ip.Pools {
			all = append(all, &ip.Pools[k])
		}
		if ip.OwnerID == account {
			ip.Members = members // members are account-level: they belong to the caller's one IPAM of the region
		}
	}
	setDepths(sharedPools)
	for k := range sharedPools {
		all = append(all, &sharedPools[k])
	}
	c.progress("%d pool(s) in the selected IPAMs", nPools)

	// Phase 3: CIDRs and allocations of every pool.
	g = c.group(ctx)
	var done atomic.Int64
	for _, p := range all {
		g.Go(func() error {
			cidrs, err := c.poolCIDRs(g.ctx, p)
			p.CIDRs = cidrs
			return err
		})
		g.Go(func() error {
			allocs, err := c.allocations(g.ctx, p)
			p.Allocations = allocs
			if n := done.Add(1); c.due() {
				c.progress("CIDRs and allocations listed for %d/%d pool(s), %d call(s) so far", n, len(all), c.calls.Load())
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	snap.IPAMs = ipams
	snap.SharedPools = sharedPools
	snap.Shares = ownedShares(rawShares, snap)
	snap.Canonicalize()
	c.progress("done in %s: %d IPAM(s), %d pool(s), %d call(s)", c.opts.Now().Sub(c.start).Round(time.Millisecond), len(ipams), nPools, c.calls.Load())
	return snap, nil
}

// IPAMNotFoundError is Collect's answer to a Selector.IPAMIDs id that ListIpams does not return: a typo, an
// IPAM of another region or account, or one the selector's other fields leave out.
type IPAMNotFoundError struct{ ID, Region string }

func (e *IPAMNotFoundError) Error() string {
	return fmt.Sprintf("inventory: IPAM %s not found in region %s (or not visible to this account, or excluded by the other selector fields)", e.ID, e.Region)
}

type collector struct {
	api    API
	region string
	opts   Options
	calls  atomic.Int64
	start  time.Time
	mu     sync.Mutex // serialises progress lines; guards last
	last   time.Time  // of the last line
}

// due reports whether ProgressEvery has passed since the last line (and, if so, counts this one as said).
func (c *collector) due() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.opts.Now()
	if now.Sub(c.last) < ProgressEvery {
		return false
	}
	c.last = now
	return true
}

func (c *collector) progress(format string, args ...any) {
	if c.opts.Progress == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = c.opts.Now()
	fmt.Fprintf(c.opts.Progress, "inventory: "+format+"\n", args...)
}

// limitedGroup is a bounded errgroup whose tasks use its context: the first failure cancels the rest, since
// a snapshot with a hole in it is worse than none.
type limitedGroup struct {
	*errgroup.Group
	ctx context.Context
}

func (c *collector) group(ctx context.Context) limitedGroup {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opts.Parallelism)
	return limitedGroup{g, gctx}
}

// maxPages bounds one listing: a token stream that never repeats but never ends is still a broken listing.
const maxPages = 100000

// list reads every page of a listing and returns the items under key.
//
// Every page must carry key: an absent key is an error, not an empty page, so that a renamed key cannot make
// resources vanish from the snapshot (and so from the plan) without a word. The service, like the emulator,
// sends an empty list as [] under its key; null is read as empty too. The SDK's typed response models tag
// every list omitempty, so a typed answer would lose an empty list's key; cloudapi hands over the whole answer
// body instead, on the typed path as on the generic one (TestWireEmptyListsKeepTheirKey checks both on the
// wire). Where the answers count their rows (TotalCount), the rows collected must add up to the last page's
// count. A NextToken seen before in the same listing, not only on the previous page, is an error: the
// listing would loop.
func (c *collector) list(ctx context.Context, call cloudapi.Call, key string) ([]map[string]any, error) {
	what := describe(call)
	var items []map[string]any
	seen := map[string]bool{}
	total := -1 // TotalCount of the latest page; -1 until one is read
	next := ""
	for page := 1; ; page++ {
		if page > maxPages {
			return nil, fmt.Errorf("inventory: %s: more than %d pages; the listing does not end", what, maxPages)
		}
		params := make(map[string]string, len(call.Params)+2)
		for k, v := range call.Params {
			params[k] = v
		}
		params["MaxResults"] = pageSize
		if next != "" {
			params["NextToken"] = next
		}
		pc := call
		pc.Params = params
		c.calls.Add(1)
		out, err := c.api.Read(ctx, pc)
		if err != nil {
			return nil, fmt.Errorf("inventory: %w", err)
		}
		raw, ok := out[key]
		if !ok {
			return nil, fmt.Errorf("inventory: %s: the answer to page %d has no %s (an empty listing still sends it); the API may have renamed it", what, page, key)
		}
		arr, ok := raw.([]any)
		if !ok && raw != nil {
			return nil, fmt.Errorf("inventory: %s: %s is %T, not a list", what, key, raw)
		}
		for _, it := range arr {
			m, ok := it.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("inventory: %s: an item of %s is %T, not an object", what, key, it)
			}
			items = append(items, m)
		}
		if counted(call) {
			v, ok := out["TotalCount"]
			if !ok {
				return nil, fmt.Errorf("inventory: %s: the answer to page %d has no TotalCount, which this listing documents; the API may have changed", what, page)
			}
			n, err := strconv.Atoi(str(v))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("inventory: %s: the answer to page %d has TotalCount %q, not a count of rows", what, page, str(v))
			}
			total = n
		}
		next = str(out["NextToken"])
		if next == "" {
			break
		}
		if seen[next] {
			return nil, fmt.Errorf("inventory: %s: page %d answered NextToken %q, which an earlier page of this listing already gave; the listing would never end", what, page, next)
		}
		seen[next] = true
	}
	if total >= 0 && len(items) != total {
		// Rows were dropped or doubled, or the listing changed while it was read: either way the snapshot
		// would not be what exists. Collecting again reads a settled listing.
		return nil, fmt.Errorf("inventory: %s: collected %d row(s) but the answer's TotalCount is %d", what, len(items), total)
	}
	return items, nil
}

// describe names a listing in an error: product, action, and the resource listed or else the filters.
func describe(call cloudapi.Call) string {
	what := call.Product + " " + call.Action
	if call.Resource != "" {
		return what + " of " + call.Resource
	}
	var filters []string
	for _, k := range sortedKeys(call.Params) {
		filters = append(filters, k+"="+call.Params[k])
	}
	if len(filters) > 0 {
		what += " with " + strings.Join(filters, ", ")
	}
	return what
}

// counted reports whether a listing's answers carry TotalCount (reference 1.8): every VpcIpam List* action
// but ListTagResources does; Resource Sharing's lists have no counts.
func counted(call cloudapi.Call) bool {
	return call.Product == cloudapi.ProductVpcIpam && call.Action != "ListTagResources"
}

func ipamCall(action string, params map[string]string, resource string) cloudapi.Call {
	return cloudapi.Call{Product: cloudapi.ProductVpcIpam, Action: action, Params: params, Resource: resource}
}

// selectIPAMs lists the region's IPAMs, filtered on the server by ids, name and tags, and here by age.
func (c *collector) selectIPAMs(ctx context.Context, sel inventory.Selector, now time.Time) ([]inventory.IPAM, error) {
	params := map[string]string{}
	if sel.Name != "" {
		params["IpamName"] = sel.Name
	}
	for i, k := range sortedKeys(sel.Tags) {
		params["Tags."+strconv.Itoa(i+1)+".Key"] = k
		params["Tags."+strconv.Itoa(i+1)+".Value"] = sel.Tags[k]
	}
	var rows []map[string]any
	if len(sel.IPAMIDs) == 0 {
		var err error
		if rows, err = c.list(ctx, ipamCall("ListIpams", params, ""), "Ipams"); err != nil {
			return nil, err
		}
	} else {
		for start := 0; start < len(sel.IPAMIDs); start += 100 { // IpamIds.N takes at most 100
			p := copyParams(params)
			for i, id := range sel.IPAMIDs[start:min(start+100, len(sel.IPAMIDs))] {
				p["IpamIds."+strconv.Itoa(i+1)] = id
			}
			r, err := c.list(ctx, ipamCall("ListIpams", p, strings.Join(sel.IPAMIDs, ",")), "Ipams")
			if err != nil {
				return nil, err
			}
			rows = append(rows, r...)
		}
	}
	var out []inventory.IPAM
	seen := map[string]bool{}
	for _, r := range rows {
		ip := inventory.IPAM{
			ID:                                    str(r["IpamId"]),
			Name:                                  str(r["IpamName"]),
			Description:                           str(r["IpamDescription"]),
			Status:                                str(r["IpamStatus"]),
			RegionID:                              str(r["RegionId"]),
			OperatingRegions:                      strList(r["OperatingRegionList"]),
			OwnerID:                               str(r["OwnerId"]),
			CreateTime:                            parseTime(r["CreateTime"]),
			PrivateDefaultScopeID:                 str(r["PrivateDefaultScopeId"]),
			PublicDefaultScopeID:                  str(r["PublicDefaultScopeId"]),
			DefaultResourceDiscoveryID:            str(r["DefaultResourceDiscoveryId"]),
			DefaultResourceDiscoveryAssociationID: str(r["DefaultResourceDiscoveryAssociationId"]),
			Tags:                                  tags(r["Tags"]),
		}
		if ip.RegionID == "" {
			ip.RegionID = c.region
		}
		if sel.OlderThan > 0 && (ip.CreateTime.IsZero() || now.Sub(ip.CreateTime) < time.Duration(sel.OlderThan)) {
			continue // an IPAM without a creation time is never "old enough": the stricter reading
		}
		if seen[ip.ID] {
			continue
		}
		seen[ip.ID] = true
		out = append(out, ip)
	}
	for _, id := range sel.IPAMIDs {
		if !seen[id] {
			return nil, &IPAMNotFoundError{ID: id, Region: c.region}
		}
	}
	return out, nil
}

func (c *collector) scopes(ctx context.Context, ipamID string) ([]inventory.Scope, error) {
	rows, err := c.list(ctx, ipamCall("ListIpamScopes", map[string]string{"IpamId": ipamID}, ipamID), "IpamScopes")
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Scope, 0, len(rows))
	for _, r := range rows {
		out = append(out, inventory.Scope{
			ID:        str(r["IpamScopeId"]),
			IPAMID:    str(r["IpamId"]),
			Name:      str(r["IpamScopeName"]),
			Type:      str(r["IpamScopeType"]),
			IsDefault: boolean(r["IsDefault"]),
			Status:    str(r["Status"]),
			OwnerID:   str(r["OwnerId"]),
			Tags:      tags(r["Tags"]),

			Description: str(r["IpamScopeDescription"]),
		})
	}
	return out, nil
}

func (c *collector) associations(ctx context.Context, ipamID string) ([]inventory.DiscoveryAssociation, error) {
	rows, err := c.list(ctx, ipamCall("ListIpamResourceDiscoveryAssociations", map[string]string{"IpamId": ipamID}, ipamID), "IpamResourceDiscoveryAssociations")
	if err != nil {
		return nil, err
	}
	out := make([]inventory.DiscoveryAssociation, 0, len(rows))
	for _, r := range rows {
		out = append(out, inventory.DiscoveryAssociation{
			IPAMID:        str(r["IpamId"]),
			DiscoveryID:   str(r["IpamResourceDiscoveryId"]),
			DiscoveryType: str(r["IpamResourceDiscoveryType"]),
			OwnerID:       str(r["IpamResourceDiscoveryOwnerId"]),
			Status:        str(r["Status"]),
		})
	}
	return out, nil
}

func (c *collector) discoveries(ctx context.Context) ([]inventory.ResourceDiscovery, error) {
	rows, err := c.list(ctx, ipamCall("ListIpamResourceDiscoveries", nil, ""), "IpamResourceDiscoveries")
	if err != nil {
		return nil, err
	}
	out := make([]inventory.ResourceDiscovery, 0, len(rows))
	for _, r := range rows {
		out = append(out, inventory.ResourceDiscovery{
			ID:               str(r["IpamResourceDiscoveryId"]),
			Name:             str(r["IpamResourceDiscoveryName"]),
			Type:             str(r["Type"]),
			Status:           str(r["IpamResourceDiscoveryStatus"]),
			RegionID:         str(r["RegionId"]),
			OperatingRegions: strList(r["OperatingRegionList"]),
			OwnerID:          str(r["OwnerId"]),
			ShareType:        str(r["ShareType"]),
			Tags:             tags(r["Tags"]),
			CreateTime:       parseTime(r["CreateTime"]),
			Description:      str(r["IpamResourceDiscoveryDescription"]),
		})
	}
	return out, nil
}

func (c *collector) members(ctx context.Context) ([]inventory.Member, error) {
	rows, err := c.list(ctx, ipamCall("ListIpamMembers", nil, ""), "MemberInfos")
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Member, 0, len(rows))
	for _, r := range rows {
		out = append(out, inventory.Member{ID: str(r["MemberId"]), Type: str(r["MemberType"]), Status: str(r["Status"])})
	}
	return out, nil
}

// pools lists pools with the call's filters; CIDRs and allocations are filled later.
func (c *collector) pools(ctx context.Context, call cloudapi.Call, account string) ([]inventory.Pool, error) {
	rows, err := c.list(ctx, ipamCall("ListIpamPools", call.Params, call.Resource), "IpamPools")
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Pool, 0, len(rows))
	for _, r := range rows {
		p := inventory.Pool{
			ID:           str(r["IpamPoolId"]),
			IPAMID:       str(r["IpamId"]),
			ScopeID:      str(r["IpamScopeId"]),
			ParentID:     str(r["SourceIpamPoolId"]),
			Name:         str(r["IpamPoolName"]),
			IPVersion:    str(r["IpVersion"]),
			PoolRegionID: str(r["PoolRegionId"]),
			Status:       str(r["Status"]),
			OwnerID:      str(r["OwnerId"]),
			IsShared:     boolean(r["IsShared"]),
			HasSubPool:   boolean(r["HasSubPool"]),
			Tags:         tags(r["Tags"]),
		}
		if d, err := strconv.Atoi(str(r["PoolDepth"])); err == nil {
			p.Depth = d
		}
		poolSettings(&p, r)
		if p.OwnerID != "" && p.OwnerID != account {
			p.IsShared = true
		}
		out = append(out, p)
	}
	return out, nil
}

// setDepths recomputes each pool's depth from its parent links where the parent is in the list (a tree of
// the listing itself, so that depth and links never disagree); a pool whose parent is not listed keeps the
// depth the service reported.
func setDepths(pools []inventory.Pool) {
	byID := make(map[string]*inventory.Pool, len(pools))
	for i := range pools {
		byID[pools[i].ID] = &pools[i]
	}
	memo := map[string]int{}
	var depth func(p *inventory.Pool, guard int) int
	depth = func(p *inventory.Pool, guard int) int {
		if d, ok := memo[p.ID]; ok {
			return d
		}
		parent, ok := byID[p.ParentID]
		d := p.Depth
		switch {
		case p.ParentID == "":
			d = 0
		case ok && guard < len(pools):
			d = depth(parent, guard+1) + 1
		}
		memo[p.ID] = d
		return d
	}
	for i := range pools {
		pools[i].Depth = depth(&pools[i], 0)
	}
}

func (c *collector) poolCIDRs(ctx context.Context, p *inventory.Pool) ([]inventory.PoolCIDR, error) {
	rows, err := c.list(ctx, ipamCall("ListIpamPoolCidrs", map[string]string{"IpamPoolId": p.ID}, p.ID), "IpamPoolCidrs")
	if err != nil {
		return nil, err
	}
	out := make([]inventory.PoolCIDR, 0, len(rows))
	for _, r := range rows {
		out = append(out, inventory.PoolCIDR{CIDR: str(r["Cidr"]), Status: str(r["Status"])})
	}
	return out, nil
}

// allocations lists a pool's allocations in the pool's own region when it has one (reference rule 22).
func (c *collector) allocations(ctx context.Context, p *inventory.Pool) ([]inventory.Allocation, error) {
	region := p.PoolRegionID
	if region == "" {
		region = c.region
	}
	call := ipamCall("ListIpamPoolAllocations", map[string]string{"IpamPoolId": p.ID}, p.ID)
	call.Region = region
	rows, err := c.list(ctx, call, "IpamPoolAllocations")
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Allocation, 0, len(rows))
	for _, r := range rows {
		a := inventory.Allocation{
			ID:               str(r["IpamPoolAllocationId"]),
			PoolID:           str(r["IpamPoolId"]),
			CIDR:             str(r["Cidr"]),
			SourceCIDR:       str(r["SourceCidr"]),
			ResourceType:     str(r["ResourceType"]),
			ResourceID:       str(r["ResourceId"]),
			ResourceOwnerID:  str(r["ResourceOwnerId"]),
			ResourceRegionID: str(r["ResourceRegionId"]),
			RegionID:         region,
			Name:             str(r["IpamPoolAllocationName"]),
			Status:           str(r["Status"]),

			Description: str(r["IpamPoolAllocationDescription"]),
		}
		if a.PoolID == "" {
			a.PoolID = p.ID
		}
		out = append(out, a)
	}
	return out, nil
}

// shares lists the caller's Resource Sharing associations of type Resource once for the region; ownedShares
// keeps those of pools and discoveries in the snapshot.
func (c *collector) shares(ctx context.Context) ([]inventory.ShareAssociation, error) {
	call := cloudapi.Call{Product: cloudapi.ProductResourceSharing, Action: "ListResourceShareAssociations",
		Params: map[string]string{"AssociationType": "Resource"}}
	rows, err := c.list(ctx, call, "ResourceShareAssociations")
	if err != nil {
		return nil, err
	}
	out := make([]inventory.ShareAssociation, 0, len(rows))
	for _, r := range rows {
		switch str(r["AssociationStatus"]) {
		case "Disassociated", "Failed":
			continue
		}
		switch str(r["EntityType"]) {
		case "IpamPool", "IpamResourceDiscovery":
		default:
			continue
		}
		out = append(out, inventory.ShareAssociation{
			ShareID:    str(r["ResourceShareId"]),
			ShareName:  str(r["ResourceShareName"]),
			EntityID:   str(r["EntityId"]),
			EntityType: str(r["EntityType"]),
			Status:     str(r["AssociationStatus"]),
		})
	}
	return out, nil
}

// ownedShares keeps the share associations of the caller's pools in the selected IPAMs and of the caller's
// discoveries.
func ownedShares(all []inventory.ShareAssociation, s *inventory.Snapshot) []inventory.ShareAssociation {
	owned := map[string]bool{}
	for _, ip := range s.IPAMs {
		for _, p := range ip.Pools {
			if p.OwnerID == s.AccountID {
				owned[p.ID] = true
			}
		}
	}
	for _, d := range s.Discoveries {
		if d.OwnerID == s.AccountID {
			owned[d.ID] = true
		}
	}
	var out []inventory.ShareAssociation
	for _, sh := range all {
		if owned[sh.EntityID] {
			out = append(out, sh)
		}
	}
	return out
}

// poolSettings reads the settings a pool keeps only for export (its description, ISP, allocation masks and
// auto-import); a mask the answer leaves out or cannot be read stays zero, "not set".
func poolSettings(p *inventory.Pool, r map[string]any) {
	p.Description = str(r["IpamPoolDescription"])
	p.Ipv6Isp = str(r["Ipv6Isp"])
	p.AutoImport = boolean(r["AutoImport"])
	for key, dst := range map[string]*int{
		"AllocationMinCidrMask":     &p.AllocationMinMask,
		"AllocationMaxCidrMask":     &p.AllocationMaxMask,
		"AllocationDefaultCidrMask": &p.AllocationDefaultMask,
	} {
		if v, err := strconv.Atoi(str(r[key])); err == nil {
			*dst = v
		}
	}
}

// Helpers reading the answer maps (numbers are json.Number; ids stay exact).

func str(v any) string { return cloudapi.String(v) }

func boolean(v any) bool {
	b, _ := strconv.ParseBool(str(v))
	return b
}

func strList(v any) []string {
	arr, _ := v.([]any)
	var out []string
	for _, x := range arr {
		if s := str(x); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func tags(v any) inventory.Tags {
	arr, _ := v.([]any)
	if len(arr) == 0 {
		return nil
	}
	t := inventory.Tags{}
	for _, x := range arr {
		m, _ := x.(map[string]any)
		if k := str(m["Key"]); k != "" {
			t[k] = str(m["Value"])
		}
	}
	return t
}

func parseTime(v any) time.Time {
	s := str(v)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func copyParams(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
