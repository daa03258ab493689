package ipamsim

import "time"

// PERIPHERY owns this file: the Vpc 2016-04-28 calls that take CIDRs from pools (CreateVpc with
// Ipv4IpamPoolId, AssociateVpcCidrBlock, UnassociateVpcCidrBlock, DeleteVpc, DescribeVpcs).

// vpc is one VPC; its IPAM allocations live in state.Allocations with ResourceType VPC.
type vpc struct {
	Seq     int64     `json:"seq"`
	ID      string    `json:"id"`
	Owner   string    `json:"owner"`
	Region  string    `json:"region"`
	CIDR    string    `json:"cidr"`
	IPv6    bool      `json:"ipv6,omitempty"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
}

// registerVpc registers the Vpc actions (PERIPHERY fills it).
func (s *Sim) registerVpc(m handlerSet) {}
