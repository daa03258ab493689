package catalog

import "slices"

// publicRegions is Alibaba Cloud's public region list (the "Regions and zones" page of the documentation),
// in the page's order. Finance and government clouds are not public regions. A constant table, never
// mutated. The emulator serves these; cleanup's configuration is checked against them.
var publicRegions = [...]string{
	"cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou",
	"cn-shanghai", "cn-nanjing", "cn-fuzhou", "cn-shenzhen", "cn-heyuan", "cn-guangzhou", "cn-chengdu",
	"cn-hongkong", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-3", "ap-southeast-5",
	"ap-southeast-6", "ap-southeast-7", "us-east-1", "us-west-1", "eu-west-1", "eu-central-1", "me-east-1",
	"me-central-1", "na-south-1",
}

// PublicRegions returns the region ids of Alibaba Cloud's public region list. The slice is the caller's.
func PublicRegions() []string { return slices.Clone(publicRegions[:]) }

// IsPublicRegion reports whether id is on Alibaba Cloud's public region list.
func IsPublicRegion(id string) bool { return slices.Contains(publicRegions[:], id) }
