package topology

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim"
	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/wire"
)

// Refs maps a topology name ("kind/NAME" as written in the YAML) to the emulator's id. Besides every named
// ipam, scope, pool, allocation, discovery, share and vpc, each IPAM contributes
// "ipam/NAME/private-scope", "ipam/NAME/public-scope", "ipam/NAME/discovery" (its default resource
// discovery) and "ipam/NAME/discovery-association".
type Refs map[string]string

// Apply builds the topology's state in sim, only through sim.Invoke and as the account that owns each
// resource, in dependency order: IPAMs, scopes, pools (parents first) with their explicit CIDRs, then the
// netmask CIDRs, discoveries, shares, associations, members, and last the address allocations, explicit
// CIDRs before masks so that a block the emulator picks never takes one the file names. The sim must have
// been created with t.Options() (or a superset of its accounts).
func Apply(ctx context.Context, sim *ipamsim.Sim, t *Topology) (Refs, error) {
	ix, err := t.check()
	if err != nil {
		return nil, err
	}
	a := &applier{sim: sim, t: t, ix: ix, refs: Refs{}}
	steps := []func(context.Context) error{a.ipams, a.pools, a.netmasks, a.discoveries, a.shares, a.associations, a.members}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	// Address allocations: explicit CIDRs first, then masks, then secondary VPC blocks in the same order.
	for _, explicit := range []bool{true, false} {
		if err := a.allocations(ctx, explicit); err != nil {
			return nil, err
		}
		if err := a.vpcs(ctx, explicit); err != nil {
			return nil, err
		}
	}
	for _, explicit := range []bool{true, false} {
		if err := a.secondary(ctx, explicit); err != nil {
			return nil, err
		}
	}
	return a.refs, nil
}

type applier struct {
	sim  *ipamsim.Sim
	t    *Topology
	ix   *index
	refs Refs
}

// call invokes one action as account; a failure names the topology field the call builds.
func (a *applier) call(ctx context.Context, p fieldPath, account, product, action string, params wire.Params) (map[string]any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := a.sim.Invoke(ctx, account, product, action, params)
	if err != nil {
		return nil, &Error{File: a.t.name, Line: lineOf(a.t.root, p), Path: p.String(),
			Msg: fmt.Sprintf("%s as %s: %v", action, account, err), Err: err}
	}
	return out, nil
}

// id reads a string id from a response; a missing id is the emulator's fault, reported as such.
func (a *applier) id(p fieldPath, action string, out map[string]any, keys ...string) (string, error) {
	var cur any = out
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			cur = nil
			break
		}
		cur = m[k]
	}
	s, ok := cur.(string)
	if !ok || s == "" {
		return "", &Error{File: a.t.name, Line: lineOf(a.t.root, p), Path: p.String(),
			Msg: fmt.Sprintf("%s answered without %v", action, keys)}
	}
	return s, nil
}

func addTags(params wire.Params, prefix string, tags Tags) {
	for i, k := range sortedKeys(tags) {
		n := strconv.Itoa(i + 1)
		params[prefix+"."+n+".Key"] = k
		params[prefix+"."+n+".Value"] = tags[k]
	}
}

func addList(params wire.Params, name string, values []string) {
	for i, v := range values {
		params[name+"."+strconv.Itoa(i+1)] = v
	}
}

func setIf(params wire.Params, name, value string) {
	if value != "" {
		params[name] = value
	}
}

func setInt(params wire.Params, name string, v int) {
	if v != 0 {
		params[name] = strconv.Itoa(v)
	}
}

func operating(home string, list []string) []string {
	if len(list) == 0 {
		return []string{home}
	}
	return list
}

func (a *applier) ipams(ctx context.Context) error {
	for i, acct := range a.t.Accounts {
		for j, m := range acct.IPAMs {
			p := fieldPath{"accounts", i, "ipams", j}
			params := wire.Params{"RegionId": m.Region, "IpamName": m.Name}
			setIf(params, "IpamDescription", m.Description)
			addList(params, "OperatingRegionList", operating(m.Region, m.OperatingRegions))
			addTags(params, "Tag", m.Tags)
			out, err := a.call(ctx, p, acct.ID, wire.ProductVpcIpam, "CreateIpam", params)
			if err != nil {
				return err
			}
			for _, f := range []struct{ ref, key string }{
				{"ipam/" + m.Name, "IpamId"},
				{"ipam/" + m.Name + "/private-scope", "PrivateDefaultScopeId"},
				{"ipam/" + m.Name + "/public-scope", "PublicDefaultScopeId"},
				{"ipam/" + m.Name + "/discovery", "DefaultResourceDiscoveryId"},
				{"ipam/" + m.Name + "/discovery-association", "DefaultResourceDiscoveryAssociationId"},
			} {
				id, err := a.id(p, "CreateIpam", out, f.key)
				if err != nil {
					return err
				}
				a.refs[f.ref] = id
			}
			for k, s := range m.Scopes {
				sp := p.Add("scopes", k)
				params := wire.Params{"RegionId": m.Region, "IpamId": a.refs["ipam/"+m.Name],
					"IpamScopeName": s.Name, "IpamScopeType": "private"}
				setIf(params, "IpamScopeDescription", s.Description)
				addTags(params, "Tag", s.Tags)
				out, err := a.call(ctx, sp, acct.ID, wire.ProductVpcIpam, "CreateIpamScope", params)
				if err != nil {
					return err
				}
				id, err := a.id(sp, "CreateIpamScope", out, "IpamScopeId")
				if err != nil {
					return err
				}
				a.refs["scope/"+s.Name] = id
			}
		}
	}
	return nil
}

func (a *applier) scopeID(pi *poolInfo) string {
	switch pi.scope {
	case ScopeDefaultPrivate:
		return a.refs["ipam/"+pi.ipam.ipam.Name+"/private-scope"]
	case ScopeDefaultPublic:
		return a.refs["ipam/"+pi.ipam.ipam.Name+"/public-scope"]
	}
	return a.refs["scope/"+pi.scope]
}

// pools creates every pool, parents first, and provisions its explicit CIDRs right after it so that its
// sub-pools can carve theirs.
func (a *applier) pools(ctx context.Context) error {
	for _, pi := range a.ix.poolOrder {
		pool, owner, region := pi.pool, pi.ipam.owner.ID, pi.ipam.ipam.Region
		params := wire.Params{"RegionId": region, "IpamScopeId": a.scopeID(pi), "IpamPoolName": pool.Name, "IpVersion": pi.version}
		setIf(params, "IpamPoolDescription", pool.Description)
		if pi.parent != nil {
			params["SourceIpamPoolId"] = a.refs["pool/"+pi.parent.pool.Name]
		}
		setIf(params, "PoolRegionId", pool.Region)
		setIf(params, "Ipv6Isp", pool.ISP)
		setInt(params, "AllocationMinCidrMask", pool.AllocationMinMask)
		setInt(params, "AllocationMaxCidrMask", pool.AllocationMaxMask)
		setInt(params, "AllocationDefaultCidrMask", pool.AllocationDefaultMask)
		addTags(params, "Tag", pool.Tags)
		out, err := a.call(ctx, pi.path, owner, wire.ProductVpcIpam, "CreateIpamPool", params)
		if err != nil {
			return err
		}
		id, err := a.id(pi.path, "CreateIpamPool", out, "IpamPoolId")
		if err != nil {
			return err
		}
		a.refs["pool/"+pool.Name] = id
		for k, cidr := range pool.CIDRs {
			params := wire.Params{"RegionId": region, "IpamPoolId": id, "Cidr": cidr}
			if _, err := a.call(ctx, pi.path.Add("cidrs", k), owner, wire.ProductVpcIpam, "AddIpamPoolCidr", params); err != nil {
				return err
			}
		}
	}
	return nil
}

// netmasks provisions the CIDRs the emulator picks, parents first, after every explicit CIDR exists.
func (a *applier) netmasks(ctx context.Context) error {
	for _, pi := range a.ix.poolOrder {
		for k, n := range pi.pool.Netmasks {
			params := wire.Params{"RegionId": pi.ipam.ipam.Region, "IpamPoolId": a.refs["pool/"+pi.pool.Name], "NetmaskLength": strconv.Itoa(n)}
			if _, err := a.call(ctx, pi.path.Add("netmasks", k), pi.ipam.owner.ID, wire.ProductVpcIpam, "AddIpamPoolCidr", params); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *applier) discoveries(ctx context.Context) error {
	for i, acct := range a.t.Accounts {
		for j, d := range acct.Discoveries {
			p := fieldPath{"accounts", i, "discoveries", j}
			params := wire.Params{"RegionId": d.Region, "IpamResourceDiscoveryName": d.Name}
			setIf(params, "IpamResourceDiscoveryDescription", d.Description)
			addList(params, "OperatingRegionList", operating(d.Region, d.OperatingRegions))
			addTags(params, "Tag", d.Tags)
			out, err := a.call(ctx, p, acct.ID, wire.ProductVpcIpam, "CreateIpamResourceDiscovery", params)
			if err != nil {
				return err
			}
			id, err := a.id(p, "CreateIpamResourceDiscovery", out, "IpamResourceDiscoveryId")
			if err != nil {
				return err
			}
			a.refs["discovery/"+d.Name] = id
		}
	}
	return nil
}

// Resource Sharing resource types of IPAM objects.
const (
	shareTypePool      = "IpamPool"
	shareTypeDiscovery = "IpamResourceDiscovery"
)

func (a *applier) shares(ctx context.Context) error {
	for i, acct := range a.t.Accounts {
		for j, s := range acct.Shares {
			p := fieldPath{"accounts", i, "shares", j}
			params := wire.Params{"ResourceShareName": s.Name}
			region := ""
			for k, r := range s.Resources {
				n := strconv.Itoa(k + 1)
				typ := shareTypePool
				if kind, name, _ := cutRef(r); kind == "discovery" {
					typ = shareTypeDiscovery
					region = a.ix.discoveries[name].discovery.Region
				} else {
					region = a.ix.pools[name].ipam.ipam.Region
				}
				params["Resources."+n+".ResourceId"] = a.refs[r]
				params["Resources."+n+".ResourceType"] = typ
			}
			// Resource Sharing takes its region from the endpoint; send it as RegionId too, as Terraform does.
			params["RegionId"] = region
			addList(params, "Targets", s.Targets)
			if s.AllowExternalTargets {
				params["AllowExternalTargets"] = "true"
			}
			out, err := a.call(ctx, p, acct.ID, wire.ProductResourceSharing, "CreateResourceShare", params)
			if err != nil {
				return err
			}
			id, err := a.id(p, "CreateResourceShare", out, "ResourceShare", "ResourceShareId")
			if err != nil {
				if id2, err2 := a.id(p, "CreateResourceShare", out, "ResourceShareId"); err2 == nil {
					id, err = id2, nil
				}
			}
			if err != nil {
				return err
			}
			a.refs["share/"+s.Name] = id
		}
	}
	return nil
}

func cutRef(ref string) (kind, name string, ok bool) { return strings.Cut(ref, "/") }

func (a *applier) associations(ctx context.Context) error {
	for i, acct := range a.t.Accounts {
		for j, as := range acct.Associations {
			p := fieldPath{"accounts", i, "associations", j}
			_, iname, _ := cutRef(as.IPAM)
			params := wire.Params{"RegionId": a.ix.ipams[iname].ipam.Region, "IpamId": a.refs[as.IPAM],
				"IpamResourceDiscoveryId": a.refs[as.Discovery]}
			if _, err := a.call(ctx, p, acct.ID, wire.ProductVpcIpam, "AssociateIpamResourceDiscovery", params); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *applier) members(ctx context.Context) error {
	for i, acct := range a.t.Accounts {
		for j, m := range acct.IPAMs {
			if len(m.Members) == 0 {
				continue
			}
			p := fieldPath{"accounts", i, "ipams", j, "members"}
			params := wire.Params{"RegionId": m.Region}
			for k, mem := range m.Members {
				n := strconv.Itoa(k + 1)
				typ := mem.Type
				if typ == "" {
					typ = MemberAccount
					if strings.HasPrefix(mem.ID, "fd-") {
						typ = MemberFolder
					}
				}
				params["Members."+n+".MemberId"] = mem.ID
				params["Members."+n+".MemberType"] = typ
			}
			if _, err := a.call(ctx, p, acct.ID, wire.ProductVpcIpam, "AddIpamMembers", params); err != nil {
				return err
			}
		}
	}
	return nil
}

// allocation creates one custom allocation as account.
func (a *applier) allocation(ctx context.Context, p fieldPath, account string, pi *poolInfo, al *Allocation) error {
	params := wire.Params{"RegionId": pi.allocRegion(), "IpamPoolId": a.refs["pool/"+pi.pool.Name]}
	setIf(params, "Cidr", al.CIDR)
	setInt(params, "CidrMask", al.Mask)
	setIf(params, "IpamPoolAllocationName", al.Name)
	setIf(params, "IpamPoolAllocationDescription", al.Description)
	out, err := a.call(ctx, p, account, wire.ProductVpcIpam, "CreateIpamPoolAllocation", params)
	if err != nil {
		return err
	}
	id, err := a.id(p, "CreateIpamPoolAllocation", out, "IpamPoolAllocationId")
	if err != nil {
		return err
	}
	if al.Name != "" {
		a.refs["allocation/"+al.Name] = id
	}
	return nil
}

// allocations creates the custom allocations with (explicit) or without an explicit CIDR: the pool owners'
// first, then the accounts' own lists.
func (a *applier) allocations(ctx context.Context, explicit bool) error {
	for _, pi := range a.ix.poolOrder {
		for k, al := range pi.pool.Allocations {
			if (al.CIDR != "") != explicit {
				continue
			}
			if err := a.allocation(ctx, pi.path.Add("allocations", k), pi.ipam.owner.ID, pi, al); err != nil {
				return err
			}
		}
	}
	for i, acct := range a.t.Accounts {
		for j, al := range acct.Allocations {
			if (al.CIDR != "") != explicit {
				continue
			}
			_, name, _ := cutRef(al.Pool)
			if err := a.allocation(ctx, fieldPath{"accounts", i, "allocations", j}, acct.ID, a.ix.pools[name], al); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *applier) vpcRegion(v *VPC) string {
	if v.Region != "" {
		return v.Region
	}
	for _, ref := range []string{v.Pool, v.IPv6Pool} {
		if ref != "" {
			_, name, _ := cutRef(ref)
			return a.ix.pools[name].region
		}
	}
	return ""
}

// vpcs creates the VPCs whose primary IPv4 block is (explicit) or is not an explicit CIDR from a pool.
func (a *applier) vpcs(ctx context.Context, explicit bool) error {
	for i, acct := range a.t.Accounts {
		for j, v := range acct.VPCs {
			if (v.Pool != "" && v.CIDR != "") != explicit {
				continue
			}
			p := fieldPath{"accounts", i, "vpcs", j}
			params := wire.Params{"RegionId": a.vpcRegion(v), "VpcName": v.Name}
			setIf(params, "CidrBlock", v.CIDR)
			if v.Pool != "" {
				params["Ipv4IpamPoolId"] = a.refs[v.Pool]
				setInt(params, "Ipv4CidrMask", v.Mask)
			}
			if v.IPv6Pool != "" {
				params["EnableIpv6"] = "true"
				params["Ipv6IpamPoolId"] = a.refs[v.IPv6Pool]
				setInt(params, "Ipv6CidrMask", v.IPv6Mask)
			}
			addTags(params, "Tag", v.Tags)
			out, err := a.call(ctx, p, acct.ID, wire.ProductVpc, "CreateVpc", params)
			if err != nil {
				return err
			}
			id, err := a.id(p, "CreateVpc", out, "VpcId")
			if err != nil {
				return err
			}
			a.refs["vpc/"+v.Name] = id
		}
	}
	return nil
}

// secondary associates the secondary VPC blocks with (explicit) or without an explicit CIDR.
func (a *applier) secondary(ctx context.Context, explicit bool) error {
	for i, acct := range a.t.Accounts {
		for j, v := range acct.VPCs {
			for k, b := range v.Blocks {
				if (b.CIDR != "") != explicit {
					continue
				}
				p := fieldPath{"accounts", i, "vpcs", j, "secondary", k}
				params := wire.Params{"RegionId": a.vpcRegion(v), "VpcId": a.refs["vpc/"+v.Name]}
				version := IPv4
				if b.Pool != "" {
					_, name, _ := cutRef(b.Pool)
					version = a.ix.pools[name].version
					params["IpamPoolId"] = a.refs[b.Pool]
				} else if isIPv6(b.CIDR) {
					version = IPv6
				}
				if version == IPv6 {
					params["IpVersion"] = "IPV6"
					setIf(params, "IPv6CidrBlock", b.CIDR)
					setInt(params, "Ipv6CidrMask", b.Mask)
				} else {
					params["IpVersion"] = "IPV4"
					setIf(params, "SecondaryCidrBlock", b.CIDR)
					setInt(params, "SecondaryCidrMask", b.Mask)
				}
				if _, err := a.call(ctx, p, acct.ID, wire.ProductVpc, "AssociateVpcCidrBlock", params); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func isIPv6(cidr string) bool { return strings.Contains(cidr, ":") }

// Build creates an emulator for t and builds t in it. Accounts, resource directory and regions come from t;
// the delete delay and its tail, clock and id seed from opts (its other fields are ignored).
func Build(ctx context.Context, t *Topology, opts ipamsim.Options) (*ipamsim.Sim, Refs, error) {
	o := t.Options()
	o.DeleteDelay, o.DeleteDelayTail, o.Now, o.IDSeed = opts.DeleteDelay, opts.DeleteDelayTail, opts.Now, opts.IDSeed
	sim, err := ipamsim.New(o)
	if err != nil {
		return nil, nil, fmt.Errorf("topology %s: %w", t.name, err)
	}
	refs, err := Apply(ctx, sim, t)
	if err != nil {
		return nil, nil, err
	}
	return sim, refs, nil
}
