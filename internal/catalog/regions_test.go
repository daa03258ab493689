package catalog

import (
	"slices"
	"testing"
)

// TestRegionsPerProduct: each product has the regions of its own endpoint map; VpcIpam's are not the public
// list (reference 1.2), and the union is what a topology may name.
func TestRegionsPerProduct(t *testing.T) {
	ipam := Regions(ProductVpcIpam)
	if len(ipam) != 33 || !slices.IsSorted(ipam) || len(slices.Compact(slices.Clone(ipam))) != 33 {
		t.Fatalf("VpcIpam regions: %d, sorted %v: %v", len(ipam), slices.IsSorted(ipam), ipam)
	}
	for _, tc := range []struct {
		product, region string
		want            bool
	}{
		{ProductVpcIpam, "ap-southeast-2", true},
		{ProductVpcIpam, "cn-beijing-finance-1", true},
		{ProductVpcIpam, "cn-hangzhou-finance", true},
		{ProductVpcIpam, "cn-shanghai-finance-1", true},
		{ProductVpcIpam, "cn-shenzhen-finance-1", true},
		{ProductVpcIpam, "cn-wuhan-lr", true},
		{ProductVpcIpam, "na-south-1", false},
		{ProductVpcIpam, "cn-hangzhou", true},
		{ProductVpc, "na-south-1", true},
		{ProductVpc, "cn-wuhan-lr", false},
		{ProductResourceSharing, "cn-hangzhou", true},
		{ProductSts, "cn-hangzhou", false},
		{"Nope", "cn-hangzhou", false},
	} {
		if got := HasRegion(tc.product, tc.region); got != tc.want {
			t.Errorf("HasRegion(%s, %s) = %v, want %v", tc.product, tc.region, got, tc.want)
		}
		if got := slices.Contains(Regions(tc.product), tc.region); got != tc.want {
			t.Errorf("Regions(%s) has %s: %v, want %v", tc.product, tc.region, got, tc.want)
		}
	}
	if Regions(ProductSts) != nil {
		t.Error("Sts has a region list; its calls name none")
	}
	all := AllRegions()
	if len(all) != 34 || !slices.IsSorted(all) || !slices.Contains(all, "na-south-1") || !slices.Contains(all, "cn-wuhan-lr") {
		t.Errorf("AllRegions() = %d %v, want the 33 of VpcIpam and na-south-1, sorted", len(all), all)
	}
	ipam[0] = "mutated"
	if Regions(ProductVpcIpam)[0] != "ap-northeast-1" {
		t.Error("Regions returns the package's table, not a copy")
	}
}
