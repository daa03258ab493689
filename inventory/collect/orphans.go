package collect

import (
	"context"
	"fmt"
	"time"

	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// IPAMs lists the IPAMs of api's region that sel selects (ids, tags, name, age), with their own fields and
// tags but nothing under them: what a scheduled cleanup needs to decide which IPAMs to collect in full. An id
// of sel that does not exist is an error, as in Collect.
func IPAMs(ctx context.Context, api API, sel inventory.Selector, opts Options) ([]inventory.IPAM, error) {
	if err := sel.Validate(); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &collector{api: api, region: api.Region(), opts: opts}
	return c.selectIPAMs(ctx, sel, opts.Now())
}

// Orphans returns a snapshot of api's region that holds only the caller's orphaned resource discoveries:
// custom ones it owns that no IPAM of the region is associated with and that are in no resource share (nor
// Deleting already). Planned with plans.Options.OrphanDiscoveries, the snapshot gives their deletions and
// nothing else. It lists every IPAM of the region and their associations, because a discovery associated
// with an IPAM that a cleanup did not select is not an orphan.
func Orphans(ctx context.Context, api API, opts Options) (*inventory.Snapshot, error) {
	if opts.Parallelism <= 0 {
		opts.Parallelism = DefaultParallelism
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &collector{api: api, region: api.Region(), opts: opts}
	account, err := api.CallerAccount(ctx)
	if err != nil {
		return nil, fmt.Errorf("inventory: caller account: %w", err)
	}
	ipams, err := c.selectIPAMs(ctx, inventory.Selector{All: true}, opts.Now())
	if err != nil {
		return nil, err
	}
	assoc := make([][]inventory.DiscoveryAssociation, len(ipams))
	var discoveries []inventory.ResourceDiscovery
	var shares []inventory.ShareAssociation
	g := c.group(ctx)
	for i := range ipams {
		g.Go(func() error {
			var err error
			assoc[i], err = c.associations(g.ctx, ipams[i].ID)
			return err
		})
	}
	g.Go(func() error {
		var err error
		discoveries, err = c.discoveries(g.ctx)
		return err
	})
	g.Go(func() error {
		var err error
		shares, err = c.shares(g.ctx)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, as := range assoc {
		for _, a := range as {
			used[a.DiscoveryID] = true
		}
	}
	for _, s := range shares {
		used[s.EntityID] = true
	}
	snap := &inventory.Snapshot{Region: c.region, AccountID: account, Selector: inventory.Selector{All: true},
		CollectedAt: opts.Now().UTC().Truncate(time.Second), IPAMs: []inventory.IPAM{}, Shares: []inventory.ShareAssociation{},
		SharedPools: []inventory.Pool{}, Discoveries: []inventory.ResourceDiscovery{}}
	for _, d := range discoveries {
		if d.Type != "custom" || d.OwnerID != account || d.ShareType != "" || used[d.ID] || d.Status == "Deleting" || d.Status == "Deleted" {
			continue
		}
		snap.Discoveries = append(snap.Discoveries, d)
	}
	snap.Canonicalize()
	c.progress("%d orphaned custom discovery(ies) in %s", len(snap.Discoveries), c.region)
	return snap, nil
}
