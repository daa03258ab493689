package ipamsim

import (
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	vpcsdk "github.com/alibabacloud-go/vpc-20160428/v6/client"
)

// sdkDecode converts a response map into an SDK response struct the way the generated client does after
// CallApi (dara.Convert of {"body": ..., "statusCode": ...}), so a field of the wrong JSON type fails here.
func sdkDecode(t *testing.T, body map[string]any, out any) {
	t.Helper()
	if err := dara.Convert(map[string]any{"body": body, "statusCode": 200, "headers": map[string]string{}}, out); err != nil {
		t.Fatalf("the SDK cannot decode %v: %v", body, err)
	}
}

// TestVpcResponsesDecodeWithSDK: the Vpc answers decode into the vpc-20160428 v6.16.0 models with every
// field the tool reads.
func TestVpcResponsesDecodeWithSDK(t *testing.T) {
	t.Parallel()
	s := newSim(t)
	f := build(t, s)
	var created vpcsdk.CreateVpcResponse
	sdkDecode(t, invoke(t, s, owner, vpcP, "CreateVpc", p("RegionId", hz, "Ipv4IpamPoolId", f.child, "Ipv4CidrMask", "24", "VpcName", "n")), &created)
	vpcID := dara.StringValue(created.Body.VpcId)
	if vpcID == "" || dara.StringValue(created.Body.VRouterId) == "" {
		t.Fatalf("CreateVpc decoded to %v", created.Body)
	}
	var assoc vpcsdk.AssociateVpcCidrBlockResponse
	sdkDecode(t, invoke(t, s, owner, vpcP, "AssociateVpcCidrBlock", p("RegionId", hz, "VpcId", vpcID, "IpamPoolId", f.child, "SecondaryCidrMask", "24")), &assoc)
	if dara.StringValue(assoc.Body.IpVersion) != "IPV4" || dara.StringValue(assoc.Body.CidrBlock) == "" {
		t.Fatalf("AssociateVpcCidrBlock decoded to %v", assoc.Body)
	}
	var desc vpcsdk.DescribeVpcsResponse
	sdkDecode(t, invoke(t, s, owner, vpcP, "DescribeVpcs", p("RegionId", hz, "VpcId", vpcID)), &desc)
	b := desc.Body
	if dara.Int32Value(b.TotalCount) != 1 || dara.Int32Value(b.PageNumber) != 1 || dara.Int32Value(b.PageSize) != 10 || len(b.Vpcs.Vpc) != 1 {
		t.Fatalf("DescribeVpcs decoded to %v", b)
	}
	v := b.Vpcs.Vpc[0]
	switch {
	case dara.StringValue(v.VpcId) != vpcID,
		dara.Int64Value(v.OwnerId) != ownerID(owner),
		dara.StringValue(v.Status) != "Available",
		dara.StringValue(v.VpcName) != "n",
		len(v.SecondaryCidrBlocks.SecondaryCidrBlock) != 1 || dara.StringValue(v.SecondaryCidrBlocks.SecondaryCidrBlock[0]) != dara.StringValue(assoc.Body.CidrBlock),
		len(v.RouterTableIds.RouterTableIds) != 1,
		dara.BoolValue(v.EnabledIpv6):
		t.Fatalf("DescribeVpcs item decoded to %v", v)
	}
}
