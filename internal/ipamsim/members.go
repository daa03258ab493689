package ipamsim

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// IPAM members: accounts and folders of the resource directory that the delegated administrator's IPAM
// manages through the IPAM trusted service (seed 003; reference 2.10, 3.8, 4.8; rule 13).

// Member types.
const (
	memberAccount = "Account"
	memberFolder  = "Folder"
)

// maxMemberAccounts is the member-account quota of the trusted service; a folder counts every account in it
// (seed 003).
const maxMemberAccounts = 1000

// member is one account or folder managed by an IPAM through the trusted service. Removed members leave
// the state (DeleteIpam counts what is here, rule 13).
type member struct {
	Seq      int64     `json:"seq"`
	IpamID   string    `json:"ipam_id"`
	MemberID string    `json:"member_id"`
	Type     string    `json:"type"` // Account | Folder
	Status   string    `json:"status"`
	Created  time.Time `json:"created"`
}

func memberKey(ipamID, memberID string) string { return ipamID + " " + memberID }

func (s *Sim) registerMembers(m handlerSet) {
	p := wire.ProductVpcIpam
	m.add(p, "AddIpamMembers", s.addIpamMembers)
	m.add(p, "RemoveIpamMembers", s.removeIpamMembers)
	m.add(p, "ListIpamMembers", s.listIpamMembers)
}

// memberCount is the number of members DeleteIpam's DependencyViolation.IpamMembers check sees.
func (s *Sim) memberCount(ipamID string) int {
	n := 0
	for _, m := range s.st.Members {
		if m.IpamID == ipamID {
			n++
		}
	}
	return n
}

// managedAccounts returns the accounts an IPAM manages: its Account members and every account of its
// Folder members, without the delegated administrator itself.
func (s *Sim) managedAccounts(ipamID string) map[string]bool {
	out := map[string]bool{}
	rd := s.opts.ResourceDirectory
	for _, m := range s.st.Members {
		if m.IpamID != ipamID {
			continue
		}
		switch m.Type {
		case memberAccount:
			out[m.MemberID] = true
		case memberFolder:
			if rd != nil {
				for _, a := range rd.Folders[m.MemberID] {
					out[a] = true
				}
			}
		}
	}
	if rd != nil {
		delete(out, rd.DelegatedAdmin)
	}
	return out
}

// memberRef is one entry of a Members.N argument.
type memberRef struct{ id, typ string }

// parseMembers reads Members.N.MemberId / Members.N.MemberType.
func parseMembers(c *call) ([]memberRef, error) {
	objs := c.params.Objects("Members")
	if len(objs) == 0 {
		return nil, errMissing("Members")
	}
	out := make([]memberRef, 0, len(objs))
	for i, o := range objs {
		id, typ := o["MemberId"], o["MemberType"]
		if id == "" {
			return nil, errf("MissingParameter.MemberId", "The input parameter Members.%d.MemberId that is mandatory for processing this request is not supplied.", i+1)
		}
		if typ == "" {
			return nil, errf("MissingParameter.MemberType", "The input parameter Members.%d.MemberType that is mandatory for processing this request is not supplied.", i+1)
		}
		if typ != memberAccount && typ != memberFolder {
			return nil, errIllegal("MemberType", typ)
		}
		out = append(out, memberRef{id, typ})
	}
	return out, nil
}

// memberAdminIpam runs the caller checks AddIpamMembers and RemoveIpamMembers share, in seed 003's terms,
// and returns the caller's IPAM in the call's region.
func (s *Sim) memberAdminIpam(c *call) (*ipam, error) {
	rd := s.opts.ResourceDirectory
	if rd == nil || !slices.Contains(rd.Accounts, c.account) {
		return nil, errf("OperationDenied.AccountNotRDEntity", "The operation is not allowed because the caller does not belong to the resource directory.")
	}
	if rd.DelegatedAdmin == "" {
		// No delegated IPAM administrator is registered at all: nobody holds the service-principal
		// privileges (seed 003 gives this code the same message as NotDelegatedAdminAccount).
		return nil, errf("OperationDenied.NoServicePrincipalAdminPrivileges", "The operation is not allowed because the caller is not the delegated IPAM admin for the resource directory.")
	}
	if c.account != rd.DelegatedAdmin {
		return nil, errf("OperationDenied.NotDelegatedAdminAccount", "The operation is not allowed because the caller is not the delegated IPAM admin for the resource directory.")
	}
	for _, ip := range sortedBySeq(s.st.Ipams, func(x *ipam) int64 { return x.Seq }) {
		if ip.Owner == c.account && ip.Region == c.region && ip.Status != statusDeleting {
			return ip, nil
		}
	}
	return nil, errf("OperationDenied.IpamNotExist", "The operation is not allowed because the IPAM does not exist.")
}

// checkMemberType reports whether ref names an account or folder of the resource directory of its type.
// An id of the other kind, or one the directory does not hold, does not match (UNKNOWN 104: the service's
// code for a member outside the directory is not documented; the mismatch code is the stricter reading).
func (s *Sim) checkMemberType(ref memberRef) bool {
	rd := s.opts.ResourceDirectory
	switch ref.typ {
	case memberAccount:
		return slices.Contains(rd.Accounts, ref.id)
	case memberFolder:
		_, ok := rd.Folders[ref.id]
		return ok
	}
	return false
}

// refAccounts is the accounts a member covers.
func (s *Sim) refAccounts(ref memberRef) []string {
	if ref.typ == memberFolder {
		return s.opts.ResourceDirectory.Folders[ref.id]
	}
	return []string{ref.id}
}

// AddIpamMembers adds accounts or folders of the resource directory to the delegated administrator's IPAM
// (seed 003). Every check of the seed's error table runs, dry run included.
func (s *Sim) addIpamMembers(c *call) (map[string]any, error) {
	refs, err := parseMembers(c)
	if err != nil {
		return nil, err
	}
	ip, err := s.memberAdminIpam(c)
	if err != nil {
		return nil, err
	}
	for _, m := range sortedBySeq(s.st.Members, func(x *member) int64 { return x.Seq }) {
		if other, ok := s.st.Ipams[m.IpamID]; ok && other.Owner == c.account && other.ID != ip.ID {
			return nil, errf("OperationDenied.IpamRDServiceAlreadyEnabledInOtherRegion", "The operation is not allowed because the IPAM Resource Directory service is already enabled in another region (%s).", other.Region)
		}
	}
	var mismatch []string
	for _, r := range refs {
		if !s.checkMemberType(r) {
			mismatch = append(mismatch, r.id)
		}
	}
	if len(mismatch) > 0 {
		return nil, errf("OperationDenied.MemberIdNotMatchMemberType", "The operation is not allowed because the Member ID and Member Type of members [%s] in the input parameters do not match.", strings.Join(mismatch, ","))
	}
	admin := s.opts.ResourceDirectory.DelegatedAdmin
	for _, r := range refs {
		if r.typ == memberAccount && r.id == admin {
			return nil, errf("OperationDenied.DelegateAdminAsMember", "The operation is not allowed because the IPAM delegate administrator cannot be a member.")
		}
	}
	managed := s.managedAccounts(ip.ID)
	inRequest := map[string]bool{}
	for _, r := range refs {
		_, exists := s.st.Members[memberKey(ip.ID, r.id)]
		if exists || inRequest[r.id] || (r.typ == memberAccount && managed[r.id]) {
			// Already a member, listed twice, or an account already managed through a member folder.
			return nil, errf("OperationDenied.MemberExistInIpamRDService", "The operation is not allowed because %s is under the management of the IPAM.", r.id)
		}
		inRequest[r.id] = true
	}
	sharers := map[string]bool{} // accounts whose discovery is shared with the administrator
	for _, d := range s.st.Discoveries {
		if d.Owner != admin && s.sharedWith(d.ID, admin) {
			sharers[d.Owner] = true
		}
	}
	for _, r := range refs {
		for _, acct := range s.refAccounts(r) {
			if sharers[acct] {
				return nil, errf("OperationDenied.IpamResourceDiscoveryAlreadySharedWithAdmin", "The operation is not allowed because the resource discovery has been shared with the IPAM delegated administrator by %s.", acct)
			}
		}
	}
	total := maps.Clone(managed)
	for _, r := range refs {
		for _, acct := range s.refAccounts(r) {
			if acct != admin {
				total[acct] = true
			}
		}
	}
	if len(total) > maxMemberAccounts {
		return nil, errf("QuotaExceeded.MemberAccount", "The operation is not allowed because the number of member accounts managed by IPAM has exceeded the limit, %d/%d.", len(total), maxMemberAccounts)
	}
	if c.dryRun {
		return nil, errDryRun
	}
	for _, r := range refs {
		m := &member{Seq: s.st.nextSeq(), IpamID: ip.ID, MemberID: r.id, Type: r.typ, Status: statusCreated, Created: c.now}
		s.st.Members[memberKey(ip.ID, r.id)] = m
	}
	return map[string]any{}, nil
}

// RemoveIpamMembers removes members; removing the last one turns the trusted service off (reference 3.8).
func (s *Sim) removeIpamMembers(c *call) (map[string]any, error) {
	refs, err := parseMembers(c)
	if err != nil {
		return nil, err
	}
	ip, err := s.memberAdminIpam(c)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, r := range refs {
		m, ok := s.st.Members[memberKey(ip.ID, r.id)]
		if !ok || seen[r.id] {
			// UNKNOWN 104: RemoveIpamMembers' error table is not in the corpus; the counterpart of seed 003's
			// MemberExistInIpamRDService is used for a member that is not managed.
			return nil, errf("OperationDenied.MemberNotExistInIpamRDService", "The operation is not allowed because %s is not under the management of the IPAM.", r.id)
		}
		if m.Type != r.typ {
			return nil, errf("OperationDenied.MemberIdNotMatchMemberType", "The operation is not allowed because the Member ID and Member Type of members [%s] in the input parameters do not match.", r.id)
		}
		seen[r.id] = true
	}
	if c.dryRun {
		return nil, errDryRun
	}
	for _, r := range refs {
		delete(s.st.Members, memberKey(ip.ID, r.id))
	}
	return map[string]any{}, nil
}

// ListIpamMembers lists the members of the caller's IPAM in the region; it is account-level and has no
// IpamId filter (reference 2.10). A caller without members gets an empty list.
func (s *Sim) listIpamMembers(c *call) (map[string]any, error) {
	ids, err := idFilter(c, "MemberIds")
	if err != nil {
		return nil, err
	}
	var match []*member
	for _, m := range sortedBySeq(s.st.Members, func(x *member) int64 { return x.Seq }) {
		ip, ok := s.st.Ipams[m.IpamID]
		if !ok || ip.Owner != c.account || ip.Region != c.region || len(ids) > 0 && !slices.Contains(ids, m.MemberID) {
			continue
		}
		match = append(match, m)
	}
	page, next, maxResults, err := paginate(s, c, match, func(x *member) int64 { return x.Seq }, limitsList)
	if err != nil {
		return nil, err
	}
	items := make([]map[string]any, 0, len(page))
	for _, m := range page {
		items = append(items, map[string]any{
			"MemberId":     m.MemberID,
			"MemberType":   m.Type,
			"Status":       m.Status,
			"CreationTime": timestamp(m.Created),
		})
	}
	return pageBody(map[string]any{}, "MemberInfos", items, next, maxResults, len(match)), nil
}
