package catalog

import "slices"

// publicRegions is Alibaba Cloud's public region list (the "Regions and zones" page of the documentation),
// in the page's order. Finance and government clouds are not public regions. A constant table, never
// mutated. Vpc and ResourceSharing are served in these; cleanup's configuration is checked against them.
var publicRegions = [...]string{
	"cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou",
	"cn-shanghai", "cn-nanjing", "cn-fuzhou", "cn-shenzhen", "cn-heyuan", "cn-guangzhou", "cn-chengdu",
	"cn-hongkong", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-3", "ap-southeast-5",
	"ap-southeast-6", "ap-southeast-7", "us-east-1", "us-west-1", "eu-west-1", "eu-central-1", "me-east-1",
	"me-central-1", "na-south-1",
}

// vpcIpamRegions are the regions of VpcIpam's own endpoint map, the 33 ids of the newest Go SDK's EndpointMap
// (reference 1.2, read 2026-12-02), sorted. They are not the public list: VpcIpam has ap-southeast-2, four
// finance regions and cn-wuhan-lr, which the list lacks, and lacks na-south-1, which the list has.
var vpcIpamRegions = [...]string{
	"ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-5",
	"ap-southeast-6", "ap-southeast-7", "cn-beijing", "cn-beijing-finance-1", "cn-chengdu", "cn-fuzhou",
	"cn-guangzhou", "cn-hangzhou", "cn-hangzhou-finance", "cn-heyuan", "cn-hongkong", "cn-huhehaote",
	"cn-nanjing", "cn-qingdao", "cn-shanghai", "cn-shanghai-finance-1", "cn-shenzhen", "cn-shenzhen-finance-1",
	"cn-wuhan-lr", "cn-wulanchabu", "cn-zhangjiakou", "eu-central-1", "eu-west-1", "me-central-1", "me-east-1",
	"us-east-1", "us-west-1",
}

// PublicRegions returns the region ids of Alibaba Cloud's public region list. The slice is the caller's.
func PublicRegions() []string { return slices.Clone(publicRegions[:]) }

// isPublicRegion reports whether id is on Alibaba Cloud's public region list.
func isPublicRegion(id string) bool { return slices.Contains(publicRegions[:], id) }

// Regions returns the regions product is served in, by its endpoint map: VpcIpam its own 33, Vpc and
// ResourceSharing the public list. nil for Sts, whose calls name no region (one global endpoint), and for an
// unknown product. The slice is the caller's.
func Regions(product string) []string {
	switch product {
	case ProductVpcIpam:
		return slices.Clone(vpcIpamRegions[:])
	case ProductVpc, ProductResourceSharing:
		return PublicRegions()
	}
	return nil
}

// HasRegion reports whether product is served in region (Regions). A product without a region list (Sts)
// has none.
func HasRegion(product, region string) bool {
	switch product {
	case ProductVpcIpam:
		return slices.Contains(vpcIpamRegions[:], region)
	case ProductVpc, ProductResourceSharing:
		return isPublicRegion(region)
	}
	return false
}

// AllRegions returns every region some product is served in (the union of Regions), sorted: the regions a
// topology may name.
func AllRegions() []string {
	all := slices.Concat(vpcIpamRegions[:], publicRegions[:])
	slices.Sort(all)
	return slices.Compact(all)
}
