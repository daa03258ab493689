package ipamsim

import (
	"slices"
	"testing"
	"time"
)

// sharedRD builds: owner's bare IPAM in hz; other's custom discovery in hz shared with owner and associated
// with owner's IPAM. It returns the IPAM, owner's default discovery, other's discovery and the share.
func sharedRD(t *testing.T, s *Sim) (ipamID, defaultRD, rd, shareID string) {
	t.Helper()
	ipamID, defaultRD = bareIpam(t, s, owner, hz)
	rd = customDiscovery(t, s, other, hz)
	shareID = createShare(t, s, other, "rd-share", [][2]string{{shareDiscovery, rd}}, owner)
	invoke(t, s, owner, ipamP, "AssociateIpamResourceDiscovery", assocParams(ipamID, rd))
	return ipamID, defaultRD, rd, shareID
}

func assocParams(ipamID, rd string) map[string]string {
	return p("RegionId", hz, "IpamId", ipamID, "IpamResourceDiscoveryId", rd)
}

// TestDissociateSeed002 drives every error code of seed 002 (DissociateIpamResourceDiscovery).
func TestDissociateSeed002(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory)
	ipamID, defaultRD, rd, _ := sharedRD(t, s)
	anotherIpam, _ := bareIpam(t, s, another, hz)
	// owner's default discovery, shared with another: visible to another, not associated with its IPAM.
	createShare(t, s, owner, "default-rd", [][2]string{{shareDiscovery, defaultRD}}, another)
	tests := []struct {
		name    string
		account string
		params  map[string]string
		code    string
	}{
		{"missing ipam", owner, p("RegionId", hz, "IpamResourceDiscoveryId", rd), "MissingParameter.IpamId"},
		{"missing discovery", owner, p("RegionId", hz, "IpamId", ipamID), "MissingParameter.IpamResourceDiscoveryId"},
		{"unknown discovery", owner, assocParams(ipamID, "ipam-res-disco-nope"), "ResourceNotFound.IpamResourceDiscovery"},
		{"discovery not shared with the caller", another, assocParams(anotherIpam, rd), "ResourceNotFound.IpamResourceDiscovery"},
		{"discovery looked up from another region", owner, with(assocParams(ipamID, rd), "RegionId", sh), "ResourceNotFound.IpamResourceDiscovery"},
		{"unknown ipam", owner, assocParams("ipam-nope", rd), "ResourceNotFound.Ipam"},
		{"another account's ipam", another, assocParams(ipamID, defaultRD), "ResourceNotFound.Ipam"},
		{"no association", another, assocParams(anotherIpam, defaultRD), "ResourceNotFound.ResourceDiscoveryAssociation"},
		{"default discovery", owner, assocParams(ipamID, defaultRD), "OperationDenied.DissociateSelfSystemIpamResourceDiscovery"},
		{"dry run of the default discovery", owner, with(assocParams(ipamID, defaultRD), "DryRun", "true"), "OperationDenied.DissociateSelfSystemIpamResourceDiscovery"},
		{"dry run passes", owner, with(assocParams(ipamID, rd), "DryRun", "true"), "DryRunOperation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s, tc.account, ipamP, "DissociateIpamResourceDiscovery", tc.params, 400, tc.code)
		})
	}
	// The dry runs changed nothing: the association is still there, and a real call removes it.
	wantDryRun(t, s, owner, ipamP, "DissociateIpamResourceDiscovery", assocParams(ipamID, rd))
	invoke(t, s, owner, ipamP, "DissociateIpamResourceDiscovery", assocParams(ipamID, rd))
	wantCode(t, s, owner, ipamP, "DissociateIpamResourceDiscovery", assocParams(ipamID, rd), 400, "ResourceNotFound.ResourceDiscoveryAssociation")
	// Either side may dissociate (reference 3.6): the discovery's owner too.
	invoke(t, s, owner, ipamP, "AssociateIpamResourceDiscovery", assocParams(ipamID, rd))
	invoke(t, s, other, ipamP, "DissociateIpamResourceDiscovery", assocParams(ipamID, rd))
	if n := s.associationCount(ipamID); n != 1 {
		t.Fatalf("IPAM has %d associations after the owner side dissociated, want only the default one", n)
	}
}

// TestAssociateDiscovery: a foreign discovery can be associated only while shared with the caller, once,
// with one IPAM; the caller's IPAM must exist.
func TestAssociateDiscovery(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory)
	ipamID, _ := bareIpam(t, s, owner, hz)
	anotherIpam, _ := bareIpam(t, s, another, hz)
	rd := customDiscovery(t, s, other, hz)
	wantCode(t, s, owner, ipamP, "AssociateIpamResourceDiscovery", assocParams(ipamID, rd), 400, "Forbidden.IpResourceAccess")
	createShare(t, s, other, "rd", [][2]string{{shareDiscovery, rd}}, owner, another)
	wantCode(t, s, owner, ipamP, "AssociateIpamResourceDiscovery", assocParams("ipam-nope", rd), 400, "ResourceNotFound.Ipam")
	wantCode(t, s, owner, ipamP, "AssociateIpamResourceDiscovery", assocParams(ipamID, "ipam-res-disco-nope"), 400, "ResourceNotFound.IpamResourceDiscovery")
	wantDryRun(t, s, owner, ipamP, "AssociateIpamResourceDiscovery", assocParams(ipamID, rd))
	invoke(t, s, owner, ipamP, "AssociateIpamResourceDiscovery", assocParams(ipamID, rd))
	wantCode(t, s, owner, ipamP, "AssociateIpamResourceDiscovery", assocParams(ipamID, rd), 400, "OperationDenied.ResourceDiscoveryAlreadyAssociated")
	wantCode(t, s, another, ipamP, "AssociateIpamResourceDiscovery", assocParams(anotherIpam, rd), 400, "OperationDenied.ResourceDiscoveryAlreadyAssociated")
	list := items(t, invoke(t, s, owner, ipamP, "ListIpamResourceDiscoveryAssociations", p("RegionId", hz, "IpamId", ipamID)), "IpamResourceDiscoveryAssociations")
	if len(list) != 2 || str(list[1], "IpamResourceDiscoveryId") != rd || str(list[1], "IpamResourceDiscoveryOwnerId") != other || str(list[1], "IpamResourceDiscoveryType") != "custom" || str(list[1], "Status") != "Created" {
		t.Fatalf("associations = %v", list)
	}
}

// TestDefaultDiscoveryIsImplicit covers rule 14: the default discovery and its association exist from
// CreateIpam, cannot be dissociated or deleted on their own, and go with DeleteIpam.
func TestDefaultDiscoveryIsImplicit(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	ipamID, def := bareIpam(t, s, owner, hz)
	rows := items(t, invoke(t, s, owner, ipamP, "ListIpamResourceDiscoveries", p("RegionId", hz, "Type", "system")), "IpamResourceDiscoveries")
	if len(rows) != 1 || str(rows[0], "IpamResourceDiscoveryId") != def || rows[0]["OwnerId"] != ownerID(owner) || str(rows[0], "ShareType") != "" {
		t.Fatalf("system discoveries = %v, want the default %s owned by %s", rows, def, owner)
	}
	if rows := items(t, invoke(t, s, owner, ipamP, "ListIpamResourceDiscoveries", p("RegionId", hz, "Type", "custom")), "IpamResourceDiscoveries"); len(rows) != 0 {
		t.Fatalf("custom discoveries = %v, want none", rows)
	}
	assocs := items(t, invoke(t, s, owner, ipamP, "ListIpamResourceDiscoveryAssociations", p("RegionId", hz, "IpamId", ipamID)), "IpamResourceDiscoveryAssociations")
	if len(assocs) != 1 || str(assocs[0], "IpamResourceDiscoveryId") != def || str(assocs[0], "IpamResourceDiscoveryType") != "system" || str(assocs[0], "IpamResourceDiscoveryOwnerId") != owner {
		t.Fatalf("associations = %v", assocs)
	}
	wantCode(t, s, owner, ipamP, "DissociateIpamResourceDiscovery", assocParams(ipamID, def), 400, "OperationDenied.DissociateSelfSystemIpamResourceDiscovery")
	wantCode(t, s, owner, ipamP, "DeleteIpamResourceDiscovery", p("RegionId", hz, "IpamResourceDiscoveryId", def), 400, "OperationDenied.DeleteSystemIpamResourceDiscovery")
	invoke(t, s, owner, ipamP, "DeleteIpam", p("RegionId", hz, "IpamId", ipamID))
	if n := len(items(t, invoke(t, s, owner, ipamP, "ListIpamResourceDiscoveries", p("RegionId", hz)), "IpamResourceDiscoveries")); n != 0 {
		t.Fatalf("%d discoveries left after DeleteIpam, want 0", n)
	}
	if n := len(items(t, invoke(t, s, owner, ipamP, "ListIpamResourceDiscoveryAssociations", p("RegionId", hz)), "IpamResourceDiscoveryAssociations")); n != 0 {
		t.Fatalf("%d associations left after DeleteIpam, want 0", n)
	}
}

// TestCreateDiscovery: parameter checks, the one-per-region quota, and CreateIpam converting the region's
// custom discovery into its default one (reference 4.1).
func TestCreateDiscovery(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	wantCode(t, s, owner, ipamP, "CreateIpamResourceDiscovery", p("RegionId", hz), 400, "MissingParameter.OperatingRegionList")
	wantCode(t, s, owner, ipamP, "CreateIpamResourceDiscovery", p("RegionId", hz, "OperatingRegionList.1", sh), 400, "IllegalParam.OperatingRegionList")
	wantCode(t, s, owner, ipamP, "CreateIpamResourceDiscovery", p("RegionId", hz, "OperatingRegionList.1", "mars-1"), 400, "IllegalParam.OperatingRegionList")
	wantDryRun(t, s, owner, ipamP, "CreateIpamResourceDiscovery", p("RegionId", hz, "OperatingRegionList.1", hz))
	rd := str(invoke(t, s, owner, ipamP, "CreateIpamResourceDiscovery", p("RegionId", hz, "OperatingRegionList.1", hz, "IpamResourceDiscoveryName", "rd", "Tag.1.Key", "env", "Tag.1.Value", "dev")), "IpamResourceDiscoveryId")
	wantCode(t, s, owner, ipamP, "CreateIpamResourceDiscovery", p("RegionId", hz, "OperatingRegionList.1", hz), 400, "QuotaExceeded.IpamResourceDiscovery")
	rows := items(t, invoke(t, s, owner, ipamP, "ListIpamResourceDiscoveries", p("RegionId", hz, "Tags.1.Key", "env")), "IpamResourceDiscoveries")
	if len(rows) != 1 || str(rows[0], "IpamResourceDiscoveryName") != "rd" || str(rows[0], "Type") != "custom" || str(rows[0], "IpamResourceDiscoveryStatus") != "Created" {
		t.Fatalf("discoveries = %v", rows)
	}
	_, def := bareIpam(t, s, owner, hz)
	if def != rd || s.st.Discoveries[rd].Type != discoverySystem {
		t.Fatalf("default discovery = %s (%s), want the converted custom one %s", def, s.st.Discoveries[def].Type, rd)
	}
}

// TestDeleteDiscoveryOrder covers rules 15 and 16 in teardown order: an associated, shared custom discovery
// answers the association first, then the share; only its owner may delete it.
func TestDeleteDiscoveryOrder(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory)
	ipamID, _, rd, shareID := sharedRD(t, s)
	del := p("RegionId", hz, "IpamResourceDiscoveryId", rd)
	wantCode(t, s, owner, ipamP, "DeleteIpamResourceDiscovery", del, 400, "OperationDenied.Unauthorized")
	wantCode(t, s, other, ipamP, "DeleteIpamResourceDiscovery", del, 400, "DependencyViolation.ResourceDiscoveryAssociation")
	wantCode(t, s, other, ipamP, "DeleteIpamResourceDiscovery", with(del, "DryRun", "true"), 400, "DependencyViolation.ResourceDiscoveryAssociation")
	// Rule 12 meanwhile holds the IPAM.
	wantCode(t, s, owner, ipamP, "DeleteIpam", p("RegionId", hz, "IpamId", ipamID), 400, "OperationDenied.SharedResourceDiscoveryAssociated")
	invoke(t, s, owner, ipamP, "DissociateIpamResourceDiscovery", assocParams(ipamID, rd))
	wantCode(t, s, other, ipamP, "DeleteIpamResourceDiscovery", del, 400, "DependencyViolation.ShareResource")
	invoke(t, s, other, rsP, "DisassociateResourceShare", p("ResourceShareId", shareID, "Resources.1.ResourceId", rd, "Resources.1.ResourceType", shareDiscovery))
	wantDryRun(t, s, other, ipamP, "DeleteIpamResourceDiscovery", del)
	invoke(t, s, other, ipamP, "DeleteIpamResourceDiscovery", del)
	wantCode(t, s, other, ipamP, "DeleteIpamResourceDiscovery", del, 400, "ResourceNotFound.IpamResourceDiscovery")
	invoke(t, s, owner, ipamP, "DeleteIpam", p("RegionId", hz, "IpamId", ipamID))
}

// TestSharedDiscoveryViews: the consumer sees a shared discovery as Shared with its owner's OwnerId, the
// owner sees it as Sharing; unsharing removes the association with the consumer's IPAM (reference 5.1),
// which clears rule 12.
func TestSharedDiscoveryViews(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory)
	ipamID, _, rd, shareID := sharedRD(t, s)
	cons := items(t, invoke(t, s, owner, ipamP, "ListIpamResourceDiscoveries", p("RegionId", hz, "IsShared", "true")), "IpamResourceDiscoveries")
	if len(cons) != 1 || str(cons[0], "IpamResourceDiscoveryId") != rd || str(cons[0], "ShareType") != "Shared" || cons[0]["OwnerId"] != ownerID(other) {
		t.Fatalf("consumer view = %v", cons)
	}
	if own := items(t, invoke(t, s, owner, ipamP, "ListIpamResourceDiscoveries", p("RegionId", hz, "IsShared", "false")), "IpamResourceDiscoveries"); len(own) != 1 || str(own[0], "Type") != "system" {
		t.Fatalf("consumer's own discoveries = %v", own)
	}
	own := items(t, invoke(t, s, other, ipamP, "ListIpamResourceDiscoveries", p("RegionId", hz, "IpamResourceDiscoveryIds.1", rd)), "IpamResourceDiscoveries")
	if len(own) != 1 || str(own[0], "ShareType") != "Sharing" || str(own[0], "Type") != "custom" || own[0]["OwnerId"] != ownerID(other) {
		t.Fatalf("owner view = %v", own)
	}
	if a := items(t, invoke(t, s, other, ipamP, "ListIpamResourceDiscoveryAssociations", p("RegionId", hz)), "IpamResourceDiscoveryAssociations"); len(a) != 1 || str(a[0], "IpamId") != ipamID {
		t.Fatalf("the discovery owner's associations = %v", a)
	}
	if a := items(t, invoke(t, s, another, ipamP, "ListIpamResourceDiscoveryAssociations", p("RegionId", hz)), "IpamResourceDiscoveryAssociations"); len(a) != 0 {
		t.Fatalf("an unrelated account sees associations: %v", a)
	}
	invoke(t, s, other, rsP, "DeleteResourceShare", p("ResourceShareId", shareID))
	if a := items(t, invoke(t, s, owner, ipamP, "ListIpamResourceDiscoveryAssociations", p("RegionId", hz, "IpamResourceDiscoveryId", rd)), "IpamResourceDiscoveryAssociations"); len(a) != 0 {
		t.Fatalf("association survived the unshare: %v", a)
	}
	if n := len(items(t, invoke(t, s, owner, ipamP, "ListIpamResourceDiscoveries", p("RegionId", hz, "IsShared", "true")), "IpamResourceDiscoveries")); n != 0 {
		t.Fatalf("consumer still sees %d shared discoveries", n)
	}
	invoke(t, s, owner, ipamP, "DeleteIpam", p("RegionId", hz, "IpamId", ipamID))
}

// TestDefaultDiscoveryShared covers rules 11 and 17: an IPAM whose default discovery is shared cannot be
// deleted, and stays undeletable until the asynchronous disassociation has completed.
func TestDefaultDiscoveryShared(t *testing.T) {
	t.Parallel()
	s, clk := simClock(t, withDirectory, withDelay(30*time.Second))
	ipamID, def := bareIpam(t, s, owner, hz)
	shareID := createShare(t, s, owner, "default", [][2]string{{shareDiscovery, def}}, other)
	del := p("RegionId", hz, "IpamId", ipamID)
	wantCode(t, s, owner, ipamP, "DeleteIpam", del, 400, "DependencyViolation.ShareResource")
	invoke(t, s, owner, rsP, "DisassociateResourceShare", p("ResourceShareId", shareID, "Resources.1.ResourceId", def, "Resources.1.ResourceType", shareDiscovery))
	clk.advance(29 * time.Second)
	wantCode(t, s, owner, ipamP, "DeleteIpam", with(del, "DryRun", "true"), 400, "DependencyViolation.ShareResource")
	clk.advance(time.Second)
	wantDryRun(t, s, owner, ipamP, "DeleteIpam", del)
	invoke(t, s, owner, ipamP, "DeleteIpam", del)
}

// TestDiscoveryListFilters: the filters of ListIpamResourceDiscoveries and ListIpamResourceDiscoveryAssociations,
// region scoping, and paging with the VpcIpam range (1-100).
func TestDiscoveryListFilters(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory)
	rdHz := str(invoke(t, s, other, ipamP, "CreateIpamResourceDiscovery", p("RegionId", hz, "OperatingRegionList.1", hz, "IpamResourceDiscoveryName", "hz-rd", "ResourceGroupId", "rg-1")), "IpamResourceDiscoveryId")
	rdSh := customDiscovery(t, s, other, sh)
	list := func(params map[string]string) []string {
		t.Helper()
		return ids(items(t, invoke(t, s, other, ipamP, "ListIpamResourceDiscoveries", params), "IpamResourceDiscoveries"), "IpamResourceDiscoveryId")
	}
	cases := []struct {
		name   string
		params map[string]string
		want   []string
	}{
		{"region hz", p("RegionId", hz), []string{rdHz}},
		{"region sh", p("RegionId", sh), []string{rdSh}},
		{"by name", p("RegionId", hz, "IpamResourceDiscoveryName", "hz-rd"), []string{rdHz}},
		{"by other name", p("RegionId", hz, "IpamResourceDiscoveryName", "nope"), []string{}},
		{"by resource group", p("RegionId", hz, "ResourceGroupId", "rg-1"), []string{rdHz}},
		{"by id from the wrong region", p("RegionId", sh, "IpamResourceDiscoveryIds.1", rdHz), []string{}},
		{"own only", p("RegionId", hz, "IsShared", "false"), []string{rdHz}},
		{"shared only", p("RegionId", hz, "IsShared", "true"), []string{}},
	}
	for _, tc := range cases {
		if got := list(tc.params); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	wantCode(t, s, other, ipamP, "ListIpamResourceDiscoveries", p("RegionId", hz, "Type", "default"), 400, "IllegalParam.Type")
	wantCode(t, s, other, ipamP, "ListIpamResourceDiscoveries", p("RegionId", hz, "IsShared", "maybe"), 400, "IllegalParam.IsShared")
	wantCode(t, s, other, ipamP, "ListIpamResourceDiscoveries", p("RegionId", hz, "MaxResults", "101"), 400, "IllegalParam.MaxResults")
	wantCode(t, s, other, ipamP, "ListIpamResourceDiscoveryAssociations", p("RegionId", hz, "MaxResults", "0"), 400, "IllegalParam.MaxResults")
	out := invoke(t, s, other, ipamP, "ListIpamResourceDiscoveries", p("RegionId", hz, "MaxResults", "1"))
	if out["MaxResults"] != 1 || out["TotalCount"] != 1 || out["Count"] != 1 || str(out, "NextToken") != "" {
		t.Fatalf("page fields = %v", out)
	}
	// Associations are listed per region: other's IPAM in sh does not show from hz.
	invoke(t, s, another, ipamP, "CreateIpam", p("RegionId", sh, "OperatingRegionList.1", sh))
	if a := items(t, invoke(t, s, another, ipamP, "ListIpamResourceDiscoveryAssociations", p("RegionId", hz)), "IpamResourceDiscoveryAssociations"); len(a) != 0 {
		t.Fatalf("associations of cn-shanghai listed from cn-hangzhou: %v", a)
	}
	if a := items(t, invoke(t, s, another, ipamP, "ListIpamResourceDiscoveryAssociations", p("RegionId", sh)), "IpamResourceDiscoveryAssociations"); len(a) != 1 {
		t.Fatalf("associations in cn-shanghai = %v, want the default one", a)
	}
}

// TestConvertedDiscoveryLeavesForeignIpam: a custom discovery shared with and associated to another
// account's IPAM becomes its owner's default discovery when the owner creates an IPAM (reference 4.1); a
// discovery belongs to one IPAM only, so the foreign association goes.
func TestConvertedDiscoveryLeavesForeignIpam(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory)
	ipamID, _, rd, _ := sharedRD(t, s)
	_, def := bareIpam(t, s, other, hz)
	if def != rd {
		t.Fatalf("other's default discovery = %s, want its converted custom one %s", def, rd)
	}
	if n := s.associationCount(ipamID); n != 1 {
		t.Fatalf("owner's IPAM keeps %d associations, want only its default one", n)
	}
	// Still shared: owner's view says Shared, and other's IPAM cannot go while its default discovery is.
	wantCode(t, s, other, ipamP, "DeleteIpam", p("RegionId", hz, "IpamId", str(invoke(t, s, other, ipamP, "ListIpams", p("RegionId", hz))["Ipams"].([]map[string]any)[0], "IpamId")), 400, "DependencyViolation.ShareResource")
}
