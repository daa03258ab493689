package collect_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ipam-teardown/ipam-teardown/internal/cloudapi"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
	"github.com/ipam-teardown/ipam-teardown/inventory"
	"github.com/ipam-teardown/ipam-teardown/inventory/collect"
)

func TestCollectSandboxOwner(t *testing.T) {
	t.Parallel()
	sim, refs := newSim(t, loadTopology(t, "sandbox.yaml"))
	api := &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}
	snap := collectAll(t, api, inventory.Selector{All: true})

	if snap.AccountID != owner || snap.Region != hangzhou {
		t.Fatalf("account %s region %s", snap.AccountID, snap.Region)
	}
	if len(snap.IPAMs) != 1 {
		t.Fatalf("IPAMs = %d, want 1", len(snap.IPAMs))
	}
	ip := snap.IPAMs[0]
	if ip.ID != refs["ipam/sandbox"] || ip.OwnerID != owner || ip.Name != "sandbox" || ip.Tags["env"] != "sandbox" || !ip.CreateTime.Equal(epoch) {
		t.Errorf("IPAM = %+v", ip)
	}
	if !slices.Equal(ip.OperatingRegions, []string{"cn-hangzhou", "cn-shanghai"}) {
		t.Errorf("operating regions %v", ip.OperatingRegions)
	}
	// Scopes: the two defaults and the custom one.
	var custom, defaults int
	for _, sc := range ip.Scopes {
		if sc.IPAMID != ip.ID || sc.OwnerID != owner {
			t.Errorf("scope %+v", sc)
		}
		if sc.IsDefault {
			defaults++
		} else if sc.ID == refs["scope/sandbox-prod"] && sc.Tags["env"] == "prod" {
			custom++
		}
	}
	if defaults != 2 || custom != 1 || len(ip.Scopes) != 3 {
		t.Errorf("scopes %+v", ip.Scopes)
	}
	// The pool tree: parent links and depths.
	tree := map[string]struct {
		parent string
		depth  int
	}{
		"corp": {"", 0}, "prod-hz": {"corp", 1}, "prod-sh": {"corp", 1},
		"prod-hz-app": {"prod-hz", 2}, "prod-hz-db": {"prod-hz", 2}, "prod-sh-app": {"prod-sh", 2},
	}
	if len(ip.Pools) != len(tree) {
		t.Errorf("pools = %d, want %d", len(ip.Pools), len(tree))
	}
	for name, want := range tree {
		p := poolByName(t, ip.Pools, name)
		wantParent := ""
		if want.parent != "" {
			wantParent = refs["pool/"+want.parent]
		}
		if p.ID != refs["pool/"+name] || p.ParentID != wantParent || p.Depth != want.depth || p.ScopeID != refs["scope/sandbox-prod"] ||
			p.OwnerID != owner || p.IsShared || p.IPAMID != ip.ID {
			t.Errorf("pool %s = %+v", name, p)
		}
	}
	if p := poolByName(t, ip.Pools, "prod-sh"); p.PoolRegionID != "cn-shanghai" || !p.HasSubPool {
		t.Errorf("prod-sh region %q has_sub_pool %v", p.PoolRegionID, p.HasSubPool)
	}
	// CIDRs and allocations with type, resource, owner and region.
	corp := poolByName(t, ip.Pools, "corp")
	if len(corp.CIDRs) != 1 || corp.CIDRs[0].CIDR != "10.0.0.0/8" {
		t.Errorf("corp CIDRs %+v", corp.CIDRs)
	}
	kinds := map[string]int{}
	for _, a := range corp.Allocations {
		kinds[a.ResourceType]++
		if a.ResourceType == inventory.AllocationIpamPool && a.ResourceID != refs["pool/prod-hz"] && a.ResourceID != refs["pool/prod-sh"] {
			t.Errorf("corp IpamPool allocation to %s", a.ResourceID)
		}
		if a.ResourceType == inventory.AllocationCustom && a.CIDR != "10.255.0.0/16" {
			t.Errorf("corp custom allocation %+v", a)
		}
	}
	if kinds[inventory.AllocationIpamPool] != 2 || kinds[inventory.AllocationCustom] != 1 {
		t.Errorf("corp allocations %+v", corp.Allocations)
	}
	app := poolByName(t, ip.Pools, "prod-hz-app")
	var vpcAllocs int
	for _, a := range app.Allocations {
		if a.ResourceType == inventory.AllocationVPC && a.ResourceID == refs["vpc/app-vpc"] && a.ResourceOwnerID == apps {
			vpcAllocs++
		}
	}
	if vpcAllocs != 2 {
		t.Errorf("prod-hz-app: want the app account's VPC primary and secondary blocks, got %+v", app.Allocations)
	}
	db := poolByName(t, ip.Pools, "prod-hz-db")
	kinds = map[string]int{}
	for _, a := range db.Allocations {
		kinds[a.ResourceType]++
	}
	if kinds[inventory.AllocationVPC] != 1 || kinds[inventory.AllocationCustom] != 1 {
		t.Errorf("prod-hz-db allocations %+v", db.Allocations)
	}
	// Rule 22: allocation listings go to the pool's region.
	for _, p := range ip.Pools {
		for _, a := range p.Allocations {
			want := hangzhou
			if p.PoolRegionID != "" {
				want = p.PoolRegionID
			}
			if a.RegionID != want {
				t.Errorf("allocation %s of %s: region %s, want %s", a.ID, p.Name, a.RegionID, want)
			}
		}
	}
	for _, c := range api.Recorded() {
		if c.Action == "ListIpamPoolAllocations" && c.Params["IpamPoolId"] == refs["pool/prod-sh"] && c.Region != "cn-shanghai" {
			t.Errorf("ListIpamPoolAllocations of prod-sh sent to %s", c.Region)
		}
		if c.Action == "ListIpamPoolCidrs" && c.Region != hangzhou {
			t.Errorf("ListIpamPoolCidrs sent to %s, want the IPAM region", c.Region)
		}
		if !strings.HasPrefix(c.Action, "List") && c.Action != "GetCallerIdentity" {
			t.Errorf("Collect made a non-read call %s", c.Action)
		}
		if strings.HasPrefix(c.Action, "List") && c.Params["MaxResults"] != "100" {
			t.Errorf("%s without MaxResults=100", c.Action)
		}
	}
	// Discoveries, the default association, members, shares.
	if len(snap.Discoveries) != 1 || snap.Discoveries[0].ID != ip.DefaultResourceDiscoveryID || snap.Discoveries[0].Type != "system" || snap.Discoveries[0].OwnerID != owner {
		t.Errorf("discoveries %+v (the cn-beijing discovery belongs to another region's snapshot)", snap.Discoveries)
	}
	if len(ip.Associations) != 1 || ip.Associations[0].DiscoveryID != ip.DefaultResourceDiscoveryID || ip.Associations[0].DiscoveryType != "system" {
		t.Errorf("associations %+v", ip.Associations)
	}
	wantMembers := []inventory.Member{{ID: apps, Type: "Account", Status: "Created"}, {ID: "fd-sandboxapps", Type: "Folder", Status: "Created"}}
	if diff := cmp.Diff(wantMembers, ip.Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	wantShares := []inventory.ShareAssociation{{ShareID: refs["share/app-pool-share"], ShareName: "app-pool-share", EntityID: refs["pool/prod-hz-app"], EntityType: "IpamPool", Status: "Associated"}}
	if diff := cmp.Diff(wantShares, snap.Shares); diff != "" {
		t.Errorf("shares (-want +got):\n%s", diff)
	}
	if len(snap.SharedPools) != 0 {
		t.Errorf("owner sees shared-with-me pools: %+v", snap.SharedPools)
	}

	// The cn-beijing discovery is in the cn-beijing snapshot, which holds no IPAM.
	bj := collectAll(t, &simAPI{Sim: sim, AccountID: owner, RegionID: "cn-beijing"}, inventory.Selector{All: true})
	if len(bj.IPAMs) != 0 || len(bj.Discoveries) != 1 || bj.Discoveries[0].ID != refs["discovery/beijing-discovery"] ||
		bj.Discoveries[0].Type != "custom" || bj.Discoveries[0].Tags["env"] != "sandbox" || bj.Discoveries[0].RegionID != "cn-beijing" {
		t.Errorf("cn-beijing snapshot: IPAMs %+v discoveries %+v", bj.IPAMs, bj.Discoveries)
	}
}

func TestCollectOwnerAndConsumerViews(t *testing.T) {
	t.Parallel()
	sim, refs := newSim(t, loadTopology(t, "multi-account.yaml"))
	own := collectAll(t, &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, inventory.Selector{All: true})
	con := collectAll(t, &simAPI{Sim: sim, AccountID: apps, RegionID: hangzhou}, inventory.Selector{All: true})

	// The owner: its IPAM with the shared pool, the foreign discovery shared with it and associated.
	if len(own.IPAMs) != 1 || own.IPAMs[0].ID != refs["ipam/core"] {
		t.Fatalf("owner IPAMs %+v", own.IPAMs)
	}
	core := own.IPAMs[0]
	shared := poolByName(t, core.Pools, "shared-apps")
	if shared.OwnerID != owner || shared.IsShared {
		t.Errorf("owner's shared-apps %+v", shared)
	}
	var consumerAllocs int
	for _, a := range shared.Allocations {
		if a.ResourceOwnerID != owner {
			consumerAllocs++
		}
	}
	if consumerAllocs != 5 { // apps: reservation + 2 VPCs; data: VPC + secondary block
		t.Errorf("owner sees %d consumer allocations in shared-apps, want 5: %+v", consumerAllocs, shared.Allocations)
	}
	disc := findDiscovery(own.Discoveries, refs["discovery/apps-discovery"])
	if disc == nil || disc.OwnerID != apps || disc.ShareType != "Shared" || disc.Type != "custom" {
		t.Errorf("owner's view of apps-discovery %+v", disc)
	}
	var assoc bool
	for _, a := range core.Associations {
		if a.DiscoveryID == refs["discovery/apps-discovery"] && a.OwnerID == apps && a.DiscoveryType == "custom" {
			assoc = true
		}
	}
	if !assoc {
		t.Errorf("core associations %+v lack apps-discovery", core.Associations)
	}
	if len(own.Shares) != 1 || own.Shares[0].EntityID != shared.ID || own.Shares[0].ShareID != refs["share/apps-share"] {
		t.Errorf("owner shares %+v", own.Shares)
	}
	v6 := poolByName(t, core.Pools, "core-v6")
	if v6.IPVersion != "IPv6" || len(v6.Allocations) != 1 || v6.Allocations[0].ResourceType != inventory.AllocationVPC {
		t.Errorf("core-v6 %+v", v6)
	}

	// The consumer: no IPAM, the pool shared with it, its own discovery being shared, its own share only.
	if len(con.IPAMs) != 0 {
		t.Errorf("consumer IPAMs %+v", con.IPAMs)
	}
	if len(con.SharedPools) != 1 {
		t.Fatalf("consumer shared pools %+v", con.SharedPools)
	}
	sp := con.SharedPools[0]
	if sp.ID != shared.ID || !sp.IsShared || sp.OwnerID != owner || sp.IPAMID != core.ID {
		t.Errorf("consumer's view of shared-apps %+v", sp)
	}
	var mine int
	for _, a := range sp.Allocations {
		if a.ResourceOwnerID == apps {
			mine++
		}
	}
	if mine != 3 {
		t.Errorf("consumer sees %d of its own allocations, want 3: %+v", mine, sp.Allocations)
	}
	cd := findDiscovery(con.Discoveries, refs["discovery/apps-discovery"])
	if cd == nil || cd.OwnerID != apps || cd.ShareType != "Sharing" {
		t.Errorf("consumer's view of its discovery %+v", cd)
	}
	if len(con.Shares) != 1 || con.Shares[0].ShareID != refs["share/apps-discovery-share"] || con.Shares[0].EntityType != "IpamResourceDiscovery" {
		t.Errorf("consumer shares %+v", con.Shares)
	}
	if own.Fingerprint() == con.Fingerprint() {
		t.Error("owner and consumer snapshots have the same fingerprint")
	}
}

func findDiscovery(ds []inventory.ResourceDiscovery, id string) *inventory.ResourceDiscovery {
	for i := range ds {
		if ds[i].ID == id {
			return &ds[i]
		}
	}
	return nil
}

func TestCollectSelectors(t *testing.T) {
	t.Parallel()
	sim, refs := newSim(t, loadTopology(t, "sandbox.yaml"))
	api := &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}
	id := refs["ipam/sandbox"]
	tests := []struct {
		name    string
		sel     inventory.Selector
		want    int
		wantErr string
	}{
		{"by id", inventory.Selector{IPAMIDs: []string{id}}, 1, ""},
		{"by tag", inventory.Selector{Tags: map[string]string{"env": "sandbox", "owner": "network-team"}}, 1, ""},
		{"tag mismatch", inventory.Selector{Tags: map[string]string{"env": "prod"}}, 0, ""},
		{"by name", inventory.Selector{Name: "sandbox"}, 1, ""},
		{"older than its age", inventory.Selector{OlderThan: inventory.Duration(2 * time.Hour)}, 0, ""},
		{"younger than its age", inventory.Selector{OlderThan: inventory.Duration(30 * time.Minute)}, 1, ""},
		{"unknown id", inventory.Selector{IPAMIDs: []string{"ipam-doesnotexist"}}, 0, "ipam-doesnotexist not found"},
		{"id excluded by tag", inventory.Selector{IPAMIDs: []string{id}, Tags: map[string]string{"env": "prod"}}, 0, "not found"},
		{"empty", inventory.Selector{}, 0, "empty selector"},
		{"all and a filter", inventory.Selector{All: true, Name: "x"}, 0, "cannot be combined"},
		{"not an id", inventory.Selector{IPAMIDs: []string{"pool-1"}}, 0, "not an IPAM id"},
	}
	for _, tt := range tests {
		snap, err := collect.Collect(context.Background(), api, tt.sel, collect.Options{Now: func() time.Time { return epoch.Add(time.Hour) }})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(snap.IPAMs) != tt.want {
			t.Errorf("%s: %d IPAMs, want %d", tt.name, len(snap.IPAMs), tt.want)
		}
	}
}

// TestCollectLongLists: pool, allocation and CIDR listings longer than two pages come back whole.
func TestCollectLongLists(t *testing.T) {
	t.Parallel()
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 320, Depth: 2, FanOut: 50, AllocationsPerPool: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	sim, refs := newSim(t, topo)
	api := &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}
	snap := collectAll(t, api, inventory.Selector{All: true})
	var pools []inventory.Pool
	for _, ip := range snap.IPAMs {
		pools = append(pools, ip.Pools...)
	}
	wantPools := 0
	for k := range refs {
		if strings.HasPrefix(k, "pool/") {
			wantPools++
		}
	}
	if len(pools) != 320 || wantPools != 320 {
		t.Fatalf("pools = %d (refs %d), want 320", len(pools), wantPools)
	}
	seen := map[string]bool{}
	for _, p := range pools {
		if seen[p.ID] {
			t.Errorf("pool %s twice", p.ID)
		}
		seen[p.ID] = true
		if p.ParentID != "" && !seen[p.ParentID] && !slices.ContainsFunc(pools, func(q inventory.Pool) bool { return q.ID == p.ParentID }) {
			t.Errorf("pool %s: parent %s not collected", p.ID, p.ParentID)
		}
	}
	var pages int
	for _, c := range api.Recorded() {
		if c.Action == "ListIpamPools" && c.Params["NextToken"] != "" {
			pages++
		}
	}
	if pages < 2 {
		t.Errorf("only %d follow-up pages of ListIpamPools: the test does not exercise paging", pages)
	}
}

// TestCollectGenerated10k collects a generated topology of about 10,000 resources (pools, CIDRs, allocations).
func TestCollectGenerated10k(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 resources")
	}
	t.Parallel()
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 2000, Depth: 2, FanOut: 24, AllocationsPerPool: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sim, _ := newSim(t, topo)
	var progress bytes.Buffer
	api := &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}
	snap, err := collect.Collect(context.Background(), api, inventory.Selector{All: true}, collect.Options{Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	var pools, cidrs, allocs int
	for _, ip := range snap.IPAMs {
		pools += len(ip.Pools)
		for _, p := range ip.Pools {
			cidrs += len(p.CIDRs)
			allocs += len(p.Allocations)
		}
	}
	total := pools + cidrs + allocs
	t.Logf("%d IPAM(s), %d pools, %d CIDRs, %d allocations = %d resources in %d calls", len(snap.IPAMs), pools, cidrs, allocs, total, len(api.Recorded()))
	if pools != 2000 || total < 10000 {
		t.Errorf("collected %d pools, %d resources; want 2000 pools and at least 10,000 resources", pools, total)
	}
	if !strings.Contains(progress.String(), "done in ") {
		t.Errorf("progress lacks the final line:\n%s", progress.String())
	}
}

var _ collect.API = (*cloudapi.Client)(nil)

// TestCollectProgressAtMostEveryTick: the long phase (two listings a pool) says how far it got, with counts,
// at most every ProgressEvery; the last line says how long the listing took. The clock is the call count: each
// call takes a second.
func TestCollectProgressAtMostEveryTick(t *testing.T) {
	topo, err := topology.Generate(topology.GenerateOptions{Pools: 60, Depth: 2, FanOut: 8, AllocationsPerPool: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sim, _ := newSim(t, topo)
	api := &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return t0.Add(time.Duration(len(api.Recorded())) * time.Second) }
	var progress bytes.Buffer
	if _, err := collect.Collect(t.Context(), api, inventory.Selector{All: true}, collect.Options{Parallelism: 1, Progress: &progress, Now: now}); err != nil {
		t.Fatal(err)
	}
	var counts []string
	for _, line := range strings.Split(progress.String(), "\n") {
		if strings.Contains(line, "CIDRs and allocations listed for") {
			counts = append(counts, line)
		}
	}
	calls := len(api.Recorded())
	if len(counts) == 0 || len(counts) > calls/int(collect.ProgressEvery/time.Second)+1 {
		t.Errorf("%d count lines for %d calls of a second each; want at least one and at most one every %v:\n%s", len(counts), calls, collect.ProgressEvery, progress.String())
	}
	if want := fmt.Sprintf("done in %s:", time.Duration(calls)*time.Second); !strings.Contains(progress.String(), want) {
		t.Errorf("the last line does not say %q:\n%s", want, progress.String())
	}
}
