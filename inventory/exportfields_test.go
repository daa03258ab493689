package inventory_test

import (
	"testing"

	"github.com/ipam-teardown/ipam-teardown/inventory"
)

// TestExportSettingsCollected checks that the collector keeps what export needs and teardown does not read:
// the descriptions below the IPAM, a pool's allocation masks and ISP (sandbox.yaml sets each of them).
func TestExportSettingsCollected(t *testing.T) {
	t.Parallel()
	sim, _ := newSim(t, loadTopology(t, "sandbox.yaml"))
	snap := collectAll(t, &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, inventory.Selector{All: true})
	ip := snap.IPAMs[0]
	pools := map[string]inventory.Pool{}
	for _, p := range ip.Pools {
		pools[p.Name] = p
	}
	scopeDesc := ""
	for _, sc := range ip.Scopes {
		if sc.Name == "sandbox-prod" {
			scopeDesc = sc.Description
		}
	}
	allocDesc := ""
	for _, a := range pools["corp"].Allocations {
		if a.Name == "corp-on-prem" {
			allocDesc = a.Description
		}
	}
	app := pools["prod-hz-app"]
	for _, c := range []struct{ what, got, want string }{
		{"scope sandbox-prod description", scopeDesc, "Production address space"},
		{"pool corp description", pools["corp"].Description, "Corporate address space"},
		{"allocation corp-on-prem description", allocDesc, "Reserved for the on-premises network"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if app.AllocationMinMask != 16 || app.AllocationMaxMask != 28 || app.AllocationDefaultMask != 24 {
		t.Errorf("prod-hz-app masks = %d/%d/%d, want 16/28/24", app.AllocationMinMask, app.AllocationMaxMask, app.AllocationDefaultMask)
	}
}

// TestFingerprintIgnoresExportSettings: a description or mask edited between plan and apply changes no step,
// so it must not change the fingerprint; a tag still does.
func TestFingerprintIgnoresExportSettings(t *testing.T) {
	t.Parallel()
	sim, _ := newSim(t, loadTopology(t, "sandbox.yaml"))
	snap := collectAll(t, &simAPI{Sim: sim, AccountID: owner, RegionID: hangzhou}, inventory.Selector{All: true})
	before := snap.Fingerprint()
	edited := *snap
	edited.IPAMs = []inventory.IPAM{snap.IPAMs[0]}
	edited.IPAMs[0].Pools = append([]inventory.Pool(nil), snap.IPAMs[0].Pools...)
	p := &edited.IPAMs[0].Pools[0]
	p.Description, p.AllocationMinMask, p.AutoImport = "edited", 9, true
	if got := edited.Fingerprint(); got != before {
		t.Errorf("a description, mask and auto-import edit changed the fingerprint: %s -> %s", before, got)
	}
	p.Tags = inventory.Tags{"edited": "yes"}
	if got := edited.Fingerprint(); got == before {
		t.Error("a tag edit left the fingerprint as it was")
	}
}
