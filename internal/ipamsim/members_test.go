package ipamsim

import (
	"fmt"
	"slices"
	"testing"
)

func members(kv ...string) map[string]string {
	out := p("RegionId", hz)
	for i := 0; i < len(kv); i += 2 {
		n := fmt.Sprint(i/2 + 1)
		out["Members."+n+".MemberId"] = kv[i]
		out["Members."+n+".MemberType"] = kv[i+1]
	}
	return out
}

// TestAddIpamMembersSeed003 drives every error code of seed 003 (AddIpamMembers).
func TestAddIpamMembersSeed003(t *testing.T) {
	t.Parallel()
	// A directory of 1,002 accounts: the three test accounts and a folder "fd-big" of 999 more.
	var big []string
	for i := range 999 {
		big = append(big, fmt.Sprintf("2000000000%06d", i))
	}
	dir := func(o *Options) {
		withDirectory(o)
		o.ResourceDirectory.Accounts = append(o.ResourceDirectory.Accounts, big...)
		o.ResourceDirectory.Folders["fd-big"] = big
	}
	tests := []struct {
		name    string
		mod     func(*Options)
		setup   func(t *testing.T, s *Sim)
		account string
		params  map[string]string
		code    string
	}{
		{
			name: "no resource directory", mod: func(*Options) {}, account: owner,
			params: members(other, "Account"), code: "OperationDenied.AccountNotRDEntity",
		},
		{
			name: "caller outside the directory", account: owner,
			mod: func(o *Options) {
				o.ResourceDirectory = &ResourceDirectory{DelegatedAdmin: other, Accounts: []string{other}}
			},
			params: members(another, "Account"), code: "OperationDenied.AccountNotRDEntity",
		},
		{
			name: "no delegated administrator", account: owner,
			mod:    func(o *Options) { withDirectory(o); o.ResourceDirectory.DelegatedAdmin = "" },
			params: members(other, "Account"), code: "OperationDenied.NoServicePrincipalAdminPrivileges",
		},
		{
			name: "not the delegated administrator", account: other,
			params: members(another, "Account"), code: "OperationDenied.NotDelegatedAdminAccount",
		},
		{
			name: "no IPAM in the region", account: owner, setup: func(t *testing.T, s *Sim) {},
			params: members(other, "Account"), code: "OperationDenied.IpamNotExist",
		},
		{
			name: "account id typed as folder", account: owner,
			params: members(other, "Folder"), code: "OperationDenied.MemberIdNotMatchMemberType",
		},
		{
			name: "folder id typed as account", account: owner,
			params: members("fd-team", "Account"), code: "OperationDenied.MemberIdNotMatchMemberType",
		},
		{
			name: "account outside the directory", account: owner,
			params: members("1999999999999999", "Account"), code: "OperationDenied.MemberIdNotMatchMemberType",
		},
		{
			name: "administrator as member", account: owner,
			params: members(owner, "Account"), code: "OperationDenied.DelegateAdminAsMember",
		},
		{
			name: "already a member", account: owner,
			setup: func(t *testing.T, s *Sim) {
				bareIpam(t, s, owner, hz)
				invoke(t, s, owner, ipamP, "AddIpamMembers", members(other, "Account"))
			},
			params: members(other, "Account"), code: "OperationDenied.MemberExistInIpamRDService",
		},
		{
			name: "account already managed through its folder", account: owner,
			setup: func(t *testing.T, s *Sim) {
				bareIpam(t, s, owner, hz)
				invoke(t, s, owner, ipamP, "AddIpamMembers", members("fd-team", "Folder"))
			},
			params: members(another, "Account"), code: "OperationDenied.MemberExistInIpamRDService",
		},
		{
			name: "listed twice", account: owner,
			params: members(other, "Account", other, "Account"), code: "OperationDenied.MemberExistInIpamRDService",
		},
		{
			name: "quota counts folder accounts", account: owner,
			params: members("fd-big", "Folder", "fd-team", "Folder"), code: "QuotaExceeded.MemberAccount",
		},
		{
			name: "member already shares its discovery with the administrator", account: owner,
			setup: func(t *testing.T, s *Sim) {
				bareIpam(t, s, owner, hz)
				rd := customDiscovery(t, s, another, hz)
				createShare(t, s, another, "to-admin", [][2]string{{shareDiscovery, rd}}, owner)
			},
			params: members("fd-team", "Folder"), code: "OperationDenied.IpamResourceDiscoveryAlreadySharedWithAdmin",
		},
		{
			name: "service enabled in another region", account: owner,
			setup: func(t *testing.T, s *Sim) {
				bareIpam(t, s, owner, hz)
				bareIpam(t, s, owner, sh)
				invoke(t, s, owner, ipamP, "AddIpamMembers", with(members(other, "Account"), "RegionId", sh))
			},
			params: members(another, "Account"), code: "OperationDenied.IpamRDServiceAlreadyEnabledInOtherRegion",
		},
		{
			name: "missing members", account: owner,
			params: p("RegionId", hz), code: "MissingParameter.Members",
		},
		{
			name: "unknown member type", account: owner,
			params: members(other, "User"), code: "IllegalParam.MemberType",
		},
		{
			name: "dry run passes", account: owner,
			params: with(members("fd-big", "Folder"), "DryRun", "true"), code: "DryRunOperation",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mod := tc.mod
			if mod == nil {
				mod = dir
			}
			s := newSim(t, mod)
			switch {
			case tc.setup != nil:
				tc.setup(t, s)
			default:
				bareIpam(t, s, owner, hz)
			}
			before := dump(t, s)
			wantCode(t, s, tc.account, ipamP, "AddIpamMembers", tc.params, 400, tc.code)
			if after := dump(t, s); string(before) != string(after) {
				t.Fatalf("a refused AddIpamMembers changed the state")
			}
		})
	}
}

// TestMembersLifecycle covers rule 13 and the list: members block DeleteIpam until removed; a folder of 999
// accounts plus one account fits the 1,000 quota exactly.
func TestMembersLifecycle(t *testing.T) {
	t.Parallel()
	var big []string
	for i := range 998 {
		big = append(big, fmt.Sprintf("2000000000%06d", i))
	}
	s := newSim(t, func(o *Options) {
		withDirectory(o)
		o.ResourceDirectory.Accounts = append(o.ResourceDirectory.Accounts, big...)
		o.ResourceDirectory.Folders["fd-big"] = big
	})
	ipamID, _ := bareIpam(t, s, owner, hz)
	add := members("fd-big", "Folder", "fd-team", "Folder") // 998 + 2 = 1,000 accounts
	wantDryRun(t, s, owner, ipamP, "AddIpamMembers", add)
	invoke(t, s, owner, ipamP, "AddIpamMembers", add)
	list := invoke(t, s, owner, ipamP, "ListIpamMembers", p("RegionId", hz))
	rows := items(t, list, "MemberInfos")
	if got := ids(rows, "MemberId"); !slices.Equal(got, []string{"fd-big", "fd-team"}) || list["TotalCount"] != 2 || str(rows[0], "MemberType") != "Folder" || str(rows[0], "Status") != "Created" {
		t.Fatalf("members = %v", list)
	}
	if rows := items(t, invoke(t, s, other, ipamP, "ListIpamMembers", p("RegionId", hz)), "MemberInfos"); len(rows) != 0 {
		t.Fatalf("a non-administrator lists members: %v", rows)
	}
	if rows := items(t, invoke(t, s, owner, ipamP, "ListIpamMembers", p("RegionId", hz, "MemberIds.1", "fd-team")), "MemberInfos"); len(rows) != 1 {
		t.Fatalf("MemberIds filter: %v", rows)
	}
	del := p("RegionId", hz, "IpamId", ipamID)
	wantCode(t, s, owner, ipamP, "DeleteIpam", del, 400, "DependencyViolation.IpamMembers")
	if s.memberCount(ipamID) != 2 {
		t.Fatalf("memberCount = %d, want 2", s.memberCount(ipamID))
	}

	wantCode(t, s, owner, ipamP, "RemoveIpamMembers", members(other, "Account"), 400, "OperationDenied.MemberNotExistInIpamRDService")
	wantCode(t, s, owner, ipamP, "RemoveIpamMembers", members("fd-team", "Account"), 400, "OperationDenied.MemberIdNotMatchMemberType")
	wantCode(t, s, other, ipamP, "RemoveIpamMembers", members("fd-team", "Folder"), 400, "OperationDenied.NotDelegatedAdminAccount")
	wantDryRun(t, s, owner, ipamP, "RemoveIpamMembers", members("fd-team", "Folder", "fd-big", "Folder"))
	invoke(t, s, owner, ipamP, "RemoveIpamMembers", members("fd-team", "Folder"))
	wantCode(t, s, owner, ipamP, "DeleteIpam", del, 400, "DependencyViolation.IpamMembers")
	invoke(t, s, owner, ipamP, "RemoveIpamMembers", members("fd-big", "Folder"))
	if s.memberCount(ipamID) != 0 {
		t.Fatalf("memberCount = %d after removing all, want 0", s.memberCount(ipamID))
	}
	invoke(t, s, owner, ipamP, "DeleteIpam", del)
}

// TestMemberCannotShareWithAdmin: the reverse of IpamResourceDiscoveryAlreadySharedWithAdmin: a managed
// member's discovery, shared with the administrator, cannot be associated with its IPAM (reference 4.7).
func TestMemberCannotShareWithAdmin(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory)
	ipamID, _ := bareIpam(t, s, owner, hz)
	invoke(t, s, owner, ipamP, "AddIpamMembers", members(other, "Account"))
	rd := customDiscovery(t, s, other, hz)
	createShare(t, s, other, "to-admin", [][2]string{{shareDiscovery, rd}}, owner)
	wantCode(t, s, owner, ipamP, "AssociateIpamResourceDiscovery", assocParams(ipamID, rd), 400, "OperationDenied.MemberExistInIpamRDService")
}

// TestMembersClientTokenReplay: a retried AddIpamMembers with the same token succeeds again without a
// second effect, where a retry without a token is refused as a duplicate.
func TestMembersClientTokenReplay(t *testing.T) {
	t.Parallel()
	s := newSim(t, withDirectory)
	bareIpam(t, s, owner, hz)
	add := with(members(other, "Account"), "ClientToken", "tok")
	invoke(t, s, owner, ipamP, "AddIpamMembers", add)
	invoke(t, s, owner, ipamP, "AddIpamMembers", add)
	wantCode(t, s, owner, ipamP, "AddIpamMembers", members(other, "Account"), 400, "OperationDenied.MemberExistInIpamRDService")
	if rows := items(t, invoke(t, s, owner, ipamP, "ListIpamMembers", p("RegionId", hz)), "MemberInfos"); len(rows) != 1 {
		t.Fatalf("members = %v, want one", rows)
	}
}
